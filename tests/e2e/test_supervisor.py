"""./stack keeps the orderapi master up: one that dies unexpectedly is
started again; one stopped on purpose stays stopped."""

import os
import signal
import time

from conftest import process_name, wait_until
from conftest import master_serves_http

pytestmark = master_serves_http("a master killed must come back to serve HTTP")


def live_master(stack):
    """The pid in the master's pid file when it names a live orderapi, else None."""
    try:
        pid = stack.master_pid()
    except (OSError, ValueError):
        return None
    return pid if process_name(pid) == "orderapi" else None


def test_killed_master_is_restarted(stack, healthy_afterwards):
    master = stack.master_pid()
    os.kill(master, signal.SIGKILL)
    # Generous: the machine may be loaded; the supervisor waits a second first.
    assert wait_until(lambda: live_master(stack) not in (None, master) and stack.health_status() == 200,
                      20), "no new master answering within 20 s of kill -9"
    stack.wait_for_workers(lambda pids: True)
    assert stack.relay_pid() is not None
    assert all(stack.health_status() == 200 for _ in range(4 * stack.workers_wanted))


def test_stopped_master_stays_stopped(stack, healthy_afterwards):
    stack.svc("stop", "orderapi")
    assert live_master(stack) is None
    time.sleep(3)  # longer than the supervisor's first backoff
    assert live_master(stack) is None
    assert stack.health_status() != 200
