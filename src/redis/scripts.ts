/**
 * The Lua scripts of the Redis-backed semaphore. Every decision is made inside Redis, atomically,
 * with Redis's clock (`TIME`), never a client's. Redis is the one resource every replica of a
 * service shares, so the scripts are written for few commands per acquisition (about 12 when every
 * acquisition waits, fewer when they do not: docs/benchmarks.md):
 *
 * - holders: `h` (ZSET id → lease expiry), and in the same ZSET the semaphore's state, so that one
 *   ZADD writes a grant and the state: `~n` (score −1 − the weight held) and `~fence` (score: the
 *   last fencing token, see `nextToken`). Their scores are outside the range of expiries (negative,
 *   and µs where expiries are ms), so the purge of expired leases (`ZRANGEBYSCORE h 0 now`) never
 *   meets them;
 * - waiters in arrival order: `q` (ZSET id → sequence), with `s` (HASH): `seq` the last arrival;
 * - `pa` (ZSET process → heartbeat expiry): one heartbeat per process, not one per waiting section
 *   (the key expires with the last heartbeat written).
 *
 * `h`'s state members and `s` stay after the last section, as the counters `fence` and `seq` did.
 *
 * A section's id is `<process>:<n>`, with `x<weight>` after it when its weight is not 1 (`c:ab12:7`,
 * `c:ab12:8x3`); its process is `c:<uuid>` (`s:<uuid>` on a Redis Cluster) and the process listens
 * for its grants on the channel `<prefix><process>`. So nothing but the id needs storing per section.
 *
 * A release hands the freed permits to the head of the queue in strict FIFO order (a heavy head
 * blocks the lighter ones behind it) and PUBLISHes each grant to the waiting process: the hand-off
 * is pushed by Redis, nobody polls. A waiter granted so holds for a heartbeat (2 s) until its process
 * renews the lease to its full length: a process that died while waiting cannot keep the permits for
 * a whole lease. Forgetting expired holders and dead processes' waiters is not done on every script
 * but by the renewal (KEEP), which every process with a waiting or held section sends every 500 ms
 * at most: a crashed holder's permits come back within that much after its lease.
 */
/** Ms after its last heartbeat that a waiting process's sections are forgotten (it is dead). */
export const HEARTBEAT = 2000;

/**
 * A grant's message to the process waiting on the channel. On a Redis Cluster the channel is sharded
 * (`<p>s:<process>`, in the name's slot): SPUBLISH reaches the listener on this master directly,
 * where a classic PUBLISH would go over the cluster bus to every node first. Also `many`: a command
 * over a long list, in chunks (Lua's `unpack` takes some thousands of values at most).
 */
const LUA_PUBLISH = `
local function publish(channel, message)
  redis.call(string.sub(channel, #p + 1, #p + 2) == 's:' and 'SPUBLISH' or 'PUBLISH', channel, message)
end
local function many(command, key, list, lead)
  local out = {}
  for from = 1, #list, 1000 do
    local part = {}
    for i = from, math.min(from + 999, #list) do part[#part + 1] = list[i] end
    local got
    if lead then got = redis.call(command, key, lead, unpack(part)) else got = redis.call(command, key, unpack(part)) end
    if type(got) == 'table' then for _, v in ipairs(got) do out[#out + 1] = v end end
  end
  return out
end
`;

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
${LUA_PUBLISH}local function forgetDeadWaiters(t)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'qa', '-inf', t)) do
    redis.call('ZREM', p .. 'q', id)
    redis.call('ZREM', p .. 'qa', id)
    redis.call('HDEL', p .. 'qw', id)
    redis.call('HDEL', p .. 'qc', id)
  end
end
`;

const COMMON = `
local BEAT = ${HEARTBEAT}
local p = KEYS[1]
local H, Q, S, PA = p .. 'h', p .. 'q', p .. 's', p .. 'pa'
${LUA_PUBLISH}
-- Redis's clock, read once per script: { ms, µs }
local clock
local function time()
  if not clock then
    local t = redis.call('TIME')
    clock = { tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), tonumber(t[1]) * 1000000 + tonumber(t[2]) }
  end
  return clock
end
local function weightOf(id) return tonumber(string.match(id, 'x(%d+)$')) or 1 end
local function processOf(id) return string.match(id, '^(.+):[^:]+$') end
-- the weight held and the last token, read once; written back once (save) with the grants (hold)
local n, fence, dirty
local writes = {}
local function state()
  if n then return end
  local st = redis.call('ZMSCORE', H, '~n', '~fence')
  n, fence, dirty = math.max(0, -1 - tonumber(st[1] or '-1')), tonumber(st[2] or '0'), false
