"""The other ways orderapi runs: a master of its own with --max-requests,
a worker's life tied to its master's, a socket handed over on fd 0 (as
spawn-fcgi and Apache mod_fcgid do), and plain CGI answering one request.
Each uses the stack's MariaDB and Redis through its orderapi.conf."""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time

from conftest import ORDERAPI_BIN, TIMEOUT, children_of, login, parse_cgi_response, register_user, wait_until
from own_master import fcgi, own_master, own_workers as workers_of
from conftest import nginx_front_only

pytestmark = nginx_front_only("it runs orderapi masters, fd-0 and CGI processes of its own, never through the front")


def fcgi_get(sock_path, uri, headers=None):
    """GET uri over FastCGI on a unix socket; (status, headers, body)."""
    return fcgi(sock_path, "GET", uri, headers=headers)


def test_worker_is_recycled_after_max_requests(stack):
    with tempfile.TemporaryDirectory() as tmp:
        with own_master(tmp, stack.env["ORDERAPI_CONFIG"], "--max-requests", "5", workers=1) as (proc, sock, _):
            assert wait_until(lambda: len(workers_of(proc)) == 1, 10)
            first = workers_of(proc)
            for _ in range(5):
                status, _, _ = fcgi_get(sock, "/health")
                assert status == 200
            # The fifth request was the worker's last: a new one takes over.
            assert wait_until(lambda: len(workers_of(proc)) == 1 and workers_of(proc) != first, 10)
            status, _, body = fcgi_get(sock, "/health")
            assert status == 200 and json.loads(body)["status"] == "ok"
            log = open(os.path.join(tmp, "own.log")).read()
            assert "recycling after 5 requests" in log


def test_workers_leave_when_the_master_dies(stack):
    with tempfile.TemporaryDirectory() as tmp:
        with own_master(tmp, stack.env["ORDERAPI_CONFIG"], workers=2) as (proc, sock, _):
            assert wait_until(lambda: len(workers_of(proc)) == 2, 10)
            workers = workers_of(proc)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

            def all_gone():
                return not any(os.path.exists(f"/proc/{pid}") and
                               open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in "ZX"
                               for pid in workers)
            assert wait_until(all_gone, 10), "workers outlived their master"


