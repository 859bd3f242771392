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
    const run = new AsCompletedRun<T, R>(fn, subscriber, mode, concurrency, inputs);
    if (timeout !== Infinity) subscriber.add(scheduleAfter(scheduler, timeout, () => run.timeOut()));
    if (outer) run.follow(outer);
    else run.startMore();
    run.finishIfDone();
  });
}

/** One subscription of `mergeAsCompleted` or `gatherSettled`. */
class AsCompletedRun<T, R> {
  private readonly sink: SettledSink<T>;
  /** Every source subscribed now, and the outer Observable of sources. */
  private readonly active = new Subscription();
  /** The sources not started yet, by index (an arrived source is let go once started). */
  private readonly pending: (Observable<T> | undefined)[];
  private readonly settled: boolean[] = [];
  private total: number;
  private running = 0;
  private settledCount = 0;
  private next = 0;
  private outerDone: boolean;

  constructor(
    private readonly fn: string,
    private readonly subscriber: Subscriber<R>,
    private readonly mode: AsCompletedMode<T, R>,
    private readonly concurrency: number,
    inputs: Observable<T>[] | undefined,
  ) {
    this.sink = mode.sink(subscriber);
    this.pending = inputs ? inputs.slice() : [];
    this.total = this.pending.length;
    this.outerDone = inputs !== undefined;
    subscriber.add(this.active);
  }

  /** Subscribes to an Observable of sources, joined to the output first, so `take(1)` downstream stops it. */
  follow(outer: Observable<ObservableInput<T>>): void {
    const outerSubscriber = new CallbackSubscriber<ObservableInput<T>>(
      this.active,
      (input) => {
        let source: Observable<T>;
        try {
          source = toObservable(this.fn, `sources (item ${this.total})`, input);
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
    );
    outer.subscribe(outerSubscriber);
  }

  /** Sources start in index order as slots free; a source that settles synchronously does not recurse. */
  readonly startMore = trampoline(() => {
    while (this.running < this.concurrency && this.next < this.total && !this.subscriber.closed) this.start(this.next++);
  });

  private start(index: number): void {
    this.running++;
    let hasValue = false;
    let last: T | undefined;
    const inner = new CallbackSubscriber<T>(
      this.active,
      (value) => {
        hasValue = true;
        last = value;
      },
      (reason) => this.settleOne({ status: 'rejected', index, reason }),
      () => this.settleOne(hasValue ? { status: 'fulfilled', index, value: last as T } : { status: 'rejected', index, reason: new EmptyError() }),
    );
    const source = this.pending[index]!;
    this.pending[index] = undefined;
    source.subscribe(inner);
  }

  private settleOne(item: Settled<T>): void {
    this.settled[item.index] = true;
    this.settledCount++;
    this.running--;
    if (!this.mode.settle && item.status === 'rejected') return this.fail(item.reason);
    this.sink.item(item);
    this.startMore();
    this.finishIfDone();
  }

  finishIfDone(): void {
    if (this.outerDone && this.settledCount === this.total && !this.subscriber.closed) this.sink.done();
  }

  private fail(error: unknown): void {
    this.active.unsubscribe();
    this.subscriber.error(error);
  }

  /** The deadline passed: every unfinished source is cancelled, and reported when settling. */
  timeOut(): void {
    this.active.unsubscribe();
    if (!this.mode.settle) return this.subscriber.error(new TimeoutError());
    for (let index = 0; index < this.total && !this.subscriber.closed; index++) {
      if (!this.settled[index]) this.sink.item({ status: 'rejected', index, reason: new TimeoutError() });
    }
    this.sink.done();
  }
}
