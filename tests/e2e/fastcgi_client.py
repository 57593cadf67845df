"""A FastCGI GET sent straight to orderapi's own socket (FastCGI 1.0 §3.3,
§5), for the tests that watch what the workers write below the web server:
the request's bytes, and a connected socket to send them on."""

import socket
import struct

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6


def record(kind, content, request_id=1):
    """One FastCGI record of version 1, without padding."""
    return struct.pack("!BBHHBx", 1, kind, request_id, len(content), 0) + content


def _pair(name, value):
    name, value = name.encode(), value.encode()
    size = lambda n: struct.pack("!B", n) if n < 128 else struct.pack("!I", n | 0x80000000)  # noqa: E731
    return size(len(name)) + size(len(value)) + name + value


def get_request(uri, query, token):
    """The records of a GET of uri?query with a bearer token, request id 1,
    without FCGI_KEEP_CONN (the worker closes the connection after the
    answer)."""
    params = b"".join(_pair(k, v) for k, v in {
        "REQUEST_METHOD": "GET", "REQUEST_URI": f"{uri}?{query}" if query else uri, "SCRIPT_NAME": uri,
        "QUERY_STRING": query, "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}"}.items())
    return (record(FCGI_BEGIN_REQUEST, struct.pack("!HB5x", 1, 0)) + record(FCGI_PARAMS, params)
            + record(FCGI_PARAMS, b"") + record(FCGI_STDIN, b""))


def connect(sock_path, timeout):
    """A unix socket connected to sock_path, with timeout."""
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(timeout)
    sock.connect(sock_path)
    return sock
