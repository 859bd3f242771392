import { Worker } from 'node:worker_threads';

/**
 * How the listener thread makes its own connections: the serving client's options (and a Cluster's
 * startup nodes), less what cannot cross to a thread (functions, class instances), and where ioredis is.
 */
export interface ListenerConnection {
  /** ioredis's resolved module path: the thread loads the same client library as the serving process. */
  readonly ioredis: string;
  readonly options: Record<string, unknown>;
  /** A Cluster's startup nodes; absent for one server (standalone or through Sentinel). */
  readonly cluster?: readonly unknown[];
}

/** What of a serving client the listener needs: its options, and a Cluster's startup nodes. */
export interface ServingClient {
  readonly options?: object;
  readonly isCluster?: boolean;
  readonly startupNodes?: readonly unknown[];
}

/** The options of `client` that can cross to a thread: plain data only (no retryStrategy, no Connector class). */
export function listenerConnection(ioredis: string, client: ServingClient): ListenerConnection {
  const options = { ...(plain(client.options) as Record<string, unknown> | undefined), lazyConnect: false, maxRetriesPerRequest: null };
  return client.isCluster === true ? { ioredis, options, cluster: plain(client.startupNodes) as unknown[] } : { ioredis, options };
}

function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(plain);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const kept = plain(item);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

/** Ms a listener looks back, before the last moment it knew itself subscribed, for cancels it may have missed. */
const LOOK_BACK = 2000;

/** The cancels of a serving process, heard on a thread of their own. */
export interface CancelListener {
  /** Resolves once the listener is subscribed; rejects if it cannot connect at first. */
  readonly ready: Promise<void>;
  /**
   * A job starts here: takes a slot and returns the runtime id to run it under (its cancel flag is
   * `flags[id % slots]`), or 0 when a cancel for it came before it started.
   */
  register(jobId: string): number;
  /** The job ended here: frees its slot. */
  unregister(id: number): void;
  close(): Promise<void>;
}

/** Two 32-bit FNV-1a hashes of a job id: 64 bits, so that two running jobs never share one. */
export function hashJobId(jobId: string, out: Int32Array, at: number): void {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < jobId.length; i++) {
    const c = jobId.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  out[at] = a | 0 || 1;
  out[at + 1] = b | 0;
}

/** How many cancels the thread remembers for jobs that have not started here (yet). */
const RING = 256;

/**
 * Listens for cancels on a thread of its own, so that a cancel reaches a job whose handler keeps the
 * main thread busy in a synchronous loop. The threads share memory, with no message per job: the
 * main thread writes each running job's id hash into `table` (slot by slot); the listener, given a
 * cancel, finds the job's slot and sets its flag in `flags` (which `ctx.throwIfCancelled()` reads),
 * then tells the main thread (which aborts `ctx.signal` when it is free again). A cancel that comes
 * before its job starts here stays in a ring the main thread reads when the job starts. The thread
 * hears the cancels through ioredis, with the serving client's own options (one server, Sentinel or
 * Cluster, TLS): the client reconnects by itself, and after each reconnect the thread reads the
 * cancels published meanwhile from the queue's cancel log (a sorted set by Redis's time).
 */
