//! `sync/` on its own: a [`SyncContext`] built directly from a database and the fakes, no app
//! state, no router.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use api::config::Config;
use api::connectors::fake::FakeChains;
use api::connectors::fake_solana::FakeSolana;
use api::connectors::ExchangeRegistry;
use api::entities::accounts;
use api::store::assets::AssetIndexCache;
use api::sync::{self, SyncContext, SyncSettings};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::json;

use crate::helpers::{fresh_db, test_key};

const WALLET: &str = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed";
const OTHER: &str = "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359";

async fn database(url: &str) -> DatabaseConnection {
    let vars = HashMap::from([("DATABASE_URL".to_string(), url.to_string())]);
    let config = Config::from_vars(&vars).expect("config");
    let db = api::db::connect(&config).await.expect("db connects");
    api::db::migrate(&db).await.expect("migrations apply");
    db
}

fn context(db: DatabaseConnection, chains: Arc<FakeChains>) -> SyncContext {
    SyncContext {
        db,
        exchanges: ExchangeRegistry::default(),
        chains,
        solana: Arc::new(FakeSolana::new()),
        esplora: Arc::new(api::connectors::esplora::EsploraClient::new(
            &api::config::RpcSafetyConfig::default(),
        )),
        cipher: Arc::new(api::crypto::Cipher::new(test_key(), Vec::new())),
        asset_index: AssetIndexCache::new(Duration::from_secs(600)),
        metrics: Arc::new(api::metrics::Metrics::new()),
        settings: SyncSettings {
            concurrency: 2,
            dust_threshold_usd: Decimal::ONE,
            max_tokens_per_chain: 50,
        },
        guard: Default::default(),
        progress: Default::default(),
        alerts: Default::default(),
    }
}

async fn wallet(db: &DatabaseConnection, address: &str) -> accounts::Model {
    let user = api::store::users::upsert_identity(db, "sub:sync-context", None, Some("u"))
        .await
        .expect("user");
    let now = chrono::Utc::now();
    accounts::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        user_id: Set(user.id),
        name: Set(format!("wallet {address}")),
        account_type: Set("wallet".into()),
        wallet_address: Set(Some(address.into())),
        enabled_chains: Set(Some(json!(["ethereum", "base"]))),
        chain_family: Set(Some("evm".into())),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .expect("account")
}

#[tokio::test]
async fn a_sync_context_of_fakes_syncs_a_wallet_without_an_app_state() {
    let test_db = fresh_db().await;
    let db = database(&test_db.url).await;
    let chains = Arc::new(FakeChains::new());
    chains.set_native("ethereum", WALLET, "1500000000000000000");
    chains.set_native("base", WALLET, "1");
    let ctx = context(db.clone(), chains.clone());
    let account = wallet(&db, WALLET).await;

    let synced = sync::sync_account(&ctx, account.clone())
        .await
        .expect("synced");
    assert_eq!(synced.last_sync_status.as_deref(), Some(sync::STATUS_OK));
    let holdings = api::store::holdings::of_account(&db, &synced)
        .await
        .unwrap_or_else(|_| panic!("holdings readable"));
    let eth: Vec<_> = holdings.iter().filter(|h| h.symbol == "ETH").collect();
    assert_eq!(eth.len(), 2, "{holdings:?}");
    assert!(eth
        .iter()
        .any(|h| h.location == "ethereum" && h.quantity == Decimal::new(15, 1)));
    assert_eq!(
        ctx.progress.runs_of(&[account.id])[0].status,
        sync::STATUS_OK,
        "the run is reported"
    );

    // A chain that fails keeps its holdings; the account is partial.
    chains.fail_chain(
        "base",
        Some(api::connectors::ConnectorError::Timeout {
            provider: "evm:base",
        }),
    );
    let again = sync::sync_account(&ctx, synced).await.expect("synced");
    assert_eq!(
        again.last_sync_status.as_deref(),
        Some(sync::STATUS_PARTIAL)
    );
}

#[tokio::test]
async fn sync_many_syncs_every_account_and_answers_in_input_order() {
    let test_db = fresh_db().await;
    let db = database(&test_db.url).await;
    let chains = Arc::new(FakeChains::new());
    chains.set_native("ethereum", WALLET, "1000000000000000000");
    chains.set_native("ethereum", OTHER, "2000000000000000000");
    let ctx = context(db.clone(), chains.clone());
    let a = wallet(&db, WALLET).await;
    let b = wallet(&db, OTHER).await;

    let results = sync::sync_many(&ctx, vec![a.clone(), b.clone()]).await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].0 .0, a.id, "results in input order");
    for (_, r) in &results {
        let synced = r.as_ref().expect("synced");
        assert_eq!(synced.last_sync_status.as_deref(), Some(sync::STATUS_OK));
    }
}
