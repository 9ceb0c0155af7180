//! An account added is synced at once: in the background (the `201` does not wait for it),
//! shown in the sync progress while it runs, taking the account's sync turn like a manual sync.

use std::sync::Arc;
use std::time::Duration;

use api::connectors::fake::FakeChains;
use api::connectors::{ChainBalances, ChainReading, ChainTarget, ConnectorError, TokenMeta};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::helpers::TestApp;

const WALLET: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

/// The fake chains behind a gate: no wallet is read until the test opens it.
struct Gated {
    inner: Arc<FakeChains>,
    gate: Arc<Semaphore>,
}

#[async_trait::async_trait]
impl ChainBalances for Gated {
    async fn read(
        &self,
        chain: &ChainTarget,
        wallet: &str,
    ) -> Result<ChainReading, ConnectorError> {
        let _open = self.gate.acquire().await.expect("gate");
        self.inner.read(chain, wallet).await
    }
    async fn token_metadata(
        &self,
        chain: &ChainTarget,
        tokens: &[String],
    ) -> Result<Vec<TokenMeta>, ConnectorError> {
        self.inner.token_metadata(chain, tokens).await
    }
    async fn chain_id(&self, chain_name: &str, rpc_url: &str) -> Result<u64, ConnectorError> {
        self.inner.chain_id(chain_name, rpc_url).await
    }
}

async fn account(app: &TestApp, id: &str) -> Value {
    let r = app.get(&format!("/api/accounts/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

/// The account once its sync status is set (at most 5 s).
async fn synced(app: &TestApp, id: &str) -> Value {
    for _ in 0..200 {
        let a = account(app, id).await;
        if !a["last_sync_status"].is_null() {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("account {id} was never synced: {}", account(app, id).await);
}

#[tokio::test]
async fn a_wallet_added_is_synced_in_the_background_and_its_first_sync_takes_the_sync_turn() {
    let chains = Arc::new(FakeChains::new());
    chains.set_native("ethereum", &WALLET.to_lowercase(), "1500000000000000000");
    let gate = Arc::new(Semaphore::new(0));
    let app = TestApp::with_chain_reader_and_vars(
        Arc::new(Gated {
            inner: chains.clone(),
            gate: gate.clone(),
        }),
        &[
            ("SYNC_NEW_ACCOUNTS", "true"),
            ("RATE_LIMIT_ENABLED", "true"),
        ],
    )
    .await;

    // The chain cannot be read yet, and still the account is created at once.
    let created = tokio::time::timeout(
        Duration::from_secs(10),
        app.send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Cold wallet", "account_type": "wallet",
                "wallet_address": WALLET, "enabled_chains": ["ethereum"]})),
        ),
    )
    .await
    .expect("the 201 does not wait for the sync");
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert!(created.json()["last_sync_status"].is_null());

    // Its sync is under way, for the web to show.
    let runs = app.get("/api/accounts/sync-progress", None).await.json();
    let run = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account_id"] == id.as_str())
        .unwrap_or_else(|| panic!("no run for the new account: {runs}"));
    assert!(
        matches!(run["status"].as_str(), Some("queued" | "running")),
        "{run}"
    );

    // The first sync took the account's sync turn: a manual sync now waits, as after any sync.
    let again = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/sync"),
            None,
            None,
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        again.text()
    );

    gate.add_permits(1_000);
    let a = synced(&app, &id).await;
    assert_eq!(a["last_sync_status"], "ok", "{a}");
    assert!(a["last_synced_at"].is_string());
    let eth = a["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["symbol"] == "ETH")
        .unwrap_or_else(|| panic!("no ETH in {a}"));
    assert_eq!(eth["quantity"], "1.5");
}

#[tokio::test]
async fn a_manual_account_added_is_synced_too_and_the_setting_turns_it_off() {
    let app = TestApp::with_vars(&[("SYNC_NEW_ACCOUNTS", "true")]).await;
    let created = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Cold storage", "account_type": "manual"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert_eq!(synced(&app, &id).await["last_sync_status"], "ok");

    let off = TestApp::with_vars(&[("SYNC_NEW_ACCOUNTS", "false")]).await;
    let created = off
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Cold storage", "account_type": "manual"})),
        )
        .await;
    let id = created.json()["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(account(&off, &id).await["last_sync_status"].is_null());
    assert!(off
        .get("/api/accounts/sync-progress", None)
        .await
        .json()
        .as_array()
        .unwrap()
        .is_empty());
}
