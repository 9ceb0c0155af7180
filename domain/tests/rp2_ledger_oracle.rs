//! Realized gains proven against rp2 at the level of ledger entries (issue 27): ledgers of
//! [`Entry`] values over two accounts, BTC, BNB and US dollars go through our whole path,
//! [`reduce`] then [`compute`] with FIFO, LIFO and HIFO over one pool per asset, and, mapped
//! independently from the same entries, through rp2 1.7.2 (`rp2_oracle.py`, once per asset).
//! Every disposal line and the total gain of each asset and method are equal as exact decimals.
//!
//! `rp2_oracle.rs` proves the cost-basis engine on events of one asset; this test proves the
//! ledger's conventions (`domain/src/ledger.rs`) on top of it, above all a fee paid in a third
//! asset. How each entry maps to rp2 (see `docs/ledger.md`, "Cost basis proven against rp2"):
//! - BNB bought for dollars, fee in dollars: BNB `BUY` with `fiat_fee`.
//! - BTC bought for dollars, fee in dollars: BTC `BUY` with `fiat_fee`.
//! - BTC bought for dollars, fee F BNB worth V (`fee_value_usd`): BTC `BUY` with `fiat_fee` V
//!   (convention 4: the fee adds to what the buy acquires), and BNB `FEE` of F with `fiat_fee`
//!   V at spot V / F (convention 3: a disposal of BNB at that value). rp2's `FEE` out-type is a
//!   disposal of `crypto_fee` whose proceeds are its `fiat_fee`; it was chosen over a `SELL`
//!   because it is rp2's own reading of "a fee paid in crypto".
//! - BTC sold for dollars, fee in dollars or F BNB worth V: BTC `SELL` with `fiat_out_no_fee`
//!   the dollars received less the fee (rp2 never deducts a sale's fee itself, convention 4),
//!   and for a BNB fee the same BNB `FEE` row.
//! - A withdrawal and a deposit sharing a transfer id, S sent and R received, the withdrawal
//!   valued at S × spot: BTC `INTRA` at that spot (rp2 makes S − R a taxable fee at spot, as
//!   convention 5 does).
//! - Staking income of BTC or BNB at its value: `STAKING` (given to rp2's HIFO as a `BUY`, see
//!   below).
//!
//! Where the rule sets differ, the ledgers keep the difference from showing (the same list as
//! `rp2_oracle.rs`): HIFO ranks lots by spot price in rp2 and by unit cost with fees here, so a
//! lot whose two rankings would differ from another lot's of the same asset (or tie) is
//! redrawn; rp2's HIFO drops a partly used lot when income arrives (its bug; the driver gives
//! its HIFO income as buys); rp2's long term is `>= 365` days, ours more than a year, so no
//! entry falls 365 or 366 days after any acquisition; we round splits to 12 decimal places, so
//! every price, unit cost and fee per unit lies on a grid that keeps every split within them.
//! A fee in BNB is F = q × f BNB for a trade of q BTC, with f of two decimals and q on a grid
//! two places coarser than the profile's, so that V = F × p is both F × (a BNB price p) and
//! q × (a fee per BTC p × f): its splits over BNB lots and over the BTC lot stay exact.
//!
//! Runs only when rp2 is installed (`scripts/install-rp2.sh`); with `RP2_REQUIRED=1` a missing
//! rp2 fails the test instead of skipping it.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::cost_basis::{compute, Method, Pooling, Term};
use domain::ledger::{check, reduce, Asset, Entry, Kind, Side};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

const ACCOUNT_NAMES: [&str; 2] = ["A", "B"];
const BTC: Uuid = Uuid::from_u128(100);
const BNB: Uuid = Uuid::from_u128(102);
const ASSETS: [(Uuid, &str); 2] = [(BTC, "BTC"), (BNB, "BNB")];

/// splitmix64: deterministic, so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the bias of a modulo over 2^128 is negligible here).
    fn below(&mut self, n: u128) -> u128 {
        let wide = (u128::from(self.next()) << 64) | u128::from(self.next());
        wide % n
    }

    fn percent(&mut self, p: u128) -> bool {
        self.below(100) < p
    }
}

