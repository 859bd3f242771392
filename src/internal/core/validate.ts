import type { SchedulerLike } from 'rxjs';

/** How a bad argument is shown in a message: strings quoted, everything else as it prints. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  return value && typeof value === 'object' ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
}

function fail(ErrorClass: typeof TypeError | typeof RangeError, fn: string, param: string, expected: string, value: unknown): never {
  throw new ErrorClass(`${fn}: ${param} must be ${expected}, got ${show(value)}`);
}

export function typeError(fn: string, param: string, expected: string, value: unknown): never {
  return fail(TypeError, fn, param, expected, value);
}

export function rangeError(fn: string, param: string, expected: string, value: unknown): never {
  return fail(RangeError, fn, param, expected, value);
}

export function checkFunction(fn: string, param: string, value: unknown): void {
  if (typeof value !== 'function') typeError(fn, param, 'a function', value);
}

/** A count of things running at once: an integer from 1 up, or Infinity (also when not given). */
export function checkConcurrency(fn: string, param: string, value: unknown = Infinity): number {
  if (typeof value !== 'number') typeError(fn, param, 'a positive integer or Infinity', value);
  if (value !== Infinity && !(Number.isInteger(value) && value >= 1)) {
    rangeError(fn, param, 'a positive integer or Infinity', value);
  }
  return value;
}

/** An integer from `min` to `max` (`expected` says so in a message). */
export function checkInteger(
  fn: string,
  param: string,
  value: unknown,
  min: number,
  max = Infinity,
  expected = max === Infinity ? `an integer from ${min} up` : `an integer from ${min} to ${max}`,
): number {
  if (typeof value !== 'number') typeError(fn, param, expected, value);
  if (!Number.isInteger(value) || value < min || value > max) rangeError(fn, param, expected, value);
  return value;
}

/** A duration in milliseconds: a number from 0 up, Infinity allowed (also when not given), NaN not. */
export function checkDuration(fn: string, param: string, value: unknown = Infinity): number {
  if (typeof value !== 'number') typeError(fn, param, 'a number of milliseconds', value);
  if (Number.isNaN(value) || value < 0) rangeError(fn, param, 'a number of milliseconds from 0 up', value);
  return value;
}

export function checkOptions<O extends object>(fn: string, value: O | undefined | null): Partial<O> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) typeError(fn, 'options', 'an object', value);
  return value;
}

export function checkScheduler(fn: string, value: unknown): SchedulerLike | undefined {
  const s = value as Partial<SchedulerLike> | null | undefined;
  if (s !== undefined && (typeof s?.schedule !== 'function' || typeof s.now !== 'function')) typeError(fn, 'options.scheduler', 'a SchedulerLike', value);
  return s as SchedulerLike | undefined;
}

/** A signal name (`'SIGINT'`) or a non-empty list of them. */
export function checkSignals(fn: string, param: string, signals: unknown): string[] {
  const list: unknown = typeof signals === 'string' ? [signals] : signals;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && /^SIG[A-Z0-9]+$/.test(s))) {
    typeError(fn, param, "a signal name or a non-empty array of them, such as ['SIGINT', 'SIGTERM']", signals);
  }
  return list as string[];
}
