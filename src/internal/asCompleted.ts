import { asyncScheduler, EmptyError, isObservable, Observable, Subscription, TimeoutError, type ObservableInput, type Subscriber } from 'rxjs';
import type { Settled } from '../types.js';
import { CallbackSubscriber } from './core/subscribers.js';
import { trampoline } from './core/trampoline.js';
import {
  checkConcurrency,
  checkDuration,
  checkOptions,
  checkScheduler,
  toObservable,
  toObservables,
} from './core/validate.js';

export interface AsCompletedOptions {
  readonly concurrency?: number;
  readonly timeout?: number;
  readonly scheduler?: import('rxjs').SchedulerLike;
}

/** The sources of `mergeAsCompleted` and `gatherSettled`: an iterable of inputs, or an Observable of them. */
export type SourcesInput<T> = Iterable<ObservableInput<T>> | Observable<ObservableInput<T>>;

/** What one subscription does with the settled sources, in completion order, and at the end. */
export interface SettledSink<T> {
  item(item: Settled<T>): void;
  done(): void;
}

/**
 * The machinery of `mergeAsCompleted` and `gatherSettled`: runs each source as a task (its result
 * is its last value), at most `concurrency` at a time, and hands each settled source to the sink
 * that `makeSink` made for this subscription, in completion order.
 *
 * With `settle` false the first failure tears down every active source and errors the output.
 * `sink.done` runs once every source has settled (and an Observable of sources has completed).
 */
export function asCompleted<T, R>(
  fn: string,
  sources: SourcesInput<T>,
  options: AsCompletedOptions | undefined,
  settle: boolean,
  makeSink: (subscriber: Subscriber<R>) => SettledSink<T>,
): Observable<R> {
  const opts = checkOptions(fn, options);
  const concurrency = opts.concurrency === undefined ? Infinity : checkConcurrency(fn, 'options.concurrency', opts.concurrency);
  const timeout = opts.timeout === undefined ? Infinity : checkDuration(fn, 'options.timeout', opts.timeout);
  const scheduler = checkScheduler(fn, opts.scheduler) ?? asyncScheduler;
  let inputs: Observable<T>[] | undefined;
  let outer: Observable<ObservableInput<T>> | undefined;
  if (isObservable(sources)) outer = sources;
  else inputs = toObservables(fn, sources, 'an iterable or Observable of inputs');

  return new Observable<R>((subscriber) => {
    const sink = makeSink(subscriber);
    const active = new Subscription();
    const pending: (Observable<T> | undefined)[] = inputs ? inputs : [];
    const settledAt: boolean[] = [];
    let total = inputs ? inputs.length : 0;
    let running = 0;
    let settledCount = 0;
    let next = 0;
    let outerDone = !outer;
    let outerSub: Subscription | undefined;
    let timer: Subscription | undefined;
    subscriber.add(active);

    const finishIfDone = () => {
      if (outerDone && settledCount === total && !subscriber.closed) {
        timer?.unsubscribe();
        sink.done();
      }
    };

    const failAll = (error: unknown) => {
      timer?.unsubscribe();
      outerSub?.unsubscribe();
      active.unsubscribe();
      subscriber.error(error);
    };

    const settleOne = (item: Settled<T>) => {
      settledAt[item.index] = true;
      settledCount++;
      running--;
      if (!settle && item.status === 'rejected') return failAll(item.reason);
      sink.item(item);
      startMore();
      finishIfDone();
    };

    const start = (index: number) => {
      running++;
      let hasValue = false;
      let last: T | undefined;
      const inner = new CallbackSubscriber<T>(
        (value) => {
          hasValue = true;
          last = value;
        },
        (reason) => settleOne({ status: 'rejected', index, reason }),
        () =>
          settleOne(
            hasValue
              ? { status: 'fulfilled', index, value: last as T }
              : { status: 'rejected', index, reason: new EmptyError() },
          ),
      );
      active.add(inner);
      const source = pending[index]!;
      if (!inputs) pending[index] = undefined; // an arrived source is let go once started
      source.subscribe(inner);
    };

    // Sources start in input order as slots free: `next` walks the array, or the arrived sources of
    // an Observable of sources (arrival order is index order).
    const startMore = trampoline(() => {
      while (running < concurrency && next < total && !subscriber.closed) start(next++);
    });

    if (timeout !== Infinity) {
      timer = scheduler.schedule(() => {
        outerSub?.unsubscribe();
        active.unsubscribe();
        if (!settle) return subscriber.error(new TimeoutError());
        for (let index = 0; index < total && !subscriber.closed; index++) {
          if (!settledAt[index]) sink.item({ status: 'rejected', index, reason: new TimeoutError() });
        }
        sink.done();
      }, timeout);
      subscriber.add(timer);
    }

    if (outer) {
      outerSub = outer.subscribe({
        next: (input) => {
          let source: Observable<T>;
          try {
            source = toObservable(fn, `sources (item ${total})`, input);
          } catch (error) {
            return failAll(error);
          }
          pending[total++] = source;
          startMore();
        },
        error: failAll,
        complete: () => {
          outerDone = true;
          finishIfDone();
        },
      });
      subscriber.add(outerSub);
    } else {
      startMore();
      finishIfDone();
    }
  });
}
