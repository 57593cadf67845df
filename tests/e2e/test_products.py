"""Catalog and stock ledger (API.md, Products and stock): products, their
list cache, stock adjustments, and the admin stock-health report.

Every product this module creates carries a fresh uuid in its SKU and name,
so it never collides with other test files or earlier runs on the same stack.
"""

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import TIMEOUT, bearer, check_problem_response, login, media_type, register_user
from conftest import FRONT, stock_ledger


PRODUCTS = "/api/v1/products"
STOCK_HEALTH = "/api/v1/admin/stock/health"
PRODUCT_MEMBERS = {"id", "sku", "name", "description", "price", "tax_rate", "stock", "active",
                   "created_at", "updated_at"}
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
MONEY = re.compile(r"^\d+\.\d{2}$")
LOW_STOCK_CAP = 1000  # the stock-health report lists at most this many low-stock products


# ---------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def admin_token(stack):
    """The demo admin the stack creates (admin@example.com)."""
    return login(stack, stack.env.get("ORDERAPI_ADMIN_EMAIL", "admin@example.com"),
                 stack.env["ORDERAPI_ADMIN_PASSWORD"])


@pytest.fixture(scope="module")
def customer_token(stack):
    """A freshly registered customer."""
    email, password, _ = register_user(stack)
    return login(stack, email, password)


def tag():
    """A short unique word for SKUs, names and searches."""
    return uuid.uuid4().hex[:20]


