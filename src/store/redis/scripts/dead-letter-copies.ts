import { RedisScript } from './redis-script.js';

/**
 * deadLetter: copies in flight for holder are dead-lettered at once with `reason` (nack with requeue false:
 * rejected; a record that cannot be decoded: unreadable). An empty holder takes a copy in any live state.
 * ARGV: prefix, now, ns, holder, reason, then per ref 2 entries: id, client
 * Returns: the 1-based positions of the refs dead-lettered.
 */
export const DEAD_LETTER_COPIES: RedisScript = {
  name: 'courierDeadLetter',
  lua: `
local now, ns, holder, reason = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local out, n = {}, 0
for i = 6, #ARGV, 2 do
  n = n + 1
  local r = load(msgMember(ns, ARGV[i], ARGV[i + 1]))
  if r and r.state ~= 'deadLettered' and (holder == '' or (r.state == 'inFlight' and r.holder == holder)) then
    leave(r)
    enterDead(r, reason, now)
    out[#out + 1] = n
  end
end
flushCounts()
return out
`,
};
