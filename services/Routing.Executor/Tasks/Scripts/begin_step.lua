-- Starts a step: numbers it and folds in what the caller observed since the last step, so the features of
-- this step see it. Recent errors and retries are 3-bit windows (the last three steps).
-- KEYS[1] task hash. ARGV: error_observed (0|1), retried (0|1), last_step_failed (0|1).
-- Reply: {status, flat hash} with status missing | completed | ok.
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'missing', {}} end
if redis.call('HGET', key, 'completed') == '1' then return {'completed', redis.call('HGETALL', key)} end
local errors = (tonumber(redis.call('HGET', key, 'errors')) * 2 + tonumber(ARGV[1])) % 8
local retries = (tonumber(redis.call('HGET', key, 'retries')) * 2 + tonumber(ARGV[2])) % 8
redis.call('HSET', key, 'errors', errors, 'retries', retries, 'last_failed', ARGV[3])
if ARGV[3] == '1' and redis.call('HGET', key, 'last') == '1' then redis.call('HINCRBY', key, 'small_failures', 1) end
redis.call('HINCRBY', key, 'started', 1)
return {'ok', redis.call('HGETALL', key)}
