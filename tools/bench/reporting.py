#!/usr/bin/python3
"""Helpers of the reporting scenarios of tools/bench/run (tools/bench/reporting.sh).

    reporting.py cursors --url U --token-file F --query Q --depth N --count K --out F
        Walks the admin's GET /api/v1/orders?Q by cursor (pages of 100) until
        N rows are behind, then K more pages of 20, and writes the K cursors
        that start those pages (each a page N..N+20K rows deep), URL-encoded,
        one a line.  Prints "depth=<rows behind the first> cursors=<k>"; fewer
        than asked when the list ends first.

    reporting.py bust --socket S --scope NAME [--interval-ms MS]
        Until killed (SIGTERM), bumps the list cache's generation of a scope
        (INCR orderapi:gen:NAME) every MS ms (default 2), so that a cold
        scenario's answers are computed, not read from Redis.  The password
        comes from ORDERAPI_REDIS_PASSWORD.

    reporting.py export --url U --token-file F --master-pid P [--query Q]
        Reads GET /api/v1/orders/export?Q to the end, counting CSV records,
        while sampling the VmRSS of each child of orderapi's master P, and
        prints
          bench export rows=<n> seconds=<s> rows_per_s=<n> mb=<n> status=<code>
          bench export_rss worker=<pid> kb_before=<n> kb_peak=<n> kb_after=<n> growth_kb=<n>
          bench export_rss verdict=flat|grew|unknown max_growth_kb=<n> threshold_kb=<n>
"""

import argparse
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse


def connection(url):
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=120)


def base_path(url):
    return urllib.parse.urlsplit(url).path.rstrip("/")


def read_token(path):
    with open(path) as f:
        return f.read().strip()


def page_query(query, page_size, cursor=None):
    """The query of one page: the filter, the page size and the cursor."""
    q = "%s&page_size=%d" % (query, page_size) if query else "page_size=%d" % page_size
    if cursor is not None:
        q += "&cursor=" + urllib.parse.quote(cursor, safe="")
    return q


def next_cursor(body):
    """A list answer's next_cursor (None on the last page)."""
    return json.loads(body).get("next_cursor")


def walk(get, query, depth, count):
    """Cursors of count pages of 20 that start at least depth rows in.

    get(query_string) returns a list answer's body.  Returns (rows behind
    the first cursor, [cursors])."""
    behind, cursor = 0, None
    while behind < depth:
        size = min(100, depth - behind)
        body = json.loads(get(page_query(query, size, cursor)))
        behind += len(body["data"])
        cursor = body.get("next_cursor")
        if cursor is None:
            return behind, []
    first_depth, cursors = behind, []
    while cursor is not None and len(cursors) < count:
        cursors.append(cursor)
        cursor = next_cursor(get(page_query(query, 20, cursor)))
    return first_depth, cursors


def cmd_cursors(args):
    token = read_token(args.token_file)
    conn = connection(args.url)
    prefix = base_path(args.url) + "/api/v1/orders?"

    def get(q):
        conn.request("GET", prefix + q, headers={"Authorization": "Bearer " + token})
        res = conn.getresponse()
        body = res.read()
        if res.status != 200:
            sys.exit("reporting: GET /api/v1/orders?%s answered %d: %s" % (q, res.status, body[:300]))
        return body

    depth, cursors = walk(get, args.query, args.depth, args.count)
    with open(args.out, "w") as f:
        for c in cursors:
            f.write(urllib.parse.quote(c, safe="") + "\n")
    print("depth=%d cursors=%d" % (depth, len(cursors)))


def resp_command(*words):
    """One Redis command in RESP."""
    out = b"*%d\r\n" % len(words)
    for w in words:
        b = w.encode() if isinstance(w, str) else w
        out += b"$%d\r\n%s\r\n" % (len(b), b)
    return out


def cmd_bust(args):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(args.socket)
    f = s.makefile("rb")
    password = os.environ.get("ORDERAPI_REDIS_PASSWORD", "")
    if password:
        s.sendall(resp_command("AUTH", password))
        line = f.readline()
        if not line.startswith(b"+OK"):
            sys.exit("reporting: redis AUTH failed: %r" % line)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    incr = resp_command("INCR", "orderapi:gen:" + args.scope)
    while True:
        s.sendall(incr)
        f.readline()
        time.sleep(args.interval_ms / 1000.0)


