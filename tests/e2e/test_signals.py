"""The master's signals under pressure: SIGHUP and SIGTERM while every worker
is busy, workers and the relay dying in a loop, and a reload whose JWT key
file is broken.

The load here keeps more requests in flight than there are workers, so a
worker always finds another connection waiting when it finishes one: a
worker that only noticed SIGTERM while idle would never notice it.
"""

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests

from conftest import (ORDERAPI_BIN, TIMEOUT, children_of, master_serves_http, nginx_only, process_ended,
                      process_name, wait_until)
from own_master import fcgi, own_master, own_workers

pytestmark = master_serves_http("it signals the pool while its workers serve the load")

LOAD_THREADS = 8
LOAD_SLEEP_MS = 20


def log_messages(text):
    """The "msg" of every JSON log line in text."""
    messages = []
    for line in text.splitlines():
        try:
            messages.append(json.loads(line).get("msg", ""))
        except ValueError:
            continue
    return messages


class Saturation:
    """LOAD_THREADS threads sending GET /api/v1/_sleep?ms=LOAD_SLEEP_MS back to
    back through nginx, which keeps every worker busy with a queue behind it.
    Records each failure as (status or error, seconds since the start)."""

    def __init__(self, stack):
        self.stack = stack
        self.sent = 0
        self.failures = []
        self.started = time.monotonic()
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(LOAD_THREADS)]

    def run(self):
        session = requests.Session()
        while not self.stop_event.is_set():
            try:
                response = session.get(f"{self.stack.url}/api/v1/_sleep?ms={LOAD_SLEEP_MS}", timeout=TIMEOUT)
                outcome = response.status_code
            except requests.RequestException as error:
                outcome = repr(error)
            self.sent += 1
            if outcome != 200:
                self.failures.append((outcome, round(time.monotonic() - self.started, 2)))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=2 * TIMEOUT)


def test_sighup_under_saturating_load_replaces_every_worker_promptly(stack):
    old = stack.wait_for_workers(lambda pids: True)
    log_offset = stack.log_size()
    with Saturation(stack) as load:
        time.sleep(0.5)
        stack.signal_master(signal.SIGHUP)
        # Each old worker finishes the request it has (20 ms), at most one more, and leaves.
        replaced = wait_until(lambda: not (stack.worker_pids() & old), 5, interval=0.05)
        lingering = stack.worker_pids() & old
        time.sleep(0.3)
    assert replaced, f"old workers {sorted(lingering)} still serve 5 s after SIGHUP under load"
    assert load.failures == []
    # The load was real (a request every few ms per thread), however slow the
    # machine: the count only proves that it ran, not how fast.
    assert load.sent > 20
    stack.wait_for_workers(lambda pids: not (pids & old), timeout=10)
    assert not any("killed by signal" in m for m in log_messages(stack.log_since(log_offset)))


@nginx_only("it reads nginx's error log for upstream connections the stop dropped")
def test_sigterm_under_saturating_load_finishes_in_flight_requests_and_exits(stack, healthy_afterwards):
    master = stack.master_pid()
    log_offset = stack.log_size()
    nginx_log = Path(stack.env["STACK_NGINX_ERROR_LOG"])
    nginx_offset = nginx_log.stat().st_size
    slow = {}

    def slow_request():
        try:
            slow["result"] = stack.get("/api/v1/_sleep?ms=1500", timeout=1.5 + TIMEOUT)
        except requests.RequestException as error:
            slow["result"] = error

    # A worker that is still starting when SIGTERM comes leaves without
    # accepting anything: make sure one is ready to take the slow request.
    assert all(stack.health_status() == 200 for _ in range(2 * stack.workers_wanted))
    slow_thread = threading.Thread(target=slow_request, daemon=True)
    slow_thread.start()
    time.sleep(0.3)  # a worker is inside the slow request now
    with Saturation(stack) as load:
        time.sleep(0.5)
        os.kill(master, signal.SIGTERM)
        # The workers finish what they run (the slow request, 20 ms ones),
        # never the 30 s drain timeout.
        stopped = wait_until(lambda: process_ended(master), 10, interval=0.05)
    slow_thread.join(timeout=30)
    assert stopped, "the master did not stop within 10 s of SIGTERM under load"
    result = slow.get("result")
    assert isinstance(result, requests.Response), result
    assert result.status_code == 200 and result.json() == {"slept_ms": 1500}
    messages = log_messages(stack.log_since(log_offset))
    assert "master: stopped" in messages
    assert not any("drain timeout" in m or "killed by signal" in m for m in messages), messages
    # Connections made after the stop find no socket and nginx answers them
    # 503; every connection that reached the socket was served: none was
    # reset or refused by a socket closed with connections still queued.
    assert [f for f in load.failures if f[0] != 503] == []
    with open(nginx_log, "rb") as log:
        log.seek(nginx_offset)
        upstream_errors = [line for line in log.read().decode(errors="replace").splitlines()
                           if "upstream" in line]
    dropped = [line for line in upstream_errors if "(2: No such file or directory)" not in line]
    assert dropped == [], dropped[:3]
    assert load.sent > 20


