-- list_cached: GET /api/v1/orders as one customer, the same URL every time,
-- so (after tools/bench/run warms it) every answer is a cache hit.  No
-- request() function: wrk sends one prebuilt request, as for the ceiling.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
wrk.method = "GET"
wrk.path = "/api/v1/orders"
wrk.headers = b.bearer(b.data.customers[1].token)
