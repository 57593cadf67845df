-- common.lua — shared by the bench scenarios (tools/bench/lua/*.lua).
--
-- Loads the data file tools/bench/run writes (BENCH_DATA: tokens, product
-- ids, each customer's own order ids), seeds each thread's random numbers
-- differently, and reports through wrk's done() hook one machine-readable
-- line that tools/bench/run turns into the "bench <scenario> ..." line:
--
--   BENCHRESULT requests=N duration_us=N p50_us=N p99_us=N errors=N hits=N misses=N
--
-- errors = responses with status >= 400 (wrk's "Non-2xx or 3xx") plus
-- connect, read, write and timeout errors.  hits/misses count X-Cache
-- headers, only in scenarios that install the counting response hook.
local M = {}

M.data = dofile(assert(os.getenv("BENCH_DATA"), "BENCH_DATA is not set"))

local threads = {}

-- Main state: numbers the threads, so each gets its own random sequence.
function M.setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_number", #threads)
end

-- Thread state: seeds math.random from the clock and the thread number.
function M.init()
    math.randomseed(os.time() * 1000 + (thread_number or 0) * 7919)
    for _ = 1, 10 do math.random() end
end

function M.bearer(token, with_body)
    local h = {["Authorization"] = "Bearer " .. token}
    if with_body then h["Content-Type"] = "application/json" end
    return h
end

function M.random_customer()
    local c = M.data.customers
    return c[math.random(#c)]
end

-- A create body with two different random products, quantity 1 each;
-- first, when given, fixes the first line's product (the hot row).
function M.order_body(first)
    local p = M.data.products
    local a = first or p[math.random(#p)]
    local b = a
    while b == a do b = p[math.random(#p)] end
    return string.format('{"items":[{"product_id":%d,"quantity":1},{"product_id":%d,"quantity":1}]}', a, b)
end

-- Installs a response hook that counts X-Cache: HIT and MISS answers.
function M.count_cache()
    hits, misses = 0, 0
    response = function(status, headers, body)
        local x = headers["X-Cache"] or headers["x-cache"]
        if x == "HIT" then hits = hits + 1 elseif x == "MISS" then misses = misses + 1 end
    end
end

function M.done(summary, latency, requests)
    local e = summary.errors
    local hits, misses = 0, 0
    for _, t in ipairs(threads) do
        hits = hits + (tonumber(t:get("hits")) or 0)
        misses = misses + (tonumber(t:get("misses")) or 0)
    end
    io.write(string.format(
        "BENCHRESULT requests=%d duration_us=%d p50_us=%d p99_us=%d errors=%d hits=%d misses=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        e.status + e.connect + e.read + e.write + e.timeout, hits, misses))
end

-- Wires the hooks every scenario shares into wrk's globals.
function M.install()
    setup = M.setup
    init = function(args) M.init() end
    done = M.done
end

return M
