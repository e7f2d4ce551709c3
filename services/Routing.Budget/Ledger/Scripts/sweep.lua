-- KEYS: the tenant's three keys (prelude). ARGV: prefix, max_count. Reclaims expired leases of one tenant.
return reclaim(ARGV[1], now_ms(), tonumber(ARGV[2]))
