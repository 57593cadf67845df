#!/usr/bin/python3
"""The fault suite (issue #10): steady order-creating load with
Idempotency-Keys while workers, the master, the relay and MariaDB are
killed, MariaDB is frozen past the read timeout, Redis is stopped and filled
up, and orderapi is reloaded and stopped; after each, the invariants of
invariants.py are checked.  Prints one table row per experiment and exits 1
if any experiment lost or duplicated an order or broke an invariant.

    run.py [--short] [NAME …]     (./stack faults, and a stage of ./stack test)

Each experiment gets a stack of its own (./stack up in a fresh state
directory under /tmp/orderapi-faults.*, removed afterwards unless
ORDERAPI_KEEP_STATE=1) on the ports ORDERAPI_HTTP_PORT and ORDERAPI_DB_PORT
(default 18080 and 13307; Redis has no TCP port), with 3 workers and a
MariaDB read timeout of 3 s.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from experiments import EXPERIMENTS, SHORT  # noqa: E402
from faultstack import FaultStack, e2e  # noqa: E402
from invariants import check_all  # noqa: E402
from load import Customer, Load  # noqa: E402

SETTINGS = {"ORDERAPI_WORKERS": 3, "ORDERAPI_DB_READ_TIMEOUT": 3}
CLIENTS = 6
PRODUCTS = 4
START_STOCK = 1_000_000
RECOVERY_LIMIT = 60  # seconds after the fault's end to wait for a 201


@dataclass
class Pace:
    warmup: float  # seconds of load before the fault
    after: float   # seconds of load after the first 201 past the fault


FULL_PACE = Pace(warmup=4, after=4)
SHORT_PACE = Pace(warmup=2, after=2)


@dataclass
class Result:
    name: str
    requests: int = 0
    errors: Counter = field(default_factory=Counter)
    lost: int = 0
    duplicated: int = 0
    recovery: float = None
    gap: float = None
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0

    @property
    def ok(self):
        return self.lost == 0 and self.duplicated == 0 and not self.problems


class Run:
    """What an experiment function gets: the stack, and ways to report."""

    def __init__(self, stack, result, products):
        self.stack = stack
        self.products = products
        self.result = result
        self.fault_end = None
        self.settings = dict(SETTINGS)

    def fault_ended(self):
        self.fault_end = time.monotonic()

    def note(self, text):
        self.result.notes.append(text)

    def problem(self, text):
        self.result.problems.append(text)


def setup_data(stack):
    """The products {id: starting stock} and the customers of one experiment."""
    admin = e2e.demo_admin_token(stack.api)
    products = {}
    for _ in range(PRODUCTS):
        product = e2e.make_product(stack.api, admin, price="3.50", tax_rate="5.00", stock=START_STOCK)
        products[product["id"]] = START_STOCK
    customers = []
    for _ in range(CLIENTS):
        email, password, user = e2e.register_user(stack.api)
        customers.append(Customer(e2e.login(stack.api, email, password), user["id"]))
    return products, customers


def run_experiment(name, root, ports, pace):
    result = Result(name)
    started = time.monotonic()
    state_dir = root / name
    for n in range(2, 100):  # the same experiment twice in one run
        if not state_dir.exists():
            break
        state_dir = root / f"{name}-{n}"
    stack = FaultStack(state_dir, ports, SETTINGS)
    load = None
    try:
        stack.up()
        products, customers = setup_data(stack)
        load = Load(stack.api.url, customers, list(products), prefix=f"fault-{name}-{uuid.uuid4().hex[:8]}")
        load.start()
        load_started = time.monotonic()
        time.sleep(pace.warmup)
        run = Run(stack, result, list(products))
        EXPERIMENTS[name](run)
        if run.fault_end is None:
            run.fault_ended()
        wait_for_recovery(load, run, result, pace)
        result.gap = longest_gap(load, load_started, time.monotonic())
        stragglers = load.stop()
        if stragglers:
            result.problems.append(f"{len(stragglers)} clients still waiting for an answer")
        tally_load(load, result)
        verdict = check_all(stack, load, products)
        result.lost, result.duplicated = verdict.lost, verdict.duplicated
        result.problems += verdict.problems
    except Exception as error:  # an experiment that cannot run is a failed one
        if load is not None:
            load.stop()
        result.problems.append(f"{type(error).__name__}: {error}")
        traceback.print_exc()
    finally:
        teardown(stack, result)
    result.seconds = time.monotonic() - started
    return result


def wait_for_recovery(load, run, result, pace):
    """Waits for a 201 to a request sent after the fault's end; records the
    recovery time; lets the load run on for pace.after seconds."""
    def recovered():
        return bool(load.acked_since(run.fault_end))
    if e2e.wait_until(recovered, RECOVERY_LIMIT, interval=0.05):
        result.recovery = load.acked_since(run.fault_end)[0] - run.fault_end
    else:
        result.problems.append(f"no 201 within {RECOVERY_LIMIT} s of the fault's end")
    time.sleep(pace.after)


def longest_gap(load, start, end):
    """The longest time without a 201 answer while the load ran."""
    acks = [start] + sorted(a.ended for a in load.attempts() if a.status == "201" and a.ended <= end) + [end]
    return max(b - a for a, b in zip(acks, acks[1:]))


def tally_load(load, result):
    attempts = load.attempts()
    result.requests = len(attempts)
    result.errors = Counter(a.status for a in attempts if a.status != "201")
    gave_up = sum(1 for r in load.logical() if r.outcome == "gave_up")
    if gave_up:
        result.errors["gave up"] = gave_up


def teardown(stack, result):
    try:
        stack.down()
    except Exception as error:
        result.problems.append(f"./stack down: {error}")
    if os.environ.get("ORDERAPI_KEEP_STATE") != "1":
        # The logs stay until the whole run is over; the data goes now.
        shutil.rmtree(stack.state_dir / "data", ignore_errors=True)


# ---------------------------------------------------------------- report

def seconds(value):
    return "-" if value is None else f"{value:.1f} s"


def format_errors(errors):
    if not errors:
        return "-"
    return " ".join(f"{status}:{count}" for status, count in sorted(errors.items()))


def print_table(results):
    rows = [("experiment", "requests", "errors by status", "lost", "duplicated", "recovery", "longest gap",
             "result")]
    for r in results:
        rows.append((r.name, str(r.requests), format_errors(r.errors), str(r.lost), str(r.duplicated),
                     seconds(r.recovery), seconds(r.gap), "PASS" if r.ok else "FAIL"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("\n".join(lines))
    for r in results:
        for note in r.notes:
            print(f"{r.name}: note: {note}")
        for problem in r.problems:
            print(f"{r.name}: FAIL: {problem}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help=f"the short form: {', '.join(SHORT)}")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"experiments ({', '.join(EXPERIMENTS)})")
    options = parser.parse_args()
    unknown = [n for n in options.names if n not in EXPERIMENTS]
    if unknown:
        parser.error(f"unknown experiment {unknown[0]} (one of {', '.join(EXPERIMENTS)})")
    names = options.names or (SHORT if options.short else list(EXPERIMENTS))
    pace = SHORT_PACE if options.short else FULL_PACE
    ports = (int(os.environ.get("ORDERAPI_HTTP_PORT", 18080)), int(os.environ.get("ORDERAPI_DB_PORT", 13307)))
    root = Path(tempfile.mkdtemp(prefix="orderapi-faults.", dir="/tmp"))
    results = []
    try:
        for name in names:
            print(f"==== {name} ====", flush=True)
            results.append(run_experiment(name, root, ports, pace))
            r = results[-1]
            print(f"{name}: {'PASS' if r.ok else 'FAIL'} in {r.seconds:.0f} s "
                  f"({r.requests} requests, lost {r.lost}, duplicated {r.duplicated})", flush=True)
    finally:
        if os.environ.get("ORDERAPI_KEEP_STATE") == "1" or not all(r.ok for r in results):
            print(f"logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print()
    print_table(results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
