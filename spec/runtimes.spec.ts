// The conformance suite: the public API as a user calls it, from the packed package, on every
// runtime users run — this machine's Node, Node 22, 24 and 26, Bun and Deno (each installed from the
// npm registry by scripts/runtimes.ts when missing, cached between runs). The checks themselves are
// plain ES modules in spec/conformance/, the same file for every runtime; /redis and /bullmq run
// against a real redis-server. Every runtime passes every check today: a runtime that cannot do
// something would be named here with its reason, and the test would assert that it fails.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packedProject } from '../scripts/packed.js';
import { startRedis, type RedisServer } from '../scripts/redis-server.js';
import { ensureRuntime, runtimes } from '../scripts/runtimes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const project = `${root}.tmp/runtimes-project`;

interface Target {
  readonly label: string;
  readonly path: string;
  readonly args: readonly string[];
}
const targets: Target[] = [
  { label: `Node ${process.versions.node} (this machine's)`, path: process.execPath, args: [] },
  ...runtimes.map((r) => ({ label: r.label, args: r.args, get path() { return ensureRuntime(r.name).path; } })),
];

interface Run {
  code: number | null;
  out: string;
}

/** Runs `script` of the conformance project on `target`; `ready` (with `signal`) interrupts it once that line is printed. */
function run(target: Target, script: string, args: string[] = [], interrupt?: { ready: string; signal: NodeJS.Signals }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(target.path, [...target.args, script, ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    const timer = setTimeout(() => {
      out += '\n[killed after 60 s]';
      child.kill('SIGKILL');
    }, 60_000);
    const take = (chunk: Buffer) => {
      out += chunk.toString();
      if (interrupt && out.includes(interrupt.ready)) {
        child.kill(interrupt.signal);
        interrupt = undefined;
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

let redis: RedisServer;

beforeAll(async () => {
  packedProject(project, ['rxjs', 'ioredis', 'bullmq', '@opentelemetry/api', '@opentelemetry/sdk-metrics']);
  cpSync(`${root}spec/conformance`, project, { recursive: true });
  writeFileSync(`${project}/package.json`, JSON.stringify({ name: 'conformance', private: true, type: 'module' }));
  redis = await startRedis();
}, 300_000);

afterAll(async () => {
  await redis?.stop();
});

describe.each(targets)('$label', (target) => {
  it('operators and sections: racing, gathering, deadlines, semaphoreMap (≤ 2 at once, composed), rateLimitMap (window held), lockedSection, AdaptiveLimit (limit held, composed; a 503 lowers it, a 429 pauses every stream), AbortSignal both ways, tracked cleanup', async () => {
    const { code, out } = await run(target, 'operators.mjs');
    expect(out).toContain('operators ok');
    expect(code).toBe(0);
  });

  it('fromWorker: inline and on a module pool — values, streaming, concatMap, take(3) of an endless generator, cancel of a polite and of a hard loop, a task sent ahead to a busy worker and taken back, a crash, transfer both ways', async () => {
    const { code, out } = await run(target, 'workers.mjs');
    expect(out).toContain('workers ok');
    expect(code).toBe(0);
  });

  it('rxjs-concurrency/otel with the real SDK: every kind of limit and a worker pool of the build counted (the members it sets are renamed there)', async () => {
    const { code, out } = await run(target, 'otel.mjs');
    expect(out).toContain('otel ok 6 limits and a pool');
    expect(code).toBe(0);
  });

  it('runUntilSignal: SIGINT stops the service after its asynchronous cleanup, and the process exits 0 by itself', async () => {
    const { code, out } = await run(target, 'signal.mjs', [], { ready: 'ready', signal: 'SIGINT' });
    expect(out).toContain('cleaned unsubscribe');
    expect(out).toContain('stopped');
    expect(code).toBe(0);
  });

  it('rxjs-concurrency/redis on a real redis-server: RedisSemaphore across two clients (≤ 2 held), RedisLock with growing tokens, RedisRateLimiter, the keyed ones taking turns', async () => {
    const { code, out } = await run(target, 'redis.mjs', [String(redis.port)]);
    expect(out).toContain('redis ok');
    expect(code).toBe(0);
  });

  it('rxjs-concurrency/bullmq on a real redis-server: values, streaming, take(2), an error, a running job cancelled', async () => {
    const { code, out } = await run(target, 'bullmq.mjs', [String(redis.port)]);
    expect(out).toContain('bullmq ok');
    expect(code).toBe(0);
  });
});
