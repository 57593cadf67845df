-- list_admin_first: the first page (20 rows, newest first) of the admin's
-- GET /api/v1/orders?status=pending&min_amount=… with a random min_amount of
-- 10.00 to 29.99 (2 000 lists of about the same size, so the answers are
-- computed: tools/bench/run also bumps the orders:all cache generation
-- meanwhile); X-Cache is counted.  The list starts in cursor mode
-- (include_total=false), as a client that pages by cursor asks for it.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
b.count_cache()
local h = b.bearer(b.data.admin)
request = function()
    local cents = math.random(1000, 2999)
    return wrk.format("GET", string.format(
        "/api/v1/orders?status=pending&min_amount=%d.%02d&page_size=20&include_total=false",
        math.floor(cents / 100), cents % 100), h)
end
