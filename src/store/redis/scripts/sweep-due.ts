import { RedisScript } from './redis-script.js';

/**
 * sweep: the time-driven transitions, at most `batch` of each kind per run: due delays become ready,
 * copies past their ack deadline are released (dead-lettered after their last attempt), ready or delayed
 * copies past their TTL are dead-lettered as expired. Dedup keys need nothing: their PX drops them.
 * With recoverAll = 1 it also releases what this store instance holds and what instances without a live
 * heartbeat (P node:<instance>) hold, whatever the deadline; another live node's deliveries are never touched.
 * ARGV: prefix, now, maxAttempts, recoverAll (0 | 1), instance, batch
 * Returns: timedOut, expired, nextDueAt ('' = nothing pending; now when a batch was full), then the woken
 *          channels, 4 entries each: ns, kind, name, client
 */
export const SWEEP_DUE: RedisScript = {
  name: 'courierSweep',
  lua: `
local now, maxAttempts, recoverAll, self = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1', ARGV[5]
local batch = tonumber(ARGV[6])
local wake, woken = channelSet()
local timedOut, expired, full = 0, 0, false

local due = redis.call('ZRANGEBYSCORE', P .. 'd', '-inf', now, 'LIMIT', 0, batch)
for _, m in ipairs(due) do
  local r = load(m)
  if r and r.state == 'delayed' then
    leave(r)
    enterReady(r)
    wake(r)
  else
    redis.call('ZREM', P .. 'd', m)
  end
end
full = full or #due == batch

local function timeOut(m)
  local r = load(m)
  if r and r.state == 'inFlight' then
    release(r, now, now, maxAttempts)
    timedOut = timedOut + 1
    wake(r)
  else
    redis.call('ZREM', P .. 'f', m)
  end
end
local late = redis.call('ZRANGEBYSCORE', P .. 'f', '-inf', now, 'LIMIT', 0, batch)
for _, m in ipairs(late) do timeOut(m) end
full = full or #late == batch
if recoverAll then
  local alive = {}
  for _, m in ipairs(redis.call('ZRANGE', P .. 'f', 0, -1)) do
    local own = redis.call('HGET', mkey(m), 'own') or ''
    if alive[own] == nil then alive[own] = own ~= self and redis.call('EXISTS', P .. 'node:' .. own) == 1 end
    if not alive[own] then timeOut(m) end
  end
end

local old = redis.call('ZRANGEBYSCORE', P .. 'x', '-inf', now, 'LIMIT', 0, batch)
for _, m in ipairs(old) do
  local r = load(m)
  if r and (r.state == 'ready' or r.state == 'delayed') then
    leave(r)
    enterDead(r, 'expired', now)
    expired = expired + 1
  else
    redis.call('ZREM', P .. 'x', m)
  end
end
full = full or #old == batch

flushCounts()
local nextDueAt = ''
if full then
  nextDueAt = fmt(now)
else
  for _, k in ipairs({ 'd', 'f', 'x' }) do
    local first = redis.call('ZRANGE', P .. k, 0, 0, 'WITHSCORES')
    if first[2] and (nextDueAt == '' or tonumber(first[2]) < tonumber(nextDueAt)) then nextDueAt = first[2] end
  end
end
local out = { timedOut, expired, nextDueAt }
for _, v in ipairs(woken) do out[#out + 1] = v end
return out
`,
};
