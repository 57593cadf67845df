"""The life of an order after it is placed (API.md, Orders): status and
payment transitions, If-Match, edits by the owner and the admin, cancel and
delete (stock restored exactly once), history and per-order statistics.
"""

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import (ORDERS_PATH, api, assert_stock_consistent, check_problem_response, create_order,
                      demo_admin_token, make_product, mysql, new_customer, product_stock, stock_ledger)


RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
ADDRESS = {"full_name": "Ada Lovelace", "line1": "1 Analytical Way", "line2": None, "city": "London",
           "state": None, "postal_code": "94105", "country": "US"}
TRANSITIONS = {
    "pending": {"confirmed", "processing", "cancelled"},
    "confirmed": {"processing", "shipped", "cancelled"},
    "processing": {"shipped", "completed", "cancelled"},
    "shipped": {"delivered"},
    "delivered": {"completed", "refunded"},
    "completed": {"refunded"},
    "cancelled": set(),
    "refunded": set(),
}
STATUSES = list(TRANSITIONS)
# How to walk a fresh (pending) order to each status.
PATH_TO = {
    "pending": [],
    "confirmed": ["confirmed"],
    "processing": ["processing"],
    "shipped": ["confirmed", "shipped"],
    "delivered": ["confirmed", "shipped", "delivered"],
    "completed": ["processing", "completed"],
    "cancelled": ["cancelled"],
    "refunded": ["processing", "completed", "refunded"],
}
TIMESTAMP_OF = {"confirmed": "confirmed_at", "shipped": "shipped_at", "delivered": "delivered_at",
                "completed": "completed_at", "cancelled": "cancelled_at"}
PAYMENT_TRANSITIONS = {
    "pending": {"paid", "failed"},
    "failed": {"pending", "paid"},
    "paid": {"refunded"},
    "refunded": set(),
}
PAYMENT_PATH_TO = {"pending": [], "paid": ["paid"], "failed": ["failed"], "refunded": ["paid", "refunded"]}


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="module")
def admin(stack):
    return demo_admin_token(stack)


@pytest.fixture(scope="module")
def admin_id(stack, admin):
    return api(stack, "GET", "/api/v1/auth/me", admin).json()["id"]


@pytest.fixture(scope="module")
def owner(stack):
    """One customer for the whole module: (token, user)."""
    return new_customer(stack)


@pytest.fixture(scope="module")
def product(stack, admin):
    """A well-stocked product for orders whose stock nobody checks."""
    return make_product(stack, admin, price="12.50", tax_rate="8.25", stock=100000)


def check_validation(response, *fields_and_codes):
    problem = check_problem_response(response, 422, "validation_failed")
    got = sorted((e["field"], e["code"]) for e in problem["errors"])
    assert got == sorted(fields_and_codes), problem["errors"]
    return problem


def new_order(stack, token, product, quantity=2, **fields):
    return create_order(stack, token, [(product["id"], quantity)], **fields)


def order_path(order):
    return f"{ORDERS_PATH}/{order['id']}"


def put_status(stack, token, order, status, **kwargs):
    body = {"status": status}
    body.update(kwargs.pop("extra", {}))
    return api(stack, "PUT", f"{order_path(order)}/status", token, json=body, **kwargs)


def walk(stack, admin, order, statuses):
    """Moves the order through statuses (each 200); returns the last body."""
    for status in statuses:
        response = put_status(stack, admin, order, status)
        assert response.status_code == 200, (status, response.text)
        order = response.json()
        assert order["status"] == status
    return order


def set_payment(stack, token, order, payment_status, **extra):
    return api(stack, "PATCH", f"{order_path(order)}/payment", token,
               json={"payment_status": payment_status, **extra})


def fetch(stack, token, order):
    response = api(stack, "GET", order_path(order), token)
    assert response.status_code == 200, response.text
    return response


def history(stack, token, order):
    response = api(stack, "GET", f"{order_path(order)}/history", token)
    assert response.status_code == 200, response.text
    return response.json()["data"]


# ---------------------------------------------------------------- status transitions

