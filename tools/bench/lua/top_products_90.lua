-- top_products_90: cold GET /api/v1/reports/top-products for 90 days, the
-- ten best by revenue (see reporting.lua).
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
require("reporting").scenario("/api/v1/reports/top-products", 90, "&by=revenue&limit=10")
