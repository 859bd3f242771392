import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  format: ['esm', 'cjs'],
  sourcemap: true,
  splitting: false,
  treeshake: true,
  shims: true,
  target: 'es2022',
  clean: false,
  // the other entries import the main one by name, so that `cleanups`, `Semaphore` and the error
  // classes exist once in a program that uses several entries
  external: ['rxjs', 'fast-check', 'rxjs-concurrency'],
};

export default defineConfig([
  {
    // browsers and every other runtime: `#spawn` and `#port` resolve to the Web Worker adapters
    ...shared,
    platform: 'browser',
    entry: { index: 'src/index.ts', 'worker/index': 'src/worker/index.ts', 'testing/index': 'src/testing/index.ts' },
    dts: true,
  },
  {
    // Node: the same sources with the `node` condition, so the worker_threads adapters are inlined
    ...shared,
    platform: 'node',
    entry: { 'index.node': 'src/index.ts', 'worker/index.node': 'src/worker/index.ts', 'node/index': 'src/node/index.ts' },
    dts: { entry: { 'node/index': 'src/node/index.ts' } },
  },
]);
