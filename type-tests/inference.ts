// Type tests: the inference of every public function, pinned. Compiled (not run) by
// spec/types.spec.ts under TypeScript 5.9, 6.0 and 7; a wrong inference is a compile error here.
import { NEVER, Observable, map, mergeMap, of, type OperatorFunction } from 'rxjs';
import fc from 'fast-check';
import { checkOperatorContract } from 'rxjs-concurrency/testing';
import {
  Lock,
  RateLimiter,
  Semaphore,
  createWorkerPool,
  finalizeWith,
  fromWorker,
  gatherSettled,
  lockedSection,
  mergeAsCompleted,
  raceFirst,
  rateLimitMap,
  semaphoreMap,
  timeoutWith,
  transfer,
  type Completed,
  type FinalizeReason,
  type Lease,
  type PermitSource,
  type Settled,
  type WorkerContext,
  type WorkerPool,
} from 'rxjs-concurrency';
import { inProcessPool } from 'rxjs-concurrency/testing/pool';

/** Compiles only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <A, B>(_: Equal<A, B>) => undefined;
type ValueOf<O> = O extends Observable<infer V> ? V : never;

const a$ = of(1);
const b$ = of('b');
const c$ = Promise.resolve(true);

// racing and gathering
const raced = raceFirst([a$, b$, c$]);
expectType<ValueOf<typeof raced>, number | string | boolean>(true);
const gathered = gatherSettled([a$, b$]);
expectType<ValueOf<typeof gathered>, [Settled<number>, Settled<string>]>(true);
const gatheredList = gatherSettled([a$, a$, a$] as Observable<number>[]);
expectType<ValueOf<typeof gatheredList>, Settled<number>[]>(true);
const completed = mergeAsCompleted([a$, b$]);
expectType<ValueOf<typeof completed>, Completed<number | string>>(true);
const settled = mergeAsCompleted([a$, b$], { settle: true });
expectType<ValueOf<typeof settled>, Settled<number | string>>(true);

// deadlines
const noFallback = a$.pipe(timeoutWith(100));
expectType<ValueOf<typeof noFallback>, number>(true);
const withFallback = a$.pipe(timeoutWith(100, of('late')));
expectType<ValueOf<typeof withFallback>, number | string>(true);

// sections
const sem = new Semaphore(3);
const weighted = a$.pipe(semaphoreMap(sem, (n) => of(String(n)), { weight: (n) => (n > 1 ? 2 : 1) }));
expectType<ValueOf<typeof weighted>, string>(true);
const counted = a$.pipe(semaphoreMap(2, (n) => Promise.resolve(n > 1)));
expectType<ValueOf<typeof counted>, boolean>(true);
const locked = b$.pipe(lockedSection(new Lock()));
expectType<ValueOf<typeof locked>, string>(true);
const lockedProject = b$.pipe(lockedSection(new Lock(), (s) => of(s.length)));
expectType<ValueOf<typeof lockedProject>, number>(true);
const source: PermitSource = sem;
const leased = source.section((lease) => {
  expectType<typeof lease, Lease>(true);
  return of(lease.token);
});
expectType<ValueOf<typeof leased>, number>(true);
const limited = a$.pipe(rateLimitMap(new RateLimiter({ limit: 5, interval: 1000 }), (n) => of([n]), { cost: 1 }));
expectType<ValueOf<typeof limited>, number[]>(true);

// cleanup
const finalized = a$.pipe(
  finalizeWith((reason, error) => {
    expectType<typeof reason, FinalizeReason>(true);
    expectType<typeof reason, 'complete' | 'error' | 'unsubscribe'>(true);
    expectType<typeof error, unknown>(true);
  }),
);
expectType<typeof finalized, Observable<number>>(true);
const op: OperatorFunction<number, number> = finalizeWith(() => Promise.resolve());
void op;

// workers: arguments and values from the handlers
const tasks = {
  fib: (n: number): number => n,
  *primes(limit: number, ctx: WorkerContext) {
    ctx.throwIfCancelled();
    yield limit;
  },
  ticks: (count: number) => of(count, count + 1),
  later: async (label: string, ms: number) => (ms > 0 ? label : null),
  bytes: (buffer: ArrayBuffer) => buffer.byteLength,
  never: () => NEVER,
};
const pool = createWorkerPool<typeof tasks>(new URL('file:///tasks.worker.js'));
expectType<typeof pool, WorkerPool<typeof tasks>>(true);

const fib = fromWorker(pool, 'fib', 40);
expectType<ValueOf<typeof fib>, number>(true);
const primes = fromWorker(pool, 'primes', 100);
expectType<ValueOf<typeof primes>, number>(true);
const ticks = fromWorker(pool, 'ticks', 3); // an rxjs Observable<number> handler: number, not unknown
expectType<ValueOf<typeof ticks>, number>(true);
const later = fromWorker(pool, 'later', 'x', 5);
expectType<ValueOf<typeof later>, string | null>(true);
const buffer = new ArrayBuffer(8);
const moved = fromWorker(pool, 'bytes', transfer(buffer, [buffer]));
expectType<ValueOf<typeof moved>, number>(true);
const inline = fromWorker((x: number, y: number) => x * y, 6, 7);
expectType<ValueOf<typeof inline>, number>(true);
const untyped = createWorkerPool('tasks.js');
const anything = fromWorker(untyped, 'whatever', 1, 'two');
expectType<ValueOf<typeof anything>, unknown>(true);
const local = inProcessPool(tasks);
const localFib = fromWorker(local, 'fib', 10);
expectType<ValueOf<typeof localFib>, number>(true);

// array, object and tuple arguments are accepted as written (the call is inferred as a const tuple,
// which must not make them readonly)
const shapes = {
  sum: (xs: number[]) => xs.length,
  obj: (o: { a: number; list: string[] }) => o.a,
  pair: (t: [number, string]) => t[1],
};
const shapesPool = createWorkerPool<typeof shapes>('shapes.worker.js');
const numbers = [1, 2];
const summed = fromWorker(shapesPool, 'sum', [1, 2, 3]);
expectType<ValueOf<typeof summed>, number>(true);
fromWorker(shapesPool, 'sum', numbers);
fromWorker(shapesPool, 'obj', { a: 1, list: ['x'] });
const second = fromWorker(shapesPool, 'pair', [1, 'x']);
expectType<ValueOf<typeof second>, string>(true);

// the testing kit over values of another type: the operator's input type follows `values`
checkOperatorContract(() => map((n: number) => n + 1), { values: fc.integer() });
checkOperatorContract(({ inner }) => mergeMap((n: number) => inner(n, 0)), { values: fc.integer() });
// @ts-expect-error an operator typed for numbers is not checked over the default strings
checkOperatorContract(() => map((n: number) => n + 1));
