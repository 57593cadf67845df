-- reporting.lua — shared by the reporting scenarios (issue 15's million-order
-- bench): ranges of whole UTC days ending today or before, and the admin's
-- headers.  Each scenario picks a random range of a fixed length that lies
-- inside the seeded days (BENCH_DAYS, the days the data set spans), so the
-- cost of every answer is that of the full length; tools/bench/run bumps the
-- cache generation of the scope meanwhile (tools/bench/reporting.py bust), so
-- the answers are computed, not cached; X-Cache is counted.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
local M = {}

M.admin = b.bearer(b.data.admin)
local seeded = tonumber(os.getenv("BENCH_DAYS")) or 90
local now = os.time()

-- "start_date=…&end_date=…" for `length` days ending a random day within the
-- seeded ones (today when they are fewer than length + 1).
function M.range(length)
    local latest_end = math.max(0, seeded - length)
    local e = math.random(0, latest_end)
    local s = e + length - 1
    return "start_date=" .. os.date("!%Y-%m-%d", now - s * 86400) .. "&end_date=" .. os.date("!%Y-%m-%d", now - e * 86400)
end

-- Installs the shared hooks and a request() asking path?<range>&extra.
function M.scenario(path, length, extra)
    b.install()
    b.count_cache()
    request = function()
        return wrk.format("GET", path .. "?" .. M.range(length) .. (extra or ""), M.admin)
    end
end

return M
