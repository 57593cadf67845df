"""The event relay: outbox rows reach the Redis stream orderapi:events
promptly, at least once, without losing or reordering an order's events when
the relay or Redis is killed mid-way."""

import os
import select
import signal
import subprocess
import threading
import time

from conftest import (aggregate_mismatches, api, create_order, demo_admin_token, make_product, mysql,
                      new_customer, redis_cli, stats_caught_up, unaggregated, wait_until, TIMEOUT)

STREAM = "orderapi:events"


def stream_entries(stack):
    """Every entry of the stream as (stream id, fields dict), in stream order."""
    out = redis_cli(stack, "--no-raw", "XRANGE", STREAM, "-", "+")
    entries = []
    # --no-raw prints numbered nested lists; parse the raw mode instead.
    raw = redis_cli(stack, "XRANGE", STREAM, "-", "+").splitlines()
    i = 0
    while i < len(raw):
        entry_id = raw[i]
        i += 1
        fields = {}
        while i < len(raw) and not (raw[i].count("-") == 1 and raw[i].replace("-", "").isdigit()):
            name = raw[i]
            value = raw[i + 1] if i + 1 < len(raw) else ""
            fields[name] = value
            i += 2
        entries.append((entry_id, fields))
    del out
    return entries


def unpublished(stack):
    return int(mysql(stack, "SELECT COUNT(*) FROM outbox_events WHERE published_at IS NULL")[0][0])


def assert_stream_matches_outbox(stack, since_id):
    """Every outbox row after since_id is in the stream, and each order's
    events appear in id order."""
    assert wait_until(lambda: unpublished(stack) == 0, 20), "the relay did not publish everything"
    rows = mysql(stack, f"SELECT id, type, COALESCE(order_id, '') FROM outbox_events WHERE id > {since_id}")
    expected = {int(r[0]): (r[1], r[2]) for r in rows}
    seen = {}
    per_order = {}
    for _, fields in stream_entries(stack):
        if "id" not in fields or int(fields["id"]) <= since_id:
            continue
        event_id = int(fields["id"])
        seen.setdefault(event_id, (fields["type"], fields["order_id"]))
        if fields["order_id"]:
            per_order.setdefault(fields["order_id"], []).append(event_id)
    missing = sorted(set(expected) - set(seen))
    assert not missing, f"events never published: {missing[:20]}"
    for event_id, (kind, order_id) in expected.items():
        assert seen[event_id] == (kind, order_id)
    for order_id, ids in per_order.items():
        first_seen = list(dict.fromkeys(ids))
        assert first_seen == sorted(first_seen), f"order {order_id}: events out of order {ids}"
    return len(expected)


def last_outbox_id(stack):
    return int(mysql(stack, "SELECT COALESCE(MAX(id), 0) FROM outbox_events")[0][0])


def test_an_order_event_is_published_with_every_field(stack):
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=50)
    token, _ = new_customer(stack)
    order = create_order(stack, token, [(product["id"], 2)])
    row = mysql(stack, f"SELECT id FROM outbox_events WHERE order_id = {order['id']} AND type = 'order.created'")
    event_id = row[0][0]

    def published():
        return any(f.get("id") == event_id for _, f in stream_entries(stack))
    # Promptly: the worker wakes the relay after its commit (the relay would
    # otherwise look again within a second).
    assert wait_until(published, 3), "order.created never reached the stream"
    fields = next(f for _, f in stream_entries(stack) if f.get("id") == event_id)
    assert fields["type"] == "order.created"
    assert fields["order_id"] == str(order["id"])
    assert fields["created_at"].endswith("Z")
    import json
    payload = json.loads(fields["payload"])
    assert payload["order_number"] == order["order_number"]
    assert payload["items"] == [{"product_id": product["id"], "quantity": 2,
                                 "total_amount": order["items"][0]["total_amount"]}]
    # What the statistics are kept from (the relay's aggregator).
    assert (payload["status"], payload["payment_status"]) == ("pending", "pending")
    assert payload["total_amount"] == order["total_amount"]
    assert payload["created_at"] == order["created_at"]


