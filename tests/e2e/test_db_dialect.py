"""The SQL dialect orderapi speaks to its database, and migrations run by an
ordinary database user (docs/sql-dialects.md).

`./stack test` runs the whole suite twice against MariaDB: once as deployed
(ORDERAPI_DB_DIALECT unset: auto, which picks "mariadb" on MariaDB 10.5+)
and once with ORDERAPI_DB_DIALECT=mysql, the portable SQL a MySQL 8 server
needs.  The variable is in the environment of both orderapi and pytest, so
these tests know which dialect the workers must be using.
"""

import os
import pwd
import re
import secrets
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import (ORDERAPI_BIN, ORDERS_PATH, REPO, api, create_order, demo_admin_token, make_product,
                      new_customer)

SETTING = os.environ.get("ORDERAPI_DB_DIALECT") or "auto"
MIGRATIONS = sorted((REPO / "sql").glob("[0-9][0-9][0-9]_*.sql"))


def admin_sql(stack, sql, database=None):
    """Runs sql as the stack's MariaDB administrator (socket authentication
    as the OS user running the stack, the way ./stack sets the server up);
    returns stdout."""
    args = ["mariadb", "--no-defaults", f"--socket={stack.env['ORDERAPI_DB_SOCKET']}",
            f"--user={pwd.getpwuid(os.getuid()).pw_name}", "-N", "-B", "-e", sql]
    if database:
        args.append(database)
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def auto_dialect(server_version):
    """What auto must choose: mariadb for MariaDB 10.5 and later (INSERT …
    RETURNING), mysql otherwise."""
    match = re.match(r"^(?:5\.5\.5-)?(\d+)\.(\d+)", server_version)
    if "mariadb" not in server_version.lower() or not match:
        return "mysql"
    return "mariadb" if (int(match[1]), int(match[2])) >= (10, 5) else "mysql"


def test_workers_use_the_configured_dialect(stack):
    """Every answer (the requests spread over the workers) names the
    setting in force and the dialect it implies for this server, whose
    version string is the server's own."""
    version = admin_sql(stack, "SELECT VERSION()").strip()
    assert version, "the server reported no version"
    want = SETTING if SETTING != "auto" else auto_dialect(version)
    for _ in range(6 * stack.workers_wanted):
        response = stack.get("/api/v1/_db")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body == {"dialect": want, "server_version": version, "setting": SETTING}
    if SETTING == "mysql":
        # The point of the forced run: MariaDB would take RETURNING, yet the
        # workers must be on the portable path.
        assert "MariaDB" in version and want == "mysql"


def test_created_order_is_answered_as_stored(stack):
    """The 201 body (RETURNING on MariaDB, INSERT then a read-back on the
    portable path) is the order as stored: the same as a later GET, to the
    microsecond-cut timestamps and the items in the order given."""
    admin = demo_admin_token(stack)
    token, user = new_customer(stack)
    first = make_product(stack, admin, price="3.10", tax_rate="7.00", stock=20)
    second = make_product(stack, admin, price="12.99", tax_rate="0", stock=20)
    created = create_order(stack, token, [(second["id"], 1), (first["id"], 3)],
                           notes="dialect check",
                           shipping_address={"full_name": "Ada Lovelace", "line1": "1 Analytical Way",
                                             "city": "London", "state": "CA", "postal_code": "94105",
                                             "country": "US"})
    response = api(stack, "GET", f"{ORDERS_PATH}/{created['id']}", token)
    assert response.status_code == 200, response.text
    stored = response.json()
    assert created == stored
    assert created["user_id"] == user["id"]
    assert sorted(item["product_id"] for item in created["items"]) == sorted([first["id"], second["id"]])


# ---------------------------------------------------------------- migrations

# Statements that need a global privilege (SUPER, or binary-log trust for
# stored programs), or that change the server for everyone.
PRIVILEGED = re.compile(
    r"\b(SET\s+(GLOBAL|@@GLOBAL|PERSIST)|CREATE\s+(DEFINER|TRIGGER|FUNCTION|PROCEDURE|EVENT|USER|SERVER)"
    r"|DEFINER\s*=|GRANT|REVOKE|LOAD\s+DATA|INTO\s+OUTFILE|SUPER|INSTALL\s+PLUGIN|SQL_LOG_BIN)\b",
    re.IGNORECASE)


def test_migrations_need_no_global_privilege():
    """No migration asks for what a shared host's database user lacks."""
    assert MIGRATIONS, "no migrations found"
    for path in MIGRATIONS:
        text = "\n".join(line.split("--", 1)[0] for line in path.read_text().splitlines())
        found = PRIVILEGED.search(text)
        assert found is None, f"{path.name}: {found.group(0)!r} needs more than ALL ON <db>.*"


@pytest.fixture
def ordinary_user(stack):
    """A fresh database and a user with ALL on it and nothing else (no
    global privilege at all: SHOW GRANTS says USAGE), dropped afterwards."""
    word = secrets.token_hex(6)
    database, user, password = f"orderapi_mig_{word}", f"mig_{word}", secrets.token_hex(16)
    admin_sql(stack, f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
                     f" CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}';"
                     f" GRANT ALL ON `{database}`.* TO '{user}'@'localhost';")
    try:
        grants = admin_sql(stack, f"SHOW GRANTS FOR '{user}'@'localhost'").splitlines()
        assert any(g.startswith("GRANT USAGE ON *.*") for g in grants), grants
        assert all(g.startswith("GRANT USAGE ON *.*") or f"ON `{database}`.*" in g for g in grants), grants
        yield database, user, password
    finally:
        admin_sql(stack, f"DROP DATABASE IF EXISTS `{database}`; DROP USER IF EXISTS '{user}'@'localhost';")


def test_migrate_as_an_ordinary_user(stack, ordinary_user):
    """`orderapi migrate` sets a fresh database up as a user with only
    ALL ON <db>.*, and a second run has nothing left to do."""
    database, user, password = ordinary_user
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "orderapi.conf"
        config.write_text(f"ORDERAPI_DB_SOCKET={stack.env['ORDERAPI_DB_SOCKET']}\n"
                          f"ORDERAPI_DB_NAME={database}\nORDERAPI_DB_USER={user}\n"
                          f"ORDERAPI_DB_PASSWORD={password}\nORDERAPI_SQL_DIR={REPO / 'sql'}\n")
        config.chmod(0o600)
        for run in (1, 2):
            done = subprocess.run([str(ORDERAPI_BIN), "migrate", "--config", str(config)],
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"migrate run {run}: {done.stdout}{done.stderr}"
    applied = admin_sql(stack, "SELECT version FROM schema_migrations ORDER BY version", database).split()
    assert [int(v) for v in applied] == [int(p.name[:3]) for p in MIGRATIONS]
    tables = set(admin_sql(stack, "SHOW TABLES", database).split())
    assert {"orders", "order_items", "idempotency_keys", "product_sales_daily"} <= tables
