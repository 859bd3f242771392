/**
 * The same limits across processes and machines, in Redis (with `ioredis`, an optional peer
 * dependency): `RedisSemaphore`, `RedisLock`, `RedisRateLimiter`, the keyed `RedisKeyedSemaphore` and
 * `RedisKeyedRateLimiter`, and `LeaseLostError`. Node only.
 *
 * @packageDocumentation
 * @module rxjs-concurrency/redis
 */
export { RedisSemaphore, type RedisSemaphoreOptions } from './RedisSemaphore.js';
export { RedisLock, type RedisLockOptions } from './RedisLock.js';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './RedisRateLimiter.js';
export { LeaseLostError } from './LeaseLostError.js';
export { RedisKeyedSemaphore, type RedisKeyedSemaphoreOptions } from './RedisKeyedSemaphore.js';
export { RedisKeyedRateLimiter, type RedisKeyedRateLimiterOptions } from './RedisKeyedRateLimiter.js';
