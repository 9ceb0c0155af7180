//! Shared application state handed to every handler and job.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::connectors::coingecko::CoinGeckoClient;
use crate::connectors::coinpaprika::CoinPaprikaClient;
use crate::connectors::{CoinCatalog, ContractLookup, PlatformDirectory, PriceFeed};
use crate::jobs::JobRegistry;
use crate::metrics::Metrics;
use crate::store::prices::PriceCache;

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

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub auth: Authenticator,
    pub metrics: Arc<Metrics>,
    pub market: MarketConnectors,
    pub price_cache: PriceCache,
    pub jobs: Arc<JobRegistry>,
}

impl AppState {
    /// Builds the state for a connected, migrated database, with the real connectors.
    pub fn new(config: Config, db: DatabaseConnection) -> Self {
        let metrics = Arc::new(Metrics::new());
        let market = MarketConnectors::real(&config, &metrics);
        Self::with_parts(config, db, metrics, market)
    }

    /// Builds the state with the given connectors (tests pass fakes).
    pub fn with_parts(
        config: Config,
        db: DatabaseConnection,
        metrics: Arc<Metrics>,
        market: MarketConnectors,
    ) -> Self {
        let auth = match &config.auth {
            crate::config::AuthMode::Local => Authenticator::Local,
            crate::config::AuthMode::Keycloak(k) => {
                Authenticator::Keycloak(crate::auth::keycloak::KeycloakValidator::new(k.clone()))
            }
        };
        Self {
            price_cache: PriceCache::new(config.market.price_cache_ttl),
            db,
            config: Arc::new(config),
            auth,
            metrics,
            market,
            jobs: Arc::new(JobRegistry::standard()),
        }
    }
}
