"""The logic of tools/bench/reporting.py, the helper of the reporting bench
scenarios (`./stack bench`, tools/bench/reporting.sh): the walk that
collects cursors a given depth into a list (against the real stack), the
CSV record count of the export scenario and its RSS verdict.  No timings."""

import importlib.util
import urllib.parse

import pytest

from conftest import ORDERS_PATH, REPO, api, create_order, make_product, demo_admin_token, new_customer

spec = importlib.util.spec_from_file_location("bench_reporting", REPO / "tools" / "bench" / "reporting.py")
reporting = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reporting)


@pytest.fixture(scope="module")
def customer(stack):
    """A customer with 7 orders, newest first as the list shows them."""
    product = make_product(stack, demo_admin_token(stack), price="1.00", stock=1000)
    token, _ = new_customer(stack)
    orders = [create_order(stack, token, [(product["id"], q)]) for q in (1, 2, 3, 4, 5, 6, 7)]
    return token, sorted((o["id"] for o in orders), reverse=True)


def lister(stack, token):
    """get(query string) -> body of GET /orders?query, as the walk wants it."""
    def get(query):
        response = api(stack, "GET", ORDERS_PATH + "?" + query, token)
        assert response.status_code == 200, response.text
        return response.content
    return get


def test_walk_collects_cursors_from_the_depth_on(stack, customer):
    token, ids = customer
    depth, cursors = reporting.walk(lister(stack, token), "min_amount=0.01", 3, 5)
    assert depth == 3
    assert len(cursors) == 1  # one page of 20 holds the 4 rows left; the list ends there
    page = api(stack, "GET", ORDERS_PATH, token,
               params={"min_amount": "0.01", "page_size": 20, "cursor": cursors[0]}).json()
    assert [o["id"] for o in page["data"]] == ids[3:]


def test_walk_past_the_end_gives_no_cursor(stack, customer):
    token, _ = customer
    assert reporting.walk(lister(stack, token), "", 50, 5) == (7, [])


def test_page_query_encodes_the_cursor():
    q = reporting.page_query("status=pending", 20, "a+b/c=")
    assert urllib.parse.parse_qs(q) == {"status": ["pending"], "page_size": ["20"], "cursor": ["a+b/c="]}
    assert reporting.page_query("", 100) == "page_size=100"


def test_count_records_follows_rfc_4180_quotes():
    assert reporting.count_records([]) == (0, 0)
    assert reporting.count_records([b"id,name\n1,a\n"]) == (2, 12)
    # a line break inside quotes, quotes split across chunks, no final line break
    assert reporting.count_records([b'id,name\n1,"a\n', b'b ""x"""\n2,c']) == (3, 25)


def test_rss_verdict():
    flat = reporting.rss_verdict({1: 1000, 2: 2000}, {1: 1500}, {1: 1100, 2: 2000}, 512)
    assert flat[-1] == "bench export_rss verdict=flat max_growth_kb=100 threshold_kb=512"
    assert "kb_peak=1500" in flat[0]
    grew = reporting.rss_verdict({1: 1000}, {}, {1: 9000}, 512)
    assert grew[-1].startswith("bench export_rss verdict=grew max_growth_kb=8000")
    replaced = reporting.rss_verdict({1: 1000}, {}, {2: 1000}, 512)
    assert replaced[-1].startswith("bench export_rss verdict=unknown")
    assert any(line.endswith("replaced") for line in replaced)
