-- Removes a tenant's auctions created before a cutoff, oldest first, at most a batch per call.
-- KEYS: order, changes, change sequence
-- ARGV: cutoff ms, batch, tenant, tenant prefix, log length
-- Reply: {removed id, removed sequence, …}
local reply = {}
local oldest = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
for _, id in ipairs(oldest) do
  local created = redis.call('HGET', ARGV[4] .. 'a:' .. id, 'created')
  if created and tonumber(created) >= tonumber(ARGV[1]) then
    break
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('DEL', ARGV[4] .. 'a:' .. id)
  local removed = redis.call('INCR', KEYS[3])
  redis.call('ZADD', KEYS[2], removed, removed .. '\nd\n' .. ARGV[3] .. '\n' .. id)
  reply[#reply + 1] = id
  reply[#reply + 1] = removed
end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[5]) + 1))
return reply
