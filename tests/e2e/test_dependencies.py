"""/health while Redis or MariaDB is down, and recovery without a restart
of orderapi."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ORDERS_PATH, api, check_problem_response, media_type, new_customer, wait_until

DEPENDENCIES = {
    # service name in ./stack, member of the /health body
    "redis": "redis",
    "mariadb": "mysql",
}


@pytest.mark.parametrize("service", DEPENDENCIES)
def test_health_names_the_dependency_that_is_down(stack, healthy_afterwards, service):
    member = DEPENDENCIES[service]
    master = stack.master_pid()
    stack.svc("stop", service)

    started = time.monotonic()
    response = stack.get("/health")
    assert time.monotonic() - started < 5
    assert response.status_code == 503, response.text
    assert media_type(response.headers["Content-Type"]) in ("application/json",
                                                            "application/problem+json")
    assert response.headers["Retry-After"].isdigit()
    body = response.json()
    assert body[member] == "down"
    other = ({"redis", "mysql"} - {member}).pop()
    assert body[other] == "ok"

    # Paths that do not need the dependency still answer, and quickly.
    started = time.monotonic()
    check_problem_response(stack.get("/api/v1/nope"), 404, "not_found")
    assert time.monotonic() - started < 5

    stack.svc("start", service)
    # Every worker recovers, not just the first to answer: a run of
    # consecutive 200s long enough to reach each worker several times.
    run = 4 * stack.workers_wanted
    assert wait_until(lambda: all(stack.health_status() == 200 for _ in range(run)), 10), (
        f"/health not steadily 200 within 10 s of {service} coming back")
    assert stack.get("/health").json()[member] == "ok"
    assert stack.master_pid() == master, "orderapi was restarted"


def test_the_first_lists_after_a_redis_restart_are_answered(stack, healthy_afterwards):
    """A restart kills every worker's open connection to Redis.  A list's
    token check and cache lookup go out to Redis as one pipeline, which must
    be sent again on a new connection, as a single command is, rather than
    answered 503: every worker's first list after the restart is a 200."""
    token, _ = new_customer(stack)
    burst = 2 * stack.workers_wanted

    def lists():
        with ThreadPoolExecutor(burst) as pool:
            return list(pool.map(lambda _: api(stack, "GET", ORDERS_PATH, token).status_code, range(burst)))

    for _ in range(3):  # every worker has an open connection to Redis
        assert lists() == [200] * burst
    stack.svc("stop", "redis")
    stack.svc("start", "redis")
    assert lists() == [200] * burst
