//! Upstream services behind capability traits. Real clients take their base URL, key and
//! limits in the constructor; `fake` holds in-memory doubles for handler, domain and job tests,
//! built only for tests (the `test-support` feature, which the integration tests turn on), never
//! into the API's binary.

pub mod binance;
pub mod coingecko;
pub mod coinpaprika;
pub mod defi;
pub mod esplora;
pub mod evm;
#[cfg(any(test, feature = "test-support"))]
pub mod fake;
#[cfg(any(test, feature = "test-support"))]
pub mod fake_solana;
pub mod history;
pub mod http;
pub mod numbers;
pub mod okx;
pub mod rpc_guard;
pub mod solana;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

// The catalog's data types belong to the domain; connectors map their answers into them.
pub use crate::domain::market::{AssetPlatform, CoinListing, PlatformAddress, Provider};

use crate::config::Config;
use crate::metrics::Metrics;
use binance::BinanceClient;
use coingecko::CoinGeckoClient;
use coinpaprika::CoinPaprikaClient;
use evm::EvmClient;
use okx::OkxClient;
use rpc_guard::GuardedChains;
use solana::{SolanaBalances, SolanaClient};

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
    /// The upstream understood the request and refused it, with its reason in words
    /// (e.g. OKX 50105: wrong passphrase).
    #[error("{provider} refused the request: {reason}")]
    Refused {
        provider: &'static str,
        reason: String,
    },
    #[error("{provider} is paused for {} after repeated failures", duration_words(*.retry_in))]
    CircuitOpen {
        provider: &'static str,
        retry_in: Duration,
    },
}

/// A wait in words, rounded to the second: "45 s", "2 min 0 s", "1 h 5 min" (not `119.999890055s`).
pub fn duration_words(d: Duration) -> String {
    let s = (d.as_millis() + 500) / 1000;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
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
    /// The coin's logo (CoinGecko's `image`), when the provider gives one.
    pub image_url: Option<String>,
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

/// Daily USD prices in the past.
#[async_trait::async_trait]
pub trait PriceHistory: Send + Sync {
    fn provider(&self) -> Provider;
    /// The price at the end of each UTC day from `from` to `to` (inclusive) that the provider
    /// knows, for its coin `provider_id`, in one request: the point at 00:00 UTC of the next
    /// day, else the day's latest point ([`end_of_day_prices`]).
    async fn daily_prices(
        &self,
        provider_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, Decimal)>, ConnectorError>;
}

/// Timed prices reduced to one per UTC day: a point at 00:00:00 closes the day before, any
/// other point belongs to its own day; the latest point of a day wins. Days outside `from` to
/// `to` are dropped.
pub fn end_of_day_prices(
    points: impl IntoIterator<Item = (DateTime<Utc>, Decimal)>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Vec<(chrono::NaiveDate, Decimal)> {
    let mut days: std::collections::BTreeMap<chrono::NaiveDate, (DateTime<Utc>, Decimal)> =
        std::collections::BTreeMap::new();
    for (at, price) in points {
        let day = (at - chrono::Duration::milliseconds(1)).date_naive();
        if day < from || day > to {
            continue;
        }
        match days.get(&day) {
            Some((seen, _)) if *seen >= at => {}
            _ => {
                days.insert(day, (at, price));
            }
        }
    }
    days.into_iter().map(|(d, (_, p))| (d, p)).collect()
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

/// Read-only exchange credentials, decrypted only for the length of a call.
#[derive(Clone)]
pub struct ExchangeCredentials {
    pub api_key: crate::config::Secret<String>,
    pub api_secret: crate::config::Secret<String>,
    pub passphrase: crate::config::Secret<String>,
}

/// Where a balance sits on an exchange (the location names holdings carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExchangeLocation {
    /// OKX's trading (unified) account.
    Trading,
    /// Binance's spot wallet.
    Spot,
    Funding,
    /// Simple earn / savings, flexible and locked.
    Earn,
    /// Staking and on-chain earn (OKX `staking-defi`).
    Staked,
}

impl ExchangeLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeLocation::Trading => "trading",
            ExchangeLocation::Spot => "spot",
            ExchangeLocation::Funding => "funding",
            ExchangeLocation::Earn => "earn",
            ExchangeLocation::Staked => "staked",
        }
    }
}

