"""The admin pages (web/admin/) as the front serves them at /admin/: every
file, with the right type and the security headers the web server adds
(a strict Content-Security-Policy, nosniff, no referrer, no framing), and
nothing of them passed on to orderapi.  Runs through nginx and each Apache
mode; the pages' behaviour is tested in Chromium (tests/browser/)."""
import re

import pytest

from conftest import REPO, check_problem_response

WEB = REPO / "web" / "admin"
FILES = sorted(p.relative_to(WEB).as_posix() for p in WEB.rglob("*") if p.is_file())
TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}


def csp_directives(value):
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in value.split(";")) if part}


def check_security_headers(headers):
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in word for words in csp.values() for word in words)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_the_admin_pages_are_in_the_repository():
    assert "index.html" in FILES and "js/app.js" in FILES and "admin.css" in FILES


@pytest.mark.parametrize("name", FILES)
def test_every_file_is_served_with_its_type_and_the_headers(stack, name):
    response = stack.get(f"/admin/{name}")
    assert response.status_code == 200, response.text[:200]
    assert response.content == (WEB / name).read_bytes()
    want = TYPES[(WEB / name).suffix]
    assert response.headers["Content-Type"].split(";")[0].strip() == want
    check_security_headers(response.headers)


def test_the_directory_serves_the_sign_in_page(stack):
    response = stack.get("/admin/")
    assert response.status_code == 200
    assert response.content == (WEB / "index.html").read_bytes()
    check_security_headers(response.headers)


def test_admin_without_the_slash_redirects(stack):
    response = stack.get("/admin", allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/admin/")


def test_a_missing_file_is_the_fronts_404_problem(stack):
    check_problem_response(stack.get("/admin/no-such-file.js"), 404)


def test_the_page_loads_nothing_from_elsewhere_and_no_inline_script():
    html = (WEB / "index.html").read_text()
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not re.match(r"^(https?:)?//", url), url
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html
    for name in FILES:
        text = (WEB / name).read_text()
        assert "innerHTML" not in text and "eval(" not in text, name
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), f"{name} names another site"
