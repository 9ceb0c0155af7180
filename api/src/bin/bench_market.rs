//! Benchmark of the market-data jobs (docs/benchmarks.md, "Market data"):
//! `fetch-all-coins` over 15,000 coins with 40,000 contracts and `price-collection` for 5,000
//! assets, both served by a local fake provider; wall time and SQL statements; and batched
//! against row-by-row writes of the same rows, in the same run.
//!
//! `cargo run --release -p api --bin bench_market` (PostgreSQL at BENCH_DATABASE_URL, default
//! postgres://postgres@127.0.0.1:5432/postgres; a scratch database is created and dropped).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::config::Config;
use api::jobs::{self, Trigger};
use api::state::AppState;
use api::store::prices::{self, NewPrice};
use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};

#[path = "common/sizes.rs"]
mod sizes;

/// Coins in the fake catalog (`BENCH_MARKET_COINS`, 15,000).
static COINS: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| sizes::env_size("BENCH_MARKET_COINS", 15_000));
/// Contracts spread over them (`BENCH_MARKET_CONTRACTS`, 40,000).
static CONTRACTS: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| sizes::env_size("BENCH_MARKET_CONTRACTS", 40_000));
/// Assets priced (`BENCH_MARKET_PRICED`, 5,000).
static PRICED: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| sizes::env_size("BENCH_MARKET_PRICED", 5_000));
const PLATFORMS: [&str; 5] = [
    "ethereum",
    "arbitrum-one",
    "optimistic-ethereum",
    "base",
    "binance-smart-chain",
];

fn address(i: usize, p: usize) -> String {
    format!("0x{:032x}{:08x}", i, p)
}

fn coins_list() -> Value {
    let mut left = *CONTRACTS;
    let coins: Vec<Value> = (0..*COINS)
        .map(|i| {
            // 40,000 contracts over 15,000 coins: the first coins carry up to five each.
            let n = left.min(if i < 10_000 { 4 } else { 0 }).min(PLATFORMS.len());
            left -= n;
            let platforms: serde_json::Map<String, Value> = (0..n)
                .map(|p| (PLATFORMS[p].to_string(), json!(address(i, p))))
                .collect();
            json!({"id": format!("coin-{i}"), "symbol": format!("c{i}"), "name": format!("Coin {i}"), "platforms": platforms})
        })
        .collect();
    json!(coins)
}

fn markets(page: usize, per_page: usize) -> Value {
    let start = (page - 1) * per_page;
    let rows: Vec<Value> = (start..(start + per_page).min(*PRICED))
        .map(|i| {
            json!({
                "id": format!("coin-{i}"), "symbol": format!("c{i}"), "name": format!("Coin {i}"),
                "current_price": format!("{}.{:06}", 1000 - i % 1000, i), "market_cap": 1_000_000_000u64 - i as u64,
                "market_cap_rank": i + 1, "total_volume": 12345.678, "last_updated": Utc::now().to_rfc3339()
            })
        })
        .collect();
    json!(rows)
}