/// One currency's balance in one place of an exchange account, exact from the exchange's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeBalance {
    /// The exchange's currency code, e.g. `BTC`.
    pub currency: String,
    pub location: ExchangeLocation,
    /// Negative for a liability (a margin borrow). Zero when [`ExchangeBalance::total_text`]
    /// is set.
    pub total: Decimal,
    /// Available to trade or withdraw, where the exchange says.
    pub free: Option<Decimal>,
    /// The exchange's text of a total with more digits than a `Decimal` holds (kept exactly,
    /// flagged `out_of_range`, left out of totals).
    pub total_text: Option<String>,
}

/// What one read of an exchange account got: the balances of every location read, and why
/// each other location could not be read (those keep their previous balances).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExchangeReading {
    pub balances: Vec<ExchangeBalance>,
    /// Locations whose read failed, in [`ExchangeInfo::locations`] order, with why.
    pub failed: Vec<(ExchangeLocation, ConnectorError)>,
}

impl ExchangeReading {
    /// Each location's own result, gathered. The reading fails as a whole when every location
    /// failed, or when one failed for a reason about the whole key (`about_the_key`: a wrong
    /// secret, a clock outside the exchange's window), so a bad key never passes for one empty
    /// location.
    pub fn gather(
        parts: Vec<(
            ExchangeLocation,
            Result<Vec<ExchangeBalance>, ConnectorError>,
        )>,
        about_the_key: impl Fn(&ConnectorError) -> bool,
    ) -> Result<Self, ConnectorError> {
        let mut reading = ExchangeReading::default();
        let mut read_any = false;
        for (location, part) in parts {
            match part {
                Ok(balances) => {
                    read_any = true;
                    reading.balances.extend(balances);
                }
                Err(e) => reading.failed.push((location, e)),
            }
        }
        if let Some((_, e)) = reading.failed.iter().find(|(_, e)| about_the_key(e)) {
            return Err(e.clone());
        }
        match reading.failed.first() {
            Some((_, e)) if !read_any => Err(e.clone()),
            _ => Ok(reading),
        }
    }
}

/// What an API key may do, and which exchange account it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPermissions {
    pub read: bool,
    pub trade: bool,
    pub withdraw: bool,
    /// The exchange's id of the account behind the key (OKX and Binance `uid`), when it says.
    pub account_uid: Option<String>,
}

/// A credential an exchange's API keys consist of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CredentialField {
    /// The request field that carries it: `api_key`, `api_secret` or `passphrase`.
    pub field: &'static str,
    /// What the exchange calls it.
    pub label: &'static str,
}

/// What the add-account form and the account handlers need to know about an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeInfo {
    /// The `exchange_name` of its accounts: `okx`, `binance`.
    pub name: &'static str,
    pub display_name: &'static str,
    /// The credentials a key needs, in the order the form asks for them.
    pub credentials: &'static [CredentialField],
    /// Every location a sync reads (each on its own: one that fails keeps its last good read).
    pub locations: &'static [ExchangeLocation],
}

impl ExchangeInfo {
    /// Whether keys of this exchange have a passphrase.
    pub fn needs(&self, field: &str) -> bool {
        self.credentials.iter().any(|c| c.field == field)
    }
}

