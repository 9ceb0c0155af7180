//! Upstream services behind capability traits. Real clients take their base URL, key and
//! limits in the constructor; `fake` holds in-memory doubles for handler, domain and job tests.

pub mod coingecko;
pub mod coinpaprika;
pub mod fake;
pub mod http;
pub mod numbers;

use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Market-data providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    CoinGecko,
    CoinPaprika,
}

impl Provider {
    /// The name stored in `asset_prices.source` and used in metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::CoinGecko => "coingecko",
            Provider::CoinPaprika => "coinpaprika",
        }
    }
}

/// Why a call to an upstream failed. Never carries credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    #[error("{provider} is rate limiting us")]
    RateLimited {
        provider: &'static str,
        retry_after: Option<Duration>,
    },
    #[error("{provider} refused the credentials")]
    Unauthorized { provider: &'static str },
    #[error("{provider} answered HTTP {status}: {message}")]
    Upstream {
        provider: &'static str,
        status: u16,
        message: String,
    },
    #[error("{provider} sent an unreadable answer: {message}")]
    Decode {
        provider: &'static str,
        message: String,
    },
    #[error("{provider} did not answer in time")]
    Timeout { provider: &'static str },
    #[error("{provider} cannot be reached: {message}")]
    Network {
        provider: &'static str,
        message: String,
    },
    #[error("{provider} is paused for {retry_in:?} after repeated failures")]
    CircuitOpen {
        provider: &'static str,
        retry_in: Duration,
    },
}

/// A provider's platform id (e.g. `ethereum`, `eth-ethereum`) and the address it lists there,
/// both exactly as the provider sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformAddress {
    pub platform: String,
    pub address: String,
}

/// One coin of a provider's catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoinListing {
    pub provider: Provider,
    /// The provider's id (`bitcoin`, `btc-bitcoin`).
    pub provider_id: String,
    pub symbol: String,
    pub name: String,
    /// Market-cap rank when the catalog carries one (CoinPaprika's `/coins` does).
    pub rank: Option<i32>,
    pub is_active: bool,
    pub platforms: Vec<PlatformAddress>,
}

/// A provider's platform that is an EVM chain (CoinGecko's `/asset_platforms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPlatform {
    pub id: String,
    pub name: String,
    /// EVM chain id when the platform is an EVM chain.
    pub chain_identifier: Option<i64>,
}

/// A USD market quote, every number exact from the provider's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketQuote {
    pub provider: Provider,
    pub provider_id: String,
    pub symbol: String,
    pub name: String,
    pub price_usd: Decimal,
    pub volume_24h_usd: Option<Decimal>,
    pub market_cap_usd: Option<Decimal>,
    pub rank: Option<i32>,
    pub last_updated: Option<DateTime<Utc>>,
}

/// What a multi-request fetch got, and what it could not get.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched<T> {
    pub items: Vec<T>,
    pub failures: Vec<ConnectorError>,
}

/// A provider's list of coins, with contracts where the list carries them.
#[async_trait::async_trait]
pub trait CoinCatalog: Send + Sync {
    fn provider(&self) -> Provider;
    /// Every coin (CoinGecko: `/coins/list?include_platform=true`; CoinPaprika: `/coins`).
    async fn list_coins(&self) -> Result<Vec<CoinListing>, ConnectorError>;
}

/// Per-coin contract look-ups for providers whose list carries none (CoinPaprika's `/coins/{id}`).
#[async_trait::async_trait]
pub trait ContractLookup: Send + Sync {
    async fn coin_contracts(
        &self,
        provider_id: &str,
    ) -> Result<Vec<PlatformAddress>, ConnectorError>;
}

/// Which provider platforms are EVM chains (CoinGecko's `/asset_platforms`).
#[async_trait::async_trait]
pub trait PlatformDirectory: Send + Sync {
    async fn platforms(&self) -> Result<Vec<AssetPlatform>, ConnectorError>;
}

/// USD prices.
#[async_trait::async_trait]
pub trait PriceFeed: Send + Sync {
    fn provider(&self) -> Provider;
    /// The top `limit` coins by market cap (CoinGecko: `/coins/markets`, paged; CoinPaprika:
    /// `/tickers`). A failed page is recorded in `failures`; the other pages are kept.
    async fn top_quotes(&self, limit: usize) -> Fetched<MarketQuote>;
    /// Quotes for these provider ids (CoinGecko: `/simple/price`, batched; CoinPaprika:
    /// `/tickers` filtered). Ids the provider does not know are simply absent.
    async fn quotes_for(&self, provider_ids: &[String]) -> Fetched<MarketQuote>;
}
