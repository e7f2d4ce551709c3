-- Shared by every ledger script (prepended in C#). Compatible with Redis (Lua 5.1) and Garnet (Lua 5.4):
-- every number written back stays an integer, because HINCRBY refuses "3.0".
--
-- Key layout (all keys of a tenant share the hash tag {tenant}, so one script touches one cluster slot):
--   <p>task:<task>   hash  the fields in TASK_FIELDS below
--   <p>res:<task>    hash  <rid>.s state, <rid>.a amount, <rid>.l large, <rid>.e lease expiry, <rid>.r
--                          remaining at grant, <rid>.c commit on expiry (1), <rid>.x actual, <rid>.o overrun,
--                          <rid>.p state before commit, <rid>.u unknown outcome (1 until a known commit);
--                          k:<idempotency key> -> rid
--   <p>tenant        hash  ceiling, window_ms, reserved
--   <p>leases        zset  "<task>\n<rid>\n<amount>\n<large>" scored by lease expiry (ms)
--   <p>spend         hash  <bucket start ms>:<bucket width ms> -> committed micros (always, so that a ceiling set
--                          later counts what was spent before it; '<start>' alone: written before widths were)
-- <p> is ARGV[1], the tenant's prefix, e.g. "routing:budget:{acme}:".
--
-- The last three KEYS of every ledger script are the tenant's hash, lease zset and spend hash, so every key a
-- script writes by name is declared: Garnet's Lua transactions lock exactly the declared keys, and Redis
-- Cluster routes by them. The one exception is reclaim(), which ends other tasks' expired leases: their task
-- and reservation keys come out of the lease zset. They share the tenant's hash tag (one cluster slot), and
-- every script that writes them also declares the tenant's keys, so on Garnet the tenant lock serializes them.
--
-- A task is read once (one HMGET), changed in Lua, and written back once (one HSET of the changed fields):
-- every redis.call costs a few microseconds, and the ledger's throughput is the scripts' throughput.
-- Replies carry the task as TASK_FIELDS values in this order (C# parses them by position).

local unpack = unpack or table.unpack

local TENANT_KEY, LEASES_KEY, SPEND_KEY = KEYS[#KEYS - 2], KEYS[#KEYS - 1], KEYS[#KEYS]

local TASK_FIELDS = {'state', 'limit', 'committed', 'reserved', 'large_cap', 'large_committed', 'large_reserved',
  'overrun', 'n_granted', 'n_committed', 'n_released', 'n_expired', 'opened_ms', 'expires_ms', 'ttl_ms', 'seq',
  'n_unknown'}

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- nil when the task does not exist (never opened, or its ttl passed).
local function load_task(key)
  local v = redis.call('HMGET', key, unpack(TASK_FIELDS))
  if not v[1] then return nil end
  local task = {key = key, state = v[1], dirty = {}}
  -- A counter added after the task was opened (n_unknown) starts from 0.
  for i = 2, #TASK_FIELDS do task[TASK_FIELDS[i]] = tonumber(v[i]) or 0 end
  return task
end

local function add(task, field, delta)
  task[field] = task[field] + delta
  task.dirty[field] = true
end

local function set(task, field, value)
  task[field] = value
  task.dirty[field] = true
end

local function save(task)
  local args = {}
  for field in pairs(task.dirty) do
    args[#args + 1] = field
    args[#args + 1] = task[field]
  end
  if #args > 0 then redis.call('HSET', task.key, unpack(args)) end
  task.dirty = {}
end

local function reply_task(task)
  if not task then return {} end
  local out = {}
  for i = 1, #TASK_FIELDS do out[i] = task[TASK_FIELDS[i]] end
  return out
end

local function lease_member(task_id, rid, amount, large)
  return task_id .. '\n' .. rid .. '\n' .. amount .. '\n' .. large
end

-- Ends a live reservation as 'committed', 'released' or 'expired': its amount leaves the task's and the
-- tenant's reserved sums and its lease is dropped. The caller saves the task and writes the new state.
local function end_reservation(prefix, task, task_id, rid, amount, large, new_state)
  add(task, 'reserved', -amount)
  if large == 1 then add(task, 'large_reserved', -1) end
  if new_state == 'expired' then add(task, 'n_expired', 1) end
  if new_state == 'released' then add(task, 'n_released', 1) end
  redis.call('HINCRBY', TENANT_KEY, 'reserved', -amount)
  redis.call('ZREM', LEASES_KEY, lease_member(task_id, rid, amount, large))
end

-- Tenant spend buckets. While a ceiling is set their width is 1/60 of its window; without one, an hour.
-- A bucket counts while any part of it is inside the window, so the ceiling errs on the side of refusing.
local UNCEILED_WIDTH_MS = 3600000
local LONGEST_WINDOW_MS = 31536000000

local function bucket_width(window_ms)
  return math.max(1000, math.floor(window_ms / 60))
end

-- Committed spend inside the tenant's rolling window; buckets that left the window are deleted.
local function window_spend(prefix, now, window_ms)
  local spend_key = SPEND_KEY
  local legacy_width = bucket_width(window_ms)
  local flat = redis.call('HGETALL', spend_key)
  local total = 0
  for i = 1, #flat, 2 do
    local start, width = string.match(flat[i], '^(%d+):(%d+)$')
    if start then
      start, width = tonumber(start), tonumber(width)
    else
      start, width = tonumber(flat[i]), legacy_width
    end
    if start + width > now - window_ms then
      total = total + tonumber(flat[i + 1])
    else
      redis.call('HDEL', spend_key, flat[i])
    end
  end
  return total
end

-- ceiling, window_ms, reserved; the window's spend is summed only when asked (it walks the buckets).
local function tenant_limits(prefix)
  local t = redis.call('HMGET', TENANT_KEY, 'ceiling', 'window_ms', 'reserved')
  return tonumber(t[1] or '0'), tonumber(t[2] or '0'), tonumber(t[3] or '0')
end

-- Recorded whether or not the tenant has a ceiling: one set later counts what was spent before it.
local function record_spend(prefix, now, amount)
  if amount <= 0 then return end
  local ceiling, window_ms = tenant_limits(prefix)
  local width = UNCEILED_WIDTH_MS
  if ceiling > 0 then width = bucket_width(window_ms) end
  local field = string.format('%d:%d', now - (now % width), width)
  local total = redis.call('HINCRBY', SPEND_KEY, field, amount)
  -- Without a ceiling nothing walks the buckets; a new hourly one drops those older than the longest window.
  if ceiling <= 0 and total == amount then window_spend(prefix, now, LONGEST_WINDOW_MS) end
end

-- Records a commit of `actual` on reservation rid (its live amount already ended by the caller). The part of
-- `actual` above `covered` is an overrun. unknown = '1': nobody knows what the call cost (see budget.proto).
local function record_commit(prefix, task, res_key, rid, actual, covered, large, previous, unknown, now)
  local overrun = actual - covered
  add(task, 'committed', actual)
  add(task, 'n_committed', 1)
  add(task, 'overrun', overrun)
  if large == 1 then add(task, 'large_committed', 1) end
  if unknown == '1' then add(task, 'n_unknown', 1) end
  save(task)
  redis.call('HSET', res_key, rid .. '.s', 'committed', rid .. '.x', actual, rid .. '.o', overrun,
    rid .. '.p', previous, rid .. '.u', unknown)
  record_spend(prefix, now, actual)
  return overrun
end

-- Ends a live reservation whose lease ran out or whose task closed. One flagged commit-on-expiry may have paid
-- for a call that was sent: it is committed at its reserved amount as an unknown outcome, so the ledger never
-- counts less than a provider may have billed. Any other goes back to the budget.
local function expire_reservation(prefix, task, task_id, rid, amount, large, res_key, now)
  if redis.call('HGET', res_key, rid .. '.c') == '1' then
    end_reservation(prefix, task, task_id, rid, amount, large, 'committed')
    record_commit(prefix, task, res_key, rid, amount, amount, large, 'expired', '1', now)
  else
    end_reservation(prefix, task, task_id, rid, amount, large, 'expired')
    save(task)
    redis.call('HSET', res_key, rid .. '.s', 'expired')
  end
end

-- Reclaims up to max_count expired leases of the tenant, oldest first. A lease whose task already expired
-- from Redis only gives its amount back to the tenant.
local function reclaim(prefix, now, max_count)
  local members = redis.call('ZRANGEBYSCORE', LEASES_KEY, '-inf', now, 'LIMIT', 0, max_count)
  for _, member in ipairs(members) do
    local task_id, rid, amount, large = string.match(member, '^(.*)\n([^\n]+)\n(%d+)\n([01])$')
    amount = tonumber(amount)
    large = tonumber(large)
    local res_key = prefix .. 'res:' .. task_id
    local task = nil
    if redis.call('HGET', res_key, rid .. '.s') == 'live' then task = load_task(prefix .. 'task:' .. task_id) end
    if task then
      expire_reservation(prefix, task, task_id, rid, amount, large, res_key, now)
    else
      redis.call('HINCRBY', TENANT_KEY, 'reserved', -amount)
      redis.call('ZREM', LEASES_KEY, member)
    end
  end
  return #members
end