def children(master):
    """The pids of the master's children (the workers and the relay)."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == master:
            pids.append(int(name))
    return sorted(pids)


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_verdict(before, peak, after, threshold_kb):
    """Lines for each child and the verdict: flat when every child measured
    before and after grew by less than threshold_kb, unknown when one was
    replaced (a pid in only one of the two measurements)."""
    lines, worst, verdict = [], 0, "flat"
    for pid in sorted(set(before) | set(after)):
        if pid not in before or pid not in after:
            verdict = "unknown"
            lines.append("bench export_rss worker=%d kb_before=%s kb_after=%s replaced"
                         % (pid, before.get(pid, "-"), after.get(pid, "-")))
            continue
        growth = after[pid] - before[pid]
        worst = max(worst, growth)
        if growth >= threshold_kb and verdict == "flat":
            verdict = "grew"
        lines.append("bench export_rss worker=%d kb_before=%d kb_peak=%d kb_after=%d growth_kb=%d"
                     % (pid, before[pid], max(peak.get(pid, 0), before[pid], after[pid]), after[pid], growth))
    lines.append("bench export_rss verdict=%s max_growth_kb=%d threshold_kb=%d" % (verdict, worst, threshold_kb))
    return lines


def count_records(chunks):
    """CSV records in a stream of byte chunks (RFC 4180: a line break inside
    quotes is part of a field), header included; returns (records, bytes)."""
    records, size, quoted, last = 0, 0, False, b"\n"
    for chunk in chunks:
        size += len(chunk)
        if b'"' not in chunk and not quoted:
            records += chunk.count(b"\n")
        else:
            for byte in chunk:
                if byte == 0x22:
                    quoted = not quoted
                elif byte == 0x0A and not quoted:
                    records += 1
        if chunk:
            last = chunk[-1:]
    if size and last != b"\n":
        records += 1
    return records, size


def snapshot(master):
    return {pid: kb for pid in children(master) for kb in [rss_kb(pid)] if kb is not None}


def cmd_export(args):
    token = read_token(args.token_file)
    before = snapshot(args.master_pid)
    peak, done = dict(before), threading.Event()

    def sample():
        while not done.wait(0.2):
            for pid, kb in snapshot(args.master_pid).items():
                peak[pid] = max(peak.get(pid, 0), kb)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = connection(args.url)
    path = base_path(args.url) + "/api/v1/orders/export" + ("?" + args.query if args.query else "")
    started = time.monotonic()
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    res = conn.getresponse()
    records, size = count_records(iter(lambda: res.read(65536), b""))
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    time.sleep(0.5)  # the worker finishes its request after the last byte
    after = snapshot(args.master_pid)
    rows = max(records - 1, 0)
    print("bench export rows=%d seconds=%.1f rows_per_s=%.0f mb=%.1f status=%d"
          % (rows, seconds, rows / seconds if seconds > 0 else 0, size / 1e6, res.status))
    for line in rss_verdict(before, peak, after, args.flat_kb):
        print(line)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cursors")
    c.add_argument("--url", required=True)
    c.add_argument("--token-file", required=True)
    c.add_argument("--query", default="")
    c.add_argument("--depth", type=int, required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--out", required=True)
    b = sub.add_parser("bust")
    b.add_argument("--socket", required=True)
    b.add_argument("--scope", required=True)
    b.add_argument("--interval-ms", type=float, default=2.0)
    e = sub.add_parser("export")
    e.add_argument("--url", required=True)
    e.add_argument("--token-file", required=True)
    e.add_argument("--master-pid", type=int, required=True)
    e.add_argument("--query", default="")
    e.add_argument("--flat-kb", type=int, default=512)
    args = parser.parse_args()
    {"cursors": cmd_cursors, "bust": cmd_bust, "export": cmd_export}[args.command](args)


if __name__ == "__main__":
    main()
