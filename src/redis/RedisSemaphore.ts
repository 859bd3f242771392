import { randomUUID } from 'node:crypto';
import { Observable, from, type ObservableInput, type Subscriber } from 'rxjs';
import type { Redis } from 'ioredis';
import { reportUnhandledError } from '../internal/core/report.js';
import { CallbackSubscriber } from '../internal/core/subscribers.js';
import { setLongTimeout, type LongTimer } from '../internal/core/timers.js';
import { checkInteger, checkOptions } from '../internal/core/validate.js';
import { sectionInput, type SectionInput } from '../internal/sections/gatedSection.js';
import type { Lease, PermitSource } from '../types.js';
import { Grants, checkClientAndName, runScript } from './connection.js';
import { LeaseLostError } from './LeaseLostError.js';
import { ACQUIRE, CANCEL, HEARTBEAT, KEEP, RELEASE } from './scripts.js';

/** Options of {@link RedisSemaphore}. */
export interface RedisSemaphoreOptions {
  /** The capacity, the same in every process that shares the name: an integer ≥ 1. */
  readonly permits: number;
  /** Ms a holder keeps its permits without renewing (it renews while subscribed). Default 10 000. */
  readonly lease?: number;
}

interface Holder {
  /** Redis no longer knows the lease: stop the section. */
  lost(): void;
}

/**
 * A `Semaphore` whose permits live in Redis, shared by every process (on any machine) that uses the
 * same `name` on the same Redis: asyncio's `Semaphore` across replicas. It is a `PermitSource`, so
 * `semaphoreMap(new RedisSemaphore(redis, 'api', { permits: 3 }), project)` limits all replicas
 * together.
 *
 * - At most `permits` weight held across all processes; strict FIFO in the order the waiters reached
 *   Redis (a heavy waiter blocks the lighter ones behind it); no barging. Every decision is a Lua
 *   script that runs atomically in Redis, with Redis's clock.
 * - Hand-off is pushed: when permits free up, the script hands them to the head waiter and publishes
 *   the grant to its process. No client polls.
 * - Permits go back after the source's teardown. A waiter that unsubscribes leaves the queue
 *   atomically.
 * - Leases: a holding section renews its lease while subscribed. When the lease is lost (the process
 *   stalled past `lease`, the key vanished, Redis restarted), the source is unsubscribed,
 *   `lease.signal` aborts, and the section errors with `LeaseLostError`; a release that finds the
 *   lease gone errors the section with it too. A dead process frees its permits within `lease`, and
 *   its queued waiters within a 2 s heartbeat.
 * - `lease.token` (a factory section's `Lease`) is a fencing token that grows with every grant.
 * - Connections: `client` for the scripts, and one `client.duplicate()` to hear grants, made when a
 *   section first waits and closed when none waits.
 *
 * ```text
 * process A:  quota.section(a$)  ^-------!                holds 1 of 2
 * process B:  quota.section(b$)  ^---!                    holds 1 of 2
 * process C:  quota.section(c$)    ^ waits ^-----!        granted when B releases
 * ```
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { semaphoreMap } from 'rxjs-concurrency';
 * import { RedisSemaphore } from 'rxjs-concurrency/redis';
 *
 * const quota = new RedisSemaphore(new Redis(process.env.REDIS_URL!), 'api-quota', { permits: 3 });
 * ids$.pipe(semaphoreMap(quota, (id) => fetchItem(id))).subscribe(save); // ≤ 3 in flight across replicas
 * ```
 */
export class RedisSemaphore implements PermitSource {
  readonly permits: number;
  private readonly lease: number;
  private readonly prefix: string;
  private readonly instance = randomUUID();
  private next = 0;
  /** Sections queued in Redis, by id, and the channel where their grants arrive. */
  private readonly grants: Grants;
  private readonly holding = new Map<string, Holder>();
  /** Sections whose ACQUIRE is on its way: the grant listener must stay. */
  private acquiring = 0;
  private keeper: LongTimer | undefined;

