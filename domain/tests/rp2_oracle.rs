//! Cost basis proven against rp2 (issue 27): FIFO, LIFO and HIFO over one pool per asset
//! ([`Pooling::Universal`]) give the same realized gains as rp2 1.7.2 on the same ledgers,
//! line for line and to the last digit.
//!
//! Pseudo-random ledgers (fixed seeds) of buys with fees, income, sales with fees paid in the
//! asset and transfers between two accounts with network fees are fed to our engine and, as
//! exact decimal strings, to `rp2_oracle.py`, which runs rp2's own tax engine. How each entry
//! maps to both sides (see `docs/ledger.md`, "Cost basis proven against rp2"):
//! - A buy: rp2 `BUY` with `fiat_fee`; ours an acquisition costing quantity × spot + fee.
//! - Income: rp2 `STAKING` / `INTEREST`; ours an acquisition at its value, listed as income.
//! - A sale of Q units of which F pay its fee: rp2 `SELL` with `crypto_out_no_fee` = Q − F,
//!   `crypto_fee` = F and `fiat_out_no_fee` = the net proceeds (rp2 never deducts a sale's fee
//!   from its proceeds, so the net amount is given to it); ours a disposal of Q for the net
//!   proceeds.
//! - A transfer sending S and receiving R: rp2 an `INTRA` row; ours a disposal of S − R at the
//!   spot price (rp2 makes that fee a taxable event at market value) and a transfer of R.
//!
//! Where the two rule sets differ, the ledgers are chosen so the difference cannot show:
//! - HIFO: rp2 ranks lots by spot price, we by cost per unit (fees included). Every buy pays
//!   the same fee rate, and a lot whose spot price would rank it differently from its unit
//!   cost (or tie another lot's spot price) is redrawn.
//! - HIFO and income: rp2 1.7.2's HIFO loses the rest of a partly used lot when income
//!   arrives before the next disposal (a bug of rp2; FIFO and LIFO are unaffected), so for HIFO
//!   the driver gives rp2 income as buys at their value: the same lot, the same cost.
//! - Long term: rp2 says `days >= 365`, we say more than one year; they differ only for a lot
//!   held exactly 365 or 366 days, so no disposal falls on such a day after any acquisition.
//! - Rounding: we round each proportional split to 12 decimal places of a dollar (rule 4);
//!   rp2 computes at 31 significant digits. Prices are on grids that keep every split within
//!   12 places (cents with 6-decimal quantities; 18-decimal quantities at prices that are
//!   whole multiples of 2 × 10^8), and the driver raises Python's precision so rp2 is exact.
//!
//! Runs only when rp2 is installed (`scripts/install-rp2.sh`); with `RP2_REQUIRED=1` a missing
//! rp2 fails the test instead of skipping it.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::cost_basis::{compute, Event, EventKind, Method, Pooling, Term};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

const ACCOUNTS: [&str; 2] = ["A", "B"];
const ASSET: u128 = 100;

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
    /// Decimal places of every quantity.
    qty_dp: u32,
    /// Prices are `price_step × k` for k in `price_steps`.
    price_step: Decimal,
    price_steps: (u128, u128),
    /// Largest quantity bought at once, in whole units.
    max_buy: u128,
}

fn cents() -> Profile {
    Profile {
        qty_dp: 6,
        price_step: Decimal::new(1, 2),
        price_steps: (1_000, 500_000),
        max_buy: 20,
    }
}

fn eighteen_decimals() -> Profile {
    Profile {
        qty_dp: 18,
        price_step: Decimal::from(200_000_000),
        price_steps: (1, 400),
        max_buy: 10,
    }
}

/// Every buy pays this share of its value as a fee (one rate keeps HIFO's two rankings alike).
fn fee_rate() -> Decimal {
    Decimal::new(5, 3)
}

