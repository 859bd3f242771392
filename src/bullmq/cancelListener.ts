import { Worker } from 'node:worker_threads';

/** Where the listener connects: the fields of an ioredis client's `options` it understands. */
export interface ListenerConnection {
  readonly host?: string;
  readonly port?: number;
  readonly path?: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: boolean | Record<string, unknown>;
}

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
 * speaks just enough of Redis's protocol to SUBSCRIBE (it needs no module but Node's own) and
 * reconnects when the connection drops.
 */
export function startCancelListener(connection: ListenerConnection, channel: string, slots: number, onCancel: (jobId: string) => void): CancelListener & { readonly flags: Int32Array } {
  const flags = new Int32Array(new SharedArrayBuffer(slots * 4));
  // per slot: the runtime id running in it (0: free), then the job id's hash (2 cells)
  const ids = new Int32Array(new SharedArrayBuffer(slots * 4));
  const hashes = new Int32Array(new SharedArrayBuffer(slots * 8));
  // the recent cancels: a head counter, then RING hashes
  const ring = new Int32Array(new SharedArrayBuffer(4 + RING * 8));
  const source = `globalThis.__name = globalThis.__name || ((fn) => fn);\n(${listenerThread.toString()})(${hashJobId.toString()});`;
  const worker = new Worker(source, { eval: true, workerData: { connection: cloneable(connection), channel, flags, ids, hashes, ring } });
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

/** Keeps the options a thread can receive (no functions, no sockets). */
function cloneable(connection: ListenerConnection): ListenerConnection {
  const { host, port, path, username, password } = connection;
  const tls = connection.tls && typeof connection.tls === 'object' ? Object.fromEntries(Object.entries(connection.tls).filter(([, v]) => typeof v !== 'function')) : connection.tls;
  return { host, port, path, username, password, tls };
}

/* eslint-disable */
/** The thread's body: self-contained (it runs from its source text). */
function listenerThread(hash: (jobId: string, out: Int32Array, at: number) => void): void {
  const req: (id: string) => unknown = typeof require === 'function' ? require : (id) => process.getBuiltinModule(id);
  const { parentPort, workerData } = req('node:worker_threads') as typeof import('node:worker_threads');
  const net = req('node:net') as typeof import('node:net');
  const tls = req('node:tls') as typeof import('node:tls');
  const data = workerData as { connection: ListenerConnection; channel: string; flags: Int32Array; ids: Int32Array; hashes: Int32Array; ring: Int32Array };
  const { connection, channel, flags, ids, hashes, ring } = data;
  const port = parentPort!;
  const slots = ids.length;
  const ringSize = (ring.length - 1) / 2;
  const h = new Int32Array(2);
  let everReady = false;
  let delay = 50;

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

  const command = (...args: string[]) => `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');

  /** Parses one RESP value at `at`; undefined when the buffer holds only part of it. */
  const parse = (buf: Buffer, at: number): [unknown, number] | undefined => {
    const end = buf.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const type = String.fromCharCode(buf[at]!);
    const line = buf.toString('utf8', at + 1, end);
    if (type === '+' || type === ':') return [line, end + 2];
    if (type === '-') return [new Error(line), end + 2];
    if (type === '$') {
      const length = Number(line);
      if (length < 0) return [null, end + 2];
      if (buf.length < end + 2 + length + 2) return undefined;
      return [buf.toString('utf8', end + 2, end + 2 + length), end + 2 + length + 2];
    }
    if (type === '*' || type === '>') {
      const count = Number(line);
      const items: unknown[] = [];
      let next = end + 2;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, next);
        if (!item) return undefined;
        items.push(item[0]);
        next = item[1];
      }
      return [items, next];
    }
    return [line, end + 2];
  };

  const connect = () => {
    const options = { host: connection.host ?? '127.0.0.1', port: connection.port ?? 6379 };
    const socket = connection.path
      ? net.connect(connection.path)
      : connection.tls
        ? tls.connect({ ...(typeof connection.tls === 'object' ? connection.tls : {}), ...options, servername: connection.host })
        : net.connect(options);
    let pending: Buffer = Buffer.alloc(0);
    socket.setNoDelay(true);
    socket.on(connection.tls && !connection.path ? 'secureConnect' : 'connect', () => {
      let out = '';
      if (connection.password) out += connection.username ? command('AUTH', connection.username, connection.password) : command('AUTH', connection.password);
      out += command('SUBSCRIBE', channel);
      socket.write(out);
    });
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      for (;;) {
        const item = parse(pending, at);
        if (!item) break;
        at = item[1];
        const value = item[0];
        if (value instanceof Error) {
          if (!everReady) port.postMessage({ t: 'failed', message: value.message });
          socket.destroy();
          return;
        }
        if (!Array.isArray(value)) continue;
        if (value[0] === 'subscribe') {
          delay = 50;
          if (!everReady) port.postMessage({ t: 'ready' });
          everReady = true;
        } else if (value[0] === 'message' && typeof value[2] === 'string') {
          raise(value[2]);
        }
      }
      pending = pending.subarray(at);
    });
    socket.on('error', (error: Error) => {
      if (!everReady) port.postMessage({ t: 'failed', message: error.message });
    });
    socket.on('close', () => {
      // reconnect, backing off to a second
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 1000);
    });
  };
  connect();
}
