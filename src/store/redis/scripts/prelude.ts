/**
 * Lua shared by every script (prepended to each body). ARGV[1] is always the key prefix, so one Redis can
 * hold several deployments. Times are always passed in ARGV: a script never reads the server's clock.
 *
 * Keys (P = prefix; <ns>, <name>, <client>, <id> are percent-encoded by `enc`, so a ':' inside a name can
 * never make two keys meet):
 *   P seq                         INCR counter: publish order across the whole store
 *   P m:<ns>:<id>:<client>        hash, one stored copy (fields: see FIELDS, plus reason and deadAt)
 *   P b:<ns>:<id>:<client>        string '<headers JSON>\n<payload>', the copy's body: kept apart so the hash
 *                                 stays a compact listpack (Redis turns a hash with a value over 64 bytes into a
 *                                 hashtable, about 750 bytes more per message)
 *   P r:<ns>:<kind>:<name>:<client>  zset, ready copies of one channel, score (9 - priority) * 2^44 + seq
 *   P o:<ns>:<kind>:<name>        zset, ready copies by publishedAt (oldestReadyAt, a room over all members)
 *   P d                           zset, delayed copies by availableAt (all channels: the sweep reads it)
 *   P f                           zset, in-flight copies by ack deadline
 *   P x                           zset, ready or delayed copies with a TTL, by expiresAt
 *   P h:<holder>                  set, copies a holder has in flight
 *   P dl:<ns>:<kind>:<name>       zset, dead-lettered copies by deadLetteredAt
 *   P c:<ns>:<kind>:<name>        hash, counters: ready inFlight delayed deadLettered published acked redelivered
 *   P ch:<ns>:<kind>              set, declared names
 *   P k:<ns>:<kind>:<name>:<key>  string '<expiresAt>|<id>', dedup key (PX = the dedup window)
 *   P mem:<ns>:<room>  / P memof:<ns>:<client>   sets, durable memberships both ways
 *   P node:<instance>             string with PX, heartbeat of a live store instance (recoverAll)
 * Members of every zset and set above are `<ns>:<id>:<client>` (the message key without `P m:`).
 */
