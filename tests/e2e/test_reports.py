"""Admin reports (API.md "Reporting (admin)"): /reports/sales by day, ISO week
and month, /reports/top-products, read from the daily aggregates.  Most
tests write aggregate rows for days long past (2000-2001, where no real
order lives) straight into MariaDB, to pin period boundaries exactly; one
places and cancels real orders and watches today's report follow."""

import datetime
from pathlib import Path

import pytest

from conftest import (aggregate_mismatches, api, check_problem_response, create_order, demo_admin_token,
                      make_product, mysql, new_customer, packed_totals, rebuild_running_totals, redis_cli,
                      stats_caught_up, wait_until)

SALES = "/api/v1/reports/sales"
TOP = "/api/v1/reports/top-products"


@pytest.fixture(scope="module")
def admin(stack):
    return demo_admin_token(stack)


def fresh_reports(stack):
    """After a test wrote daily aggregate rows behind the server's back: the
    day totals and running totals follow them (rebuilt as migration 014
    fills them), and the stats cache scope, which report answers are cached
    under, moves on."""
    rebuild_running_totals(stack)
    redis_cli(stack, "INCR", "orderapi:gen:stats")


def set_day(stack, day, *buckets):
    """Replaces order_stats_daily for day with buckets (status, orders, cents)."""
    mysql(stack, f"DELETE FROM order_stats_daily WHERE day = '{day}'")
    for status, orders, cents in buckets:
        mysql(stack, "INSERT INTO order_stats_daily (day, status, payment_status, orders, revenue)"
                     f" VALUES ('{day}', '{status}', 'pending', {orders}, {cents})")


def set_sales(stack, day, product_id, quantity, cents):
    mysql(stack, f"DELETE FROM product_sales_daily WHERE day = '{day}' AND product_id = {int(product_id)}")
    mysql(stack, "INSERT INTO product_sales_daily (day, product_id, quantity, revenue)"
                 f" VALUES ('{day}', {int(product_id)}, {quantity}, {cents})")


