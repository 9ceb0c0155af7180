//! Concurrent writers: a user with the dashboard open in two tabs while a sync runs. On the
//! embedded SQLite file (the default) writes wait their turn; none answers 5xx, none is lost.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clients_creating_portfolios_at_once_all_succeed_and_all_are_kept() {
    let app = std::sync::Arc::new(TestApp::with_vars(&[("MAX_PORTFOLIOS_PER_USER", "200")]).await);
    let mut clients = Vec::new();
    for c in 0..16 {
        let app = app.clone();
        clients.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for i in 0..10 {
                let r = app
                    .send(
                        Method::POST,
                        "/api/portfolios",
                        None,
                        Some(json!({"name": format!("client {c} portfolio {i}")})),
                    )
                    .await;
                answers.push((r.status, r.text()));
            }
            answers
        }));
    }
    let mut failed = Vec::new();
    for c in clients {
        for (status, body) in c.await.unwrap() {
            if status != StatusCode::CREATED {
                failed.push(format!("{status} {body}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{} of 160 failed: {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
    let listed = app.get("/api/portfolios", None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 160);
    let defaults = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["is_default"] == true)
        .count();
    assert_eq!(defaults, 1, "exactly one default portfolio");
}
