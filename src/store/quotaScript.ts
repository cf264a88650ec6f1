/**
 * The Redis store's one Lua script: decide, peek, settle, block and unblock, each one atomic step. It mirrors
 * src/quota/arithmetic.ts (the contract tests hold both to the same numbers) and applies the amounts that
 * `limitCharge`/`limitRefund` computed (chargeAgreement.test.ts holds it to them).
 *
 * KEYS[1] the client's hash (or, for the global block ops 'B'/'U', the global block key); KEYS[2] the global
 * block key (unless ARGV[7] carries a cached value); KEYS[3..] the concurrency limits' sorted sets.
 * ARGV: 1 op ('d' decide, 'p' peek, 's' settle, 'b'/'u' block/unblock the client, 'B'/'U' everyone, 'R' the
self-check: replies {now, global block until}; 'M' a batch of the others, see the end of the script);
 * 2 now in ms, or '' for the server's TIME; 3 duration ms (block); 4 lease id or ''; 5 decidedAtMs or '';
 * 6 decide's deadline in ms on the script's clock, or '' (past it nothing is committed and the reply is
 * {now, 0, -1}: the caller has stopped waiting); 7 global block until (cluster mode) or ''; 8 number of
 * limits n; 9 number of hash fields m;
 * 10..9+m the hash fields of the limits in plan order (a fixed window has two, start and consumed; a bucket
 * one, its theoretical arrival time in 1/scale ms), so HMGET takes them straight from ARGV; then 5 per limit:
 * kind ('f', 't', 'c'), amount (-1: the limit does not apply; settle: the refund), p1, p2, p3 where
 * 'f' = limit, windowMs, align (0 clock, 1 first request); 't' = burst, increment, scale; 'c' = max, leaseMs,
 * index of its key. Field 'b' holds the client's block. Every stored value is an integer. A settle that
 * refunds nothing may list only its concurrency limits, with no hash fields (m = 0).
 *
 * Reply (decide/peek): now, blockedUntil (0 unless blocked), leaseTaken, then 3 per limit: consumed, resetAtMs,
 * retryMs (above 0 exactly when the limit refuses for want of room now). The caller derives the rest from
 * each limit's size and the amount it sent: remaining = limit - consumed (bucket: consumed = burst -
 * remaining); an amount above the limit is refused as exceeding capacity (retryMs 0); a committed decision is
 * the first in its window (full bucket, empty set) exactly when consumed = amount. Settle replies an empty
 * array, block and unblock {now}.
 *
 * Global limits (issue 10; kind 'g', the blocks marked GLOBAL): a clock-aligned window shared by every client,
 * in its own hash KEYS[k] with fields s (window start), c (everyone's consumption), n (clients that used the
 * window) and, per client, the client's hash key (its own use of the window). Its 5 arguments are 'g',
 * amount, p1 = refusal line (ceiling), p2 = windowMs, p3 = 'k:limit:fairLine' or 'k:limit:fairLine:client'
 * (fairLine -1: no fair share; the client's field is KEYS[1] unless named there); it has no field in the
 * client's hash. In cluster mode a global limit lives in another slot than the client's: RedisStore then
 * decides it in a call of its own on its key (KEYS[1], the client named in p3), and the client's call marks
 * it with amount -2, which reads and writes nothing (its numbers in the reply are 0). A new window deletes the hash first (its clients' fields are the last
 * window's). The reply carries 2 more numbers per global limit after all limits, in plan order: the client's
 * own use of the window and the number of clients that used it, this one included (after the commit when
 * committed), from which the caller computes what the client may still use (quota's `globalRemaining`).
 * Soft limits need nothing here: their p1 is the refusal line, and the caller reports against the soft line.
 *
 * TTLs: a key's TTL always covers the moment its state stops mattering, plus a second. A limit's state
 * matters until its window ends (if anything is counted in it) or its bucket is full again, a block until it
 * ends, a lease until it expires. Only a write that makes the hash's state matter longer than its stored state
 * already did may need a PEXPIRE, and then only if PTTL falls short: the TTL is never shortened (state of
 * another plan may share the hash), and a bucket's is extended by one refill from empty to full more, so that
 * a steady client needs it about once per refill; that slack is all a TTL may exceed its state's lifetime by.
 *
 * Server time is what this script is tuned for (it runs once per operation). In Redis's Lua the dear steps are
 * redis.call(), tonumber() and every Lua number passed to redis.call() (it is formatted to a string), so
 * arguments are parsed once and with x + 0 (Lua 5.1's tonumber() converts twice; the arguments are integers
 * RedisStore wrote), stored values with tonumber() (anything else reads as absent), unchanged fields are not
 * rewritten, a lease release reads neither the clock nor the hash, and the reply carries only what the caller
 * cannot derive.
 */
