import { Observable, from, type Subscriber } from 'rxjs';
import type { Connection } from './client.js';
import { reportUnhandledError } from '../internal/core/report.js';
import { CallbackSubscriber } from '../internal/core/subscribers.js';
import { setLongTimeout, type LongTimer } from '../internal/core/timers.js';
import type { SectionInput } from '../internal/sections/gatedSection.js';
import type { Lease } from '../types.js';
import { Grants, runScript } from './connection.js';
import { LeaseLostError } from './LeaseLostError.js';
import { HEARTBEAT } from './scripts.js';
import type { SectionObserver, SectionOutcome } from '../internal/sections/observe.js';

/** The four scripts of a Redis permit limit; each takes the limit's `config` arguments first. */
export interface PermitScripts {
  /** config… id weight heartbeat channel key… → token if granted now, else 0. */
  readonly acquire: string;
  /** config… id → 1 if it held, 0 if its lease was gone. */
  readonly release: string;
  /** config… id → 1 left the queue, 2 was granted and released, 0 unknown. */
  readonly cancel: string;
  /** config… heartbeat id… → per id: token (holds), -1 (waits), 0 (unknown). */
  readonly keep: string;
  /**
   * The scripts keep one heartbeat per process (renewed by KEEP): an acquisition sends `heartbeat` 0
   * while the process's last one is fresh. Otherwise each waiter has its own, sent with it.
   */
  readonly processBeat?: boolean;
}

interface Holder {
  /** Redis no longer knows the lease: stop the section. */
  lost(): void;
  /**
   * Until when (this process's `performance.now()`) the lease is sure to hold in Redis: the time the
   * last renewal that reached Redis was sent, plus the lease. Past it, Redis may have handed the
   * permits on (a renewal did not get through: Redis unreachable, failing over, or the process stalled).
   */
  until: number;
}

/** Ms a grant found by a renewal waits for its own message, which has its token (see `renew`). */
const MESSAGE_GRACE = 50;

/** Ms a grant waits for `WAIT replicas` before it renews and asks again (option `replicas`). */
const REPLICA_WAIT = 500;

/**
 * The client side of a limit whose permits live in Redis, plain (`RedisSemaphore`, `RedisLock`) or
 * keyed (`RedisKeyedSemaphore`): the section's phases (acquiring, waiting, holding, done), the grant
 * pushed by Redis, the lease renewed on one timer for every section of the process, the release after
 * the teardown, and `LeaseLostError` when Redis forgot a section. What differs between the limits is
 * only their scripts, their `config` arguments, and the key arguments of an acquisition.
 */
export class RedisPermitCore {
  private readonly instance: string;
  private next = 0;
  /** Sections queued in Redis, by id, and the channel where their grants arrive. */
  private readonly grants: Grants;
  private readonly holding = new Map<string, Holder>();
  /**
   * Per section queued in Redis: when the last script that found it still waiting was sent (its
   * acquisition, then each renewal). Redis granted it later, so its grant, which holds for a
   * heartbeat until renewed, is sure to hold until then plus a heartbeat.
   */
  private readonly seen = new Map<string, number>();
  /** Sections whose acquisition is on its way: the grant listener must stay. */
  private acquiring = 0;
  private keeper: LongTimer | undefined;
  /** Who observes its sections (`rxjs-concurrency/otel`), if anyone. */
  observer: SectionObserver | undefined;
  /** Weight held by this process's sections now. */
  inUse = 0;

  constructor(
    private readonly client: Connection,
    private readonly prefix: string,
    instance: string,
    private readonly label: string,
    private readonly scripts: PermitScripts,
    private readonly config: readonly (string | number)[],
    private readonly lease: number,
    /** Replicas that must have a grant before its section starts (`WAIT`); 0: none. */
    private readonly replicas = 0,
  ) {
    // the process's name carries its channel's kind: a grant's channel is `<prefix><process>`
    this.instance = `${client.cluster ? 's' : 'c'}:${instance}`;
    this.grants = new Grants(client, `${prefix}${this.instance}`);
  }

  /** Sections of this process waiting in Redis. */
  get waiting(): number {
    return this.grants.size;
  }

  /** One section: `weight` permits, with `keyArgs` after the acquisition's own arguments. */
  section<T>(input: SectionInput<T>, weight: number, keyArgs: readonly (string | number)[]): Observable<T> {
    return new Observable<T>((subscriber) => this.run(subscriber, input, weight, keyArgs));
  }