def report(stack, token, path, **params):
    response = api(stack, "GET", path, token, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def year_end(stack, admin):
    """Sales around the end of 2000: 2000-12-31 is a Sunday, 2001-01-01 a Monday."""
    product = make_product(stack, admin)
    mysql(stack, "DELETE FROM product_sales_daily WHERE day BETWEEN '2000-01-01' AND '2001-01-31'")
    set_day(stack, "2000-12-27", ("delivered", 2, 5000), ("cancelled", 1, 9999), ("refunded", 1, 7777))
    set_day(stack, "2000-12-31", ("pending", 1, 1001))
    set_day(stack, "2001-01-01", ("shipped", 3, 3000))
    for day in ("2000-12-28", "2000-12-29", "2000-12-30", "2001-01-02", "2001-01-03", "2001-01-04",
                "2001-01-05", "2001-01-06", "2001-01-07", "2001-01-08"):
        set_day(stack, day)
    set_sales(stack, "2000-12-27", product["id"], 4, 5000)
    set_sales(stack, "2001-01-01", product["id"], 6, 3000)
    fresh_reports(stack)
    return product


def test_sales_by_day_has_every_day(stack, admin, year_end):
    body = report(stack, admin, SALES, start_date="2000-12-27", end_date="2001-01-02", group_by="day")
    assert (body["group_by"], body["start_date"], body["end_date"]) == ("day", "2000-12-27", "2001-01-02")
    assert [p["period_start"] for p in body["data"]] == [f"2000-12-{d}" for d in range(27, 32)] + [
        "2001-01-01", "2001-01-02"]
    first = body["data"][0]
    # Cancelled and refunded orders count neither as orders nor as revenue.
    assert first == {"period_start": "2000-12-27", "orders": 2, "revenue": "50.00",
                     "average_order_value": "25.00", "items_sold": 4}
    assert body["data"][1] == {"period_start": "2000-12-28", "orders": 0, "revenue": "0.00",
                               "average_order_value": "0.00", "items_sold": 0}


def test_iso_weeks_across_the_year_end(stack, admin, year_end):
    body = report(stack, admin, SALES, start_date="2000-12-27", end_date="2001-01-08", group_by="week")
    assert [p["period_start"] for p in body["data"]] == ["2000-12-25", "2001-01-01", "2001-01-08"]
    week1, week2, week3 = body["data"]
    assert (week1["orders"], week1["revenue"], week1["items_sold"]) == (3, "60.01", 4)
    assert week1["average_order_value"] == "20.00"
    assert (week2["orders"], week2["revenue"], week2["items_sold"]) == (3, "30.00", 6)
    assert (week3["orders"], week3["revenue"]) == (0, "0.00")


def test_months_and_a_range_starting_mid_month(stack, admin, year_end):
    body = report(stack, admin, SALES, start_date="2000-12-31", end_date="2001-01-01", group_by="month")
    assert [p["period_start"] for p in body["data"]] == ["2000-12-01", "2001-01-01"]
    # Only days inside the range count, though December starts before it.
    assert body["data"][0]["revenue"] == "10.01" and body["data"][1]["revenue"] == "30.00"
    body = report(stack, admin, SALES, start_date="2000-01-01", end_date="2000-12-31", group_by="month")
    assert len(body["data"]) == 12
    assert sum(p["orders"] for p in body["data"]) >= 3


def test_top_products_by_revenue_and_quantity(stack, admin):
    products = [make_product(stack, admin) for _ in range(3)]
    mysql(stack, "DELETE FROM product_sales_daily WHERE day BETWEEN '2001-02-01' AND '2001-02-28'")
    for product, (quantity, cents) in zip(products, [(1, 90000), (50, 5000), (10, 20000)]):
        set_sales(stack, "2001-02-10", product["id"], quantity, cents)
    fresh_reports(stack)
    by_revenue = report(stack, admin, TOP, start_date="2001-02-01", end_date="2001-02-28", limit=2)
    assert [p["product_id"] for p in by_revenue["data"]] == [products[0]["id"], products[2]["id"]]
    assert by_revenue["data"][0] == {"product_id": products[0]["id"], "sku": products[0]["sku"],
                                     "name": products[0]["name"], "quantity": 1, "revenue": "900.00"}
    by_quantity = report(stack, admin, TOP, start_date="2001-02-01", end_date="2001-02-28", by="quantity")
    assert [p["product_id"] for p in by_quantity["data"]][:3] == [products[1]["id"], products[2]["id"],
                                                                  products[0]["id"]]
    assert by_quantity["by"] == "quantity" and by_quantity["limit"] == 10


def report_once(stack, token, path, predicate, **params):
    """The report once predicate holds for it: the reports follow the
    orders once the relay has applied their events and moved the cache on
    (README.md, "Statistics"), polled with a generous bound."""
    seen = []

    def ready():
        seen[:] = [report(stack, token, path, **params)]
        return predicate(seen[0])
    assert wait_until(ready, 20), f"the report never caught up: {seen}"
    return seen[0]


def test_reports_follow_real_orders(stack, admin):
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    product = make_product(stack, admin, price="10.00", stock=100)
    stats_caught_up(stack)
    before = report(stack, admin, SALES, start_date=today, end_date=today)["data"][0]
    token, _ = new_customer(stack)
    kept = create_order(stack, token, [(product["id"], 3)])
    dropped = create_order(stack, token, [(product["id"], 2)])
    after = report_once(stack, admin, SALES, lambda r: r["data"][0]["orders"] == before["orders"] + 2,
                        start_date=today, end_date=today)["data"][0]
    assert after["orders"] == before["orders"] + 2
    assert after["items_sold"] == before["items_sold"] + 5
    response = api(stack, "POST", f"/api/v1/orders/{dropped['id']}/cancel", token, json={})
    assert response.status_code == 200, response.text
    cancelled = report_once(stack, admin, SALES, lambda r: r["data"][0]["orders"] == before["orders"] + 1,
                            start_date=today, end_date=today)["data"][0]
    assert cancelled["orders"] == before["orders"] + 1
    assert cancelled["items_sold"] == before["items_sold"] + 3
    cents = lambda text: round(float(text) * 100)  # noqa: E731
    assert cents(cancelled["revenue"]) - cents(before["revenue"]) == cents(kept["total_amount"])


def test_a_late_change_carries_to_the_days_after_it(stack, admin):
    """A change of an earlier day than the latest the relay keeps (here
    tomorrow, written ahead) moves the running totals of that day and every
    later one: an order placed today with a product never sold before, then
    cancelled.  The product's running totals, in its chunk's pack of each
    day, are what top products reads at a range's two ends."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    today = today.isoformat()
    product = make_product(stack, admin, price="7.00", stock=50)
    stats_caught_up(stack)
    set_day(stack, tomorrow, ("pending", 0, 0))
    fresh_reports(stack)

    def running():
        return packed_totals(stack, product["id"], today)
    try:
        token, _ = new_customer(stack)
        order = create_order(stack, token, [(product["id"], 4)])
        stats_caught_up(stack)
        assert aggregate_mismatches(stack) == (0, 0)
        cents = str(round(float(order["total_amount"]) * 100))
        assert running() == [[today, "4", cents], [tomorrow, "4", cents]]
        later = report(stack, admin, TOP, start_date=tomorrow, end_date=tomorrow, limit=100)
        assert product["id"] not in [p["product_id"] for p in later["data"]]
        response = api(stack, "POST", f"/api/v1/orders/{order['id']}/cancel", token, json={})
        assert response.status_code == 200, response.text
        stats_caught_up(stack)
        assert aggregate_mismatches(stack) == (0, 0)
        assert running() == [[today, "0", "0"], [tomorrow, "0", "0"]]
    finally:
        mysql(stack, f"DELETE FROM order_stats_daily WHERE day = '{tomorrow}'")
        fresh_reports(stack)


def test_default_range_is_the_last_30_days(stack, admin):
    body = report(stack, admin, SALES)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    assert body["end_date"] == today.isoformat()
    assert body["start_date"] == (today - datetime.timedelta(days=29)).isoformat()
    assert len(body["data"]) == 30


@pytest.mark.parametrize("path, params, field, code", [
    (SALES, {"start_date": "2001-02-30"}, "start_date", "invalid_date"),
    (SALES, {"end_date": "yesterday"}, "end_date", "invalid_date"),
    (SALES, {"start_date": "2001-01-01T00:00:00Z"}, "start_date", "invalid_date"),
    (SALES, {"start_date": "2001-01-02", "end_date": "2001-01-01"}, "start_date", "invalid_range"),
    (SALES, {"start_date": "2000-01-01", "end_date": "2003-01-01"}, "end_date", "range_too_long"),
    (SALES, {"group_by": "year"}, "group_by", "invalid_group_by"),
    (SALES, {"limit": "5"}, "limit", "unknown_parameter"),
    (TOP, {"by": "price"}, "by", "invalid_by"),
    (TOP, {"limit": "0"}, "limit", "out_of_range"),
    (TOP, {"limit": "101"}, "limit", "out_of_range"),
    (TOP, {"limit": "1e2"}, "limit", "out_of_range"),
    (TOP, {"limit": "010"}, "limit", "out_of_range"),
    (TOP, {"group_by": "day"}, "group_by", "unknown_parameter"),
])
def test_bad_report_queries_are_422(stack, admin, path, params, field, code):
    response = api(stack, "GET", path, admin, params=params)
    problem = check_problem_response(response, 422, "validation_failed")
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in problem["errors"]]


def test_a_three_year_range_is_allowed(stack, admin):
    body = report(stack, admin, SALES, start_date="2000-01-01", end_date="2002-12-31", group_by="month")
    assert len(body["data"]) == 36


def aof_increments(stack):
    """The bytes of Redis's append-only increment files: every write since
    the last rewrite, in the order Redis applied them."""
    directory = redis_cli(stack, "CONFIG", "GET", "dir").split()[1]
    subdir = redis_cli(stack, "CONFIG", "GET", "appenddirname").split()[1]
    return b"".join(p.read_bytes() for p in sorted(Path(directory, subdir).glob("*.incr.aof")))


def test_cached_answers_stay_out_of_the_aof(stack, admin, year_end):
    """A report of a year by day is some 40 kB: its cache entry is kept out
    of Redis's append-only file (README.md, "Caching"), while the generation
    bump that makes it unreachable is written there."""
    def version():
        return ".".join(redis_cli(stack, "GET", key).strip() or "0"
                        for key in ("orderapi:cache-epoch", "orderapi:gen:stats"))

    params = {"start_date": "2000-06-01", "end_date": "2001-05-31", "group_by": "day"}
    stats_caught_up(stack)
    # The relay bumps the stats generation after the events of earlier
    # tests' orders: a pair of requests that straddles a bump is tried again.
    for _ in range(5):
        redis_cli(stack, "INCR", "orderapi:gen:stats")
        before = version()
        miss = api(stack, "GET", SALES, admin, params=params)
        hit = api(stack, "GET", SALES, admin, params=params)
        if version() == before:
            break
    key = f"orderapi:cache:stats:{before}:sales:from=2000-06-01;to=2001-05-31;g=day"
    assert (miss.headers.get("X-Cache"), hit.headers.get("X-Cache")) == ("MISS", "HIT")
    assert hit.content == miss.content and len(miss.json()["data"]) == 365
    assert int(redis_cli(stack, "TTL", key)) > 0
    aof = aof_increments(stack)
    assert b"orderapi:gen:stats" in aof
    assert key.encode() not in aof


def test_reports_are_for_admins(stack):
    token, _ = new_customer(stack)
    for path in (SALES, TOP):
        check_problem_response(api(stack, "GET", path, token), 403, "forbidden")
        check_problem_response(stack.get(path), 401, "unauthenticated")
