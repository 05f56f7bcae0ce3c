import { RedisScript } from './redis-script.js';

/**
 * fanOut: one copy of a room message per durable member, read and written in one step so a member
 * joining or leaving meanwhile gets a copy or not, never half of one.
 * ARGV: prefix, now, dedupWindowMs, ns, room, id, key, priority, delayMs, ttlMs, payload, headers
 * Returns: id, duplicate (0 | 1), then the clients that got a copy (none for a duplicate).
 */
export const FAN_OUT: RedisScript = {
  name: 'courierFanOut',
  lua: `
local now, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local ns, room, id, key = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
redis.call('SADD', registryKey(ns, 'room'), room)
if key ~= '' then
  local kk = dedupKey(ns, 'room', room, key)
  local known = knownKey(kk, now)
  if known then return { known, 1 } end
  rememberKey(kk, id, now, window)
end
local clients = redis.call('SMEMBERS', P .. 'mem:' .. enc(ns) .. ':' .. enc(room))
table.sort(clients)
local st = statsTag(ns, 'room', room)
local seq = redis.call('INCRBY', P .. 'seq', #clients) - #clients
local out = { id, 0 }
for i, client in ipairs(clients) do
  insert(ns, 'room', room, client, id, seq + i, st, st .. ':' .. enc(client), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11], ARGV[12], now)
  out[#out + 1] = client
end
redis.call('HINCRBY', P .. 'c:' .. st, 'published', 1)
flushCounts()
return out
`,
};
