//! Benchmark of portfolios (docs/benchmarks.md, "Portfolios"): 10,000 portfolios × 20
//! holdings on PostgreSQL — `eod-snapshot` wall time; allocation `GET` of a portfolio with 5
//! accounts and 200 holdings under 50 concurrent clients (p50, p99); `/health` p99 while the
//! snapshot job runs. The API is served on 127.0.0.1 in local mode and stopped at the end.
//!
//! `cargo run --release -p api --bin bench_portfolios` (PostgreSQL at BENCH_DATABASE_URL,
//! default postgres://postgres@127.0.0.1:5432/postgres; a scratch database is created and
//! dropped).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api::config::Config;
use api::domain::holdings::Holding;
use api::entities::{accounts, asset_prices, assets, portfolio_accounts, portfolios, DbDecimal};
use api::state::AppState;
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, Set};
use uuid::Uuid;

#[path = "common/serve.rs"]
mod serve;
#[path = "common/sizes.rs"]
mod sizes;

use serve::percentile;

const HOLDINGS: usize = 20;
const ASSETS: usize = 200;
const CLIENTS: usize = 50;
/// Portfolios seeded (`BENCH_PORTFOLIOS`, 10,000).
static PORTFOLIOS: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| sizes::env_size("BENCH_PORTFOLIOS", 10_000));
/// Allocation requests (`BENCH_PORTFOLIO_REQUESTS`, 5,000), spread over the clients.
static REQUESTS: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| sizes::env_size("BENCH_PORTFOLIO_REQUESTS", 5_000).max(CLIENTS));