# ---------------------------------------------------------------- a master of our own
# The tests below make children die in a loop or break the configuration, so
# they run a master of their own (on its own socket, with the stack's MariaDB
# and Redis) and leave the stack's master alone.

def own_relay(proc):
    pids = [pid for pid in children_of(proc.pid) if process_name(pid) == "orderapi-relay"]
    return pids[0] if pids else None


def longest_empty_stretch(samples):
    """The longest time (s) the samples [(time, live workers)] saw no worker."""
    longest, since = 0.0, None
    for at, live in samples:
        if live == 0 and since is None:
            since = at
        elif live > 0 and since is not None:
            longest, since = max(longest, at - since), None
    if since is not None:
        longest = max(longest, samples[-1][0] - since)
    return longest


def test_workers_dying_in_a_loop_never_leave_the_pool_empty(stack):
    """Workers that die on every request are backed off one slot at a time;
    the last of them are always started again at once, so other requests
    are still answered."""
    with tempfile.TemporaryDirectory() as tmp:
        with own_master(tmp, stack.env["ORDERAPI_CONFIG"], workers=2) as (proc, sock, log_path):
            stop = threading.Event()
            samples, health_failures = [], []

            def sample_pool():
                while not stop.is_set():
                    samples.append((time.monotonic(), len(own_workers(proc))))
                    time.sleep(0.02)

            def ask_health():
                while not stop.is_set():
                    try:
                        status, _, body = fcgi(sock, "GET", "/health")
                        if status != 200:
                            health_failures.append((status, body[:200]))
                    except subprocess.TimeoutExpired:
                        health_failures.append(f"no answer within {TIMEOUT} s")

            threads = [threading.Thread(target=sample_pool, daemon=True),
                       threading.Thread(target=ask_health, daemon=True)]
            try:
                assert wait_until(lambda: len(own_workers(proc)) == 2, 10)
                for thread in threads:
                    thread.start()
                crashes = 0
                deadline = time.monotonic() + 25
                while crashes < 12 and time.monotonic() < deadline:
                    try:
                        fcgi(sock, "POST", "/api/v1/_crash", timeout=30)
                    except subprocess.TimeoutExpired:
                        pass
                    crashes += 1
                stop.set()
                for thread in threads:
                    thread.join(timeout=2 * TIMEOUT)
                log = open(log_path).read()
                assert log.count("exited with status 70") >= 5
                assert "dying in a loop" in log
                assert longest_empty_stretch(samples) < 2.0, "the pool stayed empty for seconds"
                assert health_failures == []
                assert crashes == 12
                status, _, _ = fcgi(sock, "GET", "/health")
                assert status == 200
            finally:
                stop.set()


def test_relay_dying_in_a_loop_does_not_pause_worker_respawns(stack):
    with tempfile.TemporaryDirectory() as tmp:
        with own_master(tmp, stack.env["ORDERAPI_CONFIG"], workers=2) as (proc, sock, log_path):
            assert wait_until(lambda: len(own_workers(proc)) == 2, 10)
            for _ in range(6):
                assert wait_until(lambda: own_relay(proc) is not None, 20), "the relay was not restarted"
                os.kill(own_relay(proc), signal.SIGKILL)
                time.sleep(0.1)
            workers = own_workers(proc)
            for pid in workers:
                os.kill(pid, signal.SIGKILL)
            assert wait_until(lambda: len(own_workers(proc)) == 2 and not (own_workers(proc) & workers), 3,
                              interval=0.05), "killed workers were not replaced at once"
            status, _, _ = fcgi(sock, "GET", "/health")
            assert status == 200
            messages = log_messages(open(log_path).read())
            assert not any("worker" in m and "dying in a loop" in m for m in messages), messages


