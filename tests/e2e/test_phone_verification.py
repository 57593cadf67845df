"""Guest checkout by phone (API.md "Guest orders by phone"): a code goes out
through the SMS sender (the stack's file: sender writes ORDERAPI_SMS_SENDER's
file), proves the phone, and buys a guest token that can place, list, read
and cancel that phone's orders and nothing more."""

import json
import os
import re
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

from conftest import (ORDERS_PATH, api, check_problem_response, demo_admin_token, make_product, product_stock,
                      redis_cli, wait_until)
from own_master import fcgi, own_master, own_workers

START = "/api/v1/phone-verifications"
VERIFY = "/api/v1/phone-verifications/verify"


def shows(code, text):
    """Whether text carries the code as a value of its own: not merely six
    digits inside a longer run of digits or hex (a phone number, a request
    id) or a timestamp's microseconds, which may hold them by chance."""
    return re.search(rf"(?<![0-9A-Fa-f.]){code}(?![0-9A-Fa-f])", text) is not None


def random_phone():
    return "+1628" + str(uuid.uuid4().int)[:7]


@pytest.fixture(autouse=True)
def fresh_phone_limits(stack):
    """The per-address limit (20 an hour) would refuse the suite's many
    codes from 127.0.0.1: each test starts with the address counters empty."""
    keys = redis_cli(stack, "--scan", "--pattern", "orderapi:rl:pv:addr:*").split()
    if keys:
        redis_cli(stack, "DEL", *keys)


def sms_log(stack):
    sender = stack.env["ORDERAPI_SMS_SENDER"]
    assert sender.startswith("file:")
    return Path(sender[len("file:"):])


def messages_to(stack, phone):
    path = sms_log(stack)
    if not path.exists():
        return []
    return [m for m in map(json.loads, path.read_text().splitlines()) if m["to"] == phone]


def last_code(stack, phone):
    [code] = re.findall(r"(?<!\d)\d{6}(?!\d)", messages_to(stack, phone)[-1]["text"])
    return code


def ask_code(stack, phone):
    response = stack.request("POST", START, json={"phone": phone})
    assert response.status_code == 202, response.text
    return response


def verify(stack, phone, code):
    return stack.request("POST", VERIFY, json={"phone": phone, "code": code})


def guest_token(stack, phone):
    ask_code(stack, phone)
    response = verify(stack, phone, last_code(stack, phone))
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_a_guest_goes_from_phone_to_an_order(stack):
    phone = random_phone()
    response = ask_code(stack, phone)
    assert response.json() == {"phone": phone, "expires_in": 600, "resend_after": 60}
    [message] = messages_to(stack, phone)
    assert set(message) == {"to", "text", "created_at"}
    code = last_code(stack, phone)
    assert not shows(code, response.text)
    response = verify(stack, phone, code)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and "refresh_token" not in body
    token = body["access_token"]
    assert not shows(code, response.text)

    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=5)
    placed = api(stack, "POST", ORDERS_PATH, token, json={"items": [{"product_id": product["id"], "quantity": 2}],
                                                          "customer_phone": "+15550000000"})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["customer_phone"] == phone and order["user_id"] is None
    assert api(stack, "GET", f"{ORDERS_PATH}/{order['id']}", token).status_code == 200
    assert [o["id"] for o in api(stack, "GET", ORDERS_PATH, token).json()["data"]] == [order["id"]]
    # Another phone's guest sees nothing of it.
    other = guest_token(stack, random_phone())
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/{order['id']}", other), 404, "not_found")
    # Guests reach no customer or admin route.
    check_problem_response(api(stack, "GET", "/api/v1/auth/me", token), 403, "forbidden")
    check_problem_response(api(stack, "GET", f"{ORDERS_PATH}/stats", token), 403, "forbidden")
    check_problem_response(api(stack, "POST", "/api/v1/products", token, json={}), 403, "forbidden")
    cancelled = api(stack, "POST", f"{ORDERS_PATH}/{order['id']}/cancel", token, json={})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert product_stock(stack, product["id"]) == 5
    assert api(stack, "POST", "/api/v1/auth/logout", token).status_code == 204
    check_problem_response(api(stack, "GET", ORDERS_PATH, token), 401, "token_revoked")


def test_wrong_codes_count_down_and_kill_the_code(stack):
    phone = random_phone()
    ask_code(stack, phone)
    code = last_code(stack, phone)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for left in (4, 3, 2, 1, 0):
        response = verify(stack, phone, wrong)
        check_problem_response(response, 422, "invalid_code")
        assert response.json()["attempts_left"] == left
    check_problem_response(verify(stack, phone, code), 422, "code_expired")


def test_a_code_is_used_once_even_in_parallel(stack):
    phone = random_phone()
    ask_code(stack, phone)
    code = last_code(stack, phone)
    results, barrier = [], threading.Barrier(6)

    def attempt():
        barrier.wait()
        response = verify(stack, phone, code)
        results.append((response.status_code, response.json().get("code")))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == sorted([(200, None)] + [(422, "code_expired")] * 5, key=str)


