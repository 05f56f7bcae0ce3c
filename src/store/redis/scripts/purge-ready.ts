import { RedisScript } from './redis-script.js';

/**
 * purge: removes the ready copies of one channel (in flight, delayed and dead-lettered stay).
 * ARGV: prefix, ns, kind, name, client
 * Returns: how many were removed.
 */
export const PURGE_READY: RedisScript = {
  name: 'courierPurge',
  lua: `
local rk = P .. 'r:' .. statsTag(ARGV[2], ARGV[3], ARGV[4]) .. ':' .. enc(ARGV[5])
local purged = 0
for _, m in ipairs(redis.call('ZRANGE', rk, 0, -1)) do
  local r = load(m)
  if r then
    leave(r)
    redis.call('DEL', mkey(m))
    purged = purged + 1
  end
end
redis.call('DEL', rk)
flushCounts()
return purged
`,
};
