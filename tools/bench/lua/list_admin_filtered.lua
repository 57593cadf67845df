-- list_admin_filtered: the admin's GET /api/v1/orders?status=pending&min_amount=10
-- on a random page of all the result's pages (BENCH_ADMIN_PAGES, from a first
-- request), so most answers miss the cache; X-Cache is counted.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
b.count_cache()
local pages = tonumber(os.getenv("BENCH_ADMIN_PAGES")) or 100
local h = b.bearer(b.data.admin)
request = function()
    return wrk.format("GET", "/api/v1/orders?status=pending&min_amount=10&page=" .. math.random(pages), h)
end
