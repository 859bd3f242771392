import type { Attributes, Histogram, Meter, ObservableCounter, ObservableGauge, ObservableResult } from '@opentelemetry/api';
import { checkOptions, typeError } from '../internal/core/validate.js';
import { OUTCOMES, timed, type ObservedKind, type SectionHandlers, type SectionObserver, type SectionOutcome } from '../internal/sections/observe.js';
import type { TaskEvents, TaskOutcome } from '../internal/pool/types.js';
import type { KeyedPermitSource, PermitSource } from '../types.js';

/** A pool by what `instrument` reads of it: `createWorkerPool`'s, or a BullMQ queue pool. */
export interface InstrumentablePool {
  readonly stats: { readonly workers: number; readonly busy: number; readonly queued: number };
  /** @internal Where a pool of this package tells each task's start and end. */
  tasks_?: TaskEvents | undefined;
}

/**
 * What `instrument` takes: any limit or pool of this package — `Semaphore`, `Lock`, `RateLimiter`,
 * `KeyedSemaphore`, `KeyedRateLimiter`, the Redis ones, a worker pool or a queue pool.
 */
export type Instrumentable = PermitSource | KeyedPermitSource<never> | InstrumentablePool;

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** The OpenTelemetry `Meter` the instruments are made on. */
  readonly meter: Meter;
  /** The target's name: every measurement carries it as `rxjs_concurrency.name`. */
  readonly name: string;
  /** More attributes for every measurement of this target. */
  readonly attributes?: Attributes;
  /** A keyed limit's sections carry their key as `rxjs_concurrency.key` (mind the cardinality). Default false. */
  readonly keys?: boolean;
}

/** What `instrument` returns: `remove()` stops the target's measurements (once; again does nothing). */
export interface Instrumented {
  remove(): void;
}

/**
 * A limit of this package, by its internal shape: one that learns from its own sections, is keyed
 * or lives in Redis installs handlers itself (`observe_`, on its own clock); a `Semaphore` or
 * `Lock` (a gate) takes an observer in `observer_` as it is.
 */
interface ObservedLimit {
  observe_?(handlers: SectionHandlers | undefined): ObservedKind;
  observer_?: SectionObserver | undefined;
  now_?(): number;
  readonly inUse_?: number;
  readonly available?: number;
  readonly permits: number;
  readonly waiting: number;
}

/**
 * The name `observer_` has in this build: the published build renames internal properties, a name
 * in a string would not follow (a property in an object literal does).
 */
const OBSERVER_ = Object.keys({ observer_: 0 })[0] as string;

const isLimit = (target: object): target is ObservedLimit => typeof (target as ObservedLimit).observe_ === 'function' || OBSERVER_ in target;

/** The name `tasks_` has in this build (see `OBSERVER_`): a pool of this package tells its tasks there. */
const TASKS_ = Object.keys({ tasks_: 0 })[0] as string;

/** The names of the tasks' outcomes (`rxjs_concurrency.outcome`), by number. */
const TASK_OUTCOMES = ['complete', 'error', 'cancelled', 'crashed'] as const;

const isPool = (target: object): target is InstrumentablePool => {
  const stats = (target as Partial<InstrumentablePool>).stats;
  return stats !== null && typeof stats === 'object' && typeof stats.busy === 'number';
};

/** Installs `handlers` (undefined: none) on a limit; says whether it counts permits or rates. */
function observe(target: ObservedLimit, handlers: SectionHandlers | undefined): ObservedKind {
  if (target.observe_) return target.observe_(handlers);
  target.observer_ = handlers && timed(() => performance.now(), handlers);
  return 'permits';
}

/** Seconds, from 5 ms to 10 s: as OpenTelemetry's HTTP duration histograms. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** The listeners of each target (a limit's section handlers, a pool's task listeners). */
const listeners = new WeakMap<object, Set<unknown>>();

/**
 * Adds `listener` to `target`'s and installs them with `install`: the one alone, or several through
 * the one that `join` makes to tell them all (undefined: none left). Returns what the installation
 * returned, and the listener's removal.
 */
function attach<L, R>(target: object, listener: L, join: (all: readonly L[]) => L, install: (one: L | undefined) => R): [R, () => void] {
  const set = (listeners.get(target) ?? new Set()) as Set<L>;
  listeners.set(target, set);
  const reinstall = () => install(set.size <= 1 ? [...set][0] : join([...set]));
  set.add(listener);
  return [
    reinstall(),
    () => {
      set.delete(listener);
      reinstall();
    },
  ];
}

const joinSections = (all: readonly SectionHandlers[]): SectionHandlers => ({
  granted_: (key, weight, waited) => all.forEach((h) => h.granted_(key, weight, waited)),
  ended_: (key, weight, held, outcome, error) => all.forEach((h) => h.ended_(key, weight, held, outcome, error)),
  left_: (key, outcome) => all.forEach((h) => h.left_(key, outcome)),
});