fn with_db(url: &str, name: &str) -> String {
    format!(
        "{}/{name}",
        &url[..url.rfind('/').expect("a URL with a database")]
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let admin_url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("butler_bench_p_{}", std::process::id());
    let admin = Database::connect(&admin_url).await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await?;
    let result = run(&with_db(&admin_url, &name)).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await?;
    result
}

fn holding(asset: &(Uuid, String), qty: Decimal) -> Holding {
    Holding {
        asset_id: Some(asset.0),
        symbol: asset.1.clone(),
        quantity: qty,
        raw_amount: None,
        decimals: None,
        location: "trading".into(),
        chain: None,
        contract_address: None,
        price_usd: None,
        value_usd: None,
        price_source: None,
        price_at: None,
        is_dust: false,
        identified_by: "registry".into(),
        kind: "spot".into(),
        flags: Vec::new(),
        synced_at: None,
        quantity_text: None,
        details: None,
        unvalued_reason: None,
    }
}

async fn seed(db: &DatabaseConnection, user_id: Uuid) -> anyhow::Result<Uuid> {
    let now = Utc::now();
    let mut asset_ids = Vec::new();
    let mut asset_rows = Vec::new();
    let mut price_rows = Vec::new();
    for i in 0..ASSETS {
        let id = Uuid::new_v4();
        asset_ids.push((id, format!("A{i}")));
        asset_rows.push(assets::ActiveModel {
            id: Set(id),
            symbol: Set(format!("A{i}")),
            name: Set(format!("Asset {i}")),
            asset_type: Set("cryptocurrency".into()),
            coingecko_id: Set(Some(format!("asset-{i}"))),
            coinpaprika_id: Set(None),
            coinmarketcap_id: Set(None),
            is_stablecoin: Set(i == 0),
            logo_url: Set(None),
            market_cap_rank: Set(Some(i as i32 + 1)),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        });
        price_rows.push(asset_prices::ActiveModel {
            id: Set(Uuid::new_v4()),
            asset_id: Set(id),
            timestamp: Set(now),
            price_usd: Set(DbDecimal(Decimal::new(100 + i as i64, 1))),
            volume_24h_usd: Set(None),
            market_cap_usd: Set(None),
            rank: Set(Some(i as i32 + 1)),
            source: Set("coingecko".into()),
            created_at: Set(now),
        });
    }
    assets::Entity::insert_many(asset_rows)
        .exec_without_returning(db)
        .await?;
    asset_prices::Entity::insert_many(price_rows)
        .exec_without_returning(db)
        .await?;
    let targets = serde_json::json!([
        {"asset_id": asset_ids[1].0, "symbol": asset_ids[1].1, "target_pct": "40"},
        {"asset_id": asset_ids[2].0, "symbol": asset_ids[2].1, "target_pct": "30"},
        {"asset_id": asset_ids[3].0, "symbol": asset_ids[3].1, "target_pct": "20"}
    ]);
    let account = || accounts::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        name: Set("bench".into()),
        account_type: Set("exchange".into()),
        exchange_name: Set(Some("okx".into())),
        api_key_encrypted: Set(None),
        api_secret_encrypted: Set(None),
        passphrase_encrypted: Set(None),
        encryption_key_version: Set(None),
        api_key_hint: Set(None),
        wallet_address: Set(None),
        enabled_chains: Set(None),
        holdings: Set(None),
        last_synced_at: Set(Some(now)),
        last_sync_started_at: Set(None),
        last_sync_status: Set(Some("ok".into())),
        last_sync_error: Set(None),
        permission_warning: Set(None),
        location_syncs: Set(None),
        exchange_uid: Set(None),
        chain_family: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let portfolio = |i: usize| portfolios::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        name: Set(format!("P{i}")),
        description: Set(None),
        target_allocation: Set(targets.clone()),
        guardrails: Set(serde_json::json!({})),
        stablecoins_as_cash: Set(false),
        is_default: Set(i == 0),
        last_constructed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    // 10,000 portfolios with one account of 20 holdings each.
    for chunk in (0..*PORTFOLIOS).collect::<Vec<_>>().chunks(1_000) {
        let mut ps = Vec::new();
        let mut accs = Vec::new();
        let mut links = Vec::new();
        let mut rows = Vec::new();
        for &i in chunk {
            let holdings: Vec<Holding> = (0..HOLDINGS)
                .map(|h| {
                    holding(
                        &asset_ids[(i + h * 7) % ASSETS],
                        Decimal::new(1 + (i % 97) as i64, 2),
                    )
                })
                .collect();
            let a = account();
            rows.extend(api::store::holdings::rows(*a.id.as_ref(), &holdings));
            let p = portfolio(i + 1);
            links.push(portfolio_accounts::ActiveModel {
                id: Set(Uuid::new_v4()),
                portfolio_id: Set(*p.id.as_ref()),
                account_id: Set(*a.id.as_ref()),
                added_at: Set(now),
            });
            ps.push(p);
            accs.push(a);
        }
        portfolios::Entity::insert_many(ps)
            .exec_without_returning(db)
            .await?;
        accounts::Entity::insert_many(accs)
            .exec_without_returning(db)
            .await?;
        api::store::holdings::insert_rows(db, rows).await?;
        portfolio_accounts::Entity::insert_many(links)
            .exec_without_returning(db)
            .await?;
    }
    // The measured portfolio: 5 accounts × 40 holdings.
    let big = portfolio(0);
    let big_id = *big.id.as_ref();
    portfolios::Entity::insert(big)
        .exec_without_returning(db)
        .await?;
    for a in 0..5 {
        let holdings: Vec<Holding> = (0..40)
            .map(|h| holding(&asset_ids[a * 40 + h], Decimal::new(12345, 3)))
            .collect();
        let acc = account();
        let acc_id = *acc.id.as_ref();
        accounts::Entity::insert(acc)
            .exec_without_returning(db)
            .await?;
        api::store::holdings::replace(db, acc_id, &holdings).await?;
        portfolio_accounts::Entity::insert(portfolio_accounts::ActiveModel {
            id: Set(Uuid::new_v4()),
            portfolio_id: Set(big_id),
            account_id: Set(acc_id),
            added_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(big_id)
}

async fn run(url: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let vars: HashMap<String, String> = [
        ("DATABASE_URL", url.to_string()),
        // Local mode's Host guard compares the request's port with BIND_ADDR's: the port bound.
        ("BIND_ADDR", addr.to_string()),
        ("DB_MAX_CONNECTIONS", "20".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = Config::from_vars(&vars).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = api::db::connect(&config).await?;
    api::db::migrate(&db).await?;
    let user =
        api::store::users::upsert_identity(&db, api::auth::LOCAL_SUBJECT, None, Some("local"))
            .await?;
    let t = Instant::now();
    let big = seed(&db, user.id).await?;
    println!(
        "seeded {} portfolios × {HOLDINGS} holdings in {:.1} s",
        *PORTFOLIOS,
        t.elapsed().as_secs_f64()
    );

    let state = AppState::new(config, db, api::crypto::Cipher::new([9u8; 32], Vec::new()));
    let server = serve::serve(listener, state.clone())?;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()?;

    // Allocation under 50 concurrent clients.
    let url_alloc = format!("{base}/api/portfolios/{big}/allocation");
    let body = client
        .get(&url_alloc)
        .send()
        .await?
        .error_for_status()?
        .json::<serde_json::Value>()
        .await?;
    anyhow::ensure!(
        body["lines"].as_array().map(|l| l.len()).unwrap_or(0) >= 200,
        "allocation has its 200 lines"
    );
    let latencies = Arc::new(tokio::sync::Mutex::new(Vec::with_capacity(*REQUESTS)));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (client, url, lat) = (client.clone(), url_alloc.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..*REQUESTS / CLIENTS {
                let s = Instant::now();
                let r = client.get(&url).send().await.expect("answer");
                assert!(r.status().is_success());
                let _ = r.bytes().await;
                lat.lock().await.push(s.elapsed());
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let wall = t.elapsed();
    let mut lat = latencies.lock().await.clone();
    lat.sort();
    let (p50, p99) = (percentile(&lat, 0.50), percentile(&lat, 0.99));
    println!(
        "allocation GET (5 accounts, 200 holdings), {CLIENTS} clients, {} requests: p50 {p50:.1} ms, p99 {p99:.1} ms, {:.0} req/s",
        *REQUESTS,
        *REQUESTS as f64 / wall.as_secs_f64()
    );

    // The snapshot job, with /health polled while it runs.
    let health_url = format!("{base}/health");
    let (done_tx, mut done_rx) = tokio::sync::watch::channel(false);
    let poller = {
        let client = client.clone();
        tokio::spawn(async move {
            let mut lat = Vec::new();
            while !*done_rx.borrow_and_update() {
                let s = Instant::now();
                let r = client
                    .get(&health_url)
                    .send()
                    .await
                    .expect("health answers");
                assert!(r.status().is_success());
                lat.push(s.elapsed());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            lat
        })
    };
    // Started through the API, so the job runs on the server's runtime as in production.
    let t = Instant::now();
    let started: serde_json::Value = client
        .post(format!("{base}/api/jobs/eod-snapshot"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let run_url = format!(
        "{base}/api/jobs/runs/{}",
        started["run_id"].as_str().unwrap_or_default()
    );
    let run = loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r: serde_json::Value = client.get(&run_url).send().await?.json().await?;
        if r["status"] != "running" {
            break r;
        }
    };
    let eod = t.elapsed();
    let _ = done_tx.send(true);
    let mut health = poller.await?;
    health.sort();
    anyhow::ensure!(run["status"] == "succeeded", "eod-snapshot: {run}");
    println!(
        "eod-snapshot over {} portfolios: {:.1} s ({} write statements)",
        run["items_processed"],
        eod.as_secs_f64(),
        run["details"]["write_statements"]
    );
    println!(
        "/health during the snapshot job: {} requests, p50 {:.2} ms, p99 {:.2} ms",
        health.len(),
        percentile(&health, 0.50),
        percentile(&health, 0.99)
    );
    server.stop().await;
    Ok(())
}
