"""The master's signals under pressure: SIGHUP and SIGTERM while every worker
is busy.

The load here keeps more requests in flight than there are workers, so a
worker always finds another connection waiting when it finishes one: a
worker that only noticed SIGTERM while idle would never notice it.
"""

import json
import os
import signal
import threading
import time
from pathlib import Path

import requests

from conftest import TIMEOUT, wait_until

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
        # Each old worker finishes the request it has (20 ms) and leaves.
        replaced = wait_until(lambda: not (stack.worker_pids() & old), 5, interval=0.05)
        lingering = stack.worker_pids() & old
        time.sleep(0.3)
    assert replaced, f"old workers {sorted(lingering)} still serve 5 s after SIGHUP under load"
    assert load.failures == []
    assert load.sent > 50
    stack.wait_for_workers(lambda pids: not (pids & old), timeout=10)
    assert not any("killed by signal" in m for m in log_messages(stack.log_since(log_offset)))


def test_sigterm_under_saturating_load_finishes_in_flight_requests_and_exits(stack, healthy_afterwards):
    master = stack.master_pid()
    log_offset = stack.log_size()
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
        stopped = wait_until(lambda: not Path(f"/proc/{master}").exists()
                             or Path(f"/proc/{master}/stat").read_text().split(")")[-1].split()[0] == "Z",
                             10, interval=0.05)
    slow_thread.join(timeout=30)
    assert stopped, "the master did not stop within 10 s of SIGTERM under load"
    result = slow.get("result")
    assert isinstance(result, requests.Response), result
    assert result.status_code == 200 and result.json() == {"slept_ms": 1500}
    messages = log_messages(stack.log_since(log_offset))
    assert "master: stopped" in messages
    assert not any("drain timeout" in m or "killed by signal" in m for m in messages), messages
    # Connections still queued on the socket when the workers left are
    # refused, and nginx answers them 503 (upstream_unavailable); no request
    # a worker had started failed.
    assert [f for f in load.failures if f[0] != 503] == []
    assert load.sent > 20
