//! The holdings model: rows per account × location × asset, manual accounts with their edit
//! history, and daily balances per account and asset without a portfolio.

use api::connectors::fake::{balance, quote};
use api::connectors::{ExchangeLocation, Provider};
use api::jobs::{self, Trigger};
use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestResponse};
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

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

async fn prices(app: &TestApp, quotes: &[(&str, &str, &str)]) {
    app.fakes.gecko.set_quotes(
        quotes
            .iter()
            .enumerate()
            .map(|(i, (id, sym, price))| {
                let mut q = quote(Provider::CoinGecko, id, sym, d(price), Some(i as i32 + 1));
                q.name = id.to_string();
                q.last_updated = Some(Utc::now() - Duration::seconds(30));
                q
            })
            .collect(),
    );
    run(app, "price-collection").await;
}

async fn manual(app: &TestApp, name: &str) -> String {
    let r = send(
        app,
        Method::POST,
        "/api/accounts",
        Some(json!({"name": name, "account_type": "manual"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["account_type"], "manual");
    r.json()["id"].as_str().unwrap().to_string()
}

async fn set(app: &TestApp, account: &str, body: Value) -> TestResponse {
    send(
        app,
        Method::PUT,
        &format!("/api/accounts/{account}/manual-holdings"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_sync_stores_one_row_per_holding_and_the_rows_are_what_the_account_shows() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000")]).await;
    app.fakes.exchange.set_balances(vec![
        balance("BTC", ExchangeLocation::Trading, d("0.5"), None),
        balance("BTC", ExchangeLocation::Funding, d("0.25"), None),
        balance(
            "XYZ",
            ExchangeLocation::Earn,
            d("12.000000000000000001"),
            None,
        ),
    ]);
    let r = send(
        &app,
        Method::POST,
        "/api/accounts",
        Some(
            json!({"name": "OKX", "account_type": "exchange", "exchange_name": "okx",
            "api_key": "k-123456789012", "api_secret": "s", "passphrase": "p"}),
        ),
    )
    .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{id}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["last_sync_status"], "ok", "{}", r.text());
    assert_eq!(app.count("holdings", "1 = 1").await, 3);
    assert_eq!(app.count("accounts", "holdings IS NULL").await, 1);
    let acc = app.get(&format!("/api/accounts/{id}"), None).await.json();
    let shown: Vec<(String, String, String, String)> = acc["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["symbol"].as_str().unwrap().into(),
                h["location"].as_str().unwrap().into(),
                h["kind"].as_str().unwrap().into(),
                h["quantity"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(shown.contains(&("BTC".into(), "trading".into(), "spot".into(), "0.5".into())));
    assert!(shown.contains(&("BTC".into(), "funding".into(), "spot".into(), "0.25".into())));
    assert!(shown.contains(&(
        "XYZ".into(),
        "earn".into(),
        "earn".into(),
        "12.000000000000000001".into()
    )));
    assert_eq!(acc["total_value_usd"], "45000");

    // A second sync replaces the rows (a balance gone is gone), in one transaction.
    app.fakes.exchange.set_balances(vec![balance(
        "BTC",
        ExchangeLocation::Trading,
        d("1"),
        None,
    )]);
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{id}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["last_sync_status"], "ok");
    assert_eq!(app.count("holdings", "1 = 1").await, 1);
    assert_eq!(r.json()["total_value_usd"], "60000");
}

#[tokio::test]
async fn a_manual_account_is_valued_like_any_other_and_keeps_every_edit() {
    let app = TestApp::local().await;
    prices(
        &app,
        &[("bitcoin", "btc", "60000"), ("ethereum", "eth", "3000")],
    )
    .await;
    let cold = manual(&app, "Cold storage").await;

    let r = set(
        &app,
        &cold,
        json!({"asset": "BTC", "quantity": "1.5", "note": "Ledger in the safe"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let acc = r.json();
    assert_eq!(acc["holdings"][0]["symbol"], "BTC");
    assert_eq!(acc["holdings"][0]["kind"], "manual");
    assert_eq!(acc["holdings"][0]["location"], "manual");
    assert_eq!(acc["holdings"][0]["value_usd"], "90000");
    assert_eq!(acc["last_sync_status"], "ok");
    assert_eq!(acc["total_value_usd"], "90000");

    set(&app, &cold, json!({"asset": "ETH", "quantity": "2"})).await;
    let acc = set(&app, &cold, json!({"asset": "BTC", "quantity": "1.25"}))
        .await
        .json();
    assert_eq!(acc["total_value_usd"], "81000", "{acc}");

    // A portfolio of the manual account counts it.
    let r = send(
        &app,
        Method::POST,
        "/api/portfolios",
        Some(json!({"name": "All", "target_allocation": [
            {"asset": "BTC", "target_pct": "50"}, {"asset": "ETH", "target_pct": "50"}]})),
    )
    .await;
    let p = r.json()["id"].as_str().unwrap().to_string();
    send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{p}/accounts"),
        Some(json!({"account_id": cold})),
    )
    .await;
    let alloc = app
        .get(&format!("/api/portfolios/{p}/allocation"), None)
        .await
        .json();
    assert_eq!(alloc["total_value_usd"], "81000", "{alloc}");
    let worth = app.get("/api/net-worth", None).await.json();
    assert_eq!(worth["net_worth_usd"], "81000", "{worth}");

    // "0" removes the asset; the history keeps all four edits, newest first.
    let acc = set(&app, &cold, json!({"asset": "ETH", "quantity": "0"}))
        .await
        .json();
    assert_eq!(acc["holdings"].as_array().unwrap().len(), 1);
    assert_eq!(acc["total_value_usd"], "75000");
    let history = app
        .get(
            &format!("/api/accounts/{cold}/manual-holdings/history"),
            None,
        )
        .await
        .json();
    let edits: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["symbol"].as_str().unwrap().into(),
                e["quantity"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        edits,
        vec![
            ("ETH".into(), "0".into()),
            ("BTC".into(), "1.25".into()),
            ("ETH".into(), "2".into()),
            ("BTC".into(), "1.5".into()),
        ]
    );
    assert_eq!(history[3]["note"], "Ledger in the safe");
}

#[tokio::test]
async fn manual_holdings_refuse_bad_input_with_every_field_named_and_keep_what_was_stored() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000")]).await;
    let cold = manual(&app, "Cold").await;
    set(&app, &cold, json!({"asset": "BTC", "quantity": "1"})).await;

    let r = set(
        &app,
        &cold,
        json!({"asset": "NOPE", "quantity": "-1", "note": "x".repeat(201)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "validation_failed");
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, vec!["asset", "quantity", "note"]);
    // A JSON number is refused (it would be a binary float on the way).
    let r = set(&app, &cold, json!({"asset": "BTC", "quantity": 1.5})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Wallet fields do not apply to manual accounts.
    let r = send(
        &app,
        Method::POST,
        "/api/accounts",
        Some(json!({"name": "m", "account_type": "manual", "wallet_address": "0x0000000000000000000000000000000000000001"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Only manual accounts take entries.
    app.fakes.exchange.set_balances(vec![]);
    let r = send(
        &app,
        Method::POST,
        "/api/accounts",
        Some(
            json!({"name": "OKX", "account_type": "exchange", "exchange_name": "okx",
            "api_key": "k-123456789012", "api_secret": "s", "passphrase": "p"}),
        ),
    )
    .await;
    let okx = r.json()["id"].as_str().unwrap().to_string();
    let r = set(&app, &okx, json!({"asset": "BTC", "quantity": "1"})).await;
    assert_eq!(r.error_code(), "not_a_manual_account");
    // Nothing stored was lost.
    let acc = app.get(&format!("/api/accounts/{cold}"), None).await.json();
    assert_eq!(acc["total_value_usd"], "60000");
    assert_eq!(app.count("manual_entries", "1 = 1").await, 1);
}

#[tokio::test]
async fn daily_balances_keep_each_accounts_history_without_a_portfolio() {
    let app = TestApp::local().await;
    prices(
        &app,
        &[("bitcoin", "btc", "60000"), ("ethereum", "eth", "3000")],
    )
    .await;
    let cold = manual(&app, "Cold").await;
    set(&app, &cold, json!({"asset": "BTC", "quantity": "2"})).await;
    let other = manual(&app, "Other").await;
    set(&app, &other, json!({"asset": "ETH", "quantity": "10"})).await;

    let run = run(&app, "eod-snapshot").await;
    let details = run.details.unwrap();
    assert_eq!(details["accounts_with_daily_balances"], 2, "{details}");
    let lines = app
        .get(&format!("/api/balances/history?account_id={cold}"), None)
        .await;
    assert_eq!(lines.status, StatusCode::OK, "{}", lines.text());
    let lines = lines.json();
    assert_eq!(lines.as_array().unwrap().len(), 1, "{lines}");
    assert_eq!(lines[0]["symbol"], "BTC");
    assert_eq!(lines[0]["quantity"], "2");
    assert_eq!(lines[0]["value_usd"], "120000");
    assert_eq!(lines[0]["kind"], "manual");
    assert_eq!(lines[0]["day"], run.started_at.date_naive().to_string());

    // A second run the same day replaces the day's lines (the latest values are kept).
    set(&app, &cold, json!({"asset": "BTC", "quantity": "3"})).await;
    run_again(&app).await;
    let all = app.get("/api/balances/history", None).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2, "{all}");
    let btc = all
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["symbol"] == "BTC")
        .unwrap();
    assert_eq!(btc["quantity"], "3");
    // One asset across accounts.
    let eth_id = all
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["symbol"] == "ETH")
        .unwrap()["asset_id"]
        .as_str()
        .unwrap()
        .to_string();
    let eth = app
        .get(&format!("/api/balances/history?asset_id={eth_id}"), None)
        .await
        .json();
    assert_eq!(eth.as_array().unwrap().len(), 1);
    assert_eq!(eth[0]["account_id"], other.as_str());
    // Bad ranges are 422, a bad date 400.
    let r = app
        .get("/api/balances/history?from=2026-02-01&to=2026-01-01", None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .get("/api/balances/history?from=2000-01-01&to=2026-01-01", None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get("/api/balances/history?from=yesterday", None).await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

/// The end-of-day job run at a given moment (the state's clock stopped there) by `trigger`.
async fn eod_at(app: &TestApp, at: &str, trigger: Trigger) -> Value {
    let state = app
        .state
        .clone()
        .with_clock(api::clock::fixed(at.parse().unwrap()));
    let run = jobs::run_to_end(&state, "eod-snapshot", trigger)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{at}: {:?}", run.error);
    run.details.unwrap()
}

#[tokio::test]
async fn a_scheduled_close_is_dated_to_its_slot_and_a_run_by_hand_to_the_moment_it_ran() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000")]).await;
    let cold = manual(&app, "Cold").await;
    set(&app, &cold, json!({"asset": "BTC", "quantity": "2"})).await;
    // The default schedule closes the day at 23:30 UTC; each moment is run both ways.
    let cases = [
        ("2026-03-01T23:29:59Z", "2026-03-01", "2026-03-01"),
        ("2026-03-01T23:59:59Z", "2026-03-01", "2026-03-01"),
        ("2026-03-02T00:00:01Z", "2026-03-01", "2026-03-02"),
        ("2026-03-02T11:29:00Z", "2026-03-01", "2026-03-02"),
        ("2026-03-02T11:31:00Z", "2026-03-02", "2026-03-02"),
    ];
    for (at, scheduled, by_hand) in cases {
        let d = eod_at(&app, at, Trigger::Scheduled).await;
        assert_eq!(
            (d["date"].as_str(), d["dated_by"].as_str()),
            (Some(scheduled), Some("slot")),
            "{at}"
        );
        let d = eod_at(&app, at, Trigger::Manual).await;
        assert_eq!(
            (d["date"].as_str(), d["dated_by"].as_str()),
            (Some(by_hand), Some("run_time")),
            "{at}"
        );
        assert_eq!(
            d["taken_at"]
                .as_str()
                .map(|t| t.parse::<chrono::DateTime<Utc>>().unwrap()),
            Some(at.parse().unwrap())
        );
    }
    // What the user sees: one line a day, on the days the runs were dated to.
    let lines = app
        .get(
            &format!("/api/balances/history?account_id={cold}&from=2026-02-28&to=2026-03-03"),
            None,
        )
        .await
        .json();
    let days: Vec<&str> = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["day"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-03-01", "2026-03-02"], "{lines}");
}

async fn run_again(app: &TestApp) {
    run(app, "eod-snapshot").await;
}

#[tokio::test]
async fn another_user_gets_404_on_manual_holdings_and_balance_history() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ])
    .await;
    let alice = issuer.user_token("alice");
    let bob = issuer.user_token("bob");
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            Some(&alice),
            Some(json!({"name": "Cold", "account_type": "manual"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    for (m, path, body) in [
        (
            Method::PUT,
            format!("/api/accounts/{id}/manual-holdings"),
            Some(json!({"asset": "BTC", "quantity": "1"})),
        ),
        (
            Method::GET,
            format!("/api/accounts/{id}/manual-holdings/history"),
            None,
        ),
        (
            Method::GET,
            format!("/api/balances/history?account_id={id}"),
            None,
        ),
    ] {
        let r = app.send(m, &path, Some(&bob), body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
    }
    assert_eq!(app.count("manual_entries", "1 = 1").await, 0);
}

#[tokio::test]
async fn a_wallet_names_its_chain_family_and_an_unknown_family_is_refused() {
    let app = TestApp::local().await;
    let wallet = |family: Option<&str>| {
        let mut b = json!({"name": "W", "account_type": "wallet",
            "wallet_address": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
            "enabled_chains": ["ethereum"]});
        if let Some(f) = family {
            b["chain_family"] = json!(f);
        }
        b
    };
    let r = send(&app, Method::POST, "/api/accounts", Some(wallet(None))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["chain_family"], "evm");
    let r = send(
        &app,
        Method::POST,
        "/api/accounts",
        Some(wallet(Some("cosmos"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "chain_family");
    assert!(r.json()["error"]["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("evm"));
}

#[tokio::test]
async fn an_account_never_read_is_worth_unknown_not_zero_and_net_worth_says_it_lacks_it() {
    let app = TestApp::local().await;
    prices(&app, &[("bitcoin", "btc", "60000")]).await;
    app.fakes.exchange.set_balances(vec![balance(
        "BTC",
        ExchangeLocation::Trading,
        d("1"),
        None,
    )]);
    let body = json!({"name": "OKX", "account_type": "exchange", "exchange_name": "okx", "api_key": "k-123456789012", "api_secret": "s", "passphrase": "p"});
    let r = send(&app, Method::POST, "/api/accounts", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["total_value_usd"], Value::Null, "{}", r.text());
    let okx = r.json()["id"].as_str().unwrap().to_string();
    let worth = app.get("/api/net-worth", None).await.json();
    assert_eq!(
        (&worth["net_worth_usd"], &worth["accounts_not_read"]),
        (&Value::Null, &json!(1)),
        "{worth}"
    );

    // Its first sync fails: still nothing known, on the list and on its page.
    app.fakes.exchange.fail_call(
        api::connectors::fake::FakeExchangeCall::Balances,
        Some(api::connectors::ConnectorError::Upstream {
            provider: "okx",
            status: 503,
            message: "down".into(),
        }),
    );
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{okx}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["last_sync_status"], "error", "{}", r.text());
    assert_eq!(r.json()["total_value_usd"], Value::Null);
    let listed = app.get("/api/accounts", None).await.json();
    assert_eq!(listed[0]["total_value_usd"], Value::Null, "{listed}");

    // A manual account with nothing entered is known to be empty: worth 0, and counted.
    let cold = manual(&app, "Cold").await;
    let page = app.get(&format!("/api/accounts/{cold}"), None).await.json();
    assert_eq!(page["total_value_usd"], "0", "{page}");
    set(&app, &cold, json!({"asset": "BTC", "quantity": "2"})).await;
    let worth = app.get("/api/net-worth", None).await.json();
    assert_eq!(
        (&worth["net_worth_usd"], &worth["accounts_not_read"]),
        (&json!("120000"), &json!(1)),
        "{worth}"
    );

    // Once read, the exchange account has a value and net worth lacks nothing.
    app.fakes
        .exchange
        .fail_call(api::connectors::fake::FakeExchangeCall::Balances, None);
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{okx}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["total_value_usd"], "60000", "{}", r.text());
    let worth = app.get("/api/net-worth", None).await.json();
    assert_eq!(
        (&worth["net_worth_usd"], &worth["accounts_not_read"]),
        (&json!("180000"), &json!(0)),
        "{worth}"
    );
}
