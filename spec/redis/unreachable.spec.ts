// Redis unreachable: a section errors with the connection's error, and once the user lets go of
// the client nothing of the package keeps the process alive or keeps dialling Redis.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['RedisSemaphore', 'RedisLock', 'RedisRateLimiter'])('%s on a Redis that drops every connection', (kind) => {
  it('the section errors; after client.disconnect() no connection is attempted again and the process exits by itself', async () => {
    // a "Redis" that accepts and drops: every connection attempt is counted
    let attempts = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      attempts++;
      sockets.add(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const child = spawn(process.execPath, ['--import', 'tsx', `${root}spec/fixtures/redis-unreachable.ts`, String(port), kind], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      for (let waited = 0; !out.includes('disconnected'); waited += 20) {
        if (waited > 20_000) throw new Error(`no error reached the section:\n${out}`);
        await sleep(20);
      }
      expect(out).toMatch(/errored: /);
      expect(out).not.toContain('granted?');
      const before = attempts;
      await sleep(1500);
      expect(attempts - before).toBe(0); // nothing of ours redials once the user's client is gone
      // ioredis's own disconnect keeps a 2 s timer: the process is gone soon after
      const code = await Promise.race([exit, sleep(6000).then(() => 'still running')]);
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
      server.close();
    }
  });
});
