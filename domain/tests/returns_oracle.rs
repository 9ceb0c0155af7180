//! `domain::returns` against independent oracles: the time-weighted return against exact
//! fractions (Python's `fractions.Fraction`), the money-weighted return against pyxirr 0.10.8
//! (PyPI), on flow sets generated from fixed seeds: a random walk of values over 30 to 1,200
//! days, deposits and withdrawals on random days (including the first and the last), and a
//! withdrawal of everything followed by a new deposit in some sets.
//!
//! The time-weighted return must equal the exact fraction to 1e-20 (our divisions keep 28
//! significant digits); the XIRR must equal pyxirr's to 1e-9 (relative above a rate of 1).
//! Runs only when pyxirr is installed (`scripts/install-pyxirr.sh`); with `PYXIRR_REQUIRED=1`
//! a missing pyxirr fails the test instead of skipping it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use chrono::{Duration, NaiveDate};
use domain::returns::{twr, xirr, Day};
use rust_decimal::prelude::*;
use serde_json::{json, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn pyxirr_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import pyxirr"])
        .env("PYTHONPATH", workspace().join(".tools/python"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let reason = "pyxirr is not installed in .tools/python: run scripts/install-pyxirr.sh";
        assert!(
            std::env::var("PYXIRR_REQUIRED").as_deref() != Ok("1"),
            "{reason}"
        );
        eprintln!("skipping the returns oracle: {reason}");
    }
    found
}

struct Case {
    days: Vec<Day>,
    flows: Vec<(NaiveDate, Decimal)>,
}

fn cents(n: i64) -> Decimal {
    Decimal::new(n, 2)
}

fn generate(seed: u64) -> Case {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let start = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    let n = 30 + rng.below(1_171) as i64;
    let mut value = Decimal::ZERO;
    let mut days = Vec::new();
    let mut flows = Vec::new();
    let empties = rng.below(3) == 0;
    for i in 0..n {
        let date = start + Duration::days(i);
        let first = i == 0;
        let last = i == n - 1;
        let mut inflow = Decimal::ZERO;
        if first || rng.below(20) == 0 || (value.is_zero() && rng.below(5) == 0) {
            inflow = cents(10_000 + rng.below(1_000_000) as i64);
        }
        // A day's move: −6 % to +6 % in hundredths of a percent.
        let moved = ((value + inflow)
            * (Decimal::ONE + Decimal::new(rng.below(1_201) as i64 - 600, 4)))
        .round_dp(2);
        let mut outflow = Decimal::ZERO;
        if !first && (rng.below(33) == 0 || last && rng.below(2) == 0) {
            outflow = if empties && rng.below(4) == 0 {
                moved
            } else {
                (moved * Decimal::new(rng.below(50) as i64, 2)).round_dp(2)
            };
        }
        value = moved - outflow;
        if !inflow.is_zero() {
            flows.push((date, -inflow));
        }
        if !outflow.is_zero() {
            flows.push((date, outflow));
        }
        days.push(Day {
            date,
            value: Some(value),
            inflow,
            outflow,
        });
    }
    let end = days.last().unwrap().date;
    if !value.is_zero() {
        flows.push((end, value));
    }
    Case { days, flows }
}

#[test]
fn time_and_money_weighted_returns_equal_the_oracles() {
    if !pyxirr_available() {
        return;
    }
    let count: u64 = std::env::var("RETURNS_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let cases: Vec<Case> = (1..=count).map(generate).collect();
    let input: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "days": c.days.iter().map(|d| json!({
                    "value": d.value.unwrap().to_string(),
                    "inflow": d.inflow.to_string(),
                    "outflow": d.outflow.to_string(),
                })).collect::<Vec<_>>(),
                "flows": c.flows.iter().map(|(d, a)| json!({"date": d.to_string(), "amount": a.to_string()})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut child = Command::new("python3")
        .arg(workspace().join("domain/tests/returns_oracle.py"))
        .env("PYTHONPATH", workspace().join(".tools/python"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(Value::from(input).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let (mut with_xirr, mut flows_total) = (0, 0);
    for (i, (case, answer)) in cases.iter().zip(&answers).enumerate() {
        let ours = twr(&case.days).cumulative.expect("every day is valued");
        let exact = Decimal::from_str(answer["twr"].as_str().unwrap()).unwrap_or_else(|_| {
            // Beyond 28 digits: compare at the oracle's precision instead.
            Decimal::from_str(&answer["twr"].as_str().unwrap()[..28]).unwrap()
        });
        assert!(
            (ours - exact).abs() <= Decimal::new(1, 20),
            "case {i}: TWR {ours} but the exact fraction is {exact}"
        );
        flows_total += case.flows.len();
        match (xirr(&case.flows), answer["xirr"].as_f64()) {
            (Some(r), Some(py)) => {
                let r = r.to_f64().unwrap();
                assert!(
                    (r - py).abs() <= 1e-9 * py.abs().max(1.0),
                    "case {i}: XIRR {r} but pyxirr says {py}"
                );
                with_xirr += 1;
            }
            (None, None) => {}
            (ours, py) => panic!("case {i}: XIRR {ours:?} but pyxirr says {py:?}"),
        }
    }
    eprintln!(
        "{} cases ({} flows): every TWR equals the exact fraction, {with_xirr} XIRRs equal pyxirr's",
        cases.len(),
        flows_total
    );
    assert!(
        with_xirr > cases.len() / 2,
        "too few XIRRs compared: {with_xirr}"
    );
}
