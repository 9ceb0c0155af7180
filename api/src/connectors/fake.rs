//! `FakeMarket`: an in-memory market-data provider for handler, domain and job tests, with
//! injectable failures and call counters.

use std::collections::HashMap;
use std::sync::Mutex;

use rust_decimal::Decimal;

use super::{
    AssetPlatform, CoinCatalog, CoinListing, ConnectorError, ContractLookup, Fetched, MarketQuote,
    PlatformAddress, PlatformDirectory, PriceFeed, Provider,
};

/// The fake's calls, for per-method failures and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FakeCall {
    ListCoins,
    CoinContracts,
    Platforms,
    TopQuotes,
    QuotesFor,
}

/// Implements `CoinCatalog`, `ContractLookup`, `PlatformDirectory` and `PriceFeed` from
/// in-memory data. Share it as `Arc<FakeMarket>` and change it between calls.
pub struct FakeMarket {
    provider: Provider,
    state: Mutex<State>,
    delay: Mutex<std::time::Duration>,
}

#[derive(Default)]
struct State {
    coins: Vec<CoinListing>,
    contracts: HashMap<String, Vec<PlatformAddress>>,
    platforms: Vec<AssetPlatform>,
    quotes: Vec<MarketQuote>,
    fail_all: Option<ConnectorError>,
    fail: HashMap<FakeCall, ConnectorError>,
    calls: HashMap<FakeCall, usize>,
    quotes_for_requests: Vec<Vec<String>>,
}

impl FakeMarket {
    /// An empty market for this provider.
    pub fn new(provider: Provider) -> Self {
        Self {
            provider,
            state: Mutex::default(),
            delay: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes every call wait this long before answering (for overlap tests).
    pub fn set_delay(&self, delay: std::time::Duration) {
        *self.delay.lock().unwrap_or_else(|e| e.into_inner()) = delay;
    }

    async fn pause(&self) {
        let d = *self.delay.lock().unwrap_or_else(|e| e.into_inner());
        if !d.is_zero() {
            tokio::time::sleep(d).await;
        }
    }

    /// Replaces the coin list (`list_coins`).
    pub fn set_coins(&self, coins: Vec<CoinListing>) {
        self.state().coins = coins;
    }

    /// Sets one coin's contracts (`coin_contracts`); unknown ids answer HTTP 404.
    pub fn set_contracts(&self, provider_id: &str, contracts: Vec<PlatformAddress>) {
        self.state()
            .contracts
            .insert(provider_id.to_string(), contracts);
    }

    /// Replaces the asset platforms (`platforms`).
    pub fn set_platforms(&self, platforms: Vec<AssetPlatform>) {
        self.state().platforms = platforms;
    }

    /// Replaces the quotes `top_quotes` (by rank, unranked last) and `quotes_for` answer from.
    pub fn set_quotes(&self, quotes: Vec<MarketQuote>) {
        self.state().quotes = quotes;
    }

    /// Makes every call fail with this error (`None` heals); per-call failures still apply.
    pub fn fail_with(&self, error: Option<ConnectorError>) {
        self.state().fail_all = error;
    }

    /// Makes one kind of call fail with this error (`None` heals it).
    pub fn fail_call(&self, call: FakeCall, error: Option<ConnectorError>) {
        let mut s = self.state();
        match error {
            Some(e) => s.fail.insert(call, e),
            None => s.fail.remove(&call),
        };
    }

    /// How many times this kind of call was made, failed ones included.
    pub fn calls(&self, call: FakeCall) -> usize {
        self.state().calls.get(&call).copied().unwrap_or(0)
    }

    /// All calls made, failed ones included.
    pub fn total_calls(&self) -> usize {
        self.state().calls.values().sum()
    }

    /// The ids of every `quotes_for` call, in order.
    pub fn quotes_for_requests(&self) -> Vec<Vec<String>> {
        self.state().quotes_for_requests.clone()
    }

    /// Counts the call and returns its injected failure, if any.
    fn enter(&self, call: FakeCall) -> Result<std::sync::MutexGuard<'_, State>, ConnectorError> {
        let mut s = self.state();
        *s.calls.entry(call).or_default() += 1;
        match s.fail.get(&call).or(s.fail_all.as_ref()) {
            Some(e) => Err(e.clone()),
            None => Ok(s),
        }
    }
}

/// A quote with only a price and a rank set, for tests.
pub fn quote(
    provider: Provider,
    id: &str,
    symbol: &str,
    price: Decimal,
    rank: Option<i32>,
) -> MarketQuote {
    MarketQuote {
        provider,
        provider_id: id.to_string(),
        symbol: symbol.to_string(),
        name: symbol.to_string(),
        price_usd: price,
        volume_24h_usd: None,
        market_cap_usd: None,
        rank,
        last_updated: None,
    }
}

/// A listing with these platforms `(platform, address)`, for tests.
pub fn listing(
    provider: Provider,
    id: &str,
    symbol: &str,
    platforms: &[(&str, &str)],
) -> CoinListing {
    CoinListing {
        provider,
        provider_id: id.to_string(),
        symbol: symbol.to_string(),
        name: symbol.to_string(),
        rank: None,
        is_active: true,
        platforms: platforms
            .iter()
            .map(|(platform, address)| PlatformAddress {
                platform: platform.to_string(),
                address: address.to_string(),
            })
            .collect(),
    }
}

#[async_trait::async_trait]
impl CoinCatalog for FakeMarket {
    fn provider(&self) -> Provider {
        self.provider
    }

