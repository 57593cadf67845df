"""GET /orders/{id} with If-None-Match, as RFC 9110 §13.1.2 reads it: "*"
(only as the whole field) or a list of entity tags compared weakly; an
element that is not an entity tag matches nothing."""
import pytest

from conftest import ORDERS_PATH, api, create_order, demo_admin_token, make_product, new_customer


@pytest.fixture(scope="module")
def order(stack):
    """(token, path, etag) of a fresh customer's order; no order has the tag
    "0-0" (ids start at 1)."""
    admin = demo_admin_token(stack)
    token, _ = new_customer(stack)
    product = make_product(stack, admin, stock=5)
    placed = create_order(stack, token, [(product["id"], 1)])
    path = f"{ORDERS_PATH}/{placed['id']}"
    fetched = api(stack, "GET", path, token)
    assert fetched.status_code == 200, fetched.text
    return token, path, fetched.headers["ETag"]


def get_status(stack, order, if_none_match):
    token, path, etag = order
    response = api(stack, "GET", path, token, headers={"If-None-Match": if_none_match})
    if response.status_code == 304:
        assert response.content == b"" and response.headers.get("ETag") == etag
    return response.status_code


def test_listed_tags_are_not_modified(stack, order):
    etag = order[2]
    assert get_status(stack, order, etag) == 304
    assert get_status(stack, order, f'"0-0", {etag}') == 304
    assert get_status(stack, order, f'"0-0" , ,{etag} ,') == 304
    # Weak comparison: the W/ prefix does not matter for If-None-Match.
    assert get_status(stack, order, f"W/{etag}") == 304


def test_star_is_not_modified_only_as_the_whole_field(stack, order):
    assert get_status(stack, order, "*") == 304
    assert get_status(stack, order, '"0-0", *') == 200


def test_other_or_malformed_tags_are_a_full_answer(stack, order):
    etag = order[2]
    assert get_status(stack, order, '"0-0"') == 200
    # The tag inside other text is not an entity tag.
    assert get_status(stack, order, f"x{etag}y") == 200
    assert get_status(stack, order, f"{etag}{etag}") == 200
    assert get_status(stack, order, etag.strip('"')) == 200
