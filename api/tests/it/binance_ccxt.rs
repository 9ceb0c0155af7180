//! Every Binance request we send, byte for byte against ccxt's (PyPI, pinned in
//! scripts/install-ccxt.sh) for a frozen clock and Binance's documented example key: the path and
//! query of a GET, the form body of a POST, the key header. ccxt runs in
//! scripts/ccxt-binance-oracle.py with its `fetch` intercepted (nothing leaves the machine).
//!
//! Needs python3 with ccxt in `.tools/python` (scripts/test.sh installs it). Without ccxt the
//! test is skipped with a message, unless `CI=true` or `BINANCE_CCXT_REQUIRED=1` (scripts/test.sh
//! sets it): then it fails.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use api::connectors::binance::BinanceClient;
use api::connectors::ExchangeBalances;
use api::metrics::Metrics;
use serde_json::{json, Value};

use crate::binance_connector::{config, creds};
use crate::fake_binance::{FakeBinance, FakeKey, DOC_KEY, DOC_SECRET};

/// The documented example's timestamp.
const FROZEN_MS: i64 = 1_499_827_319_559;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
        || std::env::var("BINANCE_CCXT_REQUIRED").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn python_path() -> String {
    let tools = root().join(".tools/python");
    match std::env::var("PYTHONPATH") {
        Ok(p) if !p.is_empty() => format!("{}:{p}", tools.display()),
        _ => tools.display().to_string(),
    }
}

/// Whether ccxt can be imported; panics when it cannot and the test is required.
fn ccxt_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import ccxt"])
        .env("PYTHONPATH", python_path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !required(),
            "ccxt is missing but CI or BINANCE_CCXT_REQUIRED is set: run scripts/install-ccxt.sh"
        );
        eprintln!("ccxt not installed (scripts/install-ccxt.sh): Binance signing oracle skipped");
    }
    ok
}

/// A request to sign: method, path and its parameters in order.
type Planned<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

/// What ccxt sends for these requests.
fn ccxt_requests(requests: &[Planned<'_>]) -> Vec<Value> {
    let job = json!({
        "api_key": DOC_KEY,
        "secret": DOC_SECRET,
        "now_ms": FROZEN_MS,
        "requests": requests
            .iter()
            .map(|(method, path, params)| json!({"method": method, "path": path, "params": params}))
            .collect::<Vec<_>>(),
    });
    let mut child = Command::new("python3")
        .arg(root().join("scripts/ccxt-binance-oracle.py"))
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
        .write_all(job.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn binance_every_request_is_signed_byte_for_byte_as_ccxt_signs_it() {
    if !ccxt_available() {
        return;
    }
    // The fake's clock is frozen at the same instant, so it accepts the frozen timestamps.
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 354_937_868)],
        Some(FROZEN_MS),
        |_, _| None,
    )
    .await;
    let client = BinanceClient::new(&config(&fake.base_url), Arc::new(Metrics::new()))
        .with_clock(|| FROZEN_MS);
    let c = creds(DOC_KEY, DOC_SECRET);
    // Sequentially, so the order of our requests is known.
    client.spot_balances(&c).await.unwrap();
    client.funding_balances(&c).await.unwrap();
    let mut ours = fake.seen();
    client.earn_balances(&c).await.unwrap();
    let mut earn: Vec<_> = fake.seen().split_off(ours.len());
    earn.sort_by_key(|s| (s.path.clone(), s.param("current")));
    ours.extend(earn);
    let before = ours.len();
    client.key_permissions(&c).await.unwrap();
    let mut perms: Vec<_> = fake.seen().split_off(before);
    perms.sort_by_key(|s| s.path.clone());
    ours.extend(perms);
    assert!(ours.iter().all(|s| s.auth.is_ok()), "{ours:?}");

    let flexible = "/sapi/v1/simple-earn/flexible/position";
    let locked = "/sapi/v1/simple-earn/locked/position";
    let expected = ccxt_requests(&[
        ("GET", "/api/v3/account", vec![("omitZeroBalances", "true")]),
        ("POST", "/sapi/v1/asset/get-funding-asset", vec![]),
        ("GET", flexible, vec![("current", "1"), ("size", "100")]),
        ("GET", flexible, vec![("current", "2"), ("size", "100")]),
        ("GET", flexible, vec![("current", "3"), ("size", "100")]),
        ("GET", locked, vec![("current", "1"), ("size", "100")]),
        ("GET", locked, vec![("current", "2"), ("size", "100")]),
        ("GET", "/api/v3/account", vec![("omitZeroBalances", "true")]),
        ("GET", "/sapi/v1/account/apiRestrictions", vec![]),
    ]);
    assert_eq!(ours.len(), expected.len(), "{ours:?}");
    for (mine, theirs) in ours.iter().zip(&expected) {
        let url = theirs["url"].as_str().unwrap();
        let their_target = url.strip_prefix("https://api.binance.com").unwrap();
        let my_target = if mine.query.is_empty() {
            mine.path.clone()
        } else {
            format!("{}?{}", mine.path, mine.query)
        };
        assert_eq!(mine.method, theirs["method"].as_str().unwrap());
        assert_eq!(my_target, their_target, "request target");
        assert_eq!(mine.body, theirs["body"].as_str().unwrap(), "form body");
        assert_eq!(mine.api_key(), theirs["headers"]["X-MBX-APIKEY"]);
        if mine.method == "POST" {
            assert_eq!(
                mine.headers["content-type"],
                theirs["headers"]["Content-Type"].as_str().unwrap()
            );
        }
    }
    // The reference run of shared/reference/binance: the spot call's signature.
    assert!(ours[0]
        .query
        .ends_with("&signature=199882b3c576435b373e86ae3a3d3958b092dbf18b06b19f5ac4939ca67a2a99"));
}
