"""rp2 1.7.2 as an oracle for domain/src/cost_basis.rs (see domain/tests/rp2_oracle.rs).

Reads one ledger of one asset as JSON on stdin, every number an exact decimal string:

    {"asset": "ETH", "accounts": ["A", "B"],
     "in":    [{"id", "timestamp", "account", "type": "BUY"|"INCOME"|"STAKING",
                "spot_price", "crypto_in", "fiat_fee"}],
     "out":   [{"id", "timestamp", "account", "spot_price", "crypto_out_no_fee",
                "crypto_fee", "fiat_out_no_fee", "type"?: "SELL"|"FEE", "fiat_fee"?}],
     "intra": [{"id", "timestamp", "from", "to", "spot_price", "crypto_sent",
                "crypto_received"}]}

An out row's `type` defaults to SELL. A FEE row (a fee paid in this asset for a trade of
another: crypto_out_no_fee "0", crypto_fee the quantity, fiat_fee its value, no
fiat_out_no_fee) is a disposal of crypto_fee with fiat_fee as its proceeds.

and prints, for each of fifo, lifo and hifo, rp2's gain/loss lines (one per part of a lot a
taxable event consumes) and their total, as exact decimal strings:

    {"fifo": {"lines": [{"event_id", "lot_id", "quantity", "proceeds", "cost_basis",
                         "gain", "term": "long"|"short"}], "total_gain": "..."}, ...}

It builds rp2's transaction classes from the strings (its spreadsheet reader goes through
floats and keeps about 11 decimals) and runs rp2's own tax engine. Python's decimal context
is raised to 100 digits so rp2's arithmetic is exact for the test's amounts (rp2 sets 31);
rp2's comparisons still quantize to 13 decimals, as rp2 does.
"""

import atexit
import json
import os
import shutil
import sys
import tempfile
from decimal import getcontext

# rp2's logger writes ./log/ when imported: keep it out of the caller's tree, and remove it
# when the driver ends (a CI run calls the driver once per ledger and method).
_scratch = tempfile.mkdtemp(prefix="rp2-oracle-")
os.chdir(_scratch)
atexit.register(shutil.rmtree, _scratch, True)

from prezzemolo.avl_tree import AVLTree  # noqa: E402
from rp2.accounting_engine import AccountingEngine  # noqa: E402
from rp2.configuration import MAX_DATE, MIN_DATE, Configuration  # noqa: E402
from rp2.entry_types import TransactionType  # noqa: E402
from rp2.in_transaction import InTransaction  # noqa: E402
from rp2.input_data import InputData  # noqa: E402
from rp2.intra_transaction import IntraTransaction  # noqa: E402
from rp2.logger import LOGGER  # noqa: E402
from rp2.out_transaction import OutTransaction  # noqa: E402
from rp2.plugin.accounting_method import fifo, hifo, lifo  # noqa: E402
from rp2.plugin.country.us import US  # noqa: E402
from rp2.rp2_decimal import ZERO, RP2Decimal  # noqa: E402
from rp2.tax_engine import compute_tax  # noqa: E402
from rp2.transaction_set import TransactionSet  # noqa: E402

LOGGER.setLevel("ERROR")  # a sale's fiat_out_no_fee differing from spot x quantity is intended
getcontext().prec = 100

METHODS = {"fifo": fifo, "lifo": lifo, "hifo": hifo}


def configuration(ledger):
    path = os.path.join(os.getcwd(), "oracle.ini")
    in_cols = ["timestamp", "asset", "exchange", "holder", "transaction_type", "spot_price",
               "crypto_in", "fiat_fee", "unique_id"]
    out_cols = ["timestamp", "asset", "exchange", "holder", "transaction_type", "spot_price",
                "crypto_out_no_fee", "crypto_fee", "fiat_out_no_fee", "unique_id"]
    intra_cols = ["timestamp", "asset", "from_exchange", "from_holder", "to_exchange",
                  "to_holder", "spot_price", "crypto_sent", "crypto_received", "unique_id"]
    lines = ["[general]", f"assets = {ledger['asset']}",
             f"exchanges = {', '.join(ledger['accounts'])}", "holders = me"]
    for name, cols in (("in_header", in_cols), ("out_header", out_cols), ("intra_header", intra_cols)):
        lines.append(f"[{name}]")
        lines.extend(f"{col} = {i}" for i, col in enumerate(cols))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return Configuration(path, US())


