"""CORS through the stack's front (API.md "Browsers: CORS"): orderapi
itself answers preflights and adds the headers, so every front behaves the
same.  ./stack test lists https://shop.example and http://localhost:5173 in
ORDERAPI_CORS_ORIGINS; a stack started without origins skips these tests."""

import pytest

from conftest import ORDERS_PATH, PRODUCTS_PATH, api, check_problem_response, create_order, demo_admin_token, \
    make_product, new_customer

LISTED = "https://shop.example"
UNLISTED = ["https://shop.example.evil.test", "http://shop.example", "https://evil.test", "null"]
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-Request-Id"
EXPOSE_HEADERS = "ETag, Location, X-Request-Id, X-Cache, Retry-After, Idempotent-Replayed"


@pytest.fixture(scope="module", autouse=True)
def origins_listed(stack):
    listed = [o.strip() for o in stack.env.get("ORDERAPI_CORS_ORIGINS", "").split(",") if o.strip()]
    if LISTED not in listed:
        pytest.skip(f"this stack does not list {LISTED} in ORDERAPI_CORS_ORIGINS (./stack test does)")


def preflight(stack, path, origin, method="POST"):
    return stack.request("OPTIONS", path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                                   "Access-Control-Request-Headers": "authorization, content-type"})


def assert_no_cors(response):
    assert not [h for h in response.headers if h.lower().startswith("access-control-")], dict(response.headers)


def test_preflight_from_a_listed_origin_needs_no_token(stack):
    response = preflight(stack, ORDERS_PATH, LISTED)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert response.headers["Access-Control-Allow-Origin"] == LISTED
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST"
    assert response.headers["Access-Control-Allow-Headers"] == ALLOW_HEADERS
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers
    # Another path answers with its own methods.
    response = preflight(stack, f"{ORDERS_PATH}/1/status", "http://localhost:5173", "PATCH")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]


def test_preflight_for_an_unknown_path_is_404_with_cors_headers(stack):
    response = preflight(stack, "/api/v1/orderz", LISTED)
    check_problem_response(response, 404, "not_found")
    assert response.headers["Access-Control-Allow-Origin"] == LISTED


@pytest.mark.parametrize("origin", UNLISTED)
def test_unlisted_origins_get_no_cors_headers(stack, origin):
    response = preflight(stack, ORDERS_PATH, origin)
    check_problem_response(response, 405, "method_not_allowed")
    assert_no_cors(response)
    response = stack.get(PRODUCTS_PATH, headers={"Origin": origin})
    assert response.status_code == 200
    assert_no_cors(response)


def test_without_origin_there_are_no_cors_headers(stack):
    response = stack.get(PRODUCTS_PATH)
    assert response.status_code == 200
    assert_no_cors(response)
    check_problem_response(stack.request("OPTIONS", ORDERS_PATH), 405, "method_not_allowed")


def test_every_answer_to_a_listed_origin_carries_the_headers(stack):
    headers = {"Origin": LISTED}
    admin = demo_admin_token(stack)
    token, _ = new_customer(stack)
    product = make_product(stack, admin, stock=5)
    # A success, with the headers the page must be able to read.
    response = api(stack, "POST", ORDERS_PATH, token, headers=headers,
                   json={"items": [{"product_id": product["id"], "quantity": 1}]})
    assert response.status_code == 201, response.text
    assert response.headers["Access-Control-Allow-Origin"] == LISTED
    assert response.headers["Access-Control-Expose-Headers"] == EXPOSE_HEADERS
    assert "Origin" in response.headers["Vary"]
    # Errors too: no token (401), a bad body (422), stock refused (409).
    for response, status in ((stack.get(ORDERS_PATH, headers=headers), 401),
                             (api(stack, "POST", ORDERS_PATH, token, headers=headers, json={"items": []}), 422),
                             (api(stack, "POST", ORDERS_PATH, token, headers=headers,
                                  json={"items": [{"product_id": product["id"], "quantity": 50}]}), 409)):
        check_problem_response(response, status)
        assert response.headers["Access-Control-Allow-Origin"] == LISTED
        assert response.headers["Access-Control-Expose-Headers"] == EXPOSE_HEADERS
    # A GET a browser would cache varies by Origin.
    order = create_order(stack, token, [(product["id"], 1)])
    response = api(stack, "GET", f"{ORDERS_PATH}/{order['id']}", token, headers=headers)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == LISTED
    assert "Origin" in response.headers["Vary"]
