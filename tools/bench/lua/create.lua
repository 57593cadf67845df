-- create: POST /api/v1/orders as a random customer, two different random
-- products, quantity 1 each.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
local headers = {}
request = function()
    local c = b.random_customer()
    local h = headers[c.user_id]
    if not h then h = b.bearer(c.token, true); headers[c.user_id] = h end
    return wrk.format("POST", "/api/v1/orders", h, b.order_body())
end
