import { defer, Observable, type ObservableInput, type OperatorFunction, type Subscription } from 'rxjs';
import { Semaphore } from '../Semaphore.js';
import { Queue } from './queue.js';
import { CallbackSubscriber } from './subscribers.js';
import { checkConcurrency, checkFunction, checkInteger, checkOptions, typeError } from './validate.js';

/** Options of `semaphoreMap`. */
export interface SemaphoreMapOptions<T> {
  /** Permits each inner holds: a number, or a function of the value and its index. Default 1. */
  readonly weight?: number | ((value: T, index: number) => number);
}

/** The machinery of `semaphoreMap` and `lockedSection(lock, project)`. */
export function mapInSections<T, R>(
  fn: string,
  semaphore: Semaphore | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T>,
): OperatorFunction<T, R> {
  if (typeof semaphore === 'number') checkConcurrency(fn, 'concurrency', semaphore);
  else if (!(semaphore instanceof Semaphore)) typeError(fn, 'semaphore', 'a Semaphore, a Lock or a positive integer', semaphore);
  checkFunction(fn, 'project', project);
  const weightOption = checkOptions(fn, options).weight ?? 1;
  const capacity = typeof semaphore === 'number' ? semaphore : semaphore.permits;
  if (typeof weightOption === 'number') checkInteger(fn, 'options.weight', weightOption, 1, capacity);
  else checkFunction(fn, 'options.weight', weightOption);

  return (source) =>
    new Observable<R>((subscriber) => {
      // Infinity permits: no limit at all, as mergeMap with the default concurrency
      const shared =
        typeof semaphore !== 'number' ? semaphore : semaphore === Infinity ? undefined : new Semaphore(semaphore);
      // Newest first: a waiting section of this stream is always newer than its running ones, so
      // cancelling in that order removes the waiters before a running section's release could
      // start one of them.
      const inners = new Queue<Subscription>();
      const cancelInners = () => {
        for (let inner = inners.pop(); inner; inner = inners.pop()) inner.unsubscribe();
      };
      let index = 0;
      let outerDone = false;

      const fail = (error: unknown) => {
        outer.unsubscribe();
        cancelInners();
        subscriber.error(error);
      };

      const outer = new CallbackSubscriber<T>(
        (value) => {
          const i = index++;
          let weight = 1;
          let section: Observable<R>;
          try {
            weight = typeof weightOption === 'number' ? weightOption : checkInteger(fn, 'options.weight(value)', weightOption(value, i), 1, capacity);
            const inner = defer(() => project(value, i));
            section = shared ? shared.section(inner, weight) : inner;
          } catch (error) {
            return fail(error);
          }
          const innerSubscriber = new CallbackSubscriber<R>(
            (result) => subscriber.next(result),
            fail,
            () => {
              if (outerDone && inners.size === 0) subscriber.complete();
            },
          );
          const node = inners.enqueue(innerSubscriber);
          innerSubscriber.add(() => inners.remove(node));
          section.subscribe(innerSubscriber);
        },
        fail,
        () => {
          outerDone = true;
          if (inners.size === 0) subscriber.complete();
        },
      );
      subscriber.add(outer);
      subscriber.add(cancelInners);
      source.subscribe(outer);
    });
}
