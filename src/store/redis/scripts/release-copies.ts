import { RedisScript } from './redis-script.js';

/**
 * release: copies in flight for holder go back to ready (or delayed until availableAt, or dead-lettered
 * as max-attempts once delivered maxAttempts times).
 * ARGV: prefix, now, ns, holder, availableAt, maxAttempts, then per ref 2 entries: id, client
 * Returns: the 1-based positions of the refs released.
 */
export const RELEASE_COPIES: RedisScript = {
  name: 'courierRelease',
  lua: `
local now, ns, holder = tonumber(ARGV[2]), ARGV[3], ARGV[4]
local availableAt, maxAttempts = tonumber(ARGV[5]), tonumber(ARGV[6])
local out, n = {}, 0
for i = 7, #ARGV, 2 do
  n = n + 1
  local r = load(msgMember(ns, ARGV[i], ARGV[i + 1]))
  if r and r.state == 'inFlight' and r.holder == holder then
    release(r, now, availableAt, maxAttempts)
    out[#out + 1] = n
  end
end
flushCounts()
return out
`,
};
