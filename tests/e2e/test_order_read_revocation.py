"""GET /orders/{id} sends the token's revocation check to Redis before it
reads MariaDB and reads the check's reply after (app.c, ACCESS_OVERLAP_CHECK).
The answers must be those of the check-first order: a refused token gets its
401 or 503 whatever the order read found (200, 304, 404), never the order."""

import time

import pytest

from conftest import (ORDERS_PATH, api, check_problem_response, create_admin, create_order,
                      demo_admin_token, login, make_product, redis_cli, register_user, user_cli,
                      wait_until)


@pytest.fixture(scope="module")
def product(stack):
    return make_product(stack, demo_admin_token(stack), stock=100)


def customer_with_order(stack, product):
    """(email, token, order) of a fresh customer with one order."""
    email, password, _ = register_user(stack)
    token = login(stack, email, password)
    order = create_order(stack, token, [(product["id"], 1)])
    return email, token, order


def get_order(stack, token, order_id, **headers):
    return api(stack, "GET", f"{ORDERS_PATH}/{order_id}", token, headers=headers)


def check_refused(response, status, code):
    problem = check_problem_response(response, status, code)
    assert "order_number" not in response.text, response.text[:300]
    assert "ETag" not in response.headers, response.headers
    return problem


def each_worker(stack):
    return range(2 * stack.workers_wanted)


def test_a_logged_out_token_gets_401_not_the_order(stack, product):
    _, token, order = customer_with_order(stack, product)
    answer = get_order(stack, token, order["id"])
    assert answer.status_code == 200, answer.text
    etag = answer.headers["ETag"]
    assert api(stack, "POST", "/api/v1/auth/logout", token).status_code == 204
    for _ in each_worker(stack):
        check_refused(get_order(stack, token, order["id"]), 401, "token_revoked")
        # Neither a 304 for a matching tag nor a 404 for a missing order.
        check_refused(get_order(stack, token, order["id"], **{"If-None-Match": etag}), 401, "token_revoked")
        check_refused(get_order(stack, token, 9_000_000_000), 401, "token_revoked")


def test_logout_everywhere_and_a_role_change_refuse_the_read(stack, product):
    email, token, order = customer_with_order(stack, product)
    other = login(stack, email)
    assert api(stack, "POST", "/api/v1/auth/logout-all", token).status_code == 204
    for _ in each_worker(stack):
        check_refused(get_order(stack, other, order["id"]), 401, "token_revoked")

    admin_email, admin_password = create_admin(stack)
    admin = login(stack, admin_email, admin_password)
    assert get_order(stack, admin, order["id"]).status_code == 200
    done = user_cli(stack, "set-role", "--email", admin_email, "--role", "customer")
    assert done.returncode == 0, done.stderr
    for _ in each_worker(stack):
        check_refused(get_order(stack, admin, order["id"]), 401, "token_revoked")


def test_redis_down_fails_closed_and_a_restart_keeps_revocations(stack, healthy_afterwards, product):
    email, kept, order = customer_with_order(stack, product)
    revoked = login(stack, email)
    assert api(stack, "POST", "/api/v1/auth/logout", revoked).status_code == 204
    for _ in each_worker(stack):
        assert get_order(stack, kept, order["id"]).status_code == 200

    stack.svc("stop", "redis")
    try:
        for _ in each_worker(stack):
            started = time.monotonic()
            check_refused(get_order(stack, kept, order["id"]), 503, "dependency_unavailable")
            assert time.monotonic() - started < 5
    finally:
        stack.svc("start", "redis")

    # Each worker may spend one answer finding its old connection dead.
    def answered():
        return all(get_order(stack, kept, order["id"]).status_code == 200 for _ in each_worker(stack))
    assert wait_until(answered, 10), "still refused 10 s after Redis started"
    redis_cli(stack, "FLUSHALL")
    for _ in each_worker(stack):
        check_refused(get_order(stack, revoked, order["id"]), 401, "token_revoked")
        assert get_order(stack, kept, order["id"]).json()["id"] == order["id"]


def test_a_restarted_redis_costs_no_answer_to_a_valid_token(stack, healthy_afterwards, product):
    """A worker's idle connection dies with Redis: the check is sent on it,
    fails, and is made again on a new connection, as one command is."""
    _, token, order = customer_with_order(stack, product)
    for _ in each_worker(stack):
        assert get_order(stack, token, order["id"]).status_code == 200
    stack.svc("stop", "redis")
    stack.svc("start", "redis")
    assert wait_until(lambda: redis_cli(stack, "PING").strip() == "PONG", 10)
    for _ in each_worker(stack):
        answer = get_order(stack, token, order["id"])
        assert answer.status_code == 200, answer.text
