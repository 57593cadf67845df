"""The invariants checked after each experiment, in SQL and through the API:

- every acknowledged 201 exists, once, under its key, with its items (which
  are its sales in the stock ledger: no 'order' stock_movements row goes
  with them, sql/013) and its order.created event, and no stored first
  history row (the order implies it; the API's history shows it);
- no key (logical request) made two orders, and no refused request made one;
- every product's stock equals the sum of its ledger (stock_movements less
  the order items' quantities), and equals its
  starting stock less what the orders took; /admin/stock/health agrees;
- the relay published every outbox row to the orderapi:events stream;
- the relay applied every outbox row to the daily aggregates exactly once:
  they equal what the orders themselves sum to;
- through the API each customer's list counts their orders (no stale cached
  list), and acknowledged orders read back with their items and history.
"""

import time
from dataclasses import dataclass, field

import requests

from faultstack import e2e
from resp import stream_entries

STREAM = "orderapi:events"
API_SAMPLE = 60  # acknowledged orders read back through the API


@dataclass
class Verdict:
    lost: int = 0
    duplicated: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return self.lost == 0 and self.duplicated == 0 and not self.problems


# Per order of this run: its key, owner, and counts of what goes with it.
ORDER_ROWS = """
SELECT o.id, o.notes, o.user_id, o.item_count, o.total_quantity,
  (SELECT COUNT(*) FROM order_items i WHERE i.order_id = o.id),
  (SELECT COALESCE(SUM(i.quantity), 0) FROM order_items i WHERE i.order_id = o.id),
  (SELECT COUNT(*) FROM stock_movements m WHERE m.order_id = o.id AND m.reason = 'order'),
  (SELECT COUNT(*) FROM order_history h WHERE h.order_id = o.id
     AND h.kind = 'status' AND h.from_status IS NULL AND h.to_status = 'pending'),
  (SELECT COUNT(*) FROM outbox_events e WHERE e.order_id = o.id AND e.type = 'order.created')
FROM orders o WHERE o.notes LIKE '{prefix}-%'
"""


def check_all(stack, load, products, relay_wait=60):
    """Runs every check; returns a Verdict."""
    verdict = Verdict()
    if not stack.wait_healthy(60):
        verdict.problems.append("not healthy 60 s after the load")
    orders = order_rows(stack, load.prefix)
    check_orders(load, orders, verdict)
    token = admin_token(stack)
    if token is None:
        verdict.problems.append("the demo admin could not log in within 60 s after the load")
    check_stock(stack, token, products, verdict)
    check_events(stack, verdict, relay_wait)
    check_aggregates(stack, verdict, relay_wait)
    check_api(stack, load, orders, verdict)
    return verdict


def order_rows(stack, prefix):
    """key -> [row dict, …] for every order this run's clients made."""
    by_key = {}
    names = ("id", "key", "user_id", "item_count", "total_quantity", "items", "item_qty",
             "sale_movements", "history", "created_events")
    for row in stack.sql(ORDER_ROWS.format(prefix=prefix)):
        order = dict(zip(names, row))
        for name in names:
            if name != "key":
                order[name] = int(order[name]) if order[name] is not None else None
        by_key.setdefault(order["key"], []).append(order)
    return by_key


def check_orders(load, orders, verdict):
    requests_by_key = {r.key: r for r in load.logical()}
    for key, rows in orders.items():
        if len(rows) > 1:
            verdict.duplicated += 1
            if verdict.duplicated <= 3:
                verdict.problems.append(f"duplicated: {key} made orders {[row['id'] for row in rows]}")
        logical = requests_by_key.get(key)
        if logical is None:
            verdict.problems.append(f"order {rows[0]['id']} has a key no client sent: {key}")
            continue
        if logical.outcome == "refused":
            verdict.problems.append(f"{key} was refused ({logical.final_status}) yet made order {rows[0]['id']}")
        for row in rows:
            wrong = incomplete(row, logical, load.customers[logical.client].user_id)
            if wrong:
                verdict.problems.append(f"order {row['id']} ({key}): {wrong}")
    for logical in load.logical():
        if logical.outcome != "acked":
            continue
        ids = [row["id"] for row in orders.get(logical.key, [])]
        if logical.order_id not in ids:
            verdict.lost += 1
            if verdict.lost <= 3:
                verdict.problems.append(f"lost: {logical.key} was acknowledged as order {logical.order_id}, "
                                        f"SQL has {ids or 'none'}")


