-- Removes a tenant's auctions created before a cutoff, oldest first, at most a batch per call.
-- KEYS: order, changes, change sequence (all on the tenant's hash tag, as are the auctions built from the prefix)
-- ARGV: cutoff ms, batch, tenant prefix, log length
-- Reply: {removed id, removed sequence, …}
local reply = {}
local oldest = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
for _, id in ipairs(oldest) do
  local created = redis.call('HGET', ARGV[3] .. 'a:' .. id, 'created')
  if created and tonumber(created) >= tonumber(ARGV[1]) then
    break
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('DEL', ARGV[3] .. 'a:' .. id)
  local removed = redis.call('INCR', KEYS[3])
  redis.call('ZADD', KEYS[2], removed, removed .. '\nd\n' .. id)
  reply[#reply + 1] = id
  reply[#reply + 1] = removed
end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
return reply
