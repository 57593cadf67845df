"""The experiments: each injects one fault into a stack under load, and
marks the moment the fault ends (run.fault_ended()), from which recovery
is measured.  Each leaves the stack running (it puts back what it broke);
the runner then lets the load go on, stops it and checks the invariants."""

import random
import signal
import time

from faultstack import e2e, kill, wait_gone
from invariants import ListProbe
from resp import RedisError

SUPERVISOR_GRACE = 3  # seconds a dead master is given to come back by itself


def kill_worker(run):
    """kill -9 a worker (busy: the load keeps them all busy), three times."""
    for _ in range(3):
        workers = sorted(run.stack.worker_pids())
        if not workers:
            run.problem("no worker to kill")
            return
        victim = random.choice(workers)
        kill(victim)
        run.fault_ended()
        time.sleep(1)


def kill_master(run):
    """kill -9 the master; its workers drain and exit with it.  A supervisor,
    if there is one, brings it back; otherwise `./stack svc start orderapi`."""
    master = run.stack.master_pid()
    kill(master)
    if not wait_gone(master, 10):
        run.problem(f"master {master} still there 10 s after SIGKILL")
    deadline = time.monotonic() + SUPERVISOR_GRACE
    while time.monotonic() < deadline:
        again = run.stack.master_pid()
        if again not in (None, master):
            run.fault_ended()
            run.note(f"the master came back by itself (pid {again})")
            return
        time.sleep(0.2)
    run.note("nothing restarted the master: ./stack svc start orderapi")
    run.stack.svc("start", "orderapi")
    run.fault_ended()


def kill_relay(run):
    """kill -9 the event relay three times; the master restarts it."""
    for _ in range(3):
        relay = run.stack.relay_pid()
        if relay is None:
            run.problem("no relay to kill")
            return
        kill(relay)
        run.fault_ended()
        time.sleep(1)


def kill_mariadb(run):
    """kill -9 MariaDB, then start it again (InnoDB crash recovery)."""
    pid = run.stack.mariadb_pid()
    kill(pid)
    wait_gone(pid, 10)
    time.sleep(1)
    run.stack.svc("start", "mariadb")
    run.fault_ended()


def freeze_mariadb(run):
    """SIGSTOP MariaDB for a second longer than orderapi's read timeout, then
    SIGCONT; five times.  A request whose COMMIT was in flight does not
    know whether it committed (the server applies it when it wakes up, a
    second after the request gave up); whether a freeze catches a COMMIT in
    flight is chance, hence several."""
    pid = run.stack.mariadb_pid()
    for _ in range(5):
        kill(pid, signal.SIGSTOP)
        try:
            time.sleep(run.settings["ORDERAPI_DB_READ_TIMEOUT"] + 1)
        finally:
            kill(pid, signal.SIGCONT)
        run.fault_ended()
        time.sleep(1.5)


def stop_redis(run):
    """./stack svc stop redis (SIGTERM), a few seconds without it, start it."""
    run.stack.svc("stop", "redis")
    time.sleep(3)
    run.stack.svc("start", "redis")
    run.fault_ended()


def redis_oom(run):
    """Redis out of memory: maxmemory a little above what it uses, with
    noeviction, then filled with filler keys until it refuses writes; after
    a few seconds the filler goes and the limit is lifted.  A customer
    outside the load reads its list before (so it is cached) and orders
    while Redis refuses writes: right after, its list must show the order."""
    probe = ListProbe(run.stack, run.products[0])
    with run.stack.redis() as redis:
        before = redis("CONFIG", "GET", "maxmemory")[1]
        used = int(dict(line.split(":", 1) for line in redis("INFO", "memory").decode().split()
                        if ":" in line)["used_memory"])
        redis("CONFIG", "SET", "maxmemory-policy", "noeviction")
        redis("CONFIG", "SET", "maxmemory", used + 512 * 1024)
        fillers = []
        try:
            try:
                for n in range(10000):
                    fillers.append(f"orderapi:faults:fill:{n}")
                    redis("SET", fillers[-1], b"x" * 16384)
                run.problem("Redis never refused a write")
            except RedisError as error:
                run.note(f"Redis full after {len(fillers)} filler keys ({str(error)[:30]})")
            # Full, and kept full: a few kilobytes freed (a client's buffers)
            # must not let writes through again.
            redis("CONFIG", "SET", "maxmemory", used)
            time.sleep(2)
            probe.order(run)
            time.sleep(2)
        finally:
            if fillers:
                redis("DEL", *fillers)
            redis("CONFIG", "SET", "maxmemory", before)
    run.fault_ended()
    probe.check(run)


def sighup(run):
    """SIGHUP the master eight times, 0.2 to 1 s apart (each replaces every
    worker); then the old generations must have drained away."""
    for _ in range(8):
        kill(run.stack.master_pid(), signal.SIGHUP)
        run.fault_ended()
        time.sleep(random.uniform(0.2, 1.0))
    wanted = run.stack.api.workers_wanted
    if not e2e.wait_until(lambda: len(run.stack.worker_pids()) == wanted, 45):
        run.problem(f"{len(run.stack.worker_pids())} workers 45 s after the last SIGHUP (want {wanted})")


def sigterm(run):
    """SIGTERM orderapi (it drains; ./stack svc stop waits for it), then start it."""
    run.stack.svc("stop", "orderapi")
    run.stack.svc("start", "orderapi")
    run.fault_ended()


EXPERIMENTS = {
    "kill-worker": kill_worker,
    "kill-master": kill_master,
    "kill-relay": kill_relay,
    "kill-mariadb": kill_mariadb,
    "freeze-mariadb": freeze_mariadb,
    "stop-redis": stop_redis,
    "redis-oom": redis_oom,
    "sighup": sighup,
    "sigterm": sigterm,
}

# The shortened form `./stack test` runs: one of each kind of fault
# (orderapi's own processes, MariaDB, Redis), with a short load, about
# 2.5 minutes in all (kill-mariadb leaves keys in progress, which their
# clients wait 60 s out).
SHORT = ["kill-master", "kill-mariadb", "freeze-mariadb", "stop-redis", "redis-oom"]
