//! Sync progress: "Sync all" answers at once, and each account's run shows its steps per
//! location, the failing one named.

use std::time::Duration;

use api::connectors::ConnectorError;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::TestApp;

const WALLET: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

async fn runs(app: &TestApp) -> Vec<Value> {
    let r = app.get("/api/accounts/sync-progress", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn sync_all_returns_at_once_and_progress_names_the_failing_location() {
    let app = TestApp::local().await;
    assert!(runs(&app).await.is_empty(), "nothing synced yet");
    let created = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Cold wallet", "account_type": "wallet", "wallet_address": WALLET, "enabled_chains": ["ethereum", "base"]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    app.fakes.chains.fail_chain(
        "base",
        Some(ConnectorError::Timeout {
            provider: "evm:base",
        }),
    );

    let started = app
        .send(Method::POST, "/api/accounts/sync-all/start", None, None)
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
    let queued = started.json();
    assert_eq!(queued.as_array().unwrap().len(), 1);
    assert_eq!(queued[0]["account_id"], id.as_str());
    assert!(
        matches!(queued[0]["status"].as_str(), Some("queued" | "running")),
        "{queued}"
    );

    let mut run = Value::Null;
    for _ in 0..200 {
        run = runs(&app).await.into_iter().next().unwrap();
        if !matches!(run["status"].as_str(), Some("queued" | "running")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(run["status"], "partial", "{run}");
    assert!(run["finished_at"].is_string());
    let steps = run["steps"].as_array().unwrap();
    let base = steps.iter().find(|s| s["location"] == "base").unwrap();
    assert_eq!(base["status"], "failed", "{run}");
    assert!(base["error"].as_str().unwrap().len() > 3);
    let eth = steps.iter().find(|s| s["location"] == "ethereum").unwrap();
    assert_eq!(eth["status"], "ok");
    // The account says the same as its run.
    let account = app.get(&format!("/api/accounts/{id}"), None).await.json();
    assert_eq!(account["last_sync_status"], "partial");
}
