//! Benchmark of the ledger (docs/benchmarks.md, "Ledger: import and cost basis"):
//! `BENCH_LEDGER_ENTRIES` entries (100,000) spread over `BENCH_LEDGER_ACCOUNTS` manual accounts
//! (4), generated from a fixed seed as files in the generic format (buys and sales for dollars,
//! crypto-for-crypto trades with a fee in BNB, staking income), each previewed and imported
//! through the API served on 127.0.0.1 in local mode; then realized gains and P&L are asked for
//! twice (cold and warm), and every file is imported again (nothing may be added). Fails unless
//! every entry is stored once and the gains are complete; prints the times and the process's
//! peak memory.
//!
//! `cargo run --release -p api --bin bench_ledger` (a scratch SQLite file in a temporary
//! folder, removed at the end).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use api::config::Config;
use api::state::AppState;
use rust_decimal::Decimal;

#[path = "common/serve.rs"]
mod serve;
#[path = "common/sizes.rs"]
mod sizes;

/// A small deterministic generator (xorshift64*): the same files on every run.
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

const ASSETS: [(&str, i64); 4] = [("BTC", 40_000), ("ETH", 2_500), ("SOL", 100), ("BNB", 300)];

/// One account's file of `n` entries, every sale covered by what was bought before it.
fn file(seed: u64, n: usize) -> String {
    let mut rng = Rng(seed | 1);
    let mut held: HashMap<&str, Decimal> = HashMap::new();
    let mut out = String::from(
        "date,kind,sent_quantity,sent_asset,received_quantity,received_asset,fee_quantity,fee_asset,value_usd,fee_value_usd,income_kind,note\n",
    );
    let start = chrono::DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z")
        .expect("date")
        .to_utc();
    let step = (5 * 365 * 86_400) / n.max(1) as i64;
    for i in 0..n {
        let at =
            (start + chrono::Duration::seconds(i as i64 * step.max(1))).format("%Y-%m-%d %H:%M:%S");
        let (sym, base) = ASSETS[rng.below(ASSETS.len() as u64) as usize];
        let qty = Decimal::new(rng.below(2_000_000) as i64 + 1, 6);
        // Prices move within ±50 % of the base, in cents.
        let price = Decimal::new(
            base * 100 + (rng.below(base as u64 * 100) as i64 - base * 50),
            2,
        );
        let value = (qty * price).round_dp(2).max(Decimal::new(1, 2));
        let have = held.get(sym).copied().unwrap_or_default();
        let roll = rng.below(10);
        let line = if roll < 3 && have >= qty {
            held.insert(sym, have - qty);
            format!("{at},trade,{qty},{sym},{value},USD,1.5,USD,,,,sale")
        } else if roll == 3 && have >= qty {
            let (other, other_base) = ASSETS[(rng.below(3) as usize + 1) % ASSETS.len()];
            let other = if other == sym { "BTC" } else { other };
            let other_base = if other == "BTC" && other != sym {
                40_000
            } else {
                other_base
            };
            let got = (value / Decimal::from(other_base))
                .round_dp(8)
                .max(Decimal::new(1, 8));
            held.insert(sym, have - qty);
            *held.entry(other).or_default() += got;
            let bnb = held.get("BNB").copied().unwrap_or_default();
            let fee = Decimal::new(1, 3);
            if bnb >= fee && sym != "BNB" && other != "BNB" {
                held.insert("BNB", bnb - fee);
                format!("{at},trade,{qty},{sym},{got},{other},{fee},BNB,{value},0.30,,swap")
            } else {
                format!("{at},trade,{qty},{sym},{got},{other},,,{value},,,swap")
            }
        } else if roll == 4 && (sym == "ETH" || sym == "SOL") {
            let reward = (qty / Decimal::from(100))
                .round_dp(8)
                .max(Decimal::new(1, 8));
            *held.entry(sym).or_default() += reward;
            format!(
                "{at},income,,,{reward},{sym},,,{},,staking,",
                (reward * price).round_dp(2)
            )
        } else {
            *held.entry(sym).or_default() += qty;
            format!("{at},trade,{value},USD,{qty},{sym},1.5,USD,,,,buy")
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The process's peak resident memory (`VmHWM`), in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let entries = sizes::env_size("BENCH_LEDGER_ENTRIES", 100_000);
    let accounts = sizes::env_size("BENCH_LEDGER_ACCOUNTS", 4).max(1);
    let dir = std::env::temp_dir().join(format!("butler-bench-ledger-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir, entries, accounts).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn timed<T>(
    f: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<(T, Duration)> {
    let t = Instant::now();
    let v = f.await?;
    Ok((v, t.elapsed()))
}

async fn run(dir: &std::path::Path, entries: usize, accounts: usize) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let vars: HashMap<String, String> = [
        (
            "DATABASE_URL",
            format!("sqlite://{}/butler.db?mode=rwc", dir.display()),
        ),
        ("BIND_ADDR", addr.to_string()),
        ("RATE_LIMIT_ENABLED", "false".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = Config::from_vars(&vars).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = api::db::connect(&config).await?;
    api::db::migrate(&db).await?;
    let state = AppState::new(config, db, api::crypto::Cipher::new([9u8; 32], Vec::new()));
    let server = serve::serve(listener, state.clone())?;
    let base = server.base.clone();
    let client = reqwest::Client::new();

    let per = entries / accounts;
    let mut files = Vec::new();
    let t = Instant::now();
    for a in 0..accounts {
        let id = client
            .post(format!("{base}/api/accounts"))
            .json(&serde_json::json!({"name": format!("Ledger {a}"), "account_type": "manual"}))
            .send()
            .await?
            .error_for_status()?
            .json::<serde_json::Value>()
            .await?["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        files.push((id, file(0x5eed + a as u64, per)));
    }
    let generated = t.elapsed();
    let bytes: usize = files.iter().map(|(_, f)| f.len()).sum();

    let import = |account: String, body: String, commit: bool| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let r = client
                .post(format!(
                    "{base}/api/ledger/import?account_id={account}&format=generic&commit={commit}"
                ))
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await?;
            let status = r.status();
            let v: serde_json::Value = r.json().await?;
            anyhow::ensure!(status.is_success(), "import answered {status}: {v}");
            Ok(v)
        }
    };
    let (mut previewed, mut added) = (0usize, 0u64);
    let mut preview_time = Duration::ZERO;
    let mut commit_time = Duration::ZERO;
    for (id, body) in &files {
        let (p, took) = timed(import(id.clone(), body.clone(), false)).await?;
        anyhow::ensure!(
            p["errors"].as_array().is_some_and(|e| e.is_empty()),
            "errors: {}",
            p["errors"]
        );
        previewed += p["to_add"].as_array().map_or(0, |a| a.len());
        preview_time += took;
        let (c, took) = timed(import(id.clone(), body.clone(), true)).await?;
        added += c["added"].as_u64().unwrap_or(0);
        commit_time += took;
    }
    let get = |path: &'static str| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let r = client.get(format!("{base}{path}")).send().await?;
            let status = r.status();
            let v: serde_json::Value = r.json().await?;
            anyhow::ensure!(status.is_success(), "{path} answered {status}");
            Ok(v)
        }
    };
    let (gains, gains_cold) = timed(get("/api/ledger/gains")).await?;
    let (_, gains_warm) = timed(get("/api/ledger/gains")).await?;
    let (pnl, pnl_time) = timed(get("/api/ledger/pnl")).await?;
    let mut again = 0u64;
    let mut reimport_time = Duration::ZERO;
    for (id, body) in &files {
        let (c, took) = timed(import(id.clone(), body.clone(), true)).await?;
        again += c["added"].as_u64().unwrap_or(0);
        reimport_time += took;
    }
    server.stop().await;

    let total = per * accounts;
    let disposals = gains["disposals"].as_array().map_or(0, |a| a.len());
    let income = gains["income"].as_array().map_or(0, |a| a.len());
    println!(
        "{total} entries in {accounts} files ({:.1} MiB, generated in {:.2} s), SQLite",
        bytes as f64 / 1_048_576.0,
        generated.as_secs_f64()
    );
    println!(
        "preview {:.2} s, import {:.2} s ({:.0} entries/s); re-import {:.2} s, added {again}",
        preview_time.as_secs_f64(),
        commit_time.as_secs_f64(),
        total as f64 / commit_time.as_secs_f64(),
        reimport_time.as_secs_f64()
    );
    println!(
        "gains (FIFO, per-account pools): {disposals} disposal lines, {income} income lines; cold {:.2} s, warm {:.2} s; P&L {:.2} s",
        gains_cold.as_secs_f64(),
        gains_warm.as_secs_f64(),
        pnl_time.as_secs_f64()
    );
    println!(
        "realized gain {}, income {}; peak memory {:.0} MiB",
        gains["totals"]["gain_usd"],
        gains["totals"]["income_usd"],
        peak_mib()
    );
    anyhow::ensure!(
        previewed == total && added as usize == total,
        "previewed {previewed}, added {added} of {total}"
    );
    anyhow::ensure!(again == 0, "a second import added {again}");
    anyhow::ensure!(
        !gains["totals"].is_null(),
        "gains incomplete: {}",
        gains["incomplete_assets"]
    );
    anyhow::ensure!(disposals > 0 && income > 0, "no disposals or income");
    anyhow::ensure!(
        pnl["assets"].as_array().is_some_and(|a| !a.is_empty()),
        "no P&L"
    );
    Ok(())
}
