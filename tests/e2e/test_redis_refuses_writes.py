"""Redis that answers but refuses writes (out of memory): a writer still
reads its own writes, /health names Redis as degraded, and the list cache
works again once Redis accepts writes."""

import contextlib

from conftest import (ORDERS_PATH, api, check_problem_response, create_order, demo_admin_token, make_product,
                      new_customer, redis_cli, wait_until)


@contextlib.contextmanager
def redis_refusing_writes(stack):
    """maxmemory 1 with noeviction: Redis refuses every command that may
    grow memory (SET, INCR, LPUSH, …) with an OOM error and still answers
    reads.  The old settings are put back whatever happens."""
    old_memory = redis_cli(stack, "CONFIG", "GET", "maxmemory").split()[1]
    old_policy = redis_cli(stack, "CONFIG", "GET", "maxmemory-policy").split()[1]
    try:
        redis_cli(stack, "CONFIG", "SET", "maxmemory-policy", "noeviction")
        redis_cli(stack, "CONFIG", "SET", "maxmemory", "1")
        refused = redis_cli(stack, "SET", "orderapi:test:oom-probe", "1")
        assert refused.startswith("OOM"), f"Redis still accepts writes: {refused!r}"
        yield
    finally:
        redis_cli(stack, "CONFIG", "SET", "maxmemory", old_memory)
        redis_cli(stack, "CONFIG", "SET", "maxmemory-policy", old_policy)


def listed(stack, token, **params):
    """(X-Cache, order ids) of GET /orders."""
    response = api(stack, "GET", ORDERS_PATH, token, params=params)
    assert response.status_code == 200, response.text
    return response.headers.get("X-Cache"), [o["id"] for o in response.json()["data"]]


def test_writer_sees_its_order_while_redis_refuses_writes(stack):
    admin = demo_admin_token(stack)
    token, user = new_customer(stack)
    product = make_product(stack, admin, stock=10)
    first = create_order(stack, token, [(product["id"], 1)])
    # Both lists are cached before Redis starts refusing writes.
    for who, params in ((token, {}), (admin, {"user_id": user["id"]})):
        assert listed(stack, who, **params) == ("MISS", [first["id"]])
        assert listed(stack, who, **params) == ("HIT", [first["id"]])

    with redis_refusing_writes(stack):
        second = create_order(stack, token, [(product["id"], 2)])
        # The bump of the generations was refused: no worker (each is asked
        # several times) may answer the cached list that lacks the order.
        for _ in range(3 * stack.workers_wanted):
            for who, params in ((token, {}), (admin, {"user_id": user["id"]})):
                cache, ids = listed(stack, who, **params)
                assert ids == [second["id"], first["id"]], (cache, ids)
                assert cache == "MISS"
        health = stack.get("/health")
        problem = check_problem_response(health, 503, "dependency_unavailable")
        assert problem["redis"] == "degraded" and problem["mysql"] == "ok", problem
        assert health.headers["Retry-After"].isdigit()

    assert wait_until(lambda: stack.health_status() == 200, 10), "/health not 200 after Redis accepts writes"
    body = stack.get("/health").json()
    assert body["redis"] == "ok" and body["status"] == "ok"
    # Caching works again, and what it caches is fresh.
    for who, params in ((token, {}), (admin, {"user_id": user["id"]})):
        assert listed(stack, who, **params) == ("MISS", [second["id"], first["id"]])
        assert wait_until(lambda: listed(stack, who, **params) == ("HIT", [second["id"], first["id"]]), 10)
