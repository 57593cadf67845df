"""Accounts: register, login, logout, logout-all, /me, roles set from the
command line, and login throttling (API.md, Authentication)."""

import re
import time

import pytest

from conftest import (TEST_PASSWORD, bearer, check_problem_response, clear_login_counters,
                      create_admin, login, media_type, redis_cli, register_user, unique_email,
                      user_cli)


USER_MEMBERS = {"id", "email", "full_name", "phone", "role", "created_at"}
RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@pytest.fixture(autouse=True, scope="module")
def no_login_counters(stack):
    """Starts and leaves the module with no per-address failure counters, so
    neither this module nor a later one runs into the per-address limit."""
    clear_login_counters(stack)
    yield
    clear_login_counters(stack)


def me(stack, token):
    return stack.get("/api/v1/auth/me", headers=bearer(token))


def post(stack, path, token=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers.update(bearer(token))
    return stack.request("POST", path, headers=headers, **kwargs)


def check_unauthorized(response, code):
    """A 401 problem with this code and an RFC 6750 Bearer challenge."""
    problem = check_problem_response(response, 401, code)
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.split(" ")[0].lower() == "bearer", f"WWW-Authenticate: {challenge!r}"
    return problem


def check_user(body, email, full_name, phone, role):
    assert set(body) == USER_MEMBERS, f"user members: {sorted(body)}"
    assert type(body["id"]) is int and body["id"] > 0
    assert body["email"] == email
    assert body["full_name"] == full_name
    assert body["phone"] == phone
    assert body["role"] == role
    assert RFC3339_UTC.match(body["created_at"]), body["created_at"]


def test_register_login_me_logout(stack):
    local = unique_email("Flow").split("@")[0]
    mixed = f"{local}@Example.COM"
    email = mixed.lower()

    response = post(stack, "/api/v1/auth/register",
                    json={"email": mixed, "password": TEST_PASSWORD, "full_name": "Ada Lovelace",
                          "phone": "+14155550123"})
    assert response.status_code == 201, response.text
    assert media_type(response.headers["Content-Type"]) == "application/json"
    assert response.headers.get("Location"), "201 without Location"
    assert response.headers.get("X-Request-Id")
    user = response.json()
    check_user(user, email, "Ada Lovelace", "+14155550123", "customer")
    text = response.text.lower()
    assert "password" not in text and "hash" not in text and "argon" not in text

    # The same address in other letter case is the same account.
    again = post(stack, "/api/v1/auth/register",
                 json={"email": email.upper(), "password": TEST_PASSWORD, "full_name": "Someone Else"})
    check_problem_response(again, 409, "email_taken")

    response = post(stack, "/api/v1/auth/login", json={"email": mixed, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.text
    assert media_type(response.headers["Content-Type"]) == "application/json"
    grant = response.json()
    assert set(grant) >= {"access_token", "token_type", "expires_in"}
    assert grant["token_type"] == "Bearer"
    assert type(grant["expires_in"]) is int and grant["expires_in"] > 0
    token = grant["access_token"]
    assert isinstance(token, str) and token.count(".") == 2

    response = me(stack, token)
    assert response.status_code == 200, response.text
    assert response.json() == user

    response = post(stack, "/api/v1/auth/logout", token)
    assert response.status_code == 204, response.text
    assert response.content == b""
    check_unauthorized(me(stack, token), "token_revoked")
    # Logging out twice with the same token: it is no longer a credential.
    check_unauthorized(post(stack, "/api/v1/auth/logout", token), "token_revoked")

    second = login(stack, email)
    assert second != token
    response = me(stack, second)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == user["id"]


def test_me_without_a_token(stack):
    response = stack.get("/api/v1/auth/me")
    check_unauthorized(response, "unauthenticated")
    for scheme in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc.def.ghi"):
        check_unauthorized(stack.get("/api/v1/auth/me", headers={"Authorization": scheme}),
                           "unauthenticated")
    check_unauthorized(post(stack, "/api/v1/auth/logout"), "unauthenticated")
    check_unauthorized(post(stack, "/api/v1/auth/logout-all"), "unauthenticated")


def test_register_reports_every_bad_field(stack):
    email = unique_email("bad")
    response = post(stack, "/api/v1/auth/register",
                    json={"email": "not-an-email", "password": "ninechars", "phone": "555-0123",
                          "role": "admin"})
    problem = check_problem_response(response, 422, "validation_failed")
    errors = problem.get("errors")
    assert isinstance(errors, list), problem
    for entry in errors:
        assert set(entry) >= {"field", "code", "message"}, entry
        assert all(isinstance(entry[k], str) and entry[k] for k in ("field", "code", "message"))
    codes = {entry["field"]: entry["code"] for entry in errors}
    assert len(codes) == len(errors), f"a field is listed twice: {errors}"
    assert codes == {"email": "invalid_email", "password": "too_short", "full_name": "required",
                     "phone": "invalid_phone", "role": "unknown_field"}, errors

    # A valid email with the other faults: still nothing is created.
    response = post(stack, "/api/v1/auth/register",
                    json={"email": email, "password": "ninechars", "full_name": "X",
                          "role": "admin"})
    problem = check_problem_response(response, 422, "validation_failed")
    assert {e["field"] for e in problem["errors"]} == {"password", "role"}
    try:
        response = post(stack, "/api/v1/auth/login", json={"email": email, "password": "ninechars"})
        check_problem_response(response, 401, "invalid_credentials")
    finally:
        clear_login_counters(stack, email)

    # A client never chooses its role, even with an otherwise perfect body.
    response = post(stack, "/api/v1/auth/register",
                    json={"email": email, "password": TEST_PASSWORD, "full_name": "X",
                          "role": "admin"})
    problem = check_problem_response(response, 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("role", "unknown_field")]


def test_login_failures_look_alike(stack):
    email, _, _ = register_user(stack)
    unknown = unique_email("nobody")
    try:
        wrong_password = post(stack, "/api/v1/auth/login",
                              json={"email": email, "password": "not the password"})
        unknown_email = post(stack, "/api/v1/auth/login",
                             json={"email": unknown, "password": "not the password"})
        first = check_problem_response(wrong_password, 401, "invalid_credentials")
        second = check_problem_response(unknown_email, 401, "invalid_credentials")
        del first["request_id"], second["request_id"]
        assert first == second
        assert wrong_password.headers.get("WWW-Authenticate") == \
            unknown_email.headers.get("WWW-Authenticate")
    finally:
        clear_login_counters(stack, email, unknown)


def test_login_401_has_a_challenge(stack):
    """RFC 9110 §15.5.2: a server generating a 401 MUST send WWW-Authenticate."""
    email = unique_email("nobody")
    try:
        response = post(stack, "/api/v1/auth/login", json={"email": email, "password": "whatever12"})
        check_unauthorized(response, "invalid_credentials")
    finally:
        clear_login_counters(stack, email)


def test_login_rejects_bad_requests(stack):
    email, _, _ = register_user(stack)
    response = post(stack, "/api/v1/auth/login", json={"email": email})
    problem = check_problem_response(response, 422, "validation_failed")
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("password", "required")]

    response = post(stack, "/api/v1/auth/login", data=b'{"email": "a@example.com", "password": ',
                    headers={"Content-Type": "application/json"})
    check_problem_response(response, 400, "malformed_json")

    body = ('{"email": "%s", "password": "%s"}' % (email, TEST_PASSWORD)).encode()
    response = post(stack, "/api/v1/auth/login", data=body)
    assert "Content-Type" not in response.request.headers
    check_problem_response(response, 415, "unsupported_media_type")

    # None of those was a failed login: the right password still works.
    assert me(stack, login(stack, email)).status_code == 200


def test_logout_all_revokes_every_token(stack):
    email, _, user = register_user(stack)
    first = login(stack, email)
    second = login(stack, email)
    assert me(stack, first).status_code == 200
    assert me(stack, second).status_code == 200

    response = post(stack, "/api/v1/auth/logout-all", first)
    assert response.status_code == 204, response.text
    check_unauthorized(me(stack, first), "token_revoked")
    check_unauthorized(me(stack, second), "token_revoked")

    # Straight away, quite possibly within the same second: a new login works.
    fresh = login(stack, email)
    response = me(stack, fresh)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == user["id"]


def test_logout_all_twice_within_a_second(stack):
    """Every token issued before a logout-all is revoked by it, also a token
    issued in the same second as an earlier logout-all."""
    email, _, _ = register_user(stack)
    for _ in range(3):
        # Start just after a second boundary, so the four requests below most
        # likely share one second (the case that matters); a correct server
        # passes however they fall.
        time.sleep(1.02 - time.time() % 1)
        first = login(stack, email)
        assert post(stack, "/api/v1/auth/logout-all", first).status_code == 204
        second = login(stack, email)
        assert me(stack, second).status_code == 200
        assert post(stack, "/api/v1/auth/logout-all", second).status_code == 204
        check_unauthorized(me(stack, first), "token_revoked")
        check_unauthorized(me(stack, second), "token_revoked")


def test_role_comes_from_the_account(stack):
    email, password = create_admin(stack)
    token = login(stack, email, password)
    response = me(stack, token)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"
    assert response.json()["email"] == email

    done = user_cli(stack, "set-role", "--email", email, "--role", "customer")
    assert done.returncode == 0, done.stderr
    check_unauthorized(me(stack, token), "token_revoked")
    demoted = login(stack, email, password)
    response = me(stack, demoted)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "customer"

    done = user_cli(stack, "delete", "--email", email)
    assert done.returncode == 0, done.stderr
    problem = check_problem_response(me(stack, demoted), 401)
    assert problem["code"] in ("token_revoked", "unauthenticated")
    try:
        check_problem_response(post(stack, "/api/v1/auth/login",
                                    json={"email": email, "password": password}),
                               401, "invalid_credentials")
    finally:
        clear_login_counters(stack, email)


def test_repeated_failures_are_rate_limited(stack):
    email, _, _ = register_user(stack)
    try:
        for attempt in range(5):
            response = post(stack, "/api/v1/auth/login",
                            json={"email": email, "password": f"wrong password {attempt}"})
            check_problem_response(response, 401, "invalid_credentials")
        # The sixth attempt is refused even with the right password.
        response = post(stack, "/api/v1/auth/login", json={"email": email, "password": TEST_PASSWORD})
        check_problem_response(response, 429, "rate_limited")
        retry_after = response.headers.get("Retry-After", "")
        assert retry_after.isdigit() and int(retry_after) > 0, f"Retry-After: {retry_after!r}"
        assert "access_token" not in response.text
        # The counter is per email: another account from the same address is fine.
        other, _, _ = register_user(stack)
        assert me(stack, login(stack, other)).status_code == 200
    finally:
        clear_login_counters(stack, email)
    assert redis_cli(stack, "EXISTS", f"orderapi:rl:login:email:{email}").strip() == "0"
    assert me(stack, login(stack, email)).status_code == 200
