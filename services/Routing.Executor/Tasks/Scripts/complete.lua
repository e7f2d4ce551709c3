-- Marks a task completed with its outcome; a second call with the same outcome is a replay.
-- KEYS[1] task hash. ARGV: success (0|1), score ('' none).
-- Reply: {status, flat hash} with status missing | completed | replayed | conflict.
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'missing', {}} end
if redis.call('HGET', key, 'completed') == '1' then
  local f = redis.call('HMGET', key, 'success', 'score')
  if f[1] == ARGV[1] and (f[2] or '') == ARGV[2] then return {'replayed', redis.call('HGETALL', key)} end
  return {'conflict', redis.call('HGETALL', key)}
end
redis.call('HSET', key, 'completed', 1, 'success', ARGV[1], 'score', ARGV[2])
return {'completed', redis.call('HGETALL', key)}
