//! One JSON error shape for everything that goes wrong, and request ids.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

fn chain_body() -> serde_json::Value {
    json!({
        "chain_name": "polygon", "chain_id": 137, "display_name": "Polygon PoS",
        "rpc_url": "https://polygon-rpc.com", "native_symbol": "POL", "native_decimals": 18
    })
}

#[tokio::test]
async fn an_unknown_route_is_404_in_the_error_shape() {
    let app = TestApp::local().await;
    let r = app.get("/api/nothing-here", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
}

#[tokio::test]
async fn a_request_id_is_echoed_or_generated() {
    let app = TestApp::local().await;
    let req = Request::get("/api/nothing")
        .header("x-request-id", "trace-abc-123")
        .body(Body::empty())
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.headers["x-request-id"], "trace-abc-123");
    assert_eq!(r.json()["request_id"], "trace-abc-123");
    let ok = app.get("/health", None).await;
    let generated = ok.headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    let bad = Request::get("/health")
        .header("x-request-id", "x".repeat(500))
        .body(Body::empty())
        .unwrap();
    let r = app.request(bad).await;
    assert_ne!(
        r.headers["x-request-id"].len(),
        500,
        "overlong ids are replaced"
    );
}

#[tokio::test]
async fn a_malformed_body_is_400_malformed_json() {
    let app = TestApp::local().await;
    let req = Request::post("/api/admin/evm-chains")
        .header("content-type", "application/json")
        .body(Body::from("{\"chain_name\": "))
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "malformed_json");
}

#[tokio::test]
async fn a_wrong_type_or_unknown_field_is_422_naming_the_field_in_plain_words() {
    let app = TestApp::local().await;
    let mut body = chain_body();
    body["chain_id"] = json!("one-three-seven");
    let r = app
        .send(Method::POST, "/api/admin/evm-chains", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "validation_failed");
    let fields = &r.json()["error"]["fields"];
    assert_eq!(fields[0]["field"], "chain_id", "{}", r.text());
    let message = fields[0]["message"].as_str().unwrap();
    assert!(
        !message.contains("line 1 column"),
        "no parser position: {message}"
    );
    let mut extra = chain_body();
    extra["rpc_urll"] = json!("typo");
    let r = app
        .send(Method::POST, "/api/admin/evm-chains", None, Some(extra))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("rpc_urll"), "{}", r.text());
    let mut missing = chain_body();
    missing.as_object_mut().unwrap().remove("chain_id");
    let r = app
        .send(Method::POST, "/api/admin/evm-chains", None, Some(missing))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["error"]["fields"][0]["field"],
        "chain_id",
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn an_unknown_enum_value_is_400() {
    let app = TestApp::local().await;
    let r = app.get("/api/admin/evm-chains?status=deleted", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "invalid_query");
    let ok = app.get("/api/admin/evm-chains?status=inactive", None).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn an_oversized_body_is_413_and_nothing_is_stored() {
    let app = TestApp::with_vars(&[("MAX_BODY_BYTES", "2048")]).await;
    let mut body = chain_body();
    body["display_name"] = json!("x".repeat(10_000));
    let r = app
        .send(Method::POST, "/api/admin/evm-chains", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.error_code(), "payload_too_large");
    assert_eq!(app.count("evm_chains", "chain_name = 'polygon'").await, 0);
}

#[tokio::test]
async fn a_missing_content_type_is_415() {
    let app = TestApp::local().await;
    let req = Request::post("/api/admin/evm-chains")
        .body(Body::from(chain_body().to_string()))
        .unwrap();
    let r = app.request(req).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(r.error_code(), "unsupported_media_type");
}

#[tokio::test]
async fn a_wrong_method_is_405_in_the_error_shape() {
    let app = TestApp::local().await;
    let r = app.send(Method::DELETE, "/api/chains", None, None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.error_code(), "method_not_allowed");
}

#[tokio::test]
async fn a_malformed_path_id_is_400_not_500() {
    let app = TestApp::local().await;
    let r = app.get("/api/admin/evm-chains/not-a-uuid", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "invalid_path");
}

#[tokio::test]
async fn invalid_fields_are_422_with_every_field_listed() {
    let app = TestApp::local().await;
    let body = json!({
        "chain_name": "Bad Name", "chain_id": 0, "display_name": "",
        "rpc_url": "ftp://x", "native_symbol": "", "native_decimals": 99
    });
    let r = app
        .send(Method::POST, "/api/admin/evm-chains", None, Some(body))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error_code(), "validation_failed");
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        [
            "chain_name",
            "chain_id",
            "display_name",
            "rpc_url",
            "native_symbol",
            "native_decimals"
        ]
    );
}
