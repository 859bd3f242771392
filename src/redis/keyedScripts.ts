import { LUA_QUEUE } from './scripts.js';

/**
 * The Lua of the keyed Redis limits: the rotation across keys of `KeyedSemaphore` and
 * `KeyedRateLimiter`, done in Redis, atomically, with Redis's clock. What both keep (prefix `p`):
 *
 * - each key's waiters in arrival order: `q:<key>` (ZSET id → sequence); every waiter's weight,
 *   channel and key: `qi` (HASH id → `"<weight> <channel's length> <channel><key>"`); heartbeats: `qa` (ZSET id →
 *   expiry); `seq` counts arrivals;
 * - the turn order of the keys that have a waiter: `r` (LIST of keys), with what each has earned in
 *   this round, `d` (HASH key → deficit), and its share, `ks` (HASH key → share).
 *
 * A key's entries go as soon as it has no waiter (and, for the semaphore, holds nothing; for the
 * rate limiter, once its starts have left its windows): an idle key leaves nothing in Redis.
 *
 * `rotate(t, self)` is deficit round robin, as `KeyedPermits.dispatch_` does it in one process:
 * while `room(t)`, the key at the front, if its head `fits`, earns its share when what it has earned
 * does not cover the head's weight, and starts that head when it does (`take`), keeping the front
 * while its earnings cover its next head; a key whose head does not fit goes to the back, earning
 * nothing; a whole round of keys passed over ends it. Each grant is PUBLISHed to its process, except
 * `self`'s (the script's own caller), whose value is returned.
 */
export const LUA_ROTATION = `${LUA_QUEUE}
local function waiterOf(id)
  local s = redis.call('HGET', p .. 'qi', id)
  if not s then return nil end
  local w, n, rest = string.match(s, '^(%d+) (%d+) (.*)$')
  n = tonumber(n)
  return tonumber(w), string.sub(rest, 1, n), string.sub(rest, n + 1)
end
-- takes a waiter out of its key's queue (and its key out of the rotation if it was the last)
local function unqueue(id)
  local w, c, k = waiterOf(id)
  if not w then return nil end
  redis.call('HDEL', p .. 'qi', id)
  redis.call('ZREM', p .. 'qa', id)
  redis.call('ZREM', p .. 'q:' .. k, id)
  if redis.call('EXISTS', p .. 'q:' .. k) == 0 then
    redis.call('LREM', p .. 'r', 1, k)
    redis.call('HDEL', p .. 'd', k)
    redis.call('HDEL', p .. 'ks', k)
  end
  return w, k, c
end
local function enqueue(id, w, channel, k, share, t)
  local q = p .. 'q:' .. k
  if redis.call('EXISTS', q) == 0 then
    redis.call('RPUSH', p .. 'r', k)
    redis.call('HSET', p .. 'ks', k, share)
  end
  redis.call('ZADD', q, redis.call('INCR', p .. 'seq'), id)
  redis.call('HSET', p .. 'qi', id, w .. ' ' .. #channel .. ' ' .. channel .. k)
  redis.call('ZADD', p .. 'qa', t + BEAT, id)
end
local function forgetDead(t)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'qa', '-inf', t)) do unqueue(id) end
end
local function toBack()
  redis.call('LMOVE', p .. 'r', p .. 'r', 'LEFT', 'RIGHT')
end
local function rotate(t, self, room, fits, take)
  local mine = nil
  local passed = 0
  while room(t) do
    local k = redis.call('LINDEX', p .. 'r', 0)
    if not k or passed >= redis.call('LLEN', p .. 'r') then break end
    local q = p .. 'q:' .. k
    local head = redis.call('ZRANGE', q, 0, 0)[1]
    local w = waiterOf(head)
    if not fits(k, w, t) then
      toBack()
      passed = passed + 1
    else
      passed = 0
      local deficit = tonumber(redis.call('HGET', p .. 'd', k) or '0')
      if deficit < w then deficit = deficit + tonumber(redis.call('HGET', p .. 'ks', k) or '1') end
      if deficit < w then
        -- saving up for a heavy head
        redis.call('HSET', p .. 'd', k, deficit)
        toBack()
      else
        local _, _, channel = unqueue(head)
        local value = take(head, k, w, t)
        if redis.call('EXISTS', q) == 1 then
          deficit = deficit - w
          redis.call('HSET', p .. 'd', k, deficit)
          if deficit < waiterOf(redis.call('ZRANGE', q, 0, 0)[1]) then toBack() end
        end
        if head == self then mine = value else publish(channel, head .. ' ' .. value) end
      end
    end
  end
  return mine
end
`;

/**
 * The keyed semaphore's state besides the rotation: holders `h` (ZSET id → lease expiry) with
 * `hi` (HASH id → `"<weight> <token> <key>"`), the weight each key holds `kh` (HASH key → weight,
 * gone at 0), the weight held in all `n`, and `fence` (the last fencing token, across keys: see `nextToken`).
 *
 * Every script's arguments begin with `permits lease perKey` (`permits` 2^53−1 for none).
 */
