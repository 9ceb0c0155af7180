//! EVM token discovery and spam defence on a real anvil: catalog contracts nobody registered
//! are found and valued, look-alikes and uncatalogued tokens are flagged and left out of
//! totals, users' marks and added tokens work, and the account-sync job shares batches.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::U256;
use axum::http::{Method, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use uuid::Uuid;

use api::config::EvmConfig;
use api::connectors::evm::EvmClient;
use api::entities::{asset_contracts, asset_prices, assets, evm_chains};

use crate::anvil::Anvil;
use crate::helpers::TestApp;
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

const WALLET: &str = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
const OTHER_WALLET: &str = "0x00000000000000000000000000000000000b0b02";

/// An app whose `ethereum` chain is this anvil, read by the real `EvmClient`.
pub(crate) async fn app_on(anvil: &Anvil, vars: &[(&str, &str)]) -> TestApp {
    app_and_metrics(anvil, vars).await.0
}

/// [`app_on`], and the metrics of its chain client.
pub(crate) async fn app_and_metrics(
    anvil: &Anvil,
    vars: &[(&str, &str)],
) -> (TestApp, Arc<api::metrics::Metrics>) {
    let cfg = EvmConfig {
        rpc_timeout: Duration::from_secs(5),
        rpc_retries: 0,
        ..EvmConfig::default()
    };
    let metrics = Arc::new(api::metrics::Metrics::new());
    let app =
        TestApp::with_chain_reader_and_vars(Arc::new(EvmClient::new(&cfg, metrics.clone())), vars)
            .await;
    evm_chains::Entity::update_many()
        .col_expr(evm_chains::Column::RpcUrl, Expr::value(anvil.url.clone()))
        .col_expr(
            evm_chains::Column::ChainId,
            Expr::value(anvil.chain_id as i64),
        )
        .filter(evm_chains::Column::ChainName.eq("ethereum"))
        .exec(&app.db)
        .await
        .unwrap();
    (app, metrics)
}

/// A catalog asset with a contract on `ethereum` (decimals unknown, as the providers give
/// them) and a fresh USD price.
pub(crate) async fn catalog_asset(
    app: &TestApp,
    symbol: &str,
    name: &str,
    rank: i32,
    contract: &str,
    price: &str,
) -> Uuid {
    let now = chrono::Utc::now();
    let id = Uuid::new_v4();
    assets::ActiveModel {
        id: Set(id),
        symbol: Set(symbol.into()),
        name: Set(name.into()),
        asset_type: Set("token".into()),
        coingecko_id: Set(Some(format!("gecko-{}", symbol.to_lowercase()))),
        coinpaprika_id: Set(None),
        coinmarketcap_id: Set(None),
        is_stablecoin: Set(false),
        logo_url: Set(None),
        market_cap_rank: Set(Some(rank)),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    asset_contracts::ActiveModel {
        id: Set(Uuid::new_v4()),
        asset_id: Set(id),
        chain: Set("ethereum".into()),
        contract_address: Set(contract.into()),
        token_standard: Set(Some("erc20".into())),
        decimals: Set(None),
        is_verified: Set(true),
        source: Set(Some("coingecko".into())),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    asset_prices::ActiveModel {
        id: Set(Uuid::new_v4()),
        asset_id: Set(id),
        timestamp: Set(now),
        price_usd: Set(price.parse().unwrap()),
        volume_24h_usd: Set(None),
        market_cap_usd: Set(None),
        rank: Set(Some(rank)),
        source: Set("coingecko".into()),
        created_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    app.state.asset_index.invalidate().await;
    id
}

pub(crate) async fn wallet(app: &TestApp, address: &str, token: Option<&str>) -> String {
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            token,
            Some(
                json!({"name": format!("W {address}"), "account_type": "wallet",
                        "wallet_address": address, "enabled_chains": ["ethereum"]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

pub(crate) async fn sync(app: &TestApp, id: &str) -> Value {
    let r = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/sync"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

async fn add_token(app: &TestApp, id: &str, contract: &str) -> (StatusCode, Value) {
    let r = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/tokens"),
            None,
            Some(json!({"chain": "ethereum", "contract_address": contract})),
        )
        .await;
    let body = if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    };
    (r.status, body)
}

async fn mark(app: &TestApp, contract: &str, mark: Value) {
    let r = app
        .send(
            Method::PUT,
            "/api/tokens/marks",
            None,
            Some(json!({"chain": "ethereum", "contract_address": contract, "mark": mark})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
}

fn by_contract<'a>(account: &'a Value, contract: &str) -> Option<&'a Value> {
    account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["contract_address"] == contract)
}

fn flags(h: &Value) -> Vec<String> {
    h["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_catalog_token_no_admin_registered_is_valued_while_a_usdc_look_alike_is_spam_and_an_uncatalogued_token_unverified(
) {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let usdc = anvil.deploy_named_token(6, "USD Coin", "USDC").await;
    let fake_usdc = anvil.deploy_named_token(6, "USD Coin", "USDC").await;
    let plain = anvil.deploy_named_token(18, "Alphabet Coin", "ABC").await;
    let unheld = anvil.deploy_named_token(18, "Wrapped Ether", "WETH").await;
    anvil.mint(&usdc, WALLET, U256::from(1_500_000u64)).await;
    anvil
        .mint(&fake_usdc, WALLET, U256::from(1_000_000_000_000u64))
        .await;
    anvil
        .mint(&plain, WALLET, U256::from(2_000_000_000_000_000_000u64))
        .await;
    let app = app_on(&anvil, &[]).await;
    let usdc_id = catalog_asset(&app, "USDC", "USD Coin", 5, &usdc, "1").await;
    catalog_asset(&app, "WETH", "Wrapped Ether", 9, &unheld, "3000").await;
    let id = wallet(&app, WALLET, None).await;
    for t in [&fake_usdc, &plain] {
        let (status, body) = add_token(&app, &id, t).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "ok", "{a}");
    let real = by_contract(&a, &usdc).expect("the catalog USDC is found");
    assert_eq!(real["asset_id"], usdc_id.to_string());
    assert_eq!(real["quantity"], "1.5");
    assert_eq!(real["value_usd"], "1.5");
    assert!(flags(real).is_empty(), "{real}");
    let fake = by_contract(&a, &fake_usdc).expect("the look-alike is listed");
    assert_eq!(flags(fake), vec!["spam"]);
    assert_eq!(fake["value_usd"], Value::Null);
    assert_eq!(
        fake["asset_id"],
        Value::Null,
        "never matched to USDC by symbol"
    );
    let abc = by_contract(&a, &plain).expect("the uncatalogued token is listed");
    assert_eq!(flags(abc), vec!["unverified"]);
    assert_eq!(abc["quantity"], "2");
    assert_eq!(abc["value_usd"], Value::Null);
    assert!(
        by_contract(&a, &unheld).is_none(),
        "zero balances are not stored"
    );
    assert_eq!(a["total_value_usd"], "1.5", "only the catalog USDC counts");

    let nw = app.get("/api/net-worth", None).await.json();
    assert_eq!(nw["net_worth_usd"], "1.5", "{nw}");
    assert!(
        nw["unpriced"].as_array().unwrap().is_empty(),
        "spam and unverified tokens stay on their account: {nw}"
    );

    // The catalog row now caches the decimals read on chain.
    let row = asset_contracts::Entity::find()
        .filter(asset_contracts::Column::ContractAddress.eq(usdc.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.decimals, Some(6));
    let again = sync(&app, &id).await;
    assert_eq!(by_contract(&again, &usdc).unwrap()["quantity"], "1.5");
}

#[tokio::test]
async fn marks_trust_a_spam_token_without_valuing_it_and_hide_a_catalog_token_as_spam() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let usdc = anvil.deploy_named_token(6, "USD Coin", "USDC").await;
    let fake_usdc = anvil
        .deploy_named_token(6, "Visit usdc-gift.xyz", "USDC")
        .await;
    anvil.mint(&usdc, WALLET, U256::from(2_000_000u64)).await;
    anvil
        .mint(&fake_usdc, WALLET, U256::from(5_000_000u64))
        .await;
    let app = app_on(&anvil, &[]).await;
    catalog_asset(&app, "USDC", "USD Coin", 5, &usdc, "1").await;
    let id = wallet(&app, WALLET, None).await;
    assert_eq!(
        add_token(&app, &id, &fake_usdc).await.0,
        StatusCode::CREATED
    );
    let a = sync(&app, &id).await;
    assert_eq!(flags(by_contract(&a, &fake_usdc).unwrap()), vec!["spam"]);

    mark(&app, &fake_usdc, json!("trusted")).await;
    // A checksummed address names the same token.
    let checksummed = api::domain::evm_address::to_checksum(&usdc).unwrap();
    mark(&app, &checksummed, json!("spam")).await;
    let marks = app.get("/api/tokens/marks", None).await.json();
    assert_eq!(marks.as_array().unwrap().len(), 2, "{marks}");
    assert!(marks
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["contract_address"] == usdc && m["mark"] == "spam"));

    let a = sync(&app, &id).await;
    let trusted = by_contract(&a, &fake_usdc).unwrap();
    assert_eq!(
        flags(trusted),
        vec!["unverified"],
        "trusted: not spam, still unpriced"
    );
    assert_eq!(trusted["value_usd"], Value::Null);
    let hidden = by_contract(&a, &usdc).unwrap();
    assert_eq!(flags(hidden), vec!["spam"]);
    assert_eq!(hidden["value_usd"], Value::Null);
    assert_eq!(a["total_value_usd"], "0");

    mark(&app, &usdc, Value::Null).await;
    let a = sync(&app, &id).await;
    assert_eq!(by_contract(&a, &usdc).unwrap()["value_usd"], "2");
    assert_eq!(
        app.get("/api/tokens/marks", None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let bad = app
        .send(
            Method::PUT,
            "/api/tokens/marks",
            None,
            Some(json!({"chain": "nochain", "contract_address": "0x12", "mark": "spam"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.error_code(), "validation_failed");
}

#[tokio::test]
async fn a_token_added_by_contract_is_read_on_chain_scanned_by_syncs_and_can_be_removed() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let token = anvil.deploy_named_token(8, "Some Project", "SPX").await;
    anvil
        .mint(&token, WALLET, U256::from(123_450_000_000u64))
        .await;
    let app = app_on(&anvil, &[]).await;
    let id = wallet(&app, WALLET, None).await;

    let (status, body) = add_token(&app, &id, &token.to_uppercase().replace("0X", "0x")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["symbol"], "SPX");
    assert_eq!(body["name"], "Some Project");
    assert_eq!(body["decimals"], 8);
    assert_eq!(body["contract_address"], token);
    let (status, body) = add_token(&app, &id, &token).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "token_exists");

    let (status, body) = add_token(&app, &id, "0x000000000000000000000000000000000000dead").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "not_a_token");
    let r = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/tokens"),
            None,
            Some(json!({"chain": "base", "contract_address": token})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "validation_failed", "base is not enabled");

    let a = sync(&app, &id).await;
    let h = by_contract(&a, &token).expect("the added token is scanned");
    assert_eq!(h["quantity"], "1234.5");
    assert_eq!(flags(h), vec!["unverified"]);

    let list = app
        .get(&format!("/api/accounts/{id}/tokens"), None)
        .await
        .json();
    let token_id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let del = app
        .send(
            Method::DELETE,
            &format!("/api/accounts/{id}/tokens/{token_id}"),
            None,
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::NO_CONTENT);
    let a = sync(&app, &id).await;
    assert!(by_contract(&a, &token).is_none(), "no longer scanned: {a}");
}

#[tokio::test]
async fn the_catalog_is_scanned_best_rank_first_up_to_the_configured_cap() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let top = anvil.deploy_named_token(18, "Top", "TOP").await;
    let low = anvil.deploy_named_token(18, "Low", "LOW").await;
    for t in [&top, &low] {
        anvil
            .mint(t, WALLET, U256::from(1_000_000_000_000_000_000u64))
            .await;
    }
    let app = app_on(&anvil, &[("DISCOVERY_MAX_TOKENS_PER_CHAIN", "1")]).await;
    catalog_asset(&app, "LOW", "Low", 500, &low, "2").await;
    catalog_asset(&app, "TOP", "Top", 3, &top, "10").await;
    let id = wallet(&app, WALLET, None).await;
    let a = sync(&app, &id).await;
    assert!(by_contract(&a, &top).is_some(), "{a}");
    assert!(by_contract(&a, &low).is_none(), "beyond the cap: {a}");
    assert_eq!(a["total_value_usd"], "10");
}

#[tokio::test]
async fn the_account_sync_job_reads_wallets_of_a_chain_in_shared_batches() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let usdc = anvil.deploy_named_token(6, "USD Coin", "USDC").await;
    anvil.mint(&usdc, WALLET, U256::from(1_000_000u64)).await;
    anvil
        .mint(&usdc, OTHER_WALLET, U256::from(3_000_000u64))
        .await;
    anvil
        .set_balance(OTHER_WALLET, U256::from(10u64).pow(U256::from(18u8)))
        .await;
    let (app, metrics) = app_and_metrics(&anvil, &[]).await;
    catalog_asset(&app, "USDC", "USD Coin", 5, &usdc, "1").await;
    asset_contracts::Entity::update_many()
        .col_expr(asset_contracts::Column::Decimals, Expr::value(6))
        .exec(&app.db)
        .await
        .unwrap();
    let first = wallet(&app, WALLET, None).await;
    let second = wallet(&app, OTHER_WALLET, None).await;

    let run = api::jobs::run_to_end(&app.state, "account-sync", api::jobs::Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);
    let ok = metrics
        .upstream_requests
        .with_label_values(&["evm:ethereum", "ok"])
        .get();
    // Plus one DeFi round for both wallets: the seeded Aave and Uniswap addresses have no
    // code on this anvil, which that round finds (docs/defi.md).
    assert_eq!(
        ok, 4,
        "eth_blockNumber, eth_getCode (Multicall3?), one aggregate3 for both wallets, one DeFi round for both"
    );
    let a = app
        .get(&format!("/api/accounts/{first}"), None)
        .await
        .json();
    let b = app
        .get(&format!("/api/accounts/{second}"), None)
        .await
        .json();
    assert_eq!(by_contract(&a, &usdc).unwrap()["quantity"], "1");
    assert_eq!(by_contract(&b, &usdc).unwrap()["quantity"], "3");
    assert!(
        b["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["symbol"] == "ETH" && h["quantity"] == "1"),
        "{b}"
    );
}

#[tokio::test]
async fn another_users_wallet_tokens_are_404() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ])
    .await;
    let alice = issuer.user_token("alice");
    let bob = issuer.user_token("bob");
    let id = wallet(&app, WALLET, Some(&alice)).await;
    let path = format!("/api/accounts/{id}/tokens");
    let body = json!({"chain": "ethereum", "contract_address": "0x000000000000000000000000000000000000beef"});
    let r = app
        .send(Method::POST, &path, Some(&bob), Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
    assert_eq!(
        app.get(&path, Some(&bob)).await.status,
        StatusCode::NOT_FOUND
    );
    let del = format!("{path}/{}", Uuid::new_v4());
    assert_eq!(
        app.send(Method::DELETE, &del, Some(&bob), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Alice's own request reaches the chain (the fake knows no such token).
    let r = app
        .send(Method::POST, &path, Some(&alice), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "not_a_token");
}
