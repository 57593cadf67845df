"""Steady create load with Idempotency-Keys, from client threads that behave
like careful real clients: each logical order has its own key (also put in
the order's notes, so SQL can tell which logical request made an order);
on a 5xx, a 409 idempotency_in_progress or a connection error the client
sends the SAME request with the SAME key again, until it gets a definitive
answer or gives up after `give_up` seconds.  Every attempt is recorded."""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import requests

ORDERS = "/api/v1/orders"
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 40  # above nginx's fastcgi_read_timeout (30 s): nginx answers first
RETRY_PAUSE = 0.2


@dataclass
class Attempt:
    started: float
    ended: float
    status: str  # "201", "503", …, or "conn" / "timeout" for no answer


@dataclass
class Logical:
    """One logical order request and how it ended."""
    client: int
    key: str
    lines: dict  # product id -> quantity
    outcome: str = "open"  # "acked", "refused" (a definitive non-201), "gave_up"
    order_id: int = None
    final_status: str = None
    attempts: int = 0


@dataclass
class Customer:
    token: str
    user_id: int


@dataclass
class Tally:
    attempts: list = field(default_factory=list)
    logical: list = field(default_factory=list)
    reads: Counter = field(default_factory=Counter)


class Load:
    """Starts `len(customers)` client threads placing orders on `products`
    until stop(); stop() waits for each client to settle its last order."""

    def __init__(self, url, customers, products, prefix, give_up=90, read_lists=True):
        self.url = url
        self.customers = customers
        self.products = products
        self.prefix = prefix
        self.give_up = give_up
        self.read_lists = read_lists
        self.stopping = threading.Event()
        self.tallies = [Tally() for _ in customers]
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                        for i in range(len(customers))]

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def stop(self):
        """Asks every client to stop after its current order; waits for them.
        Returns the clients that did not finish in time (should be none)."""
        self.stopping.set()
        deadline = time.monotonic() + self.give_up + READ_TIMEOUT + 10
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [t for t in self.threads if t.is_alive()]

    # ------------------------------------------------------------ results

    def attempts(self):
        return [a for t in self.tallies for a in t.attempts]

    def logical(self):
        return [r for t in self.tallies for r in t.logical]

    def acked_since(self, moment):
        """201s of attempts that started at or after moment, by end time."""
        return sorted(a.ended for a in self.attempts() if a.status == "201" and a.started >= moment)

    # ------------------------------------------------------------ clients

    def _client(self, index):
        customer = self.customers[index]
        tally = self.tallies[index]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {customer.token}"
        rng = random.Random(f"{self.prefix}-{index}")
        seq = 0
        while not self.stopping.is_set():
            seq += 1
            chosen = rng.sample(self.products, rng.randint(1, min(2, len(self.products))))
            order = Logical(index, f"{self.prefix}-c{index}-{seq}", {p: rng.randint(1, 3) for p in chosen})
            tally.logical.append(order)
            self._place(session, order, tally)
            if order.outcome == "acked" and self.read_lists:
                self._read_list(session, tally)

    def _place(self, session, order, tally):
        body = {"items": [{"product_id": p, "quantity": q} for p, q in order.lines.items()], "notes": order.key}
        headers = {"Idempotency-Key": order.key}
        deadline = time.monotonic() + self.give_up
        while True:
            order.attempts += 1
            started = time.monotonic()
            status, response, pause = self._attempt(session, body, headers)
            tally.attempts.append(Attempt(started, time.monotonic(), status))
            if status == "201":
                order.outcome, order.order_id = "acked", response.json()["id"]
                return
            if pause is None:  # a definitive answer
                order.outcome, order.final_status = "refused", status
                return
            if time.monotonic() + pause >= deadline:
                order.outcome, order.final_status = "gave_up", status
                return
            time.sleep(pause)

    def _attempt(self, session, body, headers):
        """One POST: (status label, response or None, pause before a retry or
        None when the answer is definitive)."""
        try:
            response = session.post(self.url + ORDERS, json=body, headers=headers,
                                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.Timeout:
            return "timeout", None, RETRY_PAUSE
        except requests.RequestException:
            return "conn", None, RETRY_PAUSE
        status = response.status_code
        if status == 201:
            return "201", response, None
        if status == 409 and problem_code(response) == "idempotency_in_progress":
            return "409", response, retry_after(response, cap=1.0)
        if status >= 500 or status == 429:
            return str(status), response, retry_after(response, cap=RETRY_PAUSE)
        return str(status), response, None

    def _read_list(self, session, tally):
        """Reads the client's own list (which fills the list cache, so a
        stale entry after a failed cache bump would show in the checks)."""
        try:
            response = session.get(self.url + ORDERS, params={"page_size": 1},
                                   timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
            tally.reads[str(response.status_code)] += 1
        except requests.RequestException:
            tally.reads["conn"] += 1


def problem_code(response):
    try:
        return response.json().get("code")
    except ValueError:
        return None


def retry_after(response, cap):
    """The pause before a retry: Retry-After (seconds) bounded by cap."""
    try:
        return min(cap, max(0.05, float(response.headers.get("Retry-After", cap))))
    except ValueError:
        return cap
