"""tools/bench/cpucost.py — CPU time per request, measured per process.

The machine is shared (2 cores, other stacks and builds running), so the
figures come from the processes that serve the request, never from the
machine's totals:

  * a command run once per request (plain CGI) is measured by wait4(): the
    user+sys time the kernel charged to that child;
  * a long-lived server (nginx, orderapi's master and workers, Apache,
    MariaDB, Redis) is measured as a process tree: utime+stime+cutime+cstime
    of its root and every live descendant, from /proc/<pid>/stat, before
    and after a number of requests.  cutime/cstime carry the CPU of
    children the tree has reaped, so a CGI process Apache (or mod_cgid's
    daemon) spawned and reaped is counted too; so is a mod_fcgid process
    that exited (recycled) before the second snapshot.

Used by tools/bench/cgi-cpu; import it to measure other fronts:

    meter = TreeMeter({"apache": [apache_pid], "db": [mysqld_pid]})
    before = meter.snapshot()
    for _ in range(n): do_one_request()
    per_request_ms = meter.per_request_ms(before, meter.snapshot(), n)
"""

import http.client
import os
import subprocess
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return raw[raw.rindex(b")") + 2:].split()


def process_ticks(pid, children=True):
    """utime+stime (+cutime+cstime) of PID in clock ticks; 0 when gone."""
    f = _stat_fields(pid)
    if f is None:
        return 0
    # After ")": state=0 ppid=1 ... utime=11 stime=12 cutime=13 cstime=14
    ticks = int(f[11]) + int(f[12])
    if children:
        ticks += int(f[13]) + int(f[14])
    return ticks


def _parents():
    """{pid: ppid} for every process."""
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            f = _stat_fields(name)
            if f is not None:
                out[int(name)] = int(f[1])
    return out


def tree_pids(roots):
    """The roots and all their live descendants."""
    parents = _parents()
    found = {r for r in roots if r in parents}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return found


class TreeMeter:
    """CPU ticks of named groups of process trees ({name: [root pids]})."""

    def __init__(self, groups):
        self.groups = {name: [int(p) for p in pids if p] for name, pids in groups.items()}

    def snapshot(self):
        """{name: {pid: ticks}} over each group's current tree."""
        return {name: {pid: process_ticks(pid) for pid in tree_pids(roots)}
                for name, roots in self.groups.items()}

    def delta_ticks(self, before, after):
        """{name: ticks spent between the snapshots}.  A process in both
        counts its growth; one that appeared counts whole (it started after
        the first snapshot); one that left is in its parent's cutime."""
        out = {}
        for name in self.groups:
            b, a = before.get(name, {}), after.get(name, {})
            out[name] = sum(t - b.get(pid, 0) if pid in b else t for pid, t in a.items())
        return out

    def per_request_ms(self, before, after, requests):
        ticks = self.delta_ticks(before, after)
        return {name: t * 1000.0 / CLK_TCK / max(requests, 1) for name, t in ticks.items()}


def run_measured(argv, env, stdin_bytes=b""):
    """Runs argv once, feeding stdin_bytes; returns (stdout, user+sys
    seconds of the child by wait4, wall seconds)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        if stdin_bytes:
            proc.stdin.write(stdin_bytes)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return out, usage.ru_utime + usage.ru_stime, time.monotonic() - t0


def cgi_status(raw):
    """The status of a CGI response (200 when it names none)."""
    head = raw.partition(b"\r\n\r\n")[0].decode("latin-1")
    for line in head.split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "status":
            return int(value.split()[0])
    return 200 if head else 0


def cgi_env(base, method, uri, token=None, body=b"", content_type="application/json", remote="127.0.0.1"):
    """The environment Apache's mod_cgi(d) gives a script for this request
    (with CGIPassAuth On, so Authorization arrives as HTTP_AUTHORIZATION)."""
    path, _, query = uri.partition("?")
    env = dict(base)
    env.update({
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_SOFTWARE": "Apache",
        "SERVER_NAME": "localhost", "SERVER_ADDR": "127.0.0.1", "SERVER_PORT": "80",
        "REQUEST_SCHEME": "http", "REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": path,
        "QUERY_STRING": query, "REMOTE_ADDR": remote, "REMOTE_PORT": "40000", "HTTP_HOST": "localhost",
        "HTTP_USER_AGENT": "cgi-cpu", "HTTP_ACCEPT": "*/*",
    })
    if token:
        env["HTTP_AUTHORIZATION"] = "Bearer " + token
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
        env["CONTENT_TYPE"] = content_type
    return env


def http_loop(host, port, requests, make_request, concurrency=1):
    """Sends `requests` requests over keep-alive connections (`concurrency`
    of them); make_request(i) gives (method, path, headers, body).  Returns
    {status: count}."""
    statuses = {}
    lock = threading.Lock()
    counter = iter(range(requests))

    def client():
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            method, path, headers, body = make_request(i)
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                status = 0
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def median(values):
    s = sorted(values)
    n = len(s)
    return 0.0 if n == 0 else (s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2)
