// What the Redis specs share: a real redis-server for the file (started on a free loopback port and
// stopped), clients closed at the end, child processes running examples/redis-replica.ts (killed
// after each test), and a poll for conditions that Redis or another process makes true.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../scripts/redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await sleep(10);
  }
}

export interface Replica {
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly exit: Promise<number | null>;
}

/** Registers the hooks of one spec file and returns its tools. */
export function redisHarness(prefix: string) {
  let server: RedisServer;
  const clients: Redis[] = [];
  const children: ChildProcess[] = [];
  let names = 0;
  beforeAll(async () => {
    server = await startRedis();
  }, 60_000);
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await server?.stop();
  });
  return {
    get server(): RedisServer {
      return server;
    },
    name: () => `${prefix}-${process.pid}-${++names}`,
    client(): Redis {
      const c = new Redis({ port: server.port, host: '127.0.0.1' });
      clients.push(c);
      return c;
    },
    /** A process running `script` (default examples/redis-replica.ts) with `args`, its stdout split into lines. */
    child(args: string[], script = 'examples/redis-replica.ts'): Replica {
      const proc = spawn(process.execPath, ['--import', 'tsx', `${root}${script}`, String(server.port), ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(proc);
      const lines: string[] = [];
      let buffer = '';
      proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          lines.push(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      });
      proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => lines.push(`stderr: ${chunk.trim()}`));
      return { process: proc, lines, exit: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
    },
  };
}
