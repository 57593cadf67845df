-- mix_90_10: 90 % reads, 10 % writes, each request as a random customer:
-- 45 % GET /api/v1/orders (own list: a hit unless that customer just
-- ordered), 45 % GET /api/v1/orders/{own id}, 10 % POST /api/v1/orders.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
local get_headers, post_headers = {}, {}
request = function()
    local c = b.random_customer()
    local r = math.random(100)
    if r <= 10 then
        local h = post_headers[c.user_id]
        if not h then h = b.bearer(c.token, true); post_headers[c.user_id] = h end
        return wrk.format("POST", "/api/v1/orders", h, b.order_body())
    end
    local h = get_headers[c.user_id]
    if not h then h = b.bearer(c.token); get_headers[c.user_id] = h end
    if r <= 55 then
        return wrk.format("GET", "/api/v1/orders", h)
    end
    return wrk.format("GET", "/api/v1/orders/" .. c.orders[math.random(#c.orders)], h)
end
