"""ORDERAPI_MAX_HASHES across processes that share no master (issue #13):
plain CGI and mod_fcgid start a process per request or per FastCGI slot,
so the pre-forked pool's scoreboard cannot count their Argon2id runs.
They share the cap through slot files held with flock() in
ORDERAPI_HASH_LOCK_DIR (by default /tmp/orderapi-hashes-<uid>, the web
server user's own directory, mode 0700).

The stack runs 2 workers' worth of settings, so the automatic cap is 1:
logins sent at once must meet 503 server_busy (with Retry-After) while
another process hashes, and every one succeeds when retried.  Before the
cap held across processes, none was ever refused."""

import os
import pwd
import stat
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import FRONT, TEST_PASSWORD, check_problem_response, register_user

pytestmark = pytest.mark.skipif(FRONT not in ("apache-cgi", "apache-fcgid"),
                                reason=f"not under {FRONT}: the pre-forked pool's cap is test_auth_limits'")

LOGIN = "/api/v1/auth/login"
AT_ONCE = 8


def login_once(stack, email):
    return stack.request("POST", LOGIN, json={"email": email, "password": TEST_PASSWORD}, timeout=60)


def login_until_done(stack, email):
    """Retries a 503 server_busy as a client should; returns the statuses."""
    seen = []
    deadline = time.monotonic() + 120
    while True:
        response = login_once(stack, email)
        seen.append(response.status_code)
        if response.status_code != 503 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return seen
        check_problem_response(response, 503, "server_busy")
        assert response.headers.get("Retry-After", "").isdigit(), response.headers
        time.sleep(0.05)


def test_logins_at_once_share_one_cap_across_processes(stack):
    emails = [register_user(stack)[0] for _ in range(AT_ONCE)]
    refused = 0
    for _ in range(3):  # rounds, in case a loaded machine staggers the processes
        with ThreadPoolExecutor(AT_ONCE) as pool:
            results = list(pool.map(lambda e: login_until_done(stack, e), emails))
        refused += sum(statuses.count(503) for statuses in results)
        if refused:
            break
    assert refused > 0, "logins sent at once were never refused at the cap of 1: it does not hold across processes"


def test_the_slot_directory_is_the_web_server_users_own():
    user = "www-data" if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
    entry = pwd.getpwnam(user)
    path = f"/tmp/orderapi-hashes-{entry.pw_uid}"
    info = os.lstat(path)  # made by the first hash through this front (the test above)
    assert stat.S_ISDIR(info.st_mode) and not stat.S_ISLNK(info.st_mode)
    assert info.st_uid == entry.pw_uid
    assert stat.S_IMODE(info.st_mode) == 0o700
