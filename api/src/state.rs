//! Shared application state handed to every handler and job.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::connectors::binance::BinanceClient;
use crate::connectors::coingecko::CoinGeckoClient;
use crate::connectors::coinpaprika::CoinPaprikaClient;
use crate::connectors::evm::EvmClient;
use crate::connectors::okx::OkxClient;
use crate::connectors::rpc_guard::GuardedChains;
use crate::connectors::solana::{SolanaBalances, SolanaClient};
use crate::connectors::{
    ChainBalances, CoinCatalog, ContractLookup, ExchangeRegistry, PlatformDirectory, PriceFeed,
};
use crate::crypto::Cipher;
use crate::jobs::JobRegistry;
use crate::metrics::Metrics;
use crate::store::assets::AssetIndexCache;
use crate::store::prices::PriceCache;
use crate::sync::SyncGuard;

/// The market-data connectors, one per capability.
#[derive(Clone)]
pub struct MarketConnectors {
    pub gecko_catalog: Arc<dyn CoinCatalog>,
    pub gecko_platforms: Arc<dyn PlatformDirectory>,
    pub gecko_prices: Arc<dyn PriceFeed>,
    pub paprika_catalog: Arc<dyn CoinCatalog>,
    pub paprika_contracts: Arc<dyn ContractLookup>,
    pub paprika_prices: Arc<dyn PriceFeed>,
}

impl MarketConnectors {
    /// The real CoinGecko and CoinPaprika clients.
    pub fn real(config: &Config, metrics: &Arc<Metrics>) -> Self {
        let gecko = Arc::new(CoinGeckoClient::new(
            &config.market.coingecko,
            metrics.clone(),
        ));
        let paprika = Arc::new(CoinPaprikaClient::new(
            &config.market.coinpaprika,
            metrics.clone(),
        ));
        Self {
            gecko_catalog: gecko.clone(),
            gecko_platforms: gecko.clone(),
            gecko_prices: gecko,
            paprika_catalog: paprika.clone(),
            paprika_contracts: paprika.clone(),
            paprika_prices: paprika,
        }
    }
}

/// Every upstream the Butler talks to.
#[derive(Clone)]
pub struct Connectors {
    pub market: MarketConnectors,
    /// Every exchange, by name: the one place an exchange connector is registered.
    pub exchanges: ExchangeRegistry,
    pub chains: Arc<dyn ChainBalances>,
    pub solana: Arc<dyn SolanaBalances>,
}

impl Connectors {
    /// The real clients, configured from the environment.
    pub fn real(config: &Config, metrics: &Arc<Metrics>) -> Self {
        Self {
            market: MarketConnectors::real(config, metrics),
            exchanges: ExchangeRegistry::default()
                .with(Arc::new(
                    OkxClient::new(
                        &config.exchange.okx,
                        config.exchange.okx_demo_trading,
                        metrics.clone(),
                    )
                    .with_key_rate(
                        config.exchange.okx_key_rate_per_minute,
                        config.exchange.okx_key_burst,
                    ),
                ))
                .with(Arc::new(BinanceClient::new(
                    &config.exchange.binance,
                    metrics.clone(),
                ))),
            chains: Arc::new(GuardedChains::new(
                Arc::new(EvmClient::with_safety(
                    &config.evm,
                    &config.rpc_safety,
                    metrics.clone(),
                )),
                config.rpc_safety.allow,
            )),
            solana: Arc::new(SolanaClient::new(&config.rpc_safety)),
        }
    }
}

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
    pub cipher: Arc<Cipher>,
    pub price_cache: PriceCache,
    /// Computed allocations (serialized), keyed by everything they depend on.
    pub allocation_cache: moka::future::Cache<AllocationKey, axum::body::Bytes>,
    /// Users by their identity claims, so a known caller costs no database write or read.
    pub user_cache: moka::future::Cache<
        (String, Option<String>, Option<String>),
        crate::entities::users::Model,
    >,
    pub asset_index: AssetIndexCache,
    pub syncing: SyncGuard,
    /// The latest sync run of each account, for progress (`sync::progress`).
    pub sync_progress: crate::sync::progress::SyncProgress,
    pub jobs: Arc<JobRegistry>,
    /// Per-user request limits.
    pub limits: Arc<crate::http::limits::RequestLimits>,
    /// What jobs date their work by (tests stop it at a time of day).
    pub clock: crate::clock::Clock,
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
        let auth = match &config.auth {
            crate::config::AuthMode::Local => Authenticator::Local,
            crate::config::AuthMode::Keycloak(k) => {
                Authenticator::Keycloak(crate::auth::keycloak::KeycloakValidator::new(k.clone()))
            }
        };
        Self {
            price_cache: PriceCache::new(config.market.price_cache_ttl),
            allocation_cache: moka::future::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(config.market.price_cache_ttl)
                .build(),
            user_cache: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(std::time::Duration::from_secs(300))
                .build(),
            asset_index: AssetIndexCache::new(std::time::Duration::from_secs(600)),
            syncing: SyncGuard::default(),
            sync_progress: Default::default(),
            limits: Arc::new(crate::http::limits::RequestLimits::new(&config.limits)),
            db,
            config: Arc::new(config),
            auth,
            metrics,
            market: connectors.market,
            exchanges: connectors.exchanges,
            chains: connectors.chains,
            solana: connectors.solana,
            cipher: Arc::new(cipher),
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