/// One ledger in both shapes.
struct Ledger {
    events: Vec<Event>,
    rp2: Value,
    /// When each acquisition happened, by id (rp2 names lots by id, we by time).
    acquired_at: HashMap<String, DateTime<Utc>>,
}

struct Generator {
    rng: Rng,
    profile: Profile,
    day: i64,
    balances: [Decimal; 2],
    /// (day, spot price, unit cost) of every acquisition.
    lots: Vec<(i64, Decimal, Decimal)>,
    ledger: Ledger,
}

impl Generator {
    fn new(profile: Profile, seed: u64) -> Self {
        Generator {
            rng: Rng(seed),
            profile,
            day: 0,
            balances: [Decimal::ZERO; 2],
            lots: Vec::new(),
            ledger: Ledger {
                events: Vec::new(),
                rp2: json!({"asset": "ETH", "accounts": ACCOUNTS, "in": [], "out": [], "intra": []}),
                acquired_at: HashMap::new(),
            },
        }
    }

    fn at(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 1, 1, 12, 0, 0).unwrap() + Duration::days(self.day)
    }

    fn timestamp(&self) -> String {
        self.at().to_rfc3339()
    }

    fn quantity(&self, units: u128) -> Decimal {
        Decimal::from_i128_with_scale(units as i128, self.profile.qty_dp)
    }

    /// Quantity in smallest units.
    fn units(&self, quantity: Decimal) -> u128 {
        let mut q = quantity;
        q.rescale(self.profile.qty_dp);
        q.mantissa() as u128
    }

    fn price(&mut self) -> Decimal {
        let (lo, hi) = self.profile.price_steps;
        self.profile.price_step * Decimal::from(lo + self.rng.below(hi - lo + 1))
    }

    /// A spot price for a new lot whose unit cost ranks it among the other lots as its spot
    /// price does, and ties none of them (so rp2's HIFO and ours agree).
    fn lot_price(&mut self, fee_rate: Decimal) -> (Decimal, Decimal) {
        loop {
            let spot = self.price();
            let unit = spot * (Decimal::ONE + fee_rate);
            if self
                .lots
                .iter()
                .all(|&(_, s, u)| s != spot && u != unit && (s < spot) == (u < unit))
            {
                return (spot, unit);
            }
        }
    }

    /// Moves to a later day; a disposal also skips days where rp2's and our long-term rules
    /// disagree for some lot (held exactly 365 or 366 days).
    fn advance(&mut self, disposal: bool) {
        self.day += 1 + self.rng.below(30) as i64;
        while disposal
            && self
                .lots
                .iter()
                .any(|&(d, _, _)| matches!(self.day - d, 365 | 366))
        {
            self.day += 1;
        }
    }

    fn push_event(&mut self, id: &str, kind: EventKind) {
        self.ledger.events.push(Event {
            id: id.into(),
            at: self.at(),
            kind,
        });
    }

    fn rp2_push(&mut self, table: &str, row: Value) {
        self.ledger.rp2[table].as_array_mut().unwrap().push(row);
    }

    fn acquire(&mut self, n: usize, income: bool) {
        self.advance(false);
        let account = self.rng.below(2) as usize;
        let units = 1 + self
            .rng
            .below(self.profile.max_buy * 10u128.pow(self.profile.qty_dp));
        let quantity = self.quantity(units);
        let rate = if income { Decimal::ZERO } else { fee_rate() };
        let (spot, unit) = self.lot_price(rate);
        let fee = quantity * spot * rate;
        let id = format!("in{n}");
        let kind = if income {
            ["STAKING", "INTEREST"][self.rng.below(2) as usize]
        } else {
            "BUY"
        };
        self.push_event(
            &id,
            EventKind::Acquire {
                account: account_id(account),
                asset: Uuid::from_u128(ASSET),
                quantity,
                cost_usd: quantity * spot + fee,
                income: income.then(|| kind.to_lowercase()),
            },
        );
        self.rp2_push(
            "in",
            json!({"id": id, "timestamp": self.timestamp(), "account": ACCOUNTS[account],
                   "type": kind, "spot_price": spot.to_string(),
                   "crypto_in": quantity.to_string(), "fiat_fee": fee.to_string()}),
        );
        self.ledger.acquired_at.insert(id, self.at());
        self.lots.push((self.day, spot, unit));
        self.balances[account] += quantity;
    }

    /// Part of an account's balance, in smallest units: sometimes all of it.
    fn part_of(&mut self, account: usize) -> u128 {
        let held = self.units(self.balances[account]);
        if self.rng.percent(15) {
            held
        } else {
            1 + self.rng.below(held)
        }
    }

    fn sell(&mut self, n: usize, account: usize) {
        self.advance(true);
        let units = self.part_of(account);
        let fee_units = if units > 1 && self.rng.percent(30) {
            1 + self.rng.below(units / 50 + 1).min(units - 2)
        } else {
            0
        };
        let quantity = self.quantity(units);
        let fee = self.quantity(fee_units);
        let spot = self.price();
        // Net proceeds per unit sold (fee included) on the price grid, so splits stay exact.
        let net_unit = self.price();
        let proceeds = quantity * net_unit;
        let id = format!("out{n}");
        self.push_event(
            &id,
            EventKind::Dispose {
                account: account_id(account),
                asset: Uuid::from_u128(ASSET),
                quantity,
                proceeds_usd: proceeds,
            },
        );
        self.rp2_push(
            "out",
            json!({"id": id, "timestamp": self.timestamp(), "account": ACCOUNTS[account],
                   "spot_price": spot.to_string(),
                   "crypto_out_no_fee": (quantity - fee).to_string(),
                   "crypto_fee": fee.to_string(), "fiat_out_no_fee": proceeds.to_string()}),
        );
        self.balances[account] -= quantity;
    }

    fn transfer(&mut self, n: usize, from: usize) {
        let sent_units = self.part_of(from);
        let fee_units = if sent_units > 1 && self.rng.percent(60) {
            1 + self.rng.below(sent_units / 50 + 1).min(sent_units - 2)
        } else {
            0
        };
        self.advance(fee_units > 0);
        let to = 1 - from;
        let sent = self.quantity(sent_units);
        let fee = self.quantity(fee_units);
        let spot = self.price();
        let id = format!("move{n}");
        if !fee.is_zero() {
            self.push_event(
                &id,
                EventKind::Dispose {
                    account: account_id(from),
                    asset: Uuid::from_u128(ASSET),
                    quantity: fee,
                    proceeds_usd: fee * spot,
                },
            );
        }
        self.push_event(
            &id,
            EventKind::Transfer {
                from: account_id(from),
                to: account_id(to),
                asset: Uuid::from_u128(ASSET),
                quantity: sent - fee,
            },
        );
        self.rp2_push(
            "intra",
            json!({"id": id, "timestamp": self.timestamp(), "from": ACCOUNTS[from],
                   "to": ACCOUNTS[to], "spot_price": spot.to_string(),
                   "crypto_sent": sent.to_string(), "crypto_received": (sent - fee).to_string()}),
        );
        self.balances[from] -= sent;
        self.balances[to] += sent - fee;
    }

    fn generate(mut self, events: usize) -> Ledger {
        for n in 0..events {
            let account = self.rng.below(2) as usize;
            let roll = self.rng.below(100);
            let held = !self.balances[account].is_zero();
            match roll {
                _ if !held || roll < 35 => self.acquire(n, false),
                35..=44 => self.acquire(n, true),
                45..=74 => self.sell(n, account),
                _ => self.transfer(n, account),
            }
        }
        self.ledger
    }
}

