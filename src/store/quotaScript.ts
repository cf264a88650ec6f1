/**
 * The Redis store's one Lua script: decide, peek, settle, block and unblock, each one atomic step. It mirrors
 * src/quota/evaluate.ts line for line (the contract tests hold both to the same numbers).
 *
 * KEYS[1] the client's hash (or, for the global block ops 'B'/'U', the global block key); KEYS[2] the global
 * block key (unless ARGV[7] carries a cached value); KEYS[3..] the concurrency limits' sorted sets.
 * ARGV: 1 op ('d' decide, 'p' peek, 's' settle, 'b'/'u' block/unblock the client, 'B'/'U' everyone);
 * 2 now in ms, or '' for the server's TIME; 3 duration ms (block); 4 lease id or ''; 5 decidedAtMs or '';
 * 6 decide's deadline in ms on the script's clock, or '' (past it nothing is committed and the reply is
 * {now, 0, -1}: the caller has stopped waiting); 7 global block until (cluster mode) or ''; 8 number of
 * limits n; 9 number of hash fields m;
 * 10..9+m the hash fields of the limits in plan order (a fixed window has two, start and consumed; a bucket
 * one, its theoretical arrival time in 1/scale ms), so HMGET takes them straight from ARGV; then 5 per limit:
 * kind ('f', 't', 'c'), amount (-1: the limit does not apply; settle: the refund), p1, p2, p3 where
 * 'f' = limit, windowMs, align (0 clock, 1 first request); 't' = burst, increment, scale; 'c' = max, leaseMs,
 * index of its key. Field 'b' holds the client's block. Every stored value is an integer.
 * The hash's TTL is set to when its latest state stops mattering, over the plan's limits and the block (state
 * of limits of another plan sharing the hash may expire with it).
 * Reply (decide/peek): now, blockedUntil, leaseTaken, then 7 per limit: applies, remaining, consumed,
 * resetAtMs, first, refusal, retryMs.
 */
