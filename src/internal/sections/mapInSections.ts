import { Observable, Subscriber, mergeMap, type ObservableInput, type OperatorFunction } from 'rxjs';
import type { PermitSource } from '../../types.js';
import { Permits, isGate, type Gate } from './permits.js';
import { Held, type SectionOwner } from './held.js';
import { checkConcurrency, checkFunction, checkInteger, checkOptions, typeError } from '../core/validate.js';

/** Options of `semaphoreMap`. */
export interface SemaphoreMapOptions<T> {
  /** Permits each inner holds: a number, or a function of the value and its index. Default 1. */
  readonly weight?: number | ((value: T, index: number) => number);
}

/** A `PermitSource` by shape: this package's `Semaphore` and `Lock`, or one over Redis. */
export function isPermitSource(value: unknown): value is PermitSource {
  return value !== null && typeof value === 'object' && typeof (value as PermitSource).section === 'function' && typeof (value as PermitSource).permits === 'number';
}

/**
 * The machinery of `semaphoreMap` and `lockedSection(lock, project)`. A number makes private
 * permits per subscription; this package's own `Semaphore` and `Lock` take the fast path (one object
 * per section); any other `PermitSource` (one over Redis) runs each inner as its `section`.
 */
export function mapInSections<T, R>(
  fn: string,
  semaphoreOrCount: PermitSource | number,
  project: (value: T, index: number) => ObservableInput<R>,
  options?: SemaphoreMapOptions<T>,
): OperatorFunction<T, R> {
  if (typeof semaphoreOrCount === 'number') checkConcurrency(fn, 'concurrency', semaphoreOrCount);
  else if (!isPermitSource(semaphoreOrCount)) typeError(fn, 'semaphore', 'a PermitSource or a positive integer', semaphoreOrCount);
  checkFunction(fn, 'project', project);
  const weightOption = checkOptions(fn, options).weight ?? 1;
  const capacity = typeof semaphoreOrCount === 'number' ? semaphoreOrCount : semaphoreOrCount.permits;
  if (typeof weightOption === 'number') checkInteger(fn, 'options.weight', weightOption, 1, capacity);
  else checkFunction(fn, 'options.weight', weightOption);
  const weightOf = (value: T, index: number) =>
    typeof weightOption === 'number' ? weightOption : checkInteger(fn, 'options.weight(value)', weightOption(value, index), 1, capacity);

  if (typeof semaphoreOrCount !== 'number' && !isGate(semaphoreOrCount)) {
    const source = semaphoreOrCount;
    // project is called when the permits are granted, as on the fast path
    return mergeMap((value, index) => source.section(() => project(value, index), weightOf(value, index)));
  }
  // Infinity permits: no limit at all, as mergeMap with the default concurrency
  const gateOf = typeof semaphoreOrCount !== 'number' ? () => semaphoreOrCount : () => new Permits(semaphoreOrCount === Infinity ? Number.MAX_SAFE_INTEGER : semaphoreOrCount);
  return sectionMap(gateOf, project, weightOf);
}

/**
 * The fast path: each value opens one `Held` section on the gate that `gateOf` gives for this
 * subscription (a shared one, or a private one made per subscription).
 */
export function sectionMap<T, R>(
  gateOf: () => Gate,
  project: (value: T, index: number) => ObservableInput<R>,
  weightOf: (value: T, index: number) => number,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const stream = new Stream<T, R>(subscriber, gateOf(), project, weightOf);
      subscriber.add(stream);
      subscriber.add(() => stream.cancelSections());
      source.subscribe(stream);
    });
}

/**
 * One subscription of `semaphoreMap`: the subscriber to the source, and the owner of the sections
 * its values open.
 */
class Stream<T, R> extends Subscriber<T> implements SectionOwner<R> {
  readonly #sections = new Set<Held<R>>();
  #outerDone = false;
  #index = 0;
  closing = false;
  readonly #target: Subscriber<R>;
  readonly #permits: Gate;
  readonly #project: (value: T, index: number) => ObservableInput<R>;
  readonly #weightOf: (value: T, index: number) => number;

  constructor(target: Subscriber<R>, permits: Gate, project: (value: T, index: number) => ObservableInput<R>, weightOf: (value: T, index: number) => number) {
    super();
    this.#target = target;
    this.#permits = permits;
    this.#project = project;
    this.#weightOf = weightOf;
  }

  protected override _next(value: T): void {
    const index = this.#index++;
    let weight: number;
    try {
      weight = this.#weightOf(value, index);
    } catch (error) {
      return this.#fail(error);
    }
    if (this.closing) return; // `weight` is user code: it may have unsubscribed the output
    const held = new Held<R>(this.#permits, weight, this, value, index);
    this.#sections.add(held);
    held.request();
  }

  protected override _error(error: unknown): void {
    this.#fail(error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.#outerDone = true;
    if (this.#sections.size === 0) this.#target.complete();
  }

  open(section: Held<R>): ObservableInput<R> {
    return this.#project(section.value as T, section.index);
  }

  sectionNext(value: R): void {
    this.#target.next(value);
  }

  sectionError(error: unknown, section: Held<R>): void {
    this.#sections.delete(section);
    this.#fail(error);
  }

  sectionComplete(section: Held<R>): void {
    this.#sections.delete(section);
    if (this.#outerDone && this.#sections.size === 0) this.#target.complete();
  }

  /** An error ends the stream: no new value, no waiting section may start, the running ones stop. */
  #fail(error: unknown): void {
    this.unsubscribe();
    this.cancelSections();
    this.#target.error(error);
  }

  cancelSections(): void {
    this.closing = true;
    // newest first: the waiting sections leave the queue before a running one's release reaches them
    const all = [...this.#sections].reverse();
    this.#sections.clear();
    for (const section of all) section.cancel();
  }
}
