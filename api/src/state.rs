//! The top floor: the application state the router and the server hold, and the one place
//! that knows every concern. Handlers take it whole; the layers below never see it. Each gets
//! the context it needs, derived here: [`SyncContext`] for `sync/`, [`AuthContext`] (through
//! axum's `FromRef`) for `auth/`, [`JobContext`] for `jobs/`, [`PortfolioContext`] for
//! `portfolio.rs`. Request limits are built by the router (`http/`).

use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use crate::auth::{AuthContext, Authenticator, UserCache};
use crate::config::Config;
use crate::connectors::solana::SolanaBalances;
use crate::connectors::{ChainBalances, ExchangeRegistry};
use crate::crypto::Cipher;
use crate::jobs::{JobContext, JobRegistry};
use crate::metrics::Metrics;
use crate::portfolio::PortfolioContext;
use crate::store::assets::AssetIndexCache;
use crate::store::prices::PriceCache;
use crate::sync::{SyncContext, SyncGuard, SyncSettings};

pub use crate::connectors::{Connectors, MarketConnectors};

/// What an allocation depends on: the portfolio's version, its accounts' versions and the
/// generation of the cached prices.
pub type AllocationKey = (
    uuid::Uuid,
    chrono::DateTime<chrono::Utc>,
    Vec<(uuid::Uuid, chrono::DateTime<chrono::Utc>)>,
    u64,
);

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub auth: Authenticator,
    pub metrics: Arc<Metrics>,
    pub market: MarketConnectors,
    pub exchanges: ExchangeRegistry,
    pub chains: Arc<dyn ChainBalances>,
    pub solana: Arc<dyn SolanaBalances>,
    /// Bitcoin wallets' Esplora reader (one client, its rate limiters shared by all wallets).
    pub esplora: Arc<dyn crate::connectors::esplora::AddressStatsSource>,
    pub cipher: Arc<Cipher>,
    pub price_cache: PriceCache,
    /// Computed allocations (serialized), keyed by everything they depend on.
    pub allocation_cache: moka::future::Cache<AllocationKey, axum::body::Bytes>,
    /// Users by their identity claims, so a known caller costs no database write or read.
    pub user_cache: UserCache,
    pub asset_index: AssetIndexCache,
    pub syncing: SyncGuard,
    /// The latest sync run of each account, for progress (`sync::progress`).
    pub sync_progress: crate::sync::progress::SyncProgress,
    pub jobs: Arc<JobRegistry>,
    /// What jobs date their work by (tests stop it at a time of day).
    pub clock: crate::clock::Clock,
    /// Alert rules and deliveries (`alerts/`).
    pub alerts: crate::alerts::Alerts,
}

impl AppState {
    /// Builds the state for a connected, migrated database, with the real connectors.
    pub fn new(config: Config, db: DatabaseConnection, cipher: Cipher) -> Self {
        let metrics = Arc::new(Metrics::new());
        let connectors = Connectors::real(&config, &metrics);
        Self::with_parts(config, db, metrics, connectors, cipher)
    }

    /// Builds the state with the given connectors (tests pass fakes).
    pub fn with_parts(
        config: Config,
        db: DatabaseConnection,
        metrics: Arc<Metrics>,
        connectors: Connectors,
        cipher: Cipher,
    ) -> Self {
        let auth = Authenticator::of(&config.auth);
        let cipher = Arc::new(cipher);
        let price_cache = PriceCache::new(config.market.price_cache_ttl);
        let asset_index = AssetIndexCache::new(std::time::Duration::from_secs(600));
        let alerts = crate::alerts::Alerts::new(
            &config,
            db.clone(),
            cipher.clone(),
            Some(PortfolioContext {
                db: db.clone(),
                asset_index: asset_index.clone(),
                price_cache: price_cache.clone(),
                price_max_age: config.market.price_max_age,
            }),
        );
        Self {
            price_cache,
            allocation_cache: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(config.market.price_cache_ttl)
                .build(),
            user_cache: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(std::time::Duration::from_secs(300))
                .build(),
            asset_index,
            syncing: SyncGuard::default(),
            sync_progress: Default::default(),
            db,
            esplora: Arc::new(crate::connectors::esplora::EsploraClient::new(
                &config.rpc_safety,
            )),
            config: Arc::new(config),
            auth,
            metrics,
            market: connectors.market,
            exchanges: connectors.exchanges,
            chains: connectors.chains,
            solana: connectors.solana,
            cipher,
            alerts,
            jobs: Arc::new(JobRegistry::standard()),
            clock: crate::clock::system(),
        }
    }

    /// The same state dating its work by `clock`.
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Self {
        self.clock = clock;
        self
    }
}

impl FromRef<AppState> for SyncContext {
    fn from_ref(state: &AppState) -> Self {
        SyncContext {
            db: state.db.clone(),
            exchanges: state.exchanges.clone(),
            chains: state.chains.clone(),
            solana: state.solana.clone(),
            esplora: state.esplora.clone(),
            cipher: state.cipher.clone(),
            asset_index: state.asset_index.clone(),
            metrics: state.metrics.clone(),
            settings: SyncSettings::of(&state.config),
            guard: state.syncing.clone(),
            progress: state.sync_progress.clone(),
            alerts: state.alerts.clone(),
        }
    }
}

impl FromRef<AppState> for AuthContext {
    fn from_ref(state: &AppState) -> Self {
        AuthContext {
            db: state.db.clone(),
            auth: state.auth.clone(),
            user_cache: state.user_cache.clone(),
            config: state.config.clone(),
        }
    }
}

impl FromRef<AppState> for PortfolioContext {
    fn from_ref(state: &AppState) -> Self {
        PortfolioContext {
            db: state.db.clone(),
            asset_index: state.asset_index.clone(),
            price_cache: state.price_cache.clone(),
            price_max_age: state.config.market.price_max_age,
        }
    }
}

impl FromRef<AppState> for JobContext {
    fn from_ref(state: &AppState) -> Self {
        JobContext {
            db: state.db.clone(),
            config: state.config.clone(),
            metrics: state.metrics.clone(),
            market: state.market.clone(),
            price_cache: state.price_cache.clone(),
            asset_index: state.asset_index.clone(),
            jobs: state.jobs.clone(),
            clock: state.clock.clone(),
            sync: SyncContext::from_ref(state),
        }
    }
}

/// The job entry points (`jobs::start`, `run_to_end`, the scheduler) take the app state too.
impl From<&AppState> for JobContext {
    fn from(state: &AppState) -> Self {
        JobContext::from_ref(state)
    }
}

impl From<AppState> for JobContext {
    fn from(state: AppState) -> Self {
        JobContext::from_ref(&state)
    }
}

impl AppState {
    /// The context of `sync/`.
    pub fn sync(&self) -> SyncContext {
        SyncContext::from_ref(self)
    }

    /// The context of `portfolio.rs`.
    pub fn portfolio(&self) -> PortfolioContext {
        PortfolioContext::from_ref(self)
    }
}
