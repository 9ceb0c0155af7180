//! Custom assets (issue 25, item 5): anything the catalog lacks, with a price its owner enters,
//! valued like any asset in that user's accounts and targets, and invisible to everyone else.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{TestApp, TestResponse};
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

async fn two_users() -> (TestApp, String, String, TestIssuer) {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ])
    .await;
    let alice = issuer.user_token("alice");
    let bob = issuer.user_token("bob");
    (app, alice, bob, issuer)
}

async fn call(
    app: &TestApp,
    who: &str,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    app.send(m, path, Some(who), body).await
}

async fn manual_with(
    app: &TestApp,
    who: &str,
    asset: &str,
    quantity: &str,
) -> (String, TestResponse) {
    let r = call(
        app,
        who,
        Method::POST,
        "/api/accounts",
        Some(json!({"name": "Other", "account_type": "manual"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = call(
        app,
        who,
        Method::PUT,
        &format!("/api/accounts/{id}/manual-holdings"),
        Some(json!({"asset": asset, "quantity": quantity})),
    )
    .await;
    (id, r)
}

#[tokio::test]
async fn a_custom_asset_is_valued_for_its_owner_and_invisible_to_everyone_else() {
    let (app, alice, bob, _issuer) = two_users().await;
    let r = call(
        &app,
        &alice,
        Method::POST,
        "/api/assets/custom",
        Some(json!({"symbol": "flat", "name": "Flat in Lisbon", "price_usd": "250000"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let created = r.json();
    assert_eq!(created["symbol"], "FLAT");
    assert_eq!(created["price_usd"], "250000");
    let id = created["id"].as_str().unwrap().to_string();

    let (account, r) = manual_with(&app, &alice, "FLAT", "0.5").await;
    assert!(r.status.is_success(), "{}", r.text());
    let acc = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/accounts/{account}"),
        None,
    )
    .await
    .json();
    let h = &acc["holdings"][0];
    assert_eq!(h["asset_id"], id, "{h}");
    assert_eq!(h["value_usd"], "125000", "{h}");
    assert_eq!(h["price_source"], "manual");
    assert!(h["unvalued_reason"].is_null());
    assert_eq!(acc["total_value_usd"], "125000");

    let r = call(
        &app,
        &alice,
        Method::POST,
        "/api/portfolios",
        Some(json!({"name": "Home", "target_allocation": [{"asset": "FLAT", "target_pct": "50"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["target_allocation"][0]["asset_id"], id);

    let r = call(
        &app,
        &alice,
        Method::PUT,
        &format!("/api/assets/custom/{id}"),
        Some(json!({"price_usd": "300000"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["price_usd"], "300000");
    let acc = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/accounts/{account}"),
        None,
    )
    .await
    .json();
    assert_eq!(acc["total_value_usd"], "150000");
    let mine = call(&app, &alice, Method::GET, "/api/assets/custom", None)
        .await
        .json();
    assert_eq!(mine.as_array().unwrap().len(), 1);

    // Bob sees nothing of it, and cannot use it by symbol or by id.
    for (m, path, body) in [
        (Method::GET, format!("/api/assets/custom/{id}"), None),
        (
            Method::PUT,
            format!("/api/assets/custom/{id}"),
            Some(json!({"price_usd": "1"})),
        ),
        (Method::GET, format!("/api/assets/{id}"), None),
    ] {
        let r = call(&app, &bob, m, &path, body).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text());
    }
    let theirs = call(&app, &bob, Method::GET, "/api/assets/custom", None)
        .await
        .json();
    assert_eq!(theirs, json!([]));
    let search = call(&app, &bob, Method::GET, "/api/assets?search=FLAT", None)
        .await
        .json();
    assert_eq!(search, json!([]));
    for asset in ["FLAT", id.as_str()] {
        let (_, r) = manual_with(&app, &bob, asset, "1").await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{asset}: {}",
            r.text()
        );
        assert_eq!(r.json()["error"]["fields"][0]["field"], "asset");
    }
    let r = call(
        &app,
        &bob,
        Method::POST,
        "/api/portfolios",
        Some(json!({"name": "P", "target_allocation": [{"asset": "FLAT", "target_pct": "50"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    // Alice's price is unchanged by Bob's attempt.
    let again = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/assets/custom/{id}"),
        None,
    )
    .await
    .json();
    assert_eq!(again["price_usd"], "300000");
}

#[tokio::test]
async fn custom_assets_refuse_bad_input_with_every_field_named() {
    let (app, alice, _bob, _issuer) = two_users().await;
    let r = call(
        &app,
        &alice,
        Method::POST,
        "/api/assets/custom",
        Some(json!({"symbol": " ", "name": "", "price_usd": "-1"})),
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
    assert_eq!(fields, ["symbol", "name", "price_usd"]);
    // A JSON number would be a binary float on the way.
    let r = call(
        &app,
        &alice,
        Method::POST,
        "/api/assets/custom",
        Some(json!({"symbol": "ART", "name": "A painting", "price_usd": 1.5})),
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.text());
    let body = json!({"symbol": "ART", "name": "A painting", "price_usd": "1200.50"});
    let r = call(
        &app,
        &alice,
        Method::POST,
        "/api/assets/custom",
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = call(&app, &alice, Method::POST, "/api/assets/custom", Some(body)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.error_code(), "custom_asset_exists");
    let r = call(
        &app,
        &alice,
        Method::PUT,
        &format!("/api/assets/custom/{id}"),
        Some(json!({"price_usd": "0"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let kept = call(
        &app,
        &alice,
        Method::GET,
        &format!("/api/assets/custom/{id}"),
        None,
    )
    .await
    .json();
    assert_eq!(kept["price_usd"], "1200.50");
}
