import { RedisScript } from './redis-script.js';

/**
 * releaseHolder: everything a holder has in flight, in every channel, is released (its consumer went away).
 * ARGV: prefix, now, holder, availableAt, maxAttempts
 * Returns: the channels released into, 4 entries each: ns, kind, name, client
 */
export const RELEASE_HOLDER: RedisScript = {
  name: 'courierReleaseHolder',
  lua: `
local now, holder = tonumber(ARGV[2]), ARGV[3]
local availableAt, maxAttempts = tonumber(ARGV[4]), tonumber(ARGV[5])
local held = {}
for _, m in ipairs(redis.call('SMEMBERS', P .. 'h:' .. holder)) do
  local r = load(m)
  if r and r.state == 'inFlight' and r.holder == holder then held[#held + 1] = r
  else redis.call('SREM', P .. 'h:' .. holder, m) end
end
table.sort(held, bySeq)
local wake, woken = channelSet()
for _, r in ipairs(held) do
  release(r, now, availableAt, maxAttempts)
  wake(r)
end
flushCounts()
return woken
`,
};
