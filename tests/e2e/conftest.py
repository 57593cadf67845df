"""Shared fixtures for the end-to-end tests.

The tests run against a live stack (``./stack up`` or the throwaway one of
``./stack test``).  Everything about it -- URL, sockets, pid files, logs --
comes from ``$ORDERAPI_STATE_DIR/stack.env`` (default ``<repo>/var``), which
``./stack up`` writes.
"""

import json
import os
import re
import shlex
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
STACK = REPO / "stack"
TIMEOUT = 5  # seconds; no request of these tests may take longer
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code", "request_id"}
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


def read_stack_env(state_dir):
    """Parses stack.env (KEY='value' lines written by ./stack) into a dict."""
    path = Path(state_dir) / "stack.env"
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: start the stack with ./stack up first")
    settings = {}
    for line in path.read_text().splitlines():
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        words = shlex.split(value)
        settings[name] = words[0] if words else ""
    return settings


class Stack:
    """The running stack: its settings, and helpers to poke at its processes."""

    def __init__(self, state_dir):
        self.state_dir = str(Path(state_dir).resolve())
        self.env = read_stack_env(self.state_dir)
        self.url = self.env["ORDERAPI_URL"]
        self.workers_wanted = int(self.env["ORDERAPI_WORKERS"])

    def get(self, path, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return requests.get(self.url + path, **kwargs)

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return requests.request(method, self.url + path, **kwargs)

    def svc(self, action, service):
        """Runs ./stack svc ACTION SERVICE against this stack's state dir."""
        env = dict(os.environ, ORDERAPI_STATE_DIR=self.state_dir)
        done = subprocess.run([str(STACK), "svc", action, service], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (
            f"./stack svc {action} {service} failed:\n{done.stdout}\n{done.stderr}")

    def master_pid(self):
        return int(Path(self.env["ORDERAPI_PID_FILE"]).read_text().strip())

    def worker_pids(self):
        """The live workers of the orderapi master (its children but the relay)."""
        return {pid for pid in children_of(self.master_pid()) if process_name(pid) != "orderapi-relay"}

    def relay_pid(self):
        """The event relay's pid, or None."""
        pids = [pid for pid in children_of(self.master_pid()) if process_name(pid) == "orderapi-relay"]
        return pids[0] if pids else None

    def wait_for_workers(self, predicate, timeout=15):
        """Waits until the worker set is complete and satisfies predicate."""
        def ready():
            pids = self.worker_pids()
            return len(pids) == self.workers_wanted and predicate(pids)
        assert wait_until(ready, timeout), (
            f"workers {sorted(self.worker_pids())} did not settle within {timeout} s")
        return self.worker_pids()

    def signal_master(self, signum):
        os.kill(self.master_pid(), signum)

    def health_status(self):
        try:
            return self.get("/health").status_code
        except requests.RequestException:
            return None

    def log_size(self):
        return Path(self.env["ORDERAPI_LOG"]).stat().st_size

    def log_since(self, offset):
        with open(self.env["ORDERAPI_LOG"], "rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    def fcgi(self, method, uri, body=b"", content_type="application/json",
             content_length=None, headers=None, remote_addr="127.0.0.1"):
        """Sends one request straight to orderapi's FastCGI socket (cgi-fcgi
        from libfcgi-bin), bypassing nginx, with the CGI parameters nginx's
        fastcgi_params would pass (REMOTE_ADDR as given, so a test can speak
        from another client address).  Returns (status, headers, body)."""
        path, _, query = uri.partition("?")
        params = {
            "PATH": "/usr/bin:/bin",
            "REQUEST_METHOD": method,
            "REQUEST_URI": uri,
            "DOCUMENT_URI": path,
            "SCRIPT_NAME": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_SCHEME": "http",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "REMOTE_ADDR": remote_addr,
            "REMOTE_PORT": "40000",
            "SERVER_ADDR": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_NAME": "localhost",
            "HTTP_HOST": "localhost",
            "CONTENT_LENGTH": str(len(body) if content_length is None else content_length),
        }
        if content_type is not None:
            params["CONTENT_TYPE"] = content_type
        for name, value in (headers or {}).items():
            params["HTTP_" + name.upper().replace("-", "_")] = value
        done = subprocess.run(["cgi-fcgi", "-bind", "-connect", self.env["ORDERAPI_SOCKET"]],
                              input=body, env=params, capture_output=True, timeout=TIMEOUT)
        return parse_cgi_response(done.stdout)


def parse_cgi_response(raw):
    """Splits a CGI response into (status, lower-cased headers, body)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, f"no header/body separator in the FastCGI response: {raw[:300]!r}"
    headers = {}
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    status = int(headers.get("status", "200").split()[0])
    return status, headers, body


def process_name(pid):
    """The process's comm name ("" once it is gone)."""
    try:
        with open(f"/proc/{pid}/comm") as comm:
            return comm.read().strip()
    except OSError:
        return ""


def children_of(parent):
    """Pids of the live (non-zombie) processes whose parent is `parent`."""
    pids = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] not in ("Z", "X"):
            pids.add(int(entry))
    return pids


def process_ended(pid):
    """True once pid has exited (gone, or a zombie not yet reaped). Its
    /proc entry can vanish between any two reads, so a read that fails
    counts as ended."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def wait_until(predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def media_type(content_type):
    return (content_type or "").split(";")[0].strip().lower()


def check_problem(status, headers, body, want_status, want_code=None):
    """Asserts an RFC 9457 problem of the contract's shape; returns it parsed.
    headers are looked up case-insensitively (requests' or lower-cased)."""
    assert status == want_status, f"status {status}, want {want_status}: {body[:300]!r}"
    assert media_type(headers.get("content-type")) == "application/problem+json"
    problem = json.loads(body)
    assert isinstance(problem, dict)
    missing = PROBLEM_MEMBERS - problem.keys()
    assert not missing, f"problem lacks {sorted(missing)}: {problem}"
    assert problem["status"] == want_status and type(problem["status"]) is int
    for member in ("type", "title", "code", "request_id"):
        assert isinstance(problem[member], str) and problem[member], member
    assert isinstance(problem["detail"], str)
    if want_code is not None:
        assert problem["code"] == want_code
    request_id = headers.get("x-request-id")
    assert request_id, "no X-Request-Id header"
    assert problem["request_id"] == request_id
    return problem


def check_problem_response(response, want_status, want_code=None):
    return check_problem(response.status_code, response.headers, response.content,
                         want_status, want_code)


# ---------------------------------------------------------------- fronts
# The stack serves HTTP through nginx or through Apache in one of three modes
# (ORDERAPI_FRONT in stack.env; ./stack test runs the suite once per front).
# Tests about something only one front does, or about the pre-forked master
# serving HTTP, say so with the markers below, naming why.

def current_front():
    state_dir = os.environ.get("ORDERAPI_STATE_DIR", str(REPO / "var"))
    try:
        return read_stack_env(state_dir).get("ORDERAPI_FRONT", "nginx")
    except RuntimeError:
        return os.environ.get("ORDERAPI_FRONT", "nginx")


FRONT = current_front()
UNDER_APACHE = FRONT.startswith("apache-")
# Fronts whose requests are served by the pre-forked master's workers (the
# others start orderapi processes of their own: mod_fcgid, plain CGI).
MASTER_SERVES_HTTP = FRONT in ("nginx", "apache-proxy")
FRONT_SERVICE = "apache" if UNDER_APACHE else "nginx"


def nginx_only(reason):
    """A test of something only nginx does (reason: what Apache does instead)."""
    return pytest.mark.skipif(UNDER_APACHE, reason=f"nginx only, not under {FRONT}: {reason}")


def nginx_front_only(reason):
    """A test that does not involve the front at all (it drives the master, a
    process or a tool directly): run once, with the nginx front, rather than
    again for each Apache mode."""
    return pytest.mark.skipif(UNDER_APACHE, reason=f"runs with the nginx front only: {reason}")


def master_serves_http(reason):
    """A test that needs HTTP requests served by the pre-forked master's workers."""
    return pytest.mark.skipif(not MASTER_SERVES_HTTP,
                              reason=f"not under {FRONT} (no pre-forked worker serves HTTP): {reason}")


def apache_only(reason="a test of the Apache front"):
    return pytest.mark.skipif(not UNDER_APACHE, reason=f"Apache only, not under {FRONT}: {reason}")


@pytest.fixture(scope="session")
def stack():
    state_dir = os.environ.get("ORDERAPI_STATE_DIR", str(REPO / "var"))
    running = Stack(state_dir)
    assert running.health_status() == 200, (
        f"{running.url}/health is not 200: is the stack up? (./stack status)")
    return running


@pytest.fixture
def healthy_afterwards(stack):
    """Leaves every service running and /health at 200 after the test."""
    yield
    for service in ("mariadb", "redis", "orderapi", FRONT_SERVICE):
        stack.svc("start", service)
    def all_healthy():
        return all(stack.health_status() == 200 for _ in range(4 * stack.workers_wanted))
    assert wait_until(all_healthy, 20), "stack not healthy after the test"



# ---------------------------------------------------------------- accounts
# Helpers for tests that need users and tokens (tests/e2e/test_auth.py,
# test_tokens.py, and any later test that acts as a customer or an admin).

import uuid  # noqa: E402  (kept with the helpers that use it)

# The binary the stack runs: ORDERAPI_BIN from stack.env (the sanitizer pass
# of ./stack test sets it), else this repository's build.
ORDERAPI_BIN = Path(os.environ.get("ORDERAPI_BIN") or REPO / "src" / "orderapi")
TEST_PASSWORD = "correct horse battery staple"


def unique_email(prefix="user"):
    """An address no other test (or earlier run) has used."""
    return f"{prefix}-{uuid.uuid4().hex}@example.com"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def redis_cli(stack, *args):
    """Runs one redis-cli command against the stack's Redis socket,
    authenticated with the stack's password (REDISCLI_AUTH); its stdout."""
    env = dict(os.environ, REDISCLI_AUTH=stack.env["ORDERAPI_REDIS_PASSWORD"])
    done = subprocess.run(["redis-cli", "-s", stack.env["ORDERAPI_REDIS_SOCKET"], *args],
                          capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert done.returncode == 0, f"redis-cli {args} failed: {done.stdout}{done.stderr}"
    return done.stdout


def clear_login_counters(stack, *emails):
    """Drops the login-failure counters of these emails and of every client
    address, so a test that provoked failures leaves no 429 behind."""
    keys = [f"orderapi:rl:login:email:{email.lower()}" for email in emails]
    keys += redis_cli(stack, "--scan", "--pattern", "orderapi:rl:login:addr:*").split()
    if keys:
        redis_cli(stack, "DEL", *keys)


# The addresses the tests speak from (nginx passes the client's, 127.0.0.1).
TEST_ADDRESSES = ("127.0.0.1", "::1")


def clear_register_counters(stack, *addresses):
    """Drops the per-address registration counters (ORDERAPI_REGISTER_MAX_PER_IP)
    of the test addresses and of any others named."""
    keys = [f"orderapi:rl:register:addr:{addr}" for addr in (*TEST_ADDRESSES, *addresses)]
    redis_cli(stack, "DEL", *keys)


@pytest.fixture(autouse=True)
def fresh_register_window(stack):
    """Every test starts with a fresh registration window for the test
    addresses: the suite registers far more accounts from 127.0.0.1 than the
    per-address limit allows in an hour, and no test should be refused for
    what earlier ones registered."""
    clear_register_counters(stack)


def register_user(stack, email=None, password=TEST_PASSWORD, full_name="Test User", **extra):
    """Registers a customer; returns (email, password, user body)."""
    email = email or unique_email()
    body = {"email": email, "password": password, "full_name": full_name, **extra}
    response = stack.request("POST", "/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    return email, password, response.json()


def login(stack, email, password=TEST_PASSWORD):
    """Logs in; returns the access token."""
    response = stack.request("POST", "/api/v1/auth/login",
                             json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def user_cli(stack, *args, password=None):
    """Runs `orderapi user ARGS --config <the stack's>`; returns the CompletedProcess."""
    return subprocess.run([str(ORDERAPI_BIN), "user", *args, "--config", stack.env["ORDERAPI_CONFIG"]],
                          input=None if password is None else password + "\n",
                          capture_output=True, text=True, timeout=30)


def create_admin(stack, email=None, password=TEST_PASSWORD):
    """Creates an admin with the CLI (the only way to get one); returns (email, password)."""
    email = email or unique_email("admin")
    done = user_cli(stack, "add", "--email", email, "--role", "admin", "--password-stdin",
                    password=password)
    assert done.returncode == 0, f"orderapi user add failed: {done.stdout}{done.stderr}"
    return email, password


# ---------------------------------------------------------------- orders
# Helpers for tests/e2e/test_orders.py and test_order_lifecycle.py: products
# made by an admin, fresh customers, orders, and the stock ledger.

ORDERS_PATH = "/api/v1/orders"
PRODUCTS_PATH = "/api/v1/products"
STOCK_HEALTH_PATH = "/api/v1/admin/stock/health"


def demo_admin_token(stack):
    """A token of the demo admin the stack creates (admin@example.com)."""
    return login(stack, stack.env.get("ORDERAPI_ADMIN_EMAIL", "admin@example.com"),
                 stack.env["ORDERAPI_ADMIN_PASSWORD"])


def api(stack, method, path, token=None, **kwargs):
    """One request, with the bearer token when given."""
    headers = dict(kwargs.pop("headers", None) or {})
    if token is not None:
        headers.update(bearer(token))
    return stack.request(method, path, headers=headers, **kwargs)


def new_customer(stack):
    """Registers and logs in a fresh customer; returns (token, user body)."""
    email, password, user = register_user(stack)
    return login(stack, email, password), user


def make_product(stack, admin_token, **fields):
    """Creates a product through POST /products (201 expected); its body.
    SKU and name carry a fresh uuid."""
    word = uuid.uuid4().hex[:20]
    body = {"sku": f"ORD-T-{word}", "name": f"Order test product {word}", "price": "10.00", **fields}
    response = api(stack, "POST", PRODUCTS_PATH, admin_token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def product_stock(stack, product_id):
    response = stack.get(f"{PRODUCTS_PATH}/{product_id}")
    assert response.status_code == 200, response.text
    return response.json()["stock"]


def place_order(stack, token, items, headers=None, **fields):
    """POST /orders with items given as [(product_id, quantity), …] or dicts;
    returns the response (no status asserted)."""
    lines = [it if isinstance(it, dict) else {"product_id": it[0], "quantity": it[1]} for it in items]
    return api(stack, "POST", ORDERS_PATH, token, json={"items": lines, **fields}, headers=headers)


def create_order(stack, token, items, **fields):
    """place_order that must answer 201; returns the order body."""
    response = place_order(stack, token, items, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def mysql(stack, sql):
    """Runs sql straight on the stack's MariaDB as orderapi's user; the rows,
    each a list of column texts ("NULL" for NULL)."""
    env = stack.env
    done = subprocess.run(
        ["mariadb", "--protocol=socket", "-S", env["ORDERAPI_DB_SOCKET"], "-u", env["ORDERAPI_DB_USER"],
         f"-p{env['ORDERAPI_DB_PASSWORD']}", "-N", "-B", env["ORDERAPI_DB_NAME"], "-e", sql],
        capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    return [line.split("\t") for line in done.stdout.splitlines() if line]


def unaggregated(stack):
    """Outbox events the relay has not yet applied to the statistics."""
    return int(mysql(stack, "SELECT COUNT(*) FROM outbox_events WHERE aggregated_at IS NULL")[0][0])


def stats_caught_up(stack, timeout=30):
    """Waits until the relay has applied every committed event to the daily
    aggregates (statistics lag the commits by the relay's delay: README.md,
    "Statistics"), then moves the stats cache on itself, so that the next
    stats or report read is fresh even in the instant between the relay's
    COMMIT and its own bump."""
    assert wait_until(lambda: unaggregated(stack) == 0, timeout), "the relay did not apply every event"
    redis_cli(stack, "INCR", "orderapi:gen:stats")


# What the relay's derived aggregates (sql/011_running_totals.sql) hold
# when they follow the daily ones: a row per day of both daily tables, and
# for each such day a running-total row per bucket or product seen by then.
EXPECTED_TOTALS = """
    SELECT day, SUM(orders) AS a, SUM(IF(status IN ('cancelled', 'refunded'), 0, orders)) AS c,
           SUM(IF(status IN ('cancelled', 'refunded'), 0, revenue)) AS r, 0 AS i
    FROM order_stats_daily GROUP BY day
    UNION ALL SELECT day, 0, 0, 0, SUM(quantity) FROM product_sales_daily GROUP BY day"""
EXPECTED_STATS_CUM = """
    SELECT t.day, k.status, k.payment_status,
           SUM(COALESCE(s.orders, 0)) OVER (PARTITION BY k.status, k.payment_status ORDER BY t.day) AS n,
           SUM(COALESCE(s.revenue, 0)) OVER (PARTITION BY k.status, k.payment_status ORDER BY t.day) AS r
    FROM (SELECT day FROM order_stats_daily UNION SELECT day FROM product_sales_daily) t
    JOIN (SELECT status, payment_status, MIN(day) AS first_day FROM order_stats_daily
          GROUP BY status, payment_status) k ON k.first_day <= t.day
    LEFT JOIN order_stats_daily s ON s.day = t.day AND s.status = k.status AND s.payment_status = k.payment_status"""
EXPECTED_SALES_CUM = """
    SELECT t.day, k.product_id,
           SUM(COALESCE(s.quantity, 0)) OVER (PARTITION BY k.product_id ORDER BY t.day) AS q,
           SUM(COALESCE(s.revenue, 0)) OVER (PARTITION BY k.product_id ORDER BY t.day) AS r
    FROM (SELECT day FROM order_stats_daily UNION SELECT day FROM product_sales_daily) t
    JOIN (SELECT product_id, MIN(day) AS first_day FROM product_sales_daily GROUP BY product_id) k
        ON k.first_day <= t.day
    LEFT JOIN product_sales_daily s ON s.day = t.day AND s.product_id = k.product_id"""
# product_sales_pack (sql/012_sales_pack.sql) as it follows from the
# products' running totals: per day and chunk of SALES_PACK_CHUNK product
# ids, each product's id, units and revenue as big-endian 64-bit integers,
# in id order (src/domain/sales_pack.h).
SALES_PACK_CHUNK = 1024
EXPECTED_SALES_PACK = f"""
    SELECT day, product_id DIV {SALES_PACK_CHUNK} AS chunk,
           GROUP_CONCAT(UNHEX(CONCAT(LPAD(HEX(product_id), 16, '0'), LPAD(HEX(CAST(q AS SIGNED)), 16, '0'),
                                     LPAD(HEX(CAST(r AS SIGNED)), 16, '0'))) ORDER BY product_id SEPARATOR '') AS totals
    FROM ({EXPECTED_SALES_CUM}) c GROUP BY day, product_id DIV {SALES_PACK_CHUNK}"""

# Keys of the aggregates that differ from the orders themselves: the daily
# ones from 2002 on (the report tests write made-up aggregates for 2000 and
# 2001), and the derived ones (every day) from the daily ones; a derived
# row missing or extra counts too (COUNT(*) <> 2).  The products' running
# totals are kept packed only (migration 014), so their packs are compared
# with the running totals computed here from the daily rows.
AGGREGATE_MISMATCHES = f"""
SELECT (SELECT COUNT(*) FROM (
    SELECT day, status, payment_status FROM (
        SELECT day, status, payment_status, orders AS n, revenue AS r FROM order_stats_daily
        WHERE day >= '2002-01-01'
        UNION ALL
        SELECT DATE(created_at), status, payment_status, -COUNT(*), -SUM(total_amount) FROM orders
        WHERE created_at >= '2002-01-01' GROUP BY DATE(created_at), status, payment_status) s
    GROUP BY day, status, payment_status HAVING SUM(n) <> 0 OR SUM(r) <> 0) bad_stats)
  + (SELECT COUNT(*) FROM (
    SELECT day FROM (
        SELECT day, orders_all AS a, orders_counted AS c, revenue_counted AS r, items_counted AS i, 1 AS mine
        FROM order_totals_daily
        UNION ALL SELECT day, -SUM(a), -SUM(c), -SUM(r), -SUM(i), 0 FROM ({EXPECTED_TOTALS}) e GROUP BY day) s
    GROUP BY day HAVING SUM(a) <> 0 OR SUM(c) <> 0 OR SUM(r) <> 0 OR SUM(i) <> 0 OR COUNT(*) <> 2
        OR SUM(mine) <> 1) bad_totals)
  + (SELECT COUNT(*) FROM (
    SELECT day, status, payment_status FROM (
        SELECT day, status, payment_status, orders AS n, revenue AS r FROM order_stats_cum
        UNION ALL SELECT day, status, payment_status, -n, -r FROM ({EXPECTED_STATS_CUM}) e) s
    GROUP BY day, status, payment_status HAVING SUM(n) <> 0 OR SUM(r) <> 0 OR COUNT(*) <> 2) bad_stats_cum),
  (SELECT COUNT(*) FROM (
    SELECT day, product_id FROM (
        SELECT day, product_id, quantity AS q, revenue AS r FROM product_sales_daily WHERE day >= '2002-01-01'
        UNION ALL
        SELECT DATE(o.created_at), i.product_id, -SUM(i.quantity), -SUM(i.total_amount)
        FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE o.created_at >= '2002-01-01' AND o.status NOT IN ('cancelled', 'refunded')
        GROUP BY DATE(o.created_at), i.product_id) s
    GROUP BY day, product_id HAVING SUM(q) <> 0 OR SUM(r) <> 0) bad_sales)
  + (SELECT COUNT(*) FROM (
    SELECT day, chunk FROM (
        SELECT day, chunk, totals FROM product_sales_pack
        UNION ALL SELECT day, chunk, totals FROM ({EXPECTED_SALES_PACK}) e) s
    GROUP BY day, chunk HAVING COUNT(*) <> 2 OR COUNT(DISTINCT SHA1(totals)) <> 1) bad_sales_pack)
"""


def aggregate_mismatches(stack):
    """(stats buckets plus day totals plus bucket running totals, product-day
    sales rows plus the packs of the product running totals) that do not match the orders,
    directly or through the daily rows: (0, 0) when every order is counted
    exactly once."""
    row = mysql(stack, AGGREGATE_MISMATCHES)[0]
    return int(row[0]), int(row[1])


def packed_totals(stack, product_id, from_day):
    """The product's running totals as the packs hold them, on each day from
    from_day on where its chunk's pack has it: [[day, units, revenue], …],
    each a text as mysql() gives them."""
    out = []
    chunk = int(product_id) // SALES_PACK_CHUNK
    for day, packed in mysql(stack, "SELECT DATE_FORMAT(day, '%Y-%m-%d'), HEX(totals) FROM product_sales_pack"
                                    f" WHERE chunk = {chunk} AND day >= '{from_day}' ORDER BY day"):
        raw = bytes.fromhex(packed)
        assert len(raw) % 24 == 0, (day, len(raw))
        for at in range(0, len(raw), 24):
            pid, units, revenue = (int.from_bytes(raw[at + k:at + k + 8], "big", signed=True) for k in (0, 8, 16))
            if pid == int(product_id):
                out.append([day, str(units), str(revenue)])
    return out


def _backfill_sql():
    """Migration 014's backfill: the day totals, the buckets' running totals
    and the products' packed ones, from the daily rows."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "sql", "014_no_product_sales_cum.sql")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text.split("-- backfill:begin")[1].split("-- backfill:end")[0]
    return section.split("\n", 1)[1]  # from the line after the marker


def rebuild_running_totals(stack):
    """After a test wrote daily aggregate rows behind the relay's back:
    order_totals_daily, the running totals and their packs rebuilt from the
    daily rows, by migration 014's own backfill.  The daily rows are locked first, in
    the relay's order (daily, then derived), so a relay batch meanwhile
    waits rather than deadlocks; a deadlock all the same is retried."""
    sql = _backfill_sql().replace(
        "START TRANSACTION;",
        "START TRANSACTION; SELECT COUNT(*) FROM order_stats_daily LOCK IN SHARE MODE;"
        " SELECT COUNT(*) FROM product_sales_daily LOCK IN SHARE MODE;", 1)
    for attempt in range(5):
        env = stack.env
        done = subprocess.run(
            ["mariadb", "--protocol=socket", "-S", env["ORDERAPI_DB_SOCKET"], "-u", env["ORDERAPI_DB_USER"],
             f"-p{env['ORDERAPI_DB_PASSWORD']}", "-N", "-B", env["ORDERAPI_DB_NAME"], "-e", sql],
            capture_output=True, text=True, timeout=TIMEOUT)
        if done.returncode == 0:
            return
        assert "Deadlock" in done.stderr and attempt < 4, done.stderr


# The stock ledger, as rows (product_id, delta): the stock_movements rows
# (initial stock, adjustments, cancels' restocks) and, as sales, the order
# items (-quantity each; sql/013_items_are_the_sales.sql).
STOCK_LEDGER_SQL = ("(SELECT product_id, delta FROM stock_movements"
                    " UNION ALL SELECT product_id, -quantity FROM order_items)")


def stock_ledger(stack, product_id):
    """(row count, sum of deltas) of the product's stock ledger, straight from MariaDB."""
    [(count, total)] = mysql(stack, f"SELECT COUNT(*), COALESCE(SUM(delta), 0) FROM {STOCK_LEDGER_SQL} AS l"
                                    f" WHERE product_id = {int(product_id)}")
    return int(count), int(total)


def assert_stock_consistent(stack, admin_token, *product_ids):
    """GET /admin/stock/health reports no ledger mismatch, and for each
    product the ledger's sum equals its stock."""
    response = api(stack, "GET", STOCK_HEALTH_PATH, admin_token)
    assert response.status_code == 200, response.text
    health = response.json()
    assert health["consistent"] is True, health["ledger_mismatches"]
    assert health["ledger_mismatches"] == []
    for product_id in product_ids:
        assert stock_ledger(stack, product_id)[1] == product_stock(stack, product_id), product_id


# ---------------------------------------------------------------- raw HTTP
# For what the fronts refuse (tests/e2e/test_nginx_errors.py, test_apache.py).

def http_exchange(stack, raw, timeout=30):
    """Sends raw bytes to the stack's front and reads until it closes; the
    bytes it answered (for requests no HTTP library would send)."""
    url = urlsplit(stack.url)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        sock.sendall(raw)
        answer = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    return answer


def parse_http(answer):
    """(status, lower-cased headers, body) of one HTTP/1.x response."""
    head, sep, body = answer.partition(b"\r\n\r\n")
    assert sep, f"not an HTTP response: {answer[:300]!r}"
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1."), lines[0]
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return status, headers, body