ALLOWED_EDGES = [(a, b) for a in STATUSES for b in STATUSES if b in TRANSITIONS[a]]


@pytest.mark.parametrize("source, target", ALLOWED_EDGES, ids=[f"{a}-{b}" for a, b in ALLOWED_EDGES])
def test_allowed_transition(stack, admin, owner, product, source, target):
    token, _ = owner
    order = walk(stack, admin, new_order(stack, token, product), PATH_TO[source])
    before = fetch(stack, admin, order)
    response = put_status(stack, admin, order, target, extra={"note": f"to {target}"})
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["status"] == target
    assert moved["version"] == order["version"] + 1
    assert response.headers.get("ETag") and response.headers["ETag"] != before.headers["ETag"]
    assert moved["updated_at"] >= order["updated_at"]
    column = TIMESTAMP_OF.get(target)
    if column:
        assert moved[column] is not None and RFC3339_UTC.match(moved[column]), moved
    # Earlier timestamps are kept, later ones not yet set.
    for status, name in TIMESTAMP_OF.items():
        if status == target:
            continue
        if status in PATH_TO[source] or status == source:
            assert moved[name] == order[name] and moved[name] is not None
        else:
            assert moved[name] is None, (name, moved)
    assert fetch(stack, token, order).json() == moved
    last = history(stack, admin, order)[-1]
    assert (last["kind"], last["from_status"], last["to_status"], last["note"]) == (
        "status", source, target, f"to {target}")


@pytest.mark.parametrize("source", STATUSES)
def test_disallowed_transitions_are_409(stack, admin, owner, product, source):
    token, _ = owner
    order = walk(stack, admin, new_order(stack, token, product), PATH_TO[source])
    for target in STATUSES:
        if target == source or target in TRANSITIONS[source]:
            continue
        response = put_status(stack, admin, order, target)
        problem = check_problem_response(response, 409, "invalid_transition")
        assert problem.get("from") == source
        assert sorted(problem.get("allowed", [])) == sorted(TRANSITIONS[source])
    now = fetch(stack, admin, order).json()
    assert now == order, "a refused transition changed the order"

    # The current status again is a 200 no-op: same version, no history row.
    rows = len(history(stack, admin, order))
    same = put_status(stack, admin, order, source)
    assert same.status_code == 200, same.text
    assert same.json() == order
    assert same.json()["version"] == order["version"]
    assert len(history(stack, admin, order)) == rows


def test_cancelling_through_the_status_route_restores_stock(stack, admin, owner):
    token, _ = owner
    stocked = make_product(stack, admin, stock=10)
    order = create_order(stack, token, [(stocked["id"], 4)])
    assert product_stock(stack, stocked["id"]) == 6
    walk(stack, admin, order, ["processing", "cancelled"])
    assert product_stock(stack, stocked["id"]) == 10
    assert stock_ledger(stack, stocked["id"]) == (3, 10)
    assert_stock_consistent(stack, admin, stocked["id"])


@pytest.mark.parametrize("body, errors", [
    ({"status": "lost"}, [("status", "invalid_status")]),
    ({"status": "Pending"}, [("status", "invalid_status")]),
    ({}, [("status", "required")]),
    ({"status": 3}, [("status", "invalid_type")]),
    ({"status": "confirmed", "version": 1}, [("version", "unknown_field")]),
])
def test_bad_status_body_is_422(stack, admin, owner, product, body, errors):
    token, _ = owner
    order = new_order(stack, token, product)
    response = api(stack, "PUT", f"{order_path(order)}/status", admin, json=body)
    check_validation(response, *errors)
    assert fetch(stack, admin, order).json()["status"] == "pending"