/// The grids amounts are drawn from.
struct Profile {
    /// Decimal places of every quantity (a BTC trade paying its fee in BNB: two fewer).
    qty_dp: u32,
    /// Prices are `price_step × k`, k in the asset's range.
    price_step: Decimal,
    btc_steps: (u128, u128),
    bnb_steps: (u128, u128),
    /// Largest quantity bought at once, in whole units.
    max_buy: u128,
}

fn cents() -> Profile {
    Profile {
        qty_dp: 6,
        price_step: Decimal::new(1, 2),
        btc_steps: (100_000, 5_000_000),
        bnb_steps: (1_000, 60_000),
        max_buy: 20,
    }
}

fn eighteen_decimals() -> Profile {
    Profile {
        qty_dp: 18,
        price_step: Decimal::from(200_000_000),
        btc_steps: (100, 400),
        bnb_steps: (1, 50),
        max_buy: 10,
    }
}

/// A dollar fee is this share of a trade's value.
fn fee_rate() -> Decimal {
    Decimal::new(5, 3)
}

/// Largest BNB fee per BTC traded, in hundredths of a BNB.
const MAX_FEE_HUNDREDTHS: u128 = 20;

/// What an entry is, for coverage and for a readable diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum What {
    BuyBnb,
    BuyBtcUsdFee,
    BuyBtcBnbFee,
    SellBtcUsdFee,
    SellBtcBnbFee,
    Transfer,
    Income,
}

/// One ledger, as entries (ours) and as rp2's input per asset (mapped from the same entries).
struct Ledger {
    entries: Vec<Entry>,
    rp2: BTreeMap<&'static str, Value>,
    /// When each entry happened, by id (rp2 names lots by id).
    at: HashMap<String, DateTime<Utc>>,
    what: HashMap<String, What>,
    /// What each account should hold of each asset.
    balances: BTreeMap<(Uuid, Uuid), Decimal>,
}

struct Generator {
    rng: Rng,
    profile: Profile,
    day: i64,
    /// (day, spot price, unit cost) of every lot, per asset.
    lots: HashMap<Uuid, Vec<(i64, Decimal, Decimal)>>,
    ledger: Ledger,
}

fn account(index: usize) -> Uuid {
    Uuid::from_u128(1 + index as u128)
}

fn listed(asset: Uuid, quantity: Decimal) -> Option<Side> {
    Some(Side {
        asset: Asset::Listed(asset),
        quantity,
    })
}

fn usd(quantity: Decimal) -> Option<Side> {
    Some(Side {
        asset: Asset::Usd,
        quantity,
    })
}

impl Generator {
    fn new(profile: Profile, seed: u64) -> Self {
        let rp2 = ASSETS
            .iter()
            .map(|&(_, name)| {
                (
                    name,
                    json!({"asset": name, "accounts": ACCOUNT_NAMES, "in": [], "out": [], "intra": []}),
                )
            })
            .collect();
        Generator {
            rng: Rng(seed),
            profile,
            day: 0,
            lots: HashMap::new(),
            ledger: Ledger {
                entries: Vec::new(),
                rp2,
                at: HashMap::new(),
                what: HashMap::new(),
                balances: BTreeMap::new(),
            },
        }
    }

