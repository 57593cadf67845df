"""GET /orders/export (API.md "Reporting (admin)"): every matching order as
CSV, RFC 4180 quoting, the formula guard, streamed without a page limit."""

import csv
import datetime
import io
import os
from pathlib import Path

import pytest

from conftest import ORDERS_PATH, TIMEOUT, api, check_problem_response, create_order, demo_admin_token, \
    make_product, master_serves_http, mysql, new_customer, wait_until
from fastcgi_client import connect, get_request

EXPORT = f"{ORDERS_PATH}/export"
COLUMNS = ["id", "order_number", "created_at", "status", "payment_status", "customer_name", "customer_email",
           "customer_phone", "item_count", "subtotal", "tax_amount", "shipping_amount", "discount_amount",
           "total_amount"]


@pytest.fixture(scope="module")
def admin(stack):
    return demo_admin_token(stack)


def export(stack, admin, **params):
    response = api(stack, "GET", EXPORT, admin, params=params)
    assert response.status_code == 200, response.text
    return response, list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def test_export_has_every_matching_order(stack, admin):
    token, user = new_customer(stack)
    product = make_product(stack, admin, price="2.50", stock=1000)
    orders = [create_order(stack, token, [(product["id"], q)], customer_name=name)
              for q, name in ((1, "Ada, Countess"), (2, '=HYPERLINK("http://evil.test")'), (3, "-1+2"),
                              (4, 'Say "hi"'), (5, "@SUM(A1)"))]
    response, rows = export(stack, admin, user_id=user["id"], sort="created_at")
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="orders-{today}.csv"'
    assert rows[0] == COLUMNS
    assert [int(r[0]) for r in rows[1:]] == [o["id"] for o in orders]
    names = [r[5] for r in rows[1:]]
    assert names == ["Ada, Countess", "'=HYPERLINK(\"http://evil.test\")", "'-1+2", 'Say "hi"', "'@SUM(A1)"]
    first = dict(zip(COLUMNS, rows[1]))
    assert first["order_number"] == orders[0]["order_number"]
    assert first["total_amount"] == orders[0]["total_amount"] and first["subtotal"] == "2.50"
    assert first["status"] == "pending" and first["item_count"] == "1"
    assert first["created_at"] == orders[0]["created_at"]
    assert response.content.endswith(b"\r\n") and b"\r\n" in response.content


def test_export_filters_like_the_list(stack, admin):
    token, user = new_customer(stack)
    product = make_product(stack, admin, price="10.00", stock=100)
    kept = create_order(stack, token, [(product["id"], 1)])
    dropped = create_order(stack, token, [(product["id"], 2)])
    assert api(stack, "POST", f"{ORDERS_PATH}/{dropped['id']}/cancel", token, json={}).status_code == 200
    _, rows = export(stack, admin, user_id=user["id"], status="pending")
    assert [int(r[0]) for r in rows[1:]] == [kept["id"]]
    _, rows = export(stack, admin, user_id=user["id"], sort="-total_amount")
    assert [int(r[0]) for r in rows[1:]] == [dropped["id"], kept["id"]]
    _, rows = export(stack, admin, user_id=user["id"], status="shipped")
    assert rows == [COLUMNS]


def test_export_is_not_limited_to_a_page(stack, admin):
    _, rows = export(stack, admin)
    listed = api(stack, "GET", ORDERS_PATH, admin, params={"page_size": 1}).json()["total"]
    assert len(rows) - 1 >= listed  # every order at the time of the export, not a page of them


@pytest.mark.parametrize("params, field, code", [
    ({"status": "lost"}, "status", None),
    ({"page": "2"}, "page", "unknown_parameter"),
    ({"start_date": "yesterday"}, "start_date", None),
])
def test_bad_export_queries_are_422(stack, admin, params, field, code):
    problem = check_problem_response(api(stack, "GET", EXPORT, admin, params=params), 422, "validation_failed")
    assert field in [e["field"] for e in problem["errors"]]
    if code:
        assert code in [e["code"] for e in problem["errors"]]


def test_export_is_for_admins(stack):
    token, _ = new_customer(stack)
    check_problem_response(api(stack, "GET", EXPORT, token), 403, "forbidden")
    check_problem_response(stack.get(EXPORT), 401, "unauthenticated")


def fastcgi_get_then_hang_up(sock_path, uri, token):
    """Sends a FastCGI GET for uri on orderapi's own socket, reads the first
    bytes of the answer and closes the connection: a client that goes away
    mid-download.  The first bytes."""
    with connect(sock_path, TIMEOUT) as sock:
        sock.sendall(get_request(uri, "", token))
        return sock.recv(4096)


@master_serves_http("it sends the export request to the pre-forked workers' FastCGI socket")
def test_a_client_that_hangs_up_stops_the_export(stack, admin):
    sock_path = stack.env.get("ORDERAPI_SOCKET")
    if not sock_path or not os.path.exists(sock_path):
        pytest.skip("no pre-forked master's socket with this front")
    token, _ = new_customer(stack)
    product = make_product(stack, admin, stock=10)
    model = create_order(stack, token, [(product["id"], 1)])
    columns = [c for (c,) in mysql(stack, "SELECT column_name FROM information_schema.columns WHERE table_schema ="
                                          " DATABASE() AND table_name = 'orders' AND column_name NOT IN"
                                          " ('id', 'order_number') ORDER BY ordinal_position")]
    names = ", ".join(columns)
    log = Path(stack.env["ORDERAPI_LOG"])
    try:
        # 30 000 orders (about 3 MB of CSV): far more than the socket buffers.
        mysql(stack, f"INSERT INTO orders (order_number, {names}) SELECT CONCAT('ORD-19990101-', LPAD(seq, 6, '0')),"
                     f" {', '.join('o.' + c for c in columns)} FROM seq_1_to_30000"
                     f" JOIN (SELECT * FROM orders WHERE id = {int(model['id'])}) o")
        offset = log.stat().st_size
        first = fastcgi_get_then_hang_up(sock_path, EXPORT, admin)
        assert b"Status: 200" in first and b"text/csv" in first
        assert wait_until(lambda: "export cut short" in log.read_text()[offset:], 10), log.read_text()[offset:][-2000:]
        # The query is gone from the server, and the worker serves on.
        assert wait_until(lambda: not mysql(stack, "SELECT id FROM information_schema.processlist"
                                                   " WHERE info LIKE 'SELECT id, order_number, DATE_FORMAT%'"), 10)
        assert api(stack, "GET", ORDERS_PATH, admin, params={"page_size": 1}).status_code == 200
    finally:
        mysql(stack, "DELETE FROM orders WHERE order_number LIKE 'ORD-19990101-%'")
