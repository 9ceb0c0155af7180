//! The audit log: one event per successful change, with actor, target and request id, never a
//! secret; own events for users, everyone's for admins; append-only in the database.

use axum::http::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

const SECRET: &str = "SECRET-very-private-value";

fn okx(name: &str) -> Value {
    json!({"name": name, "account_type": "exchange", "exchange_name": "okx",
        "api_key": "key-1234567890abcd", "api_secret": SECRET, "passphrase": "Pass-phrase-9"})
}

async fn events(app: &TestApp, query: &str, token: Option<&str>) -> Vec<Value> {
    let r = app.get(&format!("/api/audit{query}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["events"].as_array().unwrap().clone()
}

/// Alert channels and rules are named as such (they read "other" when the alerts arrived).
#[tokio::test]
async fn alert_channels_and_rules_are_recorded_by_their_own_kind_without_the_secret() {
    let app = TestApp::local().await;
    let r = app
        .send(
            Method::POST,
            "/api/alerts/channels",
            None,
            Some(json!({"name": "Hook", "kind": "webhook", "url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let channel = r.json()["id"].as_str().unwrap().to_string();
    let secret = r.json()["secret"].as_str().unwrap_or_default().to_string();
    let r = app
        .send(
            Method::POST,
            "/api/alerts/rules",
            None,
            Some(json!({"name": "Stale", "kind": "sync_failing", "params": {"hours": 6}, "channel_ids": [channel]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let ch = events(&app, "?kind=alert_channel", None).await;
    assert_eq!(ch.len(), 1, "{ch:?}");
    assert_eq!(
        ch[0]["summary"],
        "alert_channel created; fields: kind, name, url"
    );
    assert_eq!(ch[0]["target_id"], channel);
    let rules = events(&app, "?kind=alert_rule", None).await;
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert!(events(&app, "?kind=other", None).await.is_empty());
    if !secret.is_empty() {
        let all = app.get("/api/audit", None).await.text();
        assert!(!all.contains(&secret));
    }
}

#[tokio::test]
async fn every_kind_of_change_is_recorded_with_its_target_and_no_secret() {
    let app = TestApp::local().await;
    let r = app
        .send(Method::POST, "/api/accounts", None, Some(okx("Main")))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let account = r.json()["id"].as_str().unwrap().to_string();
    let request_id = r.headers["x-request-id"].to_str().unwrap().to_string();
    let acc = format!("/api/accounts/{account}");
    app.send(Method::PUT, &acc, None, Some(json!({"api_secret": SECRET, "api_key": "key-abcdef1234567890", "passphrase": "Pass-phrase-9"}))).await;
    app.send(Method::POST, &format!("{acc}/sync"), None, None)
        .await;
    let p = app
        .send(
            Method::POST,
            "/api/portfolios",
            None,
            Some(json!({"name": "P"})),
        )
        .await;
    let portfolio = p.json()["id"].as_str().unwrap().to_string();
    let link = app
        .send(
            Method::POST,
            &format!("/api/portfolios/{portfolio}/accounts"),
            None,
            Some(json!({"account_id": account})),
        )
        .await;
    assert!(link.status.is_success(), "{}", link.text());
    app.send(Method::POST, "/api/jobs/eod-snapshot", None, None)
        .await;
    let refused = app
        .send(
            Method::POST,
            "/api/portfolios",
            None,
            Some(json!({"name": ""})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.send(Method::DELETE, &acc, None, None).await;

    let all = events(&app, "", None).await;
    let text = serde_json::to_string(&all).unwrap();
    assert!(
        !text.contains(SECRET) && !text.contains("Pass-phrase-9"),
        "a secret in the audit log: {text}"
    );
    let summaries: Vec<&str> = all.iter().map(|e| e["summary"].as_str().unwrap()).collect();
    for expected in [
        "account created",
        "account updated; credentials replaced",
        "account sync requested",
        "portfolio created",
        "portfolio_link account linked",
        "job job eod-snapshot triggered",
        "account deleted",
    ] {
        assert!(
            summaries.iter().any(|s| s.starts_with(expected)),
            "{expected} missing: {summaries:?}"
        );
    }
    assert_eq!(
        all.len(),
        7,
        "the refused change is not an event: {summaries:?}"
    );
    assert_eq!(all[0]["summary"], "account deleted", "newest first");
    let created = all
        .iter()
        .find(|e| {
            e["summary"]
                .as_str()
                .unwrap()
                .starts_with("account created")
        })
        .unwrap();
    assert_eq!(created["target_id"], account.as_str());
    assert_eq!(created["request_id"], request_id.as_str());
    assert_eq!(created["action"], "POST /api/accounts");
    assert_eq!(events(&app, "?kind=portfolio", None).await.len(), 1);
    let page = app.get("/api/audit?limit=2", None).await.json();
    assert_eq!(page["events"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_offset"], 2);
    let far = app.get("/api/audit?offset=9223372036854775808", None).await;
    assert_eq!(far.status, StatusCode::OK, "{}", far.text());
    assert_eq!(far.json()["events"], json!([]));
}

#[tokio::test]
async fn users_see_their_own_events_and_admins_see_everyones() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ])
    .await;
    let alice = issuer.user_token("alice");
    let bob = issuer.user_token("bob");
    let mut admin = issuer.claims("root");
    admin["realm_access"]["roles"] = json!(["admin"]);
    let admin = issuer.token(&admin);
    for t in [&alice, &bob] {
        let r = app
            .send(
                Method::POST,
                "/api/portfolios",
                Some(t),
                Some(json!({"name": "Mine"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let mine = events(&app, "", Some(&alice)).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["actor_subject"], "alice");
    let bob_id = events(&app, "", Some(&bob)).await[0]["actor_user_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        events(&app, &format!("?user_id={bob_id}"), Some(&alice))
            .await
            .len(),
        1,
        "alice still sees only hers"
    );
    assert_eq!(events(&app, "", Some(&admin)).await.len(), 2);
    let bobs = events(&app, &format!("?user_id={bob_id}"), Some(&admin)).await;
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0]["actor_subject"], "bob");
}

#[tokio::test]
async fn audit_rows_cannot_be_changed_or_deleted() {
    let app = TestApp::local().await;
    app.send(
        Method::POST,
        "/api/portfolios",
        None,
        Some(json!({"name": "P"})),
    )
    .await;
    assert_eq!(app.count("audit_events", "1 = 1").await, 1);
    let backend = app.db.get_database_backend();
    for sql in [
        "UPDATE audit_events SET summary = 'nothing happened'",
        "DELETE FROM audit_events",
    ] {
        let r = app
            .db
            .execute(sea_orm::Statement::from_string(backend, sql))
            .await;
        assert!(r.is_err(), "{sql} succeeded");
    }
    assert_eq!(
        app.count("audit_events", "summary LIKE 'portfolio created%'")
            .await,
        1
    );
}
