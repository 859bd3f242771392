import { randomBytes } from 'node:crypto';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { WorkerCrashedError } from '../errors.js';
import { deserializeError, prepareArgs, type SerializedError } from '../internal/pool/protocol.js';
import { refuseTask, type TaskEvents, type TaskObserver, type TaskOutcome, type TimedTask, type WorkerPool, type WorkerPoolStats, type WorkerTask } from '../internal/pool/types.js';
import { checkInteger, typeError } from '../internal/core/validate.js';
import type { WorkerHandlers } from '../types.js';
import { PUBLISH_CANCEL, cancelChannel, cancelLog, checkQueueName, decodeValue, encodeArgs, lastValueOf, replyKey, type QueueJobData } from './wire.js';

/**
 * Options of `createQueuePool`: the queue, and BullMQ's job options under their own names
 * (`attempts`, `priority`, `removeOnFail`, …), given to every job. `removeOnComplete` defaults to
 * `true` (results travel to the pool, not through the job) and `removeOnFail` to `{ count: 1000 }`.
 */
export interface QueuePoolOptions extends Omit<JobsOptions, 'jobId' | 'repeat' | 'parent' | 'delay' | 'lifo' | 'deduplication' | 'debounce'> {
  /** How to reach Redis: an ioredis client or its options, as BullMQ takes them. */
  readonly connection: ConnectionOptions;
  /** The queue's name (the `queue` of `serveQueue`). */
  readonly queue: string;
  /** BullMQ's key prefix. Default `'bull'`. */
  readonly prefix?: string;
}

const EVENT = Buffer.from('event');
const COMPLETED_EVENT = Buffer.from('completed');
const RETURNVALUE = Buffer.from('returnvalue');

/** Entries read at most at once from each stream. */
const BATCH = 1000;

interface RedisClient {
  xrevrange(key: string, end: '+', start: '-', count: 'COUNT', n: number): Promise<[string, string[]][]>;
  duplicate(): RedisClient;
  xtrim(key: string, strategy: 'MINID', threshold: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
  eval(script: string, keys: number, ...args: string[]): Promise<unknown>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  xreadBuffer(...args: (string | number)[]): Promise<[Buffer, [Buffer, Buffer[]][]][] | null>;
  disconnect(): void;
}

interface Task extends TimedTask {
  readonly observer: TaskObserver;
  added: boolean;
  cancelled: boolean;
  /** the pid of the process running it, once it said it started */
  worker: unknown;
  /** the lock's duration in the process that runs it (it said so when the job started) */
  lockMs: number;
}

/**
 * BullMQ's own stall condition, for one job: still in the active list, but its lock is gone (the
 * process that ran it stopped renewing it). Returns the job's attempts started, or -1.
 */
const STALLED = `if redis.call('EXISTS', KEYS[2]) == 0 and redis.call('LPOS', KEYS[1], ARGV[1]) then
  return tonumber(redis.call('HGET', KEYS[3], 'ats') or '1') end
return -1`;

const terminatedError = () => new Error('fromWorker: the pool has been terminated');

/**
 * A `WorkerPool` whose tasks run as BullMQ jobs on a queue in Redis, in every process that calls
 * `serveQueue` with the same handlers: `fromWorker(pool, name, ...args)` across machines. The rules
 * of `fromWorker` hold: values arrive in order as the handler yields them; errors keep `name`,
 * `message` and `stack`; unsubscribing a waiting job removes it from the queue before any process
 * runs it; unsubscribing a running job aborts `ctx.signal` in the process that runs it; a process
 * that dies errors its job with `WorkerCrashedError` once a live process's stall check or this pool's
 * own watch of the job's lock finds it (the watch needs no serving process alive).
 * `stats` counts this pool's jobs (`workers`: the processes running them); `terminate()` cancels
 * them and closes the connections the pool opened.
 *
 * Arguments and values travel in the structured-clone format of `node:v8` (as to a worker thread).
 *
 * ```text
 * fromWorker(pool, 'primes', 20)    a job on the queue 'tasks'
 * output:       -2-3-5-7-11-13-17-19|
 * unsubscribe:  -2-3-!               removed from the queue, or aborted where it runs
 * ```
 *
 * @example
 * ```ts
 * import { fromWorker } from 'rxjs-concurrency';
 * import { createQueuePool } from 'rxjs-concurrency/bullmq';
 * import type { tasks } from './tasks.worker.js';
 *
 * const pool = createQueuePool<typeof tasks>({ connection: { host: 'redis' }, queue: 'tasks', attempts: 1 });
 * fromWorker(pool, 'primes', 1e6).pipe(take(10)).subscribe(console.log);
 * ```
 */
export function createQueuePool<H extends WorkerHandlers = WorkerHandlers>(options: QueuePoolOptions): WorkerPool<H> {
  const fn = 'createQueuePool';
  if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object with connection and queue', options);
  const queue = checkQueueName(fn, options.queue);
  if (options.connection === null || typeof options.connection !== 'object') typeError(fn, 'options.connection', 'an ioredis client or its options', options.connection);
  if (options.prefix !== undefined && (typeof options.prefix !== 'string' || options.prefix === '')) typeError(fn, 'options.prefix', 'a non-empty string', options.prefix);
  if (options.attempts !== undefined) checkInteger(fn, 'options.attempts', options.attempts, 1);
  return new QueuePool<H>(options, queue);
}

class QueuePool<H extends WorkerHandlers> implements WorkerPool<H> {
  private readonly queue: Queue<QueueJobData>;
  private readonly jobOptions: JobsOptions;
  private readonly id = randomBytes(6).toString('hex');
  private readonly reply: string;
  private readonly channel: string;
  private readonly cancels: string;
  private readonly tasks = new Map<string, Task>();
  private seq = 0;
  private lastId = '0-0';
  /** where this pool reads the queue's event stream from (set before its first job is added) */
  private eventsId: string | undefined;
  private readonly events: string;
  /** the start of this pool's job ids */
  private readonly jobPrefix: Buffer;
  /** adds waiting for the event stream's position */
  private waiting: ((error?: unknown) => void)[] | undefined = [];
  /** entries read since the stream was last trimmed */
  private unread = 0;
  private reader: RedisClient | undefined;
  private reading = false;
  private terminated = false;
  private closing: Promise<void> | undefined;
  /** the lock duration the serving processes last told (BullMQ's default until one does) */
  private lockMs = 30_000;
  /** the timer of the lock watch, while a job of this pool runs */
  private watching: ReturnType<typeof setTimeout> | undefined;
  /** `<prefix>:<queue>`, where BullMQ keeps the queue's keys */
  private readonly prefixed: string;
  /** @internal Who hears of each job's start and end (`rxjs-concurrency/otel`); undefined: nobody. */
  tasks_: TaskEvents | undefined = undefined;

