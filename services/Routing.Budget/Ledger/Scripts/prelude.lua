-- Shared by every ledger script (prepended in C#). Compatible with Redis (Lua 5.1) and Garnet (Lua 5.4):
-- every number written back stays an integer, because HINCRBY refuses "3.0".
--
-- Key layout (all keys of a tenant share the hash tag {tenant}, so one script touches one cluster slot):
--   <p>task:<task>   hash  limit, committed, reserved, large_*, counters, state, opened_ms, expires_ms
--   <p>res:<task>    hash  <rid>.s state, <rid>.a amount, <rid>.l large, <rid>.e lease expiry, <rid>.r
--                          remaining at grant, <rid>.x actual, <rid>.o overrun; k:<idempotency key> -> rid
--   <p>tenant        hash  ceiling, window_ms, reserved
--   <p>leases        zset  "<task>\n<rid>\n<amount>\n<large>" scored by lease expiry (ms)
--   <p>spend         hash  <bucket start ms> -> committed micros (only while the tenant has a ceiling)
-- <p> is ARGV[1], the tenant's prefix, e.g. "routing:budget:{acme}:".

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function lease_member(task, rid, amount, large)
  return task .. '\n' .. rid .. '\n' .. amount .. '\n' .. large
end

-- Returns a live reservation's amount to its task and tenant and drops its lease. new_state is
-- 'committed', 'released' or 'expired'.
local function end_reservation(prefix, task, rid, amount, large, new_state)
  local task_key = prefix .. 'task:' .. task
  redis.call('HSET', prefix .. 'res:' .. task, rid .. '.s', new_state)
  redis.call('HINCRBY', task_key, 'reserved', -amount)
  if large == 1 then redis.call('HINCRBY', task_key, 'large_reserved', -1) end
  redis.call('HINCRBY', prefix .. 'tenant', 'reserved', -amount)
  redis.call('ZREM', prefix .. 'leases', lease_member(task, rid, amount, large))
  if new_state == 'expired' then redis.call('HINCRBY', task_key, 'n_expired', 1) end
  if new_state == 'released' then redis.call('HINCRBY', task_key, 'n_released', 1) end
end

-- Reclaims up to max_count expired leases of the tenant, oldest first. A lease whose task already expired
-- from Redis only gives its amount back to the tenant.
local function reclaim(prefix, now, max_count)
  local members = redis.call('ZRANGEBYSCORE', prefix .. 'leases', '-inf', now, 'LIMIT', 0, max_count)
  for _, member in ipairs(members) do
    local task, rid, amount, large = string.match(member, '^(.*)\n([^\n]+)\n(%d+)\n([01])$')
    amount = tonumber(amount)
    large = tonumber(large)
    if redis.call('HGET', prefix .. 'res:' .. task, rid .. '.s') == 'live' then
      end_reservation(prefix, task, rid, amount, large, 'expired')
    else
      redis.call('HINCRBY', prefix .. 'tenant', 'reserved', -amount)
      redis.call('ZREM', prefix .. 'leases', member)
    end
  end
  return #members
end

-- Committed spend inside the tenant's rolling window. A bucket counts while any part of it is inside the
-- window, so the ceiling errs on the side of refusing; buckets that left the window are deleted.
local function window_spend(prefix, now, window_ms)
  local spend_key = prefix .. 'spend'
  local width = math.max(1000, math.floor(window_ms / 60))
  local flat = redis.call('HGETALL', spend_key)
  local total = 0
  for i = 1, #flat, 2 do
    local start = tonumber(flat[i])
    if start + width > now - window_ms then
      total = total + tonumber(flat[i + 1])
    else
      redis.call('HDEL', spend_key, flat[i])
    end
  end
  return total
end

local function record_spend(prefix, now, window_ms, amount)
  local width = math.max(1000, math.floor(window_ms / 60))
  local start = now - (now % width)
  redis.call('HINCRBY', prefix .. 'spend', start, amount)
end

local function tenant_view(prefix, now)
  local t = redis.call('HMGET', prefix .. 'tenant', 'ceiling', 'window_ms', 'reserved')
  local ceiling = tonumber(t[1] or '0')
  local window_ms = tonumber(t[2] or '0')
  local reserved = tonumber(t[3] or '0')
  local spent = 0
  if ceiling > 0 then spent = window_spend(prefix, now, window_ms) end
  return ceiling, window_ms, reserved, spent
end

local function ledger(task_key)
  return redis.call('HGETALL', task_key)
end
