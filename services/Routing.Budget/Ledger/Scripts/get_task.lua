-- KEYS[1] task hash, then the tenant's three keys (prelude). ARGV: prefix. Reply: {status, reclaimed, task}; status found | no_task.
local reclaimed = reclaim(ARGV[1], now_ms(), 100)
local task = load_task(KEYS[1])
if not task then return {'no_task', reclaimed, {}} end
return {'found', reclaimed, reply_task(task)}