def test_a_new_code_replaces_the_old_and_codes_expire(stack):
    phone = random_phone()
    ask_code(stack, phone)
    old = last_code(stack, phone)
    redis_cli(stack, "DEL", f"orderapi:rl:pv:minute:{phone}")
    ask_code(stack, phone)
    new = last_code(stack, phone)
    if new != old:
        check_problem_response(verify(stack, phone, old), 422, "invalid_code")
    redis_cli(stack, "PEXPIRE", f"orderapi:pv:{phone}", "1")
    assert wait_until(lambda: redis_cli(stack, "EXISTS", f"orderapi:pv:{phone}").strip() == "0", 5)
    check_problem_response(verify(stack, phone, new), 422, "code_expired")
    check_problem_response(verify(stack, random_phone(), "123456"), 422, "code_expired")


def test_resend_limits(stack):
    phone = random_phone()
    ask_code(stack, phone)
    response = stack.request("POST", START, json={"phone": phone})
    check_problem_response(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    # Five an hour to one phone, however the minutes are spaced.
    for _ in range(4):
        redis_cli(stack, "DEL", f"orderapi:rl:pv:minute:{phone}")
        ask_code(stack, phone)
    redis_cli(stack, "DEL", f"orderapi:rl:pv:minute:{phone}")
    response = stack.request("POST", START, json={"phone": phone})
    check_problem_response(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 60
    assert len(messages_to(stack, phone)) == 5


def test_twenty_an_hour_from_one_address(stack):
    for _ in range(20):
        ask_code(stack, random_phone())
    phone = random_phone()
    response = stack.request("POST", START, json={"phone": phone})
    check_problem_response(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 60
    assert messages_to(stack, phone) == []


@pytest.mark.parametrize("path, body", [
    (START, {}),
    (START, {"phone": 15551234567}),
    (START, {"phone": "5551234567"}),
    (START, {"phone": "+0155512345"}),
    (START, {"phone": "+1555abc4567"}),
    (START, {"phone": "+1" + "5" * 20}),
    (START, {"phone": "+15551234567", "extra": 1}),
    (VERIFY, {"phone": "+15551234567"}),
    (VERIFY, {"phone": "+15551234567", "code": 123456}),
    (VERIFY, {"phone": "+15551234567", "code": "12345"}),
    (VERIFY, {"phone": "+15551234567", "code": "12345a"}),
    (VERIFY, {"phone": "+15551234567", "code": "1234567"}),
    (VERIFY, {"phone": "555", "code": "123456"}),
])
def test_malformed_phones_and_codes_are_422(stack, path, body):
    check_problem_response(stack.request("POST", path, json=body), 422, "validation_failed")


def test_the_code_appears_nowhere_but_the_message(stack):
    phone = random_phone()
    ask_code(stack, phone)
    code = last_code(stack, phone)
    stored = redis_cli(stack, "HGETALL", f"orderapi:pv:{phone}")
    assert not shows(code, stored) and len(stored.split()[1]) == 64
    verify(stack, phone, code)
    log = Path(stack.env["ORDERAPI_LOG"]).read_text() if stack.env.get("ORDERAPI_LOG") else ""
    assert not shows(code, log)
    assert not shows(code, stack.get("/metrics").text)


def own_server_request(tmp, stack, sender, body):
    """POST START to a master of our own whose ORDERAPI_SMS_SENDER is sender."""
    config = Path(tmp, "orderapi.conf")
    lines = [line for line in Path(stack.env["ORDERAPI_CONFIG"]).read_text().splitlines()
             if not line.startswith("ORDERAPI_SMS_SENDER=")]
    config.write_text("\n".join(lines) + "\n")
    with own_master(tmp, config, workers=1, extra_env={"ORDERAPI_SMS_SENDER": sender}) as (proc, sock, _):
        assert wait_until(lambda: len(own_workers(proc)) == 1, 10)
        return fcgi(sock, "POST", START, json.dumps(body).encode())


def test_no_sender_is_503(stack):
    with tempfile.TemporaryDirectory() as tmp:
        status, headers, body = own_server_request(tmp, stack, "", {"phone": random_phone()})
    assert status == 503 and json.loads(body)["code"] == "sms_unavailable"


def test_a_failing_command_sender_is_503_and_leaves_nothing(stack):
    phone = random_phone()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "send-sms")
        script.write_text("#!/bin/sh\ncat > /dev/null\nexit 1\n")
        script.chmod(0o755)
        os.chmod(tmp, 0o755)
        status, headers, body = own_server_request(tmp, stack, f"command:{script}",
                                                   {"phone": phone})
    assert status == 503 and json.loads(body)["code"] == "sms_unavailable"
    assert redis_cli(stack, "EXISTS", f"orderapi:pv:{phone}").strip() == "0"
    # The failed send was given back: the phone may ask again at once.
    ask_code(stack, phone)


def test_a_command_sender_gets_the_phone_and_the_text(stack):
    phone = random_phone()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "sent")
        script = Path(tmp, "send-sms")
        script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$1\" > {out}\ncat >> {out}\n")
        script.chmod(0o755)
        os.chmod(tmp, 0o777)
        status, headers, body = own_server_request(tmp, stack, f"command:{script}",
                                                   {"phone": phone})
        assert status == 202, body
        to, text = out.read_text().split("\n", 1)
    assert to == phone
    [code] = re.findall(r"\d{6}", text)
    check_problem_response(verify(stack, phone, f"{(int(code) + 1) % 1000000:06d}"), 422, "invalid_code")
    assert verify(stack, phone, code).status_code == 200
