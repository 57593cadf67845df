"""How a worker's answer travels as FastCGI records (FastCGI 1.0 §3.3,
§5.3): a large body goes out as FCGI_STDOUT records of up to 64 kB each
(src/fcgi_io.c), not as libfcgi's 8 kB ones, and the stream still ends with
an empty FCGI_STDOUT record and FCGI_END_REQUEST.  Read on orderapi's own
socket, record by record."""

import os
import struct

import pytest

from conftest import TIMEOUT, api, demo_admin_token, master_serves_http
from fastcgi_client import FCGI_END_REQUEST, FCGI_STDOUT, connect, get_request

SALES = "/api/v1/reports/sales"


def fastcgi_records(sock_path, uri, query, token):
    """Sends a FastCGI GET (request id 1) and reads every record of the
    answer: a list of (type, request id, content)."""
    data = b""
    with connect(sock_path, TIMEOUT) as sock:
        sock.sendall(get_request(uri, query, token))
        while chunk := sock.recv(65536):
            data += chunk
    records = []
    while data:
        version, kind, request_id, length, padding = struct.unpack("!BBHHBx", data[:8])
        assert version == 1 and len(data) >= 8 + length + padding, data[:8]
        records.append((kind, request_id, data[8:8 + length]))
        data = data[8 + length + padding:]
    return records


@master_serves_http("it reads the pre-forked workers' FastCGI socket")
def test_a_large_answer_goes_out_in_large_records(stack):
    sock_path = stack.env.get("ORDERAPI_SOCKET")
    if not sock_path or not os.path.exists(sock_path):
        pytest.skip("no pre-forked master's socket with this front")
    admin = demo_admin_token(stack)
    query = "start_date=2001-01-01&end_date=2001-12-31&group_by=day"
    via_nginx = api(stack, "GET", SALES, admin, params=dict(p.split("=") for p in query.split("&")))
    assert via_nginx.status_code == 200 and len(via_nginx.content) > 32768
    records = fastcgi_records(sock_path, SALES, query, admin)
    assert all(request_id == 1 for _, request_id, _ in records)
    stdout = [content for kind, _, content in records if kind == FCGI_STDOUT]
    assert [kind for kind, _, _ in records][-1] == FCGI_END_REQUEST and stdout[-1] == b""
    head, _, body = b"".join(stdout).partition(b"\r\n\r\n")
    assert b"Status: 200" in head and body == via_nginx.content
    # The headers, the whole body in one record, the stream's end.
    assert len(stdout) == 3, [len(c) for c in stdout]