  /**
   * @param client an `ioredis` client
   * @param name the semaphore's name: every process that uses it on the same Redis shares the permits
   * @param options `{ permits, lease = 10_000 }`
   */
  constructor(
    private readonly client: Redis,
    name: string,
    options: RedisSemaphoreOptions,
  ) {
    const fn = new.target === RedisSemaphore ? 'RedisSemaphore' : 'RedisLock';
    checkClientAndName(fn, client, name);
    const opts = checkOptions(fn, options);
    this.permits = checkInteger(fn, 'options.permits', opts.permits, 1);
    this.lease = opts.lease === undefined ? 10_000 : checkInteger(fn, 'options.lease', opts.lease, 100);
    // one hash tag per name: every key of a semaphore lives in one Redis Cluster slot
    this.prefix = `rxc:{${name}}:`;
    this.grants = new Grants(client, `${this.prefix}c:${this.instance}`);
  }

  /**
   * Runs `source` holding `weight` permits of this Redis semaphore: waits for them (in Redis's FIFO
   * queue), subscribes, renews the lease while subscribed, and gives the permits back once the source
   * has ended or been unsubscribed and its teardown has run. A factory `(lease) => source` is called
   * when the permits are granted.
   */
  section<T>(source: ObservableInput<T> | ((lease: Lease) => ObservableInput<T>), weight = 1): Observable<T> {
    const fn = `${this.constructor === RedisSemaphore ? 'RedisSemaphore' : 'RedisLock'}.section`;
    const input = sectionInput(fn, source);
    if (weight !== 1) checkInteger(fn, 'weight', weight, 1, this.permits);
    return new Observable<T>((subscriber) => this.run(subscriber, input, weight));
  }

  private run<T>(subscriber: Subscriber<T>, input: SectionInput<T>, weight: number): () => void {
    const id = `${this.instance}:${++this.next}`;
    let phase: 'acquiring' | 'waiting' | 'holding' | 'done' = 'acquiring';
    let controller: AbortController | undefined;
    let inner: CallbackSubscriber<T> | undefined;

    const fail = (error: unknown) => {
      if (phase === 'done') return;
      phase = 'done';
      this.grants.forget(id);
      this.holding.delete(id);
      this.idle();
      subscriber.error(error);
    };

    const release = (then: () => void) => {
      this.script(RELEASE, id, this.permits, this.lease).then(
        (had) => (had === 1 ? then() : subscriber.error(new LeaseLostError(`${this.describe()}: the lease was gone when the section released it`))),
        (error: unknown) => subscriber.error(error),
      );
    };

    const start = (token: number, queued: boolean) => {
      if (token <= 0) return fail(new LeaseLostError(`${this.describe()}: the waiting section was dropped from the queue (Redis restarted, or this process stalled past its heartbeat)`));
      if (phase === 'done') return void this.script(RELEASE, id, this.permits, this.lease).catch(reportUnhandledError);
      phase = 'holding';
      this.grants.forget(id);
      if (queued) this.renewSoon();
      this.holding.set(id, {
        lost: () => {
          if (phase !== 'holding') return;
          phase = 'done';
          this.holding.delete(id);
          inner?.unsubscribe();
          controller?.abort();
          this.idle();
          subscriber.error(new LeaseLostError(`${this.describe()}: the lease was lost (expired, or the key vanished) while the section held it`));
        },
      });
      this.idle();
      const lease: Lease = {
        token,
        get signal() {
          controller ??= new AbortController();
          if (phase !== 'holding') controller.abort();
          return controller.signal;
        },
      };
      // the section's end: its teardown has run (the subscriber unsubscribes itself first), then
      // the permits go back, then the subscriber hears of the end
      const end = (notify: () => void) => {
        if (phase !== 'holding') return;
        phase = 'done';
        this.holding.delete(id);
        controller?.abort();
        this.idle();
        release(notify);
      };
      let section: Observable<T>;
      try {
        section = from(typeof input === 'function' ? input(lease) : input);
      } catch (error) {
        return end(() => subscriber.error(error));
      }
      inner = new CallbackSubscriber<T>(
        subscriber,
        (value) => subscriber.next(value),
        (error) => end(() => subscriber.error(error)),
        () => end(() => subscriber.complete()),
      );
      if (phase === 'holding') section.subscribe(inner);
    };

    this.acquiring++;
    this.grants.wait(id, (granted) => start(granted, true));
    this.grants
      .listen()
      .then(() => this.script(ACQUIRE, id, weight, this.permits, this.lease, HEARTBEAT, this.grants.channel))
      .then(
        (token) => {
          this.acquiring--;
          if (phase === 'done') {
            // unsubscribed while the script ran: leave the queue, or give the permits straight back
            this.grants.forget(id);
            void this.script(CANCEL, id, this.permits, this.lease).catch(reportUnhandledError);
            return this.idle();
          }
          // the grant's message came before this reply: the section has started already
          if (phase !== 'acquiring') return;
          if (token > 0) {
            this.grants.forget(id);
            return start(token, false);
          }
          phase = 'waiting';
          this.grants.confirm(id);
          this.keep();
        },
        (error: unknown) => {
          this.acquiring--;
          fail(error);
        },
      );

    return () => {
      if (phase === 'done') return;
      const was = phase;
      phase = 'done';
      if (was === 'waiting') {
        this.grants.forget(id);
        void this.script(CANCEL, id, this.permits, this.lease).catch(reportUnhandledError);
      } else if (was === 'holding') {
        this.holding.delete(id);
        inner?.unsubscribe();
        controller?.abort();
        void this.script(RELEASE, id, this.permits, this.lease).then(
          (had) => had === 1 || reportUnhandledError(new LeaseLostError(`${this.describe()}: the lease was gone when the cancelled section released it`)),
          reportUnhandledError,
        );
      }
      this.idle();
    };
  }

