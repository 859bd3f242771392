import { LUA_QUEUE } from './scripts.js';

/**
 * The Lua scripts of the Redis-backed rate limiter: the strict sliding window of `RateLimiter`, kept
 * in Redis with Redis's clock, for every process that shares a name:
 *
 * - starts in the window: `s` (ZSET id → start time), `sc` (HASH id → cost);
 * - waiters in arrival order: `q` (ZSET id → sequence), `qw` (HASH id → cost), `qc` (HASH id → the
 *   channel of the process that waits), `qa` (ZSET id → heartbeat expiry); `seq` counts arrivals.
 *
 * Every script forgets the starts that left the window and the waiters whose process stopped
 * heartbeating, starts the head waiters that fit (strict FIFO with costs), PUBLISHes each start to
 * its process, and returns the Redis time at which the head will fit, so that the processes that
 * wait can sleep until then instead of polling.
 */
const COMMON = `${LUA_QUEUE}
local function purge(t, interval)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 's', '-inf', t - interval)) do
    redis.call('ZREM', p .. 's', id)
    redis.call('HDEL', p .. 'sc', id)
  end
  forgetDeadWaiters(t)
end
local function used()
  local sum = 0
  for _, c in ipairs(redis.call('HVALS', p .. 'sc')) do sum = sum + tonumber(c) end
  return sum
end
local function start(id, cost, t)
  redis.call('ZADD', p .. 's', t, id)
  redis.call('HSET', p .. 'sc', id, cost)
end
local function dispatch(t, limit)
  local inWindow = used()
  while true do
    local head = redis.call('ZRANGE', p .. 'q', 0, 0)[1]
    if not head then return end
    local cost = tonumber(redis.call('HGET', p .. 'qw', head))
    if inWindow + cost > limit then return end
    local channel = redis.call('HGET', p .. 'qc', head)
    redis.call('ZREM', p .. 'q', head)
    redis.call('ZREM', p .. 'qa', head)
    redis.call('HDEL', p .. 'qw', head)
    redis.call('HDEL', p .. 'qc', head)
    start(head, cost, t)
    inWindow = inWindow + cost
    publish(channel, head .. ' ' .. t)
  end
end
-- when the head will fit: the oldest starts leave the window one by one; 0 when nobody waits
local function nextAt(limit, interval)
  local head = redis.call('ZRANGE', p .. 'q', 0, 0)[1]
  if not head then return 0 end
  local cost = tonumber(redis.call('HGET', p .. 'qw', head))
  local sum = used()
  local starts = redis.call('ZRANGE', p .. 's', 0, -1, 'WITHSCORES')
  for i = 1, #starts, 2 do
    if sum + cost <= limit then break end
    sum = sum - tonumber(redis.call('HGET', p .. 'sc', starts[i]))
    if sum + cost <= limit then return tonumber(starts[i + 1]) + interval end
  end
  return 0
end
`;

/** RACQUIRE limit interval id cost channel → { started (1/0), Redis now, next fit time (0: none) }. */
export const RACQUIRE = `${COMMON}
local limit, interval, id, cost, channel = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), ARGV[5]
local t = now()
purge(t, interval)
dispatch(t, limit)
if redis.call('ZCARD', p .. 'q') == 0 and used() + cost <= limit then
  start(id, cost, t)
  return { 1, t, nextAt(limit, interval) }
end
redis.call('ZADD', p .. 'q', redis.call('INCR', p .. 'seq'), id)
redis.call('HSET', p .. 'qw', id, cost)
redis.call('HSET', p .. 'qc', id, channel)
redis.call('ZADD', p .. 'qa', t + BEAT, id)
return { 0, t, nextAt(limit, interval) }
`;

/**
 * RCANCEL limit interval id → { 1 if it left the queue, 2 if it had been started but its process
 * never ran it (the start is taken back), 0 if unknown; now; next fit }. Only a process whose
 * section never subscribed its source cancels: a start it never saw took nothing from the server.
 */
export const RCANCEL = `${COMMON}
local limit, interval, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = now()
local left = redis.call('ZREM', p .. 'q', id)
redis.call('ZREM', p .. 'qa', id)
redis.call('HDEL', p .. 'qw', id)
redis.call('HDEL', p .. 'qc', id)
if left == 0 and redis.call('ZREM', p .. 's', id) == 1 then
  redis.call('HDEL', p .. 'sc', id)
  left = 2
end
purge(t, interval)
dispatch(t, limit)
return { left, t, nextAt(limit, interval) }
`;

/**
 * RKEEP limit interval id… → { now, next fit, then for each id: 1 started, -1 waiting (heartbeat
 * renewed), 0 unknown }. It also starts whatever fits now: the processes that wait call it when
 * the window opens, and as their heartbeat.
 */
export const RKEEP = `${COMMON}
local limit, interval = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = now()
purge(t, interval)
dispatch(t, limit)
local out = { t, nextAt(limit, interval) }
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('ZSCORE', p .. 'q', id) then
    redis.call('ZADD', p .. 'qa', 'XX', t + BEAT, id)
    out[#out + 1] = -1
  elseif redis.call('ZSCORE', p .. 's', id) then
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`;