    fn at(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 1, 1, 12, 0, 0).unwrap() + Duration::days(self.day)
    }

    /// Moves to a later day, skipping days where rp2's and our long-term rules disagree for
    /// some lot (held exactly 365 or 366 days).
    fn advance(&mut self) {
        self.day += 1 + self.rng.below(30) as i64;
        while self
            .lots
            .values()
            .flatten()
            .any(|&(d, _, _)| matches!(self.day - d, 365 | 366))
        {
            self.day += 1;
        }
    }

    fn held(&self, index: usize, asset: Uuid) -> Decimal {
        self.ledger
            .balances
            .get(&(account(index), asset))
            .copied()
            .unwrap_or_default()
    }

    fn add(&mut self, index: usize, asset: Uuid, quantity: Decimal) {
        *self
            .ledger
            .balances
            .entry((account(index), asset))
            .or_default() += quantity;
    }

    /// A quantity's smallest units at `dp` places, rounded down.
    fn units(&self, quantity: Decimal, dp: u32) -> u128 {
        let mut q = quantity.round_dp_with_strategy(dp, rust_decimal::RoundingStrategy::ToZero);
        q.rescale(dp);
        q.mantissa() as u128
    }

    fn price(&mut self, asset: Uuid) -> Decimal {
        let (lo, hi) = if asset == BTC {
            self.profile.btc_steps
        } else {
            self.profile.bnb_steps
        };
        self.profile.price_step * Decimal::from(lo + self.rng.below(hi - lo + 1))
    }

    /// Whether a lot at `spot` costing `unit` per unit ranks among the asset's lots as its
    /// spot price does, and ties none of them (so rp2's HIFO and ours agree).
    fn ranks_alike(&self, asset: Uuid, spot: Decimal, unit: Decimal) -> bool {
        self.lots.get(&asset).is_none_or(|lots| {
            lots.iter()
                .all(|&(_, s, u)| s != spot && u != unit && (s < spot) == (u < unit))
        })
    }

    fn new_entry(&mut self, kind: Kind, index: usize, what: What) -> Entry {
        let id = Uuid::from_u128(1_000 + self.ledger.entries.len() as u128);
        self.ledger.at.insert(id.to_string(), self.at());
        self.ledger.what.insert(id.to_string(), what);
        Entry {
            id,
            account: account(index),
            at: self.at(),
            kind,
            sent: None,
            received: None,
            fee: None,
            value_usd: None,
            fee_value_usd: None,
            income_kind: None,
            transfer: None,
        }
    }

    fn rp2_push(&mut self, asset: &str, table: &str, row: Value) {
        self.ledger.rp2.get_mut(asset).unwrap()[table]
            .as_array_mut()
            .unwrap()
            .push(row);
    }

    /// rp2's row for a fee of `fee` BNB worth `value`, paid by entry `e`.
    fn rp2_bnb_fee(&mut self, e: &Entry, fee: Decimal, value: Decimal) {
        let spot = value / fee;
        self.rp2_push(
            "BNB",
            "out",
            json!({"id": e.id.to_string(), "timestamp": e.at.to_rfc3339(),
                   "account": name(e.account), "type": "FEE", "spot_price": spot.to_string(),
                   "crypto_out_no_fee": "0", "crypto_fee": fee.to_string(),
                   "fiat_fee": value.to_string()}),
        );
    }

    /// A BNB fee for trading `q` BTC from account `index`: (F, its price p, V = F × p), if
    /// the account holds enough BNB and `q` lies on the fee grid (two places coarser).
    fn bnb_fee(&mut self, index: usize, q: Decimal) -> Option<(Decimal, Decimal, Decimal)> {
        let dp = self.profile.qty_dp - 2;
        if q.round_dp(dp) != q {
            return None;
        }
        let max = (self.held(index, BNB) * Decimal::from(100) / q)
            .floor()
            .min(Decimal::from(MAX_FEE_HUNDREDTHS));
        let max = max.to_u128().filter(|&m| m > 0)?;
        let f = Decimal::new(1 + self.rng.below(max) as i64, 2);
        let p = self.price(BNB);
        let fee = q * f;
        (!is_dust(fee) && !is_dust(self.held(index, BNB) - fee)).then_some((fee, p, fee * p))
    }

    fn buy(&mut self, asset: Uuid) {
        self.advance();
        let index = self.rng.below(2) as usize;
        let bnb_fee = asset == BTC && self.rng.percent(50);
        // A trade paying its fee in BNB is drawn two places coarser (see the module doc).
        let dp = self.profile.qty_dp - if bnb_fee { 2 } else { 0 };
        let q = quantity(
            1 + self.rng.below(self.profile.max_buy * 10u128.pow(dp)),
            dp,
        );
        let fee = if bnb_fee {
            self.bnb_fee(index, q)
        } else {
            None
        };
        let (spot, fee_usd) = loop {
            let spot = self.price(asset);
            let fee_usd = match fee {
                Some((_, _, v)) => v,
                None => q * spot * fee_rate(),
            };
            if self.ranks_alike(asset, spot, spot + fee_usd / q) {
                break (spot, fee_usd);
            }
        };
        let what = match (asset == BTC, fee.is_some()) {
            (false, _) => What::BuyBnb,
            (true, false) => What::BuyBtcUsdFee,
            (true, true) => What::BuyBtcBnbFee,
        };
        let mut e = self.new_entry(Kind::Trade, index, what);
        e.sent = usd(q * spot);
        e.received = listed(asset, q);
        match fee {
            Some((f, _, v)) => {
                e.fee = listed(BNB, f);
                e.fee_value_usd = Some(v);
                self.rp2_bnb_fee(&e, f, v);
                self.add(index, BNB, -f);
            }
            None => e.fee = usd(fee_usd),
        }
        let asset_name = if asset == BTC { "BTC" } else { "BNB" };
        self.rp2_push(
            asset_name,
            "in",
            json!({"id": e.id.to_string(), "timestamp": e.at.to_rfc3339(),
                   "account": name(e.account), "type": "BUY", "spot_price": spot.to_string(),
                   "crypto_in": q.to_string(), "fiat_fee": fee_usd.to_string()}),
        );
        self.lots
            .entry(asset)
            .or_default()
            .push((self.day, spot, spot + fee_usd / q));
        self.add(index, asset, q);
        self.ledger.entries.push(e);
    }

    fn income(&mut self, asset: Uuid) {
        self.advance();
        let index = self.rng.below(2) as usize;
        let dp = self.profile.qty_dp;
        let q = quantity(1 + self.rng.below(10u128.pow(dp)), dp);
        let spot = loop {
            let spot = self.price(asset);
            if self.ranks_alike(asset, spot, spot) {
                break spot;
            }
        };
        let mut e = self.new_entry(Kind::Income, index, What::Income);
        e.received = listed(asset, q);
        e.value_usd = Some(q * spot);
        e.income_kind = Some("staking".into());
        let asset_name = if asset == BTC { "BTC" } else { "BNB" };
        self.rp2_push(
            asset_name,
            "in",
            json!({"id": e.id.to_string(), "timestamp": e.at.to_rfc3339(),
                   "account": name(e.account), "type": "STAKING", "spot_price": spot.to_string(),
                   "crypto_in": q.to_string(), "fiat_fee": "0"}),
        );
        self.lots
            .entry(asset)
            .or_default()
            .push((self.day, spot, spot));
        self.add(index, asset, q);
        self.ledger.entries.push(e);
    }

    /// Part of an account's BTC, in smallest units at `dp` places: sometimes all of it, and
    /// neither the part nor what is left dust.
    fn part_of(&mut self, index: usize, dp: u32) -> u128 {
        let held_quantity = self.held(index, BTC);
        let held = self.units(held_quantity, dp);
        if held == 0 || self.rng.percent(15) {
            return held;
        }
        let part = 1 + self.rng.below(held);
        let q = quantity(part, dp);
        if is_dust(q) || is_dust(held_quantity - q) {
            held
        } else {
            part
        }
    }

    fn sell(&mut self, index: usize) {
        self.advance();
        let bnb_fee = self.rng.percent(50);
        let dp = self.profile.qty_dp - if bnb_fee { 2 } else { 0 };
        let units = self.part_of(index, dp);
        let q = quantity(units, dp);
        let fee = if bnb_fee && units > 0 && !is_dust(self.held(index, BTC) - q) {
            self.bnb_fee(index, q)
        } else {
            None
        };
        let q = if bnb_fee && fee.is_none() {
            // No BNB fee after all: any part of the holding, at the finest places.
            let units = self.part_of(index, self.profile.qty_dp);
            quantity(units, self.profile.qty_dp)
        } else {
            q
        };
        let spot = self.price(BTC);
        let gross = q * spot;
        let fee_usd = match fee {
            Some((_, _, v)) => v,
            None => gross * fee_rate(),
        };
        let what = if fee.is_some() {
            What::SellBtcBnbFee
        } else {
            What::SellBtcUsdFee
        };
        let mut e = self.new_entry(Kind::Trade, index, what);
        e.sent = listed(BTC, q);
        e.received = usd(gross);
        match fee {
            Some((f, _, v)) => {
                e.fee = listed(BNB, f);
                e.fee_value_usd = Some(v);
                self.rp2_bnb_fee(&e, f, v);
                self.add(index, BNB, -f);
            }
            None => e.fee = usd(fee_usd),
        }
        assert!(gross > fee_usd, "the grids keep a sale's proceeds positive");
        self.rp2_push(
            "BTC",
            "out",
            json!({"id": e.id.to_string(), "timestamp": e.at.to_rfc3339(),
                   "account": name(e.account), "spot_price": spot.to_string(),
                   "crypto_out_no_fee": q.to_string(), "crypto_fee": "0",
                   "fiat_out_no_fee": (gross - fee_usd).to_string()}),
        );
        self.add(index, BTC, -q);
        self.ledger.entries.push(e);
    }

    fn transfer(&mut self, from: usize) {
        self.advance();
        let dp = self.profile.qty_dp;
        let sent_units = self.part_of(from, dp);
        let lost_units = if sent_units > 1 && self.rng.percent(60) {
            1 + self.rng.below(sent_units / 50 + 1).min(sent_units - 2)
        } else {
            0
        };
        let to = 1 - from;
        let sent = quantity(sent_units, dp);
        let lost = Some(quantity(lost_units, dp)).filter(|&l| !is_dust(l));
        let received = sent - lost.unwrap_or_default();
        let spot = self.price(BTC);
        let id = Uuid::from_u128(1_000_000 + self.ledger.entries.len() as u128);
        let mut w = self.new_entry(Kind::Withdrawal, from, What::Transfer);
        w.sent = listed(BTC, sent);
        w.value_usd = Some(sent * spot);
        w.transfer = Some(id);
        let mut d = self.new_entry(Kind::Deposit, to, What::Transfer);
        d.received = listed(BTC, received);
        d.transfer = Some(id);
        self.rp2_push(
            "BTC",
            "intra",
            json!({"id": w.id.to_string(), "timestamp": w.at.to_rfc3339(),
                   "from": name(w.account), "to": name(d.account), "spot_price": spot.to_string(),
                   "crypto_sent": sent.to_string(), "crypto_received": received.to_string()}),
        );
        self.add(from, BTC, -sent);
        self.add(to, BTC, received);
        self.ledger.entries.push(w);
        self.ledger.entries.push(d);
    }

    fn generate(mut self, entries: usize) -> Ledger {
        while self.ledger.entries.len() < entries {
            let index = self.rng.below(2) as usize;
            let btc = !self.held(index, BTC).is_zero();
            match self.rng.below(100) {
                0..=14 => self.buy(BNB),
                r if !btc || r < 45 => self.buy(BTC),
                45..=54 => {
                    let asset = if self.rng.percent(50) { BTC } else { BNB };
                    self.income(asset)
                }
                55..=79 => self.sell(index),
                _ => self.transfer(index),
            }
        }
        self.ledger
    }
}

