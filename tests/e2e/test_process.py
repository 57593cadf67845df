"""The pre-fork master: worker respawn, SIGHUP reload, rejected reloads."""

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from conftest import TIMEOUT, process_ended, wait_until
from conftest import master_serves_http
from fastcgi_client import connect, get_request

pytestmark = master_serves_http("it kills and signals the workers serving the requests")


class Load:
    """Sends GET /health back to back from a thread and records every failure."""

    def __init__(self, stack):
        self.stack = stack
        self.sent = 0
        self.failures = []
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        session = requests.Session()
        while not self.stop_event.is_set():
            try:
                response = session.get(self.stack.url + "/health", timeout=TIMEOUT)
                if response.status_code != 200:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
            except requests.RequestException as error:
                self.failures.append(repr(error))
            self.sent += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=2 * TIMEOUT)


def log_messages(text):
    """The "msg" of every JSON log line in text."""
    messages = []
    for line in text.splitlines():
        try:
            messages.append(json.loads(line).get("msg", ""))
        except ValueError:
            continue
    return messages


def test_killed_worker_is_replaced(stack):
    master = stack.master_pid()
    workers = stack.wait_for_workers(lambda pids: True)
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    replaced = stack.wait_for_workers(lambda pids: victim not in pids, timeout=5)
    assert len(replaced - workers) == 1
    assert stack.master_pid() == master
    statuses = [stack.get("/health").status_code for _ in range(50)]
    assert statuses == [200] * 50


def test_sighup_replaces_every_worker_without_failed_requests(stack):
    master = stack.master_pid()
    old = stack.wait_for_workers(lambda pids: True)
    with Load(stack) as load:
        time.sleep(0.5)
        stack.signal_master(signal.SIGHUP)
        stack.wait_for_workers(lambda pids: not (pids & old), timeout=15)
        time.sleep(0.5)
    assert load.failures == []
    assert load.sent > 20
    assert stack.master_pid() == master


def waiting_for_a_connection(pid):
    """True when pid sleeps in epoll_wait (a worker between requests)."""
    try:
        return Path(f"/proc/{pid}/wchan").read_text() == "do_epoll_wait"
    except OSError:
        return False


