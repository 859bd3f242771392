import { UnrecoverableError, Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import { deserializeError } from '../internal/pool/protocol.js';
import type { WorkerPool } from '../internal/pool/types.js';
import { checkInteger, typeError } from '../internal/core/validate.js';
import type { WorkerHandlers } from '../types.js';
import { createRequire } from 'node:module';
import { listenerConnection, startCancelListener, type CancelListener, type ServingClient } from './cancelListener.js';
import { localRunner, type JobSink, type Runner } from './localRunner.js';
import { cancelChannel, cancelLog, checkQueueName, COMPLETED, completedWith, encodeValue, decodeArgs, serializeError, type QueueJobData, type ReplyKind } from './wire.js';

/**
 * Options of `serveQueue`: the queue, and BullMQ's own `Worker` options under their own names
 * (`concurrency`, `stalledInterval`, `lockDuration`, `prefix`, …). `autorun` is always on.
 */
export interface ServeQueueOptions extends Omit<WorkerOptions, 'connection' | 'autorun' | 'useWorkerThreads' | 'sandboxed'> {
  /** How to reach Redis: an ioredis client or its options, as BullMQ takes them. */
  readonly connection: ConnectionOptions;
  /** The queue's name (the `queue` of `createQueuePool`). */
  readonly queue: string;
  /** Jobs run at once in this process. Default 1. */
  readonly concurrency?: number;
}

/** A running `serveQueue`. */
export interface QueueServer {
  /** The BullMQ `Worker` taking the jobs (for its events and metrics). */
  readonly worker: Worker;
  /** Stops taking jobs, lets the running ones finish, then closes what `serveQueue` opened. */
  close(): Promise<void>;
}

interface RedisLike extends ServingClient {
  xadd(...args: (string | Buffer)[]): Promise<unknown>;
}

/**
 * Where ioredis is, for the cancel listener's thread: resolved from this module, as BullMQ (whose
 * peer it is) finds it.
 */
function ioredisPath(): string {
  const here = typeof __filename === 'string' ? __filename : import.meta.url;
  return createRequire(here).resolve('ioredis');
}

/** More than any number of stalls: a stalled job comes back to a processor, which decides (see below). */
const STALLS_UNBOUNDED = 1_000_000;
/** BullMQ's default `lockDuration`. */
const BULLMQ_LOCK_DURATION = 30_000;

/**
 * Serves the handlers of a worker module (the object `exposeWorker` returns) to every
 * `createQueuePool` of the same queue, from this process: `fromWorker` across machines. Each job
 * runs one handler with the same `ctx` as in a worker thread; its values go back to the pool that
 * sent it as the handler yields them. A cancel from the pool aborts `ctx.signal` here, and reaches
 * `ctx.throwIfCancelled()` even while a synchronous loop keeps this thread busy (a thread of the
 * package hears the cancel and sets a shared flag).
 *
 * Pass a `WorkerPool` (`createWorkerPool(...)` of the same module) instead of the handlers to run
 * each job on a worker thread: a job that ignores its cancel is then terminated after the pool's
 * `cancelGrace`, and a long synchronous job no longer blocks BullMQ's lock renewal.
 *
 * A job whose process died (BullMQ finds it stalled, after `stalledInterval`) errors with
 * `WorkerCrashedError` at its pool and is not run again, unless the job's `attempts` leave room.
 *
 * ```text
 * fromWorker(pool, 'primes', 20)      jobs on the queue, run by any serving process
 * output:       -2-3-5-7-11-13-17-19|
 * unsubscribe:  -2-3-!                 ctx.signal aborts in the process that runs it
 * ```
 *
 * @example
 * ```ts
 * // worker.ts — run as many of these as you like, on any machine
 * import { serveQueue } from 'rxjs-concurrency/bullmq';
 * import { tasks } from './tasks.worker.js';
 *
 * const server = await serveQueue(tasks, { connection: { host: 'redis' }, queue: 'tasks', concurrency: 2 });
 * process.on('SIGTERM', () => void server.close());
 * ```
 */
export async function serveQueue<H extends WorkerHandlers>(tasks: H | WorkerPool<H>, options: ServeQueueOptions): Promise<QueueServer> {
  const fn = 'serveQueue';
  const isPool = tasks !== null && typeof tasks === 'object' && typeof (tasks as WorkerPool).run === 'function' && 'stats' in tasks;
  if (!isPool) {
    if (tasks === null || typeof tasks !== 'object') typeError(fn, 'tasks', 'the handlers of a worker module (an object of functions) or a WorkerPool', tasks);
    for (const [name, handler] of Object.entries(tasks)) {
      if (typeof handler !== 'function') typeError(fn, `tasks.${name}`, 'a function', handler);
    }
  }
  if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object with connection and queue', options);
  const queue = checkQueueName(fn, options.queue);
  if (options.connection === null || typeof options.connection !== 'object') typeError(fn, 'options.connection', 'an ioredis client or its options', options.connection);
  const concurrency = options.concurrency === undefined ? 1 : checkInteger(fn, 'options.concurrency', options.concurrency, 1, 10_000);
  const prefix = options.prefix ?? 'bull';

  // a cancel slot per running job, with room to spare (a cancelled job's handler may still be stopping)
  let slots = 64;
  while (slots < concurrency * 4) slots *= 2;
  let runner: Runner | undefined;
  const running = new Map<string, { cancel(): void }>();
  const ours = new WeakSet<object>();
  let listener: (CancelListener & { readonly flags: Int32Array }) | undefined;
  let client: RedisLike | undefined;

  const send = (key: string, jobId: string, kind: ReplyKind, data?: Buffer) => {
    const args: (string | Buffer)[] = [key, 'MAXLEN', '~', '100000', '*', 'j', jobId, 'k', kind];
    if (data !== undefined) args.push('d', data);
    client!.xadd(...args).catch(() => undefined);
  };
  // a job's start tells its pool who runs it and how long its lock lasts: the pool watches the lock
  // (a process that dies with no other serving process alive is found by the pool alone)
  const started = Buffer.from(`${process.pid} ${options.lockDuration ?? BULLMQ_LOCK_DURATION}`);
  const mark = <E extends Error>(error: E): E => (ours.add(error), error);

  const processor = (job: Job<QueueJobData>, _token?: string, signal?: AbortSignal): Promise<string> => {
    const jobId = job.id!;
    const { t: name, a, r: reply } = job.data;
    const attempts = job.opts.attempts ?? 1;
    // a job back from a stall: its process died mid-job. Run again only if its attempts leave room.
    if (job.stalledCounter > 0 && job.attemptsStarted > attempts) {
      send(reply, jobId, 'x');
      return Promise.reject(mark(new UnrecoverableError('rxjs-concurrency: the process running this job died (BullMQ found the job stalled)')));
    }
    return new Promise<string>((resolve, reject) => {
      let sent = 0;
      let ended = false;
      const end = () => {
        if (ended) return false;
        ended = true;
        running.delete(jobId);
        signal?.removeEventListener('abort', onAbort);
        if (localId > 0) listener?.unregister(localId);
        return true;
      };
      const sink: JobSink = {
        next(value) {
          if (ended) return;
          sent++;
          send(reply, jobId, 'n', encodeValue(value));
        },
        // the end travels in BullMQ's own 'completed' event (its return value): no message of ours
        last(value) {
          if (!end()) return;
          resolve(completedWith(value));
        },
        complete() {
          if (!end()) return;
          resolve(COMPLETED);
        },
        error(error) {
          // the listener raised this job's flag while a synchronous loop held the thread: a cancel
          if (localId > 0 && Atomics.load(listener!.flags, localId % slots) === localId) return handle.cancel();
          if (!end()) return;
          const rebuilt = deserializeError(error);
          const failure = rebuilt instanceof Error ? rebuilt : new Error(`rxjs-concurrency: the task threw ${String(rebuilt)}`);
          // BullMQ retries a failed job while its attempts last; a retry would repeat values already sent
          if (sent === 0 && job.attemptsMade + 1 < attempts) return reject(mark(failure));
          send(reply, jobId, 'e', encodeValue(error));
          reject(mark(new UnrecoverableError(failure.message)));
        },
      };
      const onAbort = () => handle.cancel();
      let args: unknown[];
      try {
        args = decodeArgs(a);
      } catch (error) {
        return sink.error(serializeError(error));
      }
      let cancelRun: (() => void) | undefined;
      let localId = 0;
      // a cancelled job ends at once (failed, never retried): its slot takes the next job while the
      // handler stops (a thread pool terminates one that does not)
      const handle = {
        cancel: () => {
          if (!end()) return;
          cancelRun?.();
          reject(mark(new UnrecoverableError('rxjs-concurrency: cancelled by its subscriber')));
        },
      };
      running.set(jobId, handle);
      signal?.addEventListener('abort', onAbort);
      localId = listener!.register(jobId);
      // a cancel came before the job started here: it never runs
      if (localId === 0) return handle.cancel();
      cancelRun = runner!.run(name, args, sink, localId);
      // a job that did not end at once tells its pool it runs (the pool's stats); a tiny one never
      // needs to, and a synchronous handler that holds the thread counts as queued until it ends
      if (!ended) send(reply, jobId, 's', started);
    });
  };

  const { connection, queue: _queue, concurrency: _concurrency, ...workerOptions } = options;
  const worker = new Worker<QueueJobData, string>(queue, processor, {
    maxStalledCount: STALLS_UNBOUNDED,
    ...workerOptions,
    connection,
    concurrency,
    autorun: false,
  });
  // a job that failed without its processor saying so (a stall past maxStalledCount, a lost lock)
  worker.on('failed', (job, error) => {
    if (!job || ours.has(error) || typeof job.data?.r !== 'string') return;
    send(job.data.r, job.id!, 'x');
  });
  // BullMQ reports connection trouble here; without a listener Node would throw it. Until the worker
  // is ready, the first error is serveQueue's: Redis unreachable rejects, it does not wait forever.
  let unreachable: ((error: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (unreachable = reject));
  failed.catch(() => undefined);
  worker.on('error', (error) => unreachable?.(error));
  try {
    await Promise.race([worker.waitUntilReady(), failed]);
    unreachable = undefined;
    client = (await (worker.backend as unknown as { client: Promise<RedisLike> }).client) as RedisLike;
    listener = startCancelListener(listenerConnection(ioredisPath(), client), cancelChannel(prefix, queue), cancelLog(prefix, queue), slots, (jobId) => running.get(jobId)?.cancel());
    await listener.ready;
    runner = isPool ? poolRunner(tasks as WorkerPool) : localRunner(tasks as H, listener.flags);
  } catch (error) {
    await listener?.close();
    // (closing waits for a connection that may never come: let it finish on its own)
    void worker.close(true).catch(() => undefined);
    throw error;
  }
  void worker.run().catch(() => undefined);

  let closing: Promise<void> | undefined;
  return {
    worker,
    close: () =>
      (closing ??= (async () => {
        await worker.close();
        await listener?.close();
      })()),
  };
}

/** Runs jobs on a thread pool: a cancel that the handler ignores ends in the thread's termination. */
function poolRunner(pool: WorkerPool): Runner {
  return {
    run(name, args, sink) {
      let ended = false;
      const cancel = pool.run(
        { name, args },
        {
          get closed() {
            return ended;
          },
          next: (value) => sink.next(value),
          error: (error) => {
            ended = true;
            sink.error(serializeError(error));
          },
          complete: () => {
            ended = true;
            sink.complete();
          },
        },
      );
      return cancel;
    },
  };
}