fn account_id(index: usize) -> Uuid {
    Uuid::from_u128(1 + index as u128)
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
        eprintln!("skipping the rp2 oracle: {reason}");
    }
    found
}

/// rp2's answer for one ledger: per method, its lines and its total gain.
fn run_rp2(ledger: &Ledger) -> Value {
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
        .write_all(ledger.rp2.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        let saved = std::env::temp_dir().join("rp2-oracle-failed-ledger.json");
        std::fs::write(&saved, ledger.rp2.to_string()).unwrap();
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
            acquired_at: ledger.acquired_at[l["lot_id"].as_str().unwrap()],
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

fn our_lines(ledger: &Ledger, method: Method) -> (Vec<Line>, Decimal) {
    let report = compute(&ledger.events, method, Pooling::Universal);
    assert!(report.shortfalls.is_empty(), "the ledgers never oversell");
    let mut lines: Vec<Line> = report
        .disposals
        .iter()
        .map(|d| Line {
            event_id: d.event_id.clone(),
            acquired_at: d.acquired_at.unwrap(),
            quantity: d.quantity,
            proceeds: d.proceeds_usd,
            cost: d.cost_usd.unwrap(),
            gain: d.gain_usd.unwrap(),
            long_term: d.term == Some(Term::Long),
        })
        .collect();
    let total = lines.iter().map(|l| l.gain).sum();
    lines.sort();
    (lines, total)
}

/// Runs `ledgers` ledgers (or `RP2_ORACLE_LEDGERS` of them, for a deeper run) of `events`
/// entries each, seeded from `first_seed` on, and compares every method's lines and total.
fn assert_equal_to_rp2(profile: fn() -> Profile, first_seed: u64, ledgers: u64, events: usize) {
    let qty_dp = profile().qty_dp;
    let ledgers = std::env::var("RP2_ORACLE_LEDGERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(ledgers);
    let seeds = first_seed..first_seed + ledgers;
    if !rp2_available() {
        return;
    }
    let mut seen = Coverage::default();
    for seed in seeds {
        let ledger = Generator::new(profile(), seed).generate(events);
        let answer = run_rp2(&ledger);
        for (name, method) in [
            ("fifo", Method::Fifo),
            ("lifo", Method::Lifo),
            ("hifo", Method::Hifo),
        ] {
            let (ours, total) = our_lines(&ledger, method);
            let theirs = rp2_lines(&ledger, &answer[name]);
            assert!(
                !ours.is_empty(),
                "seed {seed}: the ledger disposes of something"
            );
            assert_eq!(ours, theirs, "seed {seed}, {name}: lines differ from rp2");
            seen.add(&ours);
            assert_eq!(
                total,
                exact(&answer[name]["total_gain"]),
                "seed {seed}, {name}: total realized gain differs from rp2"
            );
        }
    }
    eprintln!("compared with rp2: {seen:?}");
    assert!(
        seen.long > 0 && seen.short > 0 && seen.transfer_fees > 0 && seen.finest_dp == qty_dp,
        "the ledgers exercise both terms, transfer fees and the finest quantities: {seen:?}"
    );
}

/// What the compared lines covered, so a generator change cannot quietly test less.
#[derive(Debug, Default)]
struct Coverage {
    lines: usize,
    long: usize,
    short: usize,
    transfer_fees: usize,
    finest_dp: u32,
}

impl Coverage {
    fn add(&mut self, lines: &[Line]) {
        for l in lines {
            self.lines += 1;
            if l.long_term {
                self.long += 1;
            } else {
                self.short += 1;
            }
            if l.event_id.starts_with("move") {
                self.transfer_fees += 1;
            }
            self.finest_dp = self.finest_dp.max(l.quantity.normalize().scale());
        }
    }
}

#[test]
fn fifo_lifo_and_hifo_gains_equal_rp2_on_ledgers_priced_in_cents() {
    assert_equal_to_rp2(cents, 1, 6, 80);
}

#[test]
fn fifo_lifo_and_hifo_gains_equal_rp2_on_ledgers_with_18_decimal_quantities() {
    assert_equal_to_rp2(eighteen_decimals, 101, 4, 60);
}
