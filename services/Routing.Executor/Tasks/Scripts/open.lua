-- Opens a task's episode state, or returns the existing one when the parameters match.
-- KEYS[1] task hash. ARGV: limit, large_call_cap (-1 none), horizon, task_text, ttl_ms.
-- Reply: {status, flat hash}; status is created | existing | conflict.
local key = KEYS[1]
if redis.call('EXISTS', key) == 1 then
  local f = redis.call('HMGET', key, 'limit', 'cap', 'horizon')
  local status = 'existing'
  if f[1] ~= ARGV[1] or f[2] ~= ARGV[2] or f[3] ~= ARGV[3] then status = 'conflict' end
  return {status, redis.call('HGETALL', key)}
end
redis.call('HSET', key, 'limit', ARGV[1], 'cap', ARGV[2], 'horizon', ARGV[3], 'text', ARGV[4],
  'remaining', ARGV[1], 'large_left', ARGV[2], 'started', 0, 'steps', 0, 'large', 0, 'last', 0, 'before_last', 0,
  'errors', 0, 'retry_counts', 0, 'small_failures', 0, 'last_failed', 0, 'completed', 0)
redis.call('PEXPIRE', key, ARGV[5])
return {'created', redis.call('HGETALL', key)}
