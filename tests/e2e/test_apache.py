"""The Apache front (ORDERAPI_FRONT=apache-proxy, apache-fcgid or apache-cgi):
what only Apache does, or does its own way.  The rest of the suite runs
through Apache as well (./stack test, once per mode); these are skipped under
nginx.  In the fcgid and cgi modes Apache serves var/apache/site/, the stack's
copy of cgi-bin/ (wrappers filled in, and cgi-bin/.htaccess itself)."""

import os
import uuid
from pathlib import Path

import pytest

from conftest import (FRONT, ORDERS_PATH, http_exchange as exchange, parse_http, api, apache_only, check_problem, check_problem_response,
                      create_order, demo_admin_token, make_product, new_customer, place_order, wait_until)

pytestmark = apache_only()

SITE_MODES = ("apache-fcgid", "apache-cgi")
site_only = pytest.mark.skipif(FRONT not in SITE_MODES,
                               reason=f"not under {FRONT}: only the fcgid and cgi modes serve cgi-bin/")
HOST = b"Host: localhost\r\n"
CLOSE = b"Connection: close\r\n"


def site(stack):
    return Path(stack.env["STACK_APACHE_SITE"])


def raw_problem(stack, raw, want_status, want_code):
    status, headers, body = parse_http(exchange(stack, raw))
    assert b"<html" not in body.lower(), body[:300]
    return check_problem(status, headers, body, want_status, want_code)


def health_with_fields(count):
    """GET /health with exactly `count` header fields (Host, Connection and
    X-Request-Id included: without one, the front adds it, and orderapi
    would count 65)."""
    pads = b"".join(b"X-Pad-%d: x\r\n" % i for i in range(count - 3))
    return b"GET /health HTTP/1.1\r\n" + HOST + CLOSE + b"X-Request-Id: fields\r\n" + pads + b"\r\n"


# ---------------------------------------------------------------- headers

def test_64_header_fields_pass_and_65_are_a_431_problem(stack):
    """LimitRequestFields 64, orderapi's own limit: the request is refused
    whole, never passed on with its last headers dropped."""
    status, _, body = parse_http(exchange(stack, health_with_fields(64)))
    assert status == 200, body[:300]
    raw_problem(stack, health_with_fields(65), 431, "request_header_fields_too_large")


def test_header_line_limit_is_8_kib(stack):
    fits = b"GET /health HTTP/1.1\r\n" + HOST + CLOSE + b"X-Big: " + b"a" * 8000 + b"\r\n\r\n"
    status, _, body = parse_http(exchange(stack, fits))
    assert status == 200, body[:300]
    over = b"GET /health HTTP/1.1\r\n" + HOST + CLOSE + b"X-Big: " + b"a" * 8200 + b"\r\n\r\n"
    raw_problem(stack, over, 431, "request_header_fields_too_large")


@pytest.mark.parametrize("line", [
    b"X-Request-Id: abc\rAuthorization: Bearer forged",
    b"X-Note: a\x00b",
    b"X-Note: a\x7fb\x01",
], ids=["bare_cr", "nul", "control_bytes"])
def test_header_bytes_that_could_split_a_header_are_a_400_problem(stack, line):
    """A bare CR, a NUL or another control byte in a header line is refused
    whole: nothing of it reaches the CGI environment as another header."""
    raw = b"GET /api/v1/auth/me HTTP/1.1\r\n" + HOST + CLOSE + line + b"\r\n\r\n"
    raw_problem(stack, raw, 400, "bad_request")


def test_request_headers_reach_orderapi(stack):
    """Authorization, If-Match, Idempotency-Key and X-Request-Id all reach
    orderapi, through the rewrite to the script in the fcgid and cgi modes."""
    token, user = new_customer(stack)
    me = api(stack, "GET", "/api/v1/auth/me", token, headers={"X-Request-Id": "apache-headers-1"})
    assert me.status_code == 200, me.text
    assert me.json()["email"] == user["email"]
    assert me.headers["X-Request-Id"] == "apache-headers-1"
    check_problem_response(stack.get("/api/v1/auth/me"), 401)

    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=10)
    key = {"Idempotency-Key": f"apache-{uuid.uuid4().hex}"}
    first = place_order(stack, token, [(product["id"], 1)], headers=key)
    assert first.status_code == 201, first.text
    again = place_order(stack, token, [(product["id"], 1)], headers=key)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]

    order = create_order(stack, token, [(product["id"], 1)])
    stale = api(stack, "PATCH", f"{ORDERS_PATH}/{order['id']}", token, json={"notes": "late"},
                headers={"If-Match": '"stale"'})
    check_problem_response(stale, 412)


