-- Attaches an outcome to an auction, idempotently.
-- KEYS: auction, the tenant's order (declared so that on Garnet this script and an eviction of the same auction
-- never interleave: both lock the order).  ARGV: outcome bytes, outcome digest
-- Reply: {status, stored outcome}: 0 unknown auction, 1 recorded, 2 replayed, 3 conflict
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {0, ''}
end
local digest = redis.call('HGET', KEYS[1], 'outcome_digest')
if digest then
  local stored = redis.call('HGET', KEYS[1], 'outcome')
  if digest == ARGV[2] then
    return {2, stored}
  end
  return {3, stored}
end
redis.call('HSET', KEYS[1], 'outcome', ARGV[1], 'outcome_digest', ARGV[2])
return {1, ARGV[1]}
