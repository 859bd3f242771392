// The files the docs quote (examples/docs/*.ts, marked `// docs: begin … end`): each runs as shown
// and checks what its page says it does (spec/docs.spec.ts checks that the page quotes it as it
// is). The Redis one runs against a real redis-server; the service one is stopped with SIGINT.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startRedis, type RedisServer } from '../scripts/redis-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = readdirSync(`${root}examples/docs`).filter((f) => f.endsWith('.ts'));

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
}, 60_000);
afterAll(async () => {
  await redis?.stop();
});

/** Runs an example file with tsx; `interrupt` sends SIGINT once the file printed that line. */
function run(file: string, interrupt?: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${root}examples/docs/${file}`], {
      cwd: root,
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${redis.port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const take = (chunk: Buffer) => {
      out += chunk.toString();
      if (interrupt && out.includes(interrupt)) {
        child.kill('SIGINT');
        interrupt = undefined;
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, out })));
  });
}

const EXPECTED: Record<string, { line: RegExp; interrupt?: string }> = {
  'AdaptiveLimit.ts': { line: /^limit 16 → ([4-9]|1[0-5]) \(\d+ changes\); after the 429 the next calls waited 1 s$/m },
  'KeyedSemaphore.ts': { line: /^small tenants done after [1-5] of the big tenant's calls \(one shared Semaphore: after all 40\)$/m },
  'Lock.ts': { line: /^counter 10$/m },
  'RateLimiter.ts': { line: /^9 responses, 9 starts$/m },
  'Semaphore.ts': { line: /^9 responses, at most 3 at once$/m },
  'gatherSettled.ts': { line: /^4 ok, failed: 2,4$/m },
  'lockedSection.ts': { line: /^counter 1000$/m },
  'otel.ts': { line: /^scraped: 12 sections complete, 12 waits, limit 4$/m },
  'mergeAsCompleted.ts': { line: /^\[\[1,"result 2"\],\[2,"result 3"\],\[0,"result 1"\]\]$/m },
  'rateNesting.ts': { line: /^rate outside: 10 calls within one second; semaphore outside: 5$/m },
  'raceFirst.ts': { line: /^fastest B; A and C aborted; the hedged race went to the backup$/m },
  'redis.ts': { line: /^saved 12, reports 1, answered 16$/m },
  'runUntilSignal.ts': { line: /^stopped by SIGINT; every cleanup finished$/m, interrupt: 'serving' },
  'semaphoreMap.ts': { line: /^12 responses, at most 3 in flight$/m },
  'timeoutWith.ts': { line: /^the search gave up at 2 s, the upload hit its deadline$/m },
};

describe('examples/docs: every file the docs quote runs and does what its page says', () => {
  it('every file has its expectation here', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.concurrent.each(files)('%s', async (file) => {
    const { line, interrupt } = EXPECTED[file]!;
    const { code, out } = await run(file, interrupt);
    expect(out).toMatch(line);
    expect(code).toBe(0);
  });
});