def test_request_id_of_an_apache_error_is_the_clients_when_sane(stack):
    for client_id, kept in ((b"apache-405", True), (b"not sane!", False)):
        raw = b"TRACE /health HTTP/1.1\r\n" + HOST + CLOSE + b"X-Request-Id: " + client_id + b"\r\n\r\n"
        problem = raw_problem(stack, raw, 405, "method_not_allowed")
        assert (problem["request_id"] == client_id.decode()) == kept, problem


def test_a_generated_request_id_names_the_request_in_apaches_log(stack):
    response = stack.get("/api/v1/nope")
    problem = check_problem_response(response, 404, "not_found")
    log = Path(stack.env["STACK_APACHE_ACCESS_LOG"])
    # Apache writes the line once the response is out.
    assert wait_until(lambda: f"rid={problem['request_id']}" in log.read_text(errors="replace"), 5)


# ---------------------------------------------------------------- faults

@pytest.mark.skipif(FRONT != "apache-proxy", reason=f"not under {FRONT}: mod_proxy_fcgi only")
def test_orderapi_down_is_a_503_problem(stack, healthy_afterwards):
    stack.svc("stop", "orderapi")
    response = stack.get("/api/v1/products")
    problem = check_problem_response(response, 503, "dependency_unavailable")
    assert response.headers["Retry-After"].isdigit()
    assert problem["request_id"] == response.headers["X-Request-Id"]


@site_only
def test_a_program_that_dies_is_a_500_problem_not_apaches_page(stack):
    """A script that exits without a word is Apache's 500, answered as a
    problem like everything Apache says itself.  mod_fcgid answers 500 when
    it reached the process before it died; when it did not, it spawns the
    program again a second apart, and after a minute or so gives up with
    503: that too is Apache's own answer, and a problem."""
    fcgid = FRONT == "apache-fcgid"
    name = "broken.fcgi" if fcgid else "broken.cgi"
    path = site(stack) / name
    path.write_text("#!/bin/sh\nexit 1\n")
    os.chmod(path, 0o755)
    try:
        response = stack.get("/" + name, **({"timeout": 120} if fcgid else {}))
    finally:
        path.unlink()
    assert b"<html" not in response.content.lower()
    if fcgid and response.status_code == 503:
        check_problem_response(response, 503, "dependency_unavailable")
    else:
        check_problem_response(response, 500, "internal_error")


@site_only
def test_mariadb_down_is_a_503_problem_from_the_program(stack, healthy_afterwards):
    """A CGI or FastCGI process whose database is gone answers 503
    problem+json itself, never Apache's HTML 500."""
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=5)
    stack.svc("stop", "mariadb")
    for path in (f"/api/v1/products/{product['id']}", "/api/v1/orders/status-options"):
        response = stack.get(path)
        if response.status_code == 200:
            continue  # answered without the database (status-options is static)
        assert b"<html" not in response.content.lower()
        check_problem_response(response, 503)
    health = stack.get("/health")
    assert health.status_code == 503 and health.json()["mysql"] == "down"


# ---------------------------------------------------------------- cgi-bin/.htaccess

@site_only
@pytest.mark.parametrize("name", ["orderapi.conf", ".env", "server.key", "orderapi.cgi.in", "dump.sql",
                                  "settings.ini", "orderapi.conf~", "orderapi.conf.bak"])
def test_htaccess_refuses_configuration_and_key_files(stack, name):
    path = site(stack) / name
    path.write_text("ORDERAPI_JWT_SECRET=do-not-serve-me\n")
    os.chmod(path, 0o644)
    try:
        response = stack.get("/" + name)
    finally:
        path.unlink()
    assert b"do-not-serve-me" not in response.content
    check_problem_response(response, 403, "forbidden")


@site_only
def test_htaccess_itself_is_not_served(stack):
    response = stack.get("/.htaccess")
    assert b"RewriteRule" not in response.content
    check_problem_response(response, 403, "forbidden")


@site_only
def test_scripts_are_run_never_served_as_text(stack):
    for name in ("orderapi.cgi", "orderapi.fcgi"):
        response = stack.get("/" + name)
        assert b"ORDERAPI_CONFIG" not in response.content, name
        assert b"#!/bin/sh" not in response.content, name


@site_only
def test_only_api_and_health_are_routed_to_the_program(stack):
    """/api/... and /health reach orderapi (a problem from orderapi for an
    unknown API path); anything else is Apache's 404, as a problem."""
    check_problem_response(stack.get("/api/v1/nope"), 404, "not_found")
    check_problem_response(stack.get("/apix"), 404, "not_found")
    assert stack.get("/health").status_code == 200
    check_problem_response(stack.get("/healthz"), 404, "not_found")
