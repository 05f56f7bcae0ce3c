import { RedisScript } from './redis-script.js';

/**
 * stats (read only): the counters of a declared queue or room and its oldest ready publish time.
 * ARGV: prefix, ns, kind, name
 * Returns: nil for a name never declared, else ready, inFlight, delayed, deadLettered, published, acked,
 *          redelivered, oldestReadyAt ('' = none ready)
 */
export const READ_STATS: RedisScript = {
  name: 'courierStats',
  lua: `
local ns, kind, name = ARGV[2], ARGV[3], ARGV[4]
if redis.call('SISMEMBER', registryKey(ns, kind), name) == 0 then return false end
local st = statsTag(ns, kind, name)
local c = redis.call('HMGET', P .. 'c:' .. st, 'ready', 'inFlight', 'delayed', 'deadLettered', 'published', 'acked', 'redelivered')
local out = {}
for i = 1, 7 do out[i] = tonumber(c[i] or '0') end
local oldest = redis.call('ZRANGE', P .. 'o:' .. st, 0, 0, 'WITHSCORES')
out[8] = oldest[2] or ''
return out
`,
};
