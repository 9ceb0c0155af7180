//! `/metrics` behind `METRICS_TOKEN`, and tokens of other clients refused by `azp`.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::TestApp;
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

const METRICS_TOKEN: &str = "scrape-me-0123456789";

async fn metrics(app: &TestApp, auth: Option<&str>) -> crate::helpers::TestResponse {
    let mut b = Request::builder().uri("/metrics");
    if let Some(a) = auth {
        b = b.header("authorization", a);
    }
    app.request(b.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn metrics_need_the_metrics_token_when_one_is_set() {
    let app = TestApp::with_vars(&[("METRICS_TOKEN", METRICS_TOKEN)]).await;
    for auth in [
        None,
        Some("Bearer wrong-token-0123456789"),
        Some(METRICS_TOKEN),
    ] {
        let r = metrics(&app, auth).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(r.error_code(), "missing_token");
        assert!(!r.text().contains("http_requests_total"));
    }
    let r = metrics(&app, Some(&format!("Bearer {METRICS_TOKEN}"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains("http_requests_total"), "{}", r.text());

    let open = TestApp::local().await;
    assert_eq!(
        metrics(&open, None).await.status,
        StatusCode::OK,
        "unset: open as before"
    );
}

#[tokio::test]
async fn tokens_issued_to_another_client_are_refused_when_allowed_azp_is_set() {
    let issuer = TestIssuer::start().await;
    let vars = [
        ("KEYCLOAK_SERVER", issuer.base.as_str()),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
        ("KEYCLOAK_ALLOWED_AZP", "butler-web, butler-cli"),
    ];
    let app = TestApp::with_vars(&vars).await;
    let web = issuer.user_token("alice");
    assert_eq!(app.get("/api/me", Some(&web)).await.status, StatusCode::OK);

    let mut other = issuer.claims("alice");
    other["azp"] = "some-other-app".into();
    let r = app.get("/api/me", Some(&issuer.token(&other))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    assert_eq!(r.error_code(), "invalid_token");
    assert!(r.text().contains("azp"), "{}", r.text());

    let mut none = issuer.claims("alice");
    none.as_object_mut().unwrap().remove("azp");
    let r = app.get("/api/me", Some(&issuer.token(&none))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());

    let open = TestApp::with_vars(&vars[..3]).await;
    let r = open.get("/api/me", Some(&issuer.token(&other))).await;
    assert_eq!(r.status, StatusCode::OK, "unset: any client of the realm");
}
