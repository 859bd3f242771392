import { Subscriber } from 'rxjs';

/**
 * A subscriber whose three paths are callbacks, in the manner of rxjs's internal
 * `OperatorSubscriber`. Passing a real `Subscriber` to `subscribe` lets a synchronous source see
 * `closed` the moment we unsubscribe it, so it stops its loop instead of running to the end.
 *
 * On error and complete the subscriber unsubscribes itself *before* the callback runs: the source's
 * teardown is always finished by the time we act on its end (permits returned, next source started,
 * error forwarded).
 */
export class CallbackSubscriber<T> extends Subscriber<T> {
  constructor(
    private readonly onNext: (value: T) => void,
    private readonly onError: (error: unknown) => void,
    private readonly onComplete: () => void,
  ) {
    super();
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
