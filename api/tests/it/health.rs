//! Liveness, readiness, metrics, Swagger UI, and local mode's built-in user.

use axum::http::{Method, StatusCode};

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness_answer_on_a_fresh_database() {
    let app = TestApp::local().await;
    let r = app.get("/health", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "ok");
    let r = app.get("/health/ready", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["database"], "ok");
    assert_eq!(r.json()["auth"], "local");
}

#[tokio::test]
async fn metrics_count_requests_by_route_method_and_status() {
    let app = TestApp::local().await;
    app.get("/health", None).await;
    app.get("/health", None).await;
    app.get("/api/nope", None).await;
    let text = app.get("/metrics", None).await.text();
    assert!(
        text.contains(r#"http_requests_total{method="GET",route="/health",status="200"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#));
    assert!(text.contains("http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn swagger_ui_and_the_openapi_document_are_served() {
    let app = TestApp::local().await;
    let doc = app.get("/api-docs/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.json()["paths"]["/api/me"].is_object());
    let ui = app.get("/swagger-ui/", None).await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(ui.text().contains("swagger-ui"), "{}", ui.text());
    let js = app.get("/swagger-ui/swagger-ui-bundle.js", None).await;
    assert_eq!(js.status, StatusCode::OK, "Swagger UI assets are vendored");
}

#[tokio::test]
async fn local_mode_acts_as_the_built_in_admin_user() {
    let app = TestApp::local().await;
    let me = app.get("/api/me", None).await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(me["auth_mode"], "local");
    assert_eq!(me["is_admin"], true);
    let again = app.get("/api/me", None).await.json();
    assert_eq!(me["id"], again["id"]);
    assert_eq!(app.count("users", "1 = 1").await, 1);
    let r = app.send(Method::POST, "/api/migrations", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["applied"], serde_json::json!([]));
}