/// One exchange, read-only: what every exchange connector implements. Each connector keeps its
/// own rate-limit policy (OKX: token buckets per client and per key; Binance: the weight it
/// reads back from every answer) and maps the exchange's error codes to [`ConnectorError`]s
/// whose `Refused` reasons are plain words. Register a new one in
/// [`Connectors::real`].
#[async_trait::async_trait]
pub trait ExchangeBalances: Send + Sync {
    /// Its name, credentials and locations.
    fn info(&self) -> ExchangeInfo;
    /// Every non-empty balance of every location in [`ExchangeInfo::locations`] that could be
    /// read, and why the others could not (see [`ExchangeReading::gather`]); an error when
    /// nothing could be read or the key itself was refused.
    async fn balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<ExchangeReading, ConnectorError>;
    /// The key's permissions and the id of the exchange account behind it.
    async fn key_permissions(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<KeyPermissions, ConnectorError>;
    /// The credential field a refusal's reason is about (`api_key`, `api_secret`,
    /// `passphrase`), or `credentials` when it does not say.
    /// Its history reader, when it has one.
    fn history(&self) -> Option<&dyn history::ExchangeHistory> {
        None
    }
    fn refused_field(&self, reason: &str) -> &'static str {
        let reason = reason.to_lowercase();
        if reason.contains("passphrase") {
            "passphrase"
        } else if reason.contains("signature") || reason.contains("secret") {
            "api_secret"
        } else if reason.contains("key") {
            "api_key"
        } else {
            "credentials"
        }
    }
}

/// Every exchange the Butler can read, by name: the one place a connector is registered.
#[derive(Clone, Default)]
pub struct ExchangeRegistry {
    exchanges: Vec<std::sync::Arc<dyn ExchangeBalances>>,
}

impl ExchangeRegistry {
    /// Adds an exchange (a later one of the same name replaces the earlier).
    pub fn with(mut self, exchange: std::sync::Arc<dyn ExchangeBalances>) -> Self {
        let name = exchange.info().name;
        self.exchanges.retain(|e| e.info().name != name);
        self.exchanges.push(exchange);
        self
    }

    /// The exchange of this `exchange_name`.
    pub fn get(&self, name: &str) -> Option<&std::sync::Arc<dyn ExchangeBalances>> {
        self.exchanges.iter().find(|e| e.info().name == name)
    }

    /// Every exchange, in registration order.
    pub fn all(&self) -> impl Iterator<Item = &std::sync::Arc<dyn ExchangeBalances>> {
        self.exchanges.iter()
    }

    /// The names, comma-separated (for error messages).
    pub fn names(&self) -> String {
        self.exchanges
            .iter()
            .map(|e| e.info().name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A token of a chain's registry to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenTarget {
    /// Lowercase `0x` + 40 hex.
    pub address: String,
    pub symbol: String,
    pub decimals: u8,
}

/// One chain to read a wallet on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainTarget {
    pub chain_name: String,
    pub chain_id: i64,
    pub rpc_url: String,
    pub native_symbol: String,
    pub native_decimals: u8,
    pub tokens: Vec<TokenTarget>,
    /// The chain row's Multicall3 address; `None` means the canonical one.
    pub multicall3_address: Option<String>,
}

/// A raw on-chain amount: base-10 digits of an unsigned integer up to 2^256 - 1.
pub type RawAmount = String;

/// What a chain said about one token of one wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRead {
    /// `balanceOf` answered this raw amount.
    Balance(RawAmount),
    /// Nothing is deployed at the address (or it is not an address): not a token, so no
    /// holding; the reason is shown on the location.
    NotAToken(String),
    /// The contract exists but the call failed (revert, short or empty answer): the balance is
    /// unknown, so the previous one is kept.
    Failed(String),
}

impl TokenRead {
    /// The raw amount, when the read gave one.
    pub fn balance(&self) -> Option<&str> {
        match self {
            TokenRead::Balance(raw) => Some(raw),
            _ => None,
        }
    }
}

/// What one chain said about one wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReading {
    pub chain_name: String,
    pub native: RawAmount,
    /// One entry per requested token, in request order.
    pub tokens: Vec<(String, TokenRead)>,
    /// The block every balance of this reading was read at, when the chain said.
    pub block: Option<u64>,
    /// JSON-RPC requests this reading took.
    pub requests: usize,
}

