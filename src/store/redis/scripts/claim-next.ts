import { RedisScript } from './redis-script.js';

/**
 * claimNext: moves up to max ready copies of one channel (priority desc, then publish order) to in flight
 * for holder. Copies past their TTL met on the way are dead-lettered as expired and do not count.
 * ARGV: prefix, now, ns, kind, name, client, holder, instance, max, ackDeadline
 * Returns: expired, then per delivery 5 entries: id, payload, headers, attempt, publishedAt
 */
export const CLAIM_NEXT: RedisScript = {
  name: 'courierClaimNext',
  lua: `
local now = tonumber(ARGV[2])
local ns, kind, name, client, holder, own = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local max, deadline = tonumber(ARGV[9]), tonumber(ARGV[10])
local rk = P .. 'r:' .. statsTag(ns, kind, name) .. ':' .. enc(client)
local out, got, expired = { 0 }, 0, 0
while got < max do
  local batch = redis.call('ZRANGE', rk, 0, max - got - 1)
  if #batch == 0 then break end
  for _, m in ipairs(batch) do
    local r = load(m)
    if not r then
      redis.call('ZREM', rk, m)
    else
      leave(r)
      if r.exp > 0 and r.exp <= now then
        enterDead(r, 'expired', now)
        expired = expired + 1
      else
        enterInFlight(r, holder, own, deadline)
        local headers, payload = body(m)
        out[#out + 1] = r.id
        out[#out + 1] = payload
        out[#out + 1] = headers
        out[#out + 1] = r.att
        out[#out + 1] = fmt(r.pub)
        got = got + 1
      end
    end
  end
end
out[1] = expired
flushCounts()
return out
`,
};
