// Which Redis the Redis specs (and the processes they start) run against, and through which client:
// RXC_REDIS_TARGET = ioredis (default) | iovalkey | node-redis | cluster-ioredis | cluster-node-redis |
// sentinel-ioredis. An address is a port ("6379"), a cluster's ports ("cluster:7000,7001,…") or a
// master's name and its Sentinels' ports ("sentinel:rxc:26379,26380,…").
import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../src/redis/index.js';

export type Target = 'ioredis' | 'iovalkey' | 'node-redis' | 'cluster-ioredis' | 'cluster-node-redis' | 'sentinel-ioredis';
const TARGETS: readonly Target[] = ['ioredis', 'iovalkey', 'node-redis', 'cluster-ioredis', 'cluster-node-redis', 'sentinel-ioredis'];

export const target: Target = (() => {
  const named = (process.env.RXC_REDIS_TARGET ?? 'ioredis') as Target;
  if (!TARGETS.includes(named)) throw new Error(`RXC_REDIS_TARGET must be one of ${TARGETS.join(', ')}`);
  return named;
})();
export const clustered = target.startsWith('cluster-');
/** A master with a replica under three Sentinels, reached through them. */
export const sentinel = target.startsWith('sentinel-');

export interface Address {
  readonly ports: readonly number[];
  readonly cluster: boolean;
  /** The master's name, when `ports` are its Sentinels'. */
  readonly sentinel?: string;
}

export function addressOf(text: string): Address {
  if (text.startsWith('cluster:')) return { ports: text.slice(8).split(',').map(Number), cluster: true };
  if (text.startsWith('sentinel:')) {
    const [, name, ports] = text.split(':');
    return { ports: ports!.split(',').map(Number), cluster: false, sentinel: name };
  }
  return { ports: [Number(text)], cluster: false };
}
export const addressText = (a: Address): string => (a.cluster ? `cluster:${a.ports.join(',')}` : a.sentinel ? `sentinel:${a.sentinel}:${a.ports.join(',')}` : String(a.ports[0]));

/** An ioredis `Redis` at `a` (standalone, or the master its Sentinels name). */
const single = (a: Address): Redis =>
  a.sentinel ? new Redis({ sentinels: a.ports.map((port) => ({ host: '127.0.0.1', port })), name: a.sentinel }) : new Redis({ port: a.ports[0], host: '127.0.0.1' });

/** An ioredis client to look into Redis with (a `Cluster` on a cluster): the specs' own connection. */
export function inspector(a: Address): Redis {
  if (!a.cluster) return single(a);
  // the two share every command the specs use; a Cluster routes each by its key
  return new Cluster(a.ports.map((port) => ({ host: '127.0.0.1', port }))) as unknown as Redis;
}

/** The client the package's limits are given, of the target's family, connected. */
export async function library(a: Address): Promise<{ client: RedisClient; close(): Promise<void> }> {
  if (target === 'ioredis' || target === 'cluster-ioredis' || target === 'sentinel-ioredis') {
    const client = a.cluster ? new Cluster(a.ports.map((port) => ({ host: '127.0.0.1', port }))) : single(a);
    return { client, close: () => client.quit().then(() => undefined, () => client.disconnect()) };
  }
  if (target === 'iovalkey') {
    const { Redis: Valkey } = await import('iovalkey');
    const client = new Valkey({ port: a.ports[0], host: '127.0.0.1' });
    return { client, close: () => client.quit().then(() => undefined, () => client.disconnect()) };
  }
  const { createClient, createCluster } = await import('redis');
  const client = a.cluster
    ? createCluster({ rootNodes: a.ports.map((port) => ({ socket: { host: '127.0.0.1', port } })) })
    : createClient({ socket: { host: '127.0.0.1', port: a.ports[0] } });
  client.on('error', () => undefined);
  await client.connect();
  return { client, close: () => client.close().catch(() => client.destroy()) };
}
