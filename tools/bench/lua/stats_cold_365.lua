-- stats_cold_365: cold GET /api/v1/orders/stats for 365 days (see reporting.lua).
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
require("reporting").scenario("/api/v1/orders/stats", 365)
