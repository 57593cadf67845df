"""Idempotency keys under real connection faults (issue #10, "Faults").

The faults are armed per request with the test-only header
X-Orderapi-Test-Fault (honoured only with ORDERAPI_TEST_ROUTES=1) and are
real at the protocol level: the worker's MariaDB socket is cut under the
client library, so the server sees the client go and the library reports a
lost connection (2013), exactly as after a read timeout.

- commit-reply-lost: COMMIT is sent and answered by the server, the answer
  is lost: the order exists, the worker answers 503 (outcome unknown).
- before-commit: the connection is cut before COMMIT is sent: the server
  rolls the order back, the worker answers 503 (outcome unknown to it).
- claim-reply-lost: the key's INSERT lands, its answer is lost: 503.
- exit-after-commit: the worker _exits right after COMMIT (nginx answers 502).
- claim-cut-pause: the connection that claimed the key is cut, and the
  request pauses 8 s before it goes on over a new connection: a holder that
  is alive although its claiming connection is gone.

Each retry with the same key must end in exactly one order: the replayed 201,
or a fresh 201 when nothing was committed, and never wait out the 60 s after
which a stuck key is taken over.
"""

import subprocess
import threading
import time
import uuid

import pytest

from conftest import (ORDERS_PATH, TIMEOUT, api, check_problem_response, demo_admin_token, make_product, new_customer,
                      place_order, product_stock)
from conftest import FRONT


FAULT = "X-Orderapi-Test-Fault"
# Well under IDEMPOTENCY_STALE_SECONDS (60): a key must be freed by its
# holder's death, not by its age.  Generous for a loaded machine.
RETRY_FOR_SECONDS = 30


@pytest.fixture(scope="module")
def admin(stack):
    return demo_admin_token(stack)


@pytest.fixture
def customer(stack):
    return new_customer(stack)


