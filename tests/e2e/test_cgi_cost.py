"""What a process that serves one request (plain CGI) pays for, and what a
process serving many (a socket on fd 0, as mod_fcgid hands it) keeps.

  * the dummy Argon2id hash (64 MiB) is made only by a login for an unknown
    email, which still answers the same 401 as a wrong password after one
    Argon2id run (its peak memory shows the run happened);
  * order numbers from many one-shot processes at once are unique and
    contiguous: none reserves a block it will not use;
  * a request answered before any SQL (404, 401 without a token, a Redis
    cache hit) opens no MariaDB connection, and one rejected before its
    token is checked opens no Redis connection either.

Peak memory comes from wait4()'s ru_maxrss, never from timings."""

import json
import os
import re
import socket
import subprocess
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor

from conftest import (ORDERAPI_BIN, TIMEOUT, api, check_problem, clear_login_counters, demo_admin_token,
                      make_product, new_customer, parse_cgi_response, register_user)

# The default Argon2id cost uses 64 MiB: a process that ran it peaks at
# least this much above one that did not (whatever the build: a sanitizer
# build's baseline is larger, the difference is not).
ARGON2_MARGIN_KIB = 48 * 1024


def sanitizer_env():
    """A sanitizer build's options (./stack test logs its reports through them)."""
    return {name: os.environ[name] for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
            if name in os.environ}


def sanitizer_build():
    done = subprocess.run(["readelf", "-W", "--dyn-syms", str(ORDERAPI_BIN)], capture_output=True, text=True,
                          timeout=30)
    return "__asan_init" in done.stdout


