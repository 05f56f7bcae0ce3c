import { RedisScript } from './redis-script.js';

/**
 * ack: settles copies for good (the record goes, the acked counter grows). With a holder, only copies in
 * flight for that holder; with anyHolder = 1, room copies ready or in flight (the caller checked the socket).
 * ARGV: prefix, now, ns, holder, anyHolder (0 | 1), then per ref 2 entries: id, client
 * Returns: the 1-based positions of the refs settled.
 */
export const ACK_COPIES: RedisScript = {
  name: 'courierAck',
  lua: `
local ns, holder, any = ARGV[3], ARGV[4], ARGV[5] == '1'
local out, n = {}, 0
for i = 6, #ARGV, 2 do
  n = n + 1
  local r = load(msgMember(ns, ARGV[i], ARGV[i + 1]))
  if r then
    local ok
    if any then ok = r.kind == 'room' and (r.state == 'ready' or r.state == 'inFlight')
    else ok = r.state == 'inFlight' and r.holder == holder end
    if ok then
      leave(r)
      drop(r.m)
      count(r, 'acked', 1)
      out[#out + 1] = n
    end
  end
end
flushCounts()
return out
`,
};
