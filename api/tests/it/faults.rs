//! Holdings survive every fault (issue 13, "Nothing vanishes" and "EVM details"; issue 12,
//! "Sync age per location"): per-location sync state, disabled chains, failed token reads,
//! absurd balances, liabilities and huge values, against the fakes and a real anvil.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::U256;
use api::config::EvmConfig;
use api::connectors::evm::EvmClient;
use api::connectors::fake::{balance, quote};
use api::connectors::{ConnectorError, ExchangeBalance, ExchangeLocation, Provider};
use api::jobs::{self, Trigger};
use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::anvil::{self, Anvil};
use crate::helpers::TestApp;

const WALLET: &str = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn seed_prices(app: &TestApp) {
    let mut quotes = Vec::new();
    for (id, sym, price, rank) in [
        ("bitcoin", "btc", "60000", 1),
        ("ethereum", "eth", "3000", 2),
        ("tether", "usdt", "1", 3),
    ] {
        let mut q = quote(Provider::CoinGecko, id, sym, d(price), Some(rank));
        q.name = id.into();
        quotes.push(q);
    }
    app.fakes.gecko.set_quotes(quotes);
    let run = jobs::run_to_end(&app.state, "price-collection", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);
}

async fn create(app: &TestApp, body: Value) -> String {
    let r = app
        .send(Method::POST, "/api/accounts", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

async fn wallet(app: &TestApp, chains: &[&str]) -> String {
    create(
        app,
        json!({"name": "Cold", "account_type": "wallet", "wallet_address": WALLET, "enabled_chains": chains}),
    )
    .await
}

async fn okx(app: &TestApp) -> String {
    create(
        app,
        json!({"name": "OKX", "account_type": "exchange", "exchange_name": "okx",
               "api_key": "key-1234567890abcd", "api_secret": "s", "passphrase": "p"}),
    )
    .await
}

async fn sync(app: &TestApp, id: &str) -> Value {
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

fn holding<'a>(account: &'a Value, symbol: &str, location: &str) -> &'a Value {
    account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["symbol"] == symbol && h["location"] == location)
        .unwrap_or_else(|| panic!("no {symbol} at {location} in {account}"))
}

/// The account's sync state of one location.
pub(crate) fn location<'a>(account: &'a Value, name: &str) -> &'a Value {
    account["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["location"] == name)
        .unwrap_or_else(|| panic!("no location {name} in {account}"))
}

fn time(v: &Value) -> chrono::DateTime<chrono::Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .parse()
        .unwrap()
}

async fn set_chain_active(app: &TestApp, chain: &str, active: bool) {
    use api::entities::evm_chains::{Column, Entity};
    Entity::update_many()
        .col_expr(Column::IsActive, Expr::value(active))
        .filter(Column::ChainName.eq(chain))
        .exec(&app.db)
        .await
        .unwrap();
}

