"""Refresh tokens (API.md "Refresh tokens"): login hands one out, each is used
once, a used-up one presented again revokes its whole sign-in, and logout,
logout-all and expiry end them.  They are kept in MariaDB only as hashes."""

import hashlib
import threading

import pytest

from conftest import api, bearer, login, mysql, register_user, TEST_PASSWORD

REFRESH_PATH = "/api/v1/auth/refresh"


def sign_in(stack):
    """A fresh customer's login answer (the whole body) and their email."""
    email, password, _ = register_user(stack)
    response = stack.request("POST", "/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json(), email


def refresh(stack, token):
    return stack.request("POST", REFRESH_PATH, json={"refresh_token": token})


def stored_hash(token):
    return hashlib.blake2b(token.encode(), digest_size=32).hexdigest()


def test_login_returns_a_refresh_token_kept_only_as_a_hash(stack):
    body, email = sign_in(stack)
    token = body["refresh_token"]
    assert len(token) == 43 and body["refresh_expires_in"] == 30 * 86400
    rows = mysql(stack, "SELECT r.token_hash, r.parent_id, r.used_at, r.revoked_at FROM refresh_tokens r"
                        f" JOIN users u ON u.id = r.user_id WHERE u.email = '{email}'")
    assert rows == [[stored_hash(token), "NULL", "NULL", "NULL"]]
    assert mysql(stack, f"SELECT COUNT(*) FROM refresh_tokens WHERE token_hash LIKE '%{token[:20]}%'") == [["0"]]


def test_refresh_rotates_and_reuse_revokes_the_family(stack):
    body, _ = sign_in(stack)
    first = body["refresh_token"]
    response = refresh(stack, first)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    second = response.json()
    assert second["token_type"] == "Bearer" and second["refresh_token"] != first
    assert api(stack, "GET", "/api/v1/auth/me", second["access_token"]).status_code == 200
    third = refresh(stack, second["refresh_token"]).json()
    # The first token again: it was used up, so the whole sign-in is revoked.
    response = refresh(stack, first)
    assert response.status_code == 401 and response.json()["code"] == "refresh_token_reused"
    for token in (second["refresh_token"], third["refresh_token"]):
        response = refresh(stack, token)
        assert response.status_code == 401 and response.json()["code"] in ("invalid_refresh_token",
                                                                            "refresh_token_reused")
    rows = mysql(stack, f"SELECT revoked_at IS NOT NULL FROM refresh_tokens WHERE family = (SELECT family FROM"
                        f" refresh_tokens WHERE token_hash = '{stored_hash(first)}')")
    assert rows == [["1"], ["1"], ["1"]]


def test_parallel_refreshes_of_one_token_let_exactly_one_through(stack):
    body, _ = sign_in(stack)
    token = body["refresh_token"]
    results, barrier = [], threading.Barrier(8)

    def attempt():
        barrier.wait()
        response = refresh(stack, token)
        results.append((response.status_code, response.json().get("code")))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == sorted([(200, None)] + [(401, "refresh_token_reused")] * 7, key=str)


def test_logout_with_the_refresh_token_ends_it(stack):
    body, _ = sign_in(stack)
    other, _ = body, None
    response = api(stack, "POST", "/api/v1/auth/logout", body["access_token"],
                   json={"refresh_token": body["refresh_token"]})
    assert response.status_code == 204
    response = refresh(stack, other["refresh_token"])
    assert response.status_code == 401 and response.json()["code"] == "invalid_refresh_token"


def test_logout_leaves_another_users_refresh_token_alone(stack):
    mine, _ = sign_in(stack)
    theirs, _ = sign_in(stack)
    response = api(stack, "POST", "/api/v1/auth/logout", mine["access_token"],
                   json={"refresh_token": theirs["refresh_token"]})
    assert response.status_code == 204
    assert refresh(stack, theirs["refresh_token"]).status_code == 200


def test_logout_all_ends_every_refresh_token(stack):
    email, password, _ = register_user(stack)
    sessions = [stack.request("POST", "/api/v1/auth/login", json={"email": email, "password": password}).json()
                for _ in range(2)]
    assert api(stack, "POST", "/api/v1/auth/logout-all", sessions[0]["access_token"]).status_code == 204
    for session in sessions:
        response = refresh(stack, session["refresh_token"])
        assert response.status_code == 401 and response.json()["code"] == "invalid_refresh_token"


def test_an_expired_refresh_token_is_refused(stack):
    body, _ = sign_in(stack)
    mysql(stack, f"UPDATE refresh_tokens SET expires_at = UNIX_TIMESTAMP() - 1"
                 f" WHERE token_hash = '{stored_hash(body['refresh_token'])}'")
    response = refresh(stack, body["refresh_token"])
    assert response.status_code == 401 and response.json()["code"] == "invalid_refresh_token"


@pytest.mark.parametrize("payload, status, code", [
    ({}, 422, "validation_failed"),
    ({"refresh_token": 5}, 422, "validation_failed"),
    ({"refresh_token": "x" * 300}, 422, "validation_failed"),
    ({"refresh_token": "not-a-token"}, 401, "invalid_refresh_token"),
    ({"refresh_token": "A" * 43}, 401, "invalid_refresh_token"),
    ({"refresh_token": "A" * 42 + "B"}, 401, "invalid_refresh_token"),
])
def test_bad_refresh_requests(stack, payload, status, code):
    response = stack.request("POST", REFRESH_PATH, json=payload)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_a_refreshed_token_is_revoked_by_logout_like_any_other(stack):
    body, email = sign_in(stack)
    fresh = refresh(stack, body["refresh_token"]).json()
    assert api(stack, "POST", "/api/v1/auth/logout", fresh["access_token"]).status_code == 204
    assert api(stack, "GET", "/api/v1/auth/me", fresh["access_token"]).status_code == 401
    # The old access token is still good: refreshing does not revoke it.
    assert stack.get("/api/v1/auth/me", headers=bearer(body["access_token"])).status_code == 200
    assert login(stack, email, TEST_PASSWORD)
