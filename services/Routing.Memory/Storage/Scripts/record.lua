-- Records one auction, idempotent by id, and evicts the tenant's oldest auctions beyond the cap, atomically.
-- KEYS: auction, order, meta, changes, change sequence (all on the tenant's hash tag; an evicted auction's key,
-- built from the tenant prefix, is on it too, so the script stays on one Redis Cluster slot)
-- ARGV: id, digest, rec, vec, agents, space, now ms, cap, ttl ms (0 = none), log length, tenant prefix
-- Reply: {status, detail, sequence, evicted id, evicted sequence, …}
--   status 0 created, 1 replayed (detail = space), 2 conflict, 3 space mismatch (detail = tenant's space)
local existing = redis.call('HGET', KEYS[1], 'digest')
if existing then
  if existing == ARGV[2] then
    return {1, redis.call('HGET', KEYS[3], 'space') or ARGV[6], tonumber(redis.call('HGET', KEYS[1], 'seq'))}
  end
  return {2, '', 0}
end
local space = redis.call('HGET', KEYS[3], 'space')
if space and space ~= ARGV[6] then
  return {3, space, 0}
end
if not space then
  redis.call('HSET', KEYS[3], 'space', ARGV[6])
end
local id, prefix = ARGV[1], ARGV[11]
local seq = redis.call('INCR', KEYS[5])
redis.call('HSET', KEYS[1], 'rec', ARGV[3], 'vec', ARGV[4], 'agents', ARGV[5], 'digest', ARGV[2],
  'created', ARGV[7], 'seq', seq)
local ttl = tonumber(ARGV[9])
if ttl > 0 then
  -- The sweeper removes the auction (and tells every replica) at the ttl; Redis's own expiry is a backstop
  -- for when no replica runs.
  redis.call('PEXPIRE', KEYS[1], ttl + 3600000)
end
redis.call('ZADD', KEYS[2], seq, id)
redis.call('ZADD', KEYS[4], seq, seq .. '\na\n' .. id)
local reply = {0, space or ARGV[6], seq}
local cap = tonumber(ARGV[8])
while redis.call('ZCARD', KEYS[2]) > cap do
  local oldest = redis.call('ZPOPMIN', KEYS[2])
  redis.call('DEL', prefix .. 'a:' .. oldest[1])
  local removed = redis.call('INCR', KEYS[5])
  redis.call('ZADD', KEYS[4], removed, removed .. '\nd\n' .. oldest[1])
  reply[#reply + 1] = oldest[1]
  reply[#reply + 1] = removed
end
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[10]) + 1))
return reply