async fn seed_token(app: &TestApp, chain: &str, address: &str, symbol: &str, decimals: i32) {
    use sea_orm::{ActiveModelTrait, Set};
    let chain_row = api::entities::evm_chains::Entity::find()
        .filter(api::entities::evm_chains::Column::ChainName.eq(chain))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    api::entities::evm_tokens::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        chain_id: Set(chain_row.id),
        symbol: Set(symbol.into()),
        name: Set(None),
        contract_address: Set(address.into()),
        decimals: Set(decimals),
        logo_url: Set(None),
        asset_id: Set(None),
        is_active: Set(true),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn each_location_keeps_its_own_last_good_read_and_the_account_is_as_old_as_its_oldest() {
    let app = TestApp::local().await;
    let chains = &app.fakes.chains;
    chains.set_native("ethereum", WALLET, "1000000000000000000");
    chains.set_native("base", WALLET, "2000000000000000000");
    let id = wallet(&app, &["ethereum", "base"]).await;
    let first = sync(&app, &id).await;
    assert_eq!(first["last_sync_status"], "ok");
    let first_read = time(&location(&first, "base")["synced_at"]);
    assert_eq!(location(&first, "base")["status"], "ok");
    assert_eq!(time(&first["last_synced_at"]), first_read);

    chains.fail_chain(
        "base",
        Some(ConnectorError::Timeout {
            provider: "evm:base",
        }),
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = sync(&app, &id).await;
    assert_eq!(second["last_sync_status"], "partial");
    let eth = location(&second, "ethereum");
    assert_eq!(eth["status"], "ok");
    assert!(time(&eth["synced_at"]) > first_read);
    let base = location(&second, "base");
    assert_eq!(base["status"], "failed");
    assert_eq!(
        time(&base["synced_at"]),
        first_read,
        "the last good read stays"
    );
    assert!(base["error"].as_str().unwrap().contains("did not answer"));
    assert_eq!(
        time(&second["last_synced_at"]),
        first_read,
        "the account is as old as its oldest location, not the partial run"
    );
    assert_eq!(
        time(&holding(&second, "ETH", "base")["synced_at"]),
        first_read
    );
    assert_eq!(
        holding(&second, "ETH", "base")["flags"],
        json!(["not_refreshed"])
    );
    assert_eq!(
        holding(&second, "ETH", "ethereum")["flags"],
        json!([]),
        "fresh holdings carry no flag"
    );

    // Both account routes show the locations.
    let one = app.get(&format!("/api/accounts/{id}"), None).await.json();
    assert_eq!(one["locations"], second["locations"]);
    let all = app.get("/api/accounts", None).await.json();
    assert_eq!(all[0]["locations"], second["locations"]);
}

#[tokio::test]
async fn disabling_a_chain_keeps_the_wallets_holdings_on_it_flagged_not_refreshed() {
    let app = TestApp::local().await;
    seed_prices(&app).await;
    let chains = &app.fakes.chains;
    chains.set_native("ethereum", WALLET, "1000000000000000000");
    chains.set_native("base", WALLET, "2000000000000000000");
    let id = wallet(&app, &["ethereum", "base"]).await;
    let first = sync(&app, &id).await;
    assert_eq!(first["total_value_usd"], "9000");

    set_chain_active(&app, "base", false).await;
    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "partial", "{a}");
    assert!(a["last_sync_error"]
        .as_str()
        .unwrap()
        .contains("base: the chain is disabled"));
    let kept = holding(&a, "ETH", "base");
    assert_eq!(kept["quantity"], "2", "not dropped");
    assert_eq!(kept["flags"], json!(["not_refreshed"]));
    assert_eq!(
        kept["synced_at"],
        holding(&first, "ETH", "base")["synced_at"]
    );
    let base = location(&a, "base");
    assert_eq!(base["status"], "not_refreshed");
    assert!(base["error"].as_str().unwrap().contains("disabled"));
    assert_eq!(a["total_value_usd"], "9000", "still counted, with its age");
    assert_eq!(chains.calls("base"), 1, "a disabled chain is not read");

    // Enabled again: read afresh, the flag goes.
    set_chain_active(&app, "base", true).await;
    chains.set_native("base", WALLET, "3000000000000000000");
    let b = sync(&app, &id).await;
    assert_eq!(b["last_sync_status"], "ok");
    assert_eq!(holding(&b, "ETH", "base")["quantity"], "3");
    assert_eq!(holding(&b, "ETH", "base")["flags"], json!([]));
}

#[tokio::test]
async fn a_wallet_whose_chains_are_all_disabled_is_an_error_and_keeps_its_holdings() {
    let app = TestApp::local().await;
    app.fakes
        .chains
        .set_native("base", WALLET, "2000000000000000000");
    let id = wallet(&app, &["base"]).await;
    let first = sync(&app, &id).await;
    assert_eq!(first["last_sync_status"], "ok");

    set_chain_active(&app, "base", false).await;
    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "error", "never ok with nothing read");
    let why = a["last_sync_error"].as_str().unwrap();
    assert!(
        why.contains("nothing could be read") && why.contains("disabled"),
        "{why}"
    );
    assert_eq!(holding(&a, "ETH", "base")["quantity"], "2");
    assert_eq!(a["last_synced_at"], first["last_synced_at"]);
}

