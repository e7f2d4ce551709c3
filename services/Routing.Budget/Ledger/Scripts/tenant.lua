-- KEYS: the tenant's three keys (prelude). ARGV: prefix, ceiling (-1 = leave as is, 0 = remove), window_ms.
-- Reply: {ceiling, window_ms, window_spend, reserved, reclaimed}.
local prefix = ARGV[1]
local now = now_ms()
local reclaimed = reclaim(prefix, now, 100)
local ceiling = tonumber(ARGV[2])
if ceiling >= 0 then
  redis.call('HSET', TENANT_KEY, 'ceiling', ceiling, 'window_ms', ARGV[3])
end
local c, window_ms, reserved = tenant_limits(prefix)
local spent = 0
if c > 0 then spent = window_spend(prefix, now, window_ms) end
return {c, window_ms, spent, reserved, reclaimed}
