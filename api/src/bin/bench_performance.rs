//! Benchmark of the performance answer (docs/benchmarks.md, "Performance: history and
//! returns"): `BENCH_PERF_DAYS` days (1,826: five years) of daily history for `BENCH_PERF_ASSETS`
//! assets (200) spread over `BENCH_PERF_ACCOUNTS` manual accounts (10), from a ledger of buys,
//! sales and transfers generated from a fixed seed, with every asset's daily closes stored
//! beforehand (so nothing is fetched). `GET /api/performance` is asked once cold and
//! `BENCH_PERF_RUNS` times (5) warm through the API served on 127.0.0.1 in local mode; prints
//! each time and the process's peak memory while answering (and while seeding), and fails
//! unless the answer is complete (every day valued, returns, benchmarks and one row per asset).
//!
//! `cargo run --release -p api --bin bench_performance` (a scratch SQLite file in a temporary
//! folder, removed at the end). The target (issue 28): under 500 ms warm. The ledger's amounts
//! are not at the stored prices: the returns it prints only show the answer is complete.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use api::config::Config;
use api::entities::assets;
use api::state::AppState;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveValue::Set, EntityTrait};
use uuid::Uuid;

#[path = "common/serve.rs"]
mod serve;
#[path = "common/sizes.rs"]
mod sizes;

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

