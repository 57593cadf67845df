-- sales_month_365: cold GET /api/v1/reports/sales for 365 days by month (see reporting.lua).
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
require("reporting").scenario("/api/v1/reports/sales", 365, "&group_by=month")