const KSEM = `${LUA_ROTATION}
local permits, lease, perKey = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local inUse = tonumber(redis.call('GET', p .. 'n') or '0')
local function room() return inUse < permits end
local function fits(k, w) return inUse + w <= permits and tonumber(redis.call('HGET', p .. 'kh', k) or '0') + w <= perKey end
local function hold(id, k, w, t, ms)
  local token = nextToken()
  redis.call('ZADD', p .. 'h', t + ms, id)
  redis.call('HSET', p .. 'hi', id, w .. ' ' .. token .. ' ' .. k)
  redis.call('HINCRBY', p .. 'kh', k, w)
  inUse = redis.call('INCRBY', p .. 'n', w)
  return token
end
-- a waiter granted by the rotation may belong to a process that died since its last heartbeat:
-- its first lease is a heartbeat long, and its process renews it to the whole lease on hearing of it
local function take(id, k, w, t) return hold(id, k, w, t, math.min(lease, BEAT)) end
-- gives back what id holds: 1, or 0 if it held nothing
local function free(id)
  local s = redis.call('HGET', p .. 'hi', id)
  if not s then return 0 end
  local w, _, k = string.match(s, '^(%d+) (%d+) (.*)$')
  redis.call('HDEL', p .. 'hi', id)
  redis.call('ZREM', p .. 'h', id)
  if redis.call('HINCRBY', p .. 'kh', k, -w) <= 0 then redis.call('HDEL', p .. 'kh', k) end
  inUse = redis.call('DECRBY', p .. 'n', w)
  if inUse <= 0 then redis.call('DEL', p .. 'n') end
  return 1
end
local function purge(t)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', p .. 'h', '-inf', t)) do free(id) end
  forgetDead(t)
end
local function dispatch(t, self) return rotate(t, self, room, fits, take) end
`;

/** KACQUIRE permits lease perKey id weight beat channel key share → the fencing token if granted now, else 0 (queued). */
export const KACQUIRE = `${KSEM}
local id, w, channel, k, share = ARGV[4], tonumber(ARGV[5]), ARGV[7], ARGV[8], ARGV[9]
local t = now()
purge(t)
dispatch(t, nil)
-- no barging: at once only while no key waits
if redis.call('LLEN', p .. 'r') == 0 and fits(k, w) then return tonumber(hold(id, k, w, t, lease)) end
enqueue(id, w, channel, k, share, t)
local token = dispatch(t, id)
if token then
  redis.call('ZADD', p .. 'h', 'XX', t + lease, id)
  return tonumber(token)
end
return 0
`;

/** KRELEASE permits lease perKey id → 1 if the id held its permits, 0 if its lease was already gone. */
export const KRELEASE = `${KSEM}
local t = now()
local had = free(ARGV[4])
purge(t)
dispatch(t, nil)
return had
`;

/** KCANCEL permits lease perKey id → 1 left the queue, 2 was granted meanwhile and released, 0 unknown. */
export const KCANCEL = `${KSEM}
local id = ARGV[4]
local t = now()
local result = 0
if unqueue(id) then result = 1 elseif free(id) == 1 then result = 2 end
purge(t)
dispatch(t, nil)
return result
`;

/**
 * KKEEP permits lease perKey beat id… → for each id: its token if it holds (the lease is renewed),
 * -1 if it waits (its heartbeat is renewed), 0 if Redis knows it no more.
 */
export const KKEEP = `${KSEM}
local beat = tonumber(ARGV[4])
local t = now()
purge(t)
dispatch(t, nil)
local out = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local s = redis.call('HGET', p .. 'hi', id)
  if s then
    redis.call('ZADD', p .. 'h', 'XX', t + lease, id)
    out[#out + 1] = tonumber(string.match(s, '^%d+ (%d+) '))
  elseif redis.call('HEXISTS', p .. 'qi', id) == 1 then
    redis.call('ZADD', p .. 'qa', 'XX', t + beat, id)
    out[#out + 1] = -1
  else
    out[#out + 1] = 0
  end
end
return out
`;

/**
 * The keyed rate limiter's state besides the rotation: each key's starts `s:<key>` and the global
 * starts `g` (ZSETs `"<cost>:<id>"` → start time), each trimmed to its longest window and set to
 * expire when its last start leaves it.
 *
 * Every script's arguments begin with the windows: `n limit interval …` per key, then `m limit
 * interval …` global; `c` is the index of the first argument after them.
 */
