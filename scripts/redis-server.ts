// A real redis-server for the tests: started on a free loopback port with persistence off, stopped
// (or killed, or restarted) by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      child = spawn(process.env.REDIS_SERVER ?? 'redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.on('exit', () => resolve());
      child.kill('SIGKILL');
    });
  await start();
  return { port, stop, start };
}

export interface RedisCluster {
  /** The masters' and replicas' ports, in the order given to `redis-cli --cluster create`. */
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster for the tests: `masters` masters with one replica each, on free loopback
 * ports, built with `redis-cli --cluster create`, its state files in a directory of its own.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'rxc-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.removeAllListeners('exit');
      child.on('exit', () => resolve());
      child.kill('SIGKILL');
    })));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * 2; i++) ports.push(await freePort());
    await Promise.all(ports.map((port) => new Promise<void>((resolve, reject) => {
      const child = spawn(process.env.REDIS_SERVER ?? 'redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d;
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    })));
    await new Promise<void>((resolve, reject) => {
      const cli = spawn(process.env.REDIS_CLI ?? 'redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      cli.stdout!.on('data', (d: Buffer) => (out += d));
      cli.stderr!.on('data', (d: Buffer) => (out += d));
      cli.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create exited (${code}): ${out}`))));
    });
    // every node must agree that the cluster is up before a client may count on its slots
    const { execFile } = await import('node:child_process');
    const info = (port: number) => new Promise<string>((resolve) => execFile(process.env.REDIS_CLI ?? 'redis-cli', ['-p', String(port), 'cluster', 'info'], (_e, out) => resolve(String(out))));
    const end = Date.now() + 30_000;
    while (!(await Promise.all(ports.map(info))).every((text) => text.includes('cluster_state:ok'))) {
      if (Date.now() > end) throw new Error('the Redis Cluster did not reach cluster_state:ok in 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, stop };
}
