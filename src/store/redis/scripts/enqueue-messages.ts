import { RedisScript } from './redis-script.js';

/**
 * enqueue: appends a batch to one channel, all or nothing (a script runs to the end or not at all).
 * ARGV: prefix, now, dedupWindowMs, ns, kind, name, client, then per message 7 entries:
 *       id, key ('' = none), priority, delayMs, ttlMs, payload, headers (JSON)
 * Returns: per message 2 entries: id, duplicate (0 | 1). A known key answers its first id and stores nothing.
 */
export const ENQUEUE_MESSAGES: RedisScript = {
  name: 'courierEnqueue',
  lua: `
local now, window = tonumber(ARGV[2]), tonumber(ARGV[3])
local ns, kind, name, client = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
redis.call('SADD', registryKey(ns, kind), name)
local st = statsTag(ns, kind, name)
local ct = st .. ':' .. enc(client)
local seq = redis.call('INCRBY', P .. 'seq', (#ARGV - 7) / 7) - (#ARGV - 7) / 7
local out, published = {}, 0
for b = 8, #ARGV, 7 do
  seq = seq + 1
  local id, key = ARGV[b], ARGV[b + 1]
  local known = nil
  if key ~= '' then
    local kk = dedupKey(ns, kind, name, key)
    known = knownKey(kk, now)
    if not known then rememberKey(kk, id, now, window) end
  end
  if known then
    out[#out + 1] = known
    out[#out + 1] = 1
  else
    insert(ns, kind, name, client, id, seq, st, ct, tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), ARGV[b + 5], ARGV[b + 6], now)
    published = published + 1
    out[#out + 1] = id
    out[#out + 1] = 0
  end
end
if published > 0 then redis.call('HINCRBY', P .. 'c:' .. st, 'published', published) end
flushCounts()
return out
`,
};
