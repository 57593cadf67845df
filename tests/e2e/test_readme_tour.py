"""README's "A short tour" runs as printed: the block is taken from README.md,
pointed at this stack (its URL and state directory instead of ./stack up's
defaults) and run by bash, and what it prints is what README promises."""

import json
import re
import subprocess

from conftest import REPO, TIMEOUT


def tour_script():
    text = (REPO / "README.md").read_text()
    section = text.split("\n## A short tour\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def json_values(text):
    """Every JSON value jq printed, in order."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        values.append(value)
    return values


def test_the_readme_tour_works_as_printed(stack):
    script = tour_script()
    assert "http://127.0.0.1:8080/api/v1" in script and "var/admin.password" in script
    script = script.replace("http://127.0.0.1:8080", stack.url)
    script = re.sub(r"(?<=[\s\"'])var/", stack.env["ORDERAPI_STATE_DIR"] + "/", script)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                          timeout=10 * TIMEOUT)
    assert done.returncode == 0, done.stderr + done.stdout
    csv_text = done.stdout[done.stdout.index("id,order_number,"):]
    registered, refreshed, placed, refused, mine, cancelled, product, asked, guest_order, month, best = \
        json_values(done.stdout[:done.stdout.index("id,order_number,")])
    assert registered["role"] == "customer"
    assert refreshed == {"token_type": "Bearer", "expires_in": refreshed["expires_in"],
                         "refresh_expires_in": 30 * 86400}
    assert placed["status"] == "pending" and placed["total_amount"] == "25.00"
    assert placed["order_number"].startswith("ORD-")
    assert refused["status"] == 409 and refused["code"] == "insufficient_stock"
    assert refused["stock_issues"][0]["available"] == 1
    assert mine["total"] == 1 and mine["data"][0]["status"] == "pending"
    assert cancelled == {"status": "cancelled"}
    assert product == {"stock": 3}
    assert asked["expires_in"] == 600
    assert guest_order == {"status": "pending", "customer_phone": asked["phone"]}
    assert month["orders"] >= 1 and month["items_sold"] >= 1
    assert "Tour mug" in best or len(best) == 3
    header, first, admin_pages = csv_text.splitlines()[:3]
    assert admin_pages == "200", "the admin pages were not served at /admin/"
    assert header.startswith("id,order_number,created_at,status") and ",pending," in first
