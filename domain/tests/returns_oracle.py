"""Oracles for domain/src/returns.rs (see domain/tests/returns_oracle.rs).

Reads a list of cases as JSON on stdin, every number an exact decimal string:

    [{"days": [{"value", "inflow", "outflow"}], "flows": [{"date": "YYYY-MM-DD", "amount"}]}]

and prints, for each case, the time-weighted return computed with exact fractions (Python's
`fractions.Fraction`, Portfolio Performance's rule: money in at the start of its day, money out
at its end, a day starting from nothing has no return) as a decimal string with 40 places, and
pyxirr's XIRR of the flows (or null):

    [{"twr": "0.0300…", "xirr": 0.0997…}]
"""

import json
import sys
from datetime import date
from decimal import Decimal, getcontext
from fractions import Fraction

import pyxirr

getcontext().prec = 60


def twr(days):
    growth = Fraction(1)
    previous = Fraction(0)
    for d in days:
        value, inflow, outflow = (Fraction(Decimal(d[k])) for k in ("value", "inflow", "outflow"))
        base = previous + inflow
        if base != 0:
            growth *= (value + outflow) / base
        previous = value
    r = growth - 1
    return format(Decimal(r.numerator) / Decimal(r.denominator), ".40f")


def xirr(flows):
    dates = [date.fromisoformat(f["date"]) for f in flows]
    amounts = [float(f["amount"]) for f in flows]
    try:
        return pyxirr.xirr(dates, amounts)
    except Exception:  # pyxirr raises when no rate fits
        return None


def main():
    cases = json.load(sys.stdin)
    json.dump([{"twr": twr(c["days"]), "xirr": xirr(c["flows"])} for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
