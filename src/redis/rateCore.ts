import { Observable, from, tap, throwError, type Subscriber } from 'rxjs';
import type { Connection } from './client.js';
import { reportUnhandledError } from '../internal/core/report.js';
import { setLongTimeout, type LongTimer } from '../internal/core/timers.js';
import { Grants, runScript } from './connection.js';
import { LeaseLostError } from './LeaseLostError.js';
import { HEARTBEAT } from './scripts.js';
import type { SectionInput } from '../internal/sections/gatedSection.js';
import type { SectionObserver, SectionOutcome } from '../internal/sections/observe.js';

/** The three scripts of a Redis rate limit; each takes the limit's `config` (its windows) first. */
export interface RateScripts {
  /** config… id cost channel key… → { started, now, next fit }. */
  readonly acquire: string;
  /** config… id tag… → { left, now, next fit }. */
  readonly cancel: string;
  /** config… (id tag…)… → { now, next fit, status per id }. */
  readonly keep: string;
}

/**
 * The client side of a rate limit kept in Redis, plain (`RedisRateLimiter`) or keyed
 * (`RedisKeyedRateLimiter`): a section asks Redis to start; if it must wait, its start is pushed by
 * Redis when it comes, and meanwhile the process sleeps until the Redis time at which the head will
 * fit (each script returns it), with a heartbeat that also finds a start whose message was missed.
 * A waiting section's `tag` (its key and cost, for a keyed one) goes with its id to the scripts
 * that ask about it.
 */
export class RedisRateCore {
  private readonly grants: Grants;
  private readonly tags = new Map<string, readonly (string | number)[]>();
  private next = 0;
  private acquiring = 0;
  private wake: LongTimer | undefined;
  private wakeAt = Infinity;
  /** Who observes its sections (`rxjs-concurrency/otel`), if anyone. */
  observer: SectionObserver | undefined;

  constructor(
    private readonly client: Connection,
    private readonly prefix: string,
    private readonly instance: string,
    private readonly label: string,
    private readonly scripts: RateScripts,
    private readonly config: readonly (string | number)[],
  ) {
    this.grants = new Grants(client, `${prefix}${client.cluster ? 's' : 'c'}:${instance}`);
  }

  /** Sections of this process waiting for room. */
  get waiting(): number {
    return this.grants.size;
  }

  /** One section of `cost`, with `keyArgs` after the acquisition's own arguments and `tag` after its id elsewhere. */
  section<T>(input: SectionInput<T>, cost: number, keyArgs: readonly (string | number)[], tag: readonly (string | number)[]): Observable<T> {
    return new Observable<T>((subscriber) => this.run(subscriber, input, cost, keyArgs, tag));
  }

  private run<T>(subscriber: Subscriber<T>, input: SectionInput<T>, cost: number, keyArgs: readonly (string | number)[], tag: readonly (string | number)[]): () => void {
    const id = `${this.instance}:${++this.next}`;
    let phase: 'acquiring' | 'waiting' | 'started' | 'done' = 'acquiring';
    const key = keyArgs[0];
    /** For an observer: the section's times (see SectionObserver). */
    const observed = { since_: -1, weight_: cost };
    const tell = (event: number, error?: unknown) => this.observer?.on_(observed, event, key, error);
    tell(5 /* waits: a Redis section always asks */);
    const forget = () => {
      this.grants.forget(id);
      this.tags.delete(id);
    };
    const start = (started: number) => {
      this.tags.delete(id);
      if (phase === 'done') return;
      if (started <= 0) {
        phase = 'done';
        tell(14 /* left: lease_lost */);
        this.idle();
        return subscriber.error(new LeaseLostError(`${this.label}: the waiting section was dropped from the queue (Redis restarted, or this process stalled past its heartbeat)`));
      }
      phase = 'started';
      this.idle();
      let source: Observable<T>;
      if (typeof input !== 'function') source = input;
      else {
        // a factory's lease: the start's Redis time as its token, a signal that aborts at the end
        const controller = new AbortController();
        subscriber.add(() => controller.abort());
        try {
          source = from(input({ token: started, signal: controller.signal }));
        } catch (error) {
          source = throwError(() => error);
        }
      }
      if (this.observer) {
        tell(6 /* granted */);
        // a rate limit's section holds nothing: its end is counted by how it ended
        let how: SectionOutcome = 2;
        let failure: unknown;
        source = source.pipe(tap({ error: (e: unknown) => ((how = 1), (failure = e)), complete: () => (how = 0) }));
        subscriber.add(() => tell(how, failure));
      }
      source.subscribe(subscriber);
    };
    this.acquiring++;
    // listening before the request: its start may be published before the request's reply arrives
    this.grants.wait(id, start);
    if (tag.length > 0) this.tags.set(id, tag);
    this.grants
      .listen()
      .then(() => this.script(this.scripts.acquire, id, cost, this.grants.channel, ...keyArgs))
      .then(
        ([started, now, nextAt]) => {
          this.acquiring--;
          if (phase === 'done') {
            forget();
            void this.script(this.scripts.cancel, id, ...tag).catch(reportUnhandledError);
            return this.idle();
          }
          if (phase === 'acquiring') {
            if (started === 1) {
              forget();
              start(now!);
            } else {
              phase = 'waiting';
              this.grants.confirm(id);
            }
          }
          this.sleepUntil(nextAt!, now!);
        },
        (error: unknown) => {
          this.acquiring--;
          if (phase !== 'done') tell(11 /* left: error */);
          phase = 'done';
          forget();
          this.idle();
          subscriber.error(error);
        },
      );
    return () => {
      const was = phase;
      phase = 'done';
      if (was === 'waiting' || was === 'acquiring') tell(13 /* left: cancelled_waiting */);
      if (was === 'waiting') {
        forget();
        this.script(this.scripts.cancel, id, ...tag).then(([, now, nextAt]) => this.sleepUntil(nextAt!, now!), reportUnhandledError);
      }
      this.idle();
    };
  }

  /**
   * While sections wait here: one timer, for the Redis time at which the head will fit (or the
   * heartbeat, whichever is first). When it fires, a script starts what fits, renews the heartbeats
   * and finds any start whose message was missed.
   */
  private sleepUntil(nextAt: number, now: number): void {
    if (this.grants.size === 0) return;
    const delay = Math.min(nextAt > 0 ? Math.max(0, nextAt - now) : Infinity, HEARTBEAT / 4);
    const at = Date.now() + delay;
    if (this.wake && this.wakeAt <= at) return;
    this.wake?.cancel();
    this.wakeAt = at;
    this.wake = setLongTimeout(
      () => {
        this.wake = undefined;
        this.wakeAt = Infinity;
        const ids = this.grants.ids();
        if (ids.length === 0) return;
        this.script(this.scripts.keep, ...ids.flatMap((waiter) => [waiter, ...(this.tags.get(waiter) ?? [])])).then(
          ([now2, next2, ...statuses]) => {
            ids.forEach((waiter, i) => {
              if (statuses[i] !== -1) this.grants.take(waiter, statuses[i] === 1 ? now2! : 0);
            });
            this.sleepUntil(next2!, now2!);
          },
          () => this.sleepUntil(0, 0),
        );
      },
      delay,
      true,
    );
  }

  private idle(): void {
    this.grants.closeIfIdle(this.acquiring);
    if (this.grants.size === 0) {
      this.wake?.cancel();
      this.wake = undefined;
      this.wakeAt = Infinity;
    }
  }

  private script(script: string, ...args: (string | number)[]): Promise<number[]> {
    return runScript<number[]>(this.client, script, this.prefix, [...this.config, ...args]);
  }
}