def test_a_burst_of_orders_is_published_in_few_batches_and_promptly(stack):
    """After a wake-up the relay waits ORDERAPI_RELAY_GATHER_MS (50 ms) before
    it reads the outbox, so a burst of commits goes out in a few batches
    rather than one query pair each.  A batch is marked with one UPDATE, so
    its rows share one published_at."""
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=100000)
    customers = [new_customer(stack)[0] for _ in range(8)]
    since = last_outbox_id(stack)
    failures = []

    def shopper(token):
        for _ in range(6):
            response = api(stack, "POST", "/api/v1/orders", token,
                           json={"items": [{"product_id": product["id"], "quantity": 1}]})
            if response.status_code != 201:
                failures.append(response.status_code)

    threads = [threading.Thread(target=shopper, args=(t,)) for t in customers]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    assert wait_until(lambda: unpublished(stack) == 0, 5), "the burst was not published"
    elapsed = time.monotonic() - started
    rows = mysql(stack, f"SELECT COUNT(*), COUNT(DISTINCT published_at),"
                        f" MAX(TIMESTAMPDIFF(MICROSECOND, created_at, published_at))"
                        f" FROM outbox_events WHERE id > {since} AND type = 'order.created'")
    events, batches, slowest_us = (int(v) for v in rows[0])
    assert events == 48
    # Promptly: no event waited a second between its commit and the stream.
    assert slowest_us < 1_000_000, (slowest_us, elapsed)
    # Each batch after a wake-up follows a 50 ms pause, so the burst (from
    # its first commit to its last publication) holds at most one batch per
    # 50 ms; without the pause it is close to one batch per order.
    assert batches <= (elapsed + 0.05) / 0.050 + 1, (events, batches, elapsed)
    assert batches < events, (events, batches)


def test_kill_relay_during_a_burst_loses_and_reorders_nothing(stack):
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=100000)
    customers = [new_customer(stack)[0] for _ in range(4)]
    since = last_outbox_id(stack)
    stop = threading.Event()
    failures = []

    def shopper(token):
        while not stop.is_set():
            response = api(stack, "POST", "/api/v1/orders", token,
                           json={"items": [{"product_id": product["id"], "quantity": 1}]})
            if response.status_code != 201:
                failures.append(response.status_code)
                return
            order_id = response.json()["id"]
            # A second event for the same order, to check per-order order.
            cancel = api(stack, "POST", f"/api/v1/orders/{order_id}/cancel", token)
            if cancel.status_code != 200:
                failures.append(cancel.status_code)
                return

    threads = [threading.Thread(target=shopper, args=(t,)) for t in customers]
    for t in threads:
        t.start()
    killed = 0
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        time.sleep(0.7)
        pid = stack.relay_pid()
        if pid:
            subprocess.run(["kill", "-9", str(pid)], check=False)
            killed += 1
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not failures, failures
    assert killed >= 3
    assert wait_until(lambda: stack.relay_pid() is not None, 10), "the master did not restart the relay"
    published = assert_stream_matches_outbox(stack, since)
    assert published >= 20
    # The statistics too: every order and every cancel counted exactly once.
    assert wait_until(lambda: unaggregated(stack) == 0, 30), "the relay did not apply every event"
    assert aggregate_mismatches(stack) == (0, 0)


