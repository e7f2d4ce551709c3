-- Starts a step: claims its idempotency key (when it has one), numbers it and folds in what the caller observed
-- since the last step, so the features of this step see it. Recent errors are a 3-bit window of the last three
-- steps; recent retries a base-4 window of their retry counts (0-3 each), in 'retry_counts' (absent on a task
-- opened before counts existed: it starts from 0). A key already claimed answers what it holds and changes nothing: the first attempt's
-- answer, or 'in-progress' while that attempt runs. A missing or completed task claims nothing.
-- KEYS[1] task hash, KEYS[2] the step's idempotency key (absent without one; same {tenant} hash tag).
-- ARGV: error_observed (0|1), retries of the last step (0-3), last_step_failed (0|1), claim lease in ms (with KEYS[2]),
--       the claim's value (with KEYS[2]: 'in-progress', or '<request fingerprint>:in-progress').
-- Reply: {status, flat hash | stored answer} with status missing | completed | ok | claimed
-- (claimed: the key was already claimed; the second element is what it holds).
local key = KEYS[1]
if #KEYS > 1 then
  local stored = redis.call('GET', KEYS[2])
  if stored then return {'claimed', stored} end
end
if redis.call('EXISTS', key) == 0 then return {'missing', {}} end
if redis.call('HGET', key, 'completed') == '1' then return {'completed', redis.call('HGETALL', key)} end
if #KEYS > 1 then redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4]) end
local errors = (tonumber(redis.call('HGET', key, 'errors')) * 2 + tonumber(ARGV[1])) % 8
local retries = ((tonumber(redis.call('HGET', key, 'retry_counts')) or 0) * 4 + tonumber(ARGV[2])) % 64
redis.call('HSET', key, 'errors', errors, 'retry_counts', retries, 'last_failed', ARGV[3])
if ARGV[3] == '1' and redis.call('HGET', key, 'last') == '1' then redis.call('HINCRBY', key, 'small_failures', 1) end
redis.call('HINCRBY', key, 'started', 1)
return {'ok', redis.call('HGETALL', key)}