/// rp2 compares quantities at 13 decimal places: it reads one under 10^-13 as zero (a transfer
/// of dust is refused, a network fee of dust is no fee). The ledgers move no quantity under
/// 10^-12 and leave no account holding less.
fn is_dust(q: Decimal) -> bool {
    !q.is_zero() && q < Decimal::new(1, 12)
}

fn quantity(units: u128, dp: u32) -> Decimal {
    Decimal::from_i128_with_scale(units as i128, dp)
}

fn name(account: Uuid) -> &'static str {
    ACCOUNT_NAMES[(account.as_u128() - 1) as usize]
}

/// One part of a lot consumed by a disposal, as both sides report it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Line {
    event_id: String,
    acquired_at: DateTime<Utc>,
    quantity: Decimal,
    proceeds: Decimal,
    cost: Decimal,
    gain: Decimal,
    long_term: bool,
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python_path() -> PathBuf {
    workspace().join(".tools/python")
}

/// Whether rp2 can be imported; without it the test skips, or fails under `RP2_REQUIRED=1`.
fn rp2_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import rp2"])
        .env("PYTHONPATH", python_path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let reason = "rp2 is not installed in .tools/python: run scripts/install-rp2.sh";
        assert!(
            std::env::var("RP2_REQUIRED").as_deref() != Ok("1"),
            "{reason}"
        );
        eprintln!("skipping the rp2 ledger oracle: {reason}");
    }
    found
}

