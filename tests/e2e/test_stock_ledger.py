"""The stock ledger with the order items as its sales (sql/013_items_are_the_sales.sql).

An order writes no stock_movements row: its items are its sales.  These tests
break the ledger on purpose, straight in MariaDB, and check that
/admin/stock/health sees it; each puts the rows back before it ends, so that
the other tests' global consistency checks still hold.
"""
import subprocess

from conftest import (STOCK_HEALTH_PATH, TIMEOUT, api, assert_stock_consistent, create_order, demo_admin_token,
                      make_product, mysql, new_customer, product_stock, stock_ledger)


def health_mismatches(stack, admin):
    """{product_id: (stock, ledger_sum)} of /admin/stock/health."""
    response = api(stack, "GET", STOCK_HEALTH_PATH, admin)
    assert response.status_code == 200, response.text
    health = response.json()
    mismatches = {m["product_id"]: (m["stock"], m["ledger_sum"]) for m in health["ledger_mismatches"]}
    assert health["consistent"] is (not mismatches)
    return mismatches


def ordered(stack, quantity=3, stock=10):
    """A fresh product with stock, and an order of quantity of it: (admin, product, order)."""
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=stock)
    token, _ = new_customer(stack)
    order = create_order(stack, token, [(product["id"], quantity)])
    return admin, product, order


def test_an_order_writes_its_sales_as_items_only(stack):
    admin, product, order = ordered(stack)
    assert product_stock(stack, product["id"]) == 7
    # No 'order' movement: the initial stock is the only stock_movements row.
    assert mysql(stack, f"SELECT COUNT(*) FROM stock_movements WHERE order_id = {int(order['id'])}") == [["0"]]
    assert mysql(stack, f"SELECT COUNT(*), COALESCE(SUM(delta), 0) FROM stock_movements"
                        f" WHERE product_id = {int(product['id'])}") == [["1", "10"]]
    assert stock_ledger(stack, product["id"]) == (2, 7)
    assert_stock_consistent(stack, admin, product["id"])


def test_health_counts_every_sale(stack):
    """A sale the ledger sum missed, or counted wrong, is a mismatch."""
    admin, product, order = ordered(stack)
    pid, oid = int(product["id"]), int(order["id"])
    assert pid not in health_mismatches(stack, admin)
    mysql(stack, f"UPDATE order_items SET quantity = quantity + 1 WHERE order_id = {oid} AND product_id = {pid}")
    try:
        assert health_mismatches(stack, admin).get(pid) == (7, 6)
    finally:
        mysql(stack, f"UPDATE order_items SET quantity = quantity - 1 WHERE order_id = {oid} AND product_id = {pid}")
    assert pid not in health_mismatches(stack, admin)
    # A sale the items do not show (stock taken without an item): the stock
    # is below the ledger.
    mysql(stack, f"UPDATE products SET stock = stock - 2 WHERE id = {pid}")
    try:
        assert health_mismatches(stack, admin).get(pid) == (5, 7)
    finally:
        mysql(stack, f"UPDATE products SET stock = stock + 2 WHERE id = {pid}")
    assert_stock_consistent(stack, admin, pid)


def test_a_sale_is_once_per_order_and_product(stack):
    """The unique key (order_id, product_id) of the items holds what
    (reason, order_id, product_id) of stock_movements held for sales."""
    _, product, order = ordered(stack)
    env = stack.env
    done = subprocess.run(
        ["mariadb", "--protocol=socket", "-S", env["ORDERAPI_DB_SOCKET"], "-u", env["ORDERAPI_DB_USER"],
         f"-p{env['ORDERAPI_DB_PASSWORD']}", "-N", "-B", env["ORDERAPI_DB_NAME"], "-e",
         "INSERT INTO order_items (order_id, product_id, sku, product_name, unit_price, tax_rate, quantity,"
         " subtotal, tax_amount, total_amount)"
         f" SELECT order_id, product_id, sku, product_name, unit_price, tax_rate, quantity, subtotal, tax_amount,"
         f" total_amount FROM order_items WHERE order_id = {int(order['id'])}"],
        capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode != 0 and "Duplicate entry" in done.stderr, (done.returncode, done.stderr)
    assert mysql(stack, f"SELECT COUNT(*) FROM order_items WHERE order_id = {int(order['id'])}") == [["1"]]
    assert stock_ledger(stack, product["id"]) == (2, 7)


def test_cancel_restocks_once_against_the_items(stack):
    """The cancel's restock is a 'cancel' movement, once: the ledger is back
    to the initial stock, and a second restock row is refused."""
    admin, product, order = ordered(stack)
    pid, oid = int(product["id"]), int(order["id"])
    response = api(stack, "POST", f"/api/v1/orders/{oid}/cancel", admin, json={"reason": "test"})
    assert response.status_code == 200, response.text
    assert product_stock(stack, pid) == 10
    assert stock_ledger(stack, pid) == (3, 10)
    env = stack.env
    done = subprocess.run(
        ["mariadb", "--protocol=socket", "-S", env["ORDERAPI_DB_SOCKET"], "-u", env["ORDERAPI_DB_USER"],
         f"-p{env['ORDERAPI_DB_PASSWORD']}", "-N", "-B", env["ORDERAPI_DB_NAME"], "-e",
         f"INSERT INTO stock_movements (product_id, delta, reason, order_id) VALUES ({pid}, 3, 'cancel', {oid})"],
        capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode != 0 and "Duplicate entry" in done.stderr, (done.returncode, done.stderr)
    assert_stock_consistent(stack, admin, pid)
