"""Point of sale (API.md "Point of sale"): a cashier (an admin) rings up an
order for a customer (user_id) or for a walk-in (none), and every order
records placed_by."""

import pytest

from conftest import ORDERS_PATH, api, check_problem_response, create_order, demo_admin_token, make_product, \
    new_customer, place_order, product_stock


@pytest.fixture(scope="module")
def admin(stack):
    return demo_admin_token(stack)


@pytest.fixture(scope="module")
def cashier_id(stack, admin):
    return api(stack, "GET", "/api/v1/auth/me", admin).json()["id"]


def test_a_cashier_orders_for_a_customer(stack, admin, cashier_id):
    token, user = new_customer(stack)
    product = make_product(stack, admin, stock=10)
    order = create_order(stack, admin, [(product["id"], 2)], user_id=user["id"])
    assert order["user_id"] == user["id"] and order["placed_by"] == cashier_id
    # It is the customer's: in their lists, theirs to read and cancel.
    mine = api(stack, "GET", f"{ORDERS_PATH}/my-orders", token).json()
    assert [o["id"] for o in mine["data"]] == [order["id"]]
    assert mine["data"][0]["placed_by"] == cashier_id
    assert api(stack, "GET", f"{ORDERS_PATH}/{order['id']}", token).status_code == 200
    cancelled = api(stack, "POST", f"{ORDERS_PATH}/{order['id']}/cancel", token, json={})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert product_stock(stack, product["id"]) == 10


def test_a_walk_in_order_is_seen_by_admins_only(stack, admin, cashier_id):
    token, _ = new_customer(stack)
    product = make_product(stack, admin, stock=5)
    order = create_order(stack, admin, [(product["id"], 1)], customer_name="Walk-in")
    assert order["user_id"] is None and order["placed_by"] == cashier_id
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/{order['id']}", token), 404, "not_found")
    assert order["id"] not in [o["id"] for o in api(stack, "GET", ORDERS_PATH, token).json()["data"]]
    listed = api(stack, "GET", ORDERS_PATH, admin, params={"customer_name": "Walk-in", "page_size": 100}).json()
    assert order["id"] in [o["id"] for o in listed["data"]]


def test_a_customer_orders_for_themselves(stack, admin):
    token, user = new_customer(stack)
    product = make_product(stack, admin, stock=5)
    order = create_order(stack, token, [(product["id"], 1)])
    assert order["user_id"] == user["id"] and order["placed_by"] == user["id"]


def test_only_a_cashier_names_the_customer(stack, admin):
    token, user = new_customer(stack)
    _, other = new_customer(stack)
    product = make_product(stack, admin, stock=5)
    response = place_order(stack, token, [(product["id"], 1)], user_id=other["id"])
    problem = check_problem_response(response, 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("user_id", "not_allowed")]
    assert product_stock(stack, product["id"]) == 5


@pytest.mark.parametrize("user_id, code", [(999999999, "unknown_customer"), (0, "must_be_positive"),
                                           (-3, "must_be_positive"), ("7", "invalid_type")])
def test_a_cashier_must_name_a_customer(stack, admin, cashier_id, user_id, code):
    product = make_product(stack, admin, stock=5)
    response = place_order(stack, admin, [(product["id"], 1)], user_id=user_id)
    problem = check_problem_response(response, 422, "validation_failed")
    assert code in [e["code"] for e in problem["errors"]]
    assert product_stock(stack, product["id"]) == 5


def test_an_admin_is_not_a_customer_to_order_for(stack, admin, cashier_id):
    product = make_product(stack, admin, stock=5)
    response = place_order(stack, admin, [(product["id"], 1)], user_id=cashier_id)
    problem = check_problem_response(response, 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("user_id", "unknown_customer")]
