/**
 * The operators and primitives: racing and gathering, deadlines, sections (Semaphore, Lock,
 * RateLimiter), cancellation with cleanup, and the worker pool. Node and browsers.
 *
 * @packageDocumentation
 * @module rxjs-concurrency
 */
export type { Settled, Completed, SchedulerOptions, Lease, PermitSource, KeyedPermitSource } from './types.js';
export type { SourcesInput } from './internal/asCompleted.js';
export { WorkerCrashedError } from './errors.js';
export { raceFirst, type RaceFirstOptions } from './raceFirst.js';
export { mergeAsCompleted, type MergeAsCompletedOptions } from './mergeAsCompleted.js';
export { gatherSettled, type GatherSettledOptions, type SettledTuple } from './gatherSettled.js';
export { timeoutWith, type TimeoutFallback } from './timeoutWith.js';
export { Semaphore } from './Semaphore.js';
export { Lock } from './Lock.js';
export { KeyedSemaphore, type KeyedSemaphoreOptions } from './KeyedSemaphore.js';
export { AdaptiveLimit, type AdaptiveLimitOptions } from './AdaptiveLimit.js';
export { KeyedRateLimiter, type KeyedRateLimiterOptions, type KeyedRateLimitMapOptions, type RateWindows } from './KeyedRateLimiter.js';
export { lockedSection } from './lockedSection.js';
export { semaphoreMap, type SemaphoreMapOptions, type KeyedSemaphoreMapOptions } from './semaphoreMap.js';
export { RateLimiter, type RateLimiterOptions, type RateWindow, type BackOffOptions } from './RateLimiter.js';
export { rateLimitMap, type RateLimitMapOptions } from './rateLimitMap.js';
export { onCancel } from './onCancel.js';
export { finalizeWith, type FinalizeReason, type FinalizeWithOptions } from './finalizeWith.js';
export { CleanupTracker, cleanups } from './CleanupTracker.js';
export { fromAbortable } from './fromAbortable.js';
export { takeUntilAborted } from './takeUntilAborted.js';
export {
  createWorkerPool,
  type SpawnedWorker,
  type WorkerPool,
  type WorkerPoolOptions,
  type WorkerPoolStats,
  type WorkerTask,
  type TaskObserver,
} from './createWorkerPool.js';
export { fromWorker, type TaskArgs, type TaskCall, type TaskValue, type AllowTransfer, type DropContext, type Unwrap, type Yielded } from './fromWorker.js';
export { transfer, type Transferring } from './transfer.js';
export type { WorkerContext, WorkerHandlers } from './types.js';
