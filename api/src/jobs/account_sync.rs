//! `account-sync`: syncs every active account with bounded concurrency; one account's failure
//! never stops the others.

use futures_util::stream::{self, StreamExt};
use serde_json::json;
use uuid::Uuid;

use super::{Job, Outcome};
use crate::config::{Config, JobSchedule};
use crate::entities::accounts;
use crate::state::AppState;
use crate::store::accounts as store;
use crate::sync::{self, SyncError};

pub struct AccountSync;

pub const NAME: &str = "account-sync";

/// One account's (id, name) and how its sync ended.
pub type SyncResult = ((Uuid, String), Result<accounts::Model, SyncError>);

/// Wallets of one chain read together in shared Multicall3 batches.
pub const WALLETS_PER_BATCH: usize = 100;

/// Syncs these accounts, at most `ACCOUNT_SYNC_CONCURRENCY` at once; results in input order.
/// Wallets are read first, chain by chain, [`WALLETS_PER_BATCH`] wallets sharing each
/// Multicall3 batch; a batch that fails leaves its wallets to be read one by one.
pub async fn sync_many(state: &AppState, accounts: Vec<accounts::Model>) -> Vec<SyncResult> {
    let limit = state.config.sync.concurrency.max(1);
    let wallets: Vec<(Uuid, String, Vec<String>)> = accounts
        .iter()
        .filter(|a| a.account_type == "wallet")
        .filter_map(|a| {
            let address = a.wallet_address.clone()?;
            Some((a.id, address, sync::enabled_chains(a)))
        })
        .collect();
    let mut prefetched = if wallets.len() > 1 {
        sync::prefetch(state, &wallets, WALLETS_PER_BATCH)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %format!("{e:#}"), "shared wallet reads failed; reading wallets one by one");
                sync::Prefetched::default()
            })
    } else {
        sync::Prefetched::default()
    };
    prefetched.drop_failed();
    let prefetched = &prefetched;
    let mut out: Vec<(usize, SyncResult)> = stream::iter(accounts.into_iter().enumerate())
        .map(|(i, a)| async move {
            let key = (a.id, a.name.clone());
            (i, (key, sync::sync_prefetched(state, a, prefetched).await))
        })
        .buffer_unordered(limit)
        .collect()
        .await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

#[async_trait::async_trait]
impl Job for AccountSync {
    fn name(&self) -> &'static str {
        NAME
    }

    fn schedule<'a>(&self, config: &'a Config) -> &'a JobSchedule {
        &config.sync.account_sync
    }

    async fn run(&self, state: &AppState, _trigger: super::Trigger) -> anyhow::Result<Outcome> {
        let accounts = store::list_active(&state.db).await?;
        let total = accounts.len();
        let results = sync_many(state, accounts).await;
        let mut failures = Vec::new();
        let (mut ok, mut partial) = (0, 0);
        for ((id, _), r) in &results {
            match r {
                Ok(a) if a.last_sync_status.as_deref() == Some(sync::STATUS_OK) => ok += 1,
                Ok(a) if a.last_sync_status.as_deref() == Some(sync::STATUS_PARTIAL) => {
                    partial += 1;
                    failures.push(format!(
                        "account {id}: {}",
                        a.last_sync_error.clone().unwrap_or_default()
                    ));
                }
                Ok(a) => failures.push(format!(
                    "account {id}: {}",
                    a.last_sync_error.clone().unwrap_or_default()
                )),
                Err(SyncError::InProgress) => {}
                Err(e) => failures.push(format!("account {id}: {e}")),
            }
        }
        Ok(Outcome {
            items_processed: (ok + partial) as i64,
            failures,
            details: json!({ "accounts": total, "ok": ok, "partial": partial }),
        })
    }
}
