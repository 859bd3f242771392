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
  /** A job started here under `local` (its runtime id): a cancel for it sets its flag. */
  register(jobId: string, local: number): void;
  /** The job ended here. */
  unregister(jobId: string): void;
  close(): Promise<void>;
}

/**
 * Listens for cancels on a thread of its own, so that a cancel reaches a job whose handler keeps the
 * main thread busy in a synchronous loop: the thread sets the job's slot in `flags` (which
 * `ctx.throwIfCancelled()` reads), and tells the main thread (which aborts `ctx.signal` when it is
 * free again). The thread speaks just enough of Redis's protocol to SUBSCRIBE (it needs no module
 * but Node's own), and reconnects when the connection drops.
 */
export function startCancelListener(connection: ListenerConnection, channel: string, flags: Int32Array, onCancel: (jobId: string) => void): CancelListener {
  const source = `globalThis.__name = globalThis.__name || ((fn) => fn);\n(${listenerThread.toString()})();`;
  const worker = new Worker(source, { eval: true, workerData: { connection: cloneable(connection), channel, flags } });
  worker.unref();
  let settle: { resolve(): void; reject(error: Error): void } | undefined;
  const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  worker.on('message', (message: { t: string; jobId?: string; message?: string }) => {
    if (message.t === 'ready') settle?.resolve();
    else if (message.t === 'failed') settle?.reject(new Error(`serveQueue: the cancel listener cannot reach Redis: ${message.message}`));
    else if (message.t === 'cancel' && message.jobId !== undefined) onCancel(message.jobId);
  });
  worker.on('error', (error) => settle?.reject(error));
  return {
    ready,
    register: (jobId, local) => worker.postMessage({ t: 'add', jobId, local }),
    unregister: (jobId) => worker.postMessage({ t: 'del', jobId }),
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
function listenerThread(): void {
  const req: (id: string) => unknown = typeof require === 'function' ? require : (id) => process.getBuiltinModule(id);
  const { parentPort, workerData } = req('node:worker_threads') as typeof import('node:worker_threads');
  const net = req('node:net') as typeof import('node:net');
  const tls = req('node:tls') as typeof import('node:tls');
  const data = workerData as { connection: ListenerConnection; channel: string; flags: Int32Array };
  const { connection, channel, flags } = data;
  const port = parentPort!;
  const running = new Map<string, number>();
  // cancels that came before their job started here (or for jobs another process runs): kept a minute
  const early = new Map<string, number>();
  let everReady = false;
  let delay = 50;

  const raise = (jobId: string) => {
    const local = running.get(jobId);
    if (local === undefined) return;
    // a job run on a thread pool has no flag here (its pool has its own): local is 0
    if (local > 0) Atomics.store(flags, local % flags.length, local);
    port.postMessage({ t: 'cancel', jobId });
  };
  port.on('message', (message: { t: string; jobId: string; local?: number }) => {
    if (message.t === 'add') {
      running.set(message.jobId, message.local!);
      if (early.has(message.jobId)) raise(message.jobId);
    } else running.delete(message.jobId);
  });

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
          const jobId = value[2];
          const now = Date.now();
          early.set(jobId, now);
          if (early.size > 1000) for (const [id, at] of early) if (now - at > 60_000) early.delete(id);
          raise(jobId);
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
