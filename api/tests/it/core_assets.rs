//! The seeded core assets (issue 25, item 5): a fresh install knows BTC, ETH, BNB, SOL and the
//! major stablecoins before its first catalog download, and the download later links those rows
//! by CoinGecko id instead of adding second ones.

use api::connectors::fake::{listing, quote};
use api::connectors::Provider;
use api::jobs::{self, Trigger};
use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestResponse};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn send(app: &TestApp, m: Method, path: &str, body: Option<Value>) -> TestResponse {
    app.send(m, path, None, body).await
}

pub async fn run(app: &TestApp, job: &str) -> api::entities::job_runs::Model {
    let run = jobs::run_to_end(&app.state, job, Trigger::Manual)
        .await
        .unwrap();
    assert_ne!(run.status, "failed", "{job}: {:?}", run.error);
    run
}

/// A manual account holding 1.5 BTC; answers the account id.
async fn cold_storage_with_btc(app: &TestApp) -> String {
    let r = send(
        app,
        Method::POST,
        "/api/accounts",
        Some(json!({"name": "Cold", "account_type": "manual"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = send(
        app,
        Method::PUT,
        &format!("/api/accounts/{id}/manual-holdings"),
        Some(json!({"asset": "BTC", "quantity": "1.5"})),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
    id
}

#[tokio::test]
async fn a_fresh_install_takes_btc_holdings_and_a_btc_eth_cash_target_before_any_download() {
    let app = TestApp::local().await;
    let id = cold_storage_with_btc(&app).await;
    let acc = app.get(&format!("/api/accounts/{id}"), None).await.json();
    let btc = &acc["holdings"][0];
    assert_eq!(btc["symbol"], "BTC");
    assert_eq!(btc["quantity"], "1.5");
    assert!(btc["asset_id"].is_string(), "{btc}");
    // No price yet: unknown, not zero.
    assert!(
        btc["price_usd"].is_null() && btc["value_usd"].is_null(),
        "{btc}"
    );

    let r = send(
        &app,
        Method::POST,
        "/api/portfolios",
        Some(
            json!({"name": "Core", "stablecoins_as_cash": true, "target_allocation": [
            {"asset": "BTC", "target_pct": "60"},
            {"asset": "ETH", "target_pct": "30"},
            {"asset": "CASH", "target_pct": "10"}]}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let targets = r.json()["target_allocation"].clone();
    let symbols: Vec<&str> = targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(symbols, ["BTC", "ETH", "CASH"], "{targets}");
    assert_eq!(targets[0]["asset_id"], btc["asset_id"]);

    // Every seeded coin is known by its symbol.
    for symbol in ["BTC", "ETH", "BNB", "SOL", "USDT", "USDC", "DAI"] {
        let r = send(
            &app,
            Method::PUT,
            &format!("/api/accounts/{id}/manual-holdings"),
            Some(json!({"asset": symbol, "quantity": "1"})),
        )
        .await;
        assert!(r.status.is_success(), "{symbol}: {}", r.text());
    }
}

#[tokio::test]
async fn the_catalog_download_links_the_seeded_core_by_coingecko_id_without_duplicates() {
    let app = TestApp::local().await;
    let id = cold_storage_with_btc(&app).await;
    let before = app.get(&format!("/api/accounts/{id}"), None).await.json();
    let btc_id = before["holdings"][0]["asset_id"].clone();
    let assets_before = app.count("assets", "1 = 1").await;

    let coins = [
        ("bitcoin", "btc", "Bitcoin"),
        ("ethereum", "eth", "Ethereum"),
        ("tether", "usdt", "Tether"),
        ("wrapped-bitcoin", "wbtc", "Wrapped Bitcoin"),
    ];
    app.fakes.gecko.set_coins(
        coins
            .iter()
            .map(|(cg, sym, name)| {
                let mut l = listing(Provider::CoinGecko, cg, sym, &[]);
                l.name = name.to_string();
                l
            })
            .collect(),
    );
    run(&app, "fetch-all-coins").await;
    run(&app, "fetch-all-coins").await;
    for cg in ["bitcoin", "ethereum", "tether"] {
        assert_eq!(
            app.count("assets", &format!("coingecko_id = '{cg}'")).await,
            1,
            "{cg}"
        );
    }
    assert_eq!(app.count("assets", "symbol = 'BTC'").await, 1);
    assert_eq!(app.count("assets", "1 = 1").await, assets_before + 1);

    let mut q = quote(Provider::CoinGecko, "bitcoin", "btc", d("60000"), Some(1));
    q.name = "Bitcoin".into();
    app.fakes.gecko.set_quotes(vec![q]);
    run(&app, "price-collection").await;
    assert_eq!(app.count("assets", "coingecko_id = 'bitcoin'").await, 1);
    let after = app.get(&format!("/api/accounts/{id}"), None).await.json();
    let btc = &after["holdings"][0];
    assert_eq!(btc["asset_id"], btc_id, "the holding keeps its asset");
    assert_eq!(btc["value_usd"], "90000");
    assert_eq!(after["total_value_usd"], "90000");
}