def incomplete(row, logical, user_id):
    """What an order's rows lack, or "" when it is complete."""
    lines, quantity = len(logical.lines), sum(logical.lines.values())
    wrong = []
    if row["user_id"] != user_id:
        wrong.append(f"owner {row['user_id']} (want {user_id})")
    if (row["item_count"], row["items"]) != (lines, lines) or (row["total_quantity"], row["item_qty"]) != (
            quantity, quantity):
        wrong.append(f"items {row['items']}/{row['item_qty']} (want {lines}/{quantity})")
    if row["sale_movements"] != 0:
        wrong.append(f"{row['sale_movements']} 'order' stock movements (the items are the sales)")
    if row["history"] != 0:
        wrong.append(f"{row['history']} stored first history rows (the order implies it)")
    if row["created_events"] != 1:
        wrong.append(f"{row['created_events']} order.created outbox rows")
    return ", ".join(wrong)


def check_stock(stack, admin_token, products, verdict):
    """Stock equals the ledger, and the starting stock less what was ordered."""
    ids = ",".join(str(p) for p in products)
    rows = stack.sql(
        "SELECT p.id, p.stock,"
        " (SELECT COALESCE(SUM(m.delta), 0) FROM stock_movements m WHERE m.product_id = p.id),"
        " (SELECT COALESCE(SUM(i.quantity), 0) FROM order_items i WHERE i.product_id = p.id)"
        f" FROM products p WHERE p.id IN ({ids})")
    for product_id, stock, movements, ordered in ((int(c) for c in row) for row in rows):
        ledger = movements - ordered  # the items are the sales (sql/013)
        if stock != ledger:
            verdict.problems.append(f"product {product_id}: stock {stock} != ledger {ledger}")
        if stock != products[product_id] - ordered:
            verdict.problems.append(f"product {product_id}: stock {stock} != {products[product_id]} - {ordered} ordered")
    if admin_token is None:
        return
    try:
        response = e2e.api(stack.api, "GET", e2e.STOCK_HEALTH_PATH, admin_token)
        if response.status_code != 200 or response.json().get("consistent") is not True:
            verdict.problems.append(f"stock health: {response.status_code} {response.text[:200]}")
    except requests.RequestException as error:
        verdict.problems.append(f"stock health: {error!r}")


class ListProbe:
    """A customer outside the load, for caches: its list is read (and so
    cached) first; it orders during a fault; right after the fault its list
    must count every order it has in SQL."""

    def __init__(self, stack, product_id):
        self.stack = stack
        self.product_id = product_id
        email, password, user = e2e.register_user(stack.api)
        self.token, self.user_id = e2e.login(stack.api, email, password), user["id"]
        self.placed = 0
        if e2e.place_order(stack.api, self.token, [(product_id, 1)]).status_code == 201:
            self.placed += 1
        self.list_total()

    def list_total(self):
        response = e2e.api(self.stack.api, "GET", e2e.ORDERS_PATH, self.token, params={"page_size": 1})
        return response.json()["total"] if response.status_code == 200 else None

    def order(self, run):
        """One order during the fault (a 201 is what makes the check bite)."""
        try:
            response = e2e.place_order(self.stack.api, self.token, [(self.product_id, 1)])
        except requests.RequestException as error:
            run.note(f"list probe: the order during the fault failed: {error!r}")
            return
        if response.status_code == 201:
            self.placed += 1
        else:
            run.note(f"list probe: the order during the fault got {response.status_code}")

    def check(self, run):
        in_sql = int(self.stack.sql(f"SELECT COUNT(*) FROM orders WHERE user_id = {int(self.user_id)}")[0][0])
        try:
            listed = self.list_total()
        except requests.RequestException as error:
            run.problem(f"list probe: GET /orders failed: {error!r}")
            return
        if listed != in_sql:
            run.problem(f"stale list: a customer who ordered during the fault lists {listed} orders, "
                        f"SQL has {in_sql} ({self.placed} acknowledged)")


