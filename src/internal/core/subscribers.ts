import { Subscriber, type Subscription } from 'rxjs';

/**
 * The one subscriber of this package's operators, in the manner of rxjs's internal
 * `createOperatorSubscriber`: its three paths are callbacks, and it joins `parent` (the downstream
 * subscription) *before* anything subscribes it upstream. Passing a real `Subscriber` to
 * `subscribe` lets a synchronous source see `closed` the moment the output is unsubscribed (by
 * `take(1)` downstream, or a fail-fast inside a callback), so it stops its loop instead of running
 * to the end.
 *
 * On error and complete the subscriber unsubscribes itself *before* the callback runs: the source's
 * teardown is always finished by the time we act on its end (permits returned, next source started,
 * error forwarded).
 */
export class CallbackSubscriber<T> extends Subscriber<T> {
  // assigned in the constructor, not declared as class fields: the same object shape, less code
  declare private readonly onNext: (value: T) => void;
  declare private readonly onError: (error: unknown) => void;
  declare private readonly onComplete: () => void;

  constructor(parent: Subscription | undefined, onNext: (value: T) => void, onError: (error: unknown) => void, onComplete: () => void) {
    super();
    this.onNext = onNext;
    this.onError = onError;
    this.onComplete = onComplete;
    parent?.add(this);
  }

  protected override _next(value: T): void {
    this.onNext(value);
  }

  protected override _error(error: unknown): void {
    this.unsubscribe();
    this.onError(error);
  }

  protected override _complete(): void {
    this.unsubscribe();
    this.onComplete();
  }
}
