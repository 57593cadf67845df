"""One experiment's stack: started with `./stack up` in a state directory of
its own (on the suite's ports, with the suite's settings), reached through
the e2e suite's Stack helper, and poked at: SQL, Redis, pids, signals."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
import conftest as e2e  # noqa: E402  (the e2e helpers: Stack, accounts, products)

from resp import Redis  # noqa: E402

REPO = e2e.REPO
STACK = e2e.STACK


class StackError(Exception):
    """A ./stack command failed; the message holds the end of its output."""


def stack_environment(state_dir, ports, settings):
    """The environment of every ./stack command of one experiment: nothing
    of the caller's own stack leaks in (its ORDERAPI_* and STACK_* are
    dropped), then the suite's state directory, ports and settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERAPI_", "STACK_"))}
    env["ORDERAPI_STATE_DIR"] = str(state_dir)
    env["ORDERAPI_HTTP_PORT"], env["ORDERAPI_DB_PORT"] = map(str, ports)
    env.update({k: str(v) for k, v in settings.items()})
    return env


class FaultStack:
    def __init__(self, state_dir, ports, settings):
        self.state_dir = Path(state_dir)
        self.env = stack_environment(self.state_dir, ports, settings)
        self.log = self.state_dir.parent / (self.state_dir.name + ".stack.log")
        self.api = None  # the e2e Stack, once up

    # ------------------------------------------------------------ ./stack

    def run(self, *args, timeout=300):
        """Runs ./stack ARGS; its output goes to <state dir>.stack.log."""
        with open(self.log, "a") as log:
            log.write(f"\n$ ./stack {' '.join(args)}   ({time.strftime('%H:%M:%S')})\n")
            log.flush()
            done = subprocess.run([str(STACK), *args], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=timeout)
        if done.returncode != 0:
            tail = "".join(self.log.read_text().splitlines(True)[-25:])
            raise StackError(f"./stack {' '.join(args)} exited {done.returncode}:\n{tail}")

    def up(self):
        self.run("up", timeout=600)
        self.api = e2e.Stack(self.state_dir)

    def down(self):
        self.run("down", timeout=180)

    def svc(self, action, service):
        self.run("svc", action, service, timeout=180)

    @property
    def settings(self):
        return self.api.env

    # ------------------------------------------------------------ processes

    def pid_of(self, pid_file_setting, comm):
        """The live process a pid file names (its comm containing comm), or None."""
        try:
            pid = int(Path(self.settings[pid_file_setting]).read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if comm in e2e.process_name(pid) and not is_zombie(pid) else None

    def master_pid(self):
        return self.pid_of("ORDERAPI_PID_FILE", "orderapi")

    def mariadb_pid(self):
        return self.pid_of("STACK_MARIADB_PID_FILE", "mariadbd")

    def redis_pid(self):
        return self.pid_of("STACK_REDIS_PID_FILE", "redis-server")

    def worker_pids(self):
        master = self.master_pid()
        if master is None:
            return set()
        return {p for p in e2e.children_of(master) if e2e.process_name(p) != "orderapi-relay"}

    def relay_pid(self):
        master = self.master_pid()
        if master is None:
            return None
        relays = [p for p in e2e.children_of(master) if e2e.process_name(p) == "orderapi-relay"]
        return relays[0] if relays else None

    def healthy(self):
        return self.api.health_status() == 200

    def wait_healthy(self, timeout):
        """A run of 200s from /health (every worker, not just the first)."""
        run = 4 * self.api.workers_wanted
        return e2e.wait_until(lambda: all(self.healthy() for _ in range(run)), timeout, interval=0.5)

    # ------------------------------------------------------------ data

    def sql(self, query, timeout=30):
        """Rows of one query, as lists of strings (NULL as None), run with
        the mariadb client over the stack's socket as the application user."""
        env = self.settings
        done = subprocess.run(
            ["mariadb", "--no-defaults", "--protocol=socket", "-S", env["ORDERAPI_DB_SOCKET"],
             "-u", env["ORDERAPI_DB_USER"], f"-p{env['ORDERAPI_DB_PASSWORD']}", "-N", "-B",
             env["ORDERAPI_DB_NAME"], "-e", query],
            capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"SQL failed: {done.stderr.strip()}\n{query}")
        return [[None if cell == "NULL" else cell for cell in line.split("\t")]
                for line in done.stdout.splitlines() if line]

    def redis(self):
        return Redis(self.settings["ORDERAPI_REDIS_SOCKET"],
                     password=self.settings.get("ORDERAPI_REDIS_PASSWORD"))


def is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def kill(pid, signum=signal.SIGKILL):
    """Signals pid; False when it was already gone."""
    try:
        os.kill(pid, signum)
        return True
    except ProcessLookupError:
        return False


def wait_gone(pid, timeout):
    return e2e.wait_until(lambda: is_zombie(pid), timeout)
