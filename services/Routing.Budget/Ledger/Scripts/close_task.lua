-- KEYS[1] task hash, KEYS[2] reservations hash, then the tenant's three keys (prelude). ARGV: prefix, task.
-- Closing ends every live reservation as its lease's end would: the task is over, so no new spend is expected;
-- a commit-on-expiry one is committed at its amount (its call may be in flight and billed), any other is expired
-- and a commit that still arrives is recorded as an overrun.
-- Reply: {status, reclaimed, task}; status closed | already_closed | no_task.
local prefix, task_id = ARGV[1], ARGV[2]
local now = now_ms()
local reclaimed = reclaim(prefix, now, 100)
local task = load_task(KEYS[1])
if not task then return {'no_task', reclaimed, {}} end
if task.state == 'closed' then return {'already_closed', reclaimed, reply_task(task)} end
local flat = redis.call('HGETALL', KEYS[2])
for i = 1, #flat, 2 do
  local rid = string.match(flat[i], '^(r%d+)%.s$')
  if rid and flat[i + 1] == 'live' then
    local r = redis.call('HMGET', KEYS[2], rid .. '.a', rid .. '.l')
    expire_reservation(prefix, task, task_id, rid, tonumber(r[1]), tonumber(r[2]), KEYS[2], now)
  end
end
set(task, 'state', 'closed')
save(task)
redis.call('HSET', KEYS[1], 'closed_ms', now)
return {'closed', reclaimed, reply_task(task)}