#[tokio::test]
async fn an_okx_balance_too_long_for_a_decimal_is_kept_as_text_flagged_and_the_rest_syncs() {
    let app = TestApp::local().await;
    seed_prices(&app).await;
    let long = "12345678901234567890.123456789012345678901234567890";
    app.fakes.exchange.set_balances(vec![
        balance("BTC", ExchangeLocation::Trading, d("1"), None),
        ExchangeBalance {
            total_text: Some(long.into()),
            ..balance("USDT", ExchangeLocation::Funding, Decimal::ZERO, None)
        },
    ]);
    let id = okx(&app).await;
    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "ok", "{a}");
    let usdt = holding(&a, "USDT", "funding");
    assert_eq!(usdt["quantity_text"], long);
    assert_eq!(usdt["flags"], json!(["out_of_range"]));
    assert_eq!(usdt["value_usd"], Value::Null);
    assert_eq!(holding(&a, "BTC", "trading")["value_usd"], "60000");
    assert_eq!(a["total_value_usd"], "60000", "left out of the total");
}

#[tokio::test]
async fn a_negative_okx_balance_is_a_borrowed_liability_subtracted_from_net_value_not_dust() {
    let app = TestApp::local().await;
    seed_prices(&app).await;
    app.fakes.exchange.set_balances(vec![
        balance("USDT", ExchangeLocation::Trading, d("90000"), None),
        balance("BTC", ExchangeLocation::Trading, d("1"), None),
        balance("ETH", ExchangeLocation::Trading, d("-0.0001"), None),
        balance("BTC", ExchangeLocation::Funding, d("-0.5"), None),
    ]);
    let id = okx(&app).await;
    let a = sync(&app, &id).await;
    let owed = holding(&a, "ETH", "trading");
    assert_eq!(owed["kind"], "borrowed");
    assert_eq!(owed["value_usd"], "-0.3");
    assert_eq!(owed["is_dust"], false, "a debt is never dust");
    assert_eq!(holding(&a, "BTC", "funding")["kind"], "borrowed");
    assert_eq!(holding(&a, "BTC", "trading")["kind"], "spot");
    assert_eq!(
        a["total_value_usd"], "119999.7",
        "150000 long − 30000.3 owed"
    );

    let p = app
        .send(
            Method::POST,
            "/api/portfolios",
            None,
            Some(json!({"name": "Main", "target_allocation": [
                {"asset": "BTC", "target_pct": "40"}]})),
        )
        .await
        .json();
    let pid = p["id"].as_str().unwrap();
    app.send(
        Method::POST,
        &format!("/api/portfolios/{pid}/accounts"),
        None,
        Some(json!({"account_id": id})),
    )
    .await;
    let alloc = app
        .get(&format!("/api/portfolios/{pid}/allocation"), None)
        .await
        .json();
    assert_eq!(
        alloc["total_value_usd"], "150000",
        "weights are of the gross long value"
    );
    assert_eq!(alloc["net_value_usd"], "119999.7");
    let btc = alloc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["symbol"] == "BTC")
        .unwrap();
    assert_eq!(btc["value_usd"], "60000");
    assert_eq!(
        btc["current_pct"], "40",
        "the borrow does not distort the weight"
    );
    let liabilities = alloc["liabilities"].as_array().unwrap();
    assert_eq!(liabilities.len(), 2, "{alloc}");
    assert!(liabilities
        .iter()
        .any(|l| l["symbol"] == "BTC" && l["value_usd"] == "-30000"));
}