end
local function hold(expiry, id)
  writes[#writes + 1] = expiry
  writes[#writes + 1] = id
end
local function flush()
  many('ZADD', H, writes)
  writes = {}
end
local function save()
  if dirty then
    hold(-1 - n, '~n')
    hold(string.format('%.0f', fence), '~fence')
    dirty = false
  end
  flush()
end
-- The next fencing token: one more than the last one, and never below Redis's clock in µs. After a
-- failover the promoted replica may have missed the last grants (replication is asynchronous); its
-- clock has moved on by the seconds a failover takes, far more than the grants it missed (at most one
-- per µs), so a token granted after it is still higher than any granted before it.
local function nextToken()
  fence = math.max(fence + 1, time()[2])
  dirty = true
  return fence
end
-- Hands free permits to the head of the queue, in order; each grant holds for a heartbeat.
local function dispatch(permits, lease)
  local free = permits - n
  if free <= 0 then return end
  local popped = redis.call('ZPOPMIN', Q, free)
  if #popped == 0 then return end
  local expiry = time()[1] + math.min(lease, BEAT)
  for i = 1, #popped, 2 do
    local id = popped[i]
    local w = weightOf(id)
    if w > free then
      -- too heavy for what is free: it and those popped behind it go back to their places
      local back = {}
      for j = i, #popped, 2 do
        back[#back + 1] = popped[j + 1]
        back[#back + 1] = popped[j]
      end
      many('ZADD', Q, back)
      break
    end
    free = free - w
    n = n + w
    hold(expiry, id)
    publish(p .. processOf(id), id .. ' ' .. string.format('%.0f', nextToken()))
  end
end
-- Forgets the holders whose lease expired and the waiters of processes that stopped heartbeating.
local function purge()
  local t = time()[1]
  local expired = redis.call('ZRANGEBYSCORE', H, 0, t, 'LIMIT', 0, 1000)
  if #expired > 0 then
    for _, id in ipairs(expired) do n = n - weightOf(id) end
    many('ZREM', H, expired)
    dirty = true
  end
  local dead = redis.call('ZRANGEBYSCORE', PA, '-inf', t, 'LIMIT', 0, 100)
  if #dead > 0 then
    local gone = {}
    for _, process in ipairs(dead) do gone[process] = true end
    local drop = {}
    for _, id in ipairs(redis.call('ZRANGE', Q, 0, -1)) do
      if gone[processOf(id)] then drop[#drop + 1] = id end
    end
    many('ZREM', Q, drop)
    many('ZREM', PA, dead)
  end
end
`;

/**
 * ACQUIRE permits lease id weight beat → the fencing token if granted now, else 0 (queued). `beat`:
 * the process's heartbeat is renewed (its waiters are alive for that many ms), 0 if it is fresh.
 */
export const ACQUIRE = `${COMMON}
local permits, lease, id, weight, beat = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
state()
if beat > 0 then
  redis.call('ZADD', PA, time()[1] + beat, processOf(id))
  -- the heartbeats go with the last process that sent one: no key is left behind for good
  redis.call('PEXPIRE', PA, beat)
end
if n + weight <= permits and redis.call('EXISTS', Q) == 0 then
  n = n + weight
  local token = nextToken()
  hold(time()[1] + lease, id)
  save()
  return token
end
redis.call('ZADD', Q, redis.call('HINCRBY', S, 'seq', 1), id)
return 0
`;

/** RELEASE permits lease id → 1 if the id held its permits, 0 if its lease was already gone. */
export const RELEASE = `${COMMON}
local permits, lease, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
if redis.call('ZREM', H, id) == 0 then return 0 end
state()
n, dirty = n - weightOf(id), true
dispatch(permits, lease)
save()
return 1
`;

/** CANCEL permits lease id → 1 left the queue, 2 was granted meanwhile and released, 0 unknown. */
export const CANCEL = `${COMMON}
local permits, lease, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local result = 0
if redis.call('ZREM', Q, id) == 1 then
  result = 1
elseif redis.call('ZREM', H, id) == 1 then
  state()
  n, dirty = n - weightOf(id), true
  result = 2
end
if result > 0 then
  -- a heavy head that left may let lighter ones behind it in
  state()
  dispatch(permits, lease)
  save()
end
return result
`;

/**
 * KEEP permits lease beat id… (one process's) → for each id: a fencing token if it holds (the lease is
 * renewed; the token is a fresh one, higher than any granted before, for a section whose grant message
 * was missed), -1 if it waits, 0 if Redis knows it no more (the lease or the waiter was lost). Renews
 * the process's heartbeat, forgets expired holders and dead processes' waiters, and hands their
 * permits on.
 */
export const KEEP = `${COMMON}
local permits, lease, beat = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
state()
purge()
dispatch(permits, lease)
flush() -- the grants made here, before their ids are looked up below
local out = {}
if #ARGV >= 4 then
  local t = time()[1]
  local ids = {}
  for i = 4, #ARGV do ids[#ids + 1] = ARGV[i] end
  redis.call('ZADD', PA, t + beat, processOf(ids[1]))
  redis.call('PEXPIRE', PA, beat)
  local held = many('ZMSCORE', H, ids)
  local waiting = {}
  for i, id in ipairs(ids) do
    if held[i] then
      hold(t + lease, id)
      out[i] = nextToken()
    else
      waiting[#waiting + 1] = i
    end
  end
  if #waiting > 0 then
    local asked = {}
    for _, i in ipairs(waiting) do asked[#asked + 1] = ids[i] end
    local queued = many('ZMSCORE', Q, asked)
    for k, i in ipairs(waiting) do out[i] = queued[k] and -1 or 0 end
  end
end
save()
return out
`;