def call(stack, method, path, token=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers.update(bearer(token))
    return stack.request(method, path, headers=headers, **kwargs)


def create(stack, token, **fields):
    """Creates a product (201 expected); returns its body."""
    body = {"sku": f"SKU-{tag()}", "name": f"Product {tag()}", "price": "10.00", **fields}
    response = call(stack, "POST", PRODUCTS, token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def get_product(stack, product_id):
    response = stack.get(f"{PRODUCTS}/{product_id}")
    assert response.status_code == 200, response.text
    return response.json()


def adjust(stack, token, product_id, delta, reason="test"):
    return call(stack, "POST", f"{PRODUCTS}/{product_id}/stock-adjustments", token,
                json={"delta": delta, "reason": reason})


def list_products(stack, **params):
    return stack.get(PRODUCTS, params=params)


def stock_health(stack, token, **params):
    response = call(stack, "GET", STOCK_HEALTH, token, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def check_product(body):
    assert set(body) == PRODUCT_MEMBERS, f"product members: {sorted(body)}"
    assert type(body["id"]) is int and body["id"] > 0
    assert type(body["stock"]) is int and body["stock"] >= 0
    assert type(body["active"]) is bool
    assert isinstance(body["price"], str) and MONEY.match(body["price"]), body["price"]
    assert isinstance(body["tax_rate"], str) and MONEY.match(body["tax_rate"]), body["tax_rate"]
    assert RFC3339_UTC.match(body["created_at"]), body["created_at"]
    assert RFC3339_UTC.match(body["updated_at"]), body["updated_at"]


def check_validation(response, *fields_and_codes):
    """A 422 validation_failed naming exactly these (field, code) pairs."""
    problem = check_problem_response(response, 422, "validation_failed")
    got = sorted((e["field"], e["code"]) for e in problem["errors"])
    assert got == sorted(fields_and_codes), problem["errors"]
    for entry in problem["errors"]:
        assert isinstance(entry.get("message"), str) and entry["message"]
    return problem


def check_unauthenticated(response):
    check_problem_response(response, 401)
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.split(" ")[0].lower() == "bearer", f"WWW-Authenticate: {challenge!r}"


def ledger(stack, product_id):
    """(row count, sum of deltas) of the product's stock ledger (its
    stock_movements rows and its order items as sales), straight from MariaDB."""
    return stock_ledger(stack, product_id)


# ---------------------------------------------------------------- create / get

def test_create_and_get(stack, admin_token):
    word = tag()
    body = {"sku": f"Widget-{word}", "name": f"Premium Widget {word}", "description": "Shiny.",
            "price": "12.50", "tax_rate": "8.25", "stock": 7, "active": True}
    response = call(stack, "POST", PRODUCTS, admin_token, json=body)
    assert response.status_code == 201, response.text
    assert media_type(response.headers["Content-Type"]) == "application/json"
    assert response.headers.get("X-Request-Id")
    product = response.json()
    check_product(product)
    assert product["sku"] == f"Widget-{word}"
    assert product["name"] == f"Premium Widget {word}"
    assert product["description"] == "Shiny."
    assert product["price"] == "12.50"
    assert product["tax_rate"] == "8.25"
    assert product["stock"] == 7
    assert product["active"] is True
    assert response.headers.get("Location") == f"{PRODUCTS}/{product['id']}"

    fetched = stack.get(response.headers["Location"])
    assert fetched.status_code == 200, fetched.text
    assert media_type(fetched.headers["Content-Type"]) == "application/json"
    assert fetched.json() == product

    # Initial stock is a ledger row.
    assert ledger(stack, product["id"]) == (1, 7)


def test_create_defaults(stack, admin_token):
    product = create(stack, admin_token, price=3)
    check_product(product)
    assert product["description"] is None
    assert product["tax_rate"] == "0.00"
    assert product["stock"] == 0
    assert product["active"] is True
    # No stock, no ledger row.
    assert ledger(stack, product["id"]) == (0, 0)


@pytest.mark.parametrize("given, shown", [
    ("12.5", "12.50"), (12, "12.00"), (0.1, "0.10"), ("0", "0.00"), (12.5, "12.50"),
    ("999999999.99", "999999999.99"), ("0.05", "0.05"),
])
def test_money_formats(stack, admin_token, given, shown):
    product = create(stack, admin_token, price=given, tax_rate=given if float(given) <= 100 else "0")
    assert product["price"] == shown
    if float(given) <= 100:
        assert product["tax_rate"] == shown
    assert get_product(stack, product["id"])["price"] == shown


@pytest.mark.parametrize("price, code", [
    ("12.345", "too_many_decimals"),
    (12.345, "too_many_decimals"),
    ("1.500", "too_many_decimals"),
    (-1, "must_not_be_negative"),
    ("-1.00", "must_not_be_negative"),
    ("abc", "invalid_amount"),
    ("1,00", "invalid_amount"),
    ("", "invalid_amount"),
    (" 1", "invalid_amount"),
    ("1e3", "invalid_amount"),
    (1e12, "out_of_range"),
    ("1000000000.00", "out_of_range"),
    (True, "invalid_type"),
    (None, "invalid_type"),
    ([1], "invalid_type"),
])
def test_bad_price_is_422(stack, admin_token, price, code):
    sku = f"bad-price-{tag()}"
    response = call(stack, "POST", PRODUCTS, admin_token,
                    json={"sku": sku, "name": "Bad price", "price": price})
    check_validation(response, ("price", code))
    # Nothing was created.
    listed = list_products(stack, q=sku).json()
    assert listed["total"] == 0 and listed["data"] == []


@pytest.mark.parametrize("sku, code", [
    ("", "invalid_sku"),
    ("-abc", "invalid_sku"),
    (".abc", "invalid_sku"),
    ("a b", "invalid_sku"),
    ("abc/def", "invalid_sku"),
    ("ab%c", "invalid_sku"),
    ("grüße", "invalid_sku"),
    ("a" * 65, "invalid_sku"),
    (123, "invalid_type"),
    (None, "invalid_type"),
])
def test_bad_sku_is_422(stack, admin_token, sku, code):
    response = call(stack, "POST", PRODUCTS, admin_token,
                    json={"sku": sku, "name": "Bad sku", "price": "1.00"})
    check_validation(response, ("sku", code))


def test_longest_sku_is_accepted(stack, admin_token):
    sku = (tag() + "x" * 64)[:64]
    product = create(stack, admin_token, sku=sku)
    assert product["sku"] == sku


def test_every_bad_field_is_reported(stack, admin_token):
    response = call(stack, "POST", PRODUCTS, admin_token,
                    json={"sku": "-x", "name": "", "price": "1.234", "tax_rate": 100.01,
                          "stock": -1, "active": "yes", "colour": "red"})
    check_validation(response, ("sku", "invalid_sku"), ("name", "required"),
                     ("price", "too_many_decimals"), ("tax_rate", "out_of_range"),
                     ("stock", "out_of_range"), ("active", "invalid_type"),
                     ("colour", "unknown_field"))

    response = call(stack, "POST", PRODUCTS, admin_token, json={})
    check_validation(response, ("sku", "required"), ("name", "required"), ("price", "required"))

    response = call(stack, "POST", PRODUCTS, admin_token,
                    json={"sku": f"s-{tag()}", "name": "n", "price": "1.00", "stock": 1.5})
    check_validation(response, ("stock", "invalid_type"))


def test_create_needs_json(stack, admin_token):
    response = call(stack, "POST", PRODUCTS, admin_token, data=b"{not json",
                    headers={"Content-Type": "application/json"})
    check_problem_response(response, 400, "malformed_json")
    response = call(stack, "POST", PRODUCTS, admin_token, data=b"[]",
                    headers={"Content-Type": "application/json"})
    check_problem_response(response, 400)
    response = call(stack, "POST", PRODUCTS, admin_token, data=b'{"sku": "x"}',
                    headers={"Content-Type": "text/plain"})
    check_problem_response(response, 415, "unsupported_media_type")


def test_duplicate_sku_is_409_in_any_case(stack, admin_token):
    sku = f"Dup-{tag()}"
    first = create(stack, admin_token, sku=sku)
    for again in (sku, sku.upper(), sku.lower()):
        response = call(stack, "POST", PRODUCTS, admin_token,
                        json={"sku": again, "name": "Second", "price": "2.00", "stock": 5})
        check_problem_response(response, 409, "sku_taken")
    listed = list_products(stack, q=sku).json()
    assert [p["id"] for p in listed["data"]] == [first["id"]]


@pytest.mark.parametrize("raw_id", ["abc", "0", "-1", "1.5", "99999999999999999999999", "18446744073709551616"])
def test_get_bad_or_unknown_id_is_404(stack, raw_id):
    response = stack.get(f"{PRODUCTS}/{raw_id}")
    check_problem_response(response, 404, "not_found")


def test_get_unknown_id_is_404(stack):
    response = stack.get(f"{PRODUCTS}/9223372036854775807")
    check_problem_response(response, 404, "not_found")


# ---------------------------------------------------------------- patch

def test_patch_changes_fields(stack, admin_token):
    product = create(stack, admin_token, price="5.00", tax_rate="7.00", stock=4, description="old")
    new_sku = f"New-{tag()}"
    response = call(stack, "PATCH", f"{PRODUCTS}/{product['id']}", admin_token,
                    json={"sku": new_sku, "name": "Renamed", "price": 6.5, "tax_rate": "19",
                          "active": False, "description": None})
    assert response.status_code == 200, response.text
    changed = response.json()
    check_product(changed)
    assert changed["id"] == product["id"]
    assert changed["sku"] == new_sku
    assert changed["name"] == "Renamed"
    assert changed["price"] == "6.50"
    assert changed["tax_rate"] == "19.00"
    assert changed["active"] is False
    assert changed["description"] is None
    assert changed["stock"] == 4
    assert changed["created_at"] == product["created_at"]
    assert get_product(stack, product["id"]) == changed

    # Fields left out stay as they are.
    response = call(stack, "PATCH", f"{PRODUCTS}/{product['id']}", admin_token, json={"price": "7"})
    assert response.status_code == 200, response.text
    again = response.json()
    assert again["price"] == "7.00"
    assert {k: v for k, v in again.items() if k not in ("price", "updated_at")} == \
        {k: v for k, v in changed.items() if k not in ("price", "updated_at")}


def test_patch_refuses_stock(stack, admin_token):
    product = create(stack, admin_token, stock=3, price="1.00")
    url = f"{PRODUCTS}/{product['id']}"
    response = call(stack, "PATCH", url, admin_token, json={"stock": 100})
    check_validation(response, ("stock", "not_allowed"))
    response = call(stack, "PATCH", url, admin_token, json={"stock": 100, "price": "1.234", "name": "x"})
    check_validation(response, ("stock", "not_allowed"), ("price", "too_many_decimals"))
    # A bad stock value is still one entry: the field is refused, not read.
    response = call(stack, "PATCH", url, admin_token, json={"stock": -1})
    check_validation(response, ("stock", "not_allowed"))
    after = get_product(stack, product["id"])
    assert after["stock"] == 3 and after["price"] == "1.00" and after["name"] == product["name"]
    assert ledger(stack, product["id"]) == (1, 3)


def test_patch_validation(stack, admin_token):
    product = create(stack, admin_token)
    url = f"{PRODUCTS}/{product['id']}"
    check_validation(call(stack, "PATCH", url, admin_token, json={"price": -1}),
                     ("price", "must_not_be_negative"))
    check_validation(call(stack, "PATCH", url, admin_token, json={"sku": "a b"}),
                     ("sku", "invalid_sku"))
    check_validation(call(stack, "PATCH", url, admin_token, json={"id": 5}),
                     ("id", "unknown_field"))
    check_validation(call(stack, "PATCH", url, admin_token, json={"active": 1}),
                     ("active", "invalid_type"))
    assert get_product(stack, product["id"]) == product


def test_patch_unknown_product_is_404(stack, admin_token):
    for raw_id in ("9223372036854775807", "abc", "0"):
        response = call(stack, "PATCH", f"{PRODUCTS}/{raw_id}", admin_token, json={"name": "x"})
        check_problem_response(response, 404, "not_found")


def test_patch_to_a_taken_sku_is_409(stack, admin_token):
    first = create(stack, admin_token)
    second = create(stack, admin_token)
    response = call(stack, "PATCH", f"{PRODUCTS}/{second['id']}", admin_token,
                    json={"sku": first["sku"].lower(), "name": "Clash"})
    check_problem_response(response, 409, "sku_taken")
    assert get_product(stack, second["id"]) == second
    # Keeping its own SKU (in another case) is not a clash.
    response = call(stack, "PATCH", f"{PRODUCTS}/{second['id']}", admin_token,
                    json={"sku": second["sku"].upper()})
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- stock adjustments

def test_stock_adjustments(stack, admin_token):
    product = create(stack, admin_token, stock=5)
    response = adjust(stack, admin_token, product["id"], 10, "restock")
    assert response.status_code == 200, response.text
    assert media_type(response.headers["Content-Type"]) == "application/json"
    body = response.json()
    check_product(body)
    assert body["stock"] == 15
    response = adjust(stack, admin_token, product["id"], -15, "write-off")
    assert response.status_code == 200, response.text
    assert response.json()["stock"] == 0
    assert get_product(stack, product["id"])["stock"] == 0
    assert ledger(stack, product["id"]) == (3, 0)


def test_stock_below_zero_is_409_and_changes_nothing(stack, admin_token):
    product = create(stack, admin_token, stock=3)
    response = adjust(stack, admin_token, product["id"], -5, "too much")
    problem = check_problem_response(response, 409, "insufficient_stock")
    assert problem["stock_issues"] == [{"product_id": product["id"], "product_name": product["name"],
                                        "requested": 5, "available": 3}]
    assert get_product(stack, product["id"])["stock"] == 3
    assert ledger(stack, product["id"]) == (1, 3)
    # Exactly down to zero is fine.
    response = adjust(stack, admin_token, product["id"], -3)
    assert response.status_code == 200, response.text
    assert response.json()["stock"] == 0
    problem = check_problem_response(adjust(stack, admin_token, product["id"], -1), 409, "insufficient_stock")
    assert problem["stock_issues"][0]["available"] == 0
    assert problem["stock_issues"][0]["requested"] == 1


def test_stock_above_the_maximum_is_422(stack, admin_token):
    product = create(stack, admin_token, stock=2147483000)
    check_validation(adjust(stack, admin_token, product["id"], 1000), ("delta", "out_of_range"))
    assert get_product(stack, product["id"])["stock"] == 2147483000
    response = adjust(stack, admin_token, product["id"], 647)
    assert response.status_code == 200, response.text
    assert response.json()["stock"] == 2147483647


@pytest.mark.parametrize("body, errors", [
    ({"delta": 0, "reason": "r"}, [("delta", "must_not_be_zero")]),
    ({"delta": 1000001, "reason": "r"}, [("delta", "out_of_range")]),
    ({"delta": -1000001, "reason": "r"}, [("delta", "out_of_range")]),
    ({"delta": "5", "reason": "r"}, [("delta", "invalid_type")]),
    ({"delta": 1.5, "reason": "r"}, [("delta", "invalid_type")]),
    ({"reason": "r"}, [("delta", "required")]),
    ({"delta": 1}, [("reason", "required")]),
    ({"delta": 1, "reason": 7}, [("reason", "invalid_type")]),
    ({"delta": 1, "reason": "r", "stock": 4}, [("stock", "unknown_field")]),
    ({}, [("delta", "required"), ("reason", "required")]),
])
def test_bad_stock_adjustment_is_422(stack, admin_token, body, errors):
    product = create(stack, admin_token, stock=1)
    response = call(stack, "POST", f"{PRODUCTS}/{product['id']}/stock-adjustments", admin_token, json=body)
    check_validation(response, *errors)
    assert get_product(stack, product["id"])["stock"] == 1


def test_largest_adjustment_is_accepted(stack, admin_token):
    product = create(stack, admin_token)
    response = adjust(stack, admin_token, product["id"], 1000000)
    assert response.status_code == 200, response.text
    assert response.json()["stock"] == 1000000
    response = adjust(stack, admin_token, product["id"], -1000000)
    assert response.status_code == 200, response.text
    assert response.json()["stock"] == 0


def test_adjusting_an_unknown_product_is_404(stack, admin_token):
    for raw_id in ("9223372036854775807", "abc"):
        response = adjust(stack, admin_token, raw_id, 1)
        check_problem_response(response, 404, "not_found")


@pytest.mark.skipif(FRONT == "apache-fcgid", reason=(
    "not under apache-fcgid: mod_fcgid queues requests beyond its processes in steps of a second, "
    "so 40 at once outlast the 5 s per request; test_orders' parallel orders cover a burst through it"))
def test_concurrent_adjustments_keep_the_ledger_consistent(stack, admin_token):
    product = create(stack, admin_token, stock=10)
    deltas = [3 if i % 4 == 0 else -2 for i in range(40)]  # 10 x +3, 30 x -2: must run dry
    start = threading.Barrier(len(deltas))

    def one(delta):
        start.wait(timeout=TIMEOUT)
        return delta, adjust(stack, admin_token, product["id"], delta, f"burst {delta:+d}")

    with ThreadPoolExecutor(max_workers=len(deltas)) as pool:
        results = list(pool.map(one, deltas))

    succeeded = [delta for delta, response in results if response.status_code == 200]
    refused = [response for delta, response in results if response.status_code != 200]
    assert all(r.status_code == 409 for r in refused), [(r.status_code, r.text[:200]) for r in refused]
    for delta, response in results:
        if delta > 0:
            assert response.status_code == 200, response.text
    # 10 + 30 can pay for at most 20 withdrawals of 2: at least 10 are refused.
    assert len(refused) >= 10
    for response in refused:
        problem = check_problem_response(response, 409, "insufficient_stock")
        issue, = problem["stock_issues"]
        assert issue["product_id"] == product["id"] and issue["requested"] == 2
        assert issue["available"] in (0, 1), issue

    final = get_product(stack, product["id"])["stock"]
    assert final == 10 + sum(succeeded)
    assert final >= 0
    assert ledger(stack, product["id"]) == (1 + len(succeeded), final)

    health = stock_health(stack, admin_token)
    assert health["consistent"] is True, health["ledger_mismatches"]
    assert health["ledger_mismatches"] == []
    assert product["id"] not in [m["product_id"] for m in health["ledger_mismatches"]]


# ---------------------------------------------------------------- stock health

def test_stock_health_report(stack, admin_token):
    low = create(stack, admin_token, stock=3, name=f"Low {tag()}")
    plenty = create(stack, admin_token, stock=50)
    health = stock_health(stack, admin_token, low_stock_threshold=3)
    assert set(health) == {"low_stock_threshold", "products_checked", "consistent", "low_stock",
                           "ledger_mismatches"}
    assert health["low_stock_threshold"] == 3
    assert type(health["products_checked"]) is int and health["products_checked"] >= 2
    assert health["consistent"] is True and health["ledger_mismatches"] == []
    entries = {e["product_id"]: e for e in health["low_stock"]}
    assert plenty["id"] not in entries
    assert all(e["stock"] <= 3 for e in health["low_stock"])
    stocks = [e["stock"] for e in health["low_stock"]]
    assert stocks == sorted(stocks), "low_stock is lowest first"
    # The report lists at most LOW_STOCK_CAP products, lowest stock first; on a
    # long-lived stack full of earlier runs' products ours may be past the cap.
    if len(health["low_stock"]) < LOW_STOCK_CAP:
        assert entries.get(low["id"]) == {"product_id": low["id"], "sku": low["sku"], "name": low["name"],
                                          "stock": 3}

    below = stock_health(stack, admin_token, low_stock_threshold=2)
    assert below["low_stock_threshold"] == 2
    assert low["id"] not in [e["product_id"] for e in below["low_stock"]]
    assert all(e["stock"] <= 2 for e in below["low_stock"])

    default = stock_health(stack, admin_token)
    assert default["low_stock_threshold"] == 5
    assert all(e["stock"] <= 5 for e in default["low_stock"])
    if len(default["low_stock"]) < LOW_STOCK_CAP:
        assert low["id"] in [e["product_id"] for e in default["low_stock"]]


@pytest.mark.parametrize("params, field, code", [
    ("low_stock_threshold=-1", "low_stock_threshold", "out_of_range"),
    ("low_stock_threshold=abc", "low_stock_threshold", "out_of_range"),
    ("low_stock_threshold=1000001", "low_stock_threshold", "out_of_range"),
    ("low_stock_threshold=", "low_stock_threshold", "out_of_range"),
    ("threshold=3", "threshold", "unknown_parameter"),
    ("low_stock_threshold=1&low_stock_threshold=2", "low_stock_threshold", "repeated_parameter"),
])
def test_stock_health_bad_query_is_422(stack, admin_token, params, field, code):
    response = call(stack, "GET", f"{STOCK_HEALTH}?{params}", admin_token)
    check_validation(response, (field, code))


# ---------------------------------------------------------------- roles

def test_customer_may_not_write(stack, admin_token, customer_token):
    product = create(stack, admin_token, stock=5)
    url = f"{PRODUCTS}/{product['id']}"
    writes = [
        ("POST", PRODUCTS, {"sku": f"cust-{tag()}", "name": "Nope", "price": "1.00"}),
        ("PATCH", url, {"name": "Nope"}),
        ("POST", f"{url}/stock-adjustments", {"delta": 5, "reason": "nope"}),
    ]
    for method, path, body in writes:
        check_problem_response(call(stack, method, path, customer_token, json=body), 403, "forbidden")
    check_problem_response(call(stack, "GET", STOCK_HEALTH, customer_token), 403, "forbidden")
    assert get_product(stack, product["id"]) == product
    # Reading is open to everyone.
    assert call(stack, "GET", url, customer_token).json() == product
    assert call(stack, "GET", PRODUCTS, customer_token, params={"q": product["sku"]}).status_code == 200


def test_anonymous_may_read_but_not_write(stack, admin_token):
    product = create(stack, admin_token, stock=5)
    url = f"{PRODUCTS}/{product['id']}"
    check_unauthenticated(call(stack, "POST", PRODUCTS,
                               json={"sku": f"anon-{tag()}", "name": "Nope", "price": "1.00"}))
    check_unauthenticated(call(stack, "PATCH", url, json={"name": "Nope"}))
    check_unauthenticated(call(stack, "POST", f"{url}/stock-adjustments", json={"delta": 5, "reason": "x"}))
    check_unauthenticated(call(stack, "GET", STOCK_HEALTH))
    check_unauthenticated(call(stack, "POST", PRODUCTS, token="not-a-jwt",
                               json={"sku": f"anon-{tag()}", "name": "Nope", "price": "1.00"}))
    assert get_product(stack, product["id"]) == product
    listed = list_products(stack, q=product["sku"])
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["data"]] == [product["id"]]


# ---------------------------------------------------------------- list

def test_list_search_filter_and_paging(stack, admin_token):
    word = tag()
    made = [create(stack, admin_token, sku=f"{word}-{i}", name=f"Item {i}") for i in range(3)]
    by_name = create(stack, admin_token, name=f"Named {word} thing")
    hidden = create(stack, admin_token, sku=f"{word}-off", name="Retired", active=False)
    everything = made + [by_name, hidden]

    response = list_products(stack, q=word)
    assert response.status_code == 200, response.text
    assert media_type(response.headers["Content-Type"]) == "application/json"
    listed = response.json()
    assert set(listed) == {"data", "page", "page_size", "total"}
    assert listed["page"] == 1 and listed["page_size"] == 20 and listed["total"] == 5
    assert [p["id"] for p in listed["data"]] == [p["id"] for p in everything]
    for item in listed["data"]:
        check_product(item)
    assert listed["data"][0] == made[0]

    # Search is case-insensitive on the SKU and the name.
    assert list_products(stack, q=word.upper()).json()["total"] == 5

    active = list_products(stack, q=word, active="true").json()
    assert [p["id"] for p in active["data"]] == [p["id"] for p in made + [by_name]]
    inactive = list_products(stack, q=word, active="false").json()
    assert [p["id"] for p in inactive["data"]] == [hidden["id"]] and inactive["total"] == 1

    page2 = list_products(stack, q=word, page=2, page_size=2).json()
    assert page2["page"] == 2 and page2["page_size"] == 2 and page2["total"] == 5
    assert [p["id"] for p in page2["data"]] == [made[2]["id"], by_name["id"]]
    page3 = list_products(stack, q=word, page=3, page_size=2).json()
    assert [p["id"] for p in page3["data"]] == [hidden["id"]]
    beyond = list_products(stack, q=word, page=9, page_size=2).json()
    assert beyond["data"] == [] and beyond["total"] == 5

    skipped = list_products(stack, q=word, skip=1, limit=3).json()
    assert skipped["total"] == 5
    assert skipped.get("skip") == 1 and skipped.get("limit") == 3
    assert [p["id"] for p in skipped["data"]] == [p["id"] for p in everything[1:4]]

    nothing = list_products(stack, q=f"none-{tag()}").json()
    assert nothing == {"data": [], "page": 1, "page_size": 20, "total": 0}


def test_list_wildcards_are_literal(stack, admin_token):
    word = tag()
    percent = create(stack, admin_token, name=f"{word} 50% off")
    create(stack, admin_token, name=f"{word} 50X off")
    underscore = create(stack, admin_token, sku=f"{word}_a")
    create(stack, admin_token, sku=f"{word}xa")
    backslash = create(stack, admin_token, name=f"{word} a\\b")
    create(stack, admin_token, name=f"{word} ab")

    got = list_products(stack, q=f"{word} 50%").json()
    assert [p["id"] for p in got["data"]] == [percent["id"]] and got["total"] == 1
    got = list_products(stack, q=f"{word}_a").json()
    assert [p["id"] for p in got["data"]] == [underscore["id"]] and got["total"] == 1
    got = list_products(stack, q=f"{word} a\\b").json()
    assert [p["id"] for p in got["data"]] == [backslash["id"]] and got["total"] == 1


@pytest.mark.parametrize("query, errors", [
    ("page=0", [("page", "out_of_range")]),
    ("page=-1", [("page", "out_of_range")]),
    ("page=abc", [("page", "out_of_range")]),
    ("page=1.5", [("page", "out_of_range")]),
    ("page_size=0", [("page_size", "out_of_range")]),
    ("page_size=101", [("page_size", "out_of_range")]),
    ("limit=101", [("limit", "out_of_range")]),
    ("limit=0", [("limit", "out_of_range")]),
    ("skip=-1", [("skip", "out_of_range")]),
    ("active=yes", [("active", "invalid_boolean")]),
    ("q=", [("q", "invalid_search")]),
    ("q=" + "x" * 101, [("q", "invalid_search")]),
    ("sort=id", [("sort", "unknown_parameter")]),
    ("page=1&page=2", [("page", "repeated_parameter")]),
    ("q=a&q=b", [("q", "repeated_parameter")]),
    ("page=1&skip=0", [("skip", "conflicting_parameters")]),
    ("page=0&page_size=101&x=1", [("page", "out_of_range"), ("page_size", "out_of_range"),
                                  ("x", "unknown_parameter")]),
])
def test_list_bad_query_is_422(stack, query, errors):
    response = stack.get(f"{PRODUCTS}?{query}")
    check_validation(response, *errors)


def test_list_largest_page_size_is_accepted(stack):
    response = list_products(stack, page_size=100, q=tag())
    assert response.status_code == 200, response.text
    assert response.json()["page_size"] == 100


# ---------------------------------------------------------------- list cache

def cached_list(stack, word, want):
    """Lists products matching word; asserts X-Cache is `want`; returns the body."""
    response = list_products(stack, q=word)
    assert response.status_code == 200, response.text
    assert response.headers.get("X-Cache") == want, f"X-Cache {response.headers.get('X-Cache')}, want {want}"
    assert response.headers.get("X-Request-Id")
    return response.json()


def test_list_cache_hit_then_fresh_after_each_write(stack, admin_token):
    word = tag()
    first = create(stack, admin_token, sku=f"{word}-1", price="1.00", stock=4)

    miss = cached_list(stack, word, "MISS")
    hit = cached_list(stack, word, "HIT")
    assert hit == miss
    assert [p["id"] for p in hit["data"]] == [first["id"]]

    # A create: the next read is fresh.
    second = create(stack, admin_token, sku=f"{word}-2", price="2.00")
    after_create = cached_list(stack, word, "MISS")
    assert [p["id"] for p in after_create["data"]] == [first["id"], second["id"]]
    assert after_create["total"] == 2
    assert cached_list(stack, word, "HIT") == after_create

    # A patch.
    response = call(stack, "PATCH", f"{PRODUCTS}/{first['id']}", admin_token, json={"price": "9.99"})
    assert response.status_code == 200, response.text
    after_patch = cached_list(stack, word, "MISS")
    assert after_patch["data"][0]["price"] == "9.99"
    assert cached_list(stack, word, "HIT") == after_patch

    # A stock adjustment.
    response = adjust(stack, admin_token, first["id"], 6)
    assert response.status_code == 200, response.text
    after_adjust = cached_list(stack, word, "MISS")
    assert after_adjust["data"][0]["stock"] == 10
    assert cached_list(stack, word, "HIT") == after_adjust

    # A refused write changes nothing, and the cached list is still right.
    check_problem_response(adjust(stack, admin_token, first["id"], -11), 409, "insufficient_stock")
    after_refusal = list_products(stack, q=word)
    assert after_refusal.json() == after_adjust

    # Deactivating drops it from the active list.
    cached = list_products(stack, q=word, active="true").json()
    assert len(cached["data"]) == 2
    response = call(stack, "PATCH", f"{PRODUCTS}/{second['id']}", admin_token, json={"active": False})
    assert response.status_code == 200, response.text
    fresh = list_products(stack, q=word, active="true")
    assert fresh.headers.get("X-Cache") == "MISS"
    assert [p["id"] for p in fresh.json()["data"]] == [first["id"]]


def test_list_cache_keeps_variants_apart(stack, admin_token):
    word = tag()
    create(stack, admin_token, sku=f"{word}-a", active=True)
    create(stack, admin_token, sku=f"{word}-b", active=False)
    everything = list_products(stack, q=word).json()
    only_active = list_products(stack, q=word, active="true").json()
    only_inactive = list_products(stack, q=word, active="false").json()
    small_page = list_products(stack, q=word, page_size=1).json()
    assert (everything["total"], only_active["total"], only_inactive["total"]) == (2, 1, 1)
    assert len(small_page["data"]) == 1 and small_page["page_size"] == 1
    # Read again: served from the cache, still each its own answer.
    for params, want in ((dict(q=word), everything), (dict(q=word, active="true"), only_active),
                         (dict(q=word, active="false"), only_inactive),
                         (dict(q=word, page_size=1), small_page)):
        response = list_products(stack, **params)
        assert response.headers.get("X-Cache") == "HIT"
        assert response.json() == want
