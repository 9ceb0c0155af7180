//! Performance (issue 28): value history rebuilt from the ledger and valued at daily prices
//! fetched once (CoinGecko's market chart through the market stand-in, counted), with the
//! time- and money-weighted returns, the profit and the benchmarks, as the API answers them.

use api::connectors::fake::FakeCall;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::helpers::TestApp;

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, n).unwrap()
}

fn closes(list: &[(u32, &str)]) -> Vec<(NaiveDate, Decimal)> {
    list.iter()
        .map(|(n, p)| (day(*n), p.parse().unwrap()))
        .collect()
}

/// `path` asked with the clock stopped at noon on 10 January 2024.
async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    get_as(app, path, None).await
}

async fn get_as(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    let state = app
        .state
        .clone()
        .with_clock(api::clock::fixed("2024-01-10T12:00:00Z".parse().unwrap()));
    let mut req = Request::get(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = api::router(state)
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn manual_account(app: &TestApp, name: &str, token: Option<&str>) -> String {
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            token,
            Some(json!({"name": name, "account_type": "manual"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

async fn trade(app: &TestApp, account: &str, at: &str, sent: (&str, &str), received: (&str, &str)) {
    let r = app
        .send(
            Method::POST,
            "/api/ledger/entries",
            None,
            Some(
                json!({"account_id": account, "kind": "trade", "occurred_at": at,
                        "sent": {"asset": sent.1, "quantity": sent.0},
                        "received": {"asset": received.1, "quantity": received.0}}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

async fn with_a_bitcoin_bought(app: &TestApp) -> String {
    let account = manual_account(app, "Cold", None).await;
    trade(
        app,
        &account,
        "2024-01-02T09:00:00Z",
        ("40000", "USD"),
        ("1", "BTC"),
    )
    .await;
    account
}

/// ETH at 1,000 until the 4th, then 1,100, 1,150, 1,200, 1,250 and 1,300 on the 9th.
fn eth_closes() -> Vec<(NaiveDate, Decimal)> {
    closes(&[
        (1, "1000"),
        (2, "1000"),
        (3, "1000"),
        (4, "1000"),
        (5, "1100"),
        (6, "1150"),
        (7, "1200"),
        (8, "1250"),
        (9, "1300"),
    ])
}

/// A Hot account buying 10 ETH on the 4th (10,000) and selling 5 on the 7th (6,000).
async fn with_ether_traded(app: &TestApp) -> String {
    let hot = manual_account(app, "Hot", None).await;
    trade(
        app,
        &hot,
        "2024-01-04T10:00:00Z",
        ("10000", "USD"),
        ("10", "ETH"),
    )
    .await;
    trade(
        app,
        &hot,
        "2024-01-07T10:00:00Z",
        ("5", "ETH"),
        ("6000", "USD"),
    )
    .await;
    hot
}

fn row<'a>(p: &'a Value, symbol: &str) -> &'a Value {
    p["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["symbol"] == symbol)
        .unwrap_or_else(|| panic!("no {symbol} row in {}", p["assets"]))
}

fn dec(v: &Value) -> Decimal {
    v.as_str()
        .unwrap_or_else(|| panic!("{v} is not a decimal string"))
        .parse()
        .unwrap()
}

fn btc_closes() -> Vec<(NaiveDate, Decimal)> {
    closes(&[
        (1, "39000"),
        (2, "40000"),
        (3, "42000"),
        (4, "41000"),
        (5, "43000"),
        (6, "43500"),
        (7, "42500"),
        (8, "43800"),
        (9, "44000"),
    ])
}

#[tokio::test]
async fn history_back_to_the_first_entry_with_returns_and_benchmarks_and_prices_fetched_once() {
    let app = TestApp::local().await;
    app.fakes.gecko.set_history("bitcoin", btc_closes());
    app.fakes.gecko.set_history(
        "ethereum",
        closes(
            &(1..=9)
                .map(|n| (n, if n == 9 { "2100" } else { "2000" }))
                .collect::<Vec<_>>(),
        ),
    );
    let account = with_a_bitcoin_bought(&app).await;
    let (status, p) = get(&app, "/api/performance?to=2024-01-09").await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["from"], "2024-01-02");
    let series = p["series"].as_array().unwrap();
    assert_eq!(series.len(), 8);
    assert_eq!(series[0]["value_usd"], "40000");
    assert_eq!(series[0]["money_in_usd"], "40000");
    assert_eq!(series[7]["value_usd"], "44000");
    assert_eq!(p["incomplete"], Value::Null);
    // 40,000 → 44,000 with the only money in at the start: +10 %, shown cumulative (8 days).
    assert_eq!(p["time_weighted"]["value"], "0.1");
    assert_eq!(p["time_weighted"]["basis"], "cumulative");
    assert_eq!(p["profit_usd"], "4000");
    // XIRR: 10 % in 7 days, per year.
    let mwr: f64 = p["money_weighted"]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let expected = 1.1f64.powf(365.0 / 7.0) - 1.0;
    assert!(
        (mwr - expected).abs() < 1e-6 * expected,
        "{mwr} vs {expected}"
    );
    let bench = |name: &str| {
        p["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap()
            .clone()
    };
    // The same 40,000 in BTC is the same holding; in ETH 20 ETH at 2,100; as cash 40,000.
    assert_eq!(bench("BTC")["time_weighted"]["value"], "0.1");
    assert_eq!(bench("ETH")["value_usd"], "42000");
    assert_eq!(bench("ETH")["time_weighted"]["value"], "0.05");
    assert_eq!(bench("cash")["value_usd"], "40000");
    assert_eq!(bench("cash")["time_weighted"]["value"], "0");
    // One request per asset for the range (BTC and the ETH benchmark), none on a second ask.
    let asked = app.fakes.gecko.history_requests();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked
        .iter()
        .all(|(_, from, to)| (*from, *to) == (day(1), day(9))));
    let (_, again) = get(&app, "/api/performance?to=2024-01-09").await;
    assert_eq!(again["time_weighted"], p["time_weighted"]);
    assert_eq!(app.fakes.gecko.calls(FakeCall::DailyPrices), 2);

    // One account, and a range: from 5 January the start is the 4th's close (41,000).
    let (_, a) = get(
        &app,
        &format!("/api/performance?account_id={account}&from=2024-01-05&to=2024-01-09"),
    )
    .await;
    assert_eq!(a["series"].as_array().unwrap().len(), 5);
    let expected_twr = Decimal::from(44000) / Decimal::from(41000) - Decimal::ONE;
    assert_eq!(
        a["time_weighted"]["value"],
        expected_twr.round_dp(12).normalize().to_string()
    );
    assert_eq!(a["profit_usd"], "3000");
    let (status, _) = get(
        &app,
        "/api/performance?account_id=6f1c1f43-6a43-4fa4-9c1f-2c1b3b1b1b1b",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_day_without_a_price_makes_the_returns_unknown_and_says_which() {
    let app = TestApp::local().await;
    let mut btc = btc_closes();
    btc.retain(|(d, _)| *d != day(5));
    app.fakes.gecko.set_history("bitcoin", btc);
    with_a_bitcoin_bought(&app).await;
    let (status, p) = get(&app, "/api/performance?to=2024-01-09").await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["time_weighted"]["value"], Value::Null);
    assert_eq!(p["money_weighted"]["value"], Value::Null);
    assert_eq!(p["profit_usd"], Value::Null);
    assert_eq!(p["incomplete"]["days"], json!(["2024-01-05"]));
    assert_eq!(p["incomplete"]["unpriced_assets"], json!(["BTC"]));
    let fifth = p["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["date"] == "2024-01-05")
        .unwrap()
        .clone();
    assert_eq!(fifth["value_usd"], Value::Null);
    // The asset's row says it is incomplete, and shows nothing rather than 0.
    let btc = row(&p, "BTC");
    assert_eq!(btc["incomplete"], true);
    for figure in [
        "start_value_usd",
        "end_value_usd",
        "net_flows_usd",
        "profit_usd",
    ] {
        assert_eq!(btc[figure], Value::Null, "{figure}");
    }
    assert_eq!(btc["contribution"]["value"], Value::Null);
    assert_eq!(p["simple_return"]["value"], Value::Null);
}

#[tokio::test]
async fn each_assets_profit_and_contribution_add_up_to_the_whole() {
    let app = TestApp::local().await;
    app.fakes.gecko.set_history("bitcoin", btc_closes());
    app.fakes.gecko.set_history("ethereum", eth_closes());
    with_a_bitcoin_bought(&app).await;
    with_ether_traded(&app).await;
    let (status, p) = get(&app, "/api/performance?to=2024-01-09").await;
    assert_eq!(status, StatusCode::OK, "{p}");
    // 50,000 in, 6,000 out, 44,000 + 5 × 1,300 at the end: 6,500 profit on 50,000 at work.
    assert_eq!(p["profit_usd"], "6500");
    assert_eq!(p["simple_return"]["value"], "0.13");
    assert_eq!(p["assets"].as_array().unwrap().len(), 2, "{}", p["assets"]);
    let btc = row(&p, "BTC");
    assert_eq!(btc["start_value_usd"], "0");
    assert_eq!(btc["end_value_usd"], "44000");
    assert_eq!(btc["net_flows_usd"], "40000");
    assert_eq!(btc["profit_usd"], "4000");
    assert_eq!(btc["contribution"]["value"], "0.08");
    assert_eq!(btc["incomplete"], false);
    let eth = row(&p, "ETH");
    // 10,000 in, 6,000 out: 4,000 put in; 5 ETH at 1,300 = 6,500; 2,500 profit.
    assert_eq!(eth["net_flows_usd"], "4000");
    assert_eq!(eth["end_value_usd"], "6500");
    assert_eq!(eth["profit_usd"], "2500");
    assert_eq!(eth["contribution"]["value"], "0.05");
    assert_eq!(eth["contribution"]["basis"], "cumulative");
    assert!(eth["contribution"]["definition"]
        .as_str()
        .unwrap()
        .contains("add up"));
    assert_eq!(
        dec(&btc["profit_usd"]) + dec(&eth["profit_usd"]),
        dec(&p["profit_usd"])
    );
    assert_eq!(
        dec(&btc["contribution"]["value"]) + dec(&eth["contribution"]["value"]),
        dec(&p["simple_return"]["value"])
    );

    // From the 6th: BTC opens at the 5th's close (43,000), ETH at 10 × 1,100.
    let (_, mid) = get(&app, "/api/performance?from=2024-01-06&to=2024-01-09").await;
    let btc = row(&mid, "BTC");
    assert_eq!(btc["start_value_usd"], "43000");
    assert_eq!(btc["net_flows_usd"], "0");
    assert_eq!(btc["profit_usd"], "1000");
    let eth = row(&mid, "ETH");
    assert_eq!(eth["start_value_usd"], "11000");
    assert_eq!(eth["net_flows_usd"], "-6000");
    assert_eq!(eth["profit_usd"], "1500");
    // 2,500 on the 54,000 at work.
    assert_eq!(mid["profit_usd"], "2500");
    let total = dec(&mid["simple_return"]["value"]);
    let parts = dec(&btc["contribution"]["value"]) + dec(&eth["contribution"]["value"]);
    assert!(
        (total - parts).abs() <= Decimal::new(2, 12),
        "{total} vs {parts}"
    );
}

#[tokio::test]
async fn a_portfolio_is_its_linked_accounts_and_another_users_is_not_found() {
    let issuer = crate::issuer::TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", crate::issuer::REALM),
        ("KEYCLOAK_AUDIENCE", crate::issuer::AUDIENCE),
    ])
    .await;
    app.fakes.gecko.set_history("bitcoin", btc_closes());
    app.fakes.gecko.set_history("ethereum", eth_closes());
    let alice = issuer.user_token("alice");
    let bob = issuer.user_token("bob");
    let mut accounts = Vec::new();
    for (name, sent, received) in [
        ("Cold", ("40000", "USD"), ("1", "BTC")),
        ("Hot", ("10000", "USD"), ("10", "ETH")),
    ] {
        let account = manual_account(&app, name, Some(&alice)).await;
        let r = app
            .send(
                Method::POST,
                "/api/ledger/entries",
                Some(&alice),
                Some(json!({"account_id": account, "kind": "trade",
                            "occurred_at": "2024-01-04T10:00:00Z",
                            "sent": {"asset": sent.1, "quantity": sent.0},
                            "received": {"asset": received.1, "quantity": received.0}})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        accounts.push(account);
    }
    let r = app
        .send(
            Method::POST,
            "/api/portfolios",
            Some(&alice),
            Some(json!({"name": "Trading"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let portfolio = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            &format!("/api/portfolios/{portfolio}/accounts"),
            Some(&alice),
            Some(json!({"account_id": accounts[1]})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());

    let path = format!("/api/performance?portfolio_id={portfolio}&to=2024-01-09");
    let (status, p) = get_as(&app, &path, Some(&alice)).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["portfolio_id"], portfolio.as_str());
    assert_eq!(p["account_id"], Value::Null);
    assert_eq!(
        p["accounts"],
        json!([{"account_id": accounts[1], "name": "Hot", "basis": "ledger"}])
    );
    // Only Hot's ether: 10,000 → 13,000, and no bitcoin row.
    assert_eq!(
        p["series"].as_array().unwrap().last().unwrap()["value_usd"],
        "13000"
    );
    assert_eq!(p["profit_usd"], "3000");
    assert_eq!(p["time_weighted"]["value"], "0.3");
    let symbols: Vec<&str> = p["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(symbols, vec!["ETH"]);
    // All of Alice's accounts hold both.
    let (_, all) = get_as(&app, "/api/performance?to=2024-01-09", Some(&alice)).await;
    assert_eq!(all["profit_usd"], "7000");
    assert_eq!(all["accounts"].as_array().unwrap().len(), 2);

    let (status, e) = get_as(&app, &path, Some(&bob)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["error"]["code"], "not_found");
    let (status, e) = get_as(
        &app,
        &format!(
            "/api/performance?portfolio_id={portfolio}&account_id={}",
            accounts[1]
        ),
        Some(&alice),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "account_and_portfolio");
}

/// Stores `account`'s end-of-day holdings of `day` as the end-of-day job does.
async fn store_day(app: &TestApp, account: &str, day: NaiveDate, lines: &[(uuid::Uuid, &str)]) {
    let me = app.get("/api/me", None).await.json();
    let user: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let lines: Vec<api::domain::history::DayBalance> = lines
        .iter()
        .map(|(asset, q)| api::domain::history::DayBalance {
            asset_id: Some(*asset),
            symbol: "?".into(),
            kind: "spot".into(),
            quantity: q.parse().unwrap(),
            price_usd: None,
            value_usd: None,
            price_at: None,
            synced_at: None,
            flags: Vec::new(),
        })
        .collect();
    api::store::daily_balances::replace_day(&app.db, account.parse().unwrap(), user, day, &lines)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_account_without_a_ledger_is_valued_from_its_daily_holdings() {
    let app = TestApp::local().await;
    app.fakes.gecko.set_history("bitcoin", btc_closes());
    app.fakes.gecko.set_history("ethereum", eth_closes());
    let btc = api::store::assets::ids_by_coingecko(&app.db, &["bitcoin".into()])
        .await
        .unwrap()["bitcoin"];
    let synced = manual_account(&app, "Exchange", None).await;
    // 1 BTC from the 3rd, 1.5 from the 6th (0.5 more bought or received: money in).
    for n in 3..=9 {
        let q = if n < 6 { "1" } else { "1.5" };
        store_day(&app, &synced, day(n), &[(btc, q)]).await;
    }
    let (status, p) = get(
        &app,
        &format!("/api/performance?account_id={synced}&to=2024-01-09"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(
        p["accounts"],
        json!([{"account_id": synced, "name": "Exchange", "basis": "holdings-based"}])
    );
    assert_eq!(p["from"], "2024-01-03");
    let series = p["series"].as_array().unwrap();
    assert_eq!(series[0]["value_usd"], "42000");
    assert_eq!(series[0]["money_in_usd"], "42000");
    // The 6th: 0.5 BTC more at 43,500.
    assert_eq!(series[3]["money_in_usd"], "21750");
    assert_eq!(series[3]["value_usd"], "65250");
    assert_eq!(series[6]["value_usd"], "66000");
    assert_eq!(p["incomplete"], Value::Null);
    // Only price moves are return: 42,000 → 44,000 on 1 BTC, 43,500 → 44,000 on 0.5 more.
    assert_eq!(p["profit_usd"], "2250");
    // Time-weighted: the 0.5 BTC comes in at the start of the 6th, valued at its close.
    let expected = Decimal::from(43000) / Decimal::from(42000) * Decimal::from(66000)
        / Decimal::from(64750)
        - Decimal::ONE;
    let twr = dec(&p["time_weighted"]["value"]);
    assert!(
        (twr - expected).abs() < Decimal::new(1, 11),
        "{twr} vs {expected}"
    );
    assert_eq!(row(&p, "BTC")["net_flows_usd"], "63750");

    // A day missing from its stored holdings is unknown, not 0 and not the day before.
    api::store::daily_balances::replace_day(
        &app.db,
        synced.parse().unwrap(),
        app.get("/api/me", None).await.json()["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
        day(7),
        &[],
    )
    .await
    .unwrap();
    let (_, gap) = get(
        &app,
        &format!("/api/performance?account_id={synced}&to=2024-01-09"),
    )
    .await;
    assert_eq!(gap["incomplete"]["days"], json!(["2024-01-07"]));
    assert_eq!(gap["incomplete"]["unread_accounts"], json!(["Exchange"]));
    assert_eq!(gap["time_weighted"]["value"], Value::Null);
    assert_eq!(row(&gap, "BTC")["incomplete"], true);
    assert_eq!(row(&gap, "BTC")["profit_usd"], Value::Null);

    // An account with neither a ledger nor stored holdings leaves every day unknown.
    let ledger = with_a_bitcoin_bought(&app).await;
    let empty = manual_account(&app, "Empty", None).await;
    let (_, all) = get(&app, "/api/performance?to=2024-01-09").await;
    let basis = |id: &str| {
        all["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_id"] == id)
            .unwrap()["basis"]
            .clone()
    };
    assert_eq!(basis(&ledger), "ledger");
    assert_eq!(basis(&empty), "none");
    // The 8 days from the 2nd, and the 1st that opens them.
    assert_eq!(all["incomplete"]["day_count"], 9);
    assert!(all["incomplete"]["unread_accounts"]
        .as_array()
        .unwrap()
        .contains(&json!("Empty")));
    assert_eq!(all["profit_usd"], Value::Null);

    // Paused, it is left out as the net worth leaves it out; asked for by id it is unknown.
    let r = app
        .send(
            Method::PUT,
            &format!("/api/accounts/{empty}"),
            None,
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let (_, all) = get(&app, "/api/performance?to=2024-01-09").await;
    assert!(all["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["account_id"] != empty.as_str()));
    assert_eq!(all["incomplete"]["unread_accounts"], json!(["Exchange"]));
    let (_, alone) = get(&app, &format!("/api/performance?account_id={empty}")).await;
    assert_eq!(alone["accounts"][0]["basis"], "none");
    assert_eq!(alone["series"], json!([]));
}
