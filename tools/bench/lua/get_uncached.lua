-- get_uncached: GET /api/v1/orders/{id} (never cached): each request picks a
-- random customer token and a random one of that customer's own orders.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
local headers = {}
request = function()
    local c = b.random_customer()
    local h = headers[c.user_id]
    if not h then h = b.bearer(c.token); headers[c.user_id] = h end
    return wrk.format("GET", "/api/v1/orders/" .. c.orders[math.random(#c.orders)], h)
end
