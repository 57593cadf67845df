"""The stack's Redis: no TCP listener, and nothing without the password.

Anyone on the machine who could reach Redis unauthenticated could delete
``orderapi:revoked:<jti>`` and bring a logged-out token back; these tests
try exactly that, on the socket, without and with a wrong password.
"""

import os
import socket
import stat
from pathlib import Path

from conftest import (bearer, check_problem_response, login, redis_cli, register_user)
from conftest import nginx_front_only

pytestmark = nginx_front_only("it speaks to Redis directly; the front plays no part")


def resp_command(*args):
    """One command in the Redis protocol (RESP)."""
    out = b"*%d\r\n" % len(args)
    for arg in args:
        data = arg.encode() if isinstance(arg, str) else arg
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    return out


def raw_redis(stack, *commands):
    """Sends commands on the stack's Redis socket with no AUTH of ours (not
    redis-cli, which would pick up REDISCLI_AUTH); the first line of each reply."""
    replies = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(stack.env["ORDERAPI_REDIS_SOCKET"])
        reader = s.makefile("rb")
        for command in commands:
            s.sendall(resp_command(*command))
            replies.append(reader.readline().decode().rstrip("\r\n"))
    return replies


def redis_pid(stack):
    return int(Path(stack.env["STACK_REDIS_PID_FILE"]).read_text().strip())


def listening_tcp_inodes():
    """The socket inodes of every listening TCP socket on the machine."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A":  # TCP_LISTEN
                inodes.add(fields[9])
    return inodes


def socket_inodes_of(pid):
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def test_redis_has_no_tcp_listener(stack):
    pid = redis_pid(stack)
    own = socket_inodes_of(pid)
    assert own, "redis-server holds no socket at all: is the pid file right?"
    assert not own & listening_tcp_inodes(), "the stack's Redis listens on a TCP port"
    assert redis_cli(stack, "CONFIG", "GET", "port").split() == ["port", "0"]


def test_unauthenticated_commands_are_refused(stack):
    email, _, _ = register_user(stack)
    token = login(stack, email)
    assert stack.request("POST", "/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    keys = redis_cli(stack, "--scan", "--pattern", "orderapi:revoked:*").split()
    assert keys, "logout wrote no orderapi:revoked:* key"

    # Without AUTH, and with a wrong password: every command is refused.
    replies = raw_redis(stack, ("PING",), *[("DEL", key) for key in keys],
                        ("AUTH", "not-the-password"), *[("DEL", key) for key in keys],
                        ("AUTH", "default", "not-the-password"), ("FLUSHALL",))
    refusals = [reply for reply in replies if reply.startswith(("-NOAUTH", "-WRONGPASS"))]
    assert len(refusals) == len(replies), replies

    # So the logged-out token stays logged out.
    response = stack.get("/api/v1/auth/me", headers=bearer(token))
    check_problem_response(response, 401, "token_revoked")
    assert set(keys) <= set(redis_cli(stack, "--scan", "--pattern", "orderapi:revoked:*").split())


def test_the_right_password_is_accepted(stack):
    replies = raw_redis(stack, ("AUTH", stack.env["ORDERAPI_REDIS_PASSWORD"]), ("PING",))
    assert replies == ["+OK", "+PONG"]


def test_redis_password_is_private_and_never_logged(stack):
    path = Path(stack.env["ORDERAPI_STATE_DIR"]) / "redis.password"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().strip()
    assert password == stack.env["ORDERAPI_REDIS_PASSWORD"]
    assert len(password) >= 32
    log = Path(stack.env["ORDERAPI_LOG"]).read_text(errors="replace")
    assert password not in log
