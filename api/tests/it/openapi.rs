//! The OpenAPI document is snapshot-tested: any API change shows up in review.
//! Refresh with `UPDATE_SNAPSHOTS=1 cargo test -p api --test it openapi`.

use utoipa::OpenApi;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");

#[test]
fn the_openapi_document_matches_its_snapshot() {
    let doc = api::openapi::ApiDoc::openapi()
        .to_pretty_json()
        .expect("serializes");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(SNAPSHOT, format!("{doc}\n")).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        expected.trim_end() == doc.trim_end(),
        "the OpenAPI document changed; review it and run UPDATE_SNAPSHOTS=1 cargo test -p api --test it openapi"
    );
}

#[test]
fn every_protected_operation_declares_bearer_security_and_error_bodies() {
    let doc: serde_json::Value =
        serde_json::from_str(&api::openapi::ApiDoc::openapi().to_json().unwrap()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let public = path.starts_with("/health") || path == "/metrics" || path == "/api/chains";
            if public {
                continue;
            }
            assert!(op["security"].is_array(), "{method} {path} has no security");
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} lacks 401"
            );
        }
    }
}
