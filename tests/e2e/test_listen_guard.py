"""ORDERAPI_LISTEN (issue #11, item 5): every spelling of "every interface"
is refused unless ORDERAPI_ALLOW_PUBLIC_LISTEN=1, and the address the guard
checked is the address the socket is bound to."""

import os
import socket
import subprocess
import tempfile

import pytest

from conftest import ORDERAPI_BIN, TIMEOUT, parse_cgi_response, wait_until
from conftest import nginx_front_only

pytestmark = nginx_front_only("it checks listen addresses with orderapi itself, never through the front")

WILDCARDS = ["0.0.0.0", "0", "0.0", "0x0", "00", "", "*", "[::]", "[::ffff:0.0.0.0]", "[0:0:0:0:0:ffff:0:0]"]


def check_config(stack, listen, allow_public=None):
    """`orderapi check-config` with the stack's settings and --listen (a flag
    wins over the config file)."""
    env = dict(os.environ)
    env.pop("ORDERAPI_ALLOW_PUBLIC_LISTEN", None)
    if allow_public is not None:
        env["ORDERAPI_ALLOW_PUBLIC_LISTEN"] = allow_public
    return subprocess.run([str(ORDERAPI_BIN), "check-config", "--config", stack.env["ORDERAPI_CONFIG"],
                           "--listen", listen], env=env, capture_output=True, text=True, timeout=TIMEOUT)


@pytest.mark.parametrize("host", WILDCARDS)
def test_wildcard_listen_is_refused(stack, host):
    done = check_config(stack, f"{host}:9000")
    assert done.returncode != 0, done.stdout
    assert "ORDERAPI_ALLOW_PUBLIC_LISTEN" in done.stderr


@pytest.mark.parametrize("host", ["0", "[::]"])
def test_wildcard_listen_passes_when_allowed(stack, host):
    done = check_config(stack, f"{host}:9000", allow_public="1")
    assert done.returncode == 0, done.stderr


def free_loopback_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_short_ipv4_form_binds_the_loopback_address(stack):
    """"127.1" is 127.0.0.1 to inet_aton: the server listens exactly there
    and answers FastCGI on it."""
    port = free_loopback_port()
    config = stack.env["ORDERAPI_CONFIG"]
    with tempfile.TemporaryDirectory() as tmp:
        log = open(os.path.join(tmp, "own.log"), "wb")
        proc = subprocess.Popen([str(ORDERAPI_BIN), "serve", "--config", config, "--listen", f"127.1:{port}",
                                 "--workers", "1", "--pid-file", os.path.join(tmp, "own.pid")],
                                env=dict(os.environ, ORDERAPI_CONFIG=config), stdout=log, stderr=log,
                                start_new_session=True)
        try:
            def answers():
                env = {"PATH": "/usr/bin:/bin", "REQUEST_METHOD": "GET", "REQUEST_URI": "/health",
                       "SCRIPT_NAME": "/health", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1"}
                done = subprocess.run(["cgi-fcgi", "-bind", "-connect", f"127.0.0.1:{port}"], env=env,
                                      capture_output=True, timeout=TIMEOUT)
                return (done.returncode == 0 and b"\r\n\r\n" in done.stdout
                        and parse_cgi_response(done.stdout)[0] == 200)
            assert wait_until(answers, 15), open(os.path.join(tmp, "own.log")).read()
            listening = open("/proc/net/tcp").read().splitlines()[1:]
            local = f"0100007F:{port:04X}"  # 127.0.0.1, little-endian hex as the kernel prints it
            assert any(line.split()[1] == local and line.split()[3] == "0A" for line in listening)
            assert not any(line.split()[1] == f"00000000:{port:04X}" for line in listening)
        finally:
            proc.terminate()
            proc.wait(timeout=40)
