//! The admin token list says how wallets value each token, from the same identification and
//! prices a sync uses (one source of truth: no "unpriced" for a token wallets value).

use api::connectors::fake::quote;
use api::connectors::Provider;
use api::jobs::{self, Trigger};
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_token_list_values_tokens_as_wallets_do() {
    let app = TestApp::local().await;
    let eth = app.chain_row_id("ethereum").await;
    for (symbol, address) in [
        ("USDC", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
        ("NOPE", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
    ] {
        let r = app
            .send(
                Method::POST,
                "/api/admin/evm-tokens",
                None,
                Some(json!({"chain_id": eth, "symbol": symbol, "contract_address": address, "decimals": 6})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert!(r.json()["asset_id"].is_null(), "not linked by hand");
    }
    let mut q = quote(
        Provider::CoinGecko,
        "usd-coin",
        "usdc",
        "1".parse().unwrap(),
        Some(6),
    );
    q.name = "USDC".into();
    app.fakes.gecko.set_quotes(vec![q]);
    let run = jobs::run_to_end(&app.state, "price-collection", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);

    let listed = app.get("/api/admin/evm-tokens", None).await.json();
    let by = |s: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["symbol"] == s)
            .unwrap()["valued_as"]
            .clone()
    };
    let usdc = by("USDC");
    assert!(usdc["asset_id"].is_string(), "{usdc}");
    assert_eq!(usdc["symbol"], "USDC");
    assert_eq!(usdc["identified_by"], "symbol");
    assert!(usdc["price_at"].is_string(), "priced: {usdc}");
    let nope = by("NOPE");
    assert!(nope["asset_id"].is_null(), "{nope}");
    assert_eq!(nope["identified_by"], "unknown");
    assert!(nope["price_at"].is_null());
}
