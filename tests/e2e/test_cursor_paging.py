"""Cursor paging of GET /orders and my-orders (API.md "Cursor paging"):
next_cursor on every page (null on the last), ?cursor= for the next page at
the same cost however deep, total only when asked for, and 400
invalid_cursor for a forged cursor or one from another list."""

import pytest

from conftest import ORDERS_PATH, api, check_problem_response, create_order, demo_admin_token, make_product, \
    new_customer


@pytest.fixture(scope="module")
def shop(stack):
    """A customer with 7 orders of different totals, and an admin."""
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, price="1.00", stock=1000)
    token, user = new_customer(stack)
    orders = [create_order(stack, token, [(product["id"], q)]) for q in (5, 1, 7, 3, 3, 9, 2)]
    return {"admin": admin, "token": token, "user": user, "orders": orders, "product": product}


def walk(stack, token, path, **params):
    """Every page of a list by cursor; (ids in order, the pages' bodies)."""
    response = api(stack, "GET", path, token, params=params)
    assert response.status_code == 200, response.text
    pages = [response.json()]
    while pages[-1]["next_cursor"] is not None:
        response = api(stack, "GET", path, token, params={**params, "cursor": pages[-1]["next_cursor"]})
        assert response.status_code == 200, response.text
        pages.append(response.json())
    return [o["id"] for page in pages for o in page["data"]], pages


def test_my_orders_by_cursor_match_the_whole_list(stack, shop):
    ids, pages = walk(stack, shop["token"], f"{ORDERS_PATH}/my-orders", limit=3)
    newest_first = sorted((o["id"] for o in shop["orders"]), reverse=True)
    assert ids == newest_first
    assert [len(p["data"]) for p in pages] == [3, 3, 1]
    assert "total" in pages[0] and pages[0]["total"] == 7  # the first page is an offset page
    assert all("total" not in p for p in pages[1:])
    assert pages[-1]["next_cursor"] is None


def test_sorts_by_total_and_oldest_first(stack, shop):
    ids, _ = walk(stack, shop["token"], ORDERS_PATH, page_size=2, sort="total_amount")
    by_total = sorted(shop["orders"], key=lambda o: (float(o["total_amount"]), o["id"]))
    assert ids == [o["id"] for o in by_total]
    ids, _ = walk(stack, shop["token"], ORDERS_PATH, page_size=2, sort="-total_amount")
    assert ids == [o["id"] for o in reversed(by_total)]
    ids, _ = walk(stack, shop["token"], ORDERS_PATH, page_size=4, sort="created_at")
    assert ids == sorted(o["id"] for o in shop["orders"])


def test_include_total_and_page_size_in_cursor_mode(stack, shop):
    first = api(stack, "GET", ORDERS_PATH, shop["token"], params={"page_size": 2}).json()
    response = api(stack, "GET", ORDERS_PATH, shop["token"],
                   params={"page_size": 5, "cursor": first["next_cursor"], "include_total": "true"})
    body = response.json()
    assert body["total"] == 7 and body["page_size"] == 5 and len(body["data"]) == 5
    assert "page" not in body


def test_first_page_without_total_starts_in_cursor_mode(stack, shop):
    """include_total=false on the first page: no total (no COUNT of every
    match), the envelope of cursor mode, and the same walk; the answer with
    total is cached apart from it."""
    ids, pages = walk(stack, shop["token"], ORDERS_PATH, page_size=3, include_total="false")
    assert ids == sorted((o["id"] for o in shop["orders"]), reverse=True)[:len(ids)] and len(ids) >= 7
    assert "total" not in pages[0] and "page" not in pages[0]
    assert pages[0]["page_size"] == 3 and pages[0]["next_cursor"] is not None
    counted = api(stack, "GET", ORDERS_PATH, shop["token"], params={"page_size": 3}).json()
    assert counted["total"] == len(ids) and counted["page"] == 1


def test_new_orders_do_not_shift_a_cursor_walk(stack, shop):
    token = shop["token"]
    first = api(stack, "GET", ORDERS_PATH, token, params={"page_size": 3}).json()
    create_order(stack, token, [(shop["product"]["id"], 1)])
    rest = api(stack, "GET", ORDERS_PATH, token, params={"page_size": 3, "cursor": first["next_cursor"]}).json()
    seen = [o["id"] for o in first["data"]] + [o["id"] for o in rest["data"]]
    assert len(seen) == len(set(seen)) == 6
    assert max(o["id"] for o in rest["data"]) < min(o["id"] for o in first["data"])


def test_admin_filters_with_cursor(stack, shop):
    params = {"user_id": shop["user"]["id"], "page_size": 2, "min_amount": "3.00"}
    ids, _ = walk(stack, shop["admin"], ORDERS_PATH, **params)
    assert sorted(ids, reverse=True) == ids
    assert len(ids) >= 5


def test_forged_and_foreign_cursors_are_400(stack, shop):
    token = shop["token"]
    cursor = api(stack, "GET", ORDERS_PATH, token, params={"page_size": 2}).json()["next_cursor"]
    flipped = cursor[:10] + ("A" if cursor[10] != "A" else "B") + cursor[11:]
    other_token, _ = new_customer(stack)
    for params, who in (({"cursor": flipped}, token),
                        ({"cursor": "not-a-cursor"}, token),
                        ({"cursor": cursor + "A"}, token),
                        ({"cursor": cursor, "status": "pending"}, token),
                        ({"cursor": cursor, "sort": "total_amount"}, token),
                        ({"cursor": cursor}, other_token),
                        ({"cursor": cursor}, shop["admin"])):
        check_problem_response(api(stack, "GET", ORDERS_PATH, who, params=params), 400, "invalid_cursor")
    # my-orders and GET /orders are different lists.
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/my-orders", token, params={"cursor": cursor}), 400,
                           "invalid_cursor")


@pytest.mark.parametrize("params, field, code", [
    ({"cursor": "x", "page": "2"}, "cursor", "conflicting_parameters"),
    ({"cursor": "x", "skip": "4"}, "cursor", "conflicting_parameters"),
    ({"include_total": "yes"}, "include_total", "invalid_boolean"),
])
def test_bad_paging_is_422(stack, shop, params, field, code):
    response = api(stack, "GET", ORDERS_PATH, shop["token"], params=params)
    problem = check_problem_response(response, 422, "validation_failed")
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in problem["errors"]]
