//! Portfolios: default rule, targets, links, allocation, snapshots, recommendations, and
//! ownership of every route.

use std::sync::atomic::{AtomicI64, Ordering};

use api::connectors::fake::{balance, quote};
use api::connectors::{ExchangeLocation, Provider};
use api::jobs::{self, Trigger};
use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestResponse};
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

static TICK: AtomicI64 = AtomicI64::new(0);

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn seed_prices(app: &TestApp, btc: &str) {
    let mut quotes = Vec::new();
    for (id, sym, price, rank) in [
        ("bitcoin", "btc", btc, 1),
        ("ethereum", "eth", "3000", 2),
        ("tether", "usdt", "1", 3),
    ] {
        let mut q = quote(Provider::CoinGecko, id, sym, d(price), Some(rank));
        q.name = id.into();
        // Each update carries a later provider time: a re-run with the same time stores nothing.
        q.last_updated = Some(
            chrono::Utc::now() + chrono::Duration::seconds(TICK.fetch_add(1, Ordering::Relaxed)),
        );
        quotes.push(q);
    }
    app.fakes.gecko.set_quotes(quotes);
    let run = jobs::run_to_end(&app.state, "price-collection", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);
}

async fn send(app: &TestApp, m: Method, path: &str, body: Option<Value>) -> TestResponse {
    app.send(m, path, None, body).await
}

/// An OKX account holding 1 BTC, 10 ETH, 10,000 USDT and an unpriced coin, synced.
async fn funded_account(app: &TestApp) -> String {
    funded_account_with(app, true).await
}

/// An OKX account holding 1 BTC, 10 ETH, 10,000 USDT (and, with `unknown`, 7 of a coin no
/// catalog knows), synced.
async fn funded_account_with(app: &TestApp, unknown: bool) -> String {
    let mut balances = vec![
        balance("BTC", ExchangeLocation::Trading, d("1"), None),
        balance("ETH", ExchangeLocation::Funding, d("10"), None),
        balance("USDT", ExchangeLocation::Earn, d("10000"), None),
    ];
    if unknown {
        balances.push(balance("NOPRICE", ExchangeLocation::Trading, d("7"), None));
    }
    app.fakes.exchange.set_balances(balances);
    let body = json!({"name": "OKX", "account_type": "exchange", "exchange_name": "okx", "api_key": "k-123456789012", "api_secret": "s", "passphrase": "p"});
    let id = send(app, Method::POST, "/api/accounts", Some(body))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = send(app, Method::POST, &format!("/api/accounts/{id}/sync"), None).await;
    assert_eq!(r.json()["last_sync_status"], "ok");
    id
}

fn line<'a>(alloc: &'a Value, symbol: &str) -> &'a Value {
    alloc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["symbol"] == symbol)
        .unwrap_or_else(|| panic!("no {symbol}: {alloc}"))
}