def hold_row_lock(stack, sql):
    """A MariaDB session that runs sql (a locking read) in an open
    transaction and keeps it open until the returned client's stdin gets
    ROLLBACK and is closed."""
    env = stack.env
    client = subprocess.Popen(
        ["mariadb", "--protocol=socket", "-S", env["ORDERAPI_DB_SOCKET"], "-u", env["ORDERAPI_DB_USER"],
         f"-p{env['ORDERAPI_DB_PASSWORD']}", "--unbuffered", "-N", "-B", env["ORDERAPI_DB_NAME"]],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    client.stdin.write(f"START TRANSACTION; {sql}; SELECT 'held';\n")
    client.stdin.flush()
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([client.stdout], [], [], 1)
        if ready and client.stdout.readline().strip() == "held":
            return client
    client.kill()
    raise AssertionError("the lock was not taken")


def aggregator_waiting(stack):
    return int(mysql(stack, "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
                            " WHERE INFO LIKE 'INSERT INTO order_stats_daily%'")[0][0])


def test_kill_relay_in_the_middle_of_an_aggregate_batch_counts_every_order_once(stack):
    """The relay applies a batch of events to the statistics in one
    transaction that also marks them applied.  Held up inside that
    transaction (its update of today's pending bucket waits for a row lock
    a test session holds) and killed with -9 there, it has marked and
    counted nothing: the restarted relay applies the batch again, and every
    order is counted exactly once."""
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=1000)
    token, _ = new_customer(stack)
    create_order(stack, token, [(product["id"], 1)])  # today's pending bucket exists
    stats_caught_up(stack)
    before = aggregate_mismatches(stack)
    assert before == (0, 0), before
    holder = hold_row_lock(stack, "SELECT orders INTO @held FROM order_stats_daily WHERE day = UTC_DATE()"
                                  " AND status = 'pending' AND payment_status = 'pending' FOR UPDATE")
    try:
        orders = [create_order(stack, token, [(product["id"], 2)]) for _ in range(5)]
        api(stack, "POST", f"/api/v1/orders/{orders[0]['id']}/cancel", token)
        assert wait_until(lambda: aggregator_waiting(stack) > 0, 20), "the relay never reached the bucket"
        assert unaggregated(stack) >= 6  # its marks are not committed
        relay = stack.relay_pid()
        assert relay is not None
        subprocess.run(["kill", "-9", str(relay)], check=True)
    finally:
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
        holder.wait(timeout=TIMEOUT)
    assert wait_until(lambda: stack.relay_pid() not in (None, relay), 10), "the master did not restart the relay"
    assert wait_until(lambda: unaggregated(stack) == 0, 30), "the restarted relay did not apply the batch"
    assert aggregate_mismatches(stack) == (0, 0)


def test_redis_restart_mid_way_loses_nothing(stack):
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=1000)
    token, _ = new_customer(stack)
    since = last_outbox_id(stack)
    for _ in range(5):
        create_order(stack, token, [(product["id"], 1)])
    stack.svc("stop", "redis")
    try:
        # Events written while Redis is away wait in the outbox: a stock
        # adjustment needs no Redis and writes stock.low when it crosses 5.
        response = api(stack, "POST", f"/api/v1/products/{product['id']}/stock-adjustments", admin,
                       json={"delta": -992, "reason": "count"})
        assert response.status_code in (200, 503)
    finally:
        stack.svc("start", "redis")
    assert wait_until(lambda: stack.health_status() == 200, 15)
    assert_stream_matches_outbox(stack, since)


def test_statistics_advance_while_redis_is_down(stack, healthy_afterwards):
    """The relay applies events to the statistics with MySQL alone: an event
    committed just before Redis stops is counted while Redis is still down
    (and published once it is back)."""
    admin = demo_admin_token(stack)
    product = make_product(stack, admin, stock=100)
    token, _ = new_customer(stack)
    stats_caught_up(stack)
    relay = stack.relay_pid()
    assert relay is not None
    os.kill(relay, signal.SIGSTOP)  # the event waits in the outbox
    try:
        create_order(stack, token, [(product["id"], 1)])
        stack.svc("stop", "redis")
    finally:
        os.kill(relay, signal.SIGCONT)
    try:
        assert wait_until(lambda: unaggregated(stack) == 0, 20), "the statistics waited for Redis"
        assert unpublished(stack) > 0
        assert aggregate_mismatches(stack) == (0, 0)
    finally:
        stack.svc("start", "redis")
    assert wait_until(lambda: stack.health_status() == 200, 15)
    assert wait_until(lambda: unpublished(stack) == 0, 20), "the event was not published after Redis came back"
