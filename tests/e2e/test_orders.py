"""Orders (API.md, Orders, Idempotency, Caching): placing orders, their
totals and validation, stock checks, reading and listing, ownership (BOLA),
the list cache, statistics, idempotency keys and concurrency.

Every product and customer this module creates is fresh (uuid SKUs and
emails), so the tests never collide with other files or earlier runs.
"""

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

from conftest import (ORDERS_PATH, api, assert_stock_consistent, check_problem_response, create_order,
                      demo_admin_token, make_product, master_serves_http, media_type, mysql, new_customer, place_order,
                      product_stock, stats_caught_up, stock_ledger, aggregate_mismatches, wait_until)


RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
MONEY = re.compile(r"^\d+\.\d{2}$")
ORDER_NUMBER = re.compile(r"^ORD-(\d{8})-(\d{4,})$")
ADDRESS = {"full_name": "Ada Lovelace", "line1": "1 Analytical Way", "city": "London",
           "state": "CA", "postal_code": "94105", "country": "US"}
TIMESTAMPS = ("confirmed_at", "shipped_at", "delivered_at", "completed_at", "cancelled_at")


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def admin(stack):
    return demo_admin_token(stack)


@pytest.fixture
def customer(stack):
    """A fresh customer per test: (token, user)."""
    return new_customer(stack)


@pytest.fixture(scope="module")
def idle_customer(stack):
    """A customer shared by tests in which no order ever succeeds."""
    return new_customer(stack)


def check_validation(response, *fields_and_codes):
    """A 422 validation_failed naming exactly these (field, code) pairs."""
    problem = check_problem_response(response, 422, "validation_failed")
    got = sorted((e["field"], e["code"]) for e in problem["errors"])
    assert got == sorted(fields_and_codes), problem["errors"]
    for entry in problem["errors"]:
        assert isinstance(entry.get("message"), str) and entry["message"]
    return problem


def list_orders(stack, token, **params):
    response = api(stack, "GET", ORDERS_PATH, token, params=params)
    assert response.status_code == 200, response.text
    return response


def my_total(stack, token):
    """How many orders the caller's own list holds."""
    return list_orders(stack, token).json()["total"]