def test_sighup_kills_old_workers_that_outlive_the_drain_timeout(stack):
    with tempfile.TemporaryDirectory() as tmp:
        with own_master(tmp, stack.env["ORDERAPI_CONFIG"], workers=1,
                        extra_env={"ORDERAPI_DRAIN_TIMEOUT": "1"}) as (proc, sock, log_path):
            assert wait_until(lambda: len(own_workers(proc)) == 1, 10)
            status, _, _ = fcgi(sock, "GET", "/health")  # the worker is ready
            assert status == 200
            old = own_workers(proc)
            slow = threading.Thread(target=fcgi, args=(sock, "GET", "/api/v1/_sleep?ms=8000"),
                                    kwargs={"timeout": 20}, daemon=True)
            slow.start()
            time.sleep(0.5)
            os.kill(proc.pid, signal.SIGHUP)
            # The old worker is killed a second after the reload, not when
            # its 8 s request ends.
            assert wait_until(lambda: "still draining after 1 s; killing it" in open(log_path).read(), 5), (
                open(log_path).read()[-2000:])
            assert wait_until(lambda: len(own_workers(proc)) == 1 and not (own_workers(proc) & old), 5)
            status, _, _ = fcgi(sock, "GET", "/health")
            assert status == 200
            slow.join(timeout=20)


def make_rsa_key_pair(directory):
    private, public = Path(directory, "jwt-private.pem"), Path(directory, "jwt-public.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", str(private)], check=True, capture_output=True, timeout=60)
    subprocess.run(["openssl", "pkey", "-in", str(private), "-pubout", "-out", str(public)],
                   check=True, capture_output=True, timeout=60)
    return private, public


def own_login(stack, sock):
    body = json.dumps({"email": stack.env.get("ORDERAPI_ADMIN_EMAIL", "admin@example.com"),
                       "password": stack.env["ORDERAPI_ADMIN_PASSWORD"]}).encode()
    return fcgi(sock, "POST", "/api/v1/auth/login", body)


def test_bad_key_file_on_sighup_keeps_the_running_workers(stack):
    with tempfile.TemporaryDirectory() as tmp:
        private, public = make_rsa_key_pair(tmp)
        good_key = private.read_bytes()
        config = Path(tmp, "orderapi.conf")
        config.write_text(Path(stack.env["ORDERAPI_CONFIG"]).read_text() +
                          f"ORDERAPI_JWT_ALG=RS256\nORDERAPI_JWT_PRIVATE_KEY_FILE={private}\n"
                          f"ORDERAPI_JWT_PUBLIC_KEY_FILE={public}\n")
        with own_master(tmp, config, workers=2) as (proc, sock, log_path):
            assert wait_until(lambda: len(own_workers(proc)) == 2, 10)
            status, _, body = own_login(stack, sock)
            assert status == 200, body
            workers = own_workers(proc)

            private.write_text("this is not a PEM key\n")
            offset = os.path.getsize(log_path)
            os.kill(proc.pid, signal.SIGHUP)
            assert wait_until(lambda: "reload rejected" in open(log_path).read()[offset:], 5), (
                open(log_path).read()[offset:][-2000:])
            assert "ORDERAPI_JWT_PRIVATE_KEY_FILE" in open(log_path).read()[offset:]
            time.sleep(0.5)
            assert own_workers(proc) == workers
            status, _, body = own_login(stack, sock)
            assert status == 200, body

            # The same key file is refused when the server starts.
            done = subprocess.run([str(ORDERAPI_BIN), "check-config", "--config", str(config)],
                                  capture_output=True, text=True, timeout=TIMEOUT)
            assert done.returncode != 0 and "ORDERAPI_JWT_PRIVATE_KEY_FILE" in done.stderr, done

            private.write_bytes(good_key)
            os.kill(proc.pid, signal.SIGHUP)
            assert wait_until(lambda: len(own_workers(proc)) == 2 and not (own_workers(proc) & workers), 10)
            status, _, body = own_login(stack, sock)
            assert status == 200, body