fn fields(r: &TestResponse) -> Vec<String> {
    r.json()["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn exactly_one_portfolio_is_the_default() {
    let app = TestApp::local().await;
    let a = send(
        &app,
        Method::POST,
        "/api/portfolios",
        Some(json!({"name": "Main"})),
    )
    .await
    .json();
    let b = send(
        &app,
        Method::POST,
        "/api/portfolios",
        Some(json!({"name": "Side"})),
    )
    .await
    .json();
    assert_eq!(
        (a["is_default"].clone(), b["is_default"].clone()),
        (json!(true), json!(false))
    );
    let r = send(
        &app,
        Method::PUT,
        &format!("/api/portfolios/{}", b["id"].as_str().unwrap()),
        Some(json!({"is_default": true})),
    )
    .await;
    assert_eq!(r.json()["is_default"], true);
    assert_eq!(
        app.get(
            &format!("/api/portfolios/{}", a["id"].as_str().unwrap()),
            None
        )
        .await
        .json()["is_default"],
        false
    );
    assert_eq!(app.count("portfolios", "is_default = true").await, 1);
    let r = send(
        &app,
        Method::PUT,
        &format!("/api/portfolios/{}", b["id"].as_str().unwrap()),
        Some(json!({"is_default": false})),
    )
    .await;
    assert_eq!(fields(&r), ["is_default"]);
    assert_eq!(
        send(
            &app,
            Method::DELETE,
            &format!("/api/portfolios/{}", b["id"].as_str().unwrap()),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(
            &format!("/api/portfolios/{}", a["id"].as_str().unwrap()),
            None
        )
        .await
        .json()["is_default"],
        true,
        "the oldest remaining becomes default"
    );
}

#[tokio::test]
async fn targets_are_validated_against_the_registry() {
    let app = TestApp::local().await;
    seed_prices(&app, "60000").await;
    let bad = json!({"name": "P", "target_allocation": [
        {"asset": "BTC", "target_pct": "70"}, {"asset": "ETH", "target_pct": "-1"},
        {"asset": "NOPE", "target_pct": "10"}, {"asset": "btc", "target_pct": "40"}, {"asset": "CASH", "target_pct": "5"}
    ]});
    let r = send(&app, Method::POST, "/api/portfolios", Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let f = fields(&r);
    for expected in [
        "target_allocation[1].target_pct",
        "target_allocation[2].asset",
        "target_allocation[3].asset",
        "target_allocation[4].asset",
    ] {
        assert!(
            f.iter().any(|x| x == expected),
            "{expected} missing from {f:?}"
        );
    }
    let over = json!({"name": "P", "target_allocation": [{"asset": "BTC", "target_pct": "60"}, {"asset": "ETH", "target_pct": "50"}]});
    assert!(
        fields(&send(&app, Method::POST, "/api/portfolios", Some(over)).await)
            .contains(&"target_allocation".to_string())
    );
    let bad_guard =
        json!({"name": "P", "guardrails": {"drift_band_abs_pct": "150", "min_trade_usd": "-5"}});
    let f = fields(&send(&app, Method::POST, "/api/portfolios", Some(bad_guard)).await);
    assert!(
        f.contains(&"guardrails.drift_band_abs_pct".to_string())
            && f.contains(&"guardrails.min_trade_usd".to_string()),
        "{f:?}"
    );
    assert_eq!(app.count("portfolios", "1 = 1").await, 0);
    let ok = json!({"name": "P", "stablecoins_as_cash": true, "target_allocation": [{"asset": "BTC", "target_pct": "50"}, {"asset": "ETH", "target_pct": "30"}, {"asset": "CASH", "target_pct": "20"}]});
    let r = send(&app, Method::POST, "/api/portfolios", Some(ok)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let t = &r.json()["target_allocation"];
    assert_eq!(t[0]["symbol"], "BTC");
    assert!(t[0]["asset_id"].is_string());
    assert_eq!(t[0]["target_pct"], "50");
    assert_eq!(t[2]["asset_id"], Value::Null);
}

#[tokio::test]
async fn allocation_merges_linked_accounts_and_shows_drift() {
    let app = TestApp::local().await;
    seed_prices(&app, "60000").await;
    let account = funded_account(&app).await;
    let body = json!({"name": "Main", "stablecoins_as_cash": true, "target_allocation": [
        {"asset": "BTC", "target_pct": "50"}, {"asset": "ETH", "target_pct": "30"}, {"asset": "CASH", "target_pct": "20"}]});
    let p = send(&app, Method::POST, "/api/portfolios", Some(body))
        .await
        .json();
    let id = p["id"].as_str().unwrap();
    let r = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/accounts"),
        Some(json!({"account_id": account})),
    )
    .await;
    assert_eq!(r.json()["account_ids"], json!([account]));
    let alloc = app
        .get(&format!("/api/portfolios/{id}/allocation"), None)
        .await
        .json();
    assert_eq!(alloc["total_value_usd"], "100000");
    let btc = line(&alloc, "BTC");
    assert_eq!(btc["value_usd"], "60000");
    assert_eq!(btc["current_pct"], "60");
    assert_eq!(btc["drift_pct_points"], "10");
    assert_eq!(btc["status"], "over");
    assert_eq!(line(&alloc, "ETH")["status"], "ok");
    let cash = line(&alloc, "CASH");
    assert_eq!(cash["value_usd"], "10000");
    assert_eq!(cash["status"], "under");
    assert_eq!(alloc["unpriced"][0]["symbol"], "NOPRICE");
    // Prices move: the allocation follows the latest price.
    seed_prices(&app, "70000").await;
    let alloc = app
        .get(&format!("/api/portfolios/{id}/allocation"), None)
        .await
        .json();
    assert_eq!(alloc["total_value_usd"], "110000");
    let r = send(
        &app,
        Method::DELETE,
        &format!("/api/portfolios/{id}/accounts/{account}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/api/portfolios/{id}/allocation"), None)
            .await
            .json()["total_value_usd"],
        "0"
    );
}

#[tokio::test]
async fn snapshots_keep_the_prices_of_their_day_and_a_rerun_replaces_the_days_row() {
    // The eod slot an hour from now: its last one is 23 hours ago, so this run is today's.
    let hour = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%H")
        .to_string();
    let schedule = format!("0 0 {hour} * * *");
    let app = TestApp::with_vars(&[("EOD_SNAPSHOT_SCHEDULE", &schedule)]).await;
    seed_prices(&app, "60000").await;
    let account = funded_account(&app).await;
    let id = send(
        &app,
        Method::POST,
        "/api/portfolios",
        Some(json!({"name": "Main"})),
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/accounts"),
        Some(json!({"account_id": account})),
    )
    .await;
    let other = send(
        &app,
        Method::POST,
        "/api/portfolios",
        Some(json!({"name": "Empty"})),
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let manual = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/snapshots"),
        None,
    )
    .await;
    assert_eq!(manual.status, StatusCode::CREATED, "{}", manual.text());
    assert_eq!(manual.json()["total_value_usd"], "100000");
    let run = jobs::run_to_end(&app.state, "eod-snapshot", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!((run.status.as_str(), run.items_processed), ("succeeded", 2));
    seed_prices(&app, "80000").await;
    let listed = app
        .get(&format!("/api/portfolios/{id}/snapshots"), None)
        .await
        .json();
    assert_eq!(
        listed.as_array().unwrap().len(),
        2,
        "one eod and one manual"
    );
    let eod = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["snapshot_type"] == "eod")
        .unwrap();
    assert_eq!(
        eod["total_value_usd"], "100000",
        "history stays true when prices move"
    );
    let btc = eod["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["symbol"] == "BTC")
        .unwrap();
    assert_eq!(btc["price_usd"], "60000");
    assert!(eod["metadata"]["prices"]
        .as_object()
        .unwrap()
        .values()
        .any(|p| p["source"] == "coingecko"));

    let again = jobs::run_to_end(&app.state, "eod-snapshot", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(again.status, "succeeded");
    assert_eq!(
        app.count("snapshots", "snapshot_type = 'eod'").await,
        2,
        "one eod row per portfolio and day"
    );
    let timeline = app
        .get(&format!("/api/portfolios/{id}/snapshots/timeline"), None)
        .await
        .json();
    assert_eq!(timeline.as_array().unwrap().len(), 1);
    assert_eq!(timeline[0]["snapshot_type"], "eod");
    assert_eq!(
        timeline[0]["total_value_usd"], "120000",
        "the latest run's values are kept"
    );
    assert_eq!(
        app.get(&format!("/api/portfolios/{other}/snapshots/timeline"), None)
            .await
            .json()[0]["total_value_usd"],
        "0"
    );
    let r = app
        .get(
            &format!("/api/portfolios/{id}/snapshots?from=2026-02-01&to=2026-01-01"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .get(
            &format!("/api/portfolios/{id}/snapshots?from=yesterday"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn recommendations_sell_what_is_over_within_the_guardrails() {
    let app = TestApp::local().await;
    seed_prices(&app, "60000").await;
    let account = funded_account_with(&app, false).await;
    let body = json!({"name": "Main", "stablecoins_as_cash": true,
        "target_allocation": [{"asset": "BTC", "target_pct": "50"}, {"asset": "ETH", "target_pct": "30"}, {"asset": "CASH", "target_pct": "20"}],
        "guardrails": {"drift_band_abs_pct": "2", "drift_band_rel_pct": "100", "min_trade_usd": "50"}});
    let id = send(&app, Method::POST, "/api/portfolios", Some(body))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/accounts"),
        Some(json!({"account_id": account})),
    )
    .await;
    let r = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/recommendations"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rec = r.json();
    assert_eq!(rec["status"], "proposed", "{rec}");
    assert_eq!(rec["blocking"], json!([]));
    let trades = rec["trades"].as_array().unwrap();
    let sell = trades.iter().find(|t| t["side"] == "sell").expect("a sell");
    assert_eq!(sell["symbol"], "BTC");
    assert!(d(sell["quantity"].as_str().unwrap()) <= d("1"));
    assert!(d(sell["usd_amount"].as_str().unwrap()) >= d("50"));
    assert_eq!(sell["accounts"], json!([account]));
    assert_eq!(sell["price_usd"], "60000");
    assert_eq!(sell["price_source"], "coingecko");
    assert!(sell["price_at"].is_string());
    let listed = app
        .get(&format!("/api/portfolios/{id}/recommendations"), None)
        .await
        .json();
    assert_eq!(listed[0]["id"], rec["id"]);
    assert_eq!(listed[0]["trades"], rec["trades"]);

    let protected = json!({"guardrails": {"drift_band_abs_pct": "2", "drift_band_rel_pct": "100", "min_trade_usd": "50", "never_sell": ["BTC"]}});
    send(
        &app,
        Method::PUT,
        &format!("/api/portfolios/{id}"),
        Some(protected),
    )
    .await;
    let rec = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/recommendations"),
        None,
    )
    .await
    .json();
    assert!(rec["trades"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| !(t["symbol"] == "BTC" && t["side"] == "sell")));
    assert!(
        rec["blocked"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["symbol"] == "BTC" && b["guardrail"] == "never_sell"),
        "{rec}"
    );
}

#[tokio::test]
async fn a_portfolio_on_target_gets_no_trades() {
    let app = TestApp::local().await;
    seed_prices(&app, "60000").await;
    let account = funded_account_with(&app, false).await;
    let body = json!({"name": "Main", "stablecoins_as_cash": true,
        "target_allocation": [{"asset": "BTC", "target_pct": "60"}, {"asset": "ETH", "target_pct": "30"}, {"asset": "CASH", "target_pct": "10"}]});
    let id = send(&app, Method::POST, "/api/portfolios", Some(body))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/accounts"),
        Some(json!({"account_id": account})),
    )
    .await;
    let rec = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/recommendations"),
        None,
    )
    .await
    .json();
    assert_eq!(rec["trades"], json!([]));
    assert_eq!(rec["total_buy_usd"], "0");
}

/// Walks every portfolio, account, snapshot and recommendation route of the OpenAPI document
/// as a second user: each answers 404 and changes nothing.
#[tokio::test]
async fn every_owned_route_of_the_openapi_document_is_404_for_another_user() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ])
    .await;
    let alice = issuer.user_token("alice");
    let bob = issuer.user_token("bob");
    let wallet = json!({"name": "W", "account_type": "wallet", "wallet_address": "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359", "enabled_chains": ["ethereum"]});
    let account = app
        .send(Method::POST, "/api/accounts", Some(&alice), Some(wallet))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let portfolio = app
        .send(
            Method::POST,
            "/api/portfolios",
            Some(&alice),
            Some(json!({"name": "Alice's"})),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.send(
        Method::POST,
        &format!("/api/portfolios/{portfolio}/accounts"),
        Some(&alice),
        Some(json!({"account_id": account})),
    )
    .await;
    app.send(
        Method::POST,
        &format!("/api/portfolios/{portfolio}/snapshots"),
        Some(&alice),
        None,
    )
    .await;
    // Bob has an account of his own, so linking it into Alice's portfolio is a real attempt.
    let bob_wallet = json!({"name": "B", "account_type": "wallet", "wallet_address": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "enabled_chains": ["ethereum"]});
    let bobs = app
        .send(Method::POST, "/api/accounts", Some(&bob), Some(bob_wallet))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let doc: Value = serde_json::from_str(
        &<api::openapi::ApiDoc as utoipa::OpenApi>::openapi()
            .to_json()
            .unwrap(),
    )
    .unwrap();
    let before = (
        app.count("portfolios", "1 = 1").await,
        app.count("accounts", "1 = 1").await,
        app.count("snapshots", "1 = 1").await,
        app.count("portfolio_accounts", "1 = 1").await,
    );
    let mut walked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !(path.starts_with("/api/portfolios/{") || path.starts_with("/api/accounts/{")) {
            continue;
        }
        let id = if path.starts_with("/api/portfolios") {
            &portfolio
        } else {
            &account
        };
        let concrete = path
            .replace("{id}", id)
            .replace("{account_id}", &account)
            .replace("{token_id}", &uuid::Uuid::new_v4().to_string());
        for method in item.as_object().unwrap().keys() {
            let m: Method = method.to_uppercase().parse().unwrap();
            let body = match (method.as_str(), path.as_str()) {
                ("post", p) if p.ends_with("/accounts") => Some(json!({"account_id": bobs})),
                ("post", p) if p.ends_with("/tokens") => Some(
                    json!({"chain": "ethereum", "contract_address": "0x000000000000000000000000000000000000beef"}),
                ),
                ("put", p) if p.starts_with("/api/portfolios") => {
                    Some(json!({"name": "Bob's now"}))
                }
                ("put", p) if p.ends_with("/manual-holdings") => {
                    Some(json!({"asset": "BTC", "quantity": "1"}))
                }
                ("put", _) => Some(json!({"name": "Bob's now"})),
                _ => None,
            };
            let r = app.send(m.clone(), &concrete, Some(&bob), body).await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path} as another user: {}",
                r.text()
            );
            assert!(
                !r.text().contains(id.as_str()) || r.text().contains("request_id"),
                "no data leaks"
            );
            walked += 1;
        }
    }
    assert!(walked >= 15, "walked {walked} routes");
    let after = (
        app.count("portfolios", "1 = 1").await,
        app.count("accounts", "1 = 1").await,
        app.count("snapshots", "1 = 1").await,
        app.count("portfolio_accounts", "1 = 1").await,
    );
    assert_eq!(before, after, "nothing changed");
    assert_eq!(
        app.get(&format!("/api/portfolios/{portfolio}"), Some(&alice))
            .await
            .json()["name"],
        "Alice's"
    );
}

