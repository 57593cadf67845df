"""Bearer tokens: what the server accepts (any standard JWT library's HS256
token with the right key and claims) and what it refuses, revocation that
survives Redis losing its data, and failing closed while Redis is down."""

import base64
import hashlib
import hmac
import json
import os
import time
import uuid

import jwt  # Debian's python3-jwt (PyJWT)
import pytest

from conftest import (bearer, check_problem, check_problem_response, login, redis_cli, register_user,
                      wait_until)


ISSUER = "orderapi"
AUDIENCE = "orderapi"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def segment(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def sign_hs256(header, claims, key):
    """A compact JWS signed by hand, so nothing is normalised by a library."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    mac = hmac.new(key.encode(), signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def unsigned(header, claims):
    return f"{segment(header)}.{segment(claims)}."


def me(stack, token):
    return stack.get("/api/v1/auth/me", headers=bearer(token))


def check_unauthorized(response, code=None):
    problem = check_problem_response(response, 401, code)
    challenge = response.headers.get("WWW-Authenticate", "")
    assert challenge.split(" ")[0].lower() == "bearer", f"WWW-Authenticate: {challenge!r}"
    return problem


@pytest.fixture(scope="module")
def customer(stack):
    """A registered customer: (email, user body)."""
    email, _, user = register_user(stack)
    return email, user


@pytest.fixture(scope="module")
def secret(stack):
    return stack.env["ORDERAPI_JWT_SECRET"]


def claims_for(user, **changes):
    now = int(time.time())
    claims = {"sub": str(user["id"]), "role": user["role"], "jti": uuid.uuid4().hex,
              "iat": now, "exp": now + 600, "iss": ISSUER, "aud": AUDIENCE}
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


HS256 = {"alg": "HS256", "typ": "JWT"}


def test_pyjwt_token_is_accepted(stack, customer, secret):
    _, user = customer
    token = jwt.encode(claims_for(user), secret, algorithm="HS256")
    response = me(stack, token)
    assert response.status_code == 200, response.text
    assert response.json() == user
    # And the hand-made signer the refusals below rely on is right too.
    response = me(stack, sign_hs256(HS256, claims_for(user), secret))
    assert response.status_code == 200, response.text


def forged_tokens(user, secret):
    """name -> (token, expected problem code)."""
    now = int(time.time())
    good = sign_hs256(HS256, claims_for(user), secret)
    header, payload, _ = good.split(".")
    return {
        "alg none": (unsigned({"alg": "none", "typ": "JWT"}, claims_for(user)), "unauthenticated"),
        "alg NoNe": (unsigned({"alg": "NoNe", "typ": "JWT"}, claims_for(user)), "unauthenticated"),
        "alg none, HS256 signature": (
            f"{segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.{good.split('.')[2]}",
            "unauthenticated"),
        "garbage signature": (f"{header}.{payload}.{b64url(os.urandom(32))}", "unauthenticated"),
        "missing signature segment": (f"{header}.{payload}", "unauthenticated"),
        "empty signature": (f"{header}.{payload}.", "unauthenticated"),
        "wrong secret": (sign_hs256(HS256, claims_for(user), "x" * len(secret)), "unauthenticated"),
        "HS512 with the right secret": (
            jwt.encode(claims_for(user), secret, algorithm="HS512"), "unauthenticated"),
        "expired": (sign_hs256(HS256, claims_for(user, iat=now - 720, exp=now - 120), secret),
                    "token_expired"),
        "no exp": (sign_hs256(HS256, claims_for(user, exp=None), secret), "unauthenticated"),
        "no jti": (sign_hs256(HS256, claims_for(user, jti=None), secret), "unauthenticated"),
        "wrong iss": (sign_hs256(HS256, claims_for(user, iss="someone-else"), secret),
                      "unauthenticated"),
        "wrong aud": (sign_hs256(HS256, claims_for(user, aud="someone-else"), secret),
                      "unauthenticated"),
        "nbf in the future": (sign_hs256(HS256, claims_for(user, nbf=now + 600), secret),
                              "unauthenticated"),
        "exp as a string": (sign_hs256(HS256, claims_for(user, exp=str(now + 600)), secret),
                            "unauthenticated"),
        "role admin for a customer": (sign_hs256(HS256, claims_for(user, role="admin"), secret),
                                      None),
    }


FORGERIES = ["alg none", "alg NoNe", "alg none, HS256 signature", "garbage signature",
             "missing signature segment", "empty signature", "wrong secret",
             "HS512 with the right secret", "expired", "no exp", "no jti", "wrong iss",
             "wrong aud", "nbf in the future", "exp as a string", "role admin for a customer"]


@pytest.mark.parametrize("name", FORGERIES)
def test_bad_token_is_refused(stack, customer, secret, name):
    _, user = customer
    token, code = forged_tokens(user, secret)[name]
    check_unauthorized(me(stack, token), code)


def test_huge_token_is_refused_without_harm(stack, customer):
    workers = stack.worker_pids()
    huge = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "A" * (200 * 1024) + ".sig"
    response = me(stack, huge)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])

    # Straight to orderapi, past nginx's header limits.  An environment
    # string holds at most 128 KiB, so this one is a little shorter.
    big = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "A" * (120 * 1024) + ".sig"
    status, headers, body = stack.fcgi("GET", "/api/v1/auth/me", content_type=None,
                                       headers={"Authorization": "Bearer " + big})
    check_problem(status, headers, body, 401, "unauthenticated")

    assert stack.get("/health").status_code == 200
    # Nothing crashed: the same workers still serve (or a full replacement set).
    after = stack.wait_for_workers(lambda pids: True)
    assert after == workers, f"workers changed from {sorted(workers)} to {sorted(after)}"


def reencoded_signatures(token):
    """Spellings of the same token that a loose base64 decoder would accept."""
    header, payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    # 32 bytes are 43 characters: the last one carries 2 unused low bits.
    assert len(signature) == 43
    flipped = signature[:-1] + alphabet[last ^ 1]
    return {
        "unused bits flipped": f"{header}.{payload}.{flipped}",
        "junk appended": f"{header}.{payload}.{signature}AAAA",
        "padding appended": f"{header}.{payload}.{signature}=",
        "junk inside": f"{header}.{payload}.{signature[:10]}!{signature[10:]}",
        "standard alphabet": f"{header}.{payload}.{signature.replace('-', '+').replace('_', '/')}",
    }


def test_revoked_token_stays_revoked_when_respelled(stack, customer):
    email, _ = customer
    token = login(stack, email)
    assert me(stack, token).status_code == 200
    assert stack.request("POST", "/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    check_unauthorized(me(stack, token), "token_revoked")
    for name, variant in reencoded_signatures(token).items():
        if variant == token:
            continue
        response = me(stack, variant)
        assert response.status_code == 401, f"{name}: {response.status_code} {response.text[:200]}"
        check_unauthorized(response)


def test_redis_down_fails_closed_and_recovers(stack, healthy_afterwards, customer):
    email, user = customer
    token = login(stack, email)
    assert me(stack, token).status_code == 200
    master = stack.master_pid()

    stack.svc("stop", "redis")
    started = time.monotonic()
    response = me(stack, token)
    assert time.monotonic() - started < 5
    check_problem_response(response, 503, "dependency_unavailable")
    assert response.headers.get("Retry-After", "").isdigit(), response.headers
    # Every worker refuses, not just the first to answer.
    for _ in range(2 * stack.workers_wanted):
        check_problem_response(me(stack, token), 503, "dependency_unavailable")

    started = time.monotonic()
    response = stack.request("POST", "/api/v1/auth/login",
                             json={"email": email, "password": "anything at all"})
    assert time.monotonic() - started < 5
    check_problem_response(response, 503, "dependency_unavailable")
    assert response.headers.get("Retry-After", "").isdigit()

    stack.svc("start", "redis")
    run = 2 * stack.workers_wanted
    assert wait_until(lambda: all(me(stack, token).status_code == 200 for _ in range(run)), 10), (
        "/me did not come back within 10 s of Redis starting")
    assert me(stack, token).json()["id"] == user["id"]
    assert stack.master_pid() == master, "orderapi was restarted"


def test_revocation_survives_redis_losing_its_data(stack, healthy_afterwards, customer):
    email, user = customer
    revoked = login(stack, email)
    kept = login(stack, email)
    assert stack.request("POST", "/api/v1/auth/logout", headers=bearer(revoked)).status_code == 204
    check_unauthorized(me(stack, revoked), "token_revoked")

    redis_cli(stack, "FLUSHALL")
    # Every worker, several times: none may take the empty denylist at its word.
    for _ in range(2 * stack.workers_wanted):
        check_unauthorized(me(stack, revoked), "token_revoked")
        response = me(stack, kept)
        assert response.status_code == 200, response.text
    assert me(stack, login(stack, email)).json()["id"] == user["id"]

    # A restart of Redis (whatever it keeps on disk) changes nothing either.
    stack.svc("stop", "redis")
    stack.svc("start", "redis")
    # Each worker may spend one answer finding its old connection dead.
    def answered():
        return all(me(stack, token).status_code != 503
                   for _ in range(2 * stack.workers_wanted) for token in (revoked, kept))
    assert wait_until(answered, 10), "still 503 10 s after Redis started"
    for _ in range(2 * stack.workers_wanted):
        check_unauthorized(me(stack, revoked), "token_revoked")
        assert me(stack, kept).status_code == 200
