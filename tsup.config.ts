import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'worker/index': 'src/worker/index.ts',
    'node/index': 'src/node/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: false,
  treeshake: true,
  shims: true,
  target: 'es2022',
  // the other entries import the main one by name, so that `cleanups`, `Semaphore` and the error
  // classes exist once in a program that uses several entries
  external: ['rxjs', 'fast-check', 'rxjs-concurrency'],
});
