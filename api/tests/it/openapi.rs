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

/// A parameter documented as `in: path` must be a `{name}` of its path: a query struct derived
/// with `IntoParams` but without `parameter_in = Query` is listed as a path parameter, and
/// clients generated from the document (the web's types, schemathesis) then send it wrong.
#[test]
fn every_path_parameter_is_in_its_path_and_query_parameters_say_query() {
    let doc: serde_json::Value =
        serde_json::from_str(&api::openapi::ApiDoc::openapi().to_json().unwrap()).unwrap();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap_or_default();
                if p["in"] == "path" && !path.contains(&format!("{{{name}}}")) {
                    wrong.push(format!("{method} {path}: {name}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "documented as path parameters: {wrong:?}");
}
