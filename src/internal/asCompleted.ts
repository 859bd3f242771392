import { asyncScheduler, EmptyError, isObservable, Observable, Subscription, TimeoutError, type ObservableInput, type SchedulerLike, type Subscriber } from 'rxjs';
import type { Settled } from '../types.js';
import { CallbackSubscriber } from './core/subscribers.js';
import { scheduleAfter } from './core/timers.js';
import { trampoline } from './core/trampoline.js';
import { checkConcurrency, checkDuration, checkOptions, checkScheduler, toObservable, toObservables } from './core/validate.js';

export interface AsCompletedOptions {
  readonly concurrency?: number;
  readonly timeout?: number;
  readonly scheduler?: SchedulerLike;
}

/** The sources of `mergeAsCompleted` and `gatherSettled`: an iterable of inputs, or an Observable of them. */
export type SourcesInput<T> = Iterable<ObservableInput<T>> | Observable<ObservableInput<T>>;

/** What one subscription does with the settled sources, in completion order, and at the end. */
export interface SettledSink<T> {
  item(item: Settled<T>): void;
  done(): void;
}

/** How an operator built on {@link asCompleted} treats its sources. */
export interface AsCompletedMode<T, R> {
  /** Every source yields a `Settled`; without it the first failure errors the output. */
  readonly settle: boolean;
  /** The sink of one subscription. */
  sink(subscriber: Subscriber<R>): SettledSink<T>;
}

/**
 * The machinery of `mergeAsCompleted` and `gatherSettled`: runs each source as a task (its result
 * is its last value), at most `concurrency` at a time, and hands each settled source to the sink of
 * this subscription, in completion order.
 */
export function asCompleted<T, R>(fn: string, sources: SourcesInput<T>, options: AsCompletedOptions | undefined, mode: AsCompletedMode<T, R>): Observable<R> {
  const opts = checkOptions(fn, options);
  const concurrency = opts.concurrency === undefined ? Infinity : checkConcurrency(fn, 'options.concurrency', opts.concurrency);
  const timeout = opts.timeout === undefined ? Infinity : checkDuration(fn, 'options.timeout', opts.timeout);
  const scheduler = checkScheduler(fn, opts.scheduler) ?? asyncScheduler;
  const outer = isObservable(sources) ? sources : undefined;
  const inputs = outer ? undefined : toObservables(fn, sources as Iterable<ObservableInput<T>>, 'an iterable or Observable of inputs');

  return new Observable<R>((subscriber) => {
    const run = new AsCompletedRun<T, R>(subscriber, mode.settle, concurrency, mode.sink(subscriber), inputs);
    if (timeout !== Infinity) subscriber.add(scheduleAfter(scheduler, timeout, () => run.timeOut()));
    if (outer) run.follow(fn, outer);
    else run.startMore();
    run.finishIfDone();
  });
}

/**
 * One subscription of `mergeAsCompleted` or `gatherSettled`. It is the subscription of every
 * source it runs (and of the outer Observable of sources), so unsubscribing it cancels them all.
 */
class AsCompletedRun<T, R> extends Subscription {
  declare private readonly sink: SettledSink<T>;
  /**
   * Each source by index: its Observable until it starts (then it is let go), `undefined` while it
   * runs, `null` once it has settled.
   */
  declare private readonly pending: (Observable<T> | undefined | null)[];
  declare private total: number;
  declare private running: number;
  declare private next: number;
  declare private outerDone: boolean;

  declare private readonly subscriber: Subscriber<R>;
  declare private readonly settle: boolean;
  declare private readonly concurrency: number;

  constructor(subscriber: Subscriber<R>, settle: boolean, concurrency: number, sink: SettledSink<T>, inputs: Observable<T>[] | undefined) {
    super();
    this.subscriber = subscriber;
    this.settle = settle;
    this.concurrency = concurrency;
    this.sink = sink;
    this.pending = inputs ? inputs.slice() : [];
    this.total = this.pending.length;
    this.running = this.next = 0;
    this.outerDone = inputs !== undefined;
    subscriber.add(this);
  }

  /** Subscribes to an Observable of sources, joined to the output first, so `take(1)` downstream stops it. */
  follow(fn: string, outer: Observable<ObservableInput<T>>): void {
    outer.subscribe(
      new CallbackSubscriber<ObservableInput<T>>(
        this,
        (input) => {
          let source: Observable<T>;
          try {
            source = toObservable(fn, `sources (item ${this.total})`, input);
          } catch (error) {
            return this.fail(error);
          }
          this.pending[this.total++] = source;
          this.startMore();
        },
        (error) => this.fail(error),
        () => {
          this.outerDone = true;
          this.finishIfDone();
        },
      ),
    );
  }

  /** Sources start in index order as slots free; a source that settles synchronously does not recurse. */
  readonly startMore = trampoline(() => {
    while (this.running < this.concurrency && this.next < this.total && !this.subscriber.closed) this.start(this.next++);
  });

  private start(index: number): void {
    this.running++;
    let hasValue = false;
    let last: T | undefined;
    const source = this.pending[index]!;
    this.pending[index] = undefined;
    source.subscribe(
      new CallbackSubscriber<T>(
        this,
        (value) => {
          hasValue = true;
          last = value;
        },
        (reason) => this.settleOne({ status: 'rejected', index, reason }),
        () => this.settleOne(hasValue ? { status: 'fulfilled', index, value: last as T } : { status: 'rejected', index, reason: new EmptyError() }),
      ),
    );
  }

  private settleOne(item: Settled<T>): void {
    this.pending[item.index] = null;
    this.running--;
    if (!this.settle && item.status === 'rejected') return this.fail(item.reason);
    this.sink.item(item);
    this.startMore();
    this.finishIfDone();
  }

  /** Every source has settled (and the Observable of sources has completed). */
  finishIfDone(): void {
    if (this.outerDone && this.next === this.total && this.running === 0 && !this.subscriber.closed) this.sink.done();
  }

  private fail(error: unknown): void {
    this.unsubscribe();
    this.subscriber.error(error);
  }

  /** The deadline passed: every unfinished source is cancelled, and reported when settling. */
  timeOut(): void {
    this.unsubscribe();
    if (!this.settle) return this.subscriber.error(new TimeoutError());
    for (let index = 0; index < this.total && !this.subscriber.closed; index++) {
      if (this.pending[index] !== null) this.sink.item({ status: 'rejected', index, reason: new TimeoutError() });
    }
    this.sink.done();
  }
}