/// Resets the process's peak memory (`VmHWM`) to what it holds now, so the answers' peak is
/// measured apart from the seeding's (Linux: `echo 5 > /proc/self/clear_refs`).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

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
    let days = sizes::env_size("BENCH_PERF_DAYS", 1826);
    let n_assets = sizes::env_size("BENCH_PERF_ASSETS", 200);
    let accounts = sizes::env_size("BENCH_PERF_ACCOUNTS", 10).max(1);
    let runs = sizes::env_size("BENCH_PERF_RUNS", 5).max(1);
    let dir = std::env::temp_dir().join(format!("butler-bench-perf-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir, days, n_assets, accounts, runs).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(
    dir: &std::path::Path,
    days: usize,
    n_assets: usize,
    accounts: usize,
    runs: usize,
) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let vars: HashMap<String, String> = [
        (
            "DATABASE_URL",
            format!("sqlite://{}/butler.db?mode=rwc", dir.display()),
        ),
        ("BIND_ADDR", addr.to_string()),
        ("RATE_LIMIT_ENABLED", "false".into()),
        ("SYNC_NEW_ACCOUNTS", "false".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = Config::from_vars(&vars).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = api::db::connect(&config).await?;
    api::db::migrate(&db).await?;
    let first = NaiveDate::from_ymd_opt(2021, 1, 1).expect("day");
    let last = first + chrono::Duration::days(days as i64 - 1);
    // "Today" is the day after the last, so the whole range has stored closes.
    let today = last.succ_opt().expect("day");
    let state = AppState::new(
        config,
        db.clone(),
        api::crypto::Cipher::new([9u8; 32], Vec::new()),
    )
    .with_clock(api::clock::fixed(
        today.and_hms_opt(12, 0, 0).expect("noon").and_utc(),
    ));

    // The assets, and every asset's daily closes (the benchmarks' too), stored beforehand.
    let t = Instant::now();
    let now = Utc::now();
    let mut ids: Vec<(Uuid, String)> = Vec::new();
    let mut rows = Vec::new();
    for i in 0..n_assets {
        let id = Uuid::new_v4();
        let symbol = format!("B{i:03}");
        rows.push(assets::ActiveModel {
            id: Set(id),
            symbol: Set(symbol.clone()),
            name: Set(format!("Bench coin {i}")),
            asset_type: Set("token".into()),
            coingecko_id: Set(Some(format!("bench-coin-{i}"))),
            coinpaprika_id: Set(None),
            coinmarketcap_id: Set(None),
            is_stablecoin: Set(false),
            logo_url: Set(None),
            market_cap_rank: Set(Some(1000 + i as i32)),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        });
        ids.push((id, symbol));
    }
    for chunk in rows.chunks(100) {
        assets::Entity::insert_many(chunk.to_vec())
            .exec(&db)
            .await?;
    }
    let bench =
        api::store::assets::ids_by_coingecko(&db, &["bitcoin".into(), "ethereum".into()]).await?;
    let mut rng = Rng(0x5eed_cafe);
    let mut priced: Vec<Uuid> = ids.iter().map(|(id, _)| *id).collect();
    priced.extend(bench.values().copied());
    for asset in &priced {
        let mut price = Decimal::from(10 + rng.below(1000) as i64);
        let closes: Vec<(NaiveDate, Decimal)> = (0..=days)
            .map(|d| {
                // A daily move of −3 % to +3 %, in cents, never below a cent.
                let step = Decimal::new(rng.below(601) as i64 - 300, 4);
                price = (price * (Decimal::ONE + step))
                    .round_dp(2)
                    .max(Decimal::new(1, 2));
                (
                    first.pred_opt().expect("day") + chrono::Duration::days(d as i64),
                    price,
                )
            })
            .collect();
        api::store::daily_prices::save(
            &db,
            *asset,
            "coingecko",
            &closes,
            (first.pred_opt().expect("day"), last),
            now,
        )
        .await?;
    }
    let seeded = t.elapsed();

    let server = serve::serve(listener, state.clone())?;
    let base = server.base.clone();
    let client = reqwest::Client::new();

    // The ledger: each account buys its share of the assets on the first day, then trades now
    // and then over the five years; some coins move between accounts.
    let mut account_ids = Vec::new();
    for a in 0..accounts {
        let v: serde_json::Value = client
            .post(format!("{base}/api/accounts"))
            .json(&serde_json::json!({"name": format!("Bench {a}"), "account_type": "manual"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        account_ids.push(v["id"].as_str().unwrap_or_default().to_string());
    }
    let mut csv: Vec<String> = vec![String::from(
        "date,kind,sent_quantity,sent_asset,received_quantity,received_asset,fee_quantity,fee_asset,value_usd,income_kind,note\n",
    ); accounts];
    let mut entries = 0;
    for (i, (_, symbol)) in ids.iter().enumerate() {
        let a = i % accounts;
        csv[a].push_str(&format!(
            "{first} 10:00:00,trade,1000,USD,100,{symbol},,,,,\n"
        ));
        entries += 1;
        for k in 1..=4u64 {
            let day = first + chrono::Duration::days((rng.below(days as u64 - 1) + 1) as i64);
            let line = if k % 2 == 0 {
                format!(
                    "{day} 12:{k:02}:00,trade,{},{symbol},{},USD,,,,,\n",
                    5 + k,
                    50 * k
                )
            } else {
                format!(
                    "{day} 12:{k:02}:00,trade,{},USD,{},{symbol},,,,,\n",
                    40 * k,
                    4 * k
                )
            };
            csv[a].push_str(&line);
            entries += 1;
        }
    }
    for (a, body) in csv.into_iter().enumerate() {
        let r = client
            .post(format!(
                "{base}/api/ledger/import?account_id={}&format=generic&commit=true",
                account_ids[a]
            ))
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await?;
        let status = r.status();
        let v: serde_json::Value = r.json().await?;
        anyhow::ensure!(status.is_success(), "import answered {status}: {v}");
    }

    let seeding_peak = peak_mib();
    let reset = reset_peak();

    // Up to the last stored close: today would be valued at a latest price this run has none of.
    let ask = || {
        let (client, base) = (client.clone(), base.clone());
        async move {
            let t = Instant::now();
            let r = client
                .get(format!("{base}/api/performance?to={last}"))
                .send()
                .await?;
            let status = r.status();
            let v: serde_json::Value = r.json().await?;
            anyhow::ensure!(status.is_success(), "performance answered {status}: {v}");
            Ok::<_, anyhow::Error>((v, t.elapsed()))
        }
    };
    let (answer, cold) = ask().await?;
    let mut warm: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        warm.push(ask().await?.1);
    }
    server.stop().await;
    warm.sort();

    let series = answer["series"].as_array().map_or(0, |s| s.len());
    println!(
        "{days} days x {n_assets} assets in {accounts} accounts, {entries} ledger entries; {} daily closes stored in {:.1} s (SQLite)",
        priced.len() * (days + 1),
        seeded.as_secs_f64()
    );
    println!(
        "GET /api/performance: cold {:.0} ms; warm median {:.0} ms, best {:.0} ms over {runs} runs",
        cold.as_secs_f64() * 1000.0,
        warm[warm.len() / 2].as_secs_f64() * 1000.0,
        warm[0].as_secs_f64() * 1000.0
    );
    println!(
        "time-weighted {} ({}), money-weighted {}; {series} days, {} asset rows",
        answer["time_weighted"]["value"],
        answer["time_weighted"]["basis"],
        answer["money_weighted"]["value"],
        answer["assets"].as_array().map_or(0, |a| a.len()),
    );
    if reset {
        println!(
            "peak memory: {:.0} MiB while answering ({seeding_peak:.0} MiB while seeding)",
            peak_mib()
        );
    } else {
        println!("peak memory: {:.0} MiB (seeding included)", peak_mib());
    }
    if !sizes::smoke() && warm[warm.len() / 2] > Duration::from_millis(500) {
        println!("above the 500 ms target");
    }
    anyhow::ensure!(
        answer["incomplete"].is_null(),
        "incomplete: {}",
        answer["incomplete"]
    );
    anyhow::ensure!(series == days, "{series} days in the series, not {days}");
    anyhow::ensure!(
        answer["assets"]
            .as_array()
            .is_some_and(|a| a.len() == n_assets
                && a.iter()
                    .all(|r| r["incomplete"] == false && !r["profit_usd"].is_null())),
        "asset rows missing or incomplete: {}",
        answer["assets"]
    );
    anyhow::ensure!(
        !answer["time_weighted"]["value"].is_null()
            && answer["benchmarks"]
                .as_array()
                .is_some_and(|b| b.len() == 3),
        "returns or benchmarks missing: {answer}"
    );
    Ok(())
}