def test_socket_handed_over_on_fd0_is_served_without_forking(stack):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "handed.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(16)
        env = dict(os.environ, ORDERAPI_CONFIG=stack.env["ORDERAPI_CONFIG"])
        proc = subprocess.Popen([str(ORDERAPI_BIN)], stdin=listener.fileno(), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        listener.close()
        try:
            status, headers, body = fcgi_get(path, "/health")
            assert status == 200, body
            assert json.loads(body)["mysql"] == "ok"
            status, headers, body = fcgi_get(path, "/api/v1/nope")
            assert status == 404 and headers["content-type"] == "application/problem+json"
            assert children_of(proc.pid) == set(), "it forked"
        finally:
            proc.terminate()
            proc.wait(timeout=40)


def test_plain_cgi_answers_one_request(stack):
    env = {"PATH": "/usr/bin:/bin", "ORDERAPI_CONFIG": stack.env["ORDERAPI_CONFIG"],
           "REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v1/orders/status-options",
           "SCRIPT_NAME": "/api/v1/orders/status-options", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1"}
    started = time.monotonic()
    done = subprocess.run([str(ORDERAPI_BIN)], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    status, headers, body = parse_cgi_response(done.stdout)
    assert status == 200
    assert "pending" in json.loads(body)["statuses"]
    assert time.monotonic() - started < TIMEOUT


def test_plain_cgi_with_a_configuration_error_answers_a_problem_with_the_request_id(stack):
    """A site whose orderapi.conf is broken answers each CGI request a 500
    problem+json carrying the request's id (never a bare page from Apache,
    never the reason), and says why in the web server's error log (stderr)
    under that id."""
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "orderapi.conf")
        with open(stack.env["ORDERAPI_CONFIG"]) as f:
            lines = [line for line in f if not line.startswith("ORDERAPI_JWT_SECRET=")]
        with open(config, "w") as f:
            f.writelines(lines + ["ORDERAPI_JWT_SECRET=too-short-to-sign\n"])
        body = b'{"email": "a@example.com", "password": "whatever-it-is"}'
        env = {"PATH": "/usr/bin:/bin", "ORDERAPI_CONFIG": config, "REQUEST_METHOD": "POST",
               "REQUEST_URI": "/api/v1/auth/login", "SCRIPT_NAME": "/api/v1/auth/login", "QUERY_STRING": "",
               "REMOTE_ADDR": "127.0.0.1", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
               "HTTP_X_REQUEST_ID": "misconfigured-site-1"}
        done = subprocess.run([str(ORDERAPI_BIN)], env=env, input=body, capture_output=True, timeout=TIMEOUT)
    status, headers, payload = parse_cgi_response(done.stdout)
    assert status == 500, done.stdout
    assert headers["content-type"] == "application/problem+json"
    assert headers["x-request-id"] == "misconfigured-site-1"
    problem = json.loads(payload)
    assert problem["status"] == 500 and problem["code"] == "internal_error"
    assert problem["request_id"] == "misconfigured-site-1"
    assert "JWT" not in payload.decode() and "SECRET" not in payload.decode()
    log = done.stderr.decode()
    assert "misconfigured-site-1" in log and "ORDERAPI_JWT_SECRET" in log, log


def test_plain_cgi_without_a_configuration_file_makes_a_request_id(stack):
    env = {"PATH": "/usr/bin:/bin", "ORDERAPI_CONFIG": "/nonexistent/orderapi.conf", "REQUEST_METHOD": "GET",
           "REQUEST_URI": "/health", "SCRIPT_NAME": "/health", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1"}
    done = subprocess.run([str(ORDERAPI_BIN)], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=TIMEOUT)
    status, headers, payload = parse_cgi_response(done.stdout)
    assert status == 500 and headers["content-type"] == "application/problem+json", done.stdout
    problem = json.loads(payload)
    assert len(problem["request_id"]) >= 16 and problem["request_id"] == headers["x-request-id"]
    assert problem["request_id"] in done.stderr.decode()


def test_workers_dying_in_a_loop_are_logged_and_respawned(stack):
    """Crashes in a loop are logged as one; a pool of one worker is still
    started again after each (its slot's pause never empties the pool)."""
    with tempfile.TemporaryDirectory() as tmp:
        with own_master(tmp, stack.env["ORDERAPI_CONFIG"], workers=1) as (proc, sock, log_path):
            crashes = 0
            deadline = time.monotonic() + 8
            while crashes < 5 and time.monotonic() < deadline:
                if not workers_of(proc):
                    time.sleep(0.05)
                    continue
                fcgi(sock, "POST", "/api/v1/_crash")
                crashes += 1
            assert crashes == 5
            assert wait_until(lambda: "dying in a loop" in open(log_path).read(), 5), open(log_path).read()[-2000:]
            # The last request may still wait in the socket for a worker that
            # is starting (slowly, on a sanitizer build): wait for its crash.
            assert wait_until(lambda: open(log_path).read().count("exited with status 70") >= 5, 10), \
                open(log_path).read()[-2000:]
            # After the delay a worker is back and answers.
            assert wait_until(lambda: len(workers_of(proc)) == 1, 10)
            status, _, _ = fcgi_get(sock, "/health")
            assert status == 200


def test_revocation_fail_open_lets_valid_tokens_through_and_still_refuses_revoked(stack, healthy_afterwards):
    """ORDERAPI_REVOCATION_FAIL_OPEN=1: with Redis down, a valid token is let
    through (with a logged warning) and a revoked one is still refused, from
    the durable copy in MySQL.  The default server fails closed (503)."""
    email, password, _ = register_user(stack)
    live = login(stack, email, password)
    revoked = login(stack, email, password)
    assert stack.request("POST", "/api/v1/auth/logout",
                         headers={"Authorization": f"Bearer {revoked}"}).status_code == 204
    with tempfile.TemporaryDirectory() as tmp:
        with own_master(tmp, stack.env["ORDERAPI_CONFIG"], workers=1,
                        extra_env={"ORDERAPI_REVOCATION_FAIL_OPEN": "1"}) as (proc, sock, log_path):
            try:
                assert wait_until(lambda: len(workers_of(proc)) == 1, 10)
                stack.svc("stop", "redis")
                status, _, body = fcgi_get(sock, "/api/v1/auth/me", {"Authorization": f"Bearer {live}"})
                assert status == 200, body
                assert json.loads(body)["email"] == email
                status, _, body = fcgi_get(sock, "/api/v1/auth/me", {"Authorization": f"Bearer {revoked}"})
                assert status == 401 and json.loads(body)["code"] == "token_revoked"
                # The stack's own server keeps the default: fail closed.
                closed = stack.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {live}"})
                assert closed.status_code == 503
                assert "ORDERAPI_REVOCATION_FAIL_OPEN=1" in open(os.path.join(tmp, "own.log")).read()
            finally:
                stack.svc("start", "redis")
