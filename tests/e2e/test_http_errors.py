"""Error responses, body handling and request ids, through nginx and, where
nginx would hide the application's own behaviour, straight over FastCGI."""

import json

import pytest

from conftest import GENERATED_ID, check_problem, check_problem_response, media_type

ECHO = "/api/v1/_echo"
JSON = {"Content-Type": "application/json"}


def test_unknown_path_is_a_404_problem(stack):
    response = stack.get("/api/v1/nope")
    check_problem_response(response, 404, "not_found")


def test_unknown_path_outside_the_api_is_a_404_problem(stack):
    response = stack.get("/no/such/thing")
    check_problem_response(response, 404, "not_found")


def test_wrong_method_is_405_with_allow(stack):
    response = stack.request("POST", "/health")
    check_problem_response(response, 405, "method_not_allowed")
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD"}


def test_echo_round_trip(stack):
    document = {"text": "grüße ✓", "n": 12345678901, "neg": -7, "ok": True, "none": None,
                "list": [1, "two", {"three": [3]}], "empty": {}}
    response = stack.request("POST", ECHO, data=json.dumps(document).encode(), headers=JSON)
    assert response.status_code == 200, response.text
    assert media_type(response.headers["Content-Type"]) == "application/json"
    assert response.json() == document


def test_content_type_with_charset_is_accepted(stack):
    response = stack.request("POST", ECHO, data=b'{"a": 1}',
                             headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 200, response.text
    assert response.json() == {"a": 1}


def test_body_at_the_limit_passes_nginx_and_the_app(stack):
    limit = int(stack.env["ORDERAPI_MAX_BODY"])
    padding = "x" * (limit - len('{"s":""}'))
    body = json.dumps({"s": padding}, separators=(",", ":")).encode()
    assert len(body) == limit
    response = stack.request("POST", ECHO, data=body, headers=JSON)
    assert response.status_code == 200, response.text[:300]
    assert response.json() == {"s": padding}


def test_body_over_the_limit_is_413_from_nginx(stack):
    body = json.dumps({"s": "x" * 70_000}).encode()
    response = stack.request("POST", ECHO, data=body, headers=JSON)
    check_problem_response(response, 413, "payload_too_large")


def test_declared_oversized_body_is_413_from_the_app(stack):
    status, headers, body = stack.fcgi("POST", ECHO, body=b'{"a": 1}', content_length=10_000_000)
    check_problem(status, headers, body, 413, "payload_too_large")


def test_body_shorter_than_content_length_is_400_from_the_app(stack):
    status, headers, body = stack.fcgi("POST", ECHO, body=b'{"a": 123}', content_length=100)
    check_problem(status, headers, body, 400, "incomplete_body")


def test_missing_content_type_is_415(stack):
    response = stack.request("POST", ECHO, data=b'{"a": 1}')
    assert "Content-Type" not in response.request.headers
    check_problem_response(response, 415, "unsupported_media_type")


def test_wrong_content_type_is_415(stack):
    response = stack.request("POST", ECHO, data=b'{"a": 1}', headers={"Content-Type": "text/plain"})
    check_problem_response(response, 415, "unsupported_media_type")


MALFORMED = {
    "truncated": b'{"a": ',
    "trailing_garbage": b'{"a": 1} x',
    "duplicate_keys": b'{"a": 1, "a": 2}',
    "invalid_utf8": b'{"a": "\xff\xfe"}',
    "overlong_utf8": b'{"a": "\xc0\xaf"}',
    "deep_arrays_100": b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}",
    "deep_objects_100": b'{"a":' * 100 + b"1" + b"}" * 100,
    "top_level_array": b"[1, 2]",
    "top_level_string": b'"text"',
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_400(stack, body):
    response = stack.request("POST", ECHO, data=body, headers=JSON)
    check_problem_response(response, 400, "malformed_json")


def test_moderate_nesting_is_accepted(stack):
    document = {"a": {"b": {"c": {"d": {"e": [1, [2]]}}}}}
    response = stack.request("POST", ECHO, data=json.dumps(document).encode(), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == document


def test_empty_body_is_no_body(stack):
    """Content-Length: 0 means no body (RFC 9110 §8.6), not malformed JSON."""
    response = stack.request("POST", ECHO, data=b"", headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {}


# ------------------------------------------------------------------ request ids

def request_id_via_nginx(stack, client_id):
    headers = {} if client_id is None else {"X-Request-Id": client_id}
    response = stack.get("/api/v1/nope", headers=headers)
    problem = check_problem_response(response, 404, "not_found")
    return problem["request_id"]


def request_id_via_fastcgi(stack, client_id):
    headers = {} if client_id is None else {"X-Request-Id": client_id}
    status, response_headers, body = stack.fcgi("GET", "/api/v1/nope", content_type=None,
                                                 headers=headers)
    problem = check_problem(status, response_headers, body, 404, "not_found")
    return problem["request_id"]


TRANSPORTS = {"nginx": request_id_via_nginx, "fastcgi": request_id_via_fastcgi}
SANE_IDS = ["abc-123", "A.b_c-9", "x" * 64]
INSANE_IDS = ["x" * 65, "y" * 200, "has space", "semi;colon", 'quote"d', "slash/ed"]


@pytest.mark.parametrize("transport", TRANSPORTS.values(), ids=TRANSPORTS.keys())
def test_request_id_is_generated(stack, transport):
    first = transport(stack, None)
    second = transport(stack, None)
    assert GENERATED_ID.match(first), first
    assert GENERATED_ID.match(second), second
    assert first != second


@pytest.mark.parametrize("client_id", SANE_IDS)
@pytest.mark.parametrize("transport", TRANSPORTS.values(), ids=TRANSPORTS.keys())
def test_sane_request_id_is_echoed(stack, transport, client_id):
    assert transport(stack, client_id) == client_id


@pytest.mark.parametrize("client_id", INSANE_IDS)
@pytest.mark.parametrize("transport", TRANSPORTS.values(), ids=TRANSPORTS.keys())
def test_insane_request_id_is_replaced(stack, transport, client_id):
    assert GENERATED_ID.match(transport(stack, client_id))


def test_successful_response_carries_request_id(stack):
    response = stack.get("/health", headers={"X-Request-Id": "health-check-1"})
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "health-check-1"


def test_query_values_that_are_not_text_are_400(stack):
    """Decoded query values must be UTF-8 without NUL bytes: anything else is
    refused before it can reach SQL or JSON."""
    for query in ("q=%FF%FE", "q=a%00b", "q=%C0%AF"):
        response = stack.get("/api/v1/products?" + query)
        check_problem_response(response, 400, "malformed_query")
    assert stack.get("/api/v1/products?q=%C3%A4").status_code == 200
