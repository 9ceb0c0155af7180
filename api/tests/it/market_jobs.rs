//! The asset registry and price jobs, the jobs API, and the assets API, with fake providers.

use std::time::Duration;

use api::connectors::fake::{listing, quote, FakeCall};
use api::connectors::{AssetPlatform, ConnectorError, MarketQuote, Provider};
use api::jobs::{self, Trigger};
use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

const USDT_ETH: &str = "0xdac17f958d2ee523a2206206994597c13d831ec7";
const USDT_BSC: &str = "0x55d398326f99059ff775485246999027b3197955";

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn gecko_quote(id: &str, symbol: &str, price: &str, rank: i32) -> MarketQuote {
    let mut q = quote(Provider::CoinGecko, id, symbol, dec(price), Some(rank));
    q.name = id.to_string();
    q.market_cap_usd = Some(dec("1000000"));
    q
}

fn paprika_quote(id: &str, symbol: &str, price: &str, rank: i32) -> MarketQuote {
    quote(Provider::CoinPaprika, id, symbol, dec(price), Some(rank))
}

/// Both providers list Bitcoin and Tether; CoinPaprika's Tether has its contracts from
/// `/coins/{id}` in mixed case, one of them not an EVM address.
fn seed_catalog(app: &TestApp) {
    let g = &app.fakes.gecko;
    g.set_platforms(vec![
        AssetPlatform {
            id: "ethereum".into(),
            name: "Ethereum".into(),
            chain_identifier: Some(1),
            native_coin_id: None,
        },
        AssetPlatform {
            id: "binance-smart-chain".into(),
            name: "BNB Smart Chain".into(),
            chain_identifier: Some(56),
            native_coin_id: None,
        },
        AssetPlatform {
            id: "solana".into(),
            name: "Solana".into(),
            chain_identifier: None,
            native_coin_id: None,
        },
    ]);
    let mut btc = listing(Provider::CoinGecko, "bitcoin", "btc", &[]);
    btc.name = "Bitcoin".into();
    let mut usdt = listing(
        Provider::CoinGecko,
        "tether",
        "usdt",
        &[
            ("ethereum", USDT_ETH),
            ("binance-smart-chain", USDT_BSC),
            ("solana", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB"),
        ],
    );
    usdt.name = "Tether".into();
    // Two different coins share a symbol.
    let mut uni = listing(
        Provider::CoinGecko,
        "uniswap",
        "uni",
        &[("ethereum", "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984")],
    );
    uni.name = "Uniswap".into();
    let mut unicorn = listing(Provider::CoinGecko, "unicorn-token", "uni", &[]);
    unicorn.name = "Unicorn Token".into();
    // An EVM platform with an address that is not an EVM address.
    let mut broken = listing(
        Provider::CoinGecko,
        "broken-token",
        "brk",
        &[("ethereum", "not-an-address")],
    );
    broken.name = "Broken".into();
    g.set_coins(vec![btc, usdt, uni, unicorn, broken]);

    let p = &app.fakes.paprika;
    let mut pbtc = listing(Provider::CoinPaprika, "btc-bitcoin", "BTC", &[]);
    pbtc.name = "Bitcoin".into();
    pbtc.rank = Some(1);
    let mut pusdt = listing(Provider::CoinPaprika, "usdt-tether", "USDT", &[]);
    pusdt.name = "Tether".into();
    pusdt.rank = Some(3);
    p.set_coins(vec![pbtc, pusdt]);
    p.set_contracts(
        "usdt-tether",
        vec![
            api::connectors::PlatformAddress {
                platform: "eth-ethereum".into(),
                address: "0xdAC17F958D2ee523a2206206994597C13D831ec7".into(),
            },
            api::connectors::PlatformAddress {
                platform: "eth-ethereum".into(),
                address: "31".into(),
            },
        ],
    );
    p.set_contracts("btc-bitcoin", vec![]);
}

async fn run(app: &TestApp, name: &str) -> api::entities::job_runs::Model {
    jobs::run_to_end(&app.state, name, Trigger::Manual)
        .await
        .expect("job starts")
}

async fn search(app: &TestApp, term: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/assets?search={term}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn fetch_all_coins_merges_both_providers_into_one_asset_per_coin() {
    let app = TestApp::local().await;
    seed_catalog(&app);
    let run1 = run(&app, "fetch-all-coins").await;
    assert_eq!(run1.status, "succeeded", "{:?}", run1.error);
    assert_eq!(app.count("assets", "symbol = 'USDT'").await, 1);
    assert_eq!(app.count("assets", "symbol = 'BTC'").await, 1);
    let usdt = &search(&app, "usdt").await[0];
    assert_eq!(usdt["coingecko_id"], "tether");
    assert_eq!(usdt["coinpaprika_id"], "usdt-tether");
    assert_eq!(usdt["is_stablecoin"], true);
    let detail = app
        .get(
            &format!("/api/assets/{}", usdt["id"].as_str().unwrap()),
            None,
        )
        .await
        .json();
    let contracts: Vec<(String, String)> = detail["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["chain"].as_str().unwrap().to_string(),
                c["contract_address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        contracts.contains(&("ethereum".into(), USDT_ETH.into())),
        "{contracts:?}"
    );
    assert!(
        contracts.contains(&("bsc".into(), USDT_BSC.into())),
        "{contracts:?}"
    );
    assert!(
        contracts
            .iter()
            .any(|(c, a)| c == "solana" && a.starts_with("Es9v")),
        "non-EVM kept verbatim"
    );
    // Two coins named UNI stay two assets; the broken address is skipped and counted.
    assert_eq!(app.count("assets", "symbol = 'UNI'").await, 2);
    assert_eq!(
        app.count("asset_contracts", "contract_address = 'not-an-address'")
            .await,
        0
    );
    let details = run1.details.unwrap();
    assert!(
        details["invalid_addresses_skipped"].as_u64().unwrap() >= 2,
        "{details}"
    );
}

#[tokio::test]
async fn a_second_fetch_over_unchanged_data_changes_no_row() {
    let app = TestApp::local().await;
    seed_catalog(&app);
    run(&app, "fetch-all-coins").await;
    let before = snapshot(&app).await;
    let second = run(&app, "fetch-all-coins").await;
    assert_eq!(second.status, "succeeded");
    assert_eq!(second.details.unwrap()["rows_written"], 0);
    assert_eq!(snapshot(&app).await, before);
}

async fn snapshot(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    let mut rows: Vec<String> = api::entities::assets::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| format!("{a:?}"))
        .collect();
    rows.extend(
        api::entities::asset_contracts::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| format!("{c:?}")),
    );
    rows.sort();
    rows
}

#[tokio::test]
async fn fetch_all_coins_keeps_going_without_coingecko_and_keeps_what_it_had() {
    let app = TestApp::local().await;
    seed_catalog(&app);
    run(&app, "fetch-all-coins").await;
    let before = app.count("assets", "1 = 1").await;
    app.fakes.gecko.fail_with(Some(ConnectorError::Upstream {
        provider: "coingecko",
        status: 500,
        message: "boom".into(),
    }));
    let r = run(&app, "fetch-all-coins").await;
    assert_eq!(r.status, "partial", "{:?}", r.error);
    assert!(r.error.unwrap().contains("coingecko"));
    assert_eq!(
        app.count("assets", "1 = 1").await,
        before,
        "nothing was lost"
    );
    assert_eq!(app.count("assets", "coingecko_id = 'tether'").await, 1);

    app.fakes.paprika.fail_with(Some(ConnectorError::Timeout {
        provider: "coinpaprika",
    }));
    let r = run(&app, "fetch-all-coins").await;
    assert_eq!(r.status, "failed");
    assert_eq!(app.count("assets", "1 = 1").await, before);
}

#[tokio::test]
async fn price_collection_prices_from_coingecko_with_coinpaprika_for_the_rest() {
    let app = TestApp::with_vars(&[("PRICE_COLLECTION_TOP_N", "2")]).await;
    seed_catalog(&app);
    run(&app, "fetch-all-coins").await;
    // CoinGecko delivers Bitcoin only; Tether comes from CoinPaprika.
    app.fakes.gecko.set_quotes(vec![gecko_quote(
        "bitcoin",
        "btc",
        "70187.123456789012345678",
        1,
    )]);
    app.fakes.paprika.set_quotes(vec![
        paprika_quote("btc-bitcoin", "BTC", "70000", 1),
        paprika_quote("usdt-tether", "USDT", "1.0001", 3),
    ]);
    let r = run(&app, "price-collection").await;
    assert_eq!(r.status, "succeeded", "{:?}", r.error);
    assert_eq!(r.items_processed, 2);
    let btc = &search(&app, "btc").await[0];
    assert_eq!(btc["latest_price"]["price_usd"], "70187.123456789012345678");
    assert_eq!(btc["latest_price"]["source"], "coingecko");
    let usdt = &search(&app, "usdt").await[0];
    assert_eq!(usdt["latest_price"]["price_usd"], "1.0001");
    assert_eq!(usdt["latest_price"]["source"], "coinpaprika");
    assert_eq!(
        app.count("asset_prices", "1 = 1").await,
        2,
        "one price per asset, no duplicates"
    );
}

#[tokio::test]
async fn when_coingecko_is_down_prices_come_from_coinpaprika_and_the_run_says_so() {
    let app = TestApp::local().await;
    seed_catalog(&app);
    run(&app, "fetch-all-coins").await;
    app.fakes.gecko.fail_call(
        FakeCall::TopQuotes,
        Some(ConnectorError::RateLimited {
            provider: "coingecko",
            retry_after: Some(Duration::from_secs(60)),
        }),
    );
    app.fakes
        .paprika
        .set_quotes(vec![paprika_quote("btc-bitcoin", "BTC", "69000.5", 1)]);
    let r = run(&app, "price-collection").await;
    assert_eq!(r.status, "partial");
    assert!(
        r.error.as_deref().unwrap().contains("rate limiting"),
        "{:?}",
        r.error
    );
    let btc = &search(&app, "btc").await[0];
    assert_eq!(btc["latest_price"]["price_usd"], "69000.5");
    assert_eq!(btc["latest_price"]["source"], "coinpaprika");
}

#[tokio::test]
async fn a_failed_price_run_keeps_every_price_and_writes_no_wrong_value() {
    let app = TestApp::local().await;
    seed_catalog(&app);
    run(&app, "fetch-all-coins").await;
    app.fakes
        .gecko
        .set_quotes(vec![gecko_quote("bitcoin", "btc", "70000", 1)]);
    run(&app, "price-collection").await;
    // Next run: CoinGecko sends a zero price (garbage) and CoinPaprika is down.
    app.fakes
        .gecko
        .set_quotes(vec![gecko_quote("bitcoin", "btc", "0", 1)]);
    app.fakes.paprika.fail_with(Some(ConnectorError::Network {
        provider: "coinpaprika",
        message: "refused".into(),
    }));
    let r = run(&app, "price-collection").await;
    assert_ne!(r.status, "succeeded");
    assert_eq!(app.count("asset_prices", "price_usd = '0'").await, 0);
    let btc = &search(&app, "btc").await[0];
    assert_eq!(btc["latest_price"]["price_usd"], "70000");
}

#[tokio::test]
async fn price_collection_creates_assets_it_did_not_know_yet() {
    let app = TestApp::local().await;
    app.fakes
        .gecko
        .set_quotes(vec![gecko_quote("ethereum", "eth", "3500.25", 2)]);
    let r = run(&app, "price-collection").await;
    assert_eq!(r.status, "succeeded", "{:?}", r.error);
    let eth = &search(&app, "eth").await[0];
    assert_eq!(eth["symbol"], "ETH");
    assert_eq!(eth["market_cap_rank"], 2);
    assert_eq!(eth["latest_price"]["price_usd"], "3500.25");
}

#[tokio::test]
async fn the_jobs_api_starts_runs_refuses_overlap_and_shows_them() {
    let app = TestApp::local().await;
    seed_catalog(&app);
    let list = app.get("/api/jobs", None).await.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"fetch-all-coins") && names.contains(&"price-collection"),
        "{names:?}"
    );
    let pc = list
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == "price-collection")
        .unwrap();
    assert_eq!(pc["schedule"], "0 5,20,35,50 * * * *");
    assert_eq!(pc["enabled"], true);
    assert!(pc["next_run"].is_string());

    app.fakes.gecko.set_delay(Duration::from_millis(800));
    let r = app
        .send(Method::POST, "/api/jobs/fetch-all-coins", None, None)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let run_id = r.json()["run_id"].as_str().unwrap().to_string();
    let again = app
        .send(Method::POST, "/api/jobs/fetch-all-coins", None, None)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "job_running");
    let status = loop {
        let run = app
            .get(&format!("/api/jobs/runs/{run_id}"), None)
            .await
            .json();
        if run["status"] != "running" {
            break run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status["status"], "succeeded");
    assert_eq!(status["trigger"], "manual");
    let last = app.get("/api/jobs", None).await.json();
    let fac = last
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["name"] == "fetch-all-coins")
        .unwrap()
        .clone();
    assert_eq!(fac["last_run"]["id"], run_id.as_str());
    assert_eq!(
        app.send(Method::POST, "/api/jobs/no-such-job", None, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let metrics = app.get("/metrics", None).await.text();
    assert!(
        metrics.contains(r#"job_runs_total{job="fetch-all-coins",status="succeeded"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn job_routes_need_the_admin_role() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ])
    .await;
    let user = issuer.user_token("plain");
    assert_eq!(
        app.send(
            Method::POST,
            "/api/jobs/price-collection",
            Some(&user),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/jobs", Some(&user)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/assets", Some(&user)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_job_never_runs_twice_at_once_across_replicas() {
    let app = TestApp::local().await;
    let other = app.replica(&[]).await;
    app.fakes.gecko.set_delay(Duration::from_millis(600));
    let first = jobs::start(&app.state, "price-collection", Trigger::Scheduled)
        .await
        .expect("first starts");
    let second = jobs::start(&other.state, "price-collection", Trigger::Scheduled).await;
    if crate::helpers::postgres_admin_url().is_some() {
        assert!(
            matches!(second, Err(jobs::StartError::AlreadyRunning(_))),
            "the advisory lock is shared"
        );
    } else if let Ok(run) = second {
        // SQLite has no cross-process lock: one process per file is the supported setup.
        run.handle.await.unwrap();
    }
    let same_process = jobs::start(&app.state, "price-collection", Trigger::Manual).await;
    assert!(matches!(
        same_process,
        Err(jobs::StartError::AlreadyRunning(_))
    ));
    first.handle.await.unwrap();
    assert!(
        jobs::start(&app.state, "price-collection", Trigger::Manual)
            .await
            .is_ok(),
        "free again"
    );
}

#[tokio::test]
async fn a_run_left_running_by_a_dead_process_is_marked_abandoned() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::local().await;
    let stale = api::entities::job_runs::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        job_name: Set("price-collection".into()),
        trigger: Set("scheduled".into()),
        started_at: Set(chrono::Utc::now() - chrono::Duration::hours(1)),
        finished_at: Set(None),
        status: Set("running".into()),
        items_processed: Set(0),
        error: Set(None),
        details: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    run(&app, "price-collection").await;
    let r = app
        .get(&format!("/api/jobs/runs/{}", stale.id), None)
        .await
        .json();
    assert_eq!(r["status"], "abandoned");
}

#[tokio::test]
async fn a_panicking_or_failing_job_is_recorded_and_the_server_keeps_serving() {
    let app = TestApp::local().await;
    app.fakes.gecko.fail_with(Some(ConnectorError::Timeout {
        provider: "coingecko",
    }));
    app.fakes.paprika.fail_with(Some(ConnectorError::Timeout {
        provider: "coinpaprika",
    }));
    let r = run(&app, "fetch-all-coins").await;
    assert_eq!(r.status, "failed");
    assert!(r.error.unwrap().contains("no provider delivered"));
    assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_scheduler_runs_enabled_jobs_on_their_schedule() {
    let app = TestApp::with_vars(&[
        ("PRICE_COLLECTION_SCHEDULE", "*/1 * * * * *"),
        ("FETCH_ALL_COINS_ENABLED", "false"),
    ])
    .await;
    app.fakes
        .gecko
        .set_quotes(vec![gecko_quote("bitcoin", "btc", "1", 1)]);
    let mut sched = jobs::scheduler::spawn(app.state.clone()).await.unwrap();
    let mut found = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if app
            .count(
                "job_runs",
                "trigger = 'scheduled' AND job_name = 'price-collection' AND status <> 'running'",
            )
            .await
            > 0
        {
            found = true;
            break;
        }
    }
    sched.shutdown().await.unwrap();
    assert!(found, "no scheduled run within 6 s");
    assert_eq!(
        app.count("job_runs", "job_name = 'fetch-all-coins'").await,
        0,
        "disabled job never ran"
    );
}

#[tokio::test]
async fn asset_search_validates_its_limit() {
    let app = TestApp::local().await;
    let r = app.get("/api/assets?limit=0", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "validation_failed");
    let r = app.get("/api/assets?limit=abc", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.get(&format!("/api/assets/{}", uuid::Uuid::new_v4()), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
