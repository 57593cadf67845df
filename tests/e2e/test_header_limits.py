"""Header count limit (issue #11, item 2): orderapi takes at most 64 header
fields.  A request with more is 431 request_header_fields_too_large, and never
a request whose last headers (If-Match, Idempotency-Key, Authorization) were
silently dropped."""

import uuid

import pytest

from conftest import (ORDERS_PATH, api, check_problem, check_problem_response, create_order, demo_admin_token, make_product,
                      new_customer, place_order)

PADDING = 64


def padded(headers, count=PADDING, token=None):
    """The bearer token first (when given), then count harmless X-Pad-N
    headers, then the ones that matter: requests sends them in this order,
    after its own defaults, so without the limit the last ones are those an
    old orderapi dropped."""
    out = {"Authorization": f"Bearer {token}"} if token else {}
    out.update({f"X-Pad-{i}": "x" for i in range(count)})
    out.update(headers)
    return out


@pytest.fixture(scope="module")
def admin(stack):
    return demo_admin_token(stack)


@pytest.fixture(scope="module")
def product(stack, admin):
    return make_product(stack, admin, stock=1000)


def order_path(order):
    return f"{ORDERS_PATH}/{order['id']}"


def my_order_count(stack, token):
    response = api(stack, "GET", ORDERS_PATH, token)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_stale_if_match_behind_padding_is_not_a_write(stack, admin, product):
    token, _ = new_customer(stack)
    order = create_order(stack, token, [(product["id"], 1)])
    response = stack.request("PUT", f"{order_path(order)}/status", json={"status": "confirmed"},
                             headers=padded({"If-Match": '"stale"'}, token=admin))
    check_problem_response(response, 431, "request_header_fields_too_large")
    current = api(stack, "GET", order_path(order), admin)
    assert current.status_code == 200, current.text
    assert current.json()["status"] == "pending"
    assert current.json()["version"] == order["version"]


def test_idempotency_key_behind_padding_never_makes_two_orders(stack, product):
    token, _ = new_customer(stack)
    headers = padded({"Idempotency-Key": f"pad-{uuid.uuid4().hex}"}, token=token)
    for _ in range(2):
        response = place_order(stack, None, [(product["id"], 1)], headers=headers)
        check_problem_response(response, 431, "request_header_fields_too_large")
    assert my_order_count(stack, token) == 0


def test_authorization_behind_padding_is_431_not_401(stack):
    token, _ = new_customer(stack)
    response = api(stack, "GET", "/api/v1/auth/me", token, headers=padded({}))
    check_problem_response(response, 431, "request_header_fields_too_large")


def test_a_moderate_number_of_headers_still_works(stack, product):
    """40 extra headers plus the usual ones stay under the limit, and every
    header still counts: the key dedupes, the token authenticates."""
    token, _ = new_customer(stack)
    headers = padded({"Idempotency-Key": f"pad-{uuid.uuid4().hex}"}, count=40)
    first = place_order(stack, token, [(product["id"], 1)], headers=headers)
    assert first.status_code == 201, first.text
    again = place_order(stack, token, [(product["id"], 1)], headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert my_order_count(stack, token) == 1


def test_header_count_limit_over_fastcgi(stack):
    """Straight to orderapi, without nginx: 64 header fields pass, 65 do not."""
    ok = {f"X-Pad-{i}": "x" for i in range(PADDING - 1)}  # stack.fcgi adds HTTP_HOST
    status, _, body = stack.fcgi("GET", "/health", content_type=None, headers=ok)
    assert status == 200, body[:300]
    too_many = dict(ok, **{"X-Pad-Last": "x"})
    status, headers, body = stack.fcgi("GET", "/health", content_type=None, headers=too_many)
    check_problem(status, headers, body, 431, "request_header_fields_too_large")