export function startCancelListener(connection: ListenerConnection, channel: string, cancels: string, slots: number, onCancel: (jobId: string) => void): CancelListener & { readonly flags: Int32Array } {
  const flags = new Int32Array(new SharedArrayBuffer(slots * 4));
  // per slot: the runtime id running in it (0: free), then the job id's hash (2 cells)
  const ids = new Int32Array(new SharedArrayBuffer(slots * 4));
  const hashes = new Int32Array(new SharedArrayBuffer(slots * 8));
  // the recent cancels: a head counter, then RING hashes
  const ring = new Int32Array(new SharedArrayBuffer(4 + RING * 8));
  const source = `globalThis.__name = globalThis.__name || ((fn) => fn);\n(${listenerThread.toString()})(${hashJobId.toString()}, ${LOOK_BACK});`;
  const worker = new Worker(source, { eval: true, workerData: { connection, channel, cancels, flags, ids, hashes, ring } });
  worker.unref();
  let settle: { resolve(): void; reject(error: Error): void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  worker.on('message', (message: { t: string; jobId?: string; message?: string }) => {
    if (message.t === 'ready') settle?.resolve();
    else if (message.t === 'failed') settle?.reject(new Error(`serveQueue: the cancel listener cannot reach Redis: ${message.message}`));
    else if (message.t === 'cancel' && message.jobId !== undefined) onCancel(message.jobId);
  });
  worker.on('error', (error) => settle?.reject(error));
  const free: number[] = [];
  for (let slot = slots - 1; slot >= 0; slot--) free.push(slot);
  let generation = 0;
  const mine = new Int32Array(2);
  return {
    flags,
    ready,
    register(jobId) {
      const slot = free.pop();
      if (slot === undefined) throw new Error('serveQueue: more jobs at once than cancel slots');
      // ids grow by `slots`, so id % slots is the slot; they wrap long before 2^31
      generation = generation >= Math.floor(0x7fffffff / slots) - 1 ? 1 : generation + 1;
      const id = slot + slots * generation;
      hashJobId(jobId, hashes, slot * 2);
      Atomics.store(ids, slot, id);
      // a cancel that came first is in the ring (the listener writes the ring, then reads the table)
      hashJobId(jobId, mine, 0);
      const head = Atomics.load(ring, 0);
      for (let i = Math.max(0, head - RING); i < head; i++) {
        const at = 1 + (i % RING) * 2;
        if (Atomics.load(ring, at) === mine[0] && Atomics.load(ring, at + 1) === mine[1]) {
          Atomics.store(ids, slot, 0);
          free.push(slot);
          return 0;
        }
      }
      return id;
    },
    unregister(id) {
      const slot = id % slots;
      if (Atomics.load(ids, slot) !== id) return;
      Atomics.store(ids, slot, 0);
      free.push(slot);
    },
    close: async () => {
      await worker.terminate();
    },
  };
}

/* eslint-disable */
/** The thread's body: self-contained (it runs from its source text). */
function listenerThread(hash: (jobId: string, out: Int32Array, at: number) => void, lookBack: number): void {
  const req: (id: string) => unknown = typeof require === 'function' ? require : (id) => process.getBuiltinModule(id);
  const { parentPort, workerData } = req('node:worker_threads') as typeof import('node:worker_threads');
  const data = workerData as { connection: ListenerConnection; channel: string; cancels: string; flags: Int32Array; ids: Int32Array; hashes: Int32Array; ring: Int32Array };
  const { connection, channel, cancels, flags, ids, hashes, ring } = data;
  const { Redis, Cluster } = req(connection.ioredis) as typeof import('ioredis');
  const port = parentPort!;
  const slots = ids.length;
  const ringSize = (ring.length - 1) / 2;
  const h = new Int32Array(2);
  let everReady = false;
  /** Redis's time (ms) when this listener last knew itself subscribed: no cancel before it was missed. */
  let since = 0;

  const raise = (jobId: string) => {
    hash(jobId, h, 0);
    // remember it first (for a job that starts here later), then look for it among the running
    const head = Atomics.load(ring, 0);
    Atomics.store(ring, 1 + (head % ringSize) * 2, h[0]!);
    Atomics.store(ring, 2 + (head % ringSize) * 2, h[1]!);
    Atomics.store(ring, 0, head + 1);
    for (let slot = 0; slot < slots; slot++) {
      const id = Atomics.load(ids, slot);
      if (id !== 0 && hashes[slot * 2] === h[0] && hashes[slot * 2 + 1] === h[1]) {
        Atomics.store(flags, slot, id);
        port.postMessage({ t: 'cancel', jobId });
      }
    }
  };

  // two connections of the serving client's kind (one server, Sentinel, or Cluster): one subscribed,
  // one to read the cancels that were published while the first one was reconnecting
  const make = () => (connection.cluster ? new Cluster(connection.cluster as never, connection.options as never) : new Redis(connection.options as never));
  const sub = make();
  const reader = make();
  const failed = (error: Error) => {
    if (!everReady) port.postMessage({ t: 'failed', message: error.message });
  };
  sub.on('error', failed);
  reader.on('error', failed);
  sub.on('message', (_channel: string, jobId: string) => raise(jobId));
  // Redis's clock, read on the node that holds the cancels (the same clock their scores come from)
  const time = async () => {
    const [s, us] = (await reader.eval("return redis.call('TIME')", 1, cancels)) as [string, string];
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  };
  // (re)subscribed: the cancels published since the last moment it knew itself subscribed (less a
  // look-back for a drop noticed late) are read and raised again: none is lost to a reconnect
  const subscribed = async () => {
    await sub.subscribe(channel);
    const now = await time();
    if (everReady) for (const jobId of (await reader.zrangebyscore(cancels, since - lookBack, '+inf')) as string[]) raise(jobId);
    since = now;
    if (!everReady) port.postMessage({ t: 'ready' });
    everReady = true;
  };
  sub.on('ready', () => void subscribed().catch(failed));
  const keep = setInterval(() => {
    if (everReady && sub.status === 'ready') time().then((now) => (since = now), () => undefined);
  }, lookBack / 2);
  keep.unref?.();
}
