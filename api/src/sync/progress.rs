//! A sync as a run with steps, so the web can show progress per location while a sync is
//! going (a hanging RPC is "Base: reading for 40 s", not a bare spinner) and after it ended.
//!
//! Kept in memory, per process: the latest run of each account. A run is `queued` (sync-all
//! accepted it), `running`, then `ok`, `partial` or `error`; each step is one location (a chain,
//! or an exchange's trading / funding / earn) that is `waiting`, `reading`, then has the
//! location's sync status (`ok`, `partial`, `failed`, `not_refreshed`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::locations::LocationSync;

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";

/// One location of a sync run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SyncStep {
    /// The chain name, or `trading` / `funding` / `earn`.
    pub location: String,
    /// `waiting`, `reading`, or when done the location's status: `ok`, `partial`, `failed`,
    /// `not_refreshed`.
    pub status: String,
    /// Why the location is not `ok`, in words.
    pub error: Option<String>,
}

/// The latest sync of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SyncRun {
    pub account_id: Uuid,
    pub account_name: String,
    /// `queued`, `running`, then `ok`, `partial` or `error`.
    pub status: String,
    pub queued_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// One step per location; empty while queued.
    pub steps: Vec<SyncStep>,
    /// Why the run is not `ok` (the failing locations, named).
    pub error: Option<String>,
}

impl SyncRun {
    pub fn is_done(&self) -> bool {
        self.status != QUEUED && self.status != RUNNING
    }
}

/// The latest run of every account synced in this process.
#[derive(Clone, Default)]
pub struct SyncProgress(Arc<Mutex<HashMap<Uuid, SyncRun>>>);

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

impl SyncProgress {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<Uuid, SyncRun>) -> R) -> R {
        f(&mut self.0.lock().expect("sync progress"))
    }

    /// Sync-all accepted this account; its sync starts when a slot is free. An account whose
    /// sync is running keeps its running run.
    pub fn queue(&self, account_id: Uuid, name: &str) -> SyncRun {
        self.with(|runs| {
            if let Some(r) = runs.get(&account_id).filter(|r| r.status == RUNNING) {
                return r.clone();
            }
            let run = SyncRun {
                account_id,
                account_name: name.to_string(),
                status: QUEUED.into(),
                queued_at: now(),
                started_at: None,
                finished_at: None,
                steps: Vec::new(),
                error: None,
            };
            runs.insert(account_id, run.clone());
            run
        })
    }

    /// The sync of this account starts reading these locations. Until [`RunHandle::finish`],
    /// the run is `running`; a handle dropped unfinished ends the run as `error`.
    pub fn begin(&self, account_id: Uuid, name: &str, locations: &[String]) -> RunHandle {
        let at = now();
        self.with(|runs| {
            let queued_at = runs
                .get(&account_id)
                .filter(|r| r.status == QUEUED)
                .map_or(at, |r| r.queued_at);
            runs.insert(
                account_id,
                SyncRun {
                    account_id,
                    account_name: name.to_string(),
                    status: RUNNING.into(),
                    queued_at,
                    started_at: Some(at),
                    finished_at: None,
                    steps: locations
                        .iter()
                        .map(|l| SyncStep {
                            location: l.clone(),
                            status: "reading".into(),
                            error: None,
                        })
                        .collect(),
                    error: None,
                },
            );
        });
        RunHandle {
            progress: self.clone(),
            account_id,
            done: false,
        }
    }

    /// The latest runs of these accounts (those synced since this process started).
    pub fn runs_of(&self, account_ids: &[Uuid]) -> Vec<SyncRun> {
        self.with(|runs| {
            account_ids
                .iter()
                .filter_map(|id| runs.get(id).cloned())
                .collect()
        })
    }
}

/// A running sync's entry; finish it with the outcome.
pub struct RunHandle {
    progress: SyncProgress,
    account_id: Uuid,
    done: bool,
}

impl RunHandle {
    /// The sync ended with this status and these locations' outcomes.
    pub fn finish(mut self, status: &str, error: Option<&str>, locations: &[LocationSync]) {
        self.done = true;
        self.progress.with(|runs| {
            if let Some(run) = runs.get_mut(&self.account_id) {
                run.status = status.to_string();
                run.error = error.map(str::to_string);
                run.finished_at = Some(now());
                run.steps = locations
                    .iter()
                    .map(|l| SyncStep {
                        location: l.location.clone(),
                        status: l.status.clone(),
                        error: l.error.clone(),
                    })
                    .collect();
            }
        });
    }
}

impl Drop for RunHandle {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.progress.with(|runs| {
            if let Some(run) = runs.get_mut(&self.account_id) {
                run.status = "error".into();
                run.error = Some("the sync stopped before it finished".into());
                run.finished_at = Some(now());
                for s in &mut run.steps {
                    if s.status == "reading" {
                        s.status = "failed".into();
                        s.error = Some("not finished".into());
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_goes_from_queued_to_running_to_its_outcome() {
        let p = SyncProgress::default();
        let id = Uuid::from_u128(1);
        assert_eq!(p.queue(id, "Wallet").status, QUEUED);
        let h = p.begin(id, "Wallet", &["base".into(), "ethereum".into()]);
        let run = &p.runs_of(&[id])[0];
        assert_eq!(run.status, RUNNING);
        assert_eq!(run.steps.len(), 2);
        assert!(run.steps.iter().all(|s| s.status == "reading"));
        // A second queue while running keeps the running run.
        assert_eq!(p.queue(id, "Wallet").status, RUNNING);
        h.finish(
            "partial",
            Some("base: RPC timed out"),
            &[
                LocationSync {
                    location: "base".into(),
                    status: "failed".into(),
                    synced_at: None,
                    error: Some("RPC timed out".into()),
                },
                LocationSync {
                    location: "ethereum".into(),
                    status: "ok".into(),
                    synced_at: None,
                    error: None,
                },
            ],
        );
        let run = &p.runs_of(&[id])[0];
        assert_eq!(run.status, "partial");
        assert!(run.is_done() && run.finished_at.is_some());
        assert_eq!(run.steps[0].error.as_deref(), Some("RPC timed out"));
        assert!(p.runs_of(&[Uuid::from_u128(2)]).is_empty());
    }

    #[test]
    fn a_sync_that_stops_early_ends_as_an_error() {
        let p = SyncProgress::default();
        let id = Uuid::from_u128(1);
        drop(p.begin(id, "Wallet", &["base".into()]));
        let run = &p.runs_of(&[id])[0];
        assert_eq!(run.status, "error");
        assert_eq!(run.steps[0].status, "failed");
    }
}
