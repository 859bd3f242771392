export type { Settled, Completed, SchedulerOptions } from './types.js';
export { WorkerCrashedError } from './errors.js';
export { raceFirst, type RaceFirstOptions } from './raceFirst.js';
export { mergeAsCompleted, type MergeAsCompletedOptions } from './mergeAsCompleted.js';
export { gatherSettled, type GatherSettledOptions, type SettledTuple } from './gatherSettled.js';
export { timeoutWith, type TimeoutFallback } from './timeoutWith.js';
