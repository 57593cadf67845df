"""A master of a test's own: `orderapi serve` on a unix socket in a
temporary directory, with the stack's MariaDB and Redis (through a config
file), for tests that kill, reload or break it and must leave the stack's
master alone.  The master runs in a process group of its own, and leaving
the `with` block stops the whole group, whatever the test did to it, so no
worker outlives the test."""

import contextlib
import os
import signal
import subprocess

from conftest import ORDERAPI_BIN, TIMEOUT, children_of, parse_cgi_response, process_name, wait_until


@contextlib.contextmanager
def own_master(tmp, config, *flags, workers=2, extra_env=None):
    """Runs `orderapi serve --config config --workers workers flags...` on
    tmp/own.sock, logging to tmp/own.log; yields (proc, sock, log path)."""
    sock = os.path.join(tmp, "own.sock")
    log_path = os.path.join(tmp, "own.log")
    env = dict(os.environ, ORDERAPI_CONFIG=str(config), **(extra_env or {}))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(ORDERAPI_BIN), "serve", "--config", str(config), "--workers", str(workers),
                                 "--listen", f"unix:{sock}", "--pid-file", os.path.join(tmp, "own.pid"), *flags],
                                env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        assert wait_until(lambda: os.path.exists(sock), 10), "the master did not open its socket"
        yield proc, sock, log_path
    finally:
        stop_group(proc)


def stop_group(proc):
    """SIGTERM to the master (a graceful stop), then SIGKILL to whatever is
    left of its process group: workers of a master that was killed or hung."""
    try:
        proc.terminate()
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def own_workers(proc):
    return {pid for pid in children_of(proc.pid) if process_name(pid) == "orderapi-worker"}


def fcgi(sock, method, uri, body=b"", headers=None, timeout=TIMEOUT):
    """One request over FastCGI on a unix socket (cgi-fcgi); (status,
    headers, body), or (None, {}, b"") when nothing was answered."""
    path, _, query = uri.partition("?")
    env = {"PATH": "/usr/bin:/bin", "REQUEST_METHOD": method, "REQUEST_URI": uri, "SCRIPT_NAME": path,
           "QUERY_STRING": query, "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
           "CONTENT_LENGTH": str(len(body))}
    if body:
        env["CONTENT_TYPE"] = "application/json"
    for name, value in (headers or {}).items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    done = subprocess.run(["cgi-fcgi", "-bind", "-connect", sock], env=env, input=body, capture_output=True,
                          timeout=timeout)
    if not done.stdout:
        return None, {}, b""
    return parse_cgi_response(done.stdout)
