"""Errors the front (nginx, or Apache in any mode) answers itself, before
orderapi sees the request, over raw sockets (an HTTP library would refuse to
send most of these): each must be a problem+json of the contract's shape with
the right status, never an HTML page."""

import threading
import time

import pytest

from conftest import FRONT, check_problem, http_exchange as exchange, nginx_only, parse_http

ECHO = b"/api/v1/_echo"
HOST = b"Host: localhost\r\n"
CLOSE = b"Connection: close\r\n"


def raw_problem(stack, raw, want_status, want_code):
    status, headers, body = parse_http(exchange(stack, raw))
    assert b"<html" not in body.lower(), body[:300]
    return check_problem(status, headers, body, want_status, want_code)


BAD_REQUESTS = {
    "bad_chunked_body": b"POST " + ECHO + b" HTTP/1.1\r\n" + HOST + CLOSE
    + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    "content_length_and_transfer_encoding": b"POST " + ECHO + b" HTTP/1.1\r\n" + HOST + CLOSE
    + b"Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
    + b"2\r\n{}\r\n0\r\n\r\n",
    "nul_in_path": b"GET /api/v1/\x00products HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n",
    "garbage_request_line": b"GARBAGE\r\n\r\n",
    "request_line_without_version_space": b"GET  HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n",
    "two_authorization_headers": b"GET /api/v1/auth/me HTTP/1.1\r\n" + HOST + CLOSE
    + b"Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n",
    "two_host_headers": b"GET /health HTTP/1.1\r\n" + HOST + HOST + CLOSE + b"\r\n",
    "http11_without_host": b"GET /health HTTP/1.1\r\n" + CLOSE + b"\r\n",
    "folded_header_line": b"GET /health HTTP/1.1\r\n" + HOST + CLOSE + b"X-A: 1\r\n continued\r\n\r\n",
}


# What Apache accepts where nginx refuses, safely: neither reaches orderapi
# as anything but one well-formed request.
APACHE_ACCEPTS = {
    "content_length_and_transfer_encoding": nginx_only(
        "Apache drops Content-Length, reads the body as chunked and closes the connection "
        "afterwards (RFC 9112 section 6.1), so no second request can be smuggled in"),
    "folded_header_line": nginx_only(
        "Apache unfolds an obs-fold line into the header's value (RFC 9112 section 5.2), "
        "which reaches orderapi as one header, never as a header of its own"),
}


@pytest.mark.parametrize("raw", [pytest.param(raw, id=name, marks=APACHE_ACCEPTS.get(name, ()))
                                 for name, raw in BAD_REQUESTS.items()])
def test_malformed_http_is_a_400_problem(stack, raw):
    problem = raw_problem(stack, raw, 400, None)
    if FRONT == "apache-fcgid" and raw == BAD_REQUESTS["bad_chunked_body"]:
        # mod_fcgid ends the body at the malformed chunk and passes on what
        # came before it (here nothing), which orderapi refuses itself.
        assert problem["code"] in ("bad_request", "malformed_json"), problem
    else:
        assert problem["code"] == "bad_request", problem


def test_client_request_id_is_kept_on_an_nginx_error(stack):
    raw = (b"GET /api/v1/auth/me HTTP/1.1\r\n" + HOST + CLOSE + b"X-Request-Id: nginx-400-check\r\n"
           + b"Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n")
    problem = raw_problem(stack, raw, 400, "bad_request")
    assert problem["request_id"] == "nginx-400-check"


def test_trace_is_a_405_problem(stack):
    raw_problem(stack, b"TRACE /health HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n", 405, "method_not_allowed")


def test_connect_is_refused_with_a_problem(stack):
    """nginx 1.22 refuses CONNECT as a bad request line (400); later
    versions may say 405.  Either way: a problem, never HTML."""
    answer = exchange(stack, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n" + CLOSE + b"\r\n")
    status, headers, body = parse_http(answer)
    assert status in (400, 405), answer[:300]
    check_problem(status, headers, body, status, "bad_request" if status == 400 else "method_not_allowed")


def test_long_uri_is_a_414_problem(stack):
    raw = b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n"
    raw_problem(stack, raw, 414, "uri_too_long")


def test_long_header_line_is_a_431_problem(stack):
    """nginx's own 494 (a header line over large_client_header_buffers)."""
    raw = b"GET /health HTTP/1.1\r\n" + HOST + CLOSE + b"X-Big: " + b"a" * 10000 + b"\r\n\r\n"
    raw_problem(stack, raw, 431, "request_header_fields_too_large")


@nginx_only("Apache limits each header line (LimitRequestFieldSize) and their number "
            "(LimitRequestFields 64), not the block as a whole; tests/e2e/test_apache.py checks those")
def test_large_header_block_is_a_431_problem(stack):
    """Every line fits a buffer, the whole block does not."""
    lines = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 7000) for i in range(6))
    raw = b"GET /health HTTP/1.1\r\n" + HOST + CLOSE + lines + b"\r\n"
    raw_problem(stack, raw, 431, "request_header_fields_too_large")


def test_large_cookie_is_a_431_problem(stack):
    raw = b"GET /health HTTP/1.1\r\n" + HOST + CLOSE + b"Cookie: a=" + b"b" * 10000 + b"\r\n\r\n"
    raw_problem(stack, raw, 431, "request_header_fields_too_large")


def test_unknown_http_version_is_a_505_problem(stack):
    raw_problem(stack, b"GET /health HTTP/9.9\r\n" + HOST + CLOSE + b"\r\n", 505, "http_version_not_supported")


def test_unknown_transfer_encoding_is_a_501_problem(stack):
    raw = (b"POST " + ECHO + b" HTTP/1.1\r\n" + HOST + CLOSE
           + b"Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n")
    raw_problem(stack, raw, 501, "not_implemented")


def test_error_locations_are_not_reachable_from_outside(stack):
    raw = b"GET /_orderapi_error/400 HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n"
    raw_problem(stack, raw, 404, "not_found")


def test_well_formed_raw_request_still_passes(stack):
    """The raw-socket helper itself: a sane request reaches orderapi."""
    status, headers, body = parse_http(exchange(stack, b"GET /health HTTP/1.1\r\n" + HOST + CLOSE + b"\r\n"))
    assert status == 200, body[:300]
    assert headers["content-type"].startswith("application/json")


def test_stalled_clients_are_cut_off_without_an_html_page(stack):
    """A request that times out (408) cannot be answered through error_page:
    nginx closes the connection without a response.  What matters is that
    no HTML page is sent and that the stall is bounded (client_header_timeout
    and client_body_timeout are 10 s, nginx's default 60 s; the bound here
    is generous)."""
    stalls = {
        "headers": b"GET /health HTTP/1.1\r\n" + HOST,
        "body": b"POST " + ECHO + b" HTTP/1.1\r\n" + HOST
        + b"Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"",
    }
    answers = {}

    def stall(name, raw):
        answers[name] = exchange(stack, raw, timeout=90)

    started = time.monotonic()
    threads = [threading.Thread(target=stall, args=item) for item in stalls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert time.monotonic() - started < 45, "nginx held a stalled client past 45 s"
    for name in stalls:
        answer = answers[name]
        assert b"<html" not in answer.lower(), (name, answer[:300])
        if answer:
            status, headers, body = parse_http(answer)
            if FRONT == "apache-fcgid" and name == "body" and status == 500:
                # mod_fcgid answers a client that stops sending its body
                # with 500 (as a problem, like every Apache error).
                check_problem(status, headers, body, 500, "internal_error")
            else:
                check_problem(status, headers, body, 408, "request_timeout")
