//! The seeded chains, the public list and the admin registry.

use axum::http::{Method, StatusCode};
use serde_json::json;

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::config::EvmConfig;
use api::connectors::evm::EvmClient;

use crate::anvil::{free_port, Anvil};
use crate::helpers::{TestApp, TestResponse};

/// An app whose chain connector is the real `EvmClient`, for checks against anvil.
async fn app_with_real_rpc() -> TestApp {
    let mut app = TestApp::local().await;
    let cfg = EvmConfig {
        rpc_timeout: Duration::from_secs(3),
        rpc_retries: 0,
        ..EvmConfig::default()
    };
    app.state.chains = Arc::new(EvmClient::new(&cfg, app.state.metrics.clone()));
    app.router = api::router(app.state.clone());
    app
}

fn new_chain(name: &str, chain_id: u64, rpc_url: &str) -> serde_json::Value {
    json!({"chain_name": name, "chain_id": chain_id, "display_name": name,
           "rpc_url": rpc_url, "native_symbol": "ETH", "native_decimals": 18})
}

async fn create(app: &TestApp, body: serde_json::Value) -> TestResponse {
    app.send(Method::POST, "/api/admin/evm-chains", None, Some(body))
        .await
}

async fn chain_named(app: &TestApp, name: &str) -> serde_json::Value {
    app.get("/api/admin/evm-chains", None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain_name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no chain {name}"))
}

#[tokio::test]
async fn adding_a_chain_asks_its_rpc_for_the_chain_id_and_refuses_a_mismatch_or_a_second_row_on_one_rpc(
) {
    let anvil = Anvil::start().await;
    let app = app_with_real_rpc().await;
    let wrong = create(&app, new_chain("polygon", 137, &anvil.url)).await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text()
    );
    assert_eq!(wrong.error_code(), "chain_id_mismatch");
    assert!(wrong.text().contains("31337"), "{}", wrong.text());
    assert_eq!(app.count("evm_chains", "chain_name = 'polygon'").await, 0);

    let right = create(&app, new_chain("anvil", 31337, &anvil.url)).await;
    assert_eq!(right.status, StatusCode::CREATED, "{}", right.text());

    // The same node written another way is still the same node.
    let twice = create(&app, new_chain("anvil2", 31338, &format!("{}/", anvil.url))).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text());
    assert_eq!(twice.error_code(), "rpc_url_in_use");
    assert_eq!(app.count("evm_chains", "1 = 1").await, 6);
}