def dec(value):
    return RP2Decimal(value) if value is not None else None


def input_data(config, ledger):
    asset = ledger["asset"]
    ins = TransactionSet(config, "IN", asset, MIN_DATE, MAX_DATE)
    outs = TransactionSet(config, "OUT", asset, MIN_DATE, MAX_DATE)
    intras = TransactionSet(config, "INTRA", asset, MIN_DATE, MAX_DATE)
    row = 0

    def next_row():
        nonlocal row
        row += 1
        return row

    for t in ledger["in"]:
        fee = t.get("fiat_fee")
        ins.add_entry(InTransaction(
            configuration=config, timestamp=t["timestamp"], asset=asset, exchange=t["account"],
            holder="me", transaction_type=t["type"], spot_price=dec(t["spot_price"]),
            crypto_in=dec(t["crypto_in"]), fiat_fee=dec(fee) if fee else ZERO,
            row=next_row(), unique_id=t["id"]))
    for t in ledger["out"]:
        outs.add_entry(OutTransaction(
            configuration=config, timestamp=t["timestamp"], asset=asset, exchange=t["account"],
            holder="me", transaction_type=t.get("type", TransactionType.SELL.value),
            spot_price=dec(t["spot_price"]), crypto_out_no_fee=dec(t["crypto_out_no_fee"]),
            crypto_fee=dec(t["crypto_fee"]), fiat_out_no_fee=dec(t.get("fiat_out_no_fee")),
            fiat_fee=dec(t.get("fiat_fee")), row=next_row(), unique_id=t["id"]))
    for t in ledger["intra"]:
        intras.add_entry(IntraTransaction(
            configuration=config, timestamp=t["timestamp"], asset=asset,
            from_exchange=t["from"], from_holder="me", to_exchange=t["to"], to_holder="me",
            spot_price=dec(t["spot_price"]), crypto_sent=dec(t["crypto_sent"]),
            crypto_received=dec(t["crypto_received"]), row=next_row(), unique_id=t["id"]))
    return InputData(asset, ins, outs, intras)


def exact(value):
    # Plain notation, no exponent, no trailing zeros: what Rust's Decimal parses exactly.
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def run(config, ledger, module):
    if module is hifo:
        # rp2 1.7.2's HIFO loses the rest of a partly used lot when income arrives before the
        # next disposal (the income's lot search takes that lot off its heap and never puts it
        # back). Income's lot is the same as a fee-free buy at its value, so HIFO gets buys.
        ledger = {**ledger, "in": [{**t, "type": "BUY"} for t in ledger["in"]]}
    methods = AVLTree()
    methods.insert_node(MIN_DATE.year, module.AccountingMethod())
    computed = compute_tax(config, AccountingEngine(years_2_methods=methods), input_data(config, ledger))
    lines = []
    total = ZERO
    for gain_loss in computed.gain_loss_set:
        if gain_loss.acquired_lot is None:
            continue  # income: a taxable event of its own with no lot, not a disposal
        total += gain_loss.fiat_gain
        lines.append({
            "event_id": gain_loss.taxable_event.unique_id,
            "lot_id": gain_loss.acquired_lot.unique_id,
            "quantity": exact(gain_loss.crypto_amount),
            "proceeds": exact(gain_loss.taxable_event_fiat_amount_with_fee_fraction),
            "cost_basis": exact(gain_loss.fiat_cost_basis),
            "gain": exact(gain_loss.fiat_gain),
            "term": "long" if gain_loss.is_long_term_capital_gains() else "short",
        })
    return {"lines": lines, "total_gain": exact(total)}


def main():
    ledger = json.load(sys.stdin)
    config = configuration(ledger)
    json.dump({name: run(config, ledger, module) for name, module in METHODS.items()}, sys.stdout)


if __name__ == "__main__":
    main()