const joinTasks = (all: readonly TaskEvents[]): TaskEvents => ({
  started_: (task) => all.forEach((l) => l.started_(task)),
  ended_: (task, outcome) => all.forEach((l) => l.ended_(task, outcome)),
});

/**
 * Registers OpenTelemetry instruments for a limit or a pool of this package (`@opentelemetry/api`
 * is an optional peer: this module only calls the `meter` it is given). For a limit: gauges of its
 * state read at collection (`rxjs_concurrency.permits.used`, `.permits.limit`,
 * `.sections.waiting`), histograms of each section's wait and hold in seconds
 * (`rxjs_concurrency.section.wait.duration`, `.section.hold.duration`), and a count of sections
 * by how they ended (`rxjs_concurrency.sections`, attribute `rxjs_concurrency.outcome`); a rate
 * limiter counts the costs it started (`rxjs_concurrency.rate.started`) instead of holds and
 * permits. For a pool: gauges `rxjs_concurrency.tasks.running`, `.tasks.queued` and `.workers`,
 * a histogram of each started task's run time in seconds (`rxjs_concurrency.task.duration`) and a
 * count of tasks by how they ended (`rxjs_concurrency.tasks`: `complete`, `error`, `cancelled` —
 * while queued or running —, `crashed`; a task refused at once counts as an error). Every
 * measurement carries `rxjs_concurrency.name` and `attributes`. A Redis limit reports this
 * process's sections (its permits in use, its waiters). Nothing is measured, and a section pays
 * nothing, for a target nobody instruments. Instrumenting a target twice measures it twice (each
 * with its own name); `remove()` stops one: its gauges are no longer read, its counts and
 * histograms take nothing more (a cumulative exporter keeps showing the values the SDK last read).
 *
 * ```text
 * sem.section(a$)  ^--!          wait 0 s, hold 0.03 s, outcome complete
 * sem.section(b$)  ^ waits ^-!   wait 0.03 s, hold 0.02 s, outcome complete
 * ```
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { Semaphore } from 'rxjs-concurrency';
 * import { instrument } from 'rxjs-concurrency/otel';
 *
 * const quota = new Semaphore(8);
 * const handle = instrument(quota, { meter: metrics.getMeter('api'), name: 'upstream' });
 * // … later, if ever: handle.remove();
 * ```
 */
