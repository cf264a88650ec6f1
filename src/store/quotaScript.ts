/**
 * The Redis store's one Lua script: decide, peek, settle, block and unblock, each one atomic step. It mirrors
 * src/quota/evaluate.ts line for line (the contract tests hold both to the same numbers).
 *
 * KEYS[1] the client's hash (or, for the global block ops 'B'/'U', the global block key); KEYS[2] the global
 * block key (unless ARGV[7] carries a cached value); KEYS[3..] the concurrency limits' sorted sets.
 * ARGV: 1 op ('d' decide, 'p' peek, 's' settle, 'b'/'u' block/unblock the client, 'B'/'U' everyone);
 * 2 now in ms, or '' for the server's TIME; 3 duration ms (block); 4 lease id or ''; 5 decidedAtMs or '';
 * 6 unused; 7 global block until (cluster mode) or ''; 8 number of limits; then 6 per limit: kind
 * ('f', 't', 'c'), field, amount (-1: the limit does not apply; settle: the refund), p1, p2, p3 where
 * 'f' = limit, windowMs, align (0 clock, 1 first request); 't' = burst, increment, scale; 'c' = max, leaseMs,
 * index of its key.
 * Hash fields: 'b' the client's block; per fixed window `<field>:s` (start) and `<field>:c` (consumed); per
 * bucket `<field>` (theoretical arrival time, in 1/scale ms). Every value is an integer.
 * Reply (decide/peek): now, blockedUntil, leaseTaken, then 7 per limit: applies, remaining, consumed,
 * resetAtMs, first, refusal, retryMs.
 */
