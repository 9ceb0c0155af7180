//! Syncing one account: read balances from its exchange or the wallet's chains, identify and
//! price them, and store the holdings and each location's sync state. A failure keeps what was
//! stored: a failed or disabled location, and a token whose read failed, keep their previous
//! holdings flagged `not_refreshed` (see `domain::locations` for the statuses).
//!
//! One file per source, registered in `sources.rs`: `exchange` (OKX, Binance), `evm` (wallets
//! on EVM chains, with their DeFi positions from `defi`), `solana` (Solana wallets), `manual`
//! (what the user entered); `progress` reports a sync-all as it runs.

pub mod bitcoin;
mod defi;
mod evm;
mod exchange;
pub mod history;
pub mod manual;
pub mod progress;
pub mod solana;
pub mod sources;

pub use evm::{enabled_chains, prefetch, Prefetched};
pub use exchange::{connector as exchange_connector, credentials, TRADE_WARNING};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{SubsecRound, Utc};
use futures_util::stream::{self, StreamExt};
use rust_decimal::Decimal;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::connectors::solana::SolanaBalances;
use crate::connectors::{ChainBalances, ExchangeRegistry};
use crate::crypto::Cipher;
use crate::domain::holdings::{self, flag, Kept, Quote, RawHolding};
use crate::domain::locations::{self, LocationSync, Outcome};
use crate::entities::accounts;
use crate::metrics::Metrics;
use crate::store::accounts::{self as account_store, SyncRecord};
use crate::store::assets::AssetIndexCache;
use crate::store::holdings::LoadError;
use crate::store::prices;

pub const STATUS_OK: &str = "ok";
/// Some locations (chains, or parts of an exchange account) failed; they keep their
/// previous holdings.
pub const STATUS_PARTIAL: &str = "partial";
/// Nothing could be read (every location failed or is not refreshed); holdings are kept.
pub const STATUS_ERROR: &str = "error";

/// What syncing needs, and nothing more: the database, the connectors that read accounts, the
/// cipher of exchange credentials, the asset index, the sync settings, and this process's
/// per-account guard and progress. The top floor (`state.rs`) builds it from the app state;
/// tests build it directly with fakes.
#[derive(Clone)]
pub struct SyncContext {
    pub db: DatabaseConnection,
    pub exchanges: ExchangeRegistry,
    pub chains: Arc<dyn ChainBalances>,
    pub solana: Arc<dyn SolanaBalances>,
    pub esplora: Arc<dyn crate::connectors::esplora::AddressStatsSource>,
    pub cipher: Arc<Cipher>,
    pub asset_index: AssetIndexCache,
    pub metrics: Arc<Metrics>,
    pub settings: SyncSettings,
    pub guard: SyncGuard,
    pub progress: progress::SyncProgress,
    /// Alert rules evaluated after each sync (`alerts::Alerts::default()`: none).
    pub alerts: crate::alerts::Alerts,
}

/// The settings a sync reads.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Accounts synced at once (`ACCOUNT_SYNC_CONCURRENCY`).
    pub concurrency: usize,
    /// Priced holdings worth less than this (USD) are marked as dust.
    pub dust_threshold_usd: Decimal,
    /// Discovered tokens read per chain at most (`DISCOVERY_MAX_TOKENS_PER_CHAIN`).
    pub max_tokens_per_chain: usize,
}

impl SyncSettings {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            concurrency: config.sync.concurrency,
            dust_threshold_usd: config.sync.dust_threshold_usd,
            max_tokens_per_chain: config.discovery_max_tokens_per_chain,
        }
    }
}

/// Accounts being synced in this process (a second sync of one account waits its turn).
#[derive(Clone, Default)]
pub struct SyncGuard(Arc<Mutex<HashSet<Uuid>>>);

struct Held(SyncGuard, Uuid);

impl Drop for Held {
    fn drop(&mut self) {
        self.0 .0.lock().expect("sync guard").remove(&self.1);
    }
}