def cgi_env(config, method, uri, token=None, body=b""):
    """The environment Apache's mod_cgi gives a script (CGIPassAuth On)."""
    path, _, query = uri.partition("?")
    env = {**sanitizer_env(), "PATH": "/usr/bin:/bin", "ORDERAPI_CONFIG": config, "GATEWAY_INTERFACE": "CGI/1.1",
           "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": path,
           "QUERY_STRING": query, "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
           "SERVER_NAME": "localhost", "SERVER_PORT": "80", "HTTP_HOST": "localhost"}
    if token:
        env["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if body:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(body))
    return env


def run_cgi(config, method, uri, token=None, body=b""):
    """Runs the binary once as plain CGI; (status, headers, body)."""
    proc = subprocess.Popen([str(ORDERAPI_BIN)], env=cgi_env(config, method, uri, token, body),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        out, _ = proc.communicate(body, timeout=4 * TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
    return parse_cgi_response(out)


# Runs argv[1:] as a child of a fresh, small process and prints the child's
# peak RSS (wait4's ru_maxrss, KiB) on stderr.  Not a child of pytest
# itself: a process forked from a big one starts its peak at the parent's
# size, which would hide the 64 MiB this test looks for.
PEAK_HELPER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write("peak_kib=%d\\n" % usage.ru_maxrss)
"""


def cgi_peak_kib(config, method, uri, token=None, body=b""):
    """Like run_cgi, with the process's peak RSS in KiB."""
    done = subprocess.run(["/usr/bin/python3", "-S", "-c", PEAK_HELPER, str(ORDERAPI_BIN)],
                          env=cgi_env(config, method, uri, token, body), input=body, capture_output=True,
                          timeout=4 * TIMEOUT)
    peak = re.search(rb"peak_kib=(\d+)", done.stderr)
    assert peak, done.stderr[-500:]
    status, headers, payload = parse_cgi_response(done.stdout)
    return status, headers, payload, int(peak.group(1))


def login_body(email, password):
    return json.dumps({"email": email, "password": password}).encode()


def test_cgi_makes_the_dummy_hash_only_for_an_unknown_email(stack):
    config = stack.env["ORDERAPI_CONFIG"]
    status, _, body, peak = cgi_peak_kib(config, "GET", "/api/v1/orders/status-options")
    assert status == 200, body

    email, _, _ = register_user(stack)
    status, headers, body, wrong_peak = cgi_peak_kib(config, "POST", "/api/v1/auth/login",
                                                     body=login_body(email, "not-the-password-1"))
    wrong = check_problem(status, headers, body, 401, "invalid_credentials")
    unknown_email = f"nobody-{uuid.uuid4().hex[:12]}@example.com"
    status, headers, body, unknown_peak = cgi_peak_kib(config, "POST", "/api/v1/auth/login",
                                                       body=login_body(unknown_email, "not-the-password-1"))
    clear_login_counters(stack, email, unknown_email)
    unknown = check_problem(status, headers, body, 401, "invalid_credentials")
    assert unknown["detail"] == wrong["detail"]
    assert headers.get("www-authenticate") == "Bearer"
    # Both logins ran one Argon2id at the default cost (the unknown email
    # made the dummy hash, its one run, instead of skipping the work); the
    # request that needs no hash did not make one.
    assert wrong_peak - peak >= ARGON2_MARGIN_KIB, f"no Argon2id run? {peak} vs {wrong_peak} KiB"
    assert unknown_peak - peak >= ARGON2_MARGIN_KIB, f"a request that hashes nothing peaked at {peak} KiB, " \
                                                     f"an unknown-email login at {unknown_peak} KiB"


def order_sequence(number):
    match = re.fullmatch(r"ORD-(\d{8})-(\d+)", number)
    assert match, number
    return match.group(1), int(match.group(2))


def test_concurrent_cgi_orders_get_unique_contiguous_numbers(stack):
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=1000)
    token, _ = new_customer(stack)
    body = json.dumps({"items": [{"product_id": product["id"], "quantity": 1}]}).encode()
    config = stack.env["ORDERAPI_CONFIG"]
    count = 16

    def one(_):
        status, _, payload = run_cgi(config, "POST", "/api/v1/orders", token, body)
        assert status == 201, payload
        return json.loads(payload)["order_number"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(one, range(count)))
    assert len(set(numbers)) == count, numbers
    days = {}
    for day, seq in map(order_sequence, numbers):
        days.setdefault(day, []).append(seq)
    # Nothing else creates orders meanwhile; a day boundary may split them.
    for seqs in days.values():
        span = max(seqs) - min(seqs) + 1
        assert span < 2 * count, f"one-shot processes burnt numbers: {sorted(seqs)}"


def listening_socket(directory, name):
    path = os.path.join(directory, name)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    sock.listen(8)
    sock.setblocking(False)
    return sock, path


def nobody_connected(sock):
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


def config_with(stack, directory, **replace):
    """A copy of the stack's orderapi.conf with some settings replaced."""
    lines = []
    for line in open(stack.env["ORDERAPI_CONFIG"]).read().splitlines():
        name = line.split("=", 1)[0]
        if name not in replace:
            lines.append(line)
    lines += [f"{name}={value}" for name, value in replace.items()]
    path = os.path.join(directory, "orderapi.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return path


def test_cgi_opens_no_connection_it_does_not_need(stack):
    token, _ = new_customer(stack)
    # Warm the customer's list in the cache through the workers.
    assert api(stack, "GET", "/api/v1/orders", token).status_code == 200
    cached = api(stack, "GET", "/api/v1/orders", token)
    assert cached.headers.get("X-Cache") == "HIT", cached.headers
    with tempfile.TemporaryDirectory() as tmp:
        fake_db, db_path = listening_socket(tmp, "mysqld.sock")
        fake_redis, redis_path = listening_socket(tmp, "redis.sock")
        try:
            # MariaDB and Redis are sockets nobody answers on.
            nothing = config_with(stack, tmp, ORDERAPI_DB_SOCKET=db_path,
                                  ORDERAPI_REDIS_URL=f"unix:{redis_path}")
            status, headers, body = run_cgi(nothing, "GET", "/api/v1/no-such-thing")
            check_problem(status, headers, body, 404, "not_found")
            status, headers, body = run_cgi(nothing, "GET", "/api/v1/orders")
            check_problem(status, headers, body, 401)
            status, headers, body = run_cgi(nothing, "GET", "/api/v1/orders", "not.a.token")
            check_problem(status, headers, body, 401)
            assert nobody_connected(fake_db), "a request answered before any SQL connected to MariaDB"
            assert nobody_connected(fake_redis), "a request refused before its token was checked used Redis"
        finally:
            fake_db.close()
            fake_redis.close()
        # The real Redis, MariaDB a socket nobody answers on: a cache hit.
        fake_db, db_path = listening_socket(tmp, "mysqld2.sock")
        try:
            cache_only = config_with(stack, tmp, ORDERAPI_DB_SOCKET=db_path)
            status, headers, body = run_cgi(cache_only, "GET", "/api/v1/orders", token)
            assert status == 200, body
            assert headers.get("x-cache") == "HIT"
            assert json.loads(body) == cached.json()
            assert nobody_connected(fake_db), "a Redis cache hit connected to MariaDB"
        finally:
            fake_db.close()


def fcgi_call(sock_path, method, uri, token=None, body=b""):
    """One request over FastCGI (cgi-fcgi); (status, headers, body)."""
    env = cgi_env("", method, uri, token, body)
    done = subprocess.run(["cgi-fcgi", "-bind", "-connect", sock_path], env=env, input=body,
                          capture_output=True, timeout=4 * TIMEOUT)
    return parse_cgi_response(done.stdout)


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS:")).split()[1])


def test_fcgid_process_memory_stays_flat(stack):
    """A process serving a socket on fd 0 (mod_fcgid keeps one for many
    requests, then recycles it) does not grow with the requests it serves:
    orders, lists, lookups, 404s and unknown-email logins.  It leaves on
    SIGTERM as mod_fcgid stops it, freeing everything (LeakSanitizer's
    check in a sanitizer build)."""
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=1000)
    token, _ = new_customer(stack)
    order = json.dumps({"items": [{"product_id": product["id"], "quantity": 1}]}).encode()
    with tempfile.TemporaryDirectory() as tmp:
        listener, path = listening_socket(tmp, "fcgid.sock")
        listener.setblocking(True)
        env = {**sanitizer_env(), "PATH": "/usr/bin:/bin", "ORDERAPI_CONFIG": stack.env["ORDERAPI_CONFIG"]}
        proc = subprocess.Popen([str(ORDERAPI_BIN)], stdin=listener.fileno(), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        listener.close()
        unknown = []
        try:
            def round_of_requests(i):
                status, _, body = fcgi_call(path, "POST", "/api/v1/orders", token, order)
                assert status == 201, body
                assert fcgi_call(path, "GET", "/api/v1/orders", token)[0] == 200
                order_id = json.loads(body)["id"]
                assert fcgi_call(path, "GET", f"/api/v1/orders/{order_id}", token)[0] == 200
                assert fcgi_call(path, "GET", "/api/v1/no-such-thing")[0] == 404
                if i % 10 == 0:
                    email = f"nobody-{uuid.uuid4().hex[:12]}@example.com"
                    unknown.append(email)
                    login = login_body(email, "not-the-password-1")
                    assert fcgi_call(path, "POST", "/api/v1/auth/login", body=login)[0] == 401

            for i in range(10):  # caches, statements, the dummy hash: made once
                round_of_requests(i)
            first = vm_rss_kib(proc.pid)
            for i in range(40):
                round_of_requests(i)
            grown = vm_rss_kib(proc.pid) - first
            # ASan holds freed memory in quarantine, so its RSS grows
            # anyway; LeakSanitizer checks that build when it exits.
            if not sanitizer_build():
                assert grown < 1024, f"RSS grew by {grown} KiB over 160 requests"
        finally:
            clear_login_counters(stack, *unknown)
            proc.terminate()
            proc.wait(timeout=40)
