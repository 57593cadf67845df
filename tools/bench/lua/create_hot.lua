-- create_hot: POST /api/v1/orders where every order's first line is the same
-- product (the first bench product: one hot row every transaction locks),
-- the second a random other product; random customer, quantity 1.
package.path = os.getenv("BENCH_DIR") .. "/lua/?.lua;" .. package.path
local b = require("common")
b.install()
local hot = b.data.products[1]
local headers = {}
request = function()
    local c = b.random_customer()
    local h = headers[c.user_id]
    if not h then h = b.bearer(c.token, true); headers[c.user_id] = h end
    return wrk.format("POST", "/api/v1/orders", h, b.order_body(hot))
end
