/**
 * The same limits across processes and machines, in Redis (through an `ioredis`, `iovalkey` or
 * `node-redis` client, standalone, under Sentinel or a Cluster; the package imports none of them): `RedisSemaphore`, `RedisLock`, `RedisRateLimiter`, the keyed `RedisKeyedSemaphore` and
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
export type { RedisClient, IoredisClient, NodeRedisClient } from './client.js';