  constructor(options: QueuePoolOptions, name: string) {
    const { connection, queue: _queue, prefix = 'bull', ...jobOptions } = options;
    this.jobOptions = { removeOnComplete: true, removeOnFail: { count: 1000 }, ...jobOptions };
    this.queue = new Queue<QueueJobData>(name, { connection, prefix });
    // Redis unreachable before this pool ever reached it: the jobs not yet sent error with the
    // connection's error (as a RedisSemaphore's sections do); without a listener Node would throw it
    this.queue.on('error', (error) => {
      if (this.eventsId === undefined) this.readyToAdd(error);
    });
    this.reply = replyKey(prefix, name, this.id);
    this.channel = cancelChannel(prefix, name);
    this.cancels = cancelLog(prefix, name);
    this.events = `${prefix}:${name}:events`;
    this.prefixed = `${prefix}:${name}`;
    this.jobPrefix = Buffer.from(`rxc-${this.id}-`);
  }

  private client(): Promise<RedisClient> {
    return (this.queue.backend as unknown as { client: Promise<RedisClient> }).client;
  }

  /** The event stream's position is known: the adds that waited for it go out. */
  private readyToAdd(error?: unknown): void {
    const waiting = this.waiting;
    if (!waiting) return;
    if (error === undefined) {
      this.waiting = undefined;
      for (const add of waiting) add();
      return;
    }
    this.waiting = [];
    for (const add of waiting) add(error);
  }

  get stats(): WorkerPoolStats {
    const workers = new Set<unknown>();
    let busy = 0;
    for (const task of this.tasks.values()) {
      if (task.worker === undefined) continue;
      busy++;
      workers.add(task.worker);
    }
    return { workers: workers.size, busy, queued: this.tasks.size - busy };
  }

  run(task: WorkerTask, observer: TaskObserver): () => void {
    if (this.terminated) return refuseTask(this.tasks_, observer, terminatedError());
    if (task.name === undefined) return refuseTask(this.tasks_, observer, new TypeError('fromWorker: a queue pool runs the tasks of a worker module by name, not inline functions'));
    let data: QueueJobData;
    const jobId = `${this.jobPrefix.toString()}${++this.seq}`;
    try {
      data = { t: task.name, a: encodeArgs(prepareArgs('fromWorker', task.args).args), r: this.reply };
    } catch (error) {
      return refuseTask(this.tasks_, observer, error);
    }
    const entry: Task = { observer, added: false, cancelled: false, worker: undefined, lockMs: 0, since_: NaN };
    this.tasks.set(jobId, entry);
    this.read();
    const add = (error?: unknown) => {
      if (entry.cancelled || this.tasks.get(jobId) !== entry) return;
      if (error === undefined) return this.add(task.name!, data, jobId, entry);
      this.finish(jobId, entry, 1);
      observer.error(error);
    };
    if (this.waiting) this.waiting.push(add);
    else add();
    return () => {
      if (entry.cancelled || this.tasks.get(jobId) !== entry) return;
      entry.cancelled = true;
      this.finish(jobId, entry, 2);
      if (entry.added) void this.cancelJob(jobId);
    };
  }