def admin_token(stack, timeout=60):
    """The demo admin's token, retried while the API is slow or failing;
    None if it cannot be had."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return e2e.demo_admin_token(stack.api)
        except (requests.RequestException, AssertionError):
            if time.monotonic() >= deadline:
                return None
            time.sleep(1)


def unpublished(stack):
    return int(stack.sql("SELECT COUNT(*) FROM outbox_events WHERE published_at IS NULL")[0][0])


def check_events(stack, verdict, relay_wait):
    """Every outbox row (each experiment has a fresh database) is in the stream."""
    if not e2e.wait_until(lambda: unpublished(stack) == 0, relay_wait, interval=0.5):
        verdict.problems.append(f"the relay left {unpublished(stack)} outbox rows unpublished after {relay_wait} s")
    outbox = {int(r[0]): (r[1], r[2] or "") for r in
              stack.sql("SELECT id, type, order_id FROM outbox_events")}
    with stack.redis() as redis:
        seen = {}
        for _, fields in stream_entries(redis, STREAM):
            if fields.get("id", "").isdigit():
                seen.setdefault(int(fields["id"]), (fields.get("type"), fields.get("order_id", "")))
    missing = sorted(set(outbox) - set(seen))
    if missing:
        verdict.problems.append(f"{len(missing)} of {len(outbox)} outbox events not in the stream "
                                f"(first ids {missing[:5]})")
    wrong = [i for i in outbox if i in seen and seen[i] != outbox[i]]
    if wrong:
        verdict.problems.append(f"{len(wrong)} stream entries differ from their outbox rows (ids {wrong[:5]})")


def check_aggregates(stack, verdict, relay_wait):
    """Every event applied, and the statistics equal the orders' own sums."""
    def unapplied():
        return int(stack.sql("SELECT COUNT(*) FROM outbox_events WHERE aggregated_at IS NULL")[0][0])
    if not e2e.wait_until(lambda: unapplied() == 0, relay_wait, interval=0.5):
        verdict.problems.append(f"the relay left {unapplied()} outbox rows out of the statistics after {relay_wait} s")
    stats, sales = (int(v) for v in stack.sql(e2e.AGGREGATE_MISMATCHES)[0])
    if stats or sales:
        verdict.problems.append(f"the statistics differ from the orders: {stats} (day, status, payment) buckets,"
                                f" day totals or bucket running totals, {sales} (day, product) sales rows or"
                                f" product running totals or their packs")


def check_api(stack, load, orders, verdict):
    """Each customer's list total equals their orders in SQL (a stale cached
    list shows here); a sample of acknowledged orders reads back whole."""
    per_user = {}
    for rows in orders.values():
        for row in rows:
            per_user[row["user_id"]] = per_user.get(row["user_id"], 0) + 1
    stale = []
    try:
        for customer in load.customers:
            response = e2e.api(stack.api, "GET", e2e.ORDERS_PATH, customer.token, params={"page_size": 1})
            if response.status_code != 200:
                verdict.problems.append(f"GET /orders: {response.status_code} {response.text[:200]}")
                return
            total, want = response.json()["total"], per_user.get(customer.user_id, 0)
            if total != want:
                stale.append(f"{total}/{want} ({response.headers.get('X-Cache', '-')})")
        if stale:
            verdict.problems.append(f"API lists disagree with SQL (list/SQL): {', '.join(stale)}")
        acked = [r for r in load.logical() if r.outcome == "acked"]
        step = max(1, len(acked) // API_SAMPLE)
        for logical in acked[::step]:
            wrong = read_back(stack, load.customers[logical.client].token, logical)
            if wrong:
                verdict.problems.append(f"GET order {logical.order_id} ({logical.key}): {wrong}")
    except requests.RequestException as error:
        verdict.problems.append(f"API check: {error!r}")


def read_back(stack, token, logical):
    path = f"{e2e.ORDERS_PATH}/{logical.order_id}"
    response = e2e.api(stack.api, "GET", path, token)
    if response.status_code != 200:
        return f"{response.status_code} {response.text[:120]}"
    order = response.json()
    got = {item["product_id"]: item["quantity"] for item in order["items"]}
    if order["notes"] != logical.key or got != logical.lines:
        return f"notes {order['notes']!r}, items {got} (want {logical.lines})"
    history = e2e.api(stack.api, "GET", path + "/history", token)
    if history.status_code != 200:
        return f"history: {history.status_code}"
    steps = [(h["from_status"], h["to_status"]) for h in history.json()["data"]]
    if steps != [(None, "pending")]:
        return f"history {steps}"
    return ""