  private run<T>(subscriber: Subscriber<T>, input: SectionInput<T>, weight: number, keyArgs: readonly (string | number)[]): () => void {
    // a section's id tells its process and, when not 1, its weight (see scripts.ts)
    const id = `${this.instance}:${++this.next}${weight === 1 ? '' : `x${weight}`}`;
    let phase: 'acquiring' | 'waiting' | 'holding' | 'done' = 'acquiring';
    let controller: AbortController | undefined;
    let inner: CallbackSubscriber<T> | undefined;
    const key = keyArgs[0];
    /** For an observer: the section's times (see SectionObserver). */
    const observed = { since_: -1, weight_: weight };
    const tell = (event: number) => this.observer?.on_(observed, event, key);
    tell(5 /* waits: a Redis section always asks */);
    /** The section stops holding: its weight is no longer this process's, and its observer hears how. */
    const ended = (outcome: SectionOutcome) => {
      this.inUse -= weight;
      tell(outcome);
    };

    const fail = (error: unknown, outcome: SectionOutcome = 1) => {
      if (phase === 'done') return;
      tell(10 + outcome);
      phase = 'done';
      this.seen.delete(id);
      this.grants.forget(id);
      this.holding.delete(id);
      this.idle();
      subscriber.error(error);
    };

    const release = (then: () => void, outcome: SectionOutcome) => {
      this.script(this.scripts.release, id).then(
        (had) => {
          ended(had === 1 ? outcome : 4);
          if (had === 1) then();
          else subscriber.error(new LeaseLostError(`${this.label}: the lease was gone when the section released it`));
        },
        (error: unknown) => {
          ended(1);
          subscriber.error(error);
        },
      );
    };

    /** When the acquisition was sent: a lease granted at once holds a whole lease from then, at least. */
    let sentAt = 0;
    /** The heartbeat it renewed (ms), 0: none. */
    let beat = 0;
    /** A grant: the section starts, once `replicas` replicas have it when the option asks for them. */
    const granted = (token: number, queued: boolean) => {
      // not from when its message arrived: a process that stalled meanwhile would count a lease that Redis may have ended
      const until = queued ? (this.seen.get(id) ?? sentAt) + Math.min(this.lease, HEARTBEAT) : sentAt + this.lease;
      this.seen.delete(id);
      if (token <= 0 || phase === 'done' || this.replicas === 0) return start(token, until);
      // unsubscribed meanwhile, the wait stops and the permits go back (start, or here on an error)
      this.replicated(id, () => phase === 'done').then(
        ([held, since]) => start(held ? token : 0, since + this.lease),
        (error: unknown) => {
          void this.script(this.scripts.release, id).catch(reportUnhandledError);
          fail(error);
        },
      );
    };

    const start = (token: number, until: number) => {
      if (phase === 'done') return void this.script(this.scripts.release, id).catch(reportUnhandledError);
      if (token <= 0) return fail(new LeaseLostError(`${this.label}: the waiting section was dropped from the queue (Redis restarted or failed over, or this process stalled past its heartbeat)`), 4);
      // granted, but this process learnt of it too late: Redis may have handed the permits on already
      if (until <= performance.now()) {
        void this.script(this.scripts.release, id).catch(reportUnhandledError);
        return fail(new LeaseLostError(`${this.label}: the grant came after its lease may have ended in Redis (this process stalled)`), 4);
      }
      phase = 'holding';
      this.inUse += weight;
      tell(6 /* granted */);
      this.grants.forget(id);
      // a grant from the queue holds for a heartbeat: the keeper's next renewal (≤ 500 ms) makes it whole
      this.holding.set(id, {
        until,
        lost: () => {
          if (phase !== 'holding') return;
          phase = 'done';
          this.holding.delete(id);
          inner?.unsubscribe();
          controller?.abort();
          this.idle();
          ended(4);
          subscriber.error(new LeaseLostError(`${this.label}: the lease was lost (it expired unrenewed, Redis failed over without it, or the key vanished) while the section held it`));
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
      const end = (notify: () => void, outcome: SectionOutcome) => {
        if (phase !== 'holding') return;
        phase = 'done';
        this.holding.delete(id);
        controller?.abort();
        this.idle();
        release(notify, outcome);
      };
      let section: Observable<T>;
      try {
        section = from(typeof input === 'function' ? input(lease) : input);
      } catch (error) {
        return end(() => subscriber.error(error), 1);
      }
      inner = new CallbackSubscriber<T>(
        subscriber,
        (value) => subscriber.next(value),
        (error) => end(() => subscriber.error(error), 1),
        () => end(() => subscriber.complete(), 0),
      );
      if (phase === 'holding') section.subscribe(inner);
    };

    this.acquiring++;
    this.grants.wait(id, (token) => granted(token, true));
    this.grants
      .listen()
      .then(() => {
        sentAt = performance.now();
        beat = !this.scripts.processBeat || sentAt - this.beatAt > HEARTBEAT / 2 ? HEARTBEAT : 0;
        return this.script(this.scripts.acquire, id, weight, beat, this.grants.channel, ...keyArgs);
      })
      .then(
        (token) => {
          this.acquiring--;
          if (beat > 0) this.beatAt = Math.max(this.beatAt, sentAt);
          if (phase === 'done') {
            // unsubscribed while the script ran: leave the queue, or give the permits straight back
            this.grants.forget(id);
            void this.script(this.scripts.cancel, id).catch(reportUnhandledError);
            return this.idle();
          }
          // the grant's message came before this reply: the section has started already
          if (phase !== 'acquiring') return;
          if (token > 0) {
            this.grants.forget(id);
            return granted(token, false);
          }
          phase = 'waiting';
          this.seen.set(id, sentAt);
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
      if (was === 'waiting' || was === 'acquiring') tell(13 /* left: cancelled_waiting */);
      if (was === 'waiting') {
        this.seen.delete(id);
        this.grants.forget(id);
        void this.script(this.scripts.cancel, id).catch(reportUnhandledError);
      } else if (was === 'holding') {
        ended(2);
        this.holding.delete(id);
        inner?.unsubscribe();
        controller?.abort();
        void this.script(this.scripts.release, id).then(
          (had) => had === 1 || reportUnhandledError(new LeaseLostError(`${this.label}: the lease was gone when the cancelled section released it`)),
          reportUnhandledError,
        );
      }
      this.idle();
    };
  }

  /**
   * Renews the leases of the sections held here and the heartbeats of those waiting, on one timer:
   * one KEEP on its way at a time; while it is (Redis slow, unreachable or failing over), each tick
   * stops the sections whose lease may have lapsed in Redis.
   */
  private keep(): void {
    if (this.keeper) return;
    const every = Math.min(HEARTBEAT / 4, this.lease / 3);
    this.keeper = setLongTimeout(
      () => {
        this.keeper = undefined;
        const now = performance.now();
        for (const holder of [...this.holding.values()]) if (holder.until <= now) holder.lost();
        if (this.holding.size + this.grants.size === 0) return;
        if (!this.keeping) this.renew();
        this.keep();
      },
      every,
      true,
    );
  }

  private keeping = false;
  /** When the last renewal of this process's heartbeat that Redis answered was sent (`processBeat`). */
  private beatAt = -Infinity;

  private renew(): void {
    const ids = [...this.holding.keys(), ...this.grants.ids()];
    if (ids.length === 0) return;
    this.keeping = true;
    const sentAt = performance.now();
    this.renewal(ids).then(
      (list) => {
        this.keeping = false;
        this.beatAt = Math.max(this.beatAt, sentAt);
        ids.forEach((id, i) => {
          const result = list[i]!;
          const holder = this.holding.get(id);
          if (holder && result === 0) holder.lost();
          else if (holder) holder.until = sentAt + this.lease;
          else if (result === -1 && this.seen.has(id)) this.seen.set(id, sentAt);
          // a waiter Redis forgot; or a grant whose message was missed: its token is then a fresh one,
          // so the message (sent before this reply, on the listener's connection) is given a moment
          // to arrive first with the grant's own token (the token keeps telling the grant order)
          if (!holder && result === 0) this.grants.take(id, 0);
          else if (!holder && result > 0) setLongTimeout(() => this.grants.take(id, result), MESSAGE_GRACE, true);
        });
      },
      () => (this.keeping = false),
    );
  }

  /** KEEP for `ids`: per id its token (holds, lease renewed), -1 (waits, heartbeat renewed) or 0 (unknown). */
  private renewal(ids: readonly string[]): Promise<number[]> {
    return runScript<number[]>(this.client, this.scripts.keep, this.prefix, [...this.config, HEARTBEAT, ...ids]);
  }

  /**
   * Option `replicas`: renews the lease of the granted `id` on this process's connection, then waits
   * until that many replicas have it (and so the grant before it); asks again while they lag, until
   * `stopped()`. Gives whether it still holds (false: the lease is gone, or stopped) and when the
   * renewal that reached the replicas was sent.
   */
  private async replicated(id: string, stopped: () => boolean): Promise<[boolean, number]> {
    const deadline = performance.now() + this.lease;
    for (;;) {
      const since = performance.now();
      if (stopped()) return [false, since];
      const keep = () => this.renewal([id]);
      const [token] = await keep();
      if (!(token! > 0)) return [false, since];
      // the KEEP sent right behind the WAIT (no round trip more) says whether the node that answers
      // now still has the lease: a client that resent the WAIT to a promoted replica after a failover
      // (ioredis resends what went unanswered) would otherwise count a grant that the failover lost
      // (a WAIT shorter than a third of the lease: renewals keep their cadence, whichever connection a client sends it on)
      const [acked, [still]] = await Promise.all([this.client.wait(this.replicas, Math.min(REPLICA_WAIT, Math.floor(this.lease / 3))), keep()]);
      if (!(still! > 0)) return [false, since];
      if (acked >= this.replicas) return [true, since];
      if (performance.now() > deadline) throw new LeaseLostError(`${this.label}: fewer than ${this.replicas} replica(s) acknowledged the grant within the lease (${this.lease} ms)`);
    }
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
    return runScript<number>(this.client, script, this.prefix, [...this.config, ...args]);
  }
}