/// rp2's answer for one asset's ledger: per method, its lines and its total gain.
fn run_rp2(input: &Value) -> Value {
    let mut child = Command::new("python3")
        .arg(workspace().join("domain/tests/rp2_oracle.py"))
        .env("PYTHONPATH", python_path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        let saved = std::env::temp_dir().join("rp2-ledger-oracle-failed.json");
        std::fs::write(&saved, input.to_string()).unwrap();
        panic!(
            "rp2_oracle.py failed on the ledger saved in {}: {}",
            saved.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).expect("the driver prints JSON")
}

/// An rp2 amount as an exact Decimal: a value that does not fit means a ledger off its grid.
fn exact(value: &Value) -> Decimal {
    let text = value.as_str().expect("amounts are strings");
    Decimal::from_str_exact(text).unwrap_or_else(|e| panic!("rp2 amount {text} is not exact: {e}"))
}

fn rp2_lines(ledger: &Ledger, answer: &Value) -> Vec<Line> {
    let mut lines: Vec<Line> = answer["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| Line {
            event_id: l["event_id"].as_str().unwrap().into(),
            acquired_at: ledger.at[l["lot_id"].as_str().unwrap()],
            quantity: exact(&l["quantity"]),
            proceeds: exact(&l["proceeds"]),
            cost: exact(&l["cost_basis"]),
            gain: exact(&l["gain"]),
            long_term: l["term"] == "long",
        })
        .collect();
    lines.sort();
    lines
}

