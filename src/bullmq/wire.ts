import { deserialize, serialize } from 'node:v8';
import type { SerializedError } from '../internal/pool/protocol.js';
import { typeError } from '../internal/core/validate.js';

/**
 * What crosses Redis between a queue pool and the processes that serve it. Arguments and values
 * travel in V8's structured-clone format (`node:v8`), as between worker threads: typed arrays,
 * `Map`, `Set`, `Date`, `BigInt` keep their types; functions and class instances do not.
 */

/** A job's data in BullMQ: the task, its arguments, and the stream its results go to. */
export interface QueueJobData {
  /** the task's name */
  readonly t: string;
  /** the arguments, V8-serialized, base64 (BullMQ keeps job data as JSON) */
  readonly a: string;
  /** the reply stream's key */
  readonly r: string;
}

/**
 * The kinds of reply entries: `s` started (payload: the serving process's id), `n` a value, `e` an
 * error, `x` the process running the job died. A job's successful end travels in BullMQ's own
 * `completed` event instead, as the job's return value: `COMPLETED`, or `completedWith(value)`.
 */
export type ReplyKind = 's' | 'n' | 'e' | 'x';

/** The return value of a job that ended with no last value to carry. */
export const COMPLETED = 'c';
/** The return value of a job whose last value comes with its end: 'v' and the value, V8-serialized, base64. */
export const completedWith = (value: unknown): string => `v${serialize(value).toString('base64')}`;
/** The job's last value, if its return value carries one. */
export const lastValueOf = (returned: string): { value: unknown } | undefined =>
  returned.startsWith('v') ? { value: deserialize(Buffer.from(returned.slice(1), 'base64')) } : undefined;

export const encodeArgs = (args: readonly unknown[]): string => serialize(args).toString('base64');
export const decodeArgs = (data: string): unknown[] => deserialize(Buffer.from(data, 'base64')) as unknown[];
export const encodeValue = (value: unknown): Buffer => serialize(value);
export const decodeValue = (data: Buffer): unknown => deserialize(data);

/** An error as it crosses to the client: an Error keeps name, message and stack. */
export function serializeError(error: unknown): SerializedError {
  if (error !== null && typeof error === 'object' && 'message' in error) {
    const e = error as Error;
    return { kind: 'error', name: String(e.name ?? 'Error'), message: String(e.message), stack: typeof e.stack === 'string' ? e.stack : undefined };
  }
  return { kind: 'value', value: error };
}

/** The keys of one queue's pools: under BullMQ's own prefix, so a hash-tagged prefix keeps them in one slot. */
export const replyKey = (prefix: string, queue: string, pool: string): string => `${prefix}:${queue}:rxc:reply:${pool}`;
export const cancelChannel = (prefix: string, queue: string): string => `${prefix}:${queue}:rxc:cancel`;
/** The queue's cancel log: job id → Redis's time (ms) of its cancel, the last 10 minutes of them. */
export const cancelLog = (prefix: string, queue: string): string => `${prefix}:${queue}:rxc:cancels`;

/**
 * KEYS[1] the cancel log; ARGV job id, channel: logs the cancel with Redis's time, forgets those older
 * than 10 minutes, and publishes it. A listener that was reconnecting when it was published reads it
 * from the log.
 */
export const PUBLISH_CANCEL = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 600000)
redis.call('PEXPIRE', KEYS[1], 600000)
return redis.call('PUBLISH', ARGV[2], ARGV[1])
`;

/** Checks a queue name as BullMQ does, with our function's name in the message. */
export function checkQueueName(fn: string, queue: unknown): string {
  if (typeof queue !== 'string' || queue.length === 0 || queue.includes(':')) {
    typeError(fn, 'options.queue', "the name of a BullMQ queue (a non-empty string without ':')", queue);
  }
  return queue;
}