def order_count(stack, token):
    response = api(stack, "GET", ORDERS_PATH, token)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def key_rows(stack, key):
    """How many idempotency_keys rows hold key, straight from MariaDB."""
    env = stack.env
    assert all(c.isalnum() or c == "-" for c in key)
    done = subprocess.run(
        ["mariadb", "--protocol=socket", "-S", env["ORDERAPI_DB_SOCKET"], "-u", env["ORDERAPI_DB_USER"],
         f"-p{env['ORDERAPI_DB_PASSWORD']}", "-N", "-B", env["ORDERAPI_DB_NAME"], "-e",
         f"SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = '{key}'"],
        capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def retry_until_settled(stack, token, items, key):
    """Retries the create with the same key (as a client would, honouring
    409 idempotency_in_progress) until it gets a final answer."""
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    while True:
        response = place_order(stack, token, items, headers={"Idempotency-Key": key})
        if response.status_code not in (409, 503) or time.monotonic() > deadline:
            return response
        if response.status_code == 409:
            check_problem_response(response, 409, "idempotency_in_progress")
        time.sleep(0.2)


def test_lost_commit_answer_then_retry_replays_the_order(stack, admin, customer):
    """High: the COMMIT went through but its answer was lost.  The key must
    not be released, and the retry must replay the order, not make a second."""
    token, _ = customer
    product = make_product(stack, admin, stock=10)
    items = [(product["id"], 1)]
    key = f"fault-{uuid.uuid4()}"
    first = place_order(stack, token, items, headers={"Idempotency-Key": key, FAULT: "commit-reply-lost"})
    check_problem_response(first, 503)
    assert order_count(stack, token) == 1  # the order did commit

    again = retry_until_settled(stack, token, items, key)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert order_count(stack, token) == 1
    assert product_stock(stack, product["id"]) == 9
    assert again.headers["Location"] == f"{ORDERS_PATH}/{again.json()['id']}"


def test_connection_cut_before_commit_then_retry_creates_once(stack, admin, customer):
    """The connection broke during COMMIT and nothing was committed: the key
    is kept (the worker cannot know), and the retry makes the order, fresh."""
    token, _ = customer
    product = make_product(stack, admin, stock=10)
    items = [(product["id"], 2)]
    key = f"fault-{uuid.uuid4()}"
    first = place_order(stack, token, items, headers={"Idempotency-Key": key, FAULT: "before-commit"})
    check_problem_response(first, 503)
    assert order_count(stack, token) == 0

    again = retry_until_settled(stack, token, items, key)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") is None
    assert order_count(stack, token) == 1
    assert product_stock(stack, product["id"]) == 8
    replay = place_order(stack, token, items, headers={"Idempotency-Key": key})
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["id"] == again.json()["id"]


def test_lost_answer_to_the_key_insert_is_503_and_frees_the_key(stack, admin, customer):
    """Medium: the key's INSERT landed but its answer was lost.  That is a
    503 (not a 500), and the key, held by a connection that no longer exists,
    is taken over by the retry at once instead of answering 409 for 60 s."""
    token, _ = customer
    product = make_product(stack, admin, stock=10)
    items = [(product["id"], 1)]
    key = f"fault-{uuid.uuid4()}"
    first = place_order(stack, token, items, headers={"Idempotency-Key": key, FAULT: "claim-reply-lost"})
    check_problem_response(first, 503)
    assert first.headers.get("Retry-After")
    assert order_count(stack, token) == 0

    again = retry_until_settled(stack, token, items, key)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") is None
    assert order_count(stack, token) == 1
    assert product_stock(stack, product["id"]) == 9


def test_taken_over_holder_changes_nothing(stack, admin, customer):
    """A retry may take over a key whose claiming connection is gone while
    its request still runs on a new connection: then that request's
    transaction must not commit (its guarded write of the key's response
    finds the key taken), so there is still exactly one order."""
    token, _ = customer
    product = make_product(stack, admin, stock=10)
    items = [(product["id"], 1)]
    key = f"fault-{uuid.uuid4()}"
    holder = {}

    def hold():
        holder["response"] = api(stack, "POST", ORDERS_PATH, token, timeout=30,
                                 json={"items": [{"product_id": product["id"], "quantity": 1}]},
                                 headers={"Idempotency-Key": key, FAULT: "claim-cut-pause"})

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        taker = None
        deadline = time.monotonic() + 7  # the holder pauses 8 s once it holds the key
        while key_rows(stack, key) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        while time.monotonic() < deadline:
            response = place_order(stack, token, items, headers={"Idempotency-Key": key})
            if response.status_code != 409:
                taker = response
                break
            time.sleep(0.1)
    finally:
        thread.join(timeout=60)
    assert "response" in holder, "the holder got no answer"
    assert taker is not None, "the key was never taken over while its holder paused"
    assert taker.status_code == 201, taker.text
    assert taker.headers.get("Idempotent-Replayed") is None
    check_problem_response(holder["response"], 409, "idempotency_in_progress")
    assert order_count(stack, token) == 1
    assert product_stock(stack, product["id"]) == 9
    replay = place_order(stack, token, items, headers={"Idempotency-Key": key})
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["id"] == taker.json()["id"]


def test_worker_killed_after_commit_then_retry_replays(stack, admin, customer, healthy_afterwards):
    """A worker that dies right after COMMIT leaves nginx to answer 502 for an
    order that exists; the retry with the same key replays its 201."""
    token, _ = customer
    product = make_product(stack, admin, stock=10)
    items = [(product["id"], 3)]
    key = f"fault-{uuid.uuid4()}"
    first = place_order(stack, token, items, headers={"Idempotency-Key": key, FAULT: "exit-after-commit"})
    # nginx and mod_proxy_fcgi: 502 (answered 503); mod_fcgid and plain
    # CGI: 500 (Apache's answer to a script that ended without one).
    dead = (500, 502, 503, 504) if FRONT in ("apache-fcgid", "apache-cgi") else (502, 503, 504)
    assert first.status_code in dead, first.text
    assert order_count(stack, token) == 1

    again = retry_until_settled(stack, token, items, key)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert order_count(stack, token) == 1
    assert product_stock(stack, product["id"]) == 7


def test_cancel_with_lost_commit_answer_replays(stack, admin, customer):
    """The same for POST /orders/{id}/cancel: the cancel committed, its answer
    was lost; the retry replays the 200 and the stock comes back once."""
    token, _ = customer
    product = make_product(stack, admin, stock=10)
    created = place_order(stack, token, [(product["id"], 4)])
    assert created.status_code == 201, created.text
    path = f"{ORDERS_PATH}/{created.json()['id']}/cancel"
    key = f"fault-{uuid.uuid4()}"
    first = api(stack, "POST", path, token, json={}, headers={"Idempotency-Key": key, FAULT: "commit-reply-lost"})
    check_problem_response(first, 503)

    deadline = time.monotonic() + RETRY_FOR_SECONDS
    while True:
        again = api(stack, "POST", path, token, json={}, headers={"Idempotency-Key": key})
        if again.status_code != 409 or time.monotonic() > deadline:
            break
        check_problem_response(again, 409, "idempotency_in_progress")
        time.sleep(0.2)
    assert again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["status"] == "cancelled"
    assert product_stock(stack, product["id"]) == 10


def test_create_without_a_key_after_a_lost_commit_answer_exists(stack, admin, customer):
    """Without a key a lost COMMIT answer cannot be told apart from a failure:
    the 503'd create exists, and only GET /orders shows it (README, openapi)."""
    token, _ = customer
    product = make_product(stack, admin, stock=10)
    first = place_order(stack, token, [(product["id"], 1)], headers={FAULT: "commit-reply-lost"})
    check_problem_response(first, 503)
    assert order_count(stack, token) == 1
    assert product_stock(stack, product["id"]) == 9
