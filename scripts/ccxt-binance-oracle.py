"""The signing oracle of the Binance tests: how ccxt signs our requests.

Reads a JSON job on stdin ({"api_key", "secret", "now_ms", "requests": [{"method", "path",
"params": [[name, value], ...]}]}), signs each request with ccxt's binance class for a frozen
clock (fetch is intercepted, nothing leaves the machine) and prints one JSON line per request:
{"method", "url", "body", "headers"}. Used by api/tests/it/binance_ccxt.rs; ccxt comes from
scripts/install-ccxt.sh.
"""
import json
import sys

import ccxt

# Our paths -> ccxt's implicit API methods (binance.py's api table).
METHODS = {
    ("GET", "/api/v3/account"): "private_get_account",
    ("POST", "/sapi/v1/asset/get-funding-asset"): "sapi_post_asset_get_funding_asset",
    ("GET", "/sapi/v1/simple-earn/flexible/position"): "sapi_get_simple_earn_flexible_position",
    ("GET", "/sapi/v1/simple-earn/locked/position"): "sapi_get_simple_earn_locked_position",
    ("GET", "/sapi/v1/account/apiRestrictions"): "sapi_get_account_apirestrictions",
}


class Oracle(ccxt.binance):
    def __init__(self, config, now_ms):
        super().__init__(config)
        self.frozen = now_ms
        self.sent = []

    def milliseconds(self):
        return self.frozen

    def fetch(self, url, method="GET", headers=None, body=None):
        self.sent.append({"method": method, "url": url, "body": body or "", "headers": dict(headers or {})})
        return {}


def main():
    job = json.load(sys.stdin)
    ex = Oracle({"apiKey": job["api_key"], "secret": job["secret"], "options": {"recvWindow": 5000}}, job["now_ms"])
    ex.number = str
    for r in job["requests"]:
        name = METHODS[(r["method"], r["path"])]
        getattr(ex, name)(dict(r["params"]))
    for s in ex.sent:
        print(json.dumps(s))


if __name__ == "__main__":
    main()
