-- KEYS[1] task hash. ARGV: prefix. Reply: {status, reclaimed, ledger}; status found | no_task.
local reclaimed = reclaim(ARGV[1], now_ms(), 100)
if redis.call('EXISTS', KEYS[1]) == 0 then return {'no_task', reclaimed, {}} end
return {'found', reclaimed, ledger(KEYS[1])}
