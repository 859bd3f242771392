import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^rxjs-concurrency$/, replacement: src('index.ts') },
      { find: /^rxjs-concurrency\/testing\/pool$/, replacement: src('testing/pool.ts') },
      { find: /^rxjs-concurrency\/(worker|node|testing|redis|bullmq)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-report.json' },
    projects: [
      {
        extends: true,
        test: { name: 'node', include: ['spec/**/*.spec.ts', 'marble-tests/**/*.marble.ts'] },
      },
      // the Redis suite once more through each other client family, on a real Redis Cluster and
      // through Sentinel (a master, a replica, three Sentinels)
      // (scripts/redis-target.ts); the node project runs it on a standalone server through ioredis
      ...(['node-redis', 'iovalkey', 'cluster-ioredis', 'cluster-node-redis', 'sentinel-ioredis'] as const).map((target) => ({
        extends: true as const,
        test: { name: `redis:${target}`, include: ['spec/redis/**/*.spec.ts'], exclude: ['spec/redis/unreachable.spec.ts'], env: { RXC_REDIS_TARGET: target } },
      })),
      {
        // the worker pool in a real Chromium: Debian's, installed by scripts/ensure-debian.sh
        extends: true,
        test: {
          name: 'chromium',
          include: ['browser-tests/**/*.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: {
                executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
                args: [
                  '--no-sandbox',
                  '--disable-gpu',
                  '--disable-dev-shm-usage',
                  '--disable-background-networking',
                  '--disable-component-update',
                  '--disable-sync',
                  '--no-first-run',
                  '--disable-quic',
                ],
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