def traced(pid):
    """True when a tracer (strace) is attached to pid."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return any(line.split()[1:] != ["0"] for line in status.splitlines() if line.startswith("TracerPid:"))


def strace(pids, *options):
    """strace attached to pids with options, once every one is traced."""
    tracer = subprocess.Popen(["strace", "-qq", "-o", "/dev/null", *options] + [f"-p{pid}" for pid in pids])
    assert wait_until(lambda: all(traced(pid) for pid in pids), TIMEOUT), "strace did not attach"
    return tracer


def test_a_wakeup_caught_by_a_draining_worker_is_not_lost(stack):
    """The kernel wakes one waiting worker per new connection
    (EPOLLEXCLUSIVE), the longest-waiting first: on a reload, an old one.
    strace makes the race certain: it holds the old workers for 2 s on
    their way out of epoll_wait and the master's first SIGTERM for 1 s, so
    the old worker this connection wakes is told to drain before it can
    accept.  It must serve the connection before it leaves, or the request
    waits, while the new workers sleep, for a next connection to wake one."""
    sock_path = stack.env.get("ORDERAPI_SOCKET")
    if not sock_path or not os.path.exists(sock_path):
        pytest.skip("no pre-forked master's socket with this front")
    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    master = stack.master_pid()
    old = stack.wait_for_workers(lambda pids: True)
    tracers = [strace(old, "-e", "trace=epoll_pwait", "-e", "inject=epoll_pwait:delay_exit=2000000")]
    try:
        tracers.append(strace([master], "-e", "trace=kill", "-e", "inject=kill:delay_enter=1000000:when=1"))
        assert wait_until(lambda: all(waiting_for_a_connection(pid) for pid in old), TIMEOUT)
        log_offset = stack.log_size()
        stack.signal_master(signal.SIGHUP)
        assert wait_until(lambda: len(stack.worker_pids() - old) == len(old), TIMEOUT)
        assert wait_until(lambda: all(waiting_for_a_connection(pid) for pid in stack.worker_pids() - old), TIMEOUT)
        with connect(sock_path, 4 * TIMEOUT) as sock:
            sock.sendall(get_request("/health", "", "none"))
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    finally:
        for tracer in tracers:
            tracer.terminate()
            tracer.wait(TIMEOUT)
    assert b"Status: 200" in answer, answer[:300]
    request_id = re.search(rb"X-Request-Id: (\w+)", answer).group(1).decode()
    served = [json.loads(line) for line in stack.log_since(log_offset).splitlines() if request_id in line]
    assert served and served[0]["pid"] in old, ("served by a new worker: the race was not set up", served)
    stack.wait_for_workers(lambda pids: not (pids & old), timeout=15)


def test_invalid_config_on_sighup_is_rejected(stack):
    config = Path(stack.env["ORDERAPI_CONFIG"])
    original = config.read_text()
    master = stack.master_pid()
    workers = stack.wait_for_workers(lambda pids: True)
    log_offset = stack.log_size()
    try:
        config.write_text(original + "ORDERAPI_WORKERS=0\n")
        stack.signal_master(signal.SIGHUP)
        assert wait_until(lambda: "reload rejected" in stack.log_since(log_offset), 5), (
            "no 'reload rejected' in the log:\n" + stack.log_since(log_offset)[-2000:])
        time.sleep(0.5)
        assert stack.worker_pids() == workers
        assert stack.master_pid() == master
        assert stack.get("/health").status_code == 200
    finally:
        config.write_text(original)
        stack.signal_master(signal.SIGHUP)
    # The restored configuration is accepted: every worker is replaced.
    stack.wait_for_workers(lambda pids: not (pids & workers), timeout=15)
    assert stack.get("/health").status_code == 200


class SlowRequest:
    """GET /api/v1/_sleep?ms=N in a thread; .result is the response or the error."""

    def __init__(self, stack, ms):
        self.result = None
        self.thread = threading.Thread(target=self.run, args=(stack, ms), daemon=True)
        self.thread.start()

    def run(self, stack, ms):
        try:
            self.result = stack.get(f"/api/v1/_sleep?ms={ms}", timeout=ms / 1000 + TIMEOUT)
        except requests.RequestException as error:
            self.result = error

    def wait(self):
        self.thread.join(timeout=30)
        return self.result


def test_crashed_worker_is_logged_with_its_route(stack):
    workers = stack.wait_for_workers(lambda pids: True)
    log_offset = stack.log_size()
    slow = SlowRequest(stack, 3000)
    time.sleep(0.5)
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    result = slow.wait()
    assert not (isinstance(result, requests.Response) and result.status_code == 200)
    stack.wait_for_workers(lambda pids: not (pids & workers), timeout=10)
    messages = log_messages(stack.log_since(log_offset))
    assert any('while running route "GET /api/v1/_sleep"' in message for message in messages), messages
    assert stack.get("/health").status_code == 200


def test_sighup_lets_a_slow_request_finish(stack):
    old = stack.wait_for_workers(lambda pids: True)
    slow = SlowRequest(stack, 1500)
    time.sleep(0.3)
    stack.signal_master(signal.SIGHUP)
    result = slow.wait()
    assert isinstance(result, requests.Response), result
    assert result.status_code == 200, result.text
    assert result.json() == {"slept_ms": 1500}
    stack.wait_for_workers(lambda pids: not (pids & old), timeout=15)


def test_sigterm_drains_then_exits(stack, healthy_afterwards):
    master = stack.master_pid()
    log_offset = stack.log_size()
    # A worker that is still starting when SIGTERM comes leaves without
    # accepting anything: make sure one is ready to take the slow request.
    assert all(stack.health_status() == 200 for _ in range(2 * stack.workers_wanted))
    slow = SlowRequest(stack, 1500)
    time.sleep(0.3)
    os.kill(master, signal.SIGTERM)
    result = slow.wait()
    assert isinstance(result, requests.Response), result
    assert result.status_code == 200, result.text
    assert wait_until(lambda: process_ended(master), 10)
    assert "master: stopped" in log_messages(stack.log_since(log_offset))
