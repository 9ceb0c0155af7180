//! Trustworthy numbers: no advice on incomplete data, every held or targeted asset priced,
//! every valued number with its price's source and age, exact decimal input, fail-closed
//! documents, and one price rule for accounts and portfolios.

use api::connectors::fake::{balance, listing, quote};
use api::connectors::{ExchangeLocation, Provider};
use api::jobs::{self, Trigger};
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestResponse};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn send(app: &TestApp, m: Method, path: &str, body: Option<Value>) -> TestResponse {
    app.send(m, path, None, body).await
}

async fn run(app: &TestApp, job: &str) -> api::entities::job_runs::Model {
    let run = jobs::run_to_end(&app.state, job, Trigger::Manual)
        .await
        .unwrap();
    assert_ne!(run.status, "failed", "{job}: {:?}", run.error);
    run
}

/// Catalog entries `(coingecko id, symbol)` with no price.
async fn catalog(app: &TestApp, coins: &[(&str, &str)]) {
    app.fakes.gecko.set_coins(
        coins
            .iter()
            .map(|(id, sym)| {
                let mut l = listing(Provider::CoinGecko, id, sym, &[]);
                l.name = id.to_string();
                l
            })
            .collect(),
    );
    run(app, "fetch-all-coins").await;
}

/// CoinGecko quotes `(id, symbol, price, rank, age)`, then one price-collection run.
async fn prices(app: &TestApp, quotes: &[(&str, &str, &str, Option<i32>, Duration)]) {
    app.fakes.gecko.set_quotes(
        quotes
            .iter()
            .map(|(id, sym, price, rank, age)| {
                let mut q = quote(Provider::CoinGecko, id, sym, d(price), *rank);
                q.name = id.to_string();
                q.last_updated = Some(Utc::now() - *age);
                q
            })
            .collect(),
    );
    run(app, "price-collection").await;
}

