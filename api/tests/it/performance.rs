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
    let state = app
        .state
        .clone()
        .with_clock(api::clock::fixed("2024-01-10T12:00:00Z".parse().unwrap()));
    let resp = api::router(state)
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn with_a_bitcoin_bought(app: &TestApp) -> String {
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Cold", "account_type": "manual"})),
        )
        .await;
    let account = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            "/api/ledger/entries",
            None,
            Some(json!({"account_id": account, "kind": "trade", "occurred_at": "2024-01-02T09:00:00Z",
                        "sent": {"asset": "USD", "quantity": "40000"},
                        "received": {"asset": "BTC", "quantity": "1"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    account
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
}
