//! Per-user request limits: 429 `rate_limited` with `Retry-After`, per user and per route kind.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, TestResponse};
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

fn assert_rate_limited(r: &TestResponse) -> u64 {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert_eq!(r.error_code(), "rate_limited");
    let secs: u64 = r.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds");
    assert!(secs >= 1, "Retry-After {secs}");
    secs
}

async fn wallet(app: &TestApp, token: Option<&str>, name: &str, address: &str) -> String {
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            token,
            Some(json!({"name": name, "account_type": "wallet",
                "wallet_address": address,
                "enabled_chains": ["ethereum"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_burst_of_reads_beyond_the_bucket_gets_429_with_retry_after() {
    let app = TestApp::with_vars(&[
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_READS_PER_MIN", "1"),
        ("RATE_LIMIT_READS_BURST", "3"),
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/accounts", None).await.status, StatusCode::OK);
    }
    let secs = assert_rate_limited(&app.get("/api/accounts", None).await);
    assert!(secs <= 60, "one read a minute refills within 60 s: {secs}");
    assert_eq!(
        app.get("/health", None).await.status,
        StatusCode::OK,
        "health checks are not the user's requests"
    );
}

#[tokio::test]
async fn a_second_manual_sync_of_an_account_within_30_s_gets_429_but_another_account_syncs() {
    let app = TestApp::with_vars(&[("RATE_LIMIT_ENABLED", "true")]).await;
    let first = wallet(
        &app,
        None,
        "First",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    )
    .await;
    let second = wallet(
        &app,
        None,
        "Second",
        "0x00000000000000000000000000000000000000aa",
    )
    .await;
    let sync = |id: &str| format!("/api/accounts/{id}/sync");
    let r = app.send(Method::POST, &sync(&first), None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let secs = assert_rate_limited(&app.send(Method::POST, &sync(&first), None, None).await);
    assert!((29..=30).contains(&secs), "Retry-After {secs}");
    let r = app.send(Method::POST, &sync(&second), None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.get(&format!("/api/accounts/{first}"), None)
            .await
            .status,
        StatusCode::OK,
        "reads still work"
    );
}

#[tokio::test]
async fn sync_all_and_job_triggers_are_limited_per_interval() {
    let app = TestApp::with_vars(&[("RATE_LIMIT_ENABLED", "true")]).await;
    let r = app
        .send(Method::POST, "/api/accounts/sync-all", None, None)
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    assert_rate_limited(
        &app.send(Method::POST, "/api/accounts/sync-all", None, None)
            .await,
    );
    let r = app
        .send(Method::POST, "/api/jobs/eod-snapshot", None, None)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert_rate_limited(
        &app.send(Method::POST, "/api/jobs/eod-snapshot", None, None)
            .await,
    );
}

#[tokio::test]
async fn one_users_burst_leaves_another_users_requests_alone() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_READS_PER_MIN", "1"),
        ("RATE_LIMIT_READS_BURST", "2"),
    ])
    .await;
    let alice = issuer.user_token("alice");
    let bob = issuer.user_token("bob");
    for _ in 0..2 {
        assert_eq!(
            app.get("/api/me", Some(&alice)).await.status,
            StatusCode::OK
        );
    }
    assert_rate_limited(&app.get("/api/me", Some(&alice)).await);
    assert_eq!(app.get("/api/me", Some(&bob)).await.status, StatusCode::OK);
}

/// Issue 32: three replicas on one PostgreSQL draw from one bucket per user, so three
/// replicas do not give a user three times the rate. (SQLite runs one process: nothing to
/// share, and this test says so and stops.)
#[tokio::test]
async fn replicas_on_one_postgresql_share_each_users_buckets() {
    if crate::helpers::postgres_admin_url().is_none() {
        eprintln!("PostgreSQL only: SQLite installations run one process");
        return;
    }
    let vars = [
        ("RATE_LIMIT_ENABLED", "true"),
        ("RATE_LIMIT_WRITES_PER_MIN", "1"),
        ("RATE_LIMIT_WRITES_BURST", "3"),
    ];
    let a = TestApp::with_vars(&vars).await;
    let b = a.replica(&vars).await;
    let c = a.replica(&vars).await;

    // Write 1 of 3, on replica a.
    let r = a
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Cold", "account_type": "manual"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    // An account's sync turn, taken on a, is gone on b and c.
    let sync = format!("/api/accounts/{id}/sync");
    let r = a.send(Method::POST, &sync, None, None).await;
    assert!(r.status.is_success(), "{}", r.text());
    for other in [&b, &c] {
        let secs = assert_rate_limited(&other.send(Method::POST, &sync, None, None).await);
        assert!((25..=30).contains(&secs), "the 30 s turn: {secs}");
    }
    // Writes 2 and 3 on b and c; the fourth is refused on every replica.
    for (i, app) in [&b, &c].into_iter().enumerate() {
        let r = app
            .send(
                Method::POST,
                "/api/portfolios",
                None,
                Some(json!({"name": format!("P{i}")})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    for app in [&a, &b, &c] {
        let r = app
            .send(
                Method::POST,
                "/api/portfolios",
                None,
                Some(json!({"name": "one too many"})),
            )
            .await;
        let secs = assert_rate_limited(&r);
        assert!(secs <= 60, "one write a minute refills within 60 s: {secs}");
    }
    // Reads are a bucket of their own.
    assert_eq!(b.get("/api/portfolios", None).await.status, StatusCode::OK);
    assert_eq!(
        a.count("request_limits", "key LIKE 'write:%'").await,
        1,
        "one row per bucket"
    );
}
