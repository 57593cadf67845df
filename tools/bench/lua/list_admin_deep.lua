-- list_admin_deep: a page of 20 rows of the admin's
-- GET /api/v1/orders?status=pending&min_amount=10 at least BENCH_DEEP_ROWS
-- (50 000) rows deep, reached by cursor: each request takes a random one of
-- the cursors tools/bench/reporting.py collected (BENCH_CURSORS, a file of
-- them, one a line; a cursor is a page's own cache key, and the orders:all
-- cache generation is bumped meanwhile, so the answers are computed);
-- X-Cache is counted.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
b.count_cache()
local h = b.bearer(b.data.admin)
local cursors = {}
local path = assert(os.getenv("BENCH_CURSORS"), "BENCH_CURSORS is not set")
for line in io.lines(path) do
    cursors[#cursors + 1] = line
end
assert(#cursors > 0, "no cursors in " .. os.getenv("BENCH_CURSORS"))
request = function()
    return wrk.format("GET", "/api/v1/orders?status=pending&min_amount=10&page_size=20&cursor="
                      .. cursors[math.random(#cursors)], h)
end
