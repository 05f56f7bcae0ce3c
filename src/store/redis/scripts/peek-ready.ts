import { RedisScript } from './redis-script.js';

/**
 * peekReady (read only): up to max ready copies of one channel in delivery order, skipping those past
 * their TTL, without claiming them.
 * ARGV: prefix, now, ns, kind, name, client, max
 * Returns: per copy 5 entries: id, payload, headers, attempt (the next one), publishedAt
 */
export const PEEK_READY: RedisScript = {
  name: 'courierPeekReady',
  lua: `
local now = tonumber(ARGV[2])
local max = tonumber(ARGV[7])
local rk = P .. 'r:' .. statsTag(ARGV[3], ARGV[4], ARGV[5]) .. ':' .. enc(ARGV[6])
local out, got, from = {}, 0, 0
while got < max do
  local batch = redis.call('ZRANGE', rk, from, from + max - got - 1)
  if #batch == 0 then break end
  from = from + #batch
  for _, m in ipairs(batch) do
    local v = redis.call('HMGET', mkey(m), 'id', 'att', 'pub', 'exp')
    local exp = tonumber(v[4])
    if v[1] and not (exp > 0 and exp <= now) then
      local headers, payload = body(m)
      out[#out + 1] = v[1]
      out[#out + 1] = payload
      out[#out + 1] = headers
      out[#out + 1] = tonumber(v[2]) + 1
      out[#out + 1] = v[3]
      got = got + 1
    end
  end
end
return out
`,
};
