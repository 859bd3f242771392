import { typeError } from '../internal/core/validate.js';

/**
 * An `ioredis` client — `new Redis(…)` (standalone or through Sentinel) or `new Cluster(…)` — or one
 * of `iovalkey`, its fork for Valkey. Only the members the package calls are named here, so that every
 * version of both libraries fits without a cast and the package imports neither.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const sentinel = new Redis({ sentinels: [{ host: 'sentinel-1', port: 26379 }], name: 'main' });
 * const lock = new RedisLock(sentinel, 'nightly-report', { replicas: 1 });
 * ```
 */
export interface IoredisClient {
  evalsha(...args: never[]): Promise<unknown>;
  duplicate(...args: never[]): unknown;
  readonly status: string;
}

/**
 * A `node-redis` client: `createClient(…)` or `createCluster(…)` of the `redis` package (v5 and
 * later), connected. Only the members the package calls are named here.
 *
 * @example
 * ```ts
 * import { createCluster } from 'redis';
 * const cluster = await createCluster({ rootNodes: [{ url: 'redis://node-1:6379' }] }).connect();
 * const quota = new RedisSemaphore(cluster, 'api-quota', { permits: 3 });
 * ```
 */
export interface NodeRedisClient {
  evalSha(...args: never[]): Promise<unknown>;
  duplicate(...args: never[]): unknown;
  readonly isOpen: boolean;
}

/**
 * A client the Redis limits take: {@link IoredisClient} or {@link NodeRedisClient}.
 *
 * @example
 * ```ts
 * const limiterFor = (client: RedisClient) => new RedisRateLimiter(client, 'mail', { limit: 10, interval: 1000 });
 * ```
 */
export type RedisClient = IoredisClient | NodeRedisClient;

/** A subscription to one channel, on a connection of its own. */
export interface Subscription {
  /** Settles once the channel is subscribed (or the connection failed). */
  readonly ready: Promise<unknown>;
  /** The connection is up and subscribed. */
  connected(): boolean;
  /** Lets go of the connection (and of its reconnects). */
  close(): void;
}

/**
 * What the Redis limits need of a client, whatever its family: run a script on the node that holds a
 * key, run a command there, hear a channel on a connection of its own, and know when the user's client
 * is closed for good. One adapter per client family; each is a few lines over the client's own calls.
 */
export interface Connection {
  readonly family: 'ioredis' | 'node-redis';
  readonly cluster: boolean;
  evalsha(sha: string, key: string, args: readonly (string | number)[]): Promise<unknown>;
  eval(script: string, key: string, args: readonly (string | number)[]): Promise<unknown>;
  /** `WAIT replicas timeout` on the connection that ran this process's scripts. */
  wait(replicas: number, timeout: number): Promise<number>;
  /**
   * Hears `channel` on a connection of its own. On a Cluster the channel is a sharded one (SSUBSCRIBE
   * on the master of its slot, which the scripts SPUBLISH to); else a classic one.
   */
  subscribe(channel: string, message: (text: string) => void): Subscription;
  /** Calls `ended` once the user's client is closed for good; returns the way to stop listening. */
  onEnd(ended: () => void): () => void;
}