def test_patch_is_an_alias_of_put_for_status(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    response = api(stack, "PATCH", f"{order_path(order)}/status", admin, json={"status": "confirmed"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "confirmed"


def test_customers_may_not_set_status_or_payment(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    check_problem_response(put_status(stack, token, order, "confirmed"), 403, "forbidden")
    check_problem_response(set_payment(stack, token, order, "paid"), 403, "forbidden")
    check_problem_response(api(stack, "PUT", f"{order_path(order)}/status", None, json={"status": "confirmed"}),
                           401)
    now = fetch(stack, token, order).json()
    assert (now["status"], now["payment_status"], now["version"]) == ("pending", "pending", 1)


def test_unknown_order_is_404_for_the_admin(stack, admin):
    check_problem_response(api(stack, "PUT", f"{ORDERS_PATH}/999999999/status", admin,
                               json={"status": "confirmed"}), 404, "not_found")
    check_problem_response(api(stack, "PATCH", f"{ORDERS_PATH}/999999999/payment", admin,
                               json={"payment_status": "paid"}), 404, "not_found")
    check_problem_response(api(stack, "POST", f"{ORDERS_PATH}/999999999/cancel", admin, json={}),
                           404, "not_found")
    check_problem_response(api(stack, "DELETE", f"{ORDERS_PATH}/999999999", admin), 404, "not_found")


# ---------------------------------------------------------------- payment

PAYMENT_STATES = list(PAYMENT_TRANSITIONS)


@pytest.mark.parametrize("source", PAYMENT_STATES)
def test_payment_transitions(stack, admin, owner, product, source):
    token, _ = owner
    for target in PAYMENT_STATES:
        order = new_order(stack, token, product)
        for step in PAYMENT_PATH_TO[source]:
            response = set_payment(stack, admin, order, step)
            assert response.status_code == 200, (step, response.text)
        current = fetch(stack, admin, order).json()
        response = set_payment(stack, admin, order, target)
        if target == source:
            assert response.status_code == 200, response.text
            assert response.json()["version"] == current["version"]
        elif target in PAYMENT_TRANSITIONS[source]:
            assert response.status_code == 200, (source, target, response.text)
            body = response.json()
            assert body["payment_status"] == target
            assert body["version"] == current["version"] + 1
            last = history(stack, admin, order)[-1]
            assert (last["kind"], last["from_status"], last["to_status"]) == ("payment", source, target)
        else:
            problem = check_problem_response(response, 409, "invalid_transition")
            assert problem.get("from") == source
            assert sorted(problem.get("allowed", [])) == sorted(PAYMENT_TRANSITIONS[source])
            assert fetch(stack, admin, order).json() == current
        # The order status never moves with the payment.
        assert fetch(stack, admin, order).json()["status"] == "pending"


def test_payment_details_are_recorded(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product, payment_method="cash")
    response = set_payment(stack, admin, order, "paid", payment_method="card", transaction_ref="txn-42")
    assert response.status_code == 200, response.text
    paid = response.json()
    assert (paid["payment_status"], paid["payment_method"], paid["transaction_ref"]) == ("paid", "card", "txn-42")
    check_validation(set_payment(stack, admin, order, "settled"), ("payment_status", "invalid_payment_status"))
    check_validation(set_payment(stack, admin, order, "paid", payment_method="gold"),
                     ("payment_method", "invalid_payment_method"))
    check_validation(api(stack, "PATCH", f"{order_path(order)}/payment", admin, json={"amount": "1.00"}),
                     ("payment_status", "required"), ("amount", "unknown_field"))


# ---------------------------------------------------------------- If-Match

def test_if_match(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    etag = fetch(stack, admin, order).headers["ETag"]

    stale = put_status(stack, admin, order, "confirmed", headers={"If-Match": '"not-the-tag"'})
    check_problem_response(stale, 412, "precondition_failed")
    weak = put_status(stack, admin, order, "confirmed", headers={"If-Match": f"W/{etag}"})
    check_problem_response(weak, 412, "precondition_failed")
    assert fetch(stack, admin, order).json() == order

    ok = put_status(stack, admin, order, "confirmed", headers={"If-Match": etag})
    assert ok.status_code == 200, ok.text
    new_etag = ok.headers.get("ETag")
    assert new_etag and new_etag != etag
    assert fetch(stack, admin, order).headers["ETag"] == new_etag

    # The old tag no longer matches anything: status, payment, PATCH, cancel.
    check_problem_response(put_status(stack, admin, order, "processing", headers={"If-Match": etag}),
                           412, "precondition_failed")
    check_problem_response(api(stack, "PATCH", f"{order_path(order)}/payment", admin,
                               json={"payment_status": "paid"}, headers={"If-Match": etag}),
                           412, "precondition_failed")
    check_problem_response(api(stack, "PATCH", order_path(order), admin, json={"notes": "late"},
                               headers={"If-Match": etag}), 412, "precondition_failed")
    assert fetch(stack, admin, order).json()["version"] == 2

    # A list holding the current tag, and "*", match.
    listed = api(stack, "PATCH", order_path(order), admin, json={"notes": "listed"},
                 headers={"If-Match": f'"nope", {new_etag}'})
    assert listed.status_code == 200, listed.text
    star = api(stack, "PATCH", order_path(order), admin, json={"notes": "star"}, headers={"If-Match": "*"})
    assert star.status_code == 200, star.text
    assert star.json()["notes"] == "star" and star.json()["version"] == 4


def test_parallel_writers_with_one_tag_make_one_change(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    etag = fetch(stack, admin, order).headers["ETag"]
    barrier = threading.Barrier(10)

    def one(i):
        barrier.wait()
        return put_status(stack, admin, order, "confirmed" if i % 2 else "processing", headers={"If-Match": etag})

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(one, range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * 9, [(r.status_code, r.text[:200]) for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json()
    now = fetch(stack, admin, order).json()
    assert now["version"] == 2 and now["status"] == winner["status"]
    assert len(history(stack, admin, order)) == 2


def test_owner_patch_honours_if_match(stack, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    etag = fetch(stack, token, order).headers["ETag"]
    first = api(stack, "PATCH", order_path(order), token, json={"notes": "one"}, headers={"If-Match": etag})
    assert first.status_code == 200, first.text
    second = api(stack, "PATCH", order_path(order), token, json={"notes": "two"}, headers={"If-Match": etag})
    check_problem_response(second, 412, "precondition_failed")
    assert fetch(stack, token, order).json()["notes"] == "one"


# ---------------------------------------------------------------- PATCH

def test_owner_edits_while_pending_only(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    changes = {"notes": "Leave at the door", "customer_name": "Grace Hopper",
               "customer_email": "grace@example.com", "customer_phone": "+14155550199",
               "shipping_address": {k: v for k, v in ADDRESS.items() if v is not None}}
    response = api(stack, "PATCH", order_path(order), token, json=changes)
    assert response.status_code == 200, response.text
    edited = response.json()
    for name, value in changes.items():
        if name != "shipping_address":
            assert edited[name] == value, name
    assert edited["shipping_address"] == ADDRESS
    assert edited["version"] == order["version"] + 1
    # Prices are the order's: an address added later does not reprice it.
    for name in ("subtotal", "tax_amount", "shipping_amount", "discount_amount", "total_amount"):
        assert edited[name] == order[name], name
    assert edited["items"] == order["items"]
    assert fetch(stack, token, order).json() == edited

    # null clears a member.
    cleared = api(stack, "PATCH", order_path(order), token, json={"notes": None})
    assert cleared.status_code == 200 and cleared.json()["notes"] is None

    # Nothing to change: 200, same version.
    same = api(stack, "PATCH", order_path(order), token, json={"customer_name": "Grace Hopper"})
    assert same.status_code == 200 and same.json()["version"] == cleared.json()["version"]

    check_validation(api(stack, "PATCH", order_path(order), token, json={"customer_email": "x"}),
                     ("customer_email", "invalid_email"))
    check_validation(api(stack, "PATCH", order_path(order), token,
                         json={"shipping_address": {**changes["shipping_address"], "country": "gb"}}),
                     ("shipping_address.country", "invalid_country"))

    walk(stack, admin, order, ["confirmed"])
    late = api(stack, "PATCH", order_path(order), token, json={"notes": "too late"})
    check_problem_response(late, 409)
    assert fetch(stack, token, order).json()["notes"] is None
    # The admin still may.
    by_admin = api(stack, "PATCH", order_path(order), admin, json={"notes": "admin note"})
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["notes"] == "admin note"


@pytest.mark.parametrize("body", [
    {"priority": "urgent"},
    {"discount_amount": "5.00"},
    {"status": "confirmed"},
    {"total_amount": "0.01"},
    {"user_id": 1},
    {"items": []},
])
def test_owner_may_not_set_admin_or_server_fields(stack, owner, product, body):
    token, _ = owner
    order = new_order(stack, token, product)
    name = next(iter(body))
    check_validation(api(stack, "PATCH", order_path(order), token, json=body), (name, "unknown_field"))
    assert fetch(stack, token, order).json() == order


def test_admin_sets_priority_and_discount(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product, shipping_address={k: v for k, v in ADDRESS.items() if v})
    assert (order["subtotal"], order["tax_amount"], order["shipping_amount"],
            order["total_amount"]) == ("25.00", "2.06", "5.00", "32.06")
    query = {"order_number": order["order_number"], "priority": "high"}
    assert api(stack, "GET", ORDERS_PATH, admin, params=query).json()["data"] == []  # now cached
    response = api(stack, "PATCH", order_path(order), admin, json={"priority": "high", "discount_amount": "2.06"})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["priority"] == "high"
    assert changed["discount_amount"] == "2.06"
    assert changed["total_amount"] == "30.00"
    assert changed["subtotal"] == "25.00" and changed["shipping_amount"] == "5.00"
    numbered = api(stack, "GET", ORDERS_PATH, admin, params=query).json()
    assert [o["id"] for o in numbered["data"]] == [order["id"]]
    assert numbered["data"][0]["total_amount"] == "30.00"

    # Numbers are accepted as money too; the whole gross amount is the limit.
    full = api(stack, "PATCH", order_path(order), admin, json={"discount_amount": 32.06})
    assert full.status_code == 200 and full.json()["total_amount"] == "0.00"
    check_validation(api(stack, "PATCH", order_path(order), admin, json={"discount_amount": "32.07"}),
                     ("discount_amount", "exceeds_total"))
    check_validation(api(stack, "PATCH", order_path(order), admin, json={"discount_amount": "-1.00"}),
                     ("discount_amount", "must_not_be_negative"))
    check_validation(api(stack, "PATCH", order_path(order), admin, json={"discount_amount": "1.001"}),
                     ("discount_amount", "too_many_decimals"))
    check_validation(api(stack, "PATCH", order_path(order), admin, json={"priority": "asap"}),
                     ("priority", "invalid_priority"))
    back = api(stack, "PATCH", order_path(order), admin, json={"discount_amount": "0"})
    assert back.status_code == 200 and back.json()["total_amount"] == "32.06"


# ---------------------------------------------------------------- cancel and delete

def test_parallel_cancels_restore_stock_once(stack, admin, owner):
    token, _ = owner
    stocked = make_product(stack, admin, stock=10)
    order = create_order(stack, token, [(stocked["id"], 4)])
    assert product_stock(stack, stocked["id"]) == 6
    barrier = threading.Barrier(10)

    def one(_):
        barrier.wait()
        return api(stack, "POST", f"{order_path(order)}/cancel", token, json={"reason": "changed my mind"})

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(one, range(10)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 9, [(r.status_code, r.text[:200]) for r in responses]
    for r in responses:
        if r.status_code == 409:
            check_problem_response(r, 409, "invalid_transition")
    done = next(r for r in responses if r.status_code == 200).json()
    assert done["status"] == "cancelled" and done["cancelled_at"]
    assert product_stock(stack, stocked["id"]) == 10
    assert stock_ledger(stack, stocked["id"]) == (3, 10)
    assert_stock_consistent(stack, admin, stocked["id"])
    rows = [h for h in history(stack, token, order) if h["to_status"] == "cancelled"]
    assert len(rows) == 1 and rows[0]["note"] == "changed my mind"
    # And later cancels, by anyone, change nothing.
    check_problem_response(api(stack, "POST", f"{order_path(order)}/cancel", admin, json={}), 409)
    check_problem_response(put_status(stack, admin, order, "pending"), 409, "invalid_transition")
    again = put_status(stack, admin, order, "cancelled")  # the current status: a no-op
    assert again.status_code == 200 and again.json()["version"] == done["version"]
    assert product_stock(stack, stocked["id"]) == 10


@pytest.mark.parametrize("status, by_owner, by_admin", [
    ("pending", 200, 200),
    ("confirmed", 200, 200),
    ("processing", 409, 200),
    ("shipped", 409, 409),
    ("delivered", 409, 409),
    ("completed", 409, 409),
    ("refunded", 409, 409),
])
def test_who_may_cancel_when(stack, admin, owner, product, status, by_owner, by_admin):
    token, _ = owner
    for who, want in ((token, by_owner), (admin, by_admin)):
        order = walk(stack, admin, new_order(stack, token, product), PATH_TO[status])
        response = api(stack, "POST", f"{order_path(order)}/cancel", who)
        if want == 200:
            assert response.status_code == 200, response.text
            assert response.json()["status"] == "cancelled"
        else:
            check_problem_response(response, 409, "invalid_transition")
            assert fetch(stack, admin, order).json()["status"] == status


def test_cancel_body_is_checked(stack, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    check_validation(api(stack, "POST", f"{order_path(order)}/cancel", token, json={"refund": True}),
                     ("refund", "unknown_field"))
    check_validation(api(stack, "POST", f"{order_path(order)}/cancel", token, json={"reason": 7}),
                     ("reason", "invalid_type"))
    assert fetch(stack, token, order).json()["status"] == "pending"


def test_cancel_with_an_idempotency_key_replays(stack, admin, owner):
    token, _ = owner
    stocked = make_product(stack, admin, stock=5)
    order = create_order(stack, token, [(stocked["id"], 2)])
    key = {"Idempotency-Key": f"cancel-{uuid.uuid4()}"}
    first = api(stack, "POST", f"{order_path(order)}/cancel", token, json={}, headers=key)
    assert first.status_code == 200, first.text
    again = api(stack, "POST", f"{order_path(order)}/cancel", token, json={}, headers=key)
    assert again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert product_stock(stack, stocked["id"]) == 5
    assert stock_ledger(stack, stocked["id"]) == (3, 5)


def test_delete_cancels_and_keeps_the_order(stack, admin, owner):
    token, _ = owner
    stocked = make_product(stack, admin, stock=10)
    order = create_order(stack, token, [(stocked["id"], 3)])
    response = api(stack, "DELETE", order_path(order), token)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert product_stock(stack, stocked["id"]) == 10
    kept = fetch(stack, admin, order).json()
    assert kept["status"] == "cancelled" and kept["cancelled_at"]
    assert fetch(stack, token, order).json()["status"] == "cancelled"
    check_problem_response(api(stack, "DELETE", order_path(order), token), 409)
    check_problem_response(api(stack, "DELETE", order_path(order), admin), 409)
    assert product_stock(stack, stocked["id"]) == 10
    assert stock_ledger(stack, stocked["id"]) == (3, 10)

    # The owner only while pending; the admin while cancellable.
    confirmed = walk(stack, admin, create_order(stack, token, [(stocked["id"], 1)]), ["confirmed"])
    check_problem_response(api(stack, "DELETE", order_path(confirmed), token), 409)
    assert product_stock(stack, stocked["id"]) == 9
    assert api(stack, "DELETE", order_path(confirmed), admin).status_code == 204
    assert product_stock(stack, stocked["id"]) == 10
    shipped = walk(stack, admin, create_order(stack, token, [(stocked["id"], 1)]), ["confirmed", "shipped"])
    check_problem_response(api(stack, "DELETE", order_path(shipped), admin), 409)
    assert product_stock(stack, stocked["id"]) == 9
    assert_stock_consistent(stack, admin, stocked["id"])


# ---------------------------------------------------------------- history and statistics

def test_history_rows(stack, admin, admin_id, owner, product):
    token, user = owner
    order = new_order(stack, token, product)
    walk(stack, admin, order, [])
    assert put_status(stack, admin, order, "confirmed", extra={"note": "checked"}).status_code == 200
    assert set_payment(stack, admin, order, "paid").status_code == 200
    cancelled = api(stack, "POST", f"{order_path(order)}/cancel", token, json={"reason": "found it cheaper"})
    assert cancelled.status_code == 200, cancelled.text
    rows = history(stack, token, order)
    assert [(r["kind"], r["from_status"], r["to_status"], r["changed_by"], r["note"]) for r in rows] == [
        ("status", None, "pending", user["id"], None),
        ("status", "pending", "confirmed", admin_id, "checked"),
        ("payment", "pending", "paid", admin_id, None),
        ("status", "confirmed", "cancelled", user["id"], "found it cheaper"),
    ]
    assert all(RFC3339_UTC.match(r["created_at"]) for r in rows)
    assert [r["created_at"] for r in rows] == sorted(r["created_at"] for r in rows)
    assert history(stack, admin, order) == rows


def stored_first_steps(stack, order):
    return int(mysql(stack, "SELECT COUNT(*) FROM order_history WHERE kind = 'status' AND from_status IS NULL"
                            f" AND order_id = {int(order['id'])}")[0][0])


def test_first_history_step_is_implied_by_the_order(stack, admin, admin_id, owner, product):
    """Placing an order stores no history row: its first step (NULL ->
    pending, by whoever placed it, at its created_at) is read from the order,
    for a customer's order and a cashier's alike."""
    token, user = owner
    for placer, placer_id, fields in ((token, user["id"], {}), (admin, admin_id, {"user_id": user["id"]})):
        order = new_order(stack, placer, product, **fields)
        assert stored_first_steps(stack, order) == 0
        first = [(r["kind"], r["from_status"], r["to_status"], r["changed_by"], r["note"], r["created_at"])
                 for r in history(stack, token, order)]
        assert first == [("status", None, "pending", placer_id, None, order["created_at"])]
        stats = api(stack, "GET", f"{order_path(order)}/statistics", token).json()
        assert stats["status_changes"] == 0


def test_stored_first_history_step_is_not_doubled(stack, admin, admin_id, owner, product):
    """An order placed before the first step was implied has it stored (what
    the old transaction wrote): its history is the same, not doubled."""
    token, user = owner
    order = new_order(stack, token, product)
    implied = history(stack, token, order)
    mysql(stack, "INSERT INTO order_history(order_id, kind, from_status, to_status, changed_by, note, created_at)"
                 " SELECT id, 'status', NULL, 'pending', placed_by, NULL, created_at FROM orders"
                 f" WHERE id = {int(order['id'])}")
    assert stored_first_steps(stack, order) == 1
    assert history(stack, token, order) == implied
    assert put_status(stack, admin, order, "confirmed").status_code == 200
    steps = [(r["from_status"], r["to_status"], r["changed_by"]) for r in history(stack, admin, order)]
    assert steps == [(None, "pending", user["id"]), ("pending", "confirmed", admin_id)]
    assert api(stack, "GET", f"{order_path(order)}/statistics", token).json()["status_changes"] == 1


def test_order_statistics(stack, admin, owner):
    token, _ = owner
    widget = make_product(stack, admin, price="12.50", tax_rate="8.25", stock=10)
    bolt = make_product(stack, admin, price="3.00", stock=10)
    order = create_order(stack, token, [(widget["id"], 2), (bolt["id"], 1)])
    response = api(stack, "GET", f"{order_path(order)}/statistics", token)
    assert response.status_code == 200, response.text
    stats = response.json()
    want = {"item_count": 2, "total_quantity": 3, "distinct_products": 2, "average_unit_price": "9.33",
            "subtotal": "28.00", "tax_amount": "2.06", "total_amount": "30.06", "status_changes": 0}
    assert {k: stats.get(k) for k in want} == want
    assert type(stats["age_seconds"]) is int and 0 <= stats["age_seconds"] < 120
    walk(stack, admin, order, ["confirmed", "processing"])
    assert set_payment(stack, admin, order, "paid").status_code == 200
    later = api(stack, "GET", f"{order_path(order)}/statistics", admin).json()
    assert later["status_changes"] == 2
    assert later["total_amount"] == "30.06"


# ---------------------------------------------------------------- value errors, all at once

# Every member with a bad value, in one body: the 422 lists them in a fixed
# order with fixed messages (the shape errors first, then the address, then
# the other values), whichever handler reads the body.
BAD_NAME = "N" * 201
BAD_CONTACT = {"customer_name": BAD_NAME, "customer_email": "x", "customer_phone": "123",
               "notes": "bell\u0007", "shipping_address": {**ADDRESS, "country": "gb"}}
PAYMENT_METHODS_MESSAGE = "One of card, cash, bank_transfer, wallet, cash_on_delivery, other"
CONTACT_ERRORS = [
    ("customer_name", "too_long", "Must be at most 200 bytes"),
    ("shipping_address.country", "invalid_country", "An ISO 3166-1 alpha-2 code such as \"US\""),
    ("customer_name", "too_long", "1 to 200 printable characters"),
    ("customer_email", "invalid_email", "A valid email address"),
    ("customer_phone", "invalid_phone", "An E.164 number such as +14155550123"),
]


def errors_in_order(response):
    problem = check_problem_response(response, 422, "validation_failed")
    return [(e["field"], e["code"], e["message"]) for e in problem["errors"]]


def test_create_reports_every_bad_value_in_order(stack, owner, product):
    token, _ = owner
    body = {"items": [{"product_id": product["id"], "quantity": 1}], "payment_method": "barter", **BAD_CONTACT}
    assert errors_in_order(api(stack, "POST", ORDERS_PATH, token, json=body)) == CONTACT_ERRORS + [
        ("payment_method", "invalid_payment_method", PAYMENT_METHODS_MESSAGE),
        ("notes", "invalid_characters", "Printable text only"),
    ]


def test_patch_reports_every_bad_value_in_order(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    assert errors_in_order(api(stack, "PATCH", order_path(order), token, json=BAD_CONTACT)) == CONTACT_ERRORS + [
        ("notes", "invalid_characters", "Printable text only"),
    ]
    body = {**BAD_CONTACT, "priority": "asap", "discount_amount": "-1.00"}
    assert errors_in_order(api(stack, "PATCH", order_path(order), admin, json=body)) == CONTACT_ERRORS + [
        ("notes", "invalid_characters", "Printable text only"),
        ("priority", "invalid_priority", "One of low, normal, high, urgent"),
        ("discount_amount", "must_not_be_negative", "A non-negative amount with at most two decimals"),
    ]
    body = {"payment_status": "owed", "payment_method": "barter", "transaction_ref": "\u0007"}
    assert errors_in_order(api(stack, "PATCH", f"{order_path(order)}/payment", admin, json=body)) == [
        ("payment_status", "invalid_payment_status", "One of pending, paid, failed, refunded"),
        ("payment_method", "invalid_payment_method", PAYMENT_METHODS_MESSAGE),
        ("transaction_ref", "invalid_transaction_ref", "1 to 128 printable ASCII characters"),
    ]


def test_note_and_reason_must_be_printable(stack, admin, owner, product):
    token, _ = owner
    order = new_order(stack, token, product)
    body = {"status": "teleported", "note": "bell\u0007"}
    assert errors_in_order(put_status(stack, admin, order, "teleported", extra=body)) == [
        ("status", "invalid_status",
         "One of pending, confirmed, processing, shipped, delivered, completed, cancelled, refunded"),
        ("note", "invalid_characters", "Printable text only"),
    ]
    cancel = api(stack, "POST", f"{order_path(order)}/cancel", token, json={"reason": "bell\u0007", "x": 1})
    assert errors_in_order(cancel) == [
        ("x", "unknown_field", "This field is not accepted here"),
        ("reason", "invalid_characters", "Printable text only"),
    ]
    assert fetch(stack, token, order).json()["status"] == "pending"