#[tokio::test]
async fn changing_a_chains_rpc_url_asks_the_new_rpc_for_the_chain_id() {
    let base_node = Anvil::start_with_chain_id(8453).await;
    let other_node = Anvil::start().await;
    let app = app_with_real_rpc().await;
    let base = chain_named(&app, "base").await;
    let path = format!("/api/admin/evm-chains/{}", base["id"].as_str().unwrap());
    let put = |url: String| {
        let (app, path) = (&app, &path);
        async move {
            app.send(Method::PUT, path, None, Some(json!({"rpc_url": url})))
                .await
        }
    };
    let r = put(other_node.url.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "chain_id_mismatch");
    assert_eq!(chain_named(&app, "base").await["rpc_url"], base["rpc_url"]);

    let r = put(base_node.url.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["rpc_url"], base_node.url);

    let ethereum = chain_named(&app, "ethereum").await;
    let r = app
        .send(
            Method::PUT,
            &format!("/api/admin/evm-chains/{}", ethereum["id"].as_str().unwrap()),
            None,
            Some(json!({"rpc_url": base_node.url})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.error_code(), "rpc_url_in_use");
}

#[tokio::test]
async fn an_rpc_that_does_not_answer_is_refused_with_422_rpc_unreachable_but_a_chain_on_it_can_be_deactivated(
) {
    let app = app_with_real_rpc().await;
    let dead = format!("http://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let r = create(&app, new_chain("polygon", 137, &dead)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "rpc_unreachable");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(app.count("evm_chains", "chain_name = 'polygon'").await, 0);

    // The seeded chains point at public RPCs this machine cannot reach: pausing one needs
    // no answer from its node.
    let base = chain_named(&app, "base").await;
    let r = app
        .send(
            Method::PUT,
            &format!("/api/admin/evm-chains/{}", base["id"].as_str().unwrap()),
            None,
            Some(json!({"is_active": false, "rpc_url": base["rpc_url"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["is_active"], false);
}

#[tokio::test]
async fn the_five_default_chains_are_listed_without_their_rpc_urls() {
    let app = TestApp::local().await;
    let r = app.get("/api/chains", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let chains = r.json();
    let got: Vec<(String, i64, String)> = chains
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["chain_name"].as_str().unwrap().to_string(),
                c["chain_id"].as_i64().unwrap(),
                c["native_symbol"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("ethereum", 1, "ETH"),
        ("optimism", 10, "ETH"),
        ("bsc", 56, "BNB"),
        ("base", 8453, "ETH"),
        ("arbitrum", 42161, "ETH"),
    ];
    assert_eq!(
        got,
        expected
            .iter()
            .map(|(n, i, s)| (n.to_string(), *i, s.to_string()))
            .collect::<Vec<_>>()
    );
    assert!(!r.text().contains("rpc_url"));
}

#[tokio::test]
async fn an_admin_changes_a_chains_rpc_url_and_deactivates_it() {
    let app = TestApp::local().await;
    let all = app.get("/api/admin/evm-chains", None).await.json();
    let base = all
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["chain_name"] == "base")
        .unwrap()
        .clone();
    assert!(base["rpc_url"].as_str().unwrap().starts_with("https://"));
    let id = base["id"].as_str().unwrap();
    let path = format!("/api/admin/evm-chains/{id}");
    app.fakes.chains.set_chain_id("http://127.0.0.1:8545", 8453);
    let r = app
        .send(
            Method::PUT,
            &path,
            None,
            Some(json!({"rpc_url": "http://127.0.0.1:8545", "is_active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["rpc_url"], "http://127.0.0.1:8545");
    assert_eq!(app.get(&path, None).await.json()["is_active"], false);
    let public = app.get("/api/chains", None).await.json();
    assert!(public
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["chain_name"] != "base"));
    let inactive = app
        .get("/api/admin/evm-chains?status=inactive", None)
        .await
        .json();
    assert_eq!(inactive.as_array().unwrap().len(), 1);
    let bad = app
        .send(
            Method::PUT,
            &path,
            None,
            Some(json!({"rpc_url": "wss://x"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get(&path, None).await.json()["rpc_url"],
        "http://127.0.0.1:8545"
    );
}

#[tokio::test]
async fn an_admin_adds_and_deletes_a_chain_and_duplicates_are_409() {
    let app = TestApp::local().await;
    app.fakes
        .chains
        .set_chain_id("https://polygon-rpc.com", 137);
    app.fakes.chains.set_chain_id("https://x.example", 2);
    let body = json!({
        "chain_name": "polygon", "chain_id": 137, "display_name": "Polygon PoS",
        "rpc_url": "https://polygon-rpc.com", "native_symbol": "POL", "native_decimals": 18
    });
    let r = app
        .send(
            Method::POST,
            "/api/admin/evm-chains",
            None,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let again = app
        .send(Method::POST, "/api/admin/evm-chains", None, Some(body))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "chain_exists");
    let mut same_id = json!({
        "chain_name": "matic", "chain_id": 1, "display_name": "Dup",
        "rpc_url": "https://x.example", "native_symbol": "X", "native_decimals": 18
    });
    let r = app
        .send(
            Method::POST,
            "/api/admin/evm-chains",
            None,
            Some(same_id.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    same_id["chain_id"] = json!(2);
    assert_eq!(
        app.send(Method::POST, "/api/admin/evm-chains", None, Some(same_id))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(app.count("evm_chains", "1 = 1").await, 7);
    let path = format!("/api/admin/evm-chains/{id}");
    assert_eq!(
        app.send(Method::DELETE, &path, None, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.send(Method::DELETE, &path, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_admin_manages_the_token_registry_with_validation() {
    let app = TestApp::local().await;
    let eth = app.chain_row_id("ethereum").await;
    let body = json!({"chain_id": eth, "symbol": "USDC", "name": "USD Coin", "contract_address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "decimals": 6});
    let r = app
        .send(
            Method::POST,
            "/api/admin/evm-tokens",
            None,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let t = r.json();
    assert_eq!(
        t["contract_address"],
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
    );
    assert_eq!(t["chain_name"], "ethereum");
    let again = app
        .send(Method::POST, "/api/admin/evm-tokens", None, Some(body))
        .await;
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (StatusCode::CONFLICT, "token_exists")
    );

    let bad = json!({"chain_id": uuid::Uuid::new_v4(), "symbol": "", "contract_address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB4B", "decimals": 37});
    let r = app
        .send(Method::POST, "/api/admin/evm-tokens", None, Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        fields,
        ["chain_id", "symbol", "decimals", "contract_address"]
    );

    let id = t["id"].as_str().unwrap();
    let path = format!("/api/admin/evm-tokens/{id}");
    let r = app
        .send(
            Method::PUT,
            &path,
            None,
            Some(json!({"is_active": false, "decimals": 6})),
        )
        .await;
    assert_eq!(r.json()["is_active"], false);
    let listed = app
        .get(&format!("/api/admin/evm-tokens?chain_id={eth}"), None)
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        app.send(Method::DELETE, &path, None, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);
}