type Listener = (...args: unknown[]) => void;
interface Emitter {
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}
interface Ioredis extends Emitter {
  readonly status: string;
  readonly isCluster?: boolean;
  evalsha(sha: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown>;
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  duplicate(): Ioredis;
  subscribe(channel: string): Promise<unknown>;
  ssubscribe(channel: string): Promise<unknown>;
  /** A Cluster's: the nodes that serve each slot (`host:port`, the master first), and its nodes. */
  readonly slots?: readonly (readonly string[])[];
  nodes?(role: 'master'): Ioredis[];
  readonly options?: { readonly host?: string; readonly port?: number };
  quit(): Promise<unknown>;
  disconnect(): void;
}
interface EvalOptions {
  keys: string[];
  arguments: string[];
}
interface NodeRedis extends Emitter {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  evalSha(sha: string, options: EvalOptions): Promise<unknown>;
  eval(script: string, options: EvalOptions): Promise<unknown>;
  sendCommand(...args: unknown[]): Promise<unknown>;
  duplicate(): NodeRedis;
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  sSubscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy(): void;
}

/** The user's client emits `end` once it is closed for good (node-redis's Cluster never does: its listener closes when idle). */
function onEnd(client: Emitter, ended: () => void): () => void {
  client.once('end', ended);
  return () => client.off('end', ended);
}

const CONNECTIONS = new WeakMap<object, Connection>();

/** The adapter of `client` (one per client), or a `TypeError` naming `fn` when it is neither family. */
export function connection(fn: string, client: unknown): Connection {
  if (client === null || typeof client !== 'object') return typeError(fn, 'client', 'an ioredis, iovalkey or node-redis client', client);
  let found = CONNECTIONS.get(client);
  if (!found) {
    const c = client as Partial<Ioredis & NodeRedis>;
    if (typeof c.evalsha === 'function' && typeof c.duplicate === 'function') found = ioredis(client as Ioredis);
    else if (typeof c.evalSha === 'function' && typeof c.duplicate === 'function') found = nodeRedis(client as NodeRedis);
    else return typeError(fn, 'client', 'an ioredis, iovalkey or node-redis client', client);
    CONNECTIONS.set(client, found);
  }
  return found;
}

/**
 * ioredis: the listener of a classic channel is a duplicate of the client; that of a Cluster's sharded
 * channel a duplicate of the master that serves the channel's slot (asked of the cluster: `CLUSTER
 * KEYSLOT`). When the slot moves, the listener hears nothing more: the heartbeat finds the grants.
 */
function ioredis(client: Ioredis): Connection {
  const cluster = client.isCluster === true;
  const listenerOf = async (channel: string): Promise<Ioredis> => {
    if (!cluster) return client.duplicate();
    const slot = Number(await client.call('CLUSTER', 'KEYSLOT', channel));
    const owner = client.slots?.[slot]?.[0];
    const node = client.nodes?.('master').find((n) => `${n.options?.host}:${n.options?.port}` === owner);
    if (!node) throw new Error(`no master of slot ${slot} is known to the cluster client`);
    return node.duplicate();
  };
  return {
    family: 'ioredis',
    cluster,
    evalsha: (sha, key, args) => client.evalsha(sha, 1, key, ...args),
    eval: (script, key, args) => client.eval(script, 1, key, ...args),
    wait: (replicas, timeout) => client.call('WAIT', replicas, timeout) as Promise<number>,
    subscribe(channel, message) {
      let listener: Ioredis | undefined;
      let closed = false;
      const close = (l: Ioredis) => (l.status === 'ready' ? void l.quit().catch(() => l.disconnect()) : l.disconnect());
      const ready = listenerOf(channel).then((made) => {
        listener = made;
        listener.on(cluster ? 'smessage' : 'message', (_channel, text) => message(text as string));
        // it reconnects by itself; what was missed meanwhile is found by the caller's heartbeat
        listener.on('error', () => undefined);
        if (closed) return close(listener);
        return cluster ? listener.ssubscribe(channel) : listener.subscribe(channel);
      });
      ready.catch(() => undefined);
      return {
        ready,
        connected: () => listener?.status === 'ready',
        close() {
          closed = true;
          if (listener) close(listener);
        },
      };
    },
    onEnd: (ended) => onEnd(client, ended),
  };
}

function nodeRedis(client: NodeRedis): Connection {
  const strings = (args: readonly (string | number)[]) => args.map(String);
  return {
    family: 'node-redis',
    cluster: 'masters' in client,
    evalsha: (sha, key, args) => client.evalSha(sha, { keys: [key], arguments: strings(args) }),
    eval: (script, key, args) => client.eval(script, { keys: [key], arguments: strings(args) }),
    wait: (replicas, timeout) => client.sendCommand(['WAIT', String(replicas), String(timeout)]) as Promise<number>,
    subscribe(channel, message) {
      const listener = client.duplicate();
      // it reconnects by itself; what was missed meanwhile is found by the caller's heartbeat
      listener.on('error', () => undefined);
      let closed = false;
      // on a Cluster, node-redis routes the sharded subscription to the master of the channel's slot
      const cluster = 'masters' in client;
      const ready = listener.connect().then(() => (closed ? undefined : cluster ? listener.sSubscribe(channel, message) : listener.subscribe(channel, message)));
      ready.catch(() => undefined);
      return {
        ready,
        connected: () => listener.isReady,
        close() {
          closed = true;
          if (listener.isOpen) void (listener.close ?? listener.quit)!.call(listener).catch(() => listener.destroy());
          else ready.then(() => listener.isOpen && listener.destroy(), () => undefined);
        },
      };
    },
    onEnd: (ended) => onEnd(client, ended),
  };
}
