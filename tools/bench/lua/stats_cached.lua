-- stats_cached: the admin's GET /api/v1/orders/stats with the default range,
-- the same URL every time (warmed first by tools/bench/run): cache hits.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
wrk.method = "GET"
wrk.path = "/api/v1/orders/stats"
wrk.headers = b.bearer(b.data.admin)