/// An OKX account holding these `(symbol, quantity)` in trading, synced.
async fn okx(app: &TestApp, holdings: &[(&str, &str)]) -> String {
    app.fakes.exchange.set_balances(
        holdings
            .iter()
            .map(|(s, q)| balance(s, ExchangeLocation::Trading, d(q), None))
            .collect(),
    );
    let body = json!({"name": "OKX", "account_type": "exchange", "exchange_name": "okx",
        "api_key": "k-123456789012", "api_secret": "s", "passphrase": "p"});
    let r = send(app, Method::POST, "/api/accounts", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = send(app, Method::POST, &format!("/api/accounts/{id}/sync"), None).await;
    assert_eq!(r.json()["last_sync_status"], "ok", "{}", r.text());
    id
}

/// A portfolio with these targets, linked to the account.
async fn portfolio(app: &TestApp, targets: Value, account: &str) -> String {
    let body = json!({"name": "Main", "target_allocation": targets,
        "guardrails": {"min_trade_usd": "10"}});
    let r = send(app, Method::POST, "/api/portfolios", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = send(
        app,
        Method::POST,
        &format!("/api/portfolios/{id}/accounts"),
        Some(json!({"account_id": account})),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
    id
}

async fn recommend(app: &TestApp, portfolio: &str) -> Value {
    let r = send(
        app,
        Method::POST,
        &format!("/api/portfolios/{portfolio}/recommendations"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

fn reasons(rec: &Value) -> Vec<(String, String)> {
    rec["blocking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["symbol"].as_str().unwrap().to_string(),
                b["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn fresh() -> Duration {
    Duration::minutes(1)
}

#[tokio::test]
async fn an_unpriced_targeted_asset_makes_the_recommendation_incomplete_with_no_trades() {
    let app = TestApp::local().await;
    catalog(&app, &[("bitcoin", "btc"), ("xyz-token", "xyz")]).await;
    prices(&app, &[("bitcoin", "btc", "60000", Some(1), fresh())]).await;
    // $100k of BTC and $100k (unpriced) of XYZ, targets 50 / 50: the old rule sold $45k BTC.
    let account = okx(&app, &[("BTC", "1.66666667"), ("XYZ", "1000")]).await;
    let id = portfolio(
        &app,
        json!([{"asset": "BTC", "target_pct": "50"}, {"asset": "XYZ", "target_pct": "50"}]),
        &account,
    )
    .await;
    let rec = recommend(&app, &id).await;
    assert_eq!(rec["status"], "incomplete", "{rec}");
    assert_eq!(rec["trades"], json!([]), "no trades on incomplete data");
    assert_eq!(
        reasons(&rec),
        vec![("XYZ".to_string(), "no_price".to_string())]
    );
    let listed = app
        .get(&format!("/api/portfolios/{id}/recommendations"), None)
        .await
        .json();
    assert_eq!(listed[0]["status"], "incomplete");
    assert_eq!(
        listed[0]["blocking"], rec["blocking"],
        "stored with its reasons"
    );
    let alloc = app
        .get(&format!("/api/portfolios/{id}/allocation"), None)
        .await
        .json();
    assert_eq!(alloc["blocking"][0]["reason"], "no_price", "{alloc}");
}

#[tokio::test]
async fn a_stale_price_is_counted_flagged_with_its_age_and_never_traded_on() {
    let app = TestApp::local().await;
    prices(
        &app,
        &[
            ("bitcoin", "btc", "60000", Some(1), fresh()),
            ("ethereum", "eth", "3000", Some(2), Duration::days(3)),
        ],
    )
    .await;
    let account = okx(&app, &[("BTC", "1"), ("ETH", "10")]).await;
    let id = portfolio(
        &app,
        json!([{"asset": "BTC", "target_pct": "50"}, {"asset": "ETH", "target_pct": "50"}]),
        &account,
    )
    .await;
    let alloc = app
        .get(&format!("/api/portfolios/{id}/allocation"), None)
        .await
        .json();
    assert_eq!(
        alloc["total_value_usd"], "90000",
        "a stale price still counts"
    );
    let eth = alloc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["symbol"] == "ETH")
        .unwrap();
    assert_eq!(eth["price_stale"], true);
    assert_eq!(eth["price_source"], "coingecko");
    let at: chrono::DateTime<Utc> = eth["price_at"].as_str().unwrap().parse().unwrap();
    assert!(Utc::now() - at > Duration::days(2), "{at}");
    let btc = alloc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["symbol"] == "BTC")
        .unwrap();
    assert_eq!(btc["price_stale"], false);
    assert_eq!(alloc["oldest_price_at"], eth["price_at"]);

    let acc = app
        .get(&format!("/api/accounts/{account}"), None)
        .await
        .json();
    let flags = |sym: &str| {
        acc["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["symbol"] == sym)
            .unwrap()["flags"]
            .clone()
    };
    assert_eq!(flags("ETH"), json!(["stale"]), "{acc}");
    assert_eq!(flags("BTC"), json!([]));

    let rec = recommend(&app, &id).await;
    assert_eq!(rec["status"], "incomplete");
    assert_eq!(rec["trades"], json!([]));
    assert_eq!(
        reasons(&rec),
        vec![("ETH".to_string(), "stale_price".to_string())]
    );
    let message = rec["blocking"][0]["message"].as_str().unwrap();
    assert!(message.contains("3 days old"), "{message}");
}

#[tokio::test]
async fn an_ambiguous_symbol_on_an_exchange_blocks_and_never_becomes_another_assets_zero() {
    let app = TestApp::local().await;
    // Two unranked coins share the symbol UNI: neither dominates.
    prices(
        &app,
        &[
            ("bitcoin", "btc", "60000", Some(1), fresh()),
            ("uniswap", "uni", "10", None, fresh()),
            ("unicorn-token", "uni", "0.5", None, fresh()),
        ],
    )
    .await;
    let account = okx(&app, &[("BTC", "1"), ("UNI", "6000")]).await;
    let assets = app.get("/api/assets?search=uniswap", None).await.json();
    let uniswap = assets["items"]
        .as_array()
        .or(assets.as_array())
        .unwrap()
        .iter()
        .find(|a| a["coingecko_id"] == "uniswap")
        .unwrap_or_else(|| panic!("{assets}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = portfolio(
        &app,
        json!([{"asset": "BTC", "target_pct": "50"}, {"asset": uniswap, "target_pct": "50"}]),
        &account,
    )
    .await;
    let rec = recommend(&app, &id).await;
    assert_eq!(rec["status"], "incomplete", "{rec}");
    assert_eq!(rec["trades"], json!([]), "no buy of Uniswap against a zero");
    assert_eq!(
        reasons(&rec),
        vec![("UNI".to_string(), "ambiguous_symbol".to_string())]
    );
    assert!(rec["blocking"][0]["message"]
        .as_str()
        .unwrap()
        .contains("pick the asset for symbol UNI"));
}

#[tokio::test]
async fn a_failed_sync_blocks_the_recommendation_and_names_the_account() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000", Some(1), fresh())]).await;
    let account = okx(&app, &[("BTC", "1")]).await;
    let id = portfolio(
        &app,
        json!([{"asset": "BTC", "target_pct": "50"}]),
        &account,
    )
    .await;
    assert_eq!(recommend(&app, &id).await["status"], "proposed");
    app.fakes
        .exchange
        .fail_with(Some(api::connectors::ConnectorError::Timeout {
            provider: "okx",
        }));
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{account}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["last_sync_status"], "error");
    let rec = recommend(&app, &id).await;
    assert_eq!(rec["status"], "incomplete");
    assert_eq!(
        reasons(&rec),
        vec![("OKX".to_string(), "sync_failed".to_string())]
    );
    assert_eq!(rec["blocking"][0]["accounts"], json!([account]));
}

#[tokio::test]
async fn an_unreachable_wallet_holding_nothing_can_be_left_out_of_advice_at_the_users_request() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000", Some(1), fresh())]).await;
    let account = okx(&app, &[("BTC", "1")]).await;
    let id = portfolio(
        &app,
        json!([{"asset": "BTC", "target_pct": "50"}]),
        &account,
    )
    .await;
    // A wallet whose chain cannot be reached from its first sync: it holds nothing known.
    app.fakes.chains.fail_chain(
        "ethereum",
        Some(api::connectors::ConnectorError::Network {
            provider: "evm:ethereum",
            message: "refused".into(),
        }),
    );
    let body = json!({"name": "Old wallet", "account_type": "wallet",
        "wallet_address": "0x52908400098527886E0F7030069857D2E4169EE7", "enabled_chains": ["ethereum"]});
    let r = send(&app, Method::POST, "/api/accounts", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let wallet = r.json()["id"].as_str().unwrap().to_string();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{wallet}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["last_sync_status"], "error", "{}", r.text());
    let r = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/accounts"),
        Some(json!({"account_id": wallet})),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());

    // It holds advice back, and says it may be left out.
    let rec = recommend(&app, &id).await;
    assert_eq!(rec["status"], "incomplete");
    assert_eq!(
        reasons(&rec),
        vec![("Old wallet".to_string(), "sync_failed".to_string())]
    );
    assert_eq!(rec["blocking"][0]["excludable"], true, "{rec}");
    let alloc = app
        .get(&format!("/api/portfolios/{id}/allocation"), None)
        .await
        .json();
    assert_eq!(alloc["blocking"][0]["excludable"], true, "{alloc}");

    // Left out at the user's request: advice on everything else, naming what it leaves out.
    let path = format!("/api/portfolios/{id}/recommendations?exclude_accounts={wallet}");
    let r = send(&app, Method::POST, &path, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rec = r.json();
    assert_eq!(rec["status"], "proposed", "{rec}");
    assert_eq!(
        rec["excluded_accounts"],
        json!([{"id": wallet, "name": "Old wallet"}])
    );
    let listed = app
        .get(&format!("/api/portfolios/{id}/recommendations"), None)
        .await
        .json();
    assert_eq!(listed[0]["excluded_accounts"][0]["name"], "Old wallet");

    // An account that holds assets by its last good read cannot be left out.
    app.fakes
        .exchange
        .fail_with(Some(api::connectors::ConnectorError::Timeout {
            provider: "okx",
        }));
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{account}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["last_sync_status"], "error");
    let rec = recommend(&app, &id).await;
    let okx_entry = rec["blocking"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["symbol"] == "OKX")
        .unwrap()
        .clone();
    assert_eq!(okx_entry["excludable"], false, "{rec}");
    let path = format!("/api/portfolios/{id}/recommendations?exclude_accounts={wallet},{account}");
    let r = send(&app, Method::POST, &path, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "account_not_excludable");
    // Nor one that is not linked, and a malformed id is a 400.
    let other = uuid::Uuid::new_v4();
    let path = format!("/api/portfolios/{id}/recommendations?exclude_accounts={other}");
    let r = send(&app, Method::POST, &path, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "account_not_linked");
    let path = format!("/api/portfolios/{id}/recommendations?exclude_accounts=nope");
    let r = send(&app, Method::POST, &path, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.error_code(), "invalid_query");
}

#[tokio::test]
async fn a_manual_account_never_blocks_advice_for_want_of_a_sync() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000", Some(1), fresh())]).await;
    let account = okx(&app, &[("BTC", "1")]).await;
    let id = portfolio(
        &app,
        json!([{"asset": "BTC", "target_pct": "50"}]),
        &account,
    )
    .await;
    // A manual account, never synced (added before accounts were synced as they are added).
    let r = send(
        &app,
        Method::POST,
        "/api/accounts",
        Some(json!({"name": "Cold storage", "account_type": "manual"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(r.json()["last_sync_status"].is_null());
    let manual = r.json()["id"].as_str().unwrap().to_string();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/accounts"),
        Some(json!({"account_id": manual})),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
    let rec = recommend(&app, &id).await;
    assert_eq!(rec["status"], "proposed", "{rec}");
    assert_eq!(reasons(&rec), vec![]);
}

#[tokio::test]
async fn price_collection_prices_every_held_and_targeted_asset_whatever_its_rank() {
    let app = TestApp::with_vars(&[("PRICE_COLLECTION_TOP_N", "1")]).await;
    catalog(
        &app,
        &[
            ("bitcoin", "btc"),
            ("ethereum", "eth"),
            ("xyz-token", "xyz"),
            ("dogecoin", "doge"),
        ],
    )
    .await;
    let quotes = [
        ("bitcoin", "btc", "60000", Some(1), fresh()),
        ("ethereum", "eth", "3000", Some(2), fresh()),
        ("xyz-token", "xyz", "2", Some(900), fresh()),
        ("dogecoin", "doge", "0.1", Some(8), fresh()),
    ];
    prices(&app, &quotes).await;
    // Only the top 1 so far: nothing is held or targeted yet.
    assert_eq!(app.count("asset_prices", "1 = 1").await, 1);

    let account = okx(&app, &[("ETH", "2")]).await;
    portfolio(
        &app,
        json!([{"asset": "XYZ", "target_pct": "10"}]),
        &account,
    )
    .await;
    prices(&app, &quotes).await;
    let asked: Vec<Vec<String>> = app.fakes.gecko.quotes_for_requests();
    let mut last = asked.last().expect("a /simple/price batch").clone();
    last.sort();
    assert_eq!(last, vec!["ethereum".to_string(), "xyz-token".to_string()]);
    let priced = app.get("/api/accounts", None).await.json()[0]["holdings"][0].clone();
    assert_eq!(priced["symbol"], "ETH");
    assert_eq!(priced["value_usd"], "6000", "{priced}");
    assert_eq!(priced["price_source"], "coingecko");
    // DOGE is neither held nor targeted and outside the top 1: not priced.
    let doge = app.get("/api/assets?search=doge", None).await.json();
    assert_eq!(doge[0]["coingecko_id"], "dogecoin", "{doge}");
    assert!(doge[0]["latest_price"].is_null(), "{doge}");
    let xyz = app.get("/api/assets?search=xyz", None).await.json();
    assert_eq!(xyz[0]["latest_price"]["price_usd"], "2", "{xyz}");
}

#[tokio::test]
async fn decimal_inputs_are_strings_of_plain_decimals_never_json_numbers() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000", Some(1), fresh())]).await;
    let cases = [
        (
            json!({"name": "P", "target_allocation": [{"asset": "BTC", "target_pct": 50}]}),
            "target_allocation[0].target_pct",
            "not a JSON number",
        ),
        (
            json!({"name": "P", "target_allocation": [{"asset": "BTC", "target_pct": "1e2"}]}),
            "target_allocation[0].target_pct",
            "plain decimal",
        ),
        (
            json!({"name": "P", "target_allocation": [{"asset": "BTC", "target_pct": "50.00000000000000000000000000001"}]}),
            "target_allocation[0].target_pct",
            "more digits than can be stored exactly",
        ),
        (
            json!({"name": "P", "guardrails": {"min_trade_usd": 10.5}}),
            "guardrails.min_trade_usd",
            "not a JSON number",
        ),
    ];
    for (body, field, words) in cases {
        let r = send(&app, Method::POST, "/api/portfolios", Some(body.clone())).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        assert_eq!(r.error_code(), "validation_failed");
        let f = &r.json()["error"]["fields"][0];
        assert_eq!(f["field"], field, "{}", r.text());
        assert!(
            f["message"].as_str().unwrap().contains(words),
            "{}",
            r.text()
        );
    }
    assert_eq!(app.count("portfolios", "1 = 1").await, 0, "nothing stored");
    let ok = json!({"name": "P", "target_allocation": [{"asset": "BTC", "target_pct": "33.333333333333333333"}]});
    let r = send(&app, Method::POST, "/api/portfolios", Some(ok)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        r.json()["target_allocation"][0]["target_pct"],
        "33.333333333333333333",
        "kept to the last digit"
    );
}

#[tokio::test]
async fn an_unreadable_guardrails_document_is_an_error_never_the_defaults() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000", Some(1), fresh())]).await;
    let account = okx(&app, &[("BTC", "1")]).await;
    let id = portfolio(&app, json!([{"asset": "BTC", "target_pct": "0"}]), &account).await;
    api::entities::portfolios::ActiveModel {
        id: Set(id.parse().unwrap()),
        guardrails: Set(json!({"never_sell": "BTC"})),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/recommendations"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.error_code(), "stored_data_unreadable");
    assert!(r.text().contains("guardrails"), "{}", r.text());
    assert_eq!(
        app.count("recommendations", "1 = 1").await,
        0,
        "no 'sell all BTC' on an emptied never_sell"
    );
    let r = app.get(&format!("/api/portfolios/{id}"), None).await;
    assert_eq!(r.error_code(), "stored_data_unreadable");
}

#[tokio::test]
async fn accounts_and_portfolios_value_holdings_at_the_same_latest_price() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000", Some(1), fresh())]).await;
    let account = okx(&app, &[("BTC", "1")]).await;
    let id = portfolio(
        &app,
        json!([{"asset": "BTC", "target_pct": "100"}]),
        &account,
    )
    .await;
    prices(
        &app,
        &[("bitcoin", "btc", "70000", Some(1), Duration::seconds(1))],
    )
    .await;
    let acc = app
        .get(&format!("/api/accounts/{account}"), None)
        .await
        .json();
    assert_eq!(acc["total_value_usd"], "70000", "{acc}");
    assert_eq!(acc["holdings"][0]["price_usd"], "70000");
    let listed = app.get("/api/accounts", None).await.json();
    assert_eq!(listed[0]["total_value_usd"], "70000");
    let alloc = app
        .get(&format!("/api/portfolios/{id}/allocation"), None)
        .await
        .json();
    assert_eq!(alloc["total_value_usd"], acc["total_value_usd"]);
    assert_eq!(
        alloc["lines"][0]["price_at"],
        acc["holdings"][0]["price_at"]
    );
}

#[tokio::test]
async fn a_first_start_on_an_empty_catalog_loads_coins_and_prices_at_once_and_says_so() {
    let app = TestApp::local().await;
    let status = app.get("/api/market/status", None).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text());
    let status = status.json();
    assert_eq!(status["first_run"], true, "{status}");
    // Only the seeded core (BTC, ETH, BNB, SOL, USDT, USDC, DAI), none priced.
    assert_eq!(status["assets"], migration::CORE_ASSETS.len());
    assert_eq!(status["priced_assets"], 0);
    assert!(status["newest_price_at"].is_null());

    let mut btc = listing(Provider::CoinGecko, "bitcoin", "btc", &[]);
    btc.name = "Bitcoin".into();
    app.fakes.gecko.set_coins(vec![btc]);
    let mut q = quote(Provider::CoinGecko, "bitcoin", "btc", d("60000"), Some(1));
    q.name = "Bitcoin".into();
    app.fakes.gecko.set_quotes(vec![q]);
    api::jobs::bootstrap_if_empty(app.state.clone())
        .await
        .unwrap();
    assert_eq!(
        app.count("job_runs", "\"trigger\" = 'startup'").await,
        2,
        "the catalog job, then the price job"
    );
    let status = app.get("/api/market/status", None).await.json();
    assert_eq!(status["first_run"], false, "{status}");
    assert_eq!(status["priced_assets"], 1);
    assert_eq!(status["price_job"]["status"], "succeeded");
    assert!(status["newest_price_at"].is_string());

    // A later start with a catalog runs nothing extra.
    api::jobs::bootstrap_if_empty(app.state.clone())
        .await
        .unwrap();
    assert_eq!(app.count("job_runs", "1 = 1").await, 2);
}

#[tokio::test]
async fn net_worth_covers_every_account_subtracts_liabilities_and_shows_the_24h_change() {
    let app = TestApp::local().await;
    prices(
        &app,
        &[
            ("bitcoin", "btc", "50000", Some(1), Duration::hours(24)),
            ("tether", "usdt", "1", Some(3), Duration::hours(24)),
        ],
    )
    .await;
    prices(
        &app,
        &[
            ("bitcoin", "btc", "60000", Some(1), fresh()),
            ("tether", "usdt", "1", Some(3), fresh()),
        ],
    )
    .await;
    // 2 BTC and a 5,000 USDT margin debt, and no portfolio at all.
    let account = okx(&app, &[("BTC", "2"), ("USDT", "-5000")]).await;
    let r = app.get("/api/net-worth", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let n = r.json();
    assert_eq!(n["assets_usd"], "120000", "{n}");
    assert_eq!(n["liabilities_usd"], "5000");
    assert_eq!(n["net_worth_usd"], "115000");
    assert_eq!(n["change_24h_usd"], "20000", "2 BTC × (60000 − 50000)");
    assert_eq!(n["change_complete"], true);
    assert_eq!(n["by_asset"][0]["symbol"], "BTC");
    assert_eq!(n["by_place"][0]["account_id"], account.as_str());
    assert_eq!(n["by_place"][0]["location"], "trading");
    assert!(n["oldest_price_at"].is_string());
    assert!(n["oldest_sync_at"].is_string());
    assert_eq!(n["default_portfolio_id"], Value::Null);
}

#[tokio::test]
async fn a_sync_over_an_unreadable_holdings_document_stops_and_keeps_it() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000", Some(1), fresh())]).await;
    let account = okx(&app, &[("BTC", "1")]).await;
    let broken = json!({"not": "a list of holdings"});
    api::entities::accounts::ActiveModel {
        id: Set(account.parse().unwrap()),
        holdings: Set(Some(broken.clone())),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{account}/sync"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.error_code(), "stored_data_unreadable");
    let r = app.get(&format!("/api/accounts/{account}"), None).await;
    assert_eq!(
        r.error_code(),
        "stored_data_unreadable",
        "never shown as 'holds nothing'"
    );
    use sea_orm::EntityTrait;
    let row = api::entities::accounts::Entity::find_by_id(account.parse::<uuid::Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.holdings,
        Some(broken),
        "the document is left for repair, not overwritten"
    );
}