export const QUOTA_SCRIPT = `
local call, floor, ceil, max = redis.call, math.floor, math.ceil, math.max

-- One operation: keys and argv as described above (KEYS and ARGV of a single call).
local function run(keys, argv)
local op = argv[1]
local key = keys[1]
-- TTLs outlive the state by a second: harmless, and a test clock (ARGV[2]) may lag Redis's own a little.
local grace = 1000
local n, base

if op == 's' then
  n, base = argv[8] + 0, 9 + argv[9]
  local lease, refunds = argv[4], false
  for a = base + 1, base + n * 5, 5 do
    if argv[a] == 'c' then
      if lease ~= '' then call('ZREM', keys[argv[a + 4] + 0], lease) end
    elseif argv[a + 1] + 0 > 0 then
      refunds = true
    end
  end
  -- Releasing a lease needs neither the time nor the hash.
  if not refunds then return {} end
end

local now
if argv[2] ~= '' then
  now = argv[2] + 0
else
  local t = call('TIME')
  now = t[1] * 1000 + floor(t[2] / 1000)
end

if op == 's' then
  local decidedAt = tonumber(argv[5])
  local vals = {}
  if base >= 10 then vals = call('HMGET', key, unpack(argv, 10, base)) end
  local writes = {}
  local vi = 1
  for a = base + 1, base + n * 5, 5 do
    local kind = argv[a]
    if kind == 'f' then
      local refund, start, used = argv[a + 1] + 0, tonumber(vals[vi]), tonumber(vals[vi + 1])
      if refund > 0 and decidedAt and start and used then
        local windowMs = argv[a + 3] + 0
        local current = start
        if argv[a + 4] == '0' then current = now - (now % windowMs) end
        if start == current and now < start + windowMs and decidedAt >= start and decidedAt < start + windowMs then
          writes[#writes + 1] = argv[10 + vi]
          writes[#writes + 1] = max(0, used - refund)
        end
      end
      vi = vi + 2
    elseif kind == 't' then
      local refund, tat = argv[a + 1] + 0, tonumber(vals[vi])
      if refund > 0 and tat then
        writes[#writes + 1] = argv[9 + vi]
        writes[#writes + 1] = max(now * argv[a + 4], tat - refund * argv[a + 3])
      end
      vi = vi + 1
    elseif kind == 'g' then
      -- GLOBAL: give back at most what this client put into the window, if it is still the decision's.
      local refund = argv[a + 1] + 0
      if refund > 0 and decidedAt then
        local k, who = string.match(argv[a + 4], '^(%d+):%d+:%-?%d+:?(.*)$')
        if who == '' then who = key end
        local gkey = keys[k + 0]
        local g = call('HMGET', gkey, 's', 'c', who)
        local start, used, mine = tonumber(g[1]), tonumber(g[2]), tonumber(g[3])
        local windowMs = argv[a + 3] + 0
        if start and used and mine and mine > 0 and start == now - (now % windowMs) and decidedAt >= start then
          local back = refund
          if mine < back then back = mine end
          call('HSET', gkey, 'c', max(0, used - back), who, mine - back)
        end
      end
    end
  end
  if #writes > 0 then call('HSET', key, unpack(writes)) end
  return {}
end

if op == 'd' and argv[6] ~= '' and now > argv[6] + 0 then return {now, 0, -1} end

-- The store's start-up self-check: the script runs, the reply has the expected shape, and it carries the
-- server's clock and the global block (keys[1] is the global block key).
if op == 'R' then return {now, tonumber(call('GET', key)) or 0} end

if op == 'B' then
  local d = argv[3] + 0
  call('SET', key, now + d, 'PX', d)
  return {now}
elseif op == 'U' then
  call('DEL', key)
  return {now}
elseif op == 'b' then
  local d = argv[3] + 0
  call('HSET', key, 'b', now + d)
  if call('PTTL', key) < d + grace then call('PEXPIRE', key, d + grace) end
  return {now}
elseif op == 'u' then
  call('HDEL', key, 'b')
  return {now}
end

n, base = argv[8] + 0, 9 + argv[9]
local vals = call('HMGET', key, 'b', unpack(argv, 10, base))
local blocked = tonumber(vals[1]) or 0
local globalUntil
if argv[7] ~= '' then globalUntil = argv[7] + 0 else globalUntil = tonumber(call('GET', keys[2])) or 0 end
if globalUntil > blocked then blocked = globalUntil end
if blocked <= now then blocked = 0 end

local out = {now, blocked, 0}
local admitted = true
-- GLOBAL: per global limit {key, window current, client's use or false, clients, client field} (false when
-- decided elsewhere); and the reply's
-- 2 extra numbers per global limit, appended after every limit's 3.
local globals, extra = {}, {}
-- Until when the hash's TTL runs at least: the latest moment its stored state (of this plan) matters.
local covered = 0
-- Whether a concurrency set holds expired leases (never released), to be removed on commit.
local stale = false
local vi, o = 2, 3
for a = base + 1, base + n * 5, 5 do
  local kind, amount, p1, p2 = argv[a], argv[a + 1] + 0, argv[a + 2] + 0, argv[a + 3] + 0
  if amount < 0 then amount = 0 end
  local retry, consumed, reset = 0, 0, 0
  if kind == 'f' then
    local start, used = tonumber(vals[vi]) or 0, tonumber(vals[vi + 1]) or 0
    vi = vi + 2
    if used > 0 and start + p2 > covered then covered = start + p2 end
    if argv[a + 4] == '0' then
      local current = now - (now % p2)
      if start ~= current then start = current; used = 0 end
    elseif now >= start + p2 then
      start = now; used = 0
    end
    if amount > p1 then admitted = false
    elseif used + amount > p1 then admitted = false; retry = start + p2 - now end
    consumed = used; reset = start + p2
  elseif kind == 't' then
    local p3 = argv[a + 4] + 0
    local nowu = now * p3
    local tat = tonumber(vals[vi]) or 0
    vi = vi + 1
    reset = ceil(tat / p3)
    if reset > covered then covered = reset end
    if tat < nowu then tat = nowu; reset = now end
    local capacity = p1 * p2
    local nxt = tat + amount * p2
    if amount > p1 then admitted = false
    elseif nxt - nowu > capacity then admitted = false; retry = ceil((nxt - capacity - nowu) / p3) end
    consumed = p1 - floor((nowu + capacity - tat) / p2)
  elseif kind == 'g' and argv[a + 1] == '-2' then
    -- GLOBAL, decided in a call of its own (cluster mode): nothing to read here.
    globals[#globals + 1] = false
    extra[#extra + 1] = 0; extra[#extra + 1] = 0
  elseif kind == 'g' then
    -- GLOBAL: everyone's window, then this client's fair share once the window is tight.
    local k, line, fair, who = string.match(argv[a + 4], '^(%d+):(%d+):(-?%d+):?(.*)$')
    if who == '' then who = key end
    local gkey = keys[k + 0]
    local g = call('HMGET', gkey, 's', 'c', 'n', who)
    local start = now - (now % p2)
    local used, clients, mine = 0, 0, false
    if tonumber(g[1]) == start then
      used = tonumber(g[2]) or 0; clients = tonumber(g[3]) or 0; mine = tonumber(g[4])
    end
    if not mine then clients = clients + 1 end
    if amount > p1 then admitted = false
    elseif used + amount > p1 then admitted = false; retry = start + p2 - now
    elseif fair + 0 >= 0 and amount > 0 and used + amount > fair + 0 then
      if (mine or 0) + amount > floor((line + 0) / clients) then admitted = false; retry = start + p2 - now end
    end
    consumed = used; reset = start + p2
    globals[#globals + 1] = {gkey, tonumber(g[1]) == start, mine, clients, who}
    extra[#extra + 1] = mine or 0; extra[#extra + 1] = clients
  else
    local zkey = keys[argv[a + 4] + 0]
    local live = call('ZCARD', zkey)
    local earliest = now
    if live > 0 then
      earliest = call('ZRANGE', zkey, 0, 0, 'WITHSCORES')[2] + 0
      if earliest <= now then
        stale = true
        live = call('ZCOUNT', zkey, '(' .. now, '+inf')
        earliest = now
        if live > 0 then
          earliest = call('ZRANGEBYSCORE', zkey, '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)[2] + 0
        end
      end
    end
    if live + amount > p1 then admitted = false; retry = earliest - now end
    consumed = live; reset = earliest
  end
  out[o + 1] = consumed; out[o + 2] = reset; out[o + 3] = retry
  o = o + 3
end
local extraAt = o
for i = 1, #extra do out[extraAt + i] = extra[i] end
if op ~= 'd' or blocked > 0 or not admitted then return out end

-- The commit reads each limit again from ARGV and the reply so far, cheaper than keeping it in a table.
local writes, w = {}, 0
local lease = argv[4]
-- The latest moment the state written here matters, and until when to extend the TTL if it must grow.
local expires, extend = 0, 0
vi, o = 2, 3
local gi = 0
for a = base + 1, base + n * 5, 5 do
  local kind, amount = argv[a], argv[a + 1] + 0
  if kind == 'g' then
    -- GLOBAL: commit to everyone's window and to this client's share of it.
    gi = gi + 1
    if amount > 0 then
      local gl = globals[gi]
      local windowMs = argv[a + 3] + 0
      local start = now - (now % windowMs)
      local used = out[o + 1] + amount
      local mine = (gl[3] or 0) + amount
      if not gl[2] then call('DEL', gl[1]) end
      call('HSET', gl[1], 's', start, 'c', used, 'n', gl[4], gl[5], mine)
      if not gl[2] then call('PEXPIRE', gl[1], start + windowMs - now + grace) end
      out[o + 1] = used
      out[extraAt + 2 * gi - 1] = mine
    end
  elseif kind == 'f' then
    if amount > 0 then
      local used, reset = out[o + 1] + amount, out[o + 2]
      local start = reset - argv[a + 3]
      out[o + 1] = used
      -- The start is written only when the window moved on.
      if tonumber(vals[vi]) ~= start then
        writes[w + 1] = argv[8 + vi]; writes[w + 2] = start; w = w + 2
      end
      writes[w + 1] = argv[9 + vi]; writes[w + 2] = used; w = w + 2
      if reset > expires then expires = reset end
    end
    vi = vi + 2
  elseif kind == 't' then
    if amount > 0 then
      local p1, p2, p3 = argv[a + 2] + 0, argv[a + 3] + 0, argv[a + 4] + 0
      local nowu = now * p3
      local tat = tonumber(vals[vi]) or 0
      if tat < nowu then tat = nowu end
      local nxt = tat + amount * p2
      local reset = ceil(nxt / p3)
      out[o + 1] = p1 - floor((nowu + p1 * p2 - nxt) / p2); out[o + 2] = reset
      writes[w + 1] = argv[8 + vi]; writes[w + 2] = nxt; w = w + 2
      if reset > expires then expires = reset end
      -- Every request makes a bucket's state matter a little longer: see TTLs above.
      local later = reset + ceil(p1 * p2 / p3)
      if later > extend then extend = later end
    end
    vi = vi + 1
  elseif amount > 0 then
    local p2 = argv[a + 3] + 0
    local zkey = keys[argv[a + 4] + 0]
    if stale then call('ZREMRANGEBYSCORE', zkey, '-inf', now) end
    call('ZADD', zkey, now + p2, lease)
    -- Plans sharing a limit name share the set: a longer lease already in it must keep its TTL.
    if call('PTTL', zkey) < p2 + grace then call('PEXPIRE', zkey, p2 + grace) end
    if out[o + 1] == 0 then out[o + 2] = now + p2 end
    out[o + 1] = out[o + 1] + 1
    out[3] = 1
  end
  o = o + 3
end
if w > 0 then
  call('HSET', key, unpack(writes))
  -- The TTL only ever grows (state of another plan may share the hash), and only when it must.
  if expires > covered then
    if expires > extend then extend = expires end
    if call('PTTL', key) < expires - now + grace then call('PEXPIRE', key, extend - now + grace) end
  end
end
return out
end

-- A batch ('M'): ARGV[2] operations, each given as its number of keys and of arguments, then those
-- arguments; its keys follow the previous ones' in KEYS. Each runs as it would alone; the reply lists theirs.
-- The clock and the global block are read once for the whole batch: it runs at one instant anyway.
if ARGV[1] ~= 'M' then return run(KEYS, ARGV) end
local replies, ki, ai = {}, 1, 3
local now, global
for i = 1, ARGV[2] + 0 do
  local nk, na = ARGV[ai] + 0, ARGV[ai + 1] + 0
  local argv = {unpack(ARGV, ai + 2, ai + 1 + na)}
  if argv[2] == '' and argv[1] ~= 's' then
    if not now then
      local t = call('TIME')
      now = tostring(t[1] * 1000 + floor(t[2] / 1000))
    end
    argv[2] = now
  end
  if argv[7] == '' and (argv[1] == 'd' or argv[1] == 'p') then
    global = global or tostring(tonumber(call('GET', KEYS[ki + 1])) or 0)
    argv[7] = global
  end
  replies[i] = run({unpack(KEYS, ki, ki + nk - 1)}, argv)
  ki, ai = ki + nk, ai + 2 + na
end
return replies
`;