export function instrument(target: Instrumentable, options: InstrumentOptions): Instrumented {
  const fn = 'instrument';
  if (target === null || typeof target !== 'object' || !(isLimit(target) || isPool(target))) typeError(fn, 'target', 'a limit or a pool of rxjs-concurrency', target);
  if (options === null || typeof options !== 'object') typeError(fn, 'options', 'an object { meter, name, attributes?, keys? }', options);
  const opts = checkOptions(fn, options);
  const meter = opts.meter;
  if (meter === null || typeof meter !== 'object' || typeof (meter as Partial<Meter>).createHistogram !== 'function') typeError(fn, 'options.meter', 'an OpenTelemetry Meter', meter);
  if (typeof opts.name !== 'string' || opts.name.length === 0) typeError(fn, 'options.name', 'a non-empty string', opts.name);
  if (opts.attributes !== undefined && (opts.attributes === null || typeof opts.attributes !== 'object')) typeError(fn, 'options.attributes', 'an object of attributes', opts.attributes);
  if (opts.keys !== undefined && typeof opts.keys !== 'boolean') typeError(fn, 'options.keys', 'a boolean', opts.keys);
  const base: Attributes = { ...opts.attributes, 'rxjs_concurrency.name': opts.name };
  const gauges: [ObservableGauge | ObservableCounter, (result: ObservableResult) => void][] = [];
  // what the SDK reads at collection: gauges of the state, and counts kept here as plain numbers
  const collected = (instrument: ObservableGauge | ObservableCounter, callback: (result: ObservableResult) => void) => {
    instrument.addCallback(callback);
    gauges.push([instrument, callback]);
  };
  const gauge = (name: string, unit: string, description: string, read: () => number) =>
    collected(meter.createObservableGauge(name, { unit, description }), (result) => {
      const value = read();
      if (Number.isFinite(value)) result.observe(value, base);
    });
  const counter = (name: string, unit: string, description: string, report: (result: ObservableResult) => void) =>
    collected(meter.createObservableCounter(name, { unit, description }), report);
  const histogram = (name: string, description: string): Histogram =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: BUCKETS } });

  let removed = false;
  let uninstall = () => {};
  if (isLimit(target)) {
    const limit = target;
    const wait = histogram('rxjs_concurrency.section.wait.duration', 'From a section’s subscription to its grant (or start), for the sections granted.');
    // the counts live here, as plain numbers, and reach the SDK when it collects (an observable
    // counter): a section pays no SDK call for them
    const keyed = opts.keys === true;
    const counts = new Map<string, { attributes: Attributes; value: number }>();
    const bump = (key: unknown, name: string, attributes: () => Attributes, by: number) => {
      const id = keyed && key !== undefined ? `${name}\u0000${String(key)}` : name;
      const entry = counts.get(id);
      if (entry) entry.value += by;
      else counts.set(id, { attributes: attributes(), value: by });
    };
    const withKey = (attributes: Attributes, key: unknown): Attributes => (keyed && key !== undefined ? { ...attributes, 'rxjs_concurrency.key': String(key) } : attributes);
    const attrs = (key: unknown): Attributes => withKey(base, key);
    const outcomeAttrs = (key: unknown, outcome: SectionOutcome): Attributes => withKey({ ...base, 'rxjs_concurrency.outcome': OUTCOMES[outcome] }, key);
    let hold: Histogram | undefined;
    let rate = false;
    const observer: SectionHandlers = {
      granted_(key, weight, waited) {
        if (waited === waited) wait.record(Math.max(0, waited) / 1000, attrs(key));
        if (rate) bump(key, '\u0001started', () => attrs(key), weight);
      },
      ended_(key, _weight, held, outcome) {
        bump(key, OUTCOMES[outcome], () => outcomeAttrs(key, outcome), 1);
        if (hold && held === held) hold.record(Math.max(0, held) / 1000, attrs(key));
      },
      left_(key, outcome) {
        bump(key, OUTCOMES[outcome], () => outcomeAttrs(key, outcome), 1);
      },
    };
    counter('rxjs_concurrency.sections', '{section}', 'Sections that ended, by how (rxjs_concurrency.outcome).', (result) => {
      for (const [id, entry] of counts) if (!id.startsWith('\u0001')) result.observe(entry.value, entry.attributes);
    });
    const [kind, detach] = attach(limit, observer, joinSections, (handlers) => observe(limit, handlers));
    uninstall = detach;
    if (kind === 'permits') {
      hold = histogram('rxjs_concurrency.section.hold.duration', 'From a section’s grant until its permits are back.');
      gauge('rxjs_concurrency.permits.used', '{permit}', 'Permits held now (a Redis limit: by this process).', () => limit.inUse_ ?? limit.permits - (limit.available ?? NaN));
      gauge('rxjs_concurrency.permits.limit', '{permit}', 'The capacity.', () => limit.permits);
    } else {
      rate = true;
      counter('rxjs_concurrency.rate.started', '{cost}', 'Costs of the sections started.', (result) => {
        for (const [id, entry] of counts) if (id.startsWith('\u0001')) result.observe(entry.value, entry.attributes);
      });
    }
    gauge('rxjs_concurrency.sections.waiting', '{section}', 'Sections waiting now (a Redis limit: this process’s).', () => limit.waiting);
  } else {
    const pool = target as InstrumentablePool;
    gauge('rxjs_concurrency.tasks.running', '{task}', 'Tasks running now.', () => pool.stats.busy);
    gauge('rxjs_concurrency.tasks.queued', '{task}', 'Tasks waiting for a worker now.', () => pool.stats.queued);
    gauge('rxjs_concurrency.workers', '{worker}', 'Workers (threads, or serving processes) now.', () => pool.stats.workers);
    // a pool of this package tells each task's start and end; another pool has the gauges only
    if (TASKS_ in pool) {
      const duration = histogram('rxjs_concurrency.task.duration', 'From a task’s start in a worker (or serving process) to its end, for the tasks that started.');
      const ended = [0, 0, 0, 0];
      // the start is kept on the task (several handles on one pool share it)
      const listener: TaskEvents = {
        started_: (task) => void (task.since_ = performance.now()),
        ended_: (task, outcome: TaskOutcome) => {
          ended[outcome]!++;
          if (task.since_ === task.since_) duration.record(Math.max(0, performance.now() - task.since_) / 1000, base);
        },
      };
      counter('rxjs_concurrency.tasks', '{task}', 'Tasks that ended, by how (rxjs_concurrency.outcome).', (result) => {
        ended.forEach((value, outcome) => value && result.observe(value, { ...base, 'rxjs_concurrency.outcome': TASK_OUTCOMES[outcome] }));
      });
      uninstall = attach(pool, listener, joinTasks, (one) => void (pool.tasks_ = one))[1];
    }
  }
  return {
    remove() {
      if (removed) return;
      removed = true;
      uninstall();
      for (const [instrument, callback] of gauges) instrument.removeCallback(callback);
    },
  };
}
