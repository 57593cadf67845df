#!/usr/bin/python3
"""Writes the data file the wrk scripts load (a Lua chunk returning a table).

    mkdata.py --admin-token-file F --customers F --products F --out F

--customers is `user_id<TAB>order id,order id,...` lines (the customers the
scenarios act as, with their own orders); --products one product id a line.
For each customer an HS256 access token is minted with the stack's secret
(ORDERAPI_JWT_SECRET) and the claims orderapi issues itself: sub, role, jti,
iat, exp, iss (ORDERAPI_JWT_ISSUER, default "orderapi") and aud
(ORDERAPI_JWT_AUDIENCE, default "orderapi").  The admin token comes from a
real login and is passed in a file (0600) rather than on the command line.
"""

import argparse
import os
import sys
import time
import uuid

import jwt

TOKEN_TTL_SECONDS = 4 * 3600


def mint(secret, user_id, now):
    claims = {
        "sub": str(user_id),
        "role": "customer",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + TOKEN_TTL_SECONDS,
        "iss": os.environ.get("ORDERAPI_JWT_ISSUER") or "orderapi",
        "aud": os.environ.get("ORDERAPI_JWT_AUDIENCE") or "orderapi",
    }
    token = jwt.encode(claims, secret, algorithm="HS256", headers={"typ": "JWT"})
    return token if isinstance(token, str) else token.decode("ascii")


def lua_string(text):
    """A Lua string literal; tokens and ids are plain ASCII, checked here."""
    if not all(c.isalnum() or c in "-_.=+/" for c in text):
        raise ValueError(f"unexpected character in {text!r}")
    return '"' + text + '"'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin-token-file", required=True)
    parser.add_argument("--customers", required=True)
    parser.add_argument("--products", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    secret = os.environ.get("ORDERAPI_JWT_SECRET", "")
    if len(secret) < 32:
        sys.exit("mkdata: ORDERAPI_JWT_SECRET is missing or shorter than 32 bytes")
    with open(args.admin_token_file) as f:
        admin_token = f.read().strip()

    now = int(time.time())
    customers = []
    with open(args.customers) as f:
        for line in f:
            user_id, _, ids = line.rstrip("\n").partition("\t")
            order_ids = [int(i) for i in ids.split(",") if i]
            if user_id and order_ids:
                customers.append((int(user_id), order_ids))
    with open(args.products) as f:
        products = [int(line) for line in f if line.strip()]
    if not customers or len(products) < 2:
        sys.exit("mkdata: need at least one customer with orders and two products")

    out = ["-- Written by tools/bench/mkdata.py; tokens expire after %d s." % TOKEN_TTL_SECONDS,
           "return {",
           "  admin = %s," % lua_string(admin_token),
           "  products = {%s}," % ",".join(str(p) for p in products),
           "  customers = {"]
    for user_id, order_ids in customers:
        out.append("    {user_id = %d, token = %s, orders = {%s}}," % (
            user_id, lua_string(mint(secret, user_id, now)), ",".join(str(i) for i in order_ids)))
    out += ["  },", "}", ""]
    tmp = args.out + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(out))
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
