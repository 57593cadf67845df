"""Limits around password hashing (issue #11, "Hardening"): every Argon2id
run costs a core for about a third of a second and 64 MiB, so

- login attempts are counted before the password is checked, and parallel
  guesses cannot overrun ORDERAPI_LOGIN_MAX_FAILURES;
- a registration for a taken email is 409 without hashing anything;
- registrations are limited per client address (429 + Retry-After);
- at most ORDERAPI_MAX_HASHES hashes run at once across the workers; more
  are refused at once with 503 server_busy + Retry-After, and requests that
  hash nothing are still served meanwhile.

Hashing is observed through /metrics: orderapi_password_hashes_total counts
Argon2id runs, orderapi_password_hashes_refused_total the ones refused at the
cap.  Timing is only ever compared between requests of the same test, never
against a fixed figure.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import (TEST_PASSWORD, bearer, check_problem_response, clear_login_counters,
                      clear_register_counters, login, register_user, unique_email)
from conftest import master_serves_http

pytestmark = master_serves_http("the hash cap is shared by the pre-forked pool and counted in its /metrics")

LOGIN = "/api/v1/auth/login"
REGISTER = "/api/v1/auth/register"
HASHES = "orderapi_password_hashes_total"
REFUSED = "orderapi_password_hashes_refused_total"
MAX_FAILURES = 5  # ORDERAPI_LOGIN_MAX_FAILURES, default
OTHER_ADDRESS = "192.0.2.7"  # TEST-NET-1: a client address nobody else uses


@pytest.fixture(autouse=True)
def no_counters(stack):
    """Each test starts and ends with no per-address login or registration
    counters, so neither it nor a later test meets a limit it did not set."""
    clear_login_counters(stack)
    clear_register_counters(stack, OTHER_ADDRESS)
    yield
    clear_login_counters(stack)
    clear_register_counters(stack, OTHER_ADDRESS)


def metric(stack, name):
    """The value of one process-wide counter from /metrics, or None when the
    server does not report it (tests assert that after their other checks)."""
    response = stack.get("/metrics")
    assert response.status_code == 200, response.text
    for line in response.text.splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    return None


def metric_delta(stack, name, before):
    after = metric(stack, name)
    assert before is not None and after is not None, f"/metrics has no {name}"
    return after - before


def check_retry_after(response):
    value = response.headers.get("Retry-After", "")
    assert value.isdigit() and int(value) > 0, f"Retry-After: {value!r}"
    return int(value)


def check_busy(response):
    """503 server_busy, refused at the hash cap, with Retry-After."""
    check_problem_response(response, 503, "server_busy")
    check_retry_after(response)


def post_json(stack, path, body):
    return stack.request("POST", path, json=body, timeout=30)


def test_parallel_wrong_passwords_get_at_most_the_limit_of_checks(stack):
    """16 wrong passwords at once for one account: at most 5 reach the
    password check, the rest are 429.  Clients retry a 503 (hash cap), so
    every guess is pressed until it is either checked or refused."""
    email, _, _ = register_user(stack)
    hashes_before = metric(stack, HASHES)

    def guess(i):
        deadline = time.monotonic() + 60
        while True:
            response = post_json(stack, LOGIN, {"email": email, "password": f"wrong password {i}"})
            if response.status_code != 503 or time.monotonic() > deadline:
                return response
            check_busy(response)
            time.sleep(0.02)

    try:
        with ThreadPoolExecutor(16) as pool:
            responses = list(pool.map(guess, range(16)))
        statuses = sorted(r.status_code for r in responses)
        checked = statuses.count(401)
        assert set(statuses) <= {401, 429}, statuses
        assert 1 <= checked <= MAX_FAILURES, f"{checked} guesses reached the password check: {statuses}"
        for response in responses:
            if response.status_code == 401:
                check_problem_response(response, 401, "invalid_credentials")
            else:
                check_problem_response(response, 429, "rate_limited")
                check_retry_after(response)
        assert metric_delta(stack, HASHES, hashes_before) <= MAX_FAILURES
    finally:
        clear_login_counters(stack, email)
    # Once the counters are gone the right password works again.
    assert stack.get("/api/v1/auth/me", headers=bearer(login(stack, email))).status_code == 200


def test_a_successful_login_is_not_a_failure(stack):
    """Four failures, then a success: the success clears the account's
    count, so five more failures are allowed before a 429."""
    email, _, _ = register_user(stack)
    try:
        for i in range(MAX_FAILURES - 1):
            check_problem_response(post_json(stack, LOGIN, {"email": email, "password": f"nope {i}"}),
                                   401, "invalid_credentials")
        login(stack, email)
        for i in range(MAX_FAILURES):
            check_problem_response(post_json(stack, LOGIN, {"email": email, "password": f"again {i}"}),
                                   401, "invalid_credentials")
        response = post_json(stack, LOGIN, {"email": email, "password": TEST_PASSWORD})
        check_problem_response(response, 429, "rate_limited")
        check_retry_after(response)
    finally:
        clear_login_counters(stack, email)


def test_parallel_registrations_of_a_taken_email_hash_nothing(stack):
    email, _, _ = register_user(stack)
    hashes_before = metric(stack, HASHES)
    body = {"email": email.upper(), "password": TEST_PASSWORD, "full_name": "Copy Cat"}
    with ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda _: post_json(stack, REGISTER, body), range(16)))
    for response in responses:
        check_problem_response(response, 409, "email_taken")
    assert metric_delta(stack, HASHES, hashes_before) == 0, "a registration for a taken email ran a password hash"


def test_registrations_are_limited_per_address(stack):
    """Every well-formed registration counts against its client address,
    a taken email too; past the limit, 429 with Retry-After.  Another
    address is not affected."""
    email, _, _ = register_user(stack)
    body = {"email": email, "password": TEST_PASSWORD, "full_name": "Prober"}
    limited = None
    for attempt in range(100):
        response = post_json(stack, REGISTER, body)
        if response.status_code == 429:
            limited = response
            break
        check_problem_response(response, 409, "email_taken")
    assert limited is not None, "100 registrations from one address and none refused"
    assert attempt >= 1, "refused before any registration was counted"
    check_problem_response(limited, 429, "rate_limited")
    check_retry_after(limited)
    # Still refused, whatever the email: the limit is the address's.
    response = post_json(stack, REGISTER, {"email": unique_email("fresh"), "password": TEST_PASSWORD,
                                           "full_name": "Fresh"})
    check_problem_response(response, 429, "rate_limited")
    # Another client address registers as usual.
    fresh = unique_email("other-address")
    raw = ('{"email": "%s", "password": "%s", "full_name": "Elsewhere"}' % (fresh, TEST_PASSWORD)).encode()
    status, headers, payload = stack.fcgi("POST", REGISTER, body=raw, remote_addr=OTHER_ADDRESS)
    assert status == 201, payload[:300]


def test_a_burst_beyond_the_hash_cap_is_refused_at_once(stack):
    """16 logins at once (unknown emails: each costs a dummy hash) on a pool
    with fewer permits than that: the excess is 503 with Retry-After straight
    away rather than queued behind the hashes, and GET /auth/me, which
    hashes nothing, is answered before the first hash of the burst is done.
    /auth/me goes out when the first refusal is back: the permits are all
    taken then, so hashes are running (a fixed pause was not enough on a
    machine that hashes in less than that)."""
    token = login(stack, register_user(stack)[0])
    refused_before = metric(stack, REFUSED)
    results = []
    lock = threading.Lock()
    refused = threading.Event()

    def attempt(i):
        response = post_json(stack, LOGIN, {"email": unique_email(f"burst{i}"), "password": "whatever12"})
        with lock:
            results.append((time.monotonic(), response))
        if response.status_code == 503:
            refused.set()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    refused.wait(30)
    me = stack.get("/api/v1/auth/me", headers=bearer(token), timeout=60)
    me_done = time.monotonic()
    for thread in threads:
        thread.join(60)
    assert me.status_code == 200, me.text

    statuses = sorted(r.status_code for _, r in results)
    assert len(statuses) == 16 and set(statuses) <= {401, 503}, statuses
    busy = [(t, r) for t, r in results if r.status_code == 503]
    checked = [(t, r) for t, r in results if r.status_code == 401]
    assert busy, f"no request of the burst was refused at the hash cap: {statuses}"
    assert checked, f"no request of the burst was checked: {statuses}"
    for _, response in busy:
        check_busy(response)
    for _, response in checked:
        check_problem_response(response, 401, "invalid_credentials")
    first_hash_done = min(t for t, _ in checked)
    assert min(t for t, _ in busy) < first_hash_done, "the refusals waited for a hash to finish"
    assert me_done < first_hash_done, "GET /auth/me waited for a password hash"
    assert metric_delta(stack, REFUSED, refused_before) == len(busy)