const KRATE = `${LUA_ROTATION}
local per, glob, c = {}, {}, 1
local function windows(into)
  local n = tonumber(ARGV[c])
  for i = 1, n do into[i] = { tonumber(ARGV[c + 2 * i - 1]), tonumber(ARGV[c + 2 * i]) } end
  c = c + 2 * n + 1
end
windows(per)
windows(glob)
local function longest(list)
  local most = 0
  for _, win in ipairs(list) do most = math.max(most, win[2]) end
  return most
end
local perMost, globMost = longest(per), longest(glob)
local function costOf(member) return tonumber(string.match(member, '^(%d+):')) end
-- the starts of a log still in some window, oldest first, as { member, time, … }
local function starts(log, t, most)
  redis.call('ZREMRANGEBYSCORE', log, '-inf', t - most)
  return redis.call('ZRANGEBYSCORE', log, '(' .. (t - most), '+inf', 'WITHSCORES')
end
local function used(list, t, interval)
  local sum = 0
  for i = 1, #list, 2 do if tonumber(list[i + 1]) > t - interval then sum = sum + costOf(list[i]) end end
  return sum
end
local function fitsIn(log, wins, most, cost, t)
  if #wins == 0 then return true end
  local list = starts(log, t, most)
  for _, win in ipairs(wins) do if used(list, t, win[2]) + cost > win[1] then return false end end
  return true
end
local function room(t) return fitsIn(p .. 'g', glob, globMost, 1, t) end
local function fits(k, cost, t) return fitsIn(p .. 'g', glob, globMost, cost, t) and fitsIn(p .. 's:' .. k, per, perMost, cost, t) end
local function record(log, most, member, t)
  redis.call('ZADD', log, t, member)
  redis.call('PEXPIRE', log, most)
end
local function take(id, k, cost, t)
  record(p .. 's:' .. k, perMost, cost .. ':' .. id, t)
  if #glob > 0 then record(p .. 'g', globMost, cost .. ':' .. id, t) end
  return t
end
local function dispatch(t, self) return rotate(t, self, room, fits, take) end
-- when a log's windows all have room for cost: the oldest starts leave one by one (-inf: now)
local function fitsAt(log, wins, most, cost, t)
  local at = -1 / 0
  if #wins == 0 then return at end
  local list = starts(log, t, most)
  for _, win in ipairs(wins) do
    local sum = used(list, t, win[2])
    for i = 1, #list, 2 do
      if sum + cost <= win[1] then break end
      local time = tonumber(list[i + 1])
      if time > t - win[2] then
        sum = sum - costOf(list[i])
        if sum + cost <= win[1] then at = math.max(at, time + win[2]) end
      end
    end
  end
  return at
end
-- the earliest Redis time at which some waiting key's head fits (0 when nobody waits)
local function nextAt(t)
  local soonest = 1 / 0
  for _, k in ipairs(redis.call('LRANGE', p .. 'r', 0, -1)) do
    local cost = waiterOf(redis.call('ZRANGE', p .. 'q:' .. k, 0, 0)[1])
    local at = math.max(fitsAt(p .. 'g', glob, globMost, cost, t), fitsAt(p .. 's:' .. k, per, perMost, cost, t))
    soonest = math.min(soonest, at)
  end
  if soonest == 1 / 0 then return 0 end
  return math.max(soonest, t)
end
`;

/** KRACQUIRE windows… id cost channel key share → { started (1/0), Redis now, next fit time (0: none) }. */
export const KRACQUIRE = `${KRATE}
local id, cost, channel, k, share = ARGV[c], tonumber(ARGV[c + 1]), ARGV[c + 2], ARGV[c + 3], ARGV[c + 4]
local t = now()
forgetDead(t)
dispatch(t, nil)
if redis.call('LLEN', p .. 'r') == 0 and fits(k, cost, t) then
  take(id, k, cost, t)
  return { 1, t, nextAt(t) }
end
enqueue(id, cost, channel, k, share, t)
if dispatch(t, id) then return { 1, t, nextAt(t) } end
return { 0, t, nextAt(t) }
`;

/**
 * KRCANCEL windows… id key cost → { 1 if it left the queue, 2 if it had been started but its
 * process never ran it (the start is taken back), 0 if unknown; now; next fit }.
 */
export const KRCANCEL = `${KRATE}
local id, k, cost = ARGV[c], ARGV[c + 1], ARGV[c + 2]
local t = now()
local left = 0
if unqueue(id) then
  left = 1
elseif redis.call('ZREM', p .. 's:' .. k, cost .. ':' .. id) == 1 then
  redis.call('ZREM', p .. 'g', cost .. ':' .. id)
  left = 2
end
forgetDead(t)
dispatch(t, nil)
return { left, t, nextAt(t) }
`;

/**
 * KRKEEP windows… (id key cost)… → { now, next fit, then for each id: 1 started, -1 waiting
 * (heartbeat renewed), 0 unknown }. It starts whatever fits now, too.
 */
export const KRKEEP = `${KRATE}
local t = now()
forgetDead(t)
dispatch(t, nil)
local out = { t, nextAt(t) }
for i = c, #ARGV, 3 do
  local id, k, cost = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HEXISTS', p .. 'qi', id) == 1 then
    redis.call('ZADD', p .. 'qa', 'XX', t + BEAT, id)
    out[#out + 1] = -1
  elseif redis.call('ZSCORE', p .. 's:' .. k, cost .. ':' .. id) then
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
`;
