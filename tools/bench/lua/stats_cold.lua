-- stats_cold: the admin's GET /api/v1/orders/stats over a random range of
-- whole days within the last 90 (about 4 000 different ranges), so most
-- answers are computed, not cached; X-Cache is counted.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
b.count_cache()
local h = b.bearer(b.data.admin)
local days = {}
local now = os.time()
for k = 0, 90 do days[k] = os.date("!%Y-%m-%d", now - k * 86400) end
request = function()
    local from = math.random(0, 90)
    local to = math.random(0, from)
    return wrk.format("GET", "/api/v1/orders/stats?start_date=" .. days[from] .. "&end_date=" .. days[to], h)
end