/// Our lines per asset for one method.
fn our_lines(ledger: &Ledger, method: Method) -> HashMap<Uuid, Vec<Line>> {
    let reduced = reduce(&ledger.entries);
    let report = compute(&reduced.events, method, Pooling::Universal);
    assert!(report.shortfalls.is_empty(), "the ledgers never oversell");
    let mut lines: HashMap<Uuid, Vec<Line>> = HashMap::new();
    for d in &report.disposals {
        lines.entry(d.asset).or_default().push(Line {
            event_id: d.event_id.clone(),
            acquired_at: d.acquired_at.unwrap(),
            quantity: d.quantity,
            proceeds: d.proceeds_usd,
            cost: d.cost_usd.unwrap(),
            gain: d.gain_usd.unwrap(),
            long_term: d.term == Some(Term::Long),
        });
    }
    for l in lines.values_mut() {
        l.sort();
    }
    lines
}

/// The lines only one side has, each with its entry's kind, for a failure message.
fn diff(ledger: &Ledger, ours: &[Line], theirs: &[Line]) -> String {
    let mut text = String::new();
    let show = |text: &mut String, side: &str, l: &Line| {
        let _ = writeln!(
            text,
            "  {side} {} ({:?}) lot {}: qty {} proceeds {} cost {} gain {} {}",
            l.event_id,
            ledger.what.get(&l.event_id),
            l.acquired_at.date_naive(),
            l.quantity,
            l.proceeds,
            l.cost,
            l.gain,
            if l.long_term { "long" } else { "short" }
        );
    };
    for l in ours.iter().filter(|l| !theirs.contains(l)) {
        show(&mut text, "ours only:", l);
    }
    for l in theirs.iter().filter(|l| !ours.contains(l)) {
        show(&mut text, "rp2 only: ", l);
    }
    text
}

/// What the compared lines covered, so a generator change cannot quietly test less.
#[derive(Debug, Default)]
struct Coverage {
    entries: BTreeMap<What, usize>,
    lines: usize,
    long: usize,
    short: usize,
    /// Lines per kind of entry that produced them, and per asset (BNB lines of a BTC trade
    /// are its fee in a third asset).
    by_kind: BTreeMap<(&'static str, What), usize>,
    finest_dp: BTreeMap<&'static str, u32>,
}

impl Coverage {
    fn add(&mut self, ledger: &Ledger, asset: &'static str, lines: &[Line]) {
        for l in lines {
            self.lines += 1;
            if l.long_term {
                self.long += 1;
            } else {
                self.short += 1;
            }
            *self
                .by_kind
                .entry((asset, ledger.what[&l.event_id]))
                .or_default() += 1;
            let dp = self.finest_dp.entry(asset).or_default();
            *dp = (*dp).max(l.quantity.normalize().scale());
        }
    }

