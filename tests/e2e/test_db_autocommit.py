"""Transactions begun without START TRANSACTION (store/db.c, db_tx): a
connection that ran transactions back to back keeps autocommit off between
them, and a read outside a transaction must switch it back on first, so that
it never runs in a transaction left open, on an old snapshot.

The stock health report reads MariaDB on every request (never cached): after
orders on every worker, a change made straight in MariaDB between two reads
must show in the second one, whichever worker answers.
"""
from conftest import (STOCK_HEALTH_PATH, api, create_order, demo_admin_token, make_product, mysql,
                      new_customer)

ROUNDS = 3
READS = 8  # per round, so that every worker answers some


def mismatch_of(stack, admin, product_id):
    response = api(stack, "GET", STOCK_HEALTH_PATH, admin)
    assert response.status_code == 200, response.text
    for m in response.json()["ledger_mismatches"]:
        if m["product_id"] == product_id:
            return m["stock"], m["ledger_sum"]
    return None


def test_reads_after_transactions_see_later_commits(stack):
    admin = demo_admin_token(stack)
    token, _ = new_customer(stack)
    product = make_product(stack, admin, stock=1000)
    pid = int(product["id"])
    stock = 1000
    for _ in range(ROUNDS):
        # Orders back to back on every worker: their connections keep
        # autocommit off after them.
        for _ in range(8):
            create_order(stack, token, [(pid, 1)])
            stock -= 1
        # Reads outside a transaction; a bug would leave each in an open
        # transaction holding the snapshot of its first read.
        for _ in range(READS):
            assert mismatch_of(stack, admin, pid) is None
        mysql(stack, f"UPDATE products SET stock = stock + 5 WHERE id = {pid}")
        try:
            seen = [mismatch_of(stack, admin, pid) for _ in range(READS)]
        finally:
            mysql(stack, f"UPDATE products SET stock = stock - 5 WHERE id = {pid}")
        assert seen == [(stock + 5, stock)] * READS, seen
    assert mismatch_of(stack, admin, pid) is None
