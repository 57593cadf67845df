"""The orderapi binary the stack runs is built hardened (configure's default):
PIE, full RELRO (BIND_NOW), the stack protector, and _FORTIFY_SOURCE's
checked libc calls (except in a sanitizer build, which leaves it out)."""

import os
import subprocess

from conftest import ORDERAPI_BIN
from conftest import nginx_front_only

pytestmark = nginx_front_only("it reads the binary, not the front")


def binary(stack):
    return stack.env.get("ORDERAPI_BIN") or str(ORDERAPI_BIN)


def readelf(*args):
    done = subprocess.run(["readelf", "-W", *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_binary_is_pie_with_full_relro(stack):
    path = binary(stack)
    assert os.access(path, os.X_OK), path
    header = readelf("-h", path)
    assert "DYN (Position-Independent Executable" in header or "Type:                              DYN" in header, header
    dynamic = readelf("-d", path)
    assert "BIND_NOW" in dynamic or "NOW" in dynamic.split("FLAGS_1", 1)[-1], dynamic
    assert "PIE" in dynamic, dynamic
    assert "GNU_RELRO" in readelf("-l", path)


def test_binary_has_stack_protector_and_fortified_calls(stack):
    symbols = readelf("--dyn-syms", binary(stack))
    assert "__stack_chk_fail" in symbols
    if "__asan_init" not in symbols:
        assert "_chk@" in symbols, "no _FORTIFY_SOURCE checked calls (__*_chk)"