  private describe(): string {
    return `RedisSemaphore '${this.prefix.slice(5, -2)}'`;
  }

  /** Renews the leases of the sections held here and the heartbeats of those waiting, on one timer. */
  private keep(delay?: number): void {
    if (this.keeper) return;
    const every = delay ?? Math.min(HEARTBEAT / 4, this.lease / 3);
    this.keeper = setLongTimeout(
      () => {
        this.keeper = undefined;
        const ids = [...this.holding.keys(), ...this.grants.ids()];
        if (ids.length === 0) return;
        this.script(KEEP, this.permits, this.lease, HEARTBEAT, ...ids).then(
          (results) => {
            const list = results as unknown as number[];
            ids.forEach((id, i) => {
              const result = list[i]!;
              const holder = this.holding.get(id);
              if (holder && result === 0) holder.lost();
              // a grant whose message was missed, or a waiter Redis forgot
              if (!holder && result !== -1) this.grants.take(id, result);
            });
            if (this.holding.size + this.grants.size > 0) this.keep();
          },
          () => this.holding.size + this.grants.size > 0 && this.keep(),
        );
      },
      every,
      true,
    );
  }

  /** A grant from the queue holds for a heartbeat only: renew it to the whole lease at once. */
  private renewSoon(): void {
    this.keeper?.cancel();
    this.keeper = undefined;
    this.keep(0);
  }

  /** Closes the grant listener when nothing waits here, and the keeper when nothing is held or waits. */
  private idle(): void {
    this.grants.closeIfIdle(this.acquiring);
    if (this.grants.size + this.holding.size === 0) {
      this.keeper?.cancel();
      this.keeper = undefined;
    } else this.keep();
  }

  private script(script: string, ...args: (string | number)[]): Promise<number> {
    return runScript<number>(this.client, script, this.prefix, args);
  }
}
