//! Native coins are identified by their chain (issue 25, item 3): a chain row's
//! `native_asset_id` (seeded by CoinGecko id, set by the admin), never the ticker, so Wrapped
//! SOL sharing `SOL` cannot make native SOL ambiguous; and a holding left without a value says
//! why.

use api::connectors::fake::{balance, listing, quote};
use api::connectors::{ExchangeLocation, Provider};
use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::core_assets::run;
use crate::helpers::TestApp;
use crate::solana::{add_wallet, sync, OWNER};

const WSOL_MINT: &str = "So11111111111111111111111111111111111111112";

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn asset_id(app: &TestApp, coingecko_id: &str) -> String {
    api::entities::assets::Entity::find()
        .filter(api::entities::assets::Column::CoingeckoId.eq(coingecko_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no asset {coingecko_id}"))
        .id
        .to_string()
}

/// A catalog with native SOL and Wrapped SOL, both `SOL`, ranked 5 and 30 (too close for
/// either to dominate), both priced at $150.
async fn two_sols(app: &TestApp) {
    let mut sol = listing(Provider::CoinGecko, "solana", "sol", &[]);
    sol.name = "Solana".into();
    let mut wsol = listing(
        Provider::CoinGecko,
        "wrapped-solana",
        "sol",
        &[("solana", WSOL_MINT)],
    );
    wsol.name = "Wrapped SOL".into();
    let mut btc = listing(Provider::CoinGecko, "bitcoin", "btc", &[]);
    btc.name = "Bitcoin".into();
    app.fakes.gecko.set_coins(vec![sol, wsol, btc]);
    run(app, "fetch-all-coins").await;
    let mut q1 = quote(Provider::CoinGecko, "solana", "sol", d("150"), Some(5));
    q1.name = "Solana".into();
    let mut q2 = quote(
        Provider::CoinGecko,
        "wrapped-solana",
        "sol",
        d("150"),
        Some(30),
    );
    q2.name = "Wrapped SOL".into();
    app.fakes.gecko.set_quotes(vec![q1, q2]);
    run(app, "price-collection").await;
}

fn native(account: &Value) -> &Value {
    account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["contract_address"].is_null())
        .unwrap_or_else(|| panic!("no native holding in {account}"))
}

#[tokio::test]
async fn native_sol_is_valued_when_wrapped_sol_shares_its_ticker_and_ranks_close() {
    let app = TestApp::local().await;
    two_sols(&app).await;
    // The symbol alone really is ambiguous in this catalog.
    let r = app
        .send(
            Method::POST,
            "/api/portfolios",
            None,
            Some(json!({"name": "P", "target_allocation": [{"asset": "SOL", "target_pct": "50"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

    app.fakes.solana.set_lamports(OWNER, 2_500_000_000);
    let id = add_wallet(&app, OWNER).await;
    let v = sync(&app, &id).await;
    let sol = native(&v);
    assert_eq!(sol["asset_id"], asset_id(&app, "solana").await, "{sol}");
    assert_eq!(sol["symbol"], "SOL");
    assert_eq!(sol["quantity"], "2.5");
    assert_eq!(sol["value_usd"], "375", "{sol}");
    assert!(sol["unvalued_reason"].is_null(), "{sol}");
    assert_eq!(v["total_value_usd"], "375");
}

#[tokio::test]
async fn the_admin_sets_each_chains_native_asset_by_id_and_a_wrong_id_is_refused() {
    let app = TestApp::local().await;
    let solana = asset_id(&app, "solana").await;
    let rpc = app.get("/api/admin/solana-rpc", None).await.json();
    assert_eq!(rpc["native_asset_id"], solana, "seeded: {rpc}");

    let chains = app.get("/api/admin/evm-chains", None).await.json();
    let eth = asset_id(&app, "ethereum").await;
    let bnb = asset_id(&app, "binancecoin").await;
    for c in chains.as_array().unwrap() {
        let want = if c["chain_name"] == "bsc" { &bnb } else { &eth };
        assert_eq!(&c["native_asset_id"], want, "{c}");
    }

    let unknown = uuid::Uuid::new_v4().to_string();
    let r = app
        .send(
            Method::PUT,
            "/api/admin/solana-rpc",
            None,
            Some(json!({"native_asset_id": unknown})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "validation_failed");
    assert_eq!(r.json()["error"]["fields"][0]["field"], "native_asset_id");
    let base = chains
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain_name"] == "base")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/admin/evm-chains/{base}");
    let r = app
        .send(
            Method::PUT,
            &path,
            None,
            Some(json!({"native_asset_id": unknown})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        app.get(&path, None).await.json()["native_asset_id"],
        eth,
        "nothing changed"
    );

    // A native SOL the admin had pointed elsewhere is valued as what the admin set.
    two_sols(&app).await;
    let wsol = asset_id(&app, "wrapped-solana").await;
    let r = app
        .send(
            Method::PUT,
            "/api/admin/solana-rpc",
            None,
            Some(json!({"native_asset_id": wsol})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["native_asset_id"], wsol);
    let r = app
        .send(
            Method::PUT,
            "/api/admin/solana-rpc",
            None,
            Some(json!({"native_asset_id": solana})),
        )
        .await;
    assert_eq!(r.json()["native_asset_id"], solana);
    app.fakes.solana.set_lamports(OWNER, 1_000_000_000);
    let id = add_wallet(&app, OWNER).await;
    let v = sync(&app, &id).await;
    assert_eq!(native(&v)["asset_id"], solana);
}

#[tokio::test]
async fn a_holding_without_a_value_says_why() {
    let app = TestApp::local().await;
    two_sols(&app).await;
    app.fakes.exchange.set_balances(vec![
        balance("SOL", ExchangeLocation::Trading, d("3"), None),
        balance("XYZ", ExchangeLocation::Trading, d("7"), None),
        balance("ETH", ExchangeLocation::Trading, d("2"), None),
    ]);
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(
                json!({"name": "OKX", "account_type": "exchange", "exchange_name": "okx",
                "api_key": "k-123456789012", "api_secret": "s", "passphrase": "p"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let v = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/sync"),
            None,
            None,
        )
        .await
        .json();
    let reason = |symbol: &str| {
        v["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["symbol"] == symbol)
            .unwrap_or_else(|| panic!("no {symbol} in {v}"))["unvalued_reason"]
            .clone()
    };
    assert_eq!(reason("SOL"), "ambiguous_symbol", "{v}");
    assert_eq!(reason("XYZ"), "unidentified");
    // ETH is a seeded core asset, not priced yet: known, but its value is unknown.
    assert_eq!(reason("ETH"), "no_price");
}

#[tokio::test]
async fn a_chain_without_a_native_asset_gets_it_from_the_catalog_by_provider_id() {
    let app = TestApp::local().await;
    let polygon = api::store::evm_chains::insert(
        &app.db,
        api::store::evm_chains::NewChain {
            chain_name: "polygon".into(),
            chain_id: 137,
            display_name: "Polygon".into(),
            rpc_url: "http://127.0.0.1:9/polygon".into(),
            native_symbol: "POL".into(),
            native_decimals: 18,
            native_asset_id: None,
            is_active: true,
            defi: Default::default(),
        },
    )
    .await
    .unwrap();
    app.fakes
        .gecko
        .set_platforms(vec![api::connectors::AssetPlatform {
            id: "polygon-pos".into(),
            name: "Polygon POS".into(),
            chain_identifier: Some(137),
            native_coin_id: Some("matic-network".into()),
        }]);
    // Two coins share the ticker: only the provider id says which one is native.
    let mut pol = listing(Provider::CoinGecko, "matic-network", "pol", &[]);
    pol.name = "POL (ex-MATIC)".into();
    let mut other = listing(Provider::CoinGecko, "pol-pool", "pol", &[]);
    other.name = "Pool".into();
    app.fakes.gecko.set_coins(vec![other, pol]);
    run(&app, "fetch-all-coins").await;

    let path = format!("/api/admin/evm-chains/{}", polygon.id);
    let chain = app.get(&path, None).await.json();
    assert_eq!(
        chain["native_asset_id"],
        asset_id(&app, "matic-network").await
    );
    // Chains that had one keep it.
    let chains = app.get("/api/admin/evm-chains", None).await.json();
    let eth = asset_id(&app, "ethereum").await;
    let ethereum = chains
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain_name"] == "ethereum")
        .unwrap();
    assert_eq!(ethereum["native_asset_id"], eth);
}

#[tokio::test]
async fn native_eth_is_valued_on_every_chain_when_a_bridged_eth_shares_its_ticker() {
    let app = TestApp::local().await;
    let mut eth = listing(Provider::CoinGecko, "ethereum", "eth", &[]);
    eth.name = "Ethereum".into();
    let mut bridged = listing(
        Provider::CoinGecko,
        "ethereum-wormhole",
        "eth",
        &[("solana", "7vfCXTUXx5WJV5JADk17DUJ4ksgau7utNKj4b963voxs")],
    );
    bridged.name = "Ethereum (Wormhole)".into();
    app.fakes.gecko.set_coins(vec![eth, bridged]);
    run(&app, "fetch-all-coins").await;
    let mut q1 = quote(Provider::CoinGecko, "ethereum", "eth", d("3000"), Some(2));
    q1.name = "Ethereum".into();
    let mut q2 = quote(
        Provider::CoinGecko,
        "ethereum-wormhole",
        "eth",
        d("2990"),
        Some(15),
    );
    q2.name = "Ethereum (Wormhole)".into();
    app.fakes.gecko.set_quotes(vec![q1, q2]);
    run(&app, "price-collection").await;

    let wallet = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
    app.fakes
        .chains
        .set_native("ethereum", wallet, "1500000000000000000");
    app.fakes
        .chains
        .set_native("base", wallet, "500000000000000000");
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(
                json!({"name": "Hot", "account_type": "wallet", "wallet_address": wallet,
                        "enabled_chains": ["ethereum", "base"]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let v = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/sync"),
            None,
            None,
        )
        .await
        .json();
    let eth_id = asset_id(&app, "ethereum").await;
    for chain in ["ethereum", "base"] {
        let h = v["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["location"] == chain && h["contract_address"].is_null())
            .unwrap_or_else(|| panic!("no native {chain} in {v}"));
        assert_eq!(h["asset_id"], eth_id, "{h}");
        assert!(h["unvalued_reason"].is_null(), "{h}");
    }
    assert_eq!(v["total_value_usd"], "6000", "{v}");
}
