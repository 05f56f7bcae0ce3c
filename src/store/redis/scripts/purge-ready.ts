import { RedisScript } from './redis-script.js';

/**
 * purge: removes up to `batch` ready copies of one channel (in flight, delayed and dead-lettered stay).
 * The store calls it until a run removes fewer than `batch`, so a deep queue never blocks Redis for long.
 * ARGV: prefix, ns, kind, name, client, batch
 * Returns: how many were removed.
 */
export const PURGE_READY: RedisScript = {
  name: 'courierPurge',
  lua: `
local rk = P .. 'r:' .. statsTag(ARGV[2], ARGV[3], ARGV[4]) .. ':' .. enc(ARGV[5])
local purged = 0
for _, m in ipairs(redis.call('ZRANGE', rk, 0, tonumber(ARGV[6]) - 1)) do
  local r = load(m)
  if r then
    leave(r)
    drop(m)
    purged = purged + 1
  else
    redis.call('ZREM', rk, m)
  end
end
flushCounts()
return purged
`,
};