  private add(name: string, data: QueueJobData, jobId: string, entry: Task): void {
    const { observer } = entry;
    this.queue.add(name, data, { ...this.jobOptions, jobId }).then(
      () => {
        entry.added = true;
        if (entry.cancelled) void this.cancelJob(jobId);
        else this.watch();
      },
      (error: unknown) => {
        if (this.tasks.get(jobId) !== entry) return;
        this.finish(jobId, entry, 1);
        observer.error(error);
      },
    );
  }

  /** A job of this pool is over: forgotten here, and told to the observer. */
  private finish(jobId: string, task: Task, outcome: TaskOutcome): void {
    this.tasks.delete(jobId);
    this.tasks_?.ended_(task, outcome);
  }

  /** A waiting job leaves the queue (it never runs); one already taken hears the cancel where it runs. */
  private cancelJob(jobId: string): Promise<void> {
    return this.queue.remove(jobId).then(
      async (removed) => {
        if (removed !== 1) await this.publish(jobId);
      },
      () => this.publish(jobId),
    );
  }

  private async publish(jobId: string): Promise<void> {
    const client = await this.client();
    await client.eval(PUBLISH_CANCEL, 1, this.cancels, jobId, this.channel).catch(() => undefined);
  }

  /**
   * Reads, on a connection of its own (XREAD blocks), this pool's reply stream (started jobs, values,
   * errors) and the queue's BullMQ event stream (a job's successful end is its 'completed' event),
   * while jobs are outstanding and a second after.
   */
  private read(): void {
    if (this.reading || this.terminated) return;
    this.reading = true;
    void (async () => {
      let idleSince = 0;
      try {
        const client = await this.client();
        this.reader ??= client.duplicate();
        // the event stream is read from where it stood before this pool's first job was added
        this.eventsId ??= (await client.xrevrange(this.events, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
        this.readyToAdd();
        while (!this.terminated) {
          if (this.tasks.size > 0) idleSince = 0;
          else if (idleSince === 0) idleSince = Date.now();
          else if (Date.now() - idleSince > 1000) break;
          let result: [Buffer, [Buffer, Buffer[]][]][] | null;
          try {
            result = await this.reader.xreadBuffer('COUNT', BATCH, 'BLOCK', 1000, 'STREAMS', this.reply, this.events, this.lastId, this.eventsId);
          } catch {
            if (this.terminated) return;
            await new Promise((resolve) => setTimeout(resolve, 100));
            continue;
          }
          if (!result) continue;
          const replies = result.find(([key]) => key.toString() === this.reply)?.[1] ?? [];
          const events = result.find(([key]) => key.toString() === this.events)?.[1] ?? [];
          for (const [id, fields] of replies) {
            this.lastId = id.toString();
            this.dispatch(fields);
          }
          // a full batch of replies may leave values unread: a job's end waits for its values
          if (replies.length < BATCH) {
            for (const [id, fields] of events) {
              this.eventsId = id.toString();
              this.completed(fields);
            }
          }
          // what was read is no longer needed: trim up to the last id read (kept: the last entry),
          // every few hundred entries and when nothing is outstanding
          this.unread += replies.length;
          if (this.unread >= 500 || (this.tasks.size === 0 && this.unread > 0)) {
            this.unread = 0;
            void client.xtrim(this.reply, 'MINID', this.lastId).catch(() => undefined);
          }
        }
      } catch (error) {
        // the connection never became ready: the waiting adds report it
        this.readyToAdd(error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        this.reading = false;
        if (this.tasks.size > 0 && !this.terminated) this.read();
      }
    })();
  }

  /** A BullMQ 'completed' event: one of ours ends, with its last value if it has one. */
  private completed(fields: Buffer[]): void {
    // most events are other kinds, or other pools' jobs: look at the bytes before making strings
    // (BullMQ writes 'event', its name, 'jobId', the id, then the return value)
    if (fields[0]?.equals(EVENT) !== true || fields[1]?.equals(COMPLETED_EVENT) !== true) return;
    if (fields[3] === undefined || fields[3].length <= this.jobPrefix.length || fields[3].compare(this.jobPrefix, 0, this.jobPrefix.length, 0, this.jobPrefix.length) !== 0) return;
    const jobId = fields[3].toString();
    let returned = '';
    for (let i = 4; i + 1 < fields.length; i += 2) if (fields[i]!.equals(RETURNVALUE)) returned = fields[i + 1]!.toString();
    const task = this.tasks.get(jobId);
    if (!task) return;
    let last: { value: unknown } | undefined;
    try {
      last = lastValueOf(JSON.parse(returned) as string);
    } catch (error) {
      this.finish(jobId, task, 1);
      return task.observer.error(error);
    }
    this.finish(jobId, task, 0);
    if (last) task.observer.next(last.value);
    task.observer.complete();
  }

  private dispatch(fields: Buffer[]): void {
    let jobId = '';
    let kind = '';
    let data: Buffer | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const field = fields[i]!.toString();
      if (field === 'j') jobId = fields[i + 1]!.toString();
      else if (field === 'k') kind = fields[i + 1]!.toString();
      else if (field === 'd') data = fields[i + 1];
    }
    const task = this.tasks.get(jobId);
    if (!task) return;
    const { observer } = task;
    try {
      if (kind === 's') {
        const [pid, lock] = (data ? data.toString() : '').split(' ');
        task.worker = pid || true;
        task.lockMs = this.lockMs = Number(lock) > 0 ? Number(lock) : 30_000;
        this.tasks_?.started_(task);
        this.watch();
      }
      else if (kind === 'n') observer.next(decodeValue(data!));
      else {
        this.finish(jobId, task, kind === 'x' ? 3 : 1);
        if (kind === 'e') observer.error(deserializeError(decodeValue(data!) as SerializedError));
        else if (kind === 'x') observer.error(new WorkerCrashedError('The worker process running this job died (BullMQ found the job stalled)'));
      }
    } catch (error) {
      if (this.tasks.get(jobId) !== task) return;
      this.finish(jobId, task, 1);
      observer.error(error);
    }
  }

  /**
   * Watches the locks of this pool's running jobs, a quarter of the shortest lock apart, while any
   * runs. BullMQ's stall check runs only in serving processes: when the one that ran a job died and
   * none is left, nobody else would find the job. A job found stalled with no attempt left errors
   * here with `WorkerCrashedError`, within about 1.25 × lockDuration (the stall check of a live
   * process later fails it, and it never runs again); one whose `attempts` leave room waits for a
   * serving process to run it again.
   */
  private watch(): void {
    if (this.watching || this.terminated) return;
    let shortest = Infinity;
    for (const task of this.tasks.values()) {
      // a job sent but not heard of as started may have started in a process killed before its
      // start reached us: watched too, at the lock duration last heard of
      if (task.worker !== undefined) shortest = Math.min(shortest, task.lockMs);
      else if (task.added) shortest = Math.min(shortest, this.lockMs);
    }
    if (shortest === Infinity) return;
    this.watching = setTimeout(() => void this.checkStalled(), Math.min(5000, Math.max(100, shortest / 4)));
    this.watching.unref?.();
  }

  private async checkStalled(): Promise<void> {
    try {
      const client = await this.client();
      const attempts = this.jobOptions.attempts ?? 1;
      const base = `${this.prefixed}:`;
      // only this pool's jobs that BullMQ holds as active can have stalled: one read of the active list
      const active = new Set(await client.lrange(`${base}active`, 0, -1));
      const running = [...this.tasks].filter(([jobId, task]) => (task.worker !== undefined || task.added) && active.has(jobId));
      const found = await Promise.all(running.map(([jobId]) => client.eval(STALLED, 3, `${base}active`, `${base}${jobId}:lock`, `${base}${jobId}`, jobId) as Promise<number>));
      running.forEach(([jobId, task], i) => {
        const started = found[i]!;
        if (started < 0 || started < attempts || this.tasks.get(jobId) !== task) return;
        this.finish(jobId, task, 3);
        task.observer.error(new WorkerCrashedError('The worker process running this job died (its BullMQ lock expired)'));
      });
    } catch {
      // Redis unreachable: the next round tries again
    } finally {
      this.watching = undefined;
      this.watch();
    }
  }

  terminate(): Promise<void> {
    return (this.closing ??= (async () => {
      this.terminated = true;
      clearTimeout(this.watching);
      const ended = [...this.tasks];
      this.tasks.clear();
      for (const [, task] of ended) this.tasks_?.ended_(task, 1);
      const cancels = ended.filter(([, task]) => task.added).map(([jobId]) => this.cancelJob(jobId).catch(() => undefined));
      for (const [, task] of ended) task.observer.error(terminatedError());
      this.readyToAdd(terminatedError());
      // with Redis unreachable none of this can finish: the pool lets go after a second
      const within = (work: Promise<unknown>) => Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
      await within(Promise.all(cancels));
      if (this.eventsId !== undefined) await within(this.client().then((client) => client.del(this.reply)));
      this.reader?.disconnect();
      await within(this.queue.close());
      await this.queue.disconnect().catch(() => undefined);
    })());
  }
}
