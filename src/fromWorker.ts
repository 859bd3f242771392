import { Observable, type Subscribable } from 'rxjs';
import { sharedInlinePool } from './internal/pool/inlinePool.js';
import type { WorkerPool } from './internal/pool/types.js';
import { typeError } from './internal/core/validate.js';
import type { Transferring } from './internal/pool/protocol.js';
import type { WorkerContext, WorkerHandlers } from './types.js';

/** A handler's arguments without its last `ctx`; each may be wrapped in `transfer()`. */
export type TaskArgs<F> = F extends (...args: infer P extends unknown[]) => unknown
  ? number extends P['length']
    ? unknown[] // a variadic handler, or an untyped pool
    : AllowTransfer<DropContext<P>>
  : never[];
/** A handler's parameters without a last `WorkerContext`. */
export type DropContext<P extends unknown[]> = P extends [...infer A extends unknown[], WorkerContext] ? A : P;
/** Each argument as itself or wrapped in `transfer()`. */
export type AllowTransfer<A extends unknown[]> = { [K in keyof A]: A[K] | Transferring<A[K]> };

/** What a task emits: each value a handler's result yields, or the result itself. */
export type TaskValue<F> = F extends (...args: never[]) => infer R ? Unwrap<Yielded<R>> : never;
/**
 * What a handler's result yields: each value of an iterator, AsyncIterable or Observable, or the
 * (awaited) result itself. An rxjs `Observable` is matched as such first: inferring through
 * `Subscribable` meets rxjs's overloaded `subscribe` and gives `unknown`.
 */
export type Yielded<R> = R extends Observable<infer V>
  ? V
  : R extends Iterator<infer V>
    ? V
    : R extends AsyncIterable<infer V>
      ? V
      : R extends Subscribable<infer V>
        ? V
        : Awaited<R>;
/**
 * One call of a pool's tasks: a task's name followed by its arguments, for each task (for wrappers
 * of your own). `fromWorker` checks a call in two steps instead, the name against every task name,
 * then the arguments against that task's, so that each mistake is reported about itself: a wrong
 * name with the list of names that exist, the argument of the wrong type, the argument missing.
 */
export type TaskCall<H> = { [K in keyof H & string]: [name: K, ...args: TaskArgs<H[K]>] }[keyof H & string];
/** A value without its `transfer()` wrapper. */
export type Unwrap<V> = V extends Transferring<infer T> ? T : V;

/**
 * Runs blocking or CPU-heavy code off the main thread: asyncio's `run_in_executor` / `to_thread`,
 * with a real cancel. Lazy: each subscription is one task.
 *
 * - `fromWorker(pool, name, ...args)` runs the handler `name` of the pool's worker module.
 * - `fromWorker(fn, ...args)` runs a self-contained function in a shared default pool: it is sent
 *   as source text, so it must not use variables from outside its body (no closures, no imports),
 *   and must be an arrow function or a `function` expression (not a method shorthand).
 *
 * Values arrive as `next`s, then `complete`. Tasks queue FIFO when every worker is busy;
 * unsubscribing a queued task removes it before it runs; unsubscribing a running task aborts
 * `ctx.signal` (and `ctx.throwIfCancelled()` throws), and if the task has not stopped `cancelGrace`
 * ms later its worker is terminated and replaced — so even `while (true) {}` is cancellable.
 * A handler's error arrives with its `name`, `message` and `stack`; a worker that dies errors its
 * task with `WorkerCrashedError`; arguments that cannot be cloned error this subscriber only; an
 * unknown task name is a `TypeError` naming the tasks that exist.
 *
 * ```text
 * fromWorker(pool, 'primes', 20)
 * output:       -2-3-5-7-11-13-17-19|
 * unsubscribe:  -2-3-!                 ctx.signal aborts; the worker is free again
 * ```
 *
 * @example
 * ```ts
 * import { fromWorker } from 'rxjs-concurrency';
 *
 * const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
 * fromWorker(pool, 'fib', 40).subscribe(console.log);              // a task of a worker module
 * fromWorker((a: number, b: number) => a * b, 6, 7).subscribe(console.log); // inline: 42
 * ```
 */
export function fromWorker<F extends (...args: never[]) => unknown>(fn: F, ...args: TaskArgs<NoInfer<F>>): Observable<TaskValue<F>>;
// the pool form last: when no overload matches, TypeScript 7 reports the last one's error
export function fromWorker<H extends WorkerHandlers, K extends keyof H & string>(
  pool: WorkerPool<H>,
  ...call: [name: K, ...args: unknown[]] & [name: K, ...args: TaskArgs<H[K]>]
): Observable<TaskValue<H[K]>>;
export function fromWorker(target: WorkerPool | ((...args: never[]) => unknown), ...rest: unknown[]): Observable<unknown> {
  const fn = 'fromWorker';
  let run: WorkerPool['run'];
  let task: { name?: string; fn?: string; args: unknown[] };
  if (typeof target === 'function') {
    const source = Function.prototype.toString.call(target);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) typeError(fn, 'fn', 'a self-contained function written in JavaScript', target);
    const pool = sharedInlinePool();
    run = (t, o) => pool.run(t, o);
    task = { fn: source, args: rest };
  } else if (target !== null && typeof target === 'object' && typeof (target as WorkerPool).run === 'function') {
    const [name, ...args] = rest;
    if (typeof name !== 'string') typeError(fn, 'name', 'the name of a task (a string)', name);
    run = (t, o) => target.run(t, o);
    task = { name, args };
  } else {
    return typeError(fn, 'pool', 'a WorkerPool or a function', target);
  }
  return new Observable<unknown>((subscriber) => run(task, subscriber));
}