    async fn list_coins(&self) -> Result<Vec<CoinListing>, ConnectorError> {
        self.pause().await;
        Ok(self.enter(FakeCall::ListCoins)?.coins.clone())
    }
}

#[async_trait::async_trait]
impl ContractLookup for FakeMarket {
    async fn coin_contracts(
        &self,
        provider_id: &str,
    ) -> Result<Vec<PlatformAddress>, ConnectorError> {
        self.pause().await;
        let s = self.enter(FakeCall::CoinContracts)?;
        s.contracts
            .get(provider_id)
            .cloned()
            .ok_or_else(|| ConnectorError::Upstream {
                provider: self.provider.as_str(),
                status: 404,
                message: format!("GET /coins/{provider_id}: id not found"),
            })
    }
}

#[async_trait::async_trait]
impl PlatformDirectory for FakeMarket {
    async fn platforms(&self) -> Result<Vec<AssetPlatform>, ConnectorError> {
        self.pause().await;
        Ok(self.enter(FakeCall::Platforms)?.platforms.clone())
    }
}

#[async_trait::async_trait]
impl PriceFeed for FakeMarket {
    fn provider(&self) -> Provider {
        self.provider
    }

    async fn top_quotes(&self, limit: usize) -> Fetched<MarketQuote> {
        self.pause().await;
        match self.enter(FakeCall::TopQuotes) {
            Ok(s) => {
                let mut items = s.quotes.clone();
                items.sort_by_key(|q| q.rank.unwrap_or(i32::MAX));
                items.truncate(limit);
                Fetched {
                    items,
                    failures: Vec::new(),
                }
            }
            Err(e) => Fetched {
                items: Vec::new(),
                failures: vec![e],
            },
        }
    }

    async fn quotes_for(&self, provider_ids: &[String]) -> Fetched<MarketQuote> {
        self.pause().await;
        self.state().quotes_for_requests.push(provider_ids.to_vec());
        match self.enter(FakeCall::QuotesFor) {
            Ok(s) => Fetched {
                items: s
                    .quotes
                    .iter()
                    .filter(|q| provider_ids.contains(&q.provider_id))
                    .cloned()
                    .collect(),
                failures: Vec::new(),
            },
            Err(e) => Fetched {
                items: Vec::new(),
                failures: vec![e],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn market() -> FakeMarket {
        let m = FakeMarket::new(Provider::CoinGecko);
        m.set_quotes(vec![
            quote(
                Provider::CoinGecko,
                "ethereum",
                "eth",
                Decimal::new(3000, 0),
                Some(2),
            ),
            quote(
                Provider::CoinGecko,
                "bitcoin",
                "btc",
                Decimal::new(60000, 0),
                Some(1),
            ),
            quote(Provider::CoinGecko, "dust", "dst", Decimal::new(1, 3), None),
        ]);
        m
    }

    #[tokio::test]
    async fn top_quotes_come_by_rank_and_respect_the_limit() {
        let m = market();
        let got = m.top_quotes(2).await;
        let ids: Vec<_> = got.items.iter().map(|q| q.provider_id.as_str()).collect();
        assert_eq!(ids, ["bitcoin", "ethereum"]);
        assert!(got.failures.is_empty());
    }

    #[tokio::test]
    async fn an_injected_failure_is_returned_and_counted_until_healed() {
        let m = market();
        let down = ConnectorError::Timeout {
            provider: "coingecko",
        };
        m.fail_with(Some(down.clone()));
        assert_eq!(m.top_quotes(5).await.failures, vec![down.clone()]);
        assert_eq!(m.list_coins().await, Err(down));
        m.fail_with(None);
        m.fail_call(
            FakeCall::QuotesFor,
            Some(ConnectorError::Unauthorized {
                provider: "coingecko",
            }),
        );
        assert_eq!(m.top_quotes(5).await.items.len(), 3);
        assert_eq!(m.quotes_for(&["bitcoin".into()]).await.failures.len(), 1);
        assert_eq!(m.calls(FakeCall::TopQuotes), 2);
        assert_eq!(m.total_calls(), 4);
        assert_eq!(m.quotes_for_requests(), vec![vec!["bitcoin".to_string()]]);
    }

    #[tokio::test]
    async fn unknown_contract_ids_answer_not_found() {
        let m = market();
        m.set_contracts("tether", vec![]);
        assert_eq!(m.coin_contracts("tether").await, Ok(vec![]));
        assert!(matches!(
            m.coin_contracts("nope").await,
            Err(ConnectorError::Upstream { status: 404, .. })
        ));
    }
}