impl SyncGuard {
    fn take(&self, id: Uuid) -> Option<Held> {
        self.0
            .lock()
            .expect("sync guard")
            .insert(id)
            .then(|| Held(self.clone(), id))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this account is already syncing")]
    InProgress,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// The stored holdings cannot be read: syncing over them would lose them.
    #[error(transparent)]
    Unreadable(#[from] crate::store::holdings::Unreadable),
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

/// Stored per-location sync state of an account (empty when never synced).
pub fn stored_locations(account: &accounts::Model) -> Vec<LocationSync> {
    account
        .location_syncs
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// What one read produced: balances, each location's outcome, and what to keep from before.
pub struct Reading {
    pub(crate) raw: Vec<RawHolding>,
    pub(crate) outcomes: Vec<(String, Outcome)>,
    pub(crate) kept: Kept,
    pub(crate) permission_warning: Option<Option<String>>,
}

/// Syncs one account now and returns it as stored afterwards.
///
/// Nothing vanishes: a location that fails or is not read (its chain disabled), and a token
/// whose read fails, keep their previous holdings flagged `not_refreshed`. An account of
/// which nothing could be read is `error`; one of which something could not be read is
/// `partial`; `last_synced_at` is the oldest location's last good read.
pub async fn sync_account(
    ctx: &SyncContext,
    account: accounts::Model,
) -> Result<accounts::Model, SyncError> {
    sync_prefetched(ctx, account, &Prefetched::default()).await
}

/// One account's (id, name) and how its sync ended.
pub type SyncResult = ((Uuid, String), Result<accounts::Model, SyncError>);

/// Wallets of one chain read together in shared Multicall3 batches.
pub const WALLETS_PER_BATCH: usize = 100;

/// Syncs these accounts, at most `ACCOUNT_SYNC_CONCURRENCY` at once; results in input order.
/// Wallets are read first, chain by chain, [`WALLETS_PER_BATCH`] wallets sharing each
/// Multicall3 batch; a batch that fails leaves its wallets to be read one by one. The handlers
/// (sync-all) and the `account-sync` job both call this.
pub async fn sync_many(ctx: &SyncContext, accounts: Vec<accounts::Model>) -> Vec<SyncResult> {
    let limit = ctx.settings.concurrency.max(1);
    let wallets: Vec<(Uuid, String, Vec<String>)> = accounts
        .iter()
        .filter(|a| a.account_type == "wallet")
        .filter_map(|a| {
            let address = a.wallet_address.clone()?;
            Some((a.id, address, enabled_chains(a)))
        })
        .collect();
    let mut prefetched = if wallets.len() > 1 {
        prefetch(ctx, &wallets, WALLETS_PER_BATCH)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %format!("{e:#}"), "shared wallet reads failed; reading wallets one by one");
                Prefetched::default()
            })
    } else {
        Prefetched::default()
    };
    prefetched.drop_failed();
    let prefetched = &prefetched;
    let mut out: Vec<(usize, SyncResult)> = stream::iter(accounts.into_iter().enumerate())
        .map(|(i, a)| async move {
            let key = (a.id, a.name.clone());
            (i, (key, sync_prefetched(ctx, a, prefetched).await))
        })
        .buffer_unordered(limit)
        .collect()
        .await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// [`sync_account`] with chain readings already fetched (the job's shared batches).
pub async fn sync_prefetched(
    ctx: &SyncContext,
    account: accounts::Model,
    prefetched: &Prefetched,
) -> Result<accounts::Model, SyncError> {
    let _held = ctx.guard.take(account.id).ok_or(SyncError::InProgress)?;
    // Never merged over as "nothing held": an unreadable document stops the sync untouched.
    let previous = match crate::store::holdings::of_account(&ctx.db, &account).await {
        Ok(h) => h,
        Err(LoadError::Db(e)) => return Err(e.into()),
        Err(LoadError::Unreadable(e)) => return Err(e.into()),
    };
    let run = ctx.progress.begin(
        account.id,
        &account.name,
        &sources::source_of(&account)
            .map(|s| s.locations(ctx, &account))
            .unwrap_or_default(),
    );
    let started = Utc::now();
    account_store::mark_sync_started(&ctx.db, account.id, started).await?;
    let source = sources::source_of(&account);
    let result = match &source {
        Ok(s) => s.read(ctx, &account, prefetched).await,
        Err(why) => Err(anyhow::anyhow!(why.clone())),
    };
    let reading = match result {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("{e:#}");
            tracing::warn!(account_id = %account.id, error = %msg, "account sync failed");
            let mut names: Vec<String> = source
                .as_ref()
                .map(|s| s.locations(ctx, &account))
                .unwrap_or_default();
            for h in &previous {
                if !names.contains(&h.location) {
                    names.push(h.location.clone());
                }
            }
            Reading {
                raw: Vec::new(),
                outcomes: names
                    .iter()
                    .map(|n| (n.clone(), Outcome::Failed(msg.clone())))
                    .collect(),
                kept: Kept {
                    locations: names,
                    tokens: Vec::new(),
                },
                permission_warning: None,
            }
        }
    };

    let index = ctx.asset_index.for_user(&ctx.db, account.user_id).await?;
    let fresh = holdings::identify(reading.raw, &index);
    // Microseconds, as PostgreSQL stores `last_synced_at`: the JSON times then agree with it.
    let now = Utc::now().trunc_subsecs(6);
    let mut merged =
        holdings::merge_sync(&previous, fresh, &reading.kept, now, account.last_synced_at);
    // A receipt token (aToken, debt token) is counted through its position, never twice.
    crate::domain::defi::drop_receipts(&mut merged);
    let ids: Vec<Uuid> = merged.iter().filter_map(|h| h.asset_id).collect();
    let quotes: HashMap<Uuid, Quote> = prices::latest_for_assets(&ctx.db, &ids)
        .await?
        .into_iter()
        .map(|(id, p)| {
            (
                id,
                Quote {
                    price_usd: p.price_usd.0,
                    source: p.source,
                    at: p.timestamp,
                },
            )
        })
        .collect();
    // Fresh holdings get today's prices; kept ones keep theirs unless a newer price of the
    // same asset is at hand.
    holdings::price(&mut merged, &quotes, ctx.settings.dust_threshold_usd);

    let before = stored_locations(&account);
    let locations: Vec<LocationSync> = reading
        .outcomes
        .into_iter()
        .map(|(name, outcome)| {
            let outcome = match outcome {
                Outcome::Read {
                    failures,
                    notes,
                    kept_since: _,
                } if !failures.is_empty() => {
                    // The oldest read behind the balances kept at this location.
                    let kept: Vec<Option<chrono::DateTime<Utc>>> = merged
                        .iter()
                        .filter(|h| h.location == name && h.has_flag(flag::NOT_REFRESHED))
                        .map(|h| h.synced_at)
                        .collect();
                    let kept_since = if kept.is_empty() {
                        None
                    } else if kept.iter().any(Option::is_none) {
                        Some(None)
                    } else {
                        Some(kept.into_iter().flatten().min())
                    };
                    Outcome::Read {
                        failures,
                        notes,
                        kept_since,
                    }
                }
                other => other,
            };
            let prev = before.iter().find(|l| l.location == name);
            locations::next(&name, prev, outcome, now, account.last_synced_at)
        })
        .collect();
    let problems: Vec<String> = locations
        .iter()
        .filter(|l| l.status != locations::OK)
        .map(|l| {
            format!(
                "{}: {}",
                l.location,
                l.error.as_deref().unwrap_or(&l.status)
            )
        })
        .collect();
    let (status, error) = if !locations::read_any(&locations) {
        let why = if locations.is_empty() {
            "the account has no location to read".to_string()
        } else {
            format!("nothing could be read: {}", problems.join("; "))
        };
        (STATUS_ERROR, Some(why))
    } else if problems.is_empty() {
        (STATUS_OK, None)
    } else {
        (STATUS_PARTIAL, Some(problems.join("; ")))
    };
    if status != STATUS_OK {
        tracing::warn!(account_id = %account.id, status, error = error.as_deref().unwrap_or(""), "account sync incomplete");
    }
    // The alert rules compare what the account held before this sync with what it stores.
    let after = merged.clone();
    let saved = account_store::record_sync(
        &ctx.db,
        account.id,
        SyncRecord {
            status,
            error: error.clone(),
            holdings: Some(merged),
            synced_at: locations::oldest_read(&locations),
            permission_warning: reading.permission_warning,
            locations: Some(serde_json::to_value(&locations).map_err(anyhow::Error::from)?),
        },
    )
    .await?;
    // An exchange by its own name (okx, binance): their outages are not each other's.
    let source_name = match (&source, account.exchange_name.as_deref()) {
        (Ok(s), Some(exchange)) if s.name() == "exchange" => exchange,
        (Ok(s), _) => s.name(),
        (Err(_), _) => "unknown",
    };
    ctx.metrics
        .sync_outcomes
        .with_label_values(&[source_name, status])
        .inc();
    run.finish(status, error.as_deref(), &locations);
    let change = crate::alerts::SyncChange {
        before: &previous,
        after: &after,
        at: now,
    };
    ctx.alerts.after_account_sync(&saved, change).await;
    Ok(saved)
}
