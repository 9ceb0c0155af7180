//! `account-sync`: syncs every active account with bounded concurrency; one account's failure
//! never stops the others.

use serde_json::json;

use super::JobContext;
use super::{Job, Outcome};
use crate::config::{Config, JobSchedule};
use crate::store::accounts as store;
use crate::sync::{self, SyncError};

pub struct AccountSync;

pub const NAME: &str = "account-sync";

#[async_trait::async_trait]
impl Job for AccountSync {
    fn name(&self) -> &'static str {
        NAME
    }

    fn schedule<'a>(&self, config: &'a Config) -> &'a JobSchedule {
        &config.sync.account_sync
    }

    async fn run(&self, ctx: &JobContext, _trigger: super::Trigger) -> anyhow::Result<Outcome> {
        let accounts = store::list_active(&ctx.db).await?;
        let total = accounts.len();
        let results = sync::sync_many(&ctx.sync, accounts).await;
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
