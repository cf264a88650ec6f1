/**
 * The Redis store's one Lua script: decide, peek, settle, block and unblock, each one atomic step. It mirrors
 * src/quota/arithmetic.ts (the contract tests hold both to the same numbers) and applies the amounts that
 * `limitCharge`/`limitRefund` computed (chargeAgreement.test.ts holds it to them).
 *
 * KEYS[1] the client's hash (or, for the global block ops 'B'/'U' and the self-check 'R', the global block
 * key); KEYS[2] the global block key (unless ARGV[7] carries a cached value); KEYS[3..] the concurrency
 * limits' sorted sets, then the global limits' hashes.
 * ARGV: 1 op ('d' decide, 'p' peek, 's' settle, 'b'/'u' block/unblock the client, 'B'/'U' everyone, 'R' the
 * self-check: replies {now, global block until}; 'M' a batch of the others, see the end of the script);
 * 2 now in ms, or '' for the server's TIME; 3 duration ms (block); 4 lease id or ''; 5 decidedAtMs or '';
 * 6 decide's deadline in ms on the script's clock, or '' (past it nothing is committed and the reply is
 * {now, 0, -1}: the caller has stopped waiting); 7 global block until (cluster mode) or ''; 8 (decide, peek,
 * settle) S, the index in ARGV of the plan block; 9..8+n each limit's amount in plan order (-1: the limit does
 * not apply; settle: the refund).
 * The plan block (the same for every call of a plan, so a batch sends it once for all its operations of that
 * plan): ARGV[S] the number of limits n, ARGV[S+1] the number of hash fields m, then the m hash fields of the
 * limits in plan order (a fixed window has two, start and consumed; a bucket one, its theoretical arrival
 * time in 1/scale ms), so HMGET takes them straight from ARGV; then 4 per limit: kind ('f', 't', 'c', 'g'),
 * p1, p2, p3 where 'f' = limit, windowMs, align (0 clock, 1 first request); 't' = burst, increment, scale;
 * 'c' = max, leaseMs, index of its key. Field 'b' holds the client's block. Every stored value is an integer.
 * A settle that refunds nothing may send a plan block of only its concurrency limits, with no hash fields
 * (m = 0).
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
 * window) and, per client, the client's hash key (its own use of the window). Its 4 arguments are 'g',
 * p1 = refusal line (ceiling), p2 = windowMs, p3 = 'k:limit:fairLine' or 'k:limit:fairLine:client'
 * (fairLine -1: no fair share; the client's field is KEYS[1] unless named there); it has no field in the
 * client's hash. In cluster mode a global limit lives in another slot than the client's: RedisStore then
 * decides it in a call of its own on its key (KEYS[1], the client named in p3), and the client's call marks
 * it with amount -2, which reads and writes nothing (its numbers in the reply are 0). A new window deletes the
 * hash first (its clients' fields are the last window's). The reply carries 2 more numbers per global limit
 * after all limits, in plan order: the client's own use of the window and the number of clients that used it,
 * this one included (after the commit when committed), from which the caller computes what the client may
 * still use (quota's `globalRemaining`). Soft limits need nothing here: their p1 is the refusal line, and the
 * caller reports against the soft line.
 *
 * TTLs: a key's TTL always covers the moment its state stops mattering, plus a second. A limit's state
 * matters until its window ends (if anything is counted in it) or its bucket is full again, a block until it
 * ends, a lease until it expires. Only a write that makes the hash's state matter longer than its stored state
 * already did may need a PEXPIRE, and then only if PTTL falls short: the TTL is never shortened (state of
 * another plan may share the hash), and a bucket's is extended by one refill from empty to full more, so that
 * a steady client needs it about once per refill; that slack is all a TTL may exceed its state's lifetime by.
 * A concurrency set that held no live lease holds only the new one after the commit: its TTL is set without
 * reading it first.
 *
 * Server time is what this script is tuned for (it runs once per operation). In Redis's Lua the dear steps are
 * redis.call(), tables (each one allocated, then collected), every argument (parsed, then made a Lua string),
 * every number in the reply and tonumber() (Lua 5.1's converts twice). So arguments are parsed once and with
 * x + 0 (the arguments are integers RedisStore wrote), stored values with tonumber() (anything else reads as
 * absent), unchanged fields are not rewritten, a lease release reads neither the clock nor the hash, a batch
 * reads its operations in place (offsets into KEYS and ARGV, no copies), writes every reply into one flat
 * table and reuses one table for HSET's arguments, and the reply carries only what the caller cannot derive.
 *
 * Usage history (issue 16, usageHistory.ts): a decide, settle or (cluster, global refusal) peek whose ARGV[3]
 * is 'u' carries history arguments after its amounts; once it has run, `usage` records it (the decision's
 * code above is untouched by it). Without 'u' nothing more runs: with the history off a single operation's
 * call costs two string comparisons more (its functions are not even made), a batch's four closures.
 */