export const PRELUDE = `
local P = ARGV[1]
-- 2^44: (9 - priority) * 2^44 + seq stays an exact integer in a double (below 2^53) for 2^44 publishes.
local SEQ_SPAN = 17592186044416

local function enc(s)
  return (string.gsub(s, '[^%w%.%-_]', function(c) return string.format('%%%02X', string.byte(c)) end))
end
local function fmt(n) return string.format('%.0f', n) end
local function statsTag(ns, kind, name) return enc(ns) .. ':' .. kind .. ':' .. enc(name) end
local function msgMember(ns, id, client) return enc(ns) .. ':' .. enc(id) .. ':' .. enc(client) end
local function mkey(m) return P .. 'm:' .. m end
local function bkey(m) return P .. 'b:' .. m end
local function registryKey(ns, kind) return P .. 'ch:' .. enc(ns) .. ':' .. kind end

local FIELDS = {'ns', 'kind', 'name', 'client', 'id', 'ct', 'st', 'pri', 'seq', 'pub', 'exp', 'att', 'state', 'holder', 'own'}

-- The copy stored under member m as a table, or nil when there is none.
local function load(m)
  local v = redis.call('HMGET', mkey(m), unpack(FIELDS))
  if not v[13] then return nil end
  local r = { m = m }
  for i, f in ipairs(FIELDS) do r[f] = v[i] end
  r.pri = tonumber(r.pri)
  r.seq = tonumber(r.seq)
  r.pub = tonumber(r.pub)
  r.exp = tonumber(r.exp)
  r.att = tonumber(r.att)
  return r
end

-- Counter changes are summed here and written once per counter by flushCounts(), which every script
-- that changes state calls before it returns.
local DELTAS = {}
-- A copy's headers (JSON) and payload. A body that is missing, of another type or without its separator
-- is damaged: two empty strings, which the engine cannot decode and dead-letters as unreadable, instead of
-- an error that would fail the whole script and every copy claimed with it.
local function body(m)
  local b = redis.pcall('GET', bkey(m))
  if type(b) ~= 'string' then return '', '' end
  local nl = string.find(b, '\\n', 1, true)
  if not nl then return '', '' end
  return string.sub(b, 1, nl - 1), string.sub(b, nl + 1)
end

-- Deletes a copy for good (acked, purged).
local function drop(m) redis.call('DEL', mkey(m), bkey(m)) end

local function count(r, field, n)
  local d = DELTAS[r.st]
  if not d then
    d = {}
    DELTAS[r.st] = d
  end
  d[field] = (d[field] or 0) + n
end
local function flushCounts()
  for st, fields in pairs(DELTAS) do
    for field, n in pairs(fields) do
      if n ~= 0 then redis.call('HINCRBY', P .. 'c:' .. st, field, n) end
    end
  end
  DELTAS = {}
end

-- Takes a copy out of its state's index and count (every transition starts here).
local function leave(r)
  local s = r.state
  if s == 'ready' then
    redis.call('ZREM', P .. 'r:' .. r.ct, r.m)
    redis.call('ZREM', P .. 'o:' .. r.st, r.m)
    if r.exp > 0 then redis.call('ZREM', P .. 'x', r.m) end
  elseif s == 'delayed' then
    redis.call('ZREM', P .. 'd', r.m)
    if r.exp > 0 then redis.call('ZREM', P .. 'x', r.m) end
  elseif s == 'inFlight' then
    redis.call('ZREM', P .. 'f', r.m)
    redis.call('SREM', P .. 'h:' .. r.holder, r.m)
  else
    redis.call('ZREM', P .. 'dl:' .. r.st, r.m)
  end
  count(r, s, -1)
end

-- The indexes and count of a state; enterX also records the state on the copy (insert writes it itself).
local function indexReady(r)
  redis.call('ZADD', P .. 'r:' .. r.ct, (9 - r.pri) * SEQ_SPAN + r.seq, r.m)
  redis.call('ZADD', P .. 'o:' .. r.st, r.pub, r.m)
  if r.exp > 0 then redis.call('ZADD', P .. 'x', r.exp, r.m) end
  r.state = 'ready'
  count(r, 'ready', 1)
end

local function indexDelayed(r, at)
  redis.call('ZADD', P .. 'd', at, r.m)
  if r.exp > 0 then redis.call('ZADD', P .. 'x', r.exp, r.m) end
  r.state = 'delayed'
  count(r, 'delayed', 1)
end

local function enterReady(r)
  redis.call('HSET', mkey(r.m), 'state', 'ready')
  indexReady(r)
end

local function enterDelayed(r, at)
  redis.call('HSET', mkey(r.m), 'state', 'delayed')
  indexDelayed(r, at)
end

-- One more attempt: holder, owning store instance and deadline recorded.
local function enterInFlight(r, holder, own, deadline)
  r.att = r.att + 1
  redis.call('ZADD', P .. 'f', deadline, r.m)
  redis.call('SADD', P .. 'h:' .. holder, r.m)
  redis.call('HSET', mkey(r.m), 'state', 'inFlight', 'holder', holder, 'own', own, 'att', r.att)
  r.state = 'inFlight'
  r.holder = holder
  count(r, 'inFlight', 1)
  if r.att > 1 then count(r, 'redelivered', 1) end
end

local function enterDead(r, reason, now)
  redis.call('ZADD', P .. 'dl:' .. r.st, now, r.m)
  redis.call('HSET', mkey(r.m), 'state', 'deadLettered', 'reason', reason, 'deadAt', fmt(now))
  r.state = 'deadLettered'
  count(r, 'deadLettered', 1)
end

-- In flight back to ready, or delayed until availableAt, or dead-lettered after its last attempt.
local function release(r, now, availableAt, maxAttempts)
  leave(r)
  if r.att >= maxAttempts then enterDead(r, 'max-attempts', now)
  elseif availableAt > now then enterDelayed(r, availableAt)
  else enterReady(r) end
end

-- Stores a new copy. seq is its place in publish order (the caller reserves a block with INCRBY);
-- st and ct are statsTag(ns, kind, name) and the channel tag, worked out once per script.
local function insert(ns, kind, name, client, id, seq, st, ct, pri, delay, ttl, payload, headers, now)
  local r = {
    m = msgMember(ns, id, client), ns = ns, kind = kind, name = name, client = client, id = id,
    st = st, ct = ct, pri = pri, seq = seq, pub = now, exp = 0, att = 0,
  }
  if ttl > 0 then r.exp = now + ttl end
  local state = 'ready'
  if delay > 0 then state = 'delayed' end
  redis.call('HSET', mkey(r.m), 'ns', ns, 'kind', kind, 'name', name, 'client', client, 'id', id, 'ct', r.ct, 'st', st,
    'pri', pri, 'seq', r.seq, 'pub', fmt(now), 'exp', fmt(r.exp), 'att', 0, 'state', state)
  redis.call('SET', bkey(r.m), headers .. '\\n' .. payload)
  if delay > 0 then indexDelayed(r, now + delay) else indexReady(r) end
end

-- Dedup keys hold '<expiresAt>|<id>': the window is judged by the now passed in, PX only collects garbage.
local function dedupKey(ns, kind, name, key) return P .. 'k:' .. statsTag(ns, kind, name) .. ':' .. enc(key) end
local function knownKey(kk, now)
  local v = redis.call('GET', kk)
  if not v then return nil end
  local sep = string.find(v, '|', 1, true)
  if tonumber(string.sub(v, 1, sep - 1)) > now then return string.sub(v, sep + 1) end
  return nil
end
local function rememberKey(kk, id, now, window)
  redis.call('SET', kk, fmt(now + window) .. '|' .. id, 'PX', window)
end

-- Collects distinct channels (4 flat entries each: ns, kind, name, client) for a 'woken' answer.
local function channelSet()
  local seen, list = {}, {}
  local function add(r)
    if seen[r.ct] then return end
    seen[r.ct] = true
    list[#list + 1] = r.ns
    list[#list + 1] = r.kind
    list[#list + 1] = r.name
    list[#list + 1] = r.client
  end
  return add, list
end

local function bySeq(a, b) return a.seq < b.seq end
`;