    fn has(&self, asset: &'static str, what: What) -> bool {
        self.by_kind.get(&(asset, what)).is_some_and(|&n| n > 0)
    }
}

/// Runs `ledgers` ledgers (or `RP2_ORACLE_LEDGERS` of them) of at least `entries` entries
/// each, seeded from `first_seed` on, and compares every asset's and method's lines and total.
fn assert_equal_to_rp2(profile: fn() -> Profile, first_seed: u64, ledgers: u64, entries: usize) {
    let qty_dp = profile().qty_dp;
    let ledgers = std::env::var("RP2_ORACLE_LEDGERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(ledgers);
    if !rp2_available() {
        return;
    }
    let started = Instant::now();
    let mut seen = Coverage::default();
    for seed in first_seed..first_seed + ledgers {
        let ledger = Generator::new(profile(), seed).generate(entries);
        for e in &ledger.entries {
            *seen
                .entries
                .entry(ledger.what[&e.id.to_string()])
                .or_default() += 1;
        }
        for e in &ledger.entries {
            assert_eq!(check(e), vec![], "seed {seed}: entry {e:?} is well formed");
        }
        let reduced = reduce(&ledger.entries);
        assert!(reduced.gaps.is_empty(), "seed {seed}: {:?}", reduced.gaps);
        let balances: BTreeMap<_, _> = reduced
            .balances
            .into_iter()
            .filter(|(_, q)| !q.is_zero())
            .collect();
        let expected: BTreeMap<_, _> = ledger
            .balances
            .iter()
            .filter(|(_, q)| !q.is_zero())
            .map(|(k, q)| (*k, *q))
            .collect();
        assert_eq!(balances, expected, "seed {seed}: the ledger's balances");
        let answers: HashMap<&str, Value> = ASSETS
            .iter()
            .map(|&(_, name)| (name, run_rp2(&ledger.rp2[name])))
            .collect();
        for (method_name, method) in [
            ("fifo", Method::Fifo),
            ("lifo", Method::Lifo),
            ("hifo", Method::Hifo),
        ] {
            let mut ours = our_lines(&ledger, method);
            for &(asset, asset_name) in &ASSETS {
                let ours = ours.remove(&asset).unwrap_or_default();
                let answer = &answers[asset_name][method_name];
                let theirs = rp2_lines(&ledger, answer);
                assert!(
                    ours == theirs,
                    "seed {seed}, {asset_name}, {method_name}: lines differ from rp2\n{}",
                    diff(&ledger, &ours, &theirs)
                );
                let total: Decimal = ours.iter().map(|l| l.gain).sum();
                assert_eq!(
                    total,
                    exact(&answer["total_gain"]),
                    "seed {seed}, {asset_name}, {method_name}: total realized gain differs from rp2"
                );
                seen.add(&ledger, asset_name, &ours);
            }
        }
    }
    eprintln!(
        "compared with rp2 in {:.1} s: {seen:?}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        seen.long > 0
            && seen.short > 0
            && [
                ("BNB", What::BuyBtcBnbFee),
                ("BNB", What::SellBtcBnbFee),
                ("BTC", What::SellBtcUsdFee),
                ("BTC", What::SellBtcBnbFee),
                ("BTC", What::Transfer),
            ]
            .iter()
            .all(|&(a, w)| seen.has(a, w))
            && seen.finest_dp.values().all(|&dp| dp == qty_dp)
            && seen.entries.len() == 7,
        "the ledgers exercise every kind of entry, both terms, every kind of disposal and the \
         finest quantities: \
         {seen:?}"
    );
}

#[test]
fn ledger_gains_with_fees_in_a_third_asset_equal_rp2_priced_in_cents() {
    assert_equal_to_rp2(cents, 1, 6, 80);
}

#[test]
fn ledger_gains_with_fees_in_a_third_asset_equal_rp2_with_18_decimal_quantities() {
    assert_equal_to_rp2(eighteen_decimals, 101, 4, 60);
}
