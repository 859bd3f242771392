import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^rxjs-concurrency$/, replacement: src('index.ts') },
      { find: /^rxjs-concurrency\/(worker|node|testing)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['spec/**/*.spec.ts', 'marble-tests/**/*.marble.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
  },
});
