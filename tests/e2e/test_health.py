"""GET /health and GET /metrics."""

import re
import socket

from conftest import GENERATED_ID, check_problem, master_serves_http, media_type

# Label values may hold '}' ("GET /api/v1/orders/{id}"), so they are matched
# as quoted strings with escapes.
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$')


def test_health_is_ok(stack):
    response = stack.get("/health")
    assert response.status_code == 200, response.text
    assert media_type(response.headers["Content-Type"]) == "application/json"
    assert GENERATED_ID.match(response.headers["X-Request-Id"])
    body = response.json()
    assert body["status"] == "ok"
    assert body["mysql"] == "ok"
    assert body["redis"] == "ok"
    assert isinstance(body["version"], str) and body["version"]


def test_health_answers_head_without_body(stack):
    response = stack.request("HEAD", "/health")
    assert response.status_code == 200
    assert response.content == b""


def scrape(stack):
    response = stack.get("/metrics")
    assert response.status_code == 200, response.text
    assert media_type(response.headers["Content-Type"]) == "text/plain"
    return response.text


def requests_total(text):
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("orderapi_requests_total{"))


@master_serves_http("/metrics reports the pre-forked pool's scoreboard; cgi-bin/.htaccess does not route it")
def test_metrics_is_prometheus_text(stack):
    text = scrape(stack)
    assert "# TYPE orderapi_requests_total counter" in text
    assert "# TYPE orderapi_request_duration_seconds histogram" in text
    for line in text.splitlines():
        if line and not line.startswith("#"):
            assert SAMPLE.match(line), f"not a Prometheus sample: {line!r}"


@master_serves_http("/metrics reports the pre-forked pool's scoreboard; cgi-bin/.htaccess does not route it")
def test_metrics_count_requests_across_workers(stack):
    before = requests_total(scrape(stack))
    for _ in range(5):
        assert stack.get("/health").status_code == 200
    after = requests_total(scrape(stack))
    assert after >= before + 5


def test_metrics_is_loopback_only(stack):
    """The front serves /metrics to 127.0.0.1 and ::1 only: a request from
    another address (127.0.0.2, still on this machine) is a 403 problem."""
    port = int(stack.env["ORDERAPI_HTTP_PORT"])
    with socket.create_connection(("127.0.0.1", port), timeout=5,
                                  source_address=("127.0.0.2", 0)) as conn:
        conn.sendall(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        raw = b""
        while chunk := conn.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    check_problem(status, headers, body, 403, "forbidden")
