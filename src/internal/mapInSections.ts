import { Observable, type ObservableInput, type OperatorFunction, type Subscriber, type Subscription } from 'rxjs';
import { Semaphore } from '../Semaphore.js';
import { Held, type SectionOwner } from './held.js';
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
  semaphoreOrCount: Semaphore | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T>,
): OperatorFunction<T, R> {
  if (typeof semaphoreOrCount === 'number') checkConcurrency(fn, 'concurrency', semaphoreOrCount);
  else if (!(semaphoreOrCount instanceof Semaphore)) typeError(fn, 'semaphore', 'a Semaphore, a Lock or a positive integer', semaphoreOrCount);
  checkFunction(fn, 'project', project);
  const weightOption = checkOptions(fn, options).weight ?? 1;
  const capacity = typeof semaphoreOrCount === 'number' ? semaphoreOrCount : semaphoreOrCount.permits;
  if (typeof weightOption === 'number') checkInteger(fn, 'options.weight', weightOption, 1, capacity);
  else checkFunction(fn, 'options.weight', weightOption);

  return (source) =>
    new Observable<R>((subscriber) => {
      // Infinity permits: no limit at all, as mergeMap with the default concurrency
      const semaphore = typeof semaphoreOrCount !== 'number' ? semaphoreOrCount : new Semaphore(semaphoreOrCount === Infinity ? Number.MAX_SAFE_INTEGER : semaphoreOrCount);
      const stream = new Stream<T, R>(subscriber, project);
      let index = 0;
      const outer = new CallbackSubscriber<T>(
        (value) => {
          const i = index++;
          let weight = 1;
          if (weightOption !== 1) {
            try {
              weight = typeof weightOption === 'number' ? weightOption : checkInteger(fn, 'options.weight(value)', weightOption(value, i), 1, capacity);
            } catch (error) {
              return stream.fail(error);
            }
          }
          const held = new Held<R>(semaphore, weight, stream, value, i);
          stream.sections.add(held);
          held.request();
        },
        (error) => stream.fail(error),
        () => {
          stream.outerDone = true;
          if (stream.sections.size === 0) subscriber.complete();
        },
      );
      stream.outer = outer;
      subscriber.add(outer);
      subscriber.add(() => stream.cancelSections());
      source.subscribe(outer);
    });
}

/** One subscription of `semaphoreMap`: the owner of its sections. */
class Stream<T, R> implements SectionOwner<R> {
  readonly sections = new Set<Held<R>>();
  outer: Subscription | undefined;
  outerDone = false;
  closing = false;

  constructor(
    private readonly subscriber: Subscriber<R>,
    private readonly project: (value: T, index: number) => ObservableInput<R>,
  ) {}

  open(section: Held<R>): ObservableInput<R> {
    return this.project(section.value as T, section.index);
  }

  next(value: R): void {
    this.subscriber.next(value);
  }

  error(error: unknown, section: Held<R>): void {
    this.sections.delete(section);
    this.fail(error);
  }

  complete(section: Held<R>): void {
    this.sections.delete(section);
    if (this.outerDone && this.sections.size === 0) this.subscriber.complete();
  }

  /** An error ends the stream: no new value, no waiting section may start, the running ones stop. */
  fail(error: unknown): void {
    this.outer?.unsubscribe();
    this.cancelSections();
    this.subscriber.error(error);
  }

  cancelSections(): void {
    this.closing = true;
    // newest first: the waiting sections leave the queue before a running one's release reaches them
    const all = [...this.sections].reverse();
    this.sections.clear();
    for (const section of all) section.cancel();
  }
}
