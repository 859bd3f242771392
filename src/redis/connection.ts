import { createHash } from 'node:crypto';
import { setLongTimeout, type LongTimer } from '../internal/core/timers.js';
import { checkInteger, typeError } from '../internal/core/validate.js';
import { connection, type Connection, type Subscription } from './client.js';

/** The two arguments every Redis-backed limiter takes first, a client and a name: the client's adapter. */
export function checkClientAndName(fn: string, client: unknown, name: unknown): Connection {
  const found = connection(fn, client);
  if (typeof name !== 'string' || name.length === 0) typeError(fn, 'name', 'a non-empty string', name);
  return found;
}

/**
 * Option `replicas` of the permit limits: an integer ≥ 0 (default 0). `WAIT` counts the replicas of
 * the one node a connection talks to, so a Redis Cluster client (whose scripts go to many masters)
 * cannot take it: a `RangeError`.
 */
export function replicasOption(fn: string, client: Connection, value: unknown): number {
  if (value === undefined) return 0;
  const replicas = checkInteger(fn, 'options.replicas', value, 0);
  if (replicas > 0 && client.cluster) throw new RangeError(`${fn}: options.replicas needs a client of one master (standalone or through Sentinel), not a Redis Cluster client`);
  return replicas;
}

/**
 * How long the grant listener stays open after the last section stopped waiting: a process that
 * waits again soon (a loop of sections) reuses it instead of opening a connection per wait.
 */
const LINGER = 1000;

const SHA = new Map<string, string>();

/** Runs a Lua script by its SHA1, loading it once per server (EVALSHA, then EVAL on NOSCRIPT). */
export async function runScript<R>(client: Connection, script: string, key: string, args: readonly (string | number)[]): Promise<R> {
  let sha = SHA.get(script);
  if (!sha) SHA.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  try {
    return (await client.evalsha(sha, key, args)) as R;
  } catch (error) {
    if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
    return (await client.eval(script, key, args)) as R;
  }
}

/**
 * Where a process hears that Redis granted one of its waiting sections: one duplicate of the client
 * subscribed to this process's channel, made when a section first waits and closed a second after
 * none waits (so a process exits by itself once it quits its own client). A message is `<id> <value>`.
 */
export class Grants {
  private readonly waiting = new Map<string, (value: number) => void>();
  /** The waiting ids that Redis has queued (their request's reply came): the heartbeat's ids. */
  private readonly queued = new Set<string>();
  private listener: Subscription | undefined;
  private ended: (() => void) | undefined;
  private closing: LongTimer | undefined;

  constructor(
    private readonly client: Connection,
    readonly channel: string,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /** The ids queued in Redis (not those whose request is still on its way). */
  ids(): string[] {
    return [...this.queued];
  }

  /** Subscribed, so that no grant published from now on is missed. */
  listen(): Promise<unknown> {
    this.closing?.cancel();
    this.closing = undefined;
    if (!this.listener) {
      // a listener that loses its connection reconnects by itself; a missed grant is found by the heartbeat
      this.listener = this.client.subscribe(this.channel, (message) => {
        const [id, value] = message.split(' ');
        this.take(id!, Number(value));
      });
      // the user's client is done for good (quit, disconnect): so is this connection of ours, or its
      // reconnect timer would keep the process alive
      this.ended = this.client.onEnd(() => this.close());
    }
    return this.listener.ready;
  }

  /** Lets go of the listener now: QUIT when it is connected, else drop the connection (and its reconnects). */
  private close(): void {
    this.closing?.cancel();
    this.closing = undefined;
    const listener = this.listener;
    if (!listener) return;
    this.listener = undefined;
    this.ended?.();
    this.ended = undefined;
    listener.close();
  }

  /**
   * Listens for the grant of `id`. Called *before* the request goes to Redis: the grant may be
   * published by another process's script before the request's own reply arrives (the two come
   * on different connections).
   */
  wait(id: string, granted: (value: number) => void): void {
    this.waiting.set(id, granted);
  }

  /** The request's reply came: `id` is in Redis's queue. */
  confirm(id: string): void {
    if (this.waiting.has(id)) this.queued.add(id);
  }

  /** The grant of `id` (from a message, or found by the heartbeat): delivered once. */
  take(id: string, value: number): void {
    const granted = this.waiting.get(id);
    if (!granted) return;
    this.waiting.delete(id);
    this.queued.delete(id);
    granted(value);
  }

  forget(id: string): void {
    this.waiting.delete(id);
    this.queued.delete(id);
  }

  /** Closes the listener when nothing waits and no request that may wait is on its way. */
  closeIfIdle(pending: number): void {
    if (this.waiting.size > 0 || pending > 0 || !this.listener || this.closing) return;
    // a listener that is not connected (Redis unreachable) is not worth keeping for a next wait
    if (!this.listener.connected()) return this.close();
    this.closing = setLongTimeout(() => this.waiting.size > 0 || this.close(), LINGER, true);
  }
}
