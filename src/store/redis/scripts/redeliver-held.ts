import { RedisScript } from './redis-script.js';

/**
 * redeliverHeld (getAll): what holder has in flight in one channel is delivered again, oldest first, with
 * one more attempt and a new deadline; what already had maxAttempts deliveries is dead-lettered instead.
 * ARGV: prefix, now, ns, kind, name, client, holder, instance, ackDeadline, maxAttempts, then the ids to
 *   deliver again (none: everything held)
 * Returns: per delivery 5 entries: id, payload, headers, attempt, publishedAt
 */
export const REDELIVER_HELD: RedisScript = {
  name: 'courierRedeliverHeld',
  lua: `
local now = tonumber(ARGV[2])
local ns, kind, name, client, holder, own = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local deadline, maxAttempts = tonumber(ARGV[9]), tonumber(ARGV[10])
local ct = statsTag(ns, kind, name) .. ':' .. enc(client)
local only = nil
if #ARGV > 10 then
  only = {}
  for i = 11, #ARGV do only[ARGV[i]] = true end
end
local held = {}
for _, m in ipairs(redis.call('SMEMBERS', P .. 'h:' .. holder)) do
  local r = load(m)
  if r and r.ct == ct and r.state == 'inFlight' and (not only or only[r.id]) then held[#held + 1] = r end
end
table.sort(held, bySeq)
local out = {}
for _, r in ipairs(held) do
  if r.att >= maxAttempts then
    leave(r)
    enterDead(r, 'max-attempts', now)
  else
    leave(r)
    enterInFlight(r, holder, own, deadline)
    local headers, payload = body(r.m)
    out[#out + 1] = r.id
    out[#out + 1] = payload
    out[#out + 1] = headers
    out[#out + 1] = r.att
    out[#out + 1] = fmt(r.pub)
  end
end
flushCounts()
return out
`,
};