def set_status(stack, admin, order_id, status, **extra):
    response = api(stack, "PUT", f"{ORDERS_PATH}/{order_id}/status", admin, json={"status": status, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def cancel(stack, token, order_id):
    response = api(stack, "POST", f"{ORDERS_PATH}/{order_id}/cancel", token, json={})
    assert response.status_code == 200, response.text
    return response.json()


def check_order_shape(order):
    for name in ("subtotal", "tax_amount", "shipping_amount", "discount_amount", "total_amount"):
        assert isinstance(order[name], str) and MONEY.match(order[name]), (name, order[name])
    assert type(order["id"]) is int and order["id"] > 0
    assert type(order["version"]) is int and order["version"] >= 1
    assert ORDER_NUMBER.match(order["order_number"]), order["order_number"]
    assert RFC3339_UTC.match(order["created_at"]), order["created_at"]
    assert RFC3339_UTC.match(order["updated_at"]), order["updated_at"]
    for item in order.get("items", []):
        for name in ("unit_price", "subtotal", "tax_amount", "total_amount"):
            assert isinstance(item[name], str) and MONEY.match(item[name]), (name, item[name])


# ---------------------------------------------------------------- create

def test_create_with_exact_totals(stack, admin, customer):
    token, user = customer
    product = make_product(stack, admin, price="12.50", tax_rate="8.25", stock=10)
    response = place_order(stack, token, [(product["id"], 2)])
    assert response.status_code == 201, response.text
    assert media_type(response.headers["Content-Type"]) == "application/json"
    order = response.json()
    check_order_shape(order)
    assert response.headers.get("Location") == f"{ORDERS_PATH}/{order['id']}"
    etag = response.headers.get("ETag", "")
    assert etag.startswith('"') and etag.endswith('"'), f"ETag {etag!r} is not a strong entity tag"
    assert order["user_id"] == user["id"]
    assert (order["status"], order["payment_status"], order["priority"]) == ("pending", "pending", "normal")
    assert order["currency"] == "USD"
    assert order["version"] == 1
    assert order["shipping_address"] is None
    assert all(order[name] is None for name in TIMESTAMPS)
    assert len(order["items"]) == 1
    item = order["items"][0]
    assert item["product_id"] == product["id"]
    assert item["sku"] == product["sku"] and item["product_name"] == product["name"]
    assert (item["unit_price"], item["quantity"], item["subtotal"], item["tax_amount"],
            item["total_amount"]) == ("12.50", 2, "25.00", "2.06", "27.06")
    assert item["tax_rate"] == "8.25"
    assert order["item_count"] == 1
    assert (order["subtotal"], order["tax_amount"], order["shipping_amount"], order["discount_amount"],
            order["total_amount"]) == ("25.00", "2.06", "0.00", "0.00", "27.06")
    assert product_stock(stack, product["id"]) == 8
    assert stock_ledger(stack, product["id"]) == (2, 8)

    # With a shipping address below the free-shipping threshold: + 5.00 flat.
    shipped = create_order(stack, token, [(product["id"], 2)], shipping_address=ADDRESS,
                           payment_method="card", customer_name="Ada Lovelace",
                           customer_email="ada@example.com", customer_phone="+14155550123", notes="Ring twice")
    assert (shipped["subtotal"], shipped["tax_amount"], shipped["shipping_amount"],
            shipped["total_amount"]) == ("25.00", "2.06", "5.00", "32.06")
    assert shipped["shipping_address"] == {**ADDRESS, "line2": None}
    assert shipped["payment_method"] == "card"
    assert (shipped["customer_name"], shipped["customer_email"], shipped["customer_phone"],
            shipped["notes"]) == ("Ada Lovelace", "ada@example.com", "+14155550123", "Ring twice")
    assert shipped["order_number"] != order["order_number"]
    assert product_stock(stack, product["id"]) == 6


def test_shipping_is_free_at_the_threshold(stack, admin, customer):
    token, _ = customer
    at = make_product(stack, admin, price="12.50", tax_rate="8.25", stock=20)
    below = make_product(stack, admin, price="33.33", stock=20)
    free = create_order(stack, token, [(at["id"], 8)], shipping_address=ADDRESS)
    assert (free["subtotal"], free["tax_amount"], free["shipping_amount"],
            free["total_amount"]) == ("100.00", "8.25", "0.00", "108.25")
    charged = create_order(stack, token, [(below["id"], 3)], shipping_address=ADDRESS)
    assert (charged["subtotal"], charged["tax_amount"], charged["shipping_amount"],
            charged["total_amount"]) == ("99.99", "0.00", "5.00", "104.99")


def test_admin_may_place_an_order(stack, admin):
    """Without user_id a cashier's order is a walk-in's: no customer, placed
    by the cashier."""
    product = make_product(stack, admin, stock=3)
    me = api(stack, "GET", "/api/v1/auth/me", admin).json()
    order = create_order(stack, admin, [(product["id"], 1)])
    assert order["user_id"] is None and order["placed_by"] == me["id"]
    assert order["total_amount"] == "10.00"


def test_repeated_product_is_merged(stack, admin, customer):
    token, _ = customer
    first = make_product(stack, admin, price="10.00", stock=10)
    second = make_product(stack, admin, price="1.25", stock=10)
    order = create_order(stack, token, [
        {"product_id": first["id"], "quantity": 1, "notes": "gift"},
        {"product_id": second["id"], "quantity": 1},
        {"product_id": first["id"], "quantity": 2},
    ])
    lines = {item["product_id"]: item for item in order["items"]}
    assert len(order["items"]) == 2 and set(lines) == {first["id"], second["id"]}
    assert lines[first["id"]]["quantity"] == 3
    assert lines[first["id"]]["subtotal"] == "30.00"
    assert lines[second["id"]]["quantity"] == 1
    assert order["item_count"] == 2
    assert order["subtotal"] == "31.25" and order["total_amount"] == "31.25"
    assert product_stock(stack, first["id"]) == 7
    assert stock_ledger(stack, first["id"]) == (2, 7)


def test_tax_is_rounded_half_up_per_line(stack, admin, customer):
    token, _ = customer
    half = make_product(stack, admin, price="0.10", tax_rate="5.00", stock=10)      # 0.005 -> 0.01
    other = make_product(stack, admin, price="0.10", tax_rate="5.00", stock=10)     # 0.005 -> 0.01
    under = make_product(stack, admin, price="0.10", tax_rate="4.99", stock=10)     # 0.00499 -> 0.00
    order = create_order(stack, token, [(half["id"], 1), (other["id"], 1), (under["id"], 1)])
    taxes = {item["product_id"]: item["tax_amount"] for item in order["items"]}
    assert taxes == {half["id"]: "0.01", other["id"]: "0.01", under["id"]: "0.00"}
    assert (order["subtotal"], order["tax_amount"], order["total_amount"]) == ("0.30", "0.02", "0.32")


def test_largest_order_is_accepted(stack, admin, customer):
    """100 lines and a quantity of 10000 are the limits, not past them."""
    token, _ = customer
    product = make_product(stack, admin, price="0.01", stock=10100)
    order = create_order(stack, token, [(product["id"], 1)] * 100)
    assert [item["quantity"] for item in order["items"]] == [100]
    big = create_order(stack, token, [(product["id"], 10000)])
    assert big["items"][0]["quantity"] == 10000 and big["subtotal"] == "100.00"
    assert product_stock(stack, product["id"]) == 0


def _items(pid, **line):
    return [{"product_id": pid, "quantity": 1, **line}]


@pytest.mark.parametrize("make_body, errors", [
    (lambda pid: {}, [("items", "required")]),
    (lambda pid: {"items": []}, [("items", "required")]),
    (lambda pid: {"items": {}}, [("items", "invalid_type")]),
    (lambda pid: {"items": [1]}, [("items[0]", "invalid_type")]),
    (lambda pid: {"items": _items(pid, quantity=0)}, [("items[0].quantity", "must_be_positive")]),
    (lambda pid: {"items": _items(pid, quantity=-3)}, [("items[0].quantity", "must_be_positive")]),
    (lambda pid: {"items": _items(pid, quantity=10001)}, [("items[0].quantity", "too_large")]),
    (lambda pid: {"items": _items(pid, quantity="2")}, [("items[0].quantity", "invalid_type")]),
    (lambda pid: {"items": _items(pid, quantity=1.5)}, [("items[0].quantity", "invalid_type")]),
    (lambda pid: {"items": [{"quantity": 1}]}, [("items[0].product_id", "required")]),
    (lambda pid: {"items": _items(0)}, [("items[0].product_id", "must_be_positive")]),
    (lambda pid: {"items": [{"product_id": pid + i, "quantity": 1} for i in range(101)]},
     [("items", "too_many_items")]),
    (lambda pid: {"items": [{"product_id": pid, "quantity": 6000}, {"product_id": pid, "quantity": 6000}]},
     [("items", "too_large")]),
    (lambda pid: {"items": _items(pid), "coupon": "FREE"}, [("coupon", "unknown_field")]),
    (lambda pid: {"items": _items(pid, colour="red")}, [("items[0].colour", "unknown_field")]),
    (lambda pid: {"items": _items(pid), "payment_method": "bitcoin"},
     [("payment_method", "invalid_payment_method")]),
    (lambda pid: {"items": _items(pid), "customer_email": "not-an-email"},
     [("customer_email", "invalid_email")]),
    (lambda pid: {"items": _items(pid), "customer_phone": "12345"}, [("customer_phone", "invalid_phone")]),
    (lambda pid: {"items": _items(pid), "shipping_address": {**ADDRESS, "country": "us"}},
     [("shipping_address.country", "invalid_country")]),
    (lambda pid: {"items": _items(pid), "shipping_address": {"full_name": "A", "country": "US"}},
     [("shipping_address.line1", "required"), ("shipping_address.city", "required"),
      ("shipping_address.postal_code", "required")]),
    (lambda pid: {"items": _items(pid), "shipping_address": "1 Main St"},
     [("shipping_address", "invalid_type")]),
])
def test_bad_order_body_is_422(stack, admin, idle_customer, make_body, errors):
    token, _ = idle_customer
    product = make_product(stack, admin, stock=5)
    response = api(stack, "POST", ORDERS_PATH, token, json=make_body(product["id"]))
    check_validation(response, *errors)
    assert product_stock(stack, product["id"]) == 5
    assert my_total(stack, token) == 0


def test_one_entry_per_bad_field(stack, admin, customer):
    """API.md: "one entry per bad field" -- a three-letter country is one
    error (too long or not an ISO code), not two."""
    token, _ = customer
    product = make_product(stack, admin, stock=5)
    response = place_order(stack, token, [(product["id"], 1)], shipping_address={**ADDRESS, "country": "USA"})
    problem = check_problem_response(response, 422, "validation_failed")
    entries = [(e["field"], e["code"]) for e in problem["errors"]]
    assert len(entries) == 1, entries
    assert entries[0] in (("shipping_address.country", "too_long"),
                          ("shipping_address.country", "invalid_country"))


def test_one_422_lists_every_bad_field(stack, admin, customer):
    token, _ = customer
    product = make_product(stack, admin, stock=5)
    body = {
        "items": [{"product_id": product["id"], "quantity": 0},
                  {"product_id": "seven", "quantity": 1},
                  {"product_id": product["id"], "quantity": 10001}],
        "payment_method": "barter",
        "customer_email": "nope",
        "shipping_address": {**ADDRESS, "country": "us"},
        "status": "shipped",
    }
    check_validation(api(stack, "POST", ORDERS_PATH, token, json=body),
                     ("items[0].quantity", "must_be_positive"),
                     ("items[1].product_id", "invalid_type"),
                     ("items[2].quantity", "too_large"),
                     ("payment_method", "invalid_payment_method"),
                     ("customer_email", "invalid_email"),
                     ("shipping_address.country", "invalid_country"),
                     ("status", "unknown_field"))
    assert product_stock(stack, product["id"]) == 5


def test_server_owned_fields_are_refused(stack, admin, customer):
    """Mass assignment: prices, totals, status, owner and number are the
    server's; naming any of them is 422 and creates nothing."""
    token, _ = customer
    victim_token, victim = new_customer(stack)
    product = make_product(stack, admin, price="50.00", stock=5)
    owned = {"user_id": victim["id"], "status": "delivered", "payment_status": "paid",
             "order_number": "ORD-20000101-0001", "subtotal": "0.01", "tax_amount": "0.00",
             "shipping_amount": "0.00", "discount_amount": "49.99", "total_amount": "0.01",
             "priority": "urgent", "version": 7, "id": 1, "placed_by": victim["id"]}
    line = {"product_id": product["id"], "quantity": 1, "unit_price": "0.01", "subtotal": "0.01",
            "total_amount": "0.01"}
    response = api(stack, "POST", ORDERS_PATH, token, json={"items": [line], **owned})
    # user_id is a cashier's (point of sale): from a customer it is not_allowed.
    code = {name: "not_allowed" if name == "user_id" else "unknown_field" for name in owned}
    check_validation(response, *[(name, code[name]) for name in owned],
                     ("items[0].unit_price", "unknown_field"), ("items[0].subtotal", "unknown_field"),
                     ("items[0].total_amount", "unknown_field"))
    # One by one too: each alone is enough to refuse the order.
    for name, value in owned.items():
        response = place_order(stack, token, [(product["id"], 1)], **{name: value})
        check_validation(response, (name, code[name]))
    assert product_stock(stack, product["id"]) == 5
    assert my_total(stack, token) == 0
    assert my_total(stack, victim_token) == 0


def test_unknown_and_inactive_products_are_422(stack, admin, customer):
    token, _ = customer
    good = make_product(stack, admin, stock=5)
    inactive = make_product(stack, admin, stock=5)
    patched = api(stack, "PATCH", f"/api/v1/products/{inactive['id']}", admin, json={"active": False})
    assert patched.status_code == 200, patched.text
    response = place_order(stack, token, [(good["id"], 1), (999999999, 1), (inactive["id"], 1)])
    problem = check_problem_response(response, 422, "unknown_product")
    got = sorted((e["field"], e["code"]) for e in problem["errors"])
    assert got == [("items[1].product_id", "unknown_product"), ("items[2].product_id", "inactive_product")]
    assert product_stock(stack, good["id"]) == 5 and product_stock(stack, inactive["id"]) == 5
    assert stock_ledger(stack, good["id"]) == (1, 5)
    assert my_total(stack, token) == 0


def test_insufficient_stock_lists_every_short_product_and_changes_nothing(stack, admin, customer):
    token, _ = customer
    short_a = make_product(stack, admin, stock=2)
    short_b = make_product(stack, admin, stock=1)
    plenty = make_product(stack, admin, stock=10)
    empty = make_product(stack, admin)  # stock 0
    response = place_order(stack, token, [(plenty["id"], 1), (short_a["id"], 5), (short_b["id"], 3),
                                          (empty["id"], 1)])
    problem = check_problem_response(response, 409, "insufficient_stock")
    issues = sorted(problem["stock_issues"], key=lambda i: i["product_id"])
    want = sorted([
        {"product_id": short_a["id"], "product_name": short_a["name"], "requested": 5, "available": 2},
        {"product_id": short_b["id"], "product_name": short_b["name"], "requested": 3, "available": 1},
        {"product_id": empty["id"], "product_name": empty["name"], "requested": 1, "available": 0},
    ], key=lambda i: i["product_id"])
    assert issues == want
    for product, stock in ((short_a, 2), (short_b, 1), (plenty, 10), (empty, 0)):
        assert product_stock(stack, product["id"]) == stock
        assert stock_ledger(stack, product["id"]) == ((1, stock) if stock else (0, 0))
    assert my_total(stack, token) == 0
    assert_stock_consistent(stack, admin, short_a["id"], short_b["id"], plenty["id"])

    # Exactly the available amount is fine.
    create_order(stack, token, [(short_a["id"], 2), (short_b["id"], 1)])
    assert product_stock(stack, short_a["id"]) == 0 and product_stock(stack, short_b["id"]) == 0


def test_order_number_format_and_uniqueness(stack, admin, customer):
    token, _ = customer
    product = make_product(stack, admin, stock=10)
    numbers = []
    for _ in range(5):
        order = create_order(stack, token, [(product["id"], 1)])
        match = ORDER_NUMBER.match(order["order_number"])
        assert match, order["order_number"]
        assert match.group(1) == order["created_at"][:10].replace("-", "")
        numbers.append(order["order_number"])
    assert len(set(numbers)) == 5
    today = datetime.now(timezone.utc).strftime("%Y%m%d")
    assert any(n.startswith(f"ORD-{today}-") for n in numbers)


def test_order_needs_a_token_and_json(stack, admin):
    product = make_product(stack, admin, stock=5)
    response = stack.request("POST", ORDERS_PATH, json={"items": [{"product_id": product["id"], "quantity": 1}]})
    check_problem_response(response, 401)
    token, _ = new_customer(stack)
    response = api(stack, "POST", ORDERS_PATH, token, data=b'{"items": [',
                   headers={"Content-Type": "application/json"})
    check_problem_response(response, 400, "malformed_json")
    response = api(stack, "POST", ORDERS_PATH, token, data=b'{"items": []}',
                   headers={"Content-Type": "text/plain"})
    check_problem_response(response, 415)
    assert product_stock(stack, product["id"]) == 5


# ---------------------------------------------------------------- read

def test_get_order_with_etag(stack, admin, customer):
    token, _ = customer
    product = make_product(stack, admin, price="12.50", tax_rate="8.25", stock=5)
    created = place_order(stack, token, [(product["id"], 2)])
    assert created.status_code == 201, created.text
    order = created.json()
    path = f"{ORDERS_PATH}/{order['id']}"
    fetched = api(stack, "GET", path, token)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == order
    etag = fetched.headers.get("ETag")
    assert etag and not etag.startswith("W/") and etag == created.headers["ETag"]
    # A conditional GET with the current tag is 304 without a body.
    not_modified = api(stack, "GET", path, token, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    # The admin reads it too; after a change the tag moves on.
    assert api(stack, "GET", path, admin).json() == order
    set_status(stack, admin, order["id"], "confirmed")
    again = api(stack, "GET", path, token)
    assert again.status_code == 200 and again.json()["version"] == 2
    assert again.headers["ETag"] != etag
    assert api(stack, "GET", path, token, headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize("raw_id", ["999999999", "0", "-1", "abc", "1.5", "99999999999999999999999"])
def test_get_unknown_or_bad_id_is_404(stack, idle_customer, raw_id):
    token, _ = idle_customer
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/{raw_id}", token), 404, "not_found")


def test_reading_orders_needs_a_token(stack):
    check_problem_response(stack.get(ORDERS_PATH), 401)
    check_problem_response(stack.get(f"{ORDERS_PATH}/1"), 401)
    check_problem_response(stack.get(f"{ORDERS_PATH}/my-orders"), 401)


def test_status_options_for_anyone(stack):
    response = stack.get(f"{ORDERS_PATH}/status-options")
    assert response.status_code == 200, response.text
    options = response.json()
    assert sorted(options["statuses"]) == sorted(["pending", "confirmed", "processing", "shipped", "delivered",
                                                  "completed", "cancelled", "refunded"])
    assert sorted(options["payment_statuses"]) == ["failed", "paid", "pending", "refunded"]
    transitions = {k: sorted(v) for k, v in options["transitions"].items()}
    assert transitions == {
        "pending": ["cancelled", "confirmed", "processing"],
        "confirmed": ["cancelled", "processing", "shipped"],
        "processing": ["cancelled", "completed", "shipped"],
        "shipped": ["delivered"],
        "delivered": ["completed", "refunded"],
        "completed": ["refunded"],
        "cancelled": [],
        "refunded": [],
    }
    payments = {k: sorted(v) for k, v in options["payment_transitions"].items()}
    assert payments == {"pending": ["failed", "paid"], "failed": ["paid", "pending"], "paid": ["refunded"],
                        "refunded": []}


# ---------------------------------------------------------------- lists

@pytest.fixture
def three_orders(stack, admin, customer):
    """A customer with orders of 10.00 (pending), 20.00 (confirmed) and
    30.00 (cancelled), placed in that order."""
    token, user = customer
    product = make_product(stack, admin, price="10.00", stock=10)
    orders = [create_order(stack, token, [(product["id"], q)]) for q in (1, 2, 3)]
    set_status(stack, admin, orders[1]["id"], "confirmed")
    cancel(stack, token, orders[2]["id"])
    return token, user, orders


def ids_of(response):
    return [o["id"] for o in response.json()["data"]]


def test_list_filters_sort_and_paging(stack, admin, three_orders):
    token, user, (ten, twenty, thirty) = three_orders
    everything = list_orders(stack, token).json()
    assert everything["total"] == 3 and everything["page"] == 1 and everything["page_size"] == 20
    assert [o["id"] for o in everything["data"]] == [thirty["id"], twenty["id"], ten["id"]]
    for entry in everything["data"]:
        assert "items" not in entry
        assert entry["user_id"] == user["id"]
        check_order_shape(entry)

    def ids(**params):
        return ids_of(list_orders(stack, token, **params))

    assert ids(status="pending") == [ten["id"]]
    assert ids(status="pending,confirmed") == [twenty["id"], ten["id"]]
    assert ids(status="cancelled") == [thirty["id"]]
    assert ids(status="shipped") == []
    assert ids(payment_status="pending") == [thirty["id"], twenty["id"], ten["id"]]
    assert ids(priority="normal") == [thirty["id"], twenty["id"], ten["id"]]
    assert ids(min_amount="15") == [thirty["id"], twenty["id"]]
    assert ids(max_amount="20.00") == [twenty["id"], ten["id"]]
    assert ids(min_amount="15.00", max_amount="25") == [twenty["id"]]
    assert ids(min_amount="20.01") == [thirty["id"]]
    assert ids(order_number=twenty["order_number"]) == [twenty["id"]]
    assert ids(sort="total_amount") == [ten["id"], twenty["id"], thirty["id"]]
    assert ids(sort="-total_amount") == [thirty["id"], twenty["id"], ten["id"]]
    assert ids(sort="created_at") == [ten["id"], twenty["id"], thirty["id"]]
    assert ids(sort="-created_at") == [thirty["id"], twenty["id"], ten["id"]]
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert ids(start_date=today, end_date=today, sort="created_at") in (
        [ten["id"], twenty["id"], thirty["id"]], [])  # [] only across midnight UTC
    assert ids(end_date="2000-01-01") == []
    assert ids(start_date="2999-01-01") == []

    page1 = list_orders(stack, token, page_size=2).json()
    assert (page1["page"], page1["page_size"], page1["total"]) == (1, 2, 3)
    assert [o["id"] for o in page1["data"]] == [thirty["id"], twenty["id"]]
    page2 = list_orders(stack, token, page=2, page_size=2).json()
    assert (page2["page"], page2["total"]) == (2, 3)
    assert [o["id"] for o in page2["data"]] == [ten["id"]]
    assert list_orders(stack, token, page=3, page_size=2).json()["data"] == []
    skipped = list_orders(stack, token, skip=1, limit=1).json()
    assert [o["id"] for o in skipped["data"]] == [twenty["id"]] and skipped["total"] == 3

    # The admin sees them through user_id; filters combine.
    by_user = list_orders(stack, admin, user_id=user["id"]).json()
    assert by_user["total"] == 3
    assert ids_of(list_orders(stack, admin, user_id=user["id"], status="confirmed,cancelled",
                              sort="total_amount")) == [twenty["id"], thirty["id"]]
    assert ids_of(list_orders(stack, admin, order_number=ten["order_number"])) == [ten["id"]]


def test_my_orders(stack, admin, three_orders):
    token, user, (ten, twenty, thirty) = three_orders
    response = api(stack, "GET", f"{ORDERS_PATH}/my-orders", token, params={"skip": 1, "limit": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 3
    assert [o["id"] for o in body["data"]] == [twenty["id"], ten["id"]]
    assert all("items" not in o and o["user_id"] == user["id"] for o in body["data"])
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/my-orders", admin), 403, "forbidden")


@pytest.mark.parametrize("params, errors", [
    ({"status": "bogus"}, [("status", "invalid_status")]),
    ({"status": "pending,bogus"}, [("status", "invalid_status")]),
    ({"payment_status": "unpaid"}, [("payment_status", "invalid_payment_status")]),
    ({"priority": "asap"}, [("priority", "invalid_priority")]),
    ({"sort": "price"}, [("sort", "invalid_sort")]),
    ({"min_amount": "abc"}, [("min_amount", "invalid_amount")]),
    ({"min_amount": "1.234"}, [("min_amount", "too_many_decimals")]),
    ({"max_amount": "-1"}, [("max_amount", "must_not_be_negative")]),
    ({"min_amount": "20", "max_amount": "10"}, [("max_amount", "invalid_range")]),
    ({"start_date": "yesterday"}, [("start_date", "invalid_date")]),
    ({"end_date": "2026-13-01"}, [("end_date", "invalid_date")]),
    ({"start_date": "2026-02-02", "end_date": "2026-02-01"}, [("end_date", "invalid_range")]),
    ({"page": "0"}, [("page", "out_of_range")]),
    ({"page_size": "101"}, [("page_size", "out_of_range")]),
    ({"page_size": "x"}, [("page_size", "out_of_range")]),
    ({"limit": "0"}, [("limit", "out_of_range")]),
    ({"skip": "-1"}, [("skip", "out_of_range")]),
    ({"page": "1", "skip": "0"}, [("skip", "conflicting_parameters")]),
    ({"colour": "red"}, [("colour", "unknown_parameter")]),
    ({"order_number": "12345"}, [("order_number", "invalid_order_number")]),
])
def test_list_bad_query_is_422(stack, idle_customer, params, errors):
    token, _ = idle_customer
    check_validation(api(stack, "GET", ORDERS_PATH, token, params=params), *errors)


def test_list_repeated_parameter_is_422(stack, idle_customer):
    token, _ = idle_customer
    response = api(stack, "GET", f"{ORDERS_PATH}?status=pending&status=confirmed", token)
    check_validation(response, ("status", "repeated_parameter"))


# ---------------------------------------------------------------- ownership

def test_another_customer_never_sees_an_order(stack, admin):
    """BOLA: a second customer probing the first one's order gets 404 on
    every order route (403 on the admin-only ones) and only their own data
    in lists; the order is unchanged afterwards."""
    owner_token, owner = new_customer(stack)
    other_token, other = new_customer(stack)
    product = make_product(stack, admin, stock=5)
    order = create_order(stack, owner_token, [(product["id"], 2)])
    mine = create_order(stack, other_token, [(product["id"], 1)])
    path = f"{ORDERS_PATH}/{order['id']}"

    probes = [
        ("GET", path, None),
        ("PATCH", path, {"notes": "mine now"}),
        ("DELETE", path, None),
        ("POST", f"{path}/cancel", {}),
        ("POST", f"{path}/cancel", None),
        ("GET", f"{path}/history", None),
        ("GET", f"{path}/statistics", None),
    ]
    for method, url, body in probes:
        response = api(stack, method, url, other_token, json=body)
        problem = check_problem_response(response, 404, "not_found")
        assert str(order["id"]) not in problem["detail"]
    for method, url, body in [("PUT", f"{path}/status", {"status": "cancelled"}),
                              ("PATCH", f"{path}/status", {"status": "cancelled"}),
                              ("PATCH", f"{path}/payment", {"payment_status": "paid"})]:
        check_problem_response(api(stack, method, url, other_token, json=body), 403, "forbidden")
    # A probe of a missing order answers exactly the same way.
    missing = api(stack, "GET", f"{ORDERS_PATH}/999999999", other_token)
    check_problem_response(missing, 404, "not_found")

    # Lists: user_id is ignored for a customer, who only ever sees their own,
    # even when the owner's identical list is in the cache.
    for params in ({"user_id": owner["id"]}, {"order_number": order["order_number"]}):
        assert order["id"] in ids_of(list_orders(stack, owner_token, **params))
    for params in ({"user_id": owner["id"]}, {"order_number": order["order_number"]},
                   {"user_id": owner["id"], "status": "pending"}):
        listed = list_orders(stack, other_token, **params).json()
        assert order["id"] not in [o["id"] for o in listed["data"]]
        assert all(o["user_id"] == other["id"] for o in listed["data"])
    assert ids_of(list_orders(stack, other_token, user_id=owner["id"])) == [mine["id"]]
    my_orders = api(stack, "GET", f"{ORDERS_PATH}/my-orders", other_token).json()
    assert [o["id"] for o in my_orders["data"]] == [mine["id"]]

    # Nothing happened to the owner's order.
    now = api(stack, "GET", path, owner_token)
    assert now.status_code == 200
    assert now.json() == order
    assert product_stock(stack, product["id"]) == 2
    history = api(stack, "GET", f"{path}/history", owner_token).json()["data"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [(None, "pending")]


# ---------------------------------------------------------------- cache

def test_list_cache_hit_then_fresh_after_each_write(stack, admin, customer):
    token, user = customer
    product = make_product(stack, admin, price="10.00", stock=10)
    first = create_order(stack, token, [(product["id"], 1)])

    def cached(expect, token=token, **params):
        response = list_orders(stack, token, **params)
        assert response.headers.get("X-Cache") == expect, (expect, response.headers.get("X-Cache"))
        return response.json()

    assert cached("MISS")["total"] == 1
    hit = cached("HIT")
    assert hit["total"] == 1 and hit["data"][0]["id"] == first["id"]

    # A create: the writer's next list is fresh and shows it.
    second = create_order(stack, token, [(product["id"], 2)])
    fresh = cached("MISS")
    assert [o["id"] for o in fresh["data"]] == [second["id"], first["id"]]
    cached("HIT")

    # A cancel.
    cancel(stack, token, second["id"])
    fresh = cached("MISS")
    assert {o["id"]: o["status"] for o in fresh["data"]} == {second["id"]: "cancelled", first["id"]: "pending"}
    cached("HIT")

    # A status change by the admin: the admin's list and the owner's are fresh.
    cached("MISS", admin, user_id=user["id"])
    cached("HIT", admin, user_id=user["id"])
    set_status(stack, admin, first["id"], "confirmed")
    by_admin = cached("MISS", admin, user_id=user["id"])
    assert {o["id"]: o["status"] for o in by_admin["data"]}[first["id"]] == "confirmed"
    assert {o["id"]: o["status"] for o in cached("MISS")["data"]}[first["id"]] == "confirmed"
    assert [o["id"] for o in cached("MISS", status="confirmed")["data"]] == [first["id"]]


# ---------------------------------------------------------------- stats

def get_stats(stack, admin, **params):
    response = api(stack, "GET", f"{ORDERS_PATH}/stats", admin, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def cents(money):
    whole, frac = money.split(".")
    return int(whole) * 100 + int(frac)


def top_entry(stats, product_id):
    return next((p for p in stats["top_products"] if p["product_id"] == product_id), None)


def test_stats_follow_creates_and_cancels(stack, admin, customer):
    token, _ = customer
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    # A best seller (quantity 1000) so it is in the top 10 whatever else sold today.
    product = make_product(stack, admin, price="1.00", tax_rate="10.00", stock=5000)
    stats_caught_up(stack)
    before = get_stats(stack, admin)
    for key in ("orders_by_status", "orders_by_payment_status", "order_count", "revenue",
                "average_order_value", "daily", "top_products"):
        assert key in before, key
    assert MONEY.match(before["revenue"]) and MONEY.match(before["average_order_value"])
    assert set(before["orders_by_status"]) == {"pending", "confirmed", "processing", "shipped", "delivered",
                                               "completed", "cancelled", "refunded"}

    order = create_order(stack, token, [(product["id"], 1000)], shipping_address=ADDRESS)
    assert order["total_amount"] == "1100.00"  # 1000.00 + 100.00 tax, shipping free
    stats_caught_up(stack)
    after = get_stats(stack, admin)
    assert after["order_count"] == before["order_count"] + 1
    assert cents(after["revenue"]) == cents(before["revenue"]) + 110000
    assert after["orders_by_status"]["pending"] == before["orders_by_status"]["pending"] + 1
    assert after["orders_by_payment_status"]["pending"] == before["orders_by_payment_status"]["pending"] + 1
    assert sum(after["orders_by_status"].values()) == after["order_count"]
    assert sum(after["orders_by_payment_status"].values()) == after["order_count"]
    top = top_entry(after, product["id"])
    assert top == {"product_id": product["id"], "name": product["name"], "quantity": 1000,
                   "revenue": "1100.00"}
    counted = after["order_count"] - after["orders_by_status"]["cancelled"] - after["orders_by_status"]["refunded"]
    assert cents(after["average_order_value"]) == (cents(after["revenue"]) * 2 + counted) // (2 * counted)

    day = get_stats(stack, admin, start_date=today, end_date=today)
    assert day["order_count"] >= 1
    assert [d["date"] for d in day["daily"]] == [today]
    assert day["daily"][0]["orders"] == day["order_count"]
    assert day["daily"][0]["revenue"] == day["revenue"]
    assert get_stats(stack, admin, start_date="2000-01-01", end_date="2000-01-31")["order_count"] == 0

    # Cancelled: still counted, no longer revenue, gone from the top products.
    cancel(stack, token, order["id"])
    stats_caught_up(stack)
    cancelled = get_stats(stack, admin)
    assert cancelled["order_count"] == after["order_count"]
    assert cents(cancelled["revenue"]) == cents(before["revenue"])
    assert cancelled["orders_by_status"]["pending"] == before["orders_by_status"]["pending"]
    assert cancelled["orders_by_status"]["cancelled"] == before["orders_by_status"]["cancelled"] + 1
    assert top_entry(cancelled, product["id"]) is None


@pytest.mark.parametrize("params, errors", [
    ({"start_date": "2026-11-22T10:00:00Z"}, [("start_date", "whole_days_only")]),
    ({"end_date": "2026-11-22T00:00:00+01:00"}, [("end_date", "whole_days_only")]),
    ({"start_date": "22/11/2026"}, [("start_date", "invalid_date")]),
    ({"start_date": "2026-11-23", "end_date": "2026-11-22"}, [("start_date", "invalid_range")]),
    ({"status": "pending"}, [("status", "unknown_parameter")]),
])
def test_stats_bad_query_is_422(stack, admin, params, errors):
    check_validation(api(stack, "GET", f"{ORDERS_PATH}/stats", admin, params=params), *errors)


def test_stats_are_for_admins(stack, idle_customer):
    token, _ = idle_customer
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/stats", token), 403, "forbidden")
    check_problem_response(stack.get(f"{ORDERS_PATH}/stats"), 401)


# ---------------------------------------------------------------- idempotency

def test_idempotency_replay_and_mismatch(stack, admin, customer):
    token, _ = customer
    product = make_product(stack, admin, price="12.50", tax_rate="8.25", stock=10)
    key = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    first = place_order(stack, token, [(product["id"], 2)], headers=key)
    assert first.status_code == 201, first.text
    assert first.headers.get("Idempotent-Replayed") is None

    again = place_order(stack, token, [(product["id"], 2)], headers=key)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert again.headers.get("Location") == first.headers["Location"]
    assert product_stock(stack, product["id"]) == 8
    assert my_total(stack, token) == 1

    # Same key, different body: refused, nothing happens.
    other = place_order(stack, token, [(product["id"], 3)], headers=key)
    check_problem_response(other, 422, "idempotency_key_reused")
    assert product_stock(stack, product["id"]) == 8
    assert my_total(stack, token) == 1

    # Keys are per user: another customer's identical key is a new order.
    second_token, _ = new_customer(stack)
    theirs = place_order(stack, second_token, [(product["id"], 2)], headers=key)
    assert theirs.status_code == 201, theirs.text
    assert theirs.headers.get("Idempotent-Replayed") is None
    assert theirs.json()["id"] != first.json()["id"]
    assert product_stock(stack, product["id"]) == 6


def test_idempotency_replays_a_failure_too(stack, admin, customer):
    """The first answer is the answer: a 409 is replayed even after stock arrives."""
    token, _ = customer
    product = make_product(stack, admin, stock=1)
    key = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    first = place_order(stack, token, [(product["id"], 2)], headers=key)
    check_problem_response(first, 409, "insufficient_stock")
    adjusted = api(stack, "POST", f"/api/v1/products/{product['id']}/stock-adjustments", admin,
                   json={"delta": 5, "reason": "restock"})
    assert adjusted.status_code == 200, adjusted.text
    again = place_order(stack, token, [(product["id"], 2)], headers=key)
    assert again.status_code == 409
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["stock_issues"] == first.json()["stock_issues"]
    assert product_stock(stack, product["id"]) == 6
    assert my_total(stack, token) == 0


def test_concurrent_duplicates_make_one_order(stack, admin, customer):
    token, _ = customer
    product = make_product(stack, admin, stock=50)
    key = {"Idempotency-Key": f"order-{uuid.uuid4()}"}
    barrier = threading.Barrier(10)

    def one(_):
        barrier.wait()
        return place_order(stack, token, [(product["id"], 1)], headers=key)

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(one, range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [(r.status_code, r.text[:200]) for r in responses]
    created = [r for r in responses if r.status_code == 201]
    assert created, "no request succeeded"
    assert len({r.json()["id"] for r in created}) == 1
    assert sum(1 for r in created if r.headers.get("Idempotent-Replayed") != "true") == 1
    for r in responses:
        if r.status_code == 409:
            check_problem_response(r, 409, "idempotency_in_progress")
    assert my_total(stack, token) == 1
    number = created[0].json()["order_number"]
    assert list_orders(stack, admin, order_number=number).json()["total"] == 1
    assert product_stock(stack, product["id"]) == 49
    # Once settled, the key replays.
    late = place_order(stack, token, [(product["id"], 1)], headers=key)
    assert late.status_code == 201 and late.headers.get("Idempotent-Replayed") == "true"
    assert late.json()["id"] == created[0].json()["id"]


# ---------------------------------------------------------------- concurrency

def test_parallel_orders_never_oversell(stack, admin):
    """120 parallel orders of one unit each against a stock of 30, from six
    customers: exactly 30 succeed, the rest are 409, the stock ends at 0 and
    the ledger agrees."""
    product = make_product(stack, admin, stock=30)
    customers = [new_customer(stack)[0] for _ in range(6)]
    barrier = threading.Barrier(24)

    def one(i):
        if i < 24:
            barrier.wait()
        return place_order(stack, customers[i % len(customers)], [(product["id"], 1)])

    with ThreadPoolExecutor(24) as pool:
        responses = list(pool.map(one, range(120)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, [(r.status_code, r.text[:200]) for r in responses if
                                         r.status_code not in (201, 409)]
    assert statuses.count(201) == 30, statuses
    assert statuses.count(409) == 90
    for r in responses:
        if r.status_code == 409:
            problem = check_problem_response(r, 409, "insufficient_stock")
            assert problem["stock_issues"] == [{"product_id": product["id"], "product_name": product["name"],
                                                "requested": 1, "available": 0}]
    orders = [r.json() for r in responses if r.status_code == 201]
    assert len({o["id"] for o in orders}) == 30
    assert len({o["order_number"] for o in orders}) == 30
    assert all(ORDER_NUMBER.match(o["order_number"]) for o in orders)
    sold = sum(item["quantity"] for o in orders for item in o["items"])
    stock = product_stock(stack, product["id"])
    assert stock == 0 and stock + sold == 30
    assert stock_ledger(stack, product["id"]) == (31, 0)
    assert sum(my_total(stack, token) for token in customers) == 30
    assert_stock_consistent(stack, admin, product["id"])


def test_stats_follow_status_and_payment_changes(stack, admin, customer):
    token, _ = customer
    product = make_product(stack, admin, price="7.00", stock=10)
    order = create_order(stack, token, [(product["id"], 1)])
    stats_caught_up(stack)
    before = get_stats(stack, admin)
    set_status(stack, admin, order["id"], "confirmed")
    paid = api(stack, "PATCH", f"{ORDERS_PATH}/{order['id']}/payment", admin, json={"payment_status": "paid"})
    assert paid.status_code == 200, paid.text
    stats_caught_up(stack)
    after = get_stats(stack, admin)
    assert after["order_count"] == before["order_count"]
    assert after["revenue"] == before["revenue"]
    assert after["orders_by_status"]["pending"] == before["orders_by_status"]["pending"] - 1
    assert after["orders_by_status"]["confirmed"] == before["orders_by_status"]["confirmed"] + 1
    assert after["orders_by_payment_status"]["pending"] == before["orders_by_payment_status"]["pending"] - 1
    assert after["orders_by_payment_status"]["paid"] == before["orders_by_payment_status"]["paid"] + 1
    # A discount moves revenue by exactly its amount.
    discounted = api(stack, "PATCH", f"{ORDERS_PATH}/{order['id']}", admin, json={"discount_amount": "2.50"})
    assert discounted.status_code == 200, discounted.text
    stats_caught_up(stack)
    assert cents(get_stats(stack, admin)["revenue"]) == cents(before["revenue"]) - 250
    assert aggregate_mismatches(stack) == (0, 0)


def test_stats_show_an_order_once_the_relay_has_applied_it(stack, admin, customer):
    """The statistics follow the outbox: the relay applies order.created to
    the aggregates and then moves the stats cache on by itself, so a cached
    answer read before the order gives way to one that counts it, within
    the relay's delay (polled with a generous bound; the cache's TTL is a
    minute)."""
    token, _ = customer
    product = make_product(stack, admin, price="3.00", stock=10)
    stats_caught_up(stack)
    before = get_stats(stack, admin)
    # The answer without the order is in the cache: only a bump makes way.
    assert wait_until(lambda: api(stack, "GET", f"{ORDERS_PATH}/stats", admin).headers.get("X-Cache") == "HIT",
                      10), "the stats answer was never cached"
    create_order(stack, token, [(product["id"], 2)])

    def counted():
        now = get_stats(stack, admin)
        return now["order_count"] == before["order_count"] + 1
    assert wait_until(counted, 20), "the stats never counted the order"
    after = get_stats(stack, admin)
    assert cents(after["revenue"]) == cents(before["revenue"]) + 600


def test_parallel_orders_in_any_product_order_never_deadlock(stack, admin):
    """Orders naming two products in opposite orders, in parallel: every
    one either succeeds or is 409, stock never goes below zero."""
    first = make_product(stack, admin, stock=20)
    second = make_product(stack, admin, stock=20)
    tokens = [new_customer(stack)[0] for _ in range(4)]
    barrier = threading.Barrier(16)

    def one(i):
        if i < 16:
            barrier.wait()
        pair = [(first["id"], 1), (second["id"], 1)]
        return place_order(stack, tokens[i % 4], pair if i % 2 else pair[::-1])

    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(one, range(40)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 20 and statuses.count(409) == 20, statuses
    assert product_stock(stack, first["id"]) == 0 and product_stock(stack, second["id"]) == 0
    assert stock_ledger(stack, first["id"]) == (21, 0) and stock_ledger(stack, second["id"]) == (21, 0)
    assert_stock_consistent(stack, admin, first["id"], second["id"])


# ---------------------------------------------------------------- guests

def guest_token(stack, phone):
    """A guest token as /phone-verifications/verify would issue, minted with
    PyJWT and the stack's key (API.md: any standard library's token works)."""
    import time

    import jwt  # Debian's python3-jwt
    now = int(time.time())
    claims = {"role": "guest", "phone": phone, "jti": uuid.uuid4().hex, "iat": now, "exp": now + 600,
              "iss": stack.env.get("ORDERAPI_JWT_ISSUER", "orderapi"),
              "aud": stack.env.get("ORDERAPI_JWT_AUDIENCE", "orderapi")}
    return jwt.encode(claims, stack.env["ORDERAPI_JWT_SECRET"], algorithm="HS256")


def random_phone():
    return "+1415" + str(uuid.uuid4().int)[:7]


def test_guest_orders_belong_to_the_phone(stack, admin, customer):
    token, _ = customer
    guest = guest_token(stack, random_phone())
    other_guest = guest_token(stack, random_phone())
    product = make_product(stack, admin, stock=10)
    response = place_order(stack, guest, [(product["id"], 2)])
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["user_id"] is None
    assert order["customer_phone"] and order["customer_phone"].startswith("+1415")
    mine = create_order(stack, token, [(product["id"], 1)])
    path = f"{ORDERS_PATH}/{order['id']}"

    assert api(stack, "GET", path, guest).json() == order
    assert ids_of(list_orders(stack, guest)) == [order["id"]]
    for intruder in (other_guest, token):
        check_problem_response(api(stack, "GET", path, intruder), 404, "not_found")
        check_problem_response(api(stack, "POST", f"{path}/cancel", intruder, json={}), 404, "not_found")
        assert order["id"] not in ids_of(list_orders(stack, intruder))
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/{mine['id']}", guest), 404, "not_found")
    assert ids_of(list_orders(stack, other_guest)) == []
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/my-orders", guest), 403, "forbidden")
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/stats", guest), 403, "forbidden")

    cancelled = api(stack, "POST", f"{path}/cancel", guest, json={})
    assert cancelled.status_code == 200, cancelled.text
    assert product_stock(stack, product["id"]) == 9
    assert api(stack, "GET", path, admin).json()["status"] == "cancelled"


@master_serves_http("the pre-forked workers keep blocks of order numbers between requests")
def test_an_order_number_taken_under_a_worker_is_replaced_not_a_500(stack):
    """A worker reserves order numbers in blocks and keeps what it has not
    used.  When the day's sequence is put back under it (a restored backup,
    a reseeded database), the numbers it kept may be taken already: the
    order must still be placed, with a number newly reserved, not fail with
    a 500.  Here every number up to the sequence that no order has is taken
    by a placeholder row, so every worker's kept numbers are taken."""
    product = make_product(stack, demo_admin_token(stack), stock=1000)
    token, user = new_customer(stack)
    burst = 4 * stack.workers_wanted

    def orders():
        with ThreadPoolExecutor(burst) as pool:
            return list(pool.map(lambda _: place_order(stack, token, [(product["id"], 1)]), range(burst)))

    for _ in range(3):  # every worker has reserved a block and kept some of it
        assert all(r.status_code == 201 for r in orders())
    template = mysql(stack, f"SELECT id FROM orders WHERE user_id = {int(user['id'])} LIMIT 1")[0][0]
    columns = [row[0] for row in mysql(stack, "SELECT column_name FROM information_schema.columns WHERE"
                                       " table_schema = DATABASE() AND table_name = 'orders'"
                                       " AND column_name NOT IN ('id', 'order_number') ORDER BY ordinal_position")]
    number = ("CONCAT('ORD-', DATE_FORMAT(UTC_DATE(), '%Y%m%d'), '-',"
              " IF(s.seq < 1000, LPAD(s.seq, 4, '0'), s.seq))")
    last = int(mysql(stack, "SELECT last_value FROM order_number_sequences WHERE day = UTC_DATE()")[0][0])
    names = ", ".join(columns)
    log_offset = stack.log_size()
    mysql(stack, f"INSERT INTO orders (order_number, {names}) SELECT {number}, {names} FROM orders o"
                 f" JOIN seq_1_to_{last} s WHERE o.id = {int(template)} AND NOT EXISTS"
                 f" (SELECT 1 FROM orders x WHERE x.order_number = {number})")
    try:
        placed = orders()
        assert [r.status_code for r in placed] == [201] * burst, [r.text[:200] for r in placed]
        numbers = [r.json()["order_number"] for r in placed]
        assert len(set(numbers)) == burst
        assert "was taken already" in stack.log_since(log_offset), "no worker kept a number: nothing was tested"
    finally:
        mysql(stack, f"DELETE o FROM orders o LEFT JOIN order_items i ON i.order_id = o.id"
                     f" WHERE o.user_id = {int(user['id'])} AND i.id IS NULL")
