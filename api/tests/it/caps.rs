//! Per-user caps: counts of accounts and portfolios, description length, target list size.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestResponse};

async fn post(app: &TestApp, path: &str, body: Value) -> TestResponse {
    app.send(Method::POST, path, None, Some(body)).await
}

fn wallet(name: &str, address: &str) -> Value {
    json!({"name": name, "account_type": "wallet", "wallet_address": address,
        "enabled_chains": ["ethereum"]})
}

fn field_names(r: &TestResponse) -> Vec<String> {
    r.json()["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_account_beyond_max_accounts_per_user_gets_422_limit_reached() {
    let app = TestApp::with_vars(&[("MAX_ACCOUNTS_PER_USER", "2")]).await;
    for (i, a) in [
        "0x00000000000000000000000000000000000000aa",
        "0x00000000000000000000000000000000000000bb",
    ]
    .iter()
    .enumerate()
    {
        let r = post(&app, "/api/accounts", wallet(&format!("W{i}"), a)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = post(
        &app,
        "/api/accounts",
        wallet("W3", "0x00000000000000000000000000000000000000cc"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "limit_reached");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains('2'));
    assert_eq!(app.count("accounts", "1 = 1").await, 2);
}

#[tokio::test]
async fn a_portfolio_beyond_max_portfolios_per_user_gets_422_limit_reached() {
    let app = TestApp::with_vars(&[("MAX_PORTFOLIOS_PER_USER", "2")]).await;
    let existing = app.count("portfolios", "1 = 1").await;
    for i in existing..2 {
        let r = post(&app, "/api/portfolios", json!({"name": format!("P{i}")})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let r = post(&app, "/api/portfolios", json!({"name": "One too many"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "limit_reached");
    assert_eq!(app.count("portfolios", "1 = 1").await, 2);
}

#[tokio::test]
async fn a_long_description_or_target_list_gets_422_naming_the_field() {
    let app =
        TestApp::with_vars(&[("MAX_DESCRIPTION_CHARS", "10"), ("MAX_TARGET_ITEMS", "2")]).await;
    let targets: Vec<Value> = ["BTC", "ETH", "SOL"]
        .iter()
        .map(|s| json!({"asset": s, "target_pct": "10"}))
        .collect();
    let r = post(
        &app,
        "/api/portfolios",
        json!({"name": "Main", "description": "x".repeat(11), "target_allocation": targets}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "validation_failed");
    let fields = field_names(&r);
    assert!(fields.contains(&"description".to_string()), "{fields:?}");
    assert!(
        fields.contains(&"target_allocation".to_string()),
        "{fields:?}"
    );

    let r = post(
        &app,
        "/api/portfolios",
        json!({"name": "Main", "description": "ten chars!"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::PUT,
            &format!("/api/portfolios/{id}"),
            None,
            Some(json!({"description": "eleven chars"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(field_names(&r), ["description"]);
}