#[tokio::test]
async fn huge_balances_never_panic_an_account_an_allocation_or_a_snapshot() {
    let app = TestApp::local().await;
    seed_prices(&app).await;
    // Each fits a Decimal once priced (4.2e28 USD); together they do not (Decimal::MAX ≈ 7.9e28).
    let huge = d("700000000000000000000000");
    app.fakes.exchange.set_balances(vec![
        balance("BTC", ExchangeLocation::Trading, huge, None),
        balance("BTC", ExchangeLocation::Funding, huge, None),
        balance("USDT", ExchangeLocation::Earn, d("5"), None),
    ]);
    let id = okx(&app).await;
    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "ok");
    let r = app.get(&format!("/api/accounts/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());

    let p = app
        .send(
            Method::POST,
            "/api/portfolios",
            None,
            Some(json!({"name": "Main", "target_allocation": [
                {"asset": "BTC", "target_pct": "0.0000000000000000000000000001"}]})),
        )
        .await
        .json();
    let pid = p["id"].as_str().unwrap();
    app.send(
        Method::POST,
        &format!("/api/portfolios/{pid}/accounts"),
        None,
        Some(json!({"account_id": id})),
    )
    .await;
    let r = app
        .get(&format!("/api/portfolios/{pid}/allocation"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let alloc = r.json();
    assert_eq!(alloc["overflow"], true, "{alloc}");
    assert!(alloc["unpriced"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["symbol"] == "BTC"));
    let r = app
        .send(
            Method::POST,
            &format!("/api/portfolios/{pid}/recommendations"),
            None,
            None,
        )
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    let run = jobs::run_to_end(&app.state, "eod-snapshot", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);
    let snaps = app
        .get(&format!("/api/portfolios/{pid}/snapshots"), None)
        .await;
    assert_eq!(snaps.status, StatusCode::OK, "{}", snaps.text());
}

/// A TestApp whose `ethereum` row points at this anvil, read by a real `EvmClient`.
async fn app_on_anvil(anvil: &Anvil) -> TestApp {
    let metrics = Arc::new(api::metrics::Metrics::new());
    let cfg = EvmConfig {
        multicall_chunk_size: 200,
        rpc_timeout: Duration::from_secs(5),
        rpc_retries: 0,
    };
    let app = TestApp::with_chain_reader(Arc::new(EvmClient::new(&cfg, metrics))).await;
    use api::entities::evm_chains::{Column, Entity};
    Entity::update_many()
        .col_expr(Column::RpcUrl, Expr::value(anvil.url.clone()))
        .col_expr(Column::ChainId, Expr::value(anvil.chain_id as i64))
        .filter(Column::ChainName.eq("ethereum"))
        .exec(&app.db)
        .await
        .unwrap();
    app
}

fn failures(app: &TestApp, reason: &str) -> u64 {
    app.state
        .metrics
        .token_read_failures
        .with_label_values(&["ethereum", reason])
        .get()
}

#[tokio::test]
async fn on_anvil_a_failed_token_read_keeps_its_balance_and_a_token_without_code_is_dropped_with_a_reason(
) {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let good = anvil.deploy_token(6).await;
    let flaky = anvil.deploy_token(18).await;
    let gone = anvil.deploy_token(18).await;
    anvil.mint(&good, WALLET, U256::from(1_500_000u64)).await;
    anvil
        .mint(&flaky, WALLET, U256::from(7_000_000_000_000_000_000u64))
        .await;
    anvil.mint(&gone, WALLET, U256::from(3u64)).await;
    let app = app_on_anvil(&anvil).await;
    seed_token(&app, "ethereum", &good, "GOOD", 6).await;
    seed_token(&app, "ethereum", &flaky, "FLAKY", 18).await;
    seed_token(&app, "ethereum", &gone, "GONE", 18).await;
    let id = wallet(&app, &["ethereum"]).await;
    let first = sync(&app, &id).await;
    assert_eq!(first["last_sync_status"], "ok", "{first}");
    assert_eq!(holding(&first, "FLAKY", "ethereum")["quantity"], "7");
    assert_eq!(holding(&first, "GONE", "ethereum")["raw_amount"], "3");

    // FLAKY now reverts every call; GONE's code is removed (nothing at the address).
    anvil.set_code(&flaky, anvil::REVERTING_CODE).await;
    anvil.set_code(&gone, "0x").await;
    anvil.mint(&good, WALLET, U256::from(1_000_000u64)).await;
    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "partial", "{a}");
    let kept = holding(&a, "FLAKY", "ethereum");
    assert_eq!(kept["quantity"], "7", "the previous balance is kept");
    assert_eq!(kept["raw_amount"], "7000000000000000000");
    assert_eq!(kept["flags"], json!(["not_refreshed"]));
    assert_eq!(holding(&a, "GOOD", "ethereum")["quantity"], "2.5");
    let holdings = a["holdings"].as_array().unwrap();
    assert!(
        holdings.iter().all(|h| h["symbol"] != "GONE"),
        "no contract: not a token, dropped"
    );
    let eth = location(&a, "ethereum");
    assert_eq!(eth["status"], "partial");
    let why = eth["error"].as_str().unwrap();
    assert!(why.contains("FLAKY") && why.contains("reverted"), "{why}");
    assert!(why.contains("GONE") && why.contains("no contract"), "{why}");
    assert_eq!(failures(&app, "failed"), 1);
    assert_eq!(failures(&app, "not_a_token"), 1);
    assert!(app
        .state
        .metrics
        .render()
        .contains("chain_token_read_failures_total{chain=\"ethereum\",reason=\"failed\"} 1"));
}

#[tokio::test]
async fn on_anvil_one_absurd_balance_is_kept_raw_and_flagged_and_the_rest_of_the_wallet_syncs() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let code = anvil.code(&anvil.deploy_token(18).await).await;
    let (max, wrong_decimals, good) = (
        anvil::token_address(1),
        anvil::token_address(2),
        anvil::token_address(3),
    );
    for t in [&max, &wrong_decimals, &good] {
        anvil.clone_token(&code, t, 18).await;
    }
    anvil.set_token_balance(&max, WALLET, U256::MAX).await;
    // 10^12 tokens of 18 decimals, registered as 0 decimals: 10^30 whole tokens.
    let trillion: U256 = "1000000000000000000000000000000".parse().unwrap();
    anvil
        .set_token_balance(&wrong_decimals, WALLET, trillion)
        .await;
    anvil
        .set_token_balance(&good, WALLET, U256::from(5u64))
        .await;
    anvil
        .set_balance(WALLET, U256::from(2_000_000_000_000_000_000u64))
        .await;
    let app = app_on_anvil(&anvil).await;
    seed_prices(&app).await;
    seed_token(&app, "ethereum", &max, "MAXED", 18).await;
    seed_token(&app, "ethereum", &wrong_decimals, "WRONG", 0).await;
    seed_token(&app, "ethereum", &good, "FINE", 0).await;
    let id = wallet(&app, &["ethereum"]).await;
    let a = sync(&app, &id).await;
    assert_eq!(a["last_sync_status"], "ok", "{a}");
    let maxed = holding(&a, "MAXED", "ethereum");
    assert_eq!(maxed["raw_amount"], U256::MAX.to_string());
    assert_eq!(maxed["flags"], json!(["out_of_range"]));
    assert_eq!(maxed["value_usd"], Value::Null);
    assert_eq!(
        maxed["quantity_text"],
        "115792089237316195423570985008687907853269984665640564039457.584007913129639935"
    );
    let wrong = holding(&a, "WRONG", "ethereum");
    assert_eq!(wrong["raw_amount"], trillion.to_string());
    assert_eq!(wrong["quantity_text"], trillion.to_string());
    assert_eq!(wrong["flags"], json!(["out_of_range"]));
    assert_eq!(holding(&a, "FINE", "ethereum")["quantity"], "5");
    assert_eq!(holding(&a, "ETH", "ethereum")["value_usd"], "6000");
    assert_eq!(a["total_value_usd"], "6000");
}