export const QUOTA_SCRIPT = `
local tonumber, call, floor, ceil, max = tonumber, redis.call, math.floor, math.ceil, math.max
local argv = ARGV
local op = argv[1]
local now
if argv[2] ~= '' then
  now = tonumber(argv[2])
else
  local t = call('TIME')
  now = tonumber(t[1]) * 1000 + floor(tonumber(t[2]) / 1000)
end
if op == 'd' and argv[6] ~= '' and now > tonumber(argv[6]) then return {now, 0, -1} end
local key = KEYS[1]
-- TTLs outlive the state by a second: harmless, and a test clock (ARGV[2]) may lag Redis's own a little.
local grace = 1000

if op == 'B' then
  local d = tonumber(argv[3])
  call('SET', key, now + d, 'PX', d)
  return {now}
elseif op == 'U' then
  call('DEL', key)
  return {now}
elseif op == 'b' then
  local d = tonumber(argv[3])
  call('HSET', key, 'b', now + d)
  if call('PTTL', key) < d + grace then call('PEXPIRE', key, d + grace) end
  return {now}
elseif op == 'u' then
  call('HDEL', key, 'b')
  return {now}
end

local n, m = tonumber(argv[8]), tonumber(argv[9])
local base = 9 + m
local vals = call('HMGET', key, 'b', unpack(argv, 10, base))

if op == 's' then
  local decidedAt = tonumber(argv[5])
  local lease = argv[4]
  local vi = 2
  local writes = {}
  for i = 1, n do
    local a = base + (i - 1) * 5
    local kind, refund = argv[a + 1], tonumber(argv[a + 2])
    local p1, p2, p3 = tonumber(argv[a + 3]), tonumber(argv[a + 4]), tonumber(argv[a + 5])
    if kind == 'f' then
      local start, used = tonumber(vals[vi]), tonumber(vals[vi + 1])
      vi = vi + 2
      if refund > 0 and decidedAt and start and used then
        local current = start
        if p3 == 0 then current = now - (now % p2) end
        if start == current and now < start + p2 and decidedAt >= start and decidedAt < start + p2 then
          writes[#writes + 1] = argv[7 + vi]
          writes[#writes + 1] = max(0, used - refund)
        end
      end
    elseif kind == 't' then
      local tat = tonumber(vals[vi])
      vi = vi + 1
      if refund > 0 and tat then
        writes[#writes + 1] = argv[7 + vi]
        writes[#writes + 1] = max(now * p3, tat - refund * p2)
      end
    elseif lease ~= '' then
      call('ZREM', KEYS[p3], lease)
    end
  end
  if #writes > 0 then call('HSET', key, unpack(writes)) end
  return {now}
end

local blocked = tonumber(vals[1]) or 0
local globalUntil
if argv[7] ~= '' then globalUntil = tonumber(argv[7]) else globalUntil = tonumber(call('GET', KEYS[2])) or 0 end
if globalUntil > blocked then blocked = globalUntil end
if blocked <= now then blocked = 0 end

local out = {now, blocked, 0}
local keep = {}
local admitted = true
-- When the hash may expire: the latest time any of its state still matters.
local expires = blocked
local vi = 2
for i = 1, n do
  local a = base + (i - 1) * 5
  local kind, amount = argv[a + 1], tonumber(argv[a + 2])
  local p1, p2, p3 = tonumber(argv[a + 3]), tonumber(argv[a + 4]), tonumber(argv[a + 5])
  local applies = 1
  if amount < 0 then applies = 0; amount = 0 end
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
    if used > 0 and reset > expires then expires = reset end
    keep[i] = start
  elseif kind == 't' then
    local nowu = now * p3
    local tat = tonumber(vals[vi]) or 0
    vi = vi + 1
    if tat < nowu then tat = nowu end
    local capacity = p1 * p2
    local nxt = tat + amount * p2
    if amount > p1 then refusal = 2
    elseif nxt - nowu > capacity then refusal = 1; retry = ceil((nxt - capacity - nowu) / p3) end
    remaining = floor((nowu + capacity - tat) / p2); consumed = p1 - remaining; reset = ceil(tat / p3)
    if reset > expires then expires = reset end
    keep[i] = tat
  else
    local zkey = KEYS[p3]
    local live = call('ZCOUNT', zkey, '(' .. now, '+inf')
    local earliest = now
    if live > 0 then
      earliest = tonumber(call('ZRANGEBYSCORE', zkey, '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2])
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
local lease = argv[4]
local fi = 10
for i = 1, n do
  local a = base + (i - 1) * 5
  local kind, amount = argv[a + 1], tonumber(argv[a + 2])
  local o = 3 + (i - 1) * 7
  local field = fi
  if kind == 'f' then fi = fi + 2 elseif kind == 't' then fi = fi + 1 end
  if amount > 0 then
    local p1, p2, p3 = tonumber(argv[a + 3]), tonumber(argv[a + 4]), tonumber(argv[a + 5])
    if kind == 'f' then
      if out[o + 3] == 0 then out[o + 5] = 1 end
      out[o + 3] = out[o + 3] + amount
      out[o + 2] = out[o + 2] - amount
      writes[#writes + 1] = argv[field]
      writes[#writes + 1] = keep[i]
      writes[#writes + 1] = argv[field + 1]
      writes[#writes + 1] = out[o + 3]
      if out[o + 4] > expires then expires = out[o + 4] end
    elseif kind == 't' then
      local nowu = now * p3
      local nxt = keep[i] + amount * p2
      if keep[i] == nowu then out[o + 5] = 1 end
      out[o + 2] = floor((nowu + p1 * p2 - nxt) / p2)
      out[o + 3] = p1 - out[o + 2]
      out[o + 4] = ceil(nxt / p3)
      writes[#writes + 1] = argv[field]
      writes[#writes + 1] = nxt
      if out[o + 4] > expires then expires = out[o + 4] end
    else
      local zkey = KEYS[p3]
      call('ZREMRANGEBYSCORE', zkey, '-inf', now)
      call('ZADD', zkey, now + p2, lease)
      call('PEXPIRE', zkey, p2 + grace)
      if out[o + 3] == 0 then out[o + 5] = 1; out[o + 4] = now + p2 end
      out[o + 3] = out[o + 3] + 1
      out[o + 2] = out[o + 2] - 1
      out[3] = 1
    end
  end
end
if #writes > 0 then
  call('HSET', key, unpack(writes))
  -- Every limit of the plan was read above, so this is the latest moment any of them still matters.
  if expires > now then call('PEXPIRE', key, expires - now + grace) end
end
return out
`;
