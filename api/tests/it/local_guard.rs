//! Local mode's DNS-rebinding and cross-site defences.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, TestResponse};
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

fn portfolio() -> String {
    json!({"name": "Main"}).to_string()
}

async fn send(app: &TestApp, method: Method, path: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut b = Request::builder().method(method.clone()).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let body = if method == Method::POST {
        b = b.header("content-type", "application/json");
        Body::from(portfolio())
    } else {
        Body::empty()
    };
    app.request(b.body(body).unwrap()).await
}

#[tokio::test]
async fn a_rebinding_host_is_refused_in_local_mode() {
    let app = TestApp::local().await;
    for host in ["evil.example:3000", "localhost:8080", "192.168.1.10:3000"] {
        let r = send(&app, Method::GET, "/api/me", &[("host", host)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{host}: {}", r.text());
        assert_eq!(r.error_code(), "forbidden_origin");
    }
    let r = send(&app, Method::GET, "/api/me", &[("host", "localhost:3000")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn a_cross_site_post_is_refused_in_local_mode_and_changes_nothing() {
    let app = TestApp::local().await;
    let before = app.count("portfolios", "1 = 1").await;
    let evil = [
        ("host", "127.0.0.1:3000"),
        ("origin", "https://evil.example"),
    ];
    let r = send(&app, Method::POST, "/api/portfolios", &evil).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.error_code(), "forbidden_origin");
    let form = [("host", "127.0.0.1:3000"), ("sec-fetch-site", "cross-site")];
    let r = send(&app, Method::POST, "/api/accounts/sync-all", &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(
        app.count("portfolios", "1 = 1").await,
        before,
        "nothing created"
    );
    let r = send(&app, Method::GET, "/api/portfolios", &evil).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a cross-site read is harmless: {}",
        r.text()
    );
}

#[tokio::test]
async fn the_dashboard_and_the_web_proxy_keep_working_in_local_mode() {
    let app = TestApp::local().await;
    let browser = [
        ("host", "localhost:3000"),
        ("origin", "http://localhost:3001"),
        ("sec-fetch-site", "same-site"),
    ];
    let r = send(&app, Method::POST, "/api/portfolios", &browser).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // What web/lib/backend/proxy.ts sends: Host from API_URL, no Origin (Node's fetch).
    let proxy = [("host", "127.0.0.1:3000"), ("sec-fetch-mode", "cors")];
    let r = send(&app, Method::POST, "/api/portfolios", &proxy).await;
    assert!(r.status.is_success(), "{}", r.text());
}

#[tokio::test]
async fn web_origins_replaces_the_dashboard_origins() {
    let app = TestApp::with_vars(&[("WEB_ORIGINS", "http://butler.localhost:4000/")]).await;
    let from = |o: &'static str| [("host", "127.0.0.1:3000"), ("origin", o)];
    let r = send(
        &app,
        Method::POST,
        "/api/portfolios",
        &from("http://butler.localhost:4000"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = send(
        &app,
        Method::POST,
        "/api/portfolios",
        &from("http://localhost:3001"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
}

#[tokio::test]
async fn keycloak_mode_does_not_check_host_or_origin() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ])
    .await;
    let token = format!("Bearer {}", issuer.user_token("alice"));
    let headers = [
        ("host", "butler.example.com"),
        ("origin", "https://butler.example.com"),
        ("authorization", token.as_str()),
    ];
    let r = send(&app, Method::POST, "/api/portfolios", &headers).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}