/// A portfolio named `name` with these accounts linked.
async fn portfolio_of(app: &TestApp, name: &str, accounts: &[&str]) -> String {
    let id = send(
        app,
        Method::POST,
        "/api/portfolios",
        Some(json!({ "name": name })),
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for a in accounts {
        let r = send(
            app,
            Method::POST,
            &format!("/api/portfolios/{id}/accounts"),
            Some(json!({ "account_id": a })),
        )
        .await;
        assert!(r.status.is_success(), "{}", r.text());
    }
    id
}

/// An OKX account with `key`, created but never read.
async fn unread_okx_account(app: &TestApp, name: &str, key: &str) -> String {
    let body = json!({"name": name, "account_type": "exchange", "exchange_name": "okx", "api_key": key, "api_secret": "s", "passphrase": "p"});
    let r = send(app, Method::POST, "/api/accounts", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_borrow_held_as_cash_leaves_snapshots_and_the_timeline_at_net_value() {
    let app = TestApp::local().await;
    seed_prices(&app, "60000").await;
    // 1 BTC (60,000) and 3,000 USDT held, 1 ETH (3,000) of it borrowed: 60,000 net, not 63,000.
    app.fakes.exchange.set_balances(vec![
        balance("BTC", ExchangeLocation::Trading, d("1"), None),
        balance("USDT", ExchangeLocation::Funding, d("3000"), None),
        balance("ETH", ExchangeLocation::Trading, d("-1"), None),
    ]);
    let account = unread_okx_account(&app, "OKX", "k-123456789012").await;
    let r = send(
        &app,
        Method::POST,
        &format!("/api/accounts/{account}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["last_sync_status"], "ok", "{}", r.text());
    let id = portfolio_of(&app, "Main", &[&account]).await;

    let expect = |v: &Value, what: &str| {
        assert_eq!(
            (
                &v["total_value_usd"],
                &v["net_value_usd"],
                &v["assets_usd"],
                &v["liabilities_usd"],
                &v["accounts_not_read"],
            ),
            (
                &json!("60000"),
                &json!("60000"),
                &json!("63000"),
                &json!("3000"),
                &json!(0)
            ),
            "{what}: {v}"
        );
    };
    let manual = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/snapshots"),
        None,
    )
    .await;
    assert_eq!(manual.status, StatusCode::CREATED, "{}", manual.text());
    expect(&manual.json(), "manual snapshot");
    let run = jobs::run_to_end(&app.state, "eod-snapshot", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);
    let listed = app
        .get(&format!("/api/portfolios/{id}/snapshots"), None)
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    for s in listed.as_array().unwrap() {
        expect(s, "listed snapshot");
    }
    let timeline = app
        .get(&format!("/api/portfolios/{id}/snapshots/timeline"), None)
        .await
        .json();
    assert_eq!(timeline.as_array().unwrap().len(), 1, "{timeline}");
    expect(&timeline[0], "timeline point");
}

#[tokio::test]
async fn a_snapshot_of_accounts_never_read_is_refused_and_no_zero_point_is_recorded() {
    let app = TestApp::local().await;
    seed_prices(&app, "60000").await;
    app.fakes.exchange.set_balances(vec![balance(
        "BTC",
        ExchangeLocation::Trading,
        d("1"),
        None,
    )]);
    // Its first sync fails: nothing about the account is known.
    let account = unread_okx_account(&app, "OKX", "k-123456789012").await;
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
        &format!("/api/accounts/{account}/sync"),
        None,
    )
    .await;
    assert_eq!(r.json()["last_sync_status"], "error", "{}", r.text());
    let id = portfolio_of(&app, "Main", &[&account]).await;

    let r = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/snapshots"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "nothing_valued");
    let run = jobs::run_to_end(&app.state, "eod-snapshot", Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);
    let timeline = app
        .get(&format!("/api/portfolios/{id}/snapshots/timeline"), None)
        .await
        .json();
    assert_eq!(timeline, json!([]), "no $0 point for an unknown value");
    let alloc = app
        .get(&format!("/api/portfolios/{id}/allocation"), None)
        .await
        .json();
    assert_eq!(alloc["accounts_not_read"], 1, "{alloc}");

    // A manual account with nothing entered is known to hold nothing: the snapshot is taken,
    // and says the exchange account is missing from it.
    let manual = send(
        &app,
        Method::POST,
        "/api/accounts",
        Some(json!({"name": "Safe", "account_type": "manual"})),
    )
    .await
    .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/accounts"),
        Some(json!({ "account_id": manual })),
    )
    .await;
    let r = send(
        &app,
        Method::POST,
        &format!("/api/portfolios/{id}/snapshots"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(
        (&r.json()["total_value_usd"], &r.json()["accounts_not_read"]),
        (&json!("0"), &json!(1)),
        "{}",
        r.text()
    );
    let timeline = app
        .get(&format!("/api/portfolios/{id}/snapshots/timeline"), None)
        .await
        .json();
    assert_eq!(timeline[0]["accounts_not_read"], 1, "{timeline}");
}
