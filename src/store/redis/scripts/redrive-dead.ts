import { RedisScript } from './redis-script.js';

/**
 * redrive: every dead-lettered copy of a queue (or of a room, for all its clients) back to ready, attempt
 * count reset so the next delivery is attempt 1, and TTL dropped (an expired copy would only expire again).
 * At most `batch` per run: the store calls it until a run moves fewer, so Redis is never blocked for long.
 * ARGV: prefix, now, ns, kind, name, batch
 * Returns: how many were moved, then the channels woken, 4 entries each: ns, kind, name, client
 */
export const REDRIVE_DEAD: RedisScript = {
  name: 'courierRedrive',
  lua: `
local dk = P .. 'dl:' .. statsTag(ARGV[3], ARGV[4], ARGV[5])
local wake, woken = channelSet()
local moved = 0
for _, m in ipairs(redis.call('ZRANGE', dk, 0, tonumber(ARGV[6]) - 1)) do
  local r = load(m)
  if r and r.state == 'deadLettered' then
    leave(r)
    r.att = 0
    r.exp = 0
    redis.call('HSET', mkey(m), 'att', 0, 'exp', 0)
    redis.call('HDEL', mkey(m), 'reason', 'deadAt')
    enterReady(r)
    wake(r)
    moved = moved + 1
  else
    redis.call('ZREM', dk, m)
  end
end
flushCounts()
table.insert(woken, 1, moved)
return woken
`,
};
