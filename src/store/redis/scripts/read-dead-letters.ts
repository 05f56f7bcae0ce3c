import { RedisScript } from './redis-script.js';

/**
 * deadLetters (read only): up to `limit` dead-lettered copies, oldest first. Copies dead-lettered in the
 * same millisecond as the last one are all returned, so the caller can order ties by publish order.
 * ARGV: prefix, ns, kind, name, limit
 * Returns: per copy 7 entries: id, client, payload, attempts, reason, deadLetteredAt, seq
 */
export const READ_DEAD_LETTERS: RedisScript = {
  name: 'courierDeadLetters',
  lua: `
local dk = P .. 'dl:' .. statsTag(ARGV[2], ARGV[3], ARGV[4])
local page = redis.call('ZRANGE', dk, 0, tonumber(ARGV[5]) - 1, 'WITHSCORES')
local out = {}
if #page == 0 then return out end
local members, seen = {}, {}
for i = 1, #page, 2 do
  members[#members + 1] = page[i]
  seen[page[i]] = true
end
for _, m in ipairs(redis.call('ZRANGEBYSCORE', dk, page[#page], page[#page])) do
  if not seen[m] then members[#members + 1] = m end
end
for _, m in ipairs(members) do
  local v = redis.call('HMGET', mkey(m), 'id', 'client', 'att', 'reason', 'deadAt', 'seq')
  if v[1] then
    local _, payload = body(m)
    out[#out + 1] = v[1]
    out[#out + 1] = v[2]
    out[#out + 1] = payload
    for i = 3, 6 do out[#out + 1] = v[i] end
  end
end
return out
`,
};