async fn serve() -> String {
    let list = Arc::new(coins_list());
    let app = Router::new()
        .route(
            "/cg/coins/list",
            get({
                let list = list.clone();
                move || async move { Json((*list).clone()) }
            }),
        )
        .route(
            "/cg/asset_platforms",
            get(|| async {
                Json(json!([
                    {"id": "ethereum", "chain_identifier": 1, "name": "Ethereum"},
                    {"id": "arbitrum-one", "chain_identifier": 42161, "name": "Arbitrum One"},
                    {"id": "optimistic-ethereum", "chain_identifier": 10, "name": "OP Mainnet"},
                    {"id": "base", "chain_identifier": 8453, "name": "Base"},
                    {"id": "binance-smart-chain", "chain_identifier": 56, "name": "BNB Smart Chain"}
                ]))
            }),
        )
        .route(
            "/cg/coins/markets",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                let page = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
                let per_page = q
                    .get("per_page")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(250);
                Json(markets(page, per_page))
            }),
        )
        .route("/cp/coins", get(|| async { Json(json!([])) }))
        .route("/cp/tickers", get(|| async { Json(json!([])) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn with_db(url: &str, name: &str) -> String {
    let root = &url[..url.rfind('/').expect("a URL with a database")];
    format!("{root}/{name}")
}

async fn counted(url: &str, counter: Arc<AtomicUsize>) -> DatabaseConnection {
    let mut db = Database::connect(url)
        .await
        .expect("scratch database connects");
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    db
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("butler_bench_{}", std::process::id());
    let admin = Database::connect(&admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    let url = with_db(&admin_url, &name);
    let result = run(&url).await;
    drop(admin);
    let admin = Database::connect(&admin_url).await?;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    result
}

async fn run(url: &str) -> anyhow::Result<()> {
    let base = serve().await;
    let vars: HashMap<String, String> = [
        ("DATABASE_URL", url.to_string()),
        ("COINGECKO_BASE_URL", format!("{base}/cg")),
        ("COINPAPRIKA_BASE_URL", format!("{base}/cp")),
        ("COINGECKO_RATE_PER_MIN", "100000".into()),
        ("COINGECKO_BURST", "1000".into()),
        ("COINPAPRIKA_RATE_PER_MIN", "100000".into()),
        ("PRICE_COLLECTION_TOP_N", PRICED.to_string()),
        ("COINPAPRIKA_CONTRACT_LOOKUPS_PER_RUN", "0".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = Config::from_vars(&vars).map_err(|e| anyhow::anyhow!("{e}"))?;
    let plain = Database::connect(url).await?;
    api::db::migrate(&plain).await?;

    let statements = Arc::new(AtomicUsize::new(0));
    let db = counted(url, statements.clone()).await;
    let state = AppState::new(config, db, api::crypto::Cipher::new([7u8; 32], Vec::new()));
    println!("| step | wall time | SQL statements | rows |");
    println!("|---|---|---|---|");
    let priced = format!("price-collection ({} assets)", *PRICED);
    for (label, job) in [
        ("fetch-all-coins (empty registry)", "fetch-all-coins"),
        ("fetch-all-coins (unchanged upstream)", "fetch-all-coins"),
        (priced.as_str(), "price-collection"),
    ] {
        statements.store(0, Ordering::Relaxed);
        let t = Instant::now();
        let run = jobs::run_to_end(&state, job, Trigger::Manual).await?;
        let elapsed = t.elapsed();
        anyhow::ensure!(run.status == "succeeded", "{job}: {:?}", run.error);
        let details = run.details.unwrap_or_default();
        let rows = details
            .get("rows_written")
            .or(details.get("coingecko_prices"))
            .cloned()
            .unwrap_or_default();
        println!(
            "| {label} | {:.2} s | {} | {rows} |",
            elapsed.as_secs_f64(),
            statements.load(Ordering::Relaxed)
        );
    }
    let assets: i64 = count(&plain, "assets").await?;
    let contracts: i64 = count(&plain, "asset_contracts").await?;
    println!("\nregistry: {assets} assets, {contracts} contracts");

    // The same 5,000 price rows written batched and row by row, on fresh timestamps.
    let ids: Vec<uuid::Uuid> = api::store::assets::top_ranked(&plain, *PRICED as u64)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let rows = |offset: i64| -> Vec<NewPrice> {
        let ts = Utc::now() + chrono::Duration::days(offset);
        ids.iter()
            .enumerate()
            .map(|(i, id)| NewPrice {
                asset_id: *id,
                timestamp: ts,
                price_usd: Decimal::new(123_456_789 + i as i64, 6),
                volume_24h_usd: Some(Decimal::new(987_654_321, 2)),
                market_cap_usd: Some(Decimal::new(1_000_000_000, 0)),
                rank: Some(i as i32 + 1),
                source: "coingecko",
            })
            .collect()
    };
    let batch_rows = rows(1);
    let t = Instant::now();
    prices::insert_batched(&plain, &batch_rows).await?;
    let batched = t.elapsed();
    let single_rows = rows(2);
    let t = Instant::now();
    prices::insert_row_by_row(&plain, &single_rows).await?;
    let single = t.elapsed();
    let ratio = single.as_secs_f64() / batched.as_secs_f64();
    println!(
        "\n{} price rows: batched {:.0} ms, row by row {:.0} ms: {:.1}x faster",
        ids.len(),
        ms(batched),
        ms(single),
        ratio
    );
    anyhow::ensure!(
        sizes::smoke() || ratio >= 10.0,
        "batched writes must be at least 10x faster, got {ratio:.1}x"
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn count(db: &DatabaseConnection, table: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?
        .expect("a row");
    Ok(row.try_get("", "n")?)
}