import { USAGE_LUA } from './usageHistory.js';

export const QUOTA_SCRIPT = `
local call, floor, ceil, max = redis.call, math.floor, math.ceil, math.max
-- TTLs outlive the state by a second: harmless, and a test clock (ARGV[2]) may lag Redis's own a little.
local grace = 1000
-- HSET's arguments, reused by every operation of a batch (unpack takes explicit bounds).
local W, E = {}, {}
-- Per lease length: its end at instant LN, and a set's TTL (see the concurrency commit).
local LE, LT, LN = {}, {}, false
-- The server's clock and the global block, read at most once per script call: a batch runs at one instant.
local T, GB
local function clock()
  if not T then
    local t = call('TIME')
    T = t[1] * 1000 + floor(t[2] / 1000)
  end
  return T
end
${USAGE_LUA}
-- One operation: its keys are KEYS[ko + 1..] and its arguments ARGV[ao + 1..] as described above; its reply
-- is written to R[r + 1..]; returns the index of the reply's last value.
local function run(ko, ao, R, r)
local op = ARGV[ao + 1]
local key = KEYS[ko + 1]
local now = ARGV[ao + 2]

if op == 'd' or op == 'p' or op == 's' then
-- S: the plan block; P + 4i - 3: limit i's kind; D + i: its amount.
local S = ARGV[ao + 8] + 0
local n, m = ARGV[S] + 0, ARGV[S + 1] + 0
local P, D = S + 2 + m, ao + 8

if op == 's' then
  local lease, refunds = ARGV[ao + 4], false
  for a = P, P + 4 * n - 4, 4 do
    if ARGV[a] == 'c' then
      if lease ~= '' then call('ZREM', KEYS[ko + ARGV[a + 3]], lease) end
    elseif ARGV[D + (a - P) / 4 + 1] + 0 > 0 then
      refunds = true
    end
  end
  -- Releasing a lease needs neither the time nor the hash.
  if not refunds then return r end
  if now ~= '' then now = now + 0 else now = clock() end
  local decidedAt = tonumber(ARGV[ao + 5])
  local vals = E
  if m > 0 then vals = call('HMGET', key, unpack(ARGV, S + 2, S + 1 + m)) end
  local w, vi, d = 0, 1, D
  for a = P, P + 4 * n - 4, 4 do
    local kind = ARGV[a]
    d = d + 1
    if kind == 'f' then
      local refund, start, used = ARGV[d] + 0, tonumber(vals[vi]), tonumber(vals[vi + 1])
      if refund > 0 and decidedAt and start and used then
        local windowMs = ARGV[a + 2] + 0
        local current = start
        if ARGV[a + 3] == '0' then current = now - (now % windowMs) end
        if start == current and now < start + windowMs and decidedAt >= start and decidedAt < start + windowMs then
          W[w + 1] = ARGV[S + 2 + vi]; W[w + 2] = max(0, used - refund); w = w + 2
        end
      end
      vi = vi + 2
    elseif kind == 't' then
      local refund, tat = ARGV[d] + 0, tonumber(vals[vi])
      if refund > 0 and tat then
        W[w + 1] = ARGV[S + 1 + vi]; W[w + 2] = max(now * ARGV[a + 3], tat - refund * ARGV[a + 2]); w = w + 2
      end
      vi = vi + 1
    elseif kind == 'g' then
      -- GLOBAL: give back at most what this client put into the window, if it is still the decision's.
      local refund = ARGV[d] + 0
      if refund > 0 and decidedAt then
        local k, who = string.match(ARGV[a + 3], '^(%d+):%d+:%-?%d+:?(.*)$')
        if who == '' then who = key end
        local gkey = KEYS[ko + k]
        local g = call('HMGET', gkey, 's', 'c', who)
        local start, used, mine = tonumber(g[1]), tonumber(g[2]), tonumber(g[3])
        local windowMs = ARGV[a + 2] + 0
        if start and used and mine and mine > 0 and start == now - (now % windowMs) and decidedAt >= start then
          local back = refund
          if mine < back then back = mine end
          call('HSET', gkey, 'c', max(0, used - back), who, mine - back)
        end
      end
    end
  end
  if w > 0 then call('HSET', key, unpack(W, 1, w)) end
  return r
end

if now ~= '' then now = now + 0 else now = clock() end
if op == 'd' and ARGV[ao + 6] ~= '' and now > ARGV[ao + 6] + 0 then
  R[r + 1] = now; R[r + 2] = 0; R[r + 3] = -1
  return r + 3
end

local vals = call('HMGET', key, 'b', unpack(ARGV, S + 2, S + 1 + m))
local blocked = tonumber(vals[1]) or 0
local globalUntil = ARGV[ao + 7]
if globalUntil ~= '' then
  globalUntil = globalUntil + 0
else
  if not GB then GB = tonumber(call('GET', KEYS[ko + 2])) or 0 end
  globalUntil = GB
end
if globalUntil > blocked then blocked = globalUntil end
if blocked <= now then blocked = 0 end

R[r + 1] = now; R[r + 2] = blocked; R[r + 3] = 0
local admitted = true
-- GLOBAL: per global limit {key, window current, client's use or false, clients, client field} (false when
-- decided elsewhere); and the reply's 2 extra numbers per global limit, appended after every limit's 3.
local globals, extra
-- Until when the hash's TTL runs at least: the latest moment its stored state (of this plan) matters.
local covered = 0
-- Whether a concurrency set holds expired leases (never released), to be removed on commit; and whether it
-- held any live lease (if not, the commit sets its TTL without reading it).
local stale, busy = false, false
local vi, o, d = 2, r + 3, D
for a = P, P + 4 * n - 4, 4 do
  d = d + 1
  local kind, amount, p1, p2 = ARGV[a], ARGV[d] + 0, ARGV[a + 1] + 0, ARGV[a + 2] + 0
  if amount < 0 then amount = 0 end
  local retry, consumed, reset = 0, 0, 0
  if kind == 'f' then
    local start, used = tonumber(vals[vi]) or 0, tonumber(vals[vi + 1]) or 0
    vi = vi + 2
    if used > 0 and start + p2 > covered then covered = start + p2 end
    if ARGV[a + 3] == '0' then
      local current = now - (now % p2)
      if start ~= current then start = current; used = 0 end
    elseif now >= start + p2 then
      start = now; used = 0
    end
    if amount > p1 then admitted = false
    elseif used + amount > p1 then admitted = false; retry = start + p2 - now end
    consumed = used; reset = start + p2
  elseif kind == 't' then
    local p3 = ARGV[a + 3] + 0
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
  elseif kind == 'g' then
    globals = globals or {}
    extra = extra or {}
    if ARGV[d] == '-2' then
      -- GLOBAL, decided in a call of its own (cluster mode): nothing to read here.
      globals[#globals + 1] = false
      extra[#extra + 1] = 0; extra[#extra + 1] = 0
    else
      -- GLOBAL: everyone's window, then this client's fair share once the window is tight.
      local k, line, fair, who = string.match(ARGV[a + 3], '^(%d+):(%d+):(-?%d+):?(.*)$')
      if who == '' then who = key end
      local gkey = KEYS[ko + k]
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
    end
  else
    local zkey = KEYS[ko + ARGV[a + 3]]
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
    if live > 0 then busy = true end
    if live + amount > p1 then admitted = false; retry = earliest - now end
    consumed = live; reset = earliest
  end
  R[o + 1] = consumed; R[o + 2] = reset; R[o + 3] = retry
  o = o + 3
end
local extraAt = o
if extra then
  for i = 1, #extra do R[o + i] = extra[i] end
  o = o + #extra
end
if op ~= 'd' or blocked > 0 or not admitted then return o end

-- The commit reads each limit again from ARGV and the reply so far, cheaper than keeping it in a table.
-- inc: the amount's index in ARGV when the first write is a window's consumption alone (see the HSET below).
local w, inc = 0, false
local lease = ARGV[ao + 4]
-- The latest moment the state written here matters, and until when to extend the TTL if it must grow.
local expires, extend = 0, 0
local gi = 0
vi, d = 2, D
local at = r + 3
for a = P, P + 4 * n - 4, 4 do
  d = d + 1
  local kind, amount = ARGV[a], ARGV[d] + 0
  if kind == 'g' then
    -- GLOBAL: commit to everyone's window and to this client's share of it.
    gi = gi + 1
    if amount > 0 then
      local gl = globals[gi]
      local windowMs = ARGV[a + 2] + 0
      local start = now - (now % windowMs)
      local used = R[at + 1] + amount
      local mine = (gl[3] or 0) + amount
      if not gl[2] then call('DEL', gl[1]) end
      call('HSET', gl[1], 's', start, 'c', used, 'n', gl[4], gl[5], mine)
      if not gl[2] then call('PEXPIRE', gl[1], start + windowMs - now + grace) end
      R[at + 1] = used
      R[extraAt + 2 * gi - 1] = mine
    end
  elseif kind == 'f' then
    if amount > 0 then
      local used, reset = R[at + 1] + amount, R[at + 2]
      local start = reset - ARGV[a + 2]
      R[at + 1] = used
      -- The start is written only when the window moved on.
      if tonumber(vals[vi]) ~= start then
        W[w + 1] = ARGV[S + vi]; W[w + 2] = start; w = w + 2
      elseif w == 0 then
        inc = d
      end
      W[w + 1] = ARGV[S + vi + 1]; W[w + 2] = used; w = w + 2
      if reset > expires then expires = reset end
    end
    vi = vi + 2
  elseif kind == 't' then
    if amount > 0 then
      local p1, p2, p3 = ARGV[a + 1] + 0, ARGV[a + 2] + 0, ARGV[a + 3] + 0
      local nowu = now * p3
      local tat = tonumber(vals[vi]) or 0
      if tat < nowu then tat = nowu end
      local nxt = tat + amount * p2
      local reset = ceil(nxt / p3)
      R[at + 1] = p1 - floor((nowu + p1 * p2 - nxt) / p2); R[at + 2] = reset
      W[w + 1] = ARGV[S + vi]; W[w + 2] = nxt; w = w + 2
      if reset > expires then expires = reset end
      -- Every request makes a bucket's state matter a little longer: see TTLs above.
      local later = reset + ceil(p1 * p2 / p3)
      if later > extend then extend = later end
    end
    vi = vi + 1
  elseif amount > 0 then
    local p2 = ARGV[a + 2] + 0
    local zkey = KEYS[ko + ARGV[a + 3]]
    if stale then call('ZREMRANGEBYSCORE', zkey, '-inf', now) end
    -- The lease's end and the set's TTL as strings, formatted once per lease length and instant (a batch).
    if LN ~= now then LE, LN = {}, now end
    local ends, ttl = LE[p2], LT[p2]
    if not ends then ends = string.format('%.0f', now + p2); LE[p2] = ends end
    if not ttl then ttl = string.format('%.0f', p2 + grace); LT[p2] = ttl end
    call('ZADD', zkey, ends, lease)
    -- Plans sharing a limit name share the set: a longer lease already in it must keep its TTL. A set with
    -- no live lease before holds only this one now (expired ones outlive nothing).
    if not busy or call('PTTL', zkey) < p2 + grace then call('PEXPIRE', zkey, ttl) end
    if R[at + 1] == 0 then R[at + 2] = now + p2 end
    R[at + 1] = R[at + 1] + 1
    R[r + 3] = 1
  end
  at = at + 3
end
if w > 0 then
  -- One window charged in its current window: HINCRBY takes the amount as sent, with no number to format
  -- (the dearest part of a command's arguments).
  if w == 2 and inc then call('HINCRBY', key, W[1], ARGV[inc]) else call('HSET', key, unpack(W, 1, w)) end
  -- The TTL only ever grows (state of another plan may share the hash), and only when it must.
  if expires > covered then
    if expires > extend then extend = expires end
    if call('PTTL', key) < expires - now + grace then call('PEXPIRE', key, extend - now + grace) end
  end
end
return o
end

if now ~= '' then now = now + 0 else now = clock() end
-- The store's start-up self-check: the script runs, the reply has the expected shape, and it carries the
-- server's clock and the global block (key is the global block key).
if op == 'R' then
  R[r + 1] = now; R[r + 2] = tonumber(call('GET', key)) or 0
  return r + 2
end
if op == 'B' then
  local d = ARGV[ao + 3] + 0
  call('SET', key, now + d, 'PX', d)
elseif op == 'U' then
  call('DEL', key)
elseif op == 'b' then
  local d = ARGV[ao + 3] + 0
  call('HSET', key, 'b', now + d)
  if call('PTTL', key) < d + grace then call('PEXPIRE', key, d + grace) end
elseif op == 'u' then
  call('HDEL', key, 'b')
end
R[r + 1] = now
return r + 1
end

local R = {}
if ARGV[1] ~= 'M' then
  run(0, 0, R, 0)
  if ARGV[3] == 'u' then usage(0, 0, R, 0) end
  return R
end
-- A batch ('M'): ARGV[2] operations, each given as its number of keys and of arguments, then those
-- arguments (a plan block may be another operation's: S says where); its keys follow the previous ones' in
-- KEYS. Each runs as it would alone. The reply is flat: per operation, the length of its reply, then its reply.
local r, ko, ao = 0, 0, 2
for i = 1, ARGV[2] + 0 do
  local nk, na = ARGV[ao + 1] + 0, ARGV[ao + 2] + 0
  R[r + 1] = 0
  local last = run(ko, ao + 2, R, r + 1)
  if ARGV[ao + 5] == 'u' then usage(ko, ao + 2, R, r + 1) end
  R[r + 1] = last - r - 1
  r = last
  ko, ao = ko + nk, ao + 2 + na
end
return R
`;
