//! Alerts (docs/alerts.md). Rules are evaluated where the work they watch ends, never by
//! polling: after each account sync (`sync_failing`, `drift`, `health_factor`, `outflow`),
//! after each price run (`price_move`, `drift`) and after each snapshot, end-of-day or taken
//! by hand (`snapshot_failed`). Each rule but `outflow` keeps a state per subject, so a
//! condition that stays true alerts once and a `cleared` alert says when it stops; an outflow
//! is an event, raised once. Alerts go to the rule's channels (`channels`), each with
//! bounded retries and backoff (`deliver`); every attempt is recorded.

pub mod channels;
pub mod deliver;
pub mod email;
pub mod rules;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::config::{AlertsConfig, Config, RpcNetworks};
use crate::crypto::Cipher;
use crate::domain::holdings::Holding;
use crate::entities::accounts;

/// What one sync changed: the account's holdings before it and as it stored them.
#[derive(Debug, Clone, Copy)]
pub struct SyncChange<'a> {
    pub before: &'a [Holding],
    pub after: &'a [Holding],
    /// When the sync read them.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Which portfolios a snapshot run recorded (the end-of-day run, or one taken by hand).
#[derive(Debug, Clone, Default)]
pub struct SnapshotRun {
    pub date: chrono::NaiveDate,
    /// A snapshot taken by hand (`POST /api/portfolios/{id}/snapshots`): one portfolio.
    pub manual: bool,
    pub taken: std::collections::HashSet<uuid::Uuid>,
    /// Skipped because no linked account has been read yet.
    pub nothing_read: std::collections::HashSet<uuid::Uuid>,
}

/// What evaluating and delivering alerts needs. `Alerts::default()` does nothing (a context
/// built without alerts, e.g. a bare sync context in tests).
#[derive(Clone, Default)]
pub struct Alerts(Option<Arc<Inner>>);

pub struct Inner {
    pub db: DatabaseConnection,
    pub cipher: Arc<Cipher>,
    pub settings: AlertsConfig,
    /// The SSRF policy of RPC URLs (`EVM_RPC_ALLOW_NETWORKS`), applied to channel URLs too.
    pub allow: RpcNetworks,
    /// Redirects are not followed; names resolving to refused addresses are not connected.
    pub http: reqwest::Client,
    /// What valuing a portfolio reads (`drift` rules).
    pub portfolio: Option<crate::portfolio::PortfolioContext>,
    in_flight: tokio::sync::watch::Sender<usize>,
}

impl Alerts {
    pub fn new(
        config: &Config,
        db: DatabaseConnection,
        cipher: Arc<Cipher>,
        portfolio: Option<crate::portfolio::PortfolioContext>,
    ) -> Self {
        let allow = config.rpc_safety.allow;
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(
                crate::connectors::rpc_guard::GuardedResolver::new(allow),
            ))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.alerts.http_timeout)
            .user_agent("crypto-pocket-butler-alerts")
            .build()
            .expect("the alert HTTP client builds");
        Self(Some(Arc::new(Inner {
            db,
            cipher,
            settings: config.alerts.clone(),
            allow,
            http,
            portfolio,
            in_flight: tokio::sync::watch::Sender::new(0),
        })))
    }

    pub fn inner(&self) -> Option<&Arc<Inner>> {
        self.0.as_ref()
    }

    /// Evaluates the rules watching this account, as its sync left it (`change`: its holdings
    /// before and after). Never fails the sync: a problem is logged.
    pub async fn after_account_sync(&self, account: &accounts::Model, change: SyncChange<'_>) {
        let Some(inner) = &self.0 else { return };
        if let Err(e) = rules::after_account_sync(inner, account, change).await {
            tracing::warn!(account_id = %account.id, error = %e, "alert rules after a sync could not be evaluated");
        }
    }

    /// Evaluates every `price_move` rule against the prices a price run just stored.
    pub async fn after_price_run(&self) {
        let Some(inner) = &self.0 else { return };
        if let Err(e) = rules::after_price_run(inner).await {
            tracing::warn!(error = %e, "alert rules after a price run could not be evaluated");
        }
    }

    /// Evaluates every `snapshot_failed` rule after an end-of-day snapshot run (`Err`: the run
    /// failed as a whole).
    pub async fn after_snapshot_run(&self, run: Result<&SnapshotRun, ()>) {
        let Some(inner) = &self.0 else { return };
        if let Err(e) = rules::after_snapshot_run(inner, run).await {
            tracing::warn!(error = %e, "alert rules after a snapshot run could not be evaluated");
        }
    }

    /// Evaluates the `snapshot_failed` rules watching `portfolio` after a snapshot taken by
    /// hand (`run.manual`; `run.taken` holds the portfolio when it was taken).
    pub async fn after_manual_snapshot(
        &self,
        portfolio: &crate::entities::portfolios::Model,
        run: &SnapshotRun,
    ) {
        let Some(inner) = &self.0 else { return };
        if let Err(e) = rules::after_manual_snapshot(inner, portfolio, run).await {
            tracing::warn!(portfolio_id = %portfolio.id, error = %e, "alert rules after a manual snapshot could not be evaluated");
        }
    }

    /// Waits until no delivery is under way (tests; a graceful stop).
    pub async fn settled(&self) {
        let Some(inner) = &self.0 else { return };
        let mut rx = inner.in_flight.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

impl Inner {
    /// Counts a delivery task until it ends.
    fn track(self: &Arc<Self>) -> InFlight {
        self.in_flight.send_modify(|n| *n += 1);
        InFlight(self.clone())
    }
}

struct InFlight(Arc<Inner>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.send_modify(|n| *n = n.saturating_sub(1));
    }
}
