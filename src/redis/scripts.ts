/**
 * The Lua scripts of the Redis-backed semaphore. Every decision is made inside Redis, atomically,
 * with Redis's clock (`TIME`), never a client's:
 *
 * - holders: `h` (ZSET id → lease expiry), `hw` (HASH id → weight), `ht` (HASH id → fencing token);
 * - waiters in arrival order: `q` (ZSET id → sequence), `qw` (HASH id → weight), `qc` (HASH id →
 *   the channel of the process that waits), `qa` (ZSET id → heartbeat expiry);
 * - counters: `seq` (arrival order), `fence` (the last fencing token: see `nextToken`).
 *
 * A waiter granted by `dispatch` holds for a heartbeat (2 s) until its process renews the lease to
 * its full length: a process that died while waiting cannot keep the permits for a whole lease.
 *
 * Every script first forgets the holders whose lease expired and the waiters whose process stopped
 * heartbeating, then hands free permits to the head of the queue in strict FIFO order (a heavy head
 * blocks the lighter ones behind it), and PUBLISHes each grant to the waiting process: the hand-off
 * is pushed by Redis, nobody polls.
 */
/** Ms after its last heartbeat that a waiting process's sections are forgotten (it is dead). */
export const HEARTBEAT = 2000;

/**
 * What the semaphore's and the rate limiter's scripts share: the key prefix `p`, Redis's clock in ms
 * (`now`), and forgetting the queued waiters whose process stopped heartbeating (`forgetDeadWaiters`).
 */
export const LUA_QUEUE = `
local BEAT = ${HEARTBEAT}
local p = KEYS[1]
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- The next fencing token, as a string (Lua would print a number this large as 1.7e+15): one more
-- than the last one, and never below Redis's clock in microseconds. After a failover the promoted
-- replica may have missed the last grants (replication is asynchronous); its clock has moved on by
-- the seconds a failover takes, far more than the grants it missed (at most one per microsecond),
-- so a token granted after it is still higher than any granted before it.
local function nextToken()
  local t = redis.call('TIME')
  local last = tonumber(redis.call('GET', p .. 'fence') or '0')
  local token = string.format('%.0f', math.max(last + 1, tonumber(t[1]) * 1000000 + tonumber(t[2])))
  redis.call('SET', p .. 'fence', token)
  return token
end
-- A grant's message to the process waiting on the channel. On a Redis Cluster the channel is sharded
-- (<p>s:<process>, in the name's slot): SPUBLISH reaches the listener on this master directly,
-- where a classic PUBLISH would go over the cluster bus to every node first.
local function publish(channel, message)
  redis.call(string.sub(channel, #p + 1, #p + 2) == 's:' and 'SPUBLISH' or 'PUBLISH', channel, message)
end
local function forgetDeadWaiters(t)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'qa', '-inf', t)) do
    redis.call('ZREM', p .. 'q', id)
    redis.call('ZREM', p .. 'qa', id)
    redis.call('HDEL', p .. 'qw', id)
    redis.call('HDEL', p .. 'qc', id)
  end
end
`;

const COMMON = `${LUA_QUEUE}
local function purge(t)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'h', '-inf', t)) do
    redis.call('ZREM', p .. 'h', id)
    redis.call('HDEL', p .. 'hw', id)
    redis.call('HDEL', p .. 'ht', id)
  end
  forgetDeadWaiters(t)
end
local function held()
  local sum = 0
  for _, w in ipairs(redis.call('HVALS', p .. 'hw')) do sum = sum + tonumber(w) end
  return sum
end
local function grant(id, weight, t, lease)
  local token = nextToken()
  -- a waiter granted here may belong to a process that died since its last heartbeat: its first
  -- lease is a heartbeat long, and its process extends it to the whole lease when it hears of it
  redis.call('ZADD', p .. 'h', t + lease, id)
  redis.call('HSET', p .. 'hw', id, weight)
  redis.call('HSET', p .. 'ht', id, token)
  return tonumber(token)
end
local function dispatch(t, permits, lease)
  local inUse = held()
  while true do
    local head = redis.call('ZRANGE', p .. 'q', 0, 0)[1]
    if not head then break end
    local weight = tonumber(redis.call('HGET', p .. 'qw', head))
    if inUse + weight > permits then break end
    local channel = redis.call('HGET', p .. 'qc', head)
    redis.call('ZREM', p .. 'q', head)
    redis.call('ZREM', p .. 'qa', head)
    redis.call('HDEL', p .. 'qw', head)
    redis.call('HDEL', p .. 'qc', head)
    local token = grant(head, weight, t, math.min(lease, BEAT))
    inUse = inUse + weight
    publish(channel, head .. ' ' .. string.format('%.0f', token))
  end
end
`;

/** ACQUIRE permits lease id weight heartbeat channel → the fencing token if granted now, else 0 (queued). */
export const ACQUIRE = `${COMMON}
local permits, lease, id, weight, beat, channel = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local t = now()
purge(t)
dispatch(t, permits, lease)
if redis.call('ZCARD', p .. 'q') == 0 and held() + weight <= permits then
  return grant(id, weight, t, lease)
end
redis.call('ZADD', p .. 'q', redis.call('INCR', p .. 'seq'), id)
redis.call('HSET', p .. 'qw', id, weight)
redis.call('HSET', p .. 'qc', id, channel)
redis.call('ZADD', p .. 'qa', t + beat, id)
return 0
`;

/** RELEASE permits lease id → 1 if the id held its permits, 0 if its lease was already gone. */
export const RELEASE = `${COMMON}
local permits, lease, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = now()
local had = redis.call('ZREM', p .. 'h', id)
redis.call('HDEL', p .. 'hw', id)
redis.call('HDEL', p .. 'ht', id)
purge(t)
dispatch(t, permits, lease)
return had
`;

/** CANCEL permits lease id → 1 left the queue, 2 was granted meanwhile and released, 0 unknown. */
export const CANCEL = `${COMMON}
local permits, lease, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = now()
local result = 0
if redis.call('ZREM', p .. 'q', id) == 1 then
  redis.call('ZREM', p .. 'qa', id)
  redis.call('HDEL', p .. 'qw', id)
  redis.call('HDEL', p .. 'qc', id)
  result = 1
elseif redis.call('ZREM', p .. 'h', id) == 1 then
  redis.call('HDEL', p .. 'hw', id)
  redis.call('HDEL', p .. 'ht', id)
  result = 2
end
purge(t)
dispatch(t, permits, lease)
return result
`;

/**
 * KEEP permits lease beat id… → for each id: its token if it holds (the lease is renewed), -1 if it
 * waits (its heartbeat is renewed), 0 if Redis knows it no more (the lease or the waiter was lost).
 * The permits of expired holders and dead waiters' turns are handed on here too.
 */
export const KEEP = `${COMMON}
local permits, lease, beat = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = now()
purge(t)
dispatch(t, permits, lease)
local out = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  if redis.call('ZSCORE', p .. 'h', id) then
    redis.call('ZADD', p .. 'h', 'XX', t + lease, id)
    out[#out + 1] = tonumber(redis.call('HGET', p .. 'ht', id))
  elseif redis.call('ZSCORE', p .. 'q', id) then
    redis.call('ZADD', p .. 'qa', 'XX', t + beat, id)
    out[#out + 1] = -1
  else
    out[#out + 1] = 0
  end
end
return out
`;
