import { asyncScheduler, EmptyError, isObservable, Observable, Subscription, TimeoutError, type ObservableInput, type SchedulerLike, type Subscriber } from 'rxjs';
import type { Settled } from '../types.js';
import { CallbackSubscriber } from './core/subscribers.js';
import { scheduleAfter } from './core/timers.js';
import { trampoline } from './core/trampoline.js';
import { checkConcurrency, checkDuration, checkOptions, checkScheduler } from './core/validate.js';
import { toObservable, toObservables } from './core/inputs.js';

export interface AsCompletedOptions {
  readonly concurrency?: number;
  readonly timeout?: number;
  readonly scheduler?: SchedulerLike;
}

/** The sources of `mergeAsCompleted` and `gatherSettled`: an iterable of inputs, or an Observable of them. */
export type SourcesInput<T> = Iterable<ObservableInput<T>> | Observable<ObservableInput<T>>;

/**
 * The machinery of `mergeAsCompleted` and `gatherSettled`: runs each source as a task (its result
 * is its last value), at most `concurrency` at a time. With `settle`, every source yields a
 * `Settled`; without it the first failure errors the output and a success is emitted as
 * `{ index, value }`. Each is emitted in completion order, or with `gather` all of them at the end,
 * in index order, as one array.
 */
export function asCompleted<T, R>(fn: string, sources: SourcesInput<T>, options: AsCompletedOptions | undefined, settle: boolean | undefined, gather?: boolean): Observable<R> {
  const opts = checkOptions(fn, options);
  const concurrency = checkConcurrency(fn, 'options.concurrency', opts.concurrency);
  const timeout = checkDuration(fn, 'options.timeout', opts.timeout);
  const scheduler = checkScheduler(fn, opts.scheduler) ?? asyncScheduler;
  const outer = isObservable(sources) ? sources : undefined;
  const inputs = outer ? undefined : toObservables(fn, sources as Iterable<ObservableInput<T>>, 'an iterable or Observable of inputs');

  return new Observable<R>((subscriber) => {
    new AsCompletedRun<T>(subscriber, settle, gather, concurrency, inputs).start(fn, outer, timeout, scheduler);
  });
}

/**
 * One subscription of `mergeAsCompleted` or `gatherSettled`. It is the subscription of every
 * source it runs (and of the outer Observable of sources), so unsubscribing it cancels them all.
 */
class AsCompletedRun<T> extends Subscription {
  /** `gatherSettled`'s results by index; `undefined` when each settled source is emitted as it settles. */
  readonly #results: Settled<T>[] | undefined;
  /**
   * Each source by index: its Observable until it starts (then it is let go), `undefined` while it
   * runs, `null` once it has settled. Its length is the number of sources seen so far.
   */
  readonly #pending: (Observable<T> | undefined | null)[];
  #running = 0;
  #next = 0;
  #outerDone: boolean;

  readonly #subscriber: Subscriber<unknown>;
  readonly #settle: boolean | undefined;
  readonly #concurrency: number;

  constructor(subscriber: Subscriber<unknown>, settle: boolean | undefined, gather: boolean | undefined, concurrency: number, inputs: Observable<T>[] | undefined) {
    super();
    this.#subscriber = subscriber;
    this.#settle = settle;
    this.#concurrency = concurrency;
    this.#results = gather ? [] : undefined;
    this.#pending = inputs ? inputs.slice() : [];
    this.#outerDone = !!inputs;
    subscriber.add(this);
  }

  /** Arms the deadline, and starts the sources given or follows the Observable of sources. */
  start(fn: string, outer: Observable<ObservableInput<T>> | undefined, timeout: number, scheduler: SchedulerLike): void {
    if (timeout !== Infinity) this.add(scheduleAfter(scheduler, timeout, () => this.#timeOut()));
    if (outer) this.#follow(fn, outer);
    else this.#startMore();
    this.#finishIfDone();
  }

  /** Subscribes to an Observable of sources, joined to the output first, so `take(1)` downstream stops it. */
  #follow(fn: string, outer: Observable<ObservableInput<T>>): void {
    outer.subscribe(
      new CallbackSubscriber<ObservableInput<T>>(
        this,
        (input) => {
          let source: Observable<T>;
          try {
            source = toObservable(fn, `sources[${this.#pending.length}]`, input);
          } catch (error) {
            return this.#fail(error);
          }
          this.#pending.push(source);
          this.#startMore();
        },
        (error) => this.#fail(error),
        () => {
          this.#outerDone = true;
          this.#finishIfDone();
        },
      ),
    );
  }

  /** Sources start in index order as slots free; a source that settles synchronously does not recurse. */
  readonly #startMore = trampoline(() => {
    while (this.#running < this.#concurrency && this.#next < this.#pending.length && !this.#subscriber.closed) this.#run(this.#next++);
  });

  #run(index: number): void {
    this.#running++;
    let hasValue = false;
    let last: T | undefined;
    const source = this.#pending[index]!;
    this.#pending[index] = undefined;
    source.subscribe(
      new CallbackSubscriber<T>(
        this,
        (value) => {
          hasValue = true;
          last = value;
        },
        (reason) => this.#settleOne({ status: 'rejected', index, reason }),
        () => this.#settleOne(hasValue ? { status: 'fulfilled', index, value: last as T } : { status: 'rejected', index, reason: new EmptyError() }),
      ),
    );
  }

  #settleOne(item: Settled<T>): void {
    this.#pending[item.index] = null;
    this.#running--;
    if (!this.#settle && 'reason' in item) return this.#fail(item.reason); // rejected
    this.#emit(item);
    this.#startMore();
    this.#finishIfDone();
  }

  /** Every source has settled (and the Observable of sources has completed). */
  #finishIfDone(): void {
    if (this.#outerDone && this.#next === this.#pending.length && this.#running === 0 && !this.#subscriber.closed) this.#done();
  }

  /** A settled source: kept for the end (`gatherSettled`), or emitted now (`mergeAsCompleted`). */
  #emit(item: Settled<T>): void {
    if (this.#results) this.#results[item.index] = item;
    // without `settle` a rejected item never gets here: it errored the output
    else this.#subscriber.next(this.#settle ? item : { index: item.index, value: (item as { value: T }).value });
  }

  #done(): void {
    if (this.#results) this.#subscriber.next(this.#results);
    this.#subscriber.complete();
  }

  #fail(error: unknown): void {
    this.unsubscribe();
    this.#subscriber.error(error);
  }

  /** The deadline passed: every unfinished source is cancelled, and reported when settling. */
  #timeOut(): void {
    if (!this.#settle) return this.#fail(new TimeoutError());
    this.unsubscribe();
    for (let index = 0; index < this.#pending.length && !this.#subscriber.closed; index++) {
      if (this.#pending[index] !== null) this.#emit({ status: 'rejected', index, reason: new TimeoutError() });
    }
    this.#done();
  }
}