/// What a token contract says of itself (`decimals()`, `symbol()`, `name()`); `None` where
/// the call failed or answered nothing usable. No decimals: not an ERC-20.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenMeta {
    pub decimals: Option<u8>,
    pub symbol: Option<String>,
    pub name: Option<String>,
}

/// Native and token balances of a wallet on EVM chains.
#[async_trait::async_trait]
pub trait ChainBalances: Send + Sync {
    async fn read(&self, chain: &ChainTarget, wallet: &str)
        -> Result<ChainReading, ConnectorError>;
    /// Several wallets on one chain, one reading per wallet in `wallets` order. A client with
    /// Multicall3 shares its batches between the wallets (each reading's `requests` is then
    /// the whole batch's); the default reads them one after another.
    async fn read_wallets(
        &self,
        chain: &ChainTarget,
        wallets: &[String],
    ) -> Result<Vec<ChainReading>, ConnectorError> {
        let mut out = Vec::with_capacity(wallets.len());
        for w in wallets {
            out.push(self.read(chain, w).await?);
        }
        Ok(out)
    }
    /// `decimals`, `symbol` and `name` of each token (one entry per token, in order), in one
    /// Multicall3 batch where the chain has it. `chain.tokens` is ignored.
    async fn token_metadata(
        &self,
        chain: &ChainTarget,
        tokens: &[String],
    ) -> Result<Vec<TokenMeta>, ConnectorError>;
    /// The chain id the node at `rpc_url` serves (`eth_chainId`), to check a chain row
    /// before it is stored; `chain_name` only labels errors and metrics.
    async fn chain_id(&self, chain_name: &str, rpc_url: &str) -> Result<u64, ConnectorError>;
    /// A wallet's DeFi positions on one chain (Aave v3, Uniswap v3; see [`defi`]). A reader
    /// that knows no protocols (the fakes) finds none.
    async fn defi_positions(
        &self,
        _target: &defi::DefiTarget,
        _wallet: &str,
    ) -> Result<defi::DefiReading, ConnectorError> {
        Ok(defi::DefiReading::none())
    }
    /// The DeFi positions of several wallets on one chain, one reading per wallet in order;
    /// a reader that can shares its requests between them.
    async fn defi_positions_wallets(
        &self,
        target: &defi::DefiTarget,
        wallets: &[String],
    ) -> Result<Vec<defi::DefiReading>, ConnectorError> {
        let mut out = Vec::with_capacity(wallets.len());
        for w in wallets {
            out.push(self.defi_positions(target, w).await?);
        }
        Ok(out)
    }
}

/// The market-data connectors, one per capability.
#[derive(Clone)]
pub struct MarketConnectors {
    pub gecko_catalog: Arc<dyn CoinCatalog>,
    pub gecko_platforms: Arc<dyn PlatformDirectory>,
    pub gecko_prices: Arc<dyn PriceFeed>,
    pub paprika_catalog: Arc<dyn CoinCatalog>,
    pub paprika_contracts: Arc<dyn ContractLookup>,
    pub paprika_prices: Arc<dyn PriceFeed>,
    pub gecko_history: Arc<dyn PriceHistory>,
    pub paprika_history: Arc<dyn PriceHistory>,
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
            gecko_prices: gecko.clone(),
            gecko_history: gecko,
            paprika_catalog: paprika.clone(),
            paprika_contracts: paprika.clone(),
            paprika_prices: paprika.clone(),
            paprika_history: paprika,
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

#[cfg(test)]
mod duration_tests {
    use super::*;

    #[test]
    fn a_pause_is_said_in_minutes_and_seconds() {
        let e = ConnectorError::CircuitOpen {
            provider: "coingecko",
            retry_in: Duration::from_nanos(119_999_890_055),
        };
        assert_eq!(
            e.to_string(),
            "coingecko is paused for 2 min 0 s after repeated failures"
        );
        assert_eq!(duration_words(Duration::from_secs(45)), "45 s");
        assert_eq!(duration_words(Duration::from_secs(3900)), "1 h 5 min");
    }
}