export const QUOTA_SCRIPT = `
local op = ARGV[1]
local now
if ARGV[2] ~= '' then
  now = tonumber(ARGV[2])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local key = KEYS[1]

local function extend(k, ttl)
  if ttl > 0 and redis.call('PTTL', k) < ttl then redis.call('PEXPIRE', k, ttl) end
end

if op == 'B' then
  local d = tonumber(ARGV[3])
  redis.call('SET', key, now + d, 'PX', d)
  return {now}
elseif op == 'U' then
  redis.call('DEL', key)
  return {now}
elseif op == 'b' then
  local d = tonumber(ARGV[3])
  redis.call('HSET', key, 'b', now + d)
  extend(key, d)
  return {now}
elseif op == 'u' then
  redis.call('HDEL', key, 'b')
  return {now}
end

local n = tonumber(ARGV[8])
local fields = {'b'}
for i = 1, n do
  local a = 8 + (i - 1) * 6
  local kind = ARGV[a + 1]
  if kind == 'f' then
    fields[#fields + 1] = ARGV[a + 2] .. ':s'
    fields[#fields + 1] = ARGV[a + 2] .. ':c'
  elseif kind == 't' then
    fields[#fields + 1] = ARGV[a + 2]
  end
end
local vals = redis.call('HMGET', key, unpack(fields))

if op == 's' then
  local decidedAt = tonumber(ARGV[5])
  local lease = ARGV[4]
  local vi = 2
  local writes = {}
  for i = 1, n do
    local a = 8 + (i - 1) * 6
    local kind = ARGV[a + 1]
    local refund = tonumber(ARGV[a + 3])
    local p1, p2, p3 = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
    if kind == 'f' then
      local start, used = tonumber(vals[vi]), tonumber(vals[vi + 1])
      vi = vi + 2
      if refund > 0 and decidedAt and start and used then
        local current = start
        if p3 == 0 then current = now - (now % p2) end
        if start == current and now < start + p2 and decidedAt >= start and decidedAt < start + p2 then
          writes[#writes + 1] = ARGV[a + 2] .. ':c'
          writes[#writes + 1] = math.max(0, used - refund)
        end
      end
    elseif kind == 't' then
      local tat = tonumber(vals[vi])
      vi = vi + 1
      if refund > 0 and tat then
        writes[#writes + 1] = ARGV[a + 2]
        writes[#writes + 1] = math.max(now * p3, tat - refund * p2)
      end
    elseif lease ~= '' then
      redis.call('ZREM', KEYS[p3], lease)
    end
  end
  if #writes > 0 then redis.call('HSET', key, unpack(writes)) end
  return {now}
end

local blocked = tonumber(vals[1]) or 0
local globalUntil
if ARGV[7] ~= '' then globalUntil = tonumber(ARGV[7]) else globalUntil = tonumber(redis.call('GET', KEYS[2])) or 0 end
if globalUntil > blocked then blocked = globalUntil end
if blocked <= now then blocked = 0 end

local out = {now, blocked, 0}
local keep = {}
local admitted = true
local vi = 2
for i = 1, n do
  local a = 8 + (i - 1) * 6
  local kind = ARGV[a + 1]
  local amount = tonumber(ARGV[a + 3])
  local applies = 1
  if amount < 0 then applies = 0; amount = 0 end
  local p1, p2, p3 = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
  local refusal, retry, remaining, consumed, reset = 0, 0, 0, 0, 0
  if kind == 'f' then
    local start, used = tonumber(vals[vi]) or 0, tonumber(vals[vi + 1]) or 0
    vi = vi + 2
    if p3 == 0 then
      local current = now - (now % p2)
      if start ~= current then start = current; used = 0 end
    elseif now >= start + p2 then
      start = now; used = 0
    end
    if amount > p1 then refusal = 2
    elseif used + amount > p1 then refusal = 1; retry = start + p2 - now end
    remaining = p1 - used; consumed = used; reset = start + p2
    keep[i] = start
  elseif kind == 't' then
    local nowu = now * p3
    local tat = tonumber(vals[vi]) or 0
    vi = vi + 1
    if tat < nowu then tat = nowu end
    local capacity = p1 * p2
    local nxt = tat + amount * p2
    if amount > p1 then refusal = 2
    elseif nxt - nowu > capacity then refusal = 1; retry = math.ceil((nxt - capacity - nowu) / p3) end
    remaining = math.floor((nowu + capacity - tat) / p2); consumed = p1 - remaining; reset = math.ceil(tat / p3)
    keep[i] = tat
  else
    local zkey = KEYS[p3]
    local live = redis.call('ZCOUNT', zkey, '(' .. now, '+inf')
    local earliest = now
    if live > 0 then
      earliest = tonumber(redis.call('ZRANGEBYSCORE', zkey, '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2])
    end
    if live + amount > p1 then refusal = 1; retry = earliest - now end
    remaining = p1 - live; consumed = live; reset = earliest
  end
  if refusal ~= 0 then admitted = false end
  local o = 3 + (i - 1) * 7
  out[o + 1] = applies; out[o + 2] = remaining; out[o + 3] = consumed; out[o + 4] = reset
  out[o + 5] = 0; out[o + 6] = refusal; out[o + 7] = retry
end
if op ~= 'd' or blocked > 0 or not admitted then return out end

local writes = {}
local expires = 0
local lease = ARGV[4]
for i = 1, n do
  local a = 8 + (i - 1) * 6
  local kind = ARGV[a + 1]
  local amount = tonumber(ARGV[a + 3])
  local o = 3 + (i - 1) * 7
  if amount > 0 then
    local p1, p2, p3 = tonumber(ARGV[a + 4]), tonumber(ARGV[a + 5]), tonumber(ARGV[a + 6])
    if kind == 'f' then
      if out[o + 3] == 0 then out[o + 5] = 1 end
      out[o + 3] = out[o + 3] + amount
      out[o + 2] = out[o + 2] - amount
      writes[#writes + 1] = ARGV[a + 2] .. ':s'
      writes[#writes + 1] = keep[i]
      writes[#writes + 1] = ARGV[a + 2] .. ':c'
      writes[#writes + 1] = out[o + 3]
      if out[o + 4] > expires then expires = out[o + 4] end
    elseif kind == 't' then
      local nowu = now * p3
      local nxt = keep[i] + amount * p2
      if keep[i] == nowu then out[o + 5] = 1 end
      out[o + 2] = math.floor((nowu + p1 * p2 - nxt) / p2)
      out[o + 3] = p1 - out[o + 2]
      out[o + 4] = math.ceil(nxt / p3)
      writes[#writes + 1] = ARGV[a + 2]
      writes[#writes + 1] = nxt
      if out[o + 4] > expires then expires = out[o + 4] end
    else
      local zkey = KEYS[p3]
      redis.call('ZREMRANGEBYSCORE', zkey, '-inf', now)
      redis.call('ZADD', zkey, now + p2, lease)
      redis.call('PEXPIRE', zkey, p2)
      if out[o + 3] == 0 then out[o + 5] = 1; out[o + 4] = now + p2 end
      out[o + 3] = out[o + 3] + 1
      out[o + 2] = out[o + 2] - 1
      out[3] = 1
    end
  end
end
if #writes > 0 then
  redis.call('HSET', key, unpack(writes))
  extend(key, expires - now)
end
return out
`;
