"""A minimal Redis client (RESP2 over the stack's unix socket), enough for
the fault suite: CONFIG, INFO, SET/DEL of filler keys and XRANGE.  redis-cli
prints stream entries in a form that is awkward to parse; this reads the
replies as Redis sends them."""

import socket


class RedisError(Exception):
    """An error reply (-ERR …, -OOM …)."""


class Redis:
    def __init__(self, path, timeout=5, password=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.reader = self.sock.makefile("rb")
        if password:
            self("AUTH", password)

    def close(self):
        self.reader.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __call__(self, *args):
        """Sends one command; returns its reply (bytes, int, list or None),
        or raises RedisError for an error reply."""
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        return self._reply()

    def _reply(self):
        line = self.reader.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RedisError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self.reader.read(size + 2)
            return data[:-2]
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self._reply() for _ in range(count)]
        raise ConnectionError(f"unexpected reply {line[:40]!r}")


def stream_entries(redis, stream, batch=1000):
    """Every entry of a stream as (entry id, {field: value}) with str keys
    and values, read in pages."""
    start = "-"
    while True:
        page = redis("XRANGE", stream, start, "+", "COUNT", batch)
        for entry_id, flat in page:
            fields = {flat[i].decode(): flat[i + 1].decode("utf-8", "replace") for i in range(0, len(flat), 2)}
            yield entry_id.decode(), fields
        if len(page) < batch:
            return
        start = "(" + page[-1][0].decode()
