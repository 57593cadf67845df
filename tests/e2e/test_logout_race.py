"""Logout-everywhere against a late cache fill.

A request that read ``tokens_valid_after`` from MySQL just before a
logout-all writes it into the Redis user cache afterwards.  The cache write
must not go backwards, or the old tokens are good again for up to 60 s.
The late write is made through the same code path a request uses
(``revocation_remember_user``), exposed as ``POST /api/v1/_user_state``
under ORDERAPI_TEST_ROUTES.
"""

from conftest import bearer, check_problem_response, login, redis_cli, register_user


def cached_state(stack, user_id):
    """(role, tokens_valid_after) cached for the user, or None."""
    value = redis_cli(stack, "GET", f"orderapi:user:{user_id}").strip()
    if not value:
        return None
    role, cutoff = value.rsplit(":", 1)
    return role, int(cutoff)


def me(stack, token):
    return stack.get("/api/v1/auth/me", headers=bearer(token))


def late_fill(stack, user_id, role, cutoff):
    response = stack.request("POST", "/api/v1/_user_state",
                             json={"user_id": user_id, "role": role, "tokens_valid_after": cutoff})
    assert response.status_code == 204, response.text


def test_a_late_cache_fill_does_not_revive_tokens_after_logout_all(stack):
    email, _, user = register_user(stack)
    token = login(stack, email)
    assert me(stack, token).status_code == 200
    before = cached_state(stack, user["id"])
    assert before is not None, "login cached no user state"
    role, old_cutoff = before

    assert stack.request("POST", "/api/v1/auth/logout-all", headers=bearer(token)).status_code == 204
    # The request that read the old row from MySQL now caches it, late.
    late_fill(stack, user["id"], role, old_cutoff)

    check_problem_response(me(stack, token), 401, "token_revoked")
    after = cached_state(stack, user["id"])
    assert after is not None and after[1] > old_cutoff, after

    # A fill with the current cut-off (or a later one) is still taken, and a
    # new login works.
    fresh = login(stack, email)
    assert me(stack, fresh).status_code == 200


def test_user_state_route_validates_its_body(stack):
    response = stack.request("POST", "/api/v1/_user_state", json={"user_id": "x"})
    check_problem_response(response, 422, "validation_failed")
