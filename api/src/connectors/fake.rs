//! `FakeMarket`: an in-memory market-data provider, and `FakeExchange`: an in-memory exchange
//! account, for handler, domain and job tests, with injectable failures and call counters.

use std::collections::HashMap;
use std::sync::Mutex;

use rust_decimal::Decimal;

use super::{
    AssetPlatform, CoinCatalog, CoinListing, ConnectorError, ContractLookup, ExchangeBalance,
    ExchangeBalances, ExchangeCredentials, ExchangeLocation, Fetched, KeyPermissions, MarketQuote,
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
    DailyPrices,
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
    history: HashMap<String, Vec<(chrono::NaiveDate, Decimal)>>,
    history_requests: Vec<(String, chrono::NaiveDate, chrono::NaiveDate)>,
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

    /// The daily prices `daily_prices` answers for a coin (the days asked for, of these).
    pub fn set_history(&self, provider_id: &str, days: Vec<(chrono::NaiveDate, Decimal)>) {
        self.state().history.insert(provider_id.to_string(), days);
    }

    /// Every `daily_prices` call: the coin and the days asked for, in order.
    pub fn history_requests(&self) -> Vec<(String, chrono::NaiveDate, chrono::NaiveDate)> {
        self.state().history_requests.clone()
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
        image_url: None,
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
impl super::PriceHistory for FakeMarket {
    fn provider(&self) -> Provider {
        self.provider
    }

    async fn daily_prices(
        &self,
        provider_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, Decimal)>, ConnectorError> {
        self.pause().await;
        self.state()
            .history_requests
            .push((provider_id.to_string(), from, to));
        let s = self.enter(FakeCall::DailyPrices)?;
        Ok(s.history
            .get(provider_id)
            .map(|days| {
                days.iter()
                    .filter(|(d, _)| *d >= from && *d <= to)
                    .copied()
                    .collect()
            })
            .unwrap_or_default())
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

/// `FakeExchange`'s calls, for per-method failures and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FakeExchangeCall {
    Balances,
    KeyPermissions,
}

/// Implements `ExchangeBalances` from in-memory data: the same balances and permissions for
/// every key, unless a key has its own; the account uid is [`fake_uid`] of the key unless the
/// permissions set one. Share it as `Arc<FakeExchange>` and change it between
/// calls.
pub struct FakeExchange {
    info: super::ExchangeInfo,
    state: Mutex<ExchangeState>,
}

struct ExchangeState {
    balances: Vec<ExchangeBalance>,
    permissions: KeyPermissions,
    by_key: HashMap<String, (Vec<ExchangeBalance>, KeyPermissions)>,
    fail_all: Option<ConnectorError>,
    fail: HashMap<FakeExchangeCall, ConnectorError>,
    calls: HashMap<FakeExchangeCall, usize>,
    keys_seen: Vec<String>,
}

impl Default for FakeExchange {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeExchange {
    /// An empty OKX account behind a read-only key.
    pub fn new() -> Self {
        Self::of(super::okx::INFO)
    }

    /// An empty Binance account behind a read-only key.
    pub fn binance() -> Self {
        Self::of(super::binance::INFO)
    }

    /// An empty account of the exchange `info` describes, behind a read-only key.
    pub fn of(info: super::ExchangeInfo) -> Self {
        Self {
            info,
            state: Mutex::new(ExchangeState {
                balances: Vec::new(),
                permissions: KeyPermissions {
                    read: true,
                    trade: false,
                    withdraw: false,
                    account_uid: None,
                },
                by_key: HashMap::new(),
                fail_all: None,
                fail: HashMap::new(),
                calls: HashMap::new(),
                keys_seen: Vec::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ExchangeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the balances every key without its own sees.
    pub fn set_balances(&self, balances: Vec<ExchangeBalance>) {
        self.state().balances = balances;
    }

    /// Replaces the permissions every key without its own has.
    pub fn set_permissions(&self, permissions: KeyPermissions) {
        self.state().permissions = permissions;
    }

    /// Gives the account behind `api_key` its own balances and permissions.
    pub fn set_account(
        &self,
        api_key: &str,
        balances: Vec<ExchangeBalance>,
        permissions: KeyPermissions,
    ) {
        self.state()
            .by_key
            .insert(api_key.to_string(), (balances, permissions));
    }

    /// Makes every call fail with this error (`None` heals); per-call failures still apply.
    pub fn fail_with(&self, error: Option<ConnectorError>) {
        self.state().fail_all = error;
    }

    /// Makes one kind of call fail with this error (`None` heals it).
    pub fn fail_call(&self, call: FakeExchangeCall, error: Option<ConnectorError>) {
        let mut s = self.state();
        match error {
            Some(e) => s.fail.insert(call, e),
            None => s.fail.remove(&call),
        };
    }

    /// How many times this kind of call was made, failed ones included.
    pub fn calls(&self, call: FakeExchangeCall) -> usize {
        self.state().calls.get(&call).copied().unwrap_or(0)
    }

    /// All calls made, failed ones included.
    pub fn total_calls(&self) -> usize {
        self.state().calls.values().sum()
    }

    /// The API key of every call, in order (to check the decrypted key reached the connector).
    pub fn keys_seen(&self) -> Vec<String> {
        self.state().keys_seen.clone()
    }

    /// Counts the call and returns its injected failure, if any, else the key's account.
    fn enter(
        &self,
        call: FakeExchangeCall,
        creds: &ExchangeCredentials,
    ) -> Result<(Vec<ExchangeBalance>, KeyPermissions), ConnectorError> {
        let mut s = self.state();
        *s.calls.entry(call).or_default() += 1;
        let key = creds.api_key.expose().clone();
        s.keys_seen.push(key.clone());
        if let Some(e) = s.fail.get(&call).or(s.fail_all.as_ref()) {
            return Err(e.clone());
        }
        Ok(s.by_key
            .get(&key)
            .cloned()
            .unwrap_or_else(|| (s.balances.clone(), s.permissions.clone())))
    }
}

/// The account uid `FakeExchange` reports for a key without one of its own: one exchange
/// account per key, so two keys are two accounts unless a test says otherwise.
pub fn fake_uid(api_key: &str) -> String {
    format!("uid-of-{api_key}")
}

/// A balance for tests.
pub fn balance(
    currency: &str,
    location: ExchangeLocation,
    total: Decimal,
    free: Option<Decimal>,
) -> ExchangeBalance {
    ExchangeBalance {
        currency: currency.to_string(),
        location,
        total,
        free,
        total_text: None,
    }
}

#[async_trait::async_trait]
impl ExchangeBalances for FakeExchange {
    fn info(&self) -> super::ExchangeInfo {
        self.info
    }

    async fn balances(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<super::ExchangeReading, ConnectorError> {
        Ok(super::ExchangeReading {
            balances: self.enter(FakeExchangeCall::Balances, creds)?.0,
            failed: Vec::new(),
        })
    }

    async fn key_permissions(
        &self,
        creds: &ExchangeCredentials,
    ) -> Result<KeyPermissions, ConnectorError> {
        let mut p = self.enter(FakeExchangeCall::KeyPermissions, creds)?.1;
        if p.account_uid.is_none() {
            p.account_uid = Some(fake_uid(creds.api_key.expose()));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

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

    fn creds(key: &str) -> ExchangeCredentials {
        ExchangeCredentials {
            api_key: Secret::new(key.into()),
            api_secret: Secret::new("secret".into()),
            passphrase: Secret::new("pass".into()),
        }
    }

    #[tokio::test]
    async fn the_fake_exchange_answers_per_key_and_fails_on_demand() {
        let x = FakeExchange::new();
        let btc = balance("BTC", ExchangeLocation::Trading, Decimal::ONE, None);
        x.set_balances(vec![btc.clone()]);
        let trader = KeyPermissions {
            read: true,
            trade: true,
            withdraw: false,
            account_uid: Some("42".into()),
        };
        x.set_account("other", vec![], trader.clone());
        assert_eq!(x.balances(&creds("k1")).await.unwrap().balances, vec![btc]);
        assert_eq!(x.balances(&creds("other")).await.unwrap().balances, vec![]);
        assert_eq!(x.key_permissions(&creds("other")).await, Ok(trader));
        assert_eq!(
            x.key_permissions(&creds("k1")).await.unwrap().account_uid,
            Some(fake_uid("k1")),
            "a key without its own uid is its own account"
        );
        assert!(!x.key_permissions(&creds("k1")).await.unwrap().trade);
        let refused = ConnectorError::Refused {
            provider: "okx",
            reason: "the passphrase is wrong".into(),
        };
        x.fail_call(FakeExchangeCall::Balances, Some(refused.clone()));
        assert_eq!(x.balances(&creds("k1")).await, Err(refused));
        assert!(x.key_permissions(&creds("k1")).await.is_ok());
        x.fail_call(FakeExchangeCall::Balances, None);
        assert!(x.balances(&creds("k1")).await.is_ok());
        assert_eq!(x.calls(FakeExchangeCall::Balances), 4);
        assert_eq!(x.total_calls(), 8);
        assert_eq!(x.keys_seen()[..2], ["k1", "other"]);
    }
}

use super::{ChainBalances, ChainReading, ChainTarget, RawAmount, TokenMeta, TokenRead};

/// Implements `ChainBalances` from in-memory data, with an injectable failure per chain and a
/// call counter. Unset native balances read `"0"`; unset token balances read `"0"` too (an
/// ERC-20 answers 0 for a wallet it never saw), except tokens marked with
/// [`FakeChains::set_no_balance`] (not a token) or [`FakeChains::fail_token`] (a failed call). Chains and wallets match by name and by
/// lowercase address. Share it as `Arc<FakeChains>` and change it between calls.
#[derive(Default)]
pub struct FakeChains {
    state: Mutex<ChainsState>,
}

#[derive(Default)]
struct ChainsState {
    native: HashMap<(String, String), RawAmount>,
    tokens: HashMap<(String, String, String), RawAmount>,
    unread: HashMap<(String, String), TokenRead>,
    fail: HashMap<String, ConnectorError>,
    calls: HashMap<String, usize>,
    reads: Vec<(String, String)>,
    chain_ids: HashMap<String, u64>,
    meta: HashMap<(String, String), TokenMeta>,
    meta_calls: usize,
}

impl FakeChains {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ChainsState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets a wallet's native balance on a chain (raw digits).
    pub fn set_native(&self, chain: &str, wallet: &str, raw: &str) {
        self.state().native.insert(
            (chain.to_string(), wallet.to_ascii_lowercase()),
            raw.to_string(),
        );
    }

    /// Sets a wallet's balance of a token on a chain (raw digits).
    pub fn set_token(&self, chain: &str, wallet: &str, token: &str, raw: &str) {
        self.state().tokens.insert(
            (
                chain.to_string(),
                wallet.to_ascii_lowercase(),
                token.to_ascii_lowercase(),
            ),
            raw.to_string(),
        );
    }

    /// Sets what a token says of itself (`token_metadata`); a token never set answers nothing
    /// (not a token).
    pub fn set_token_meta(&self, chain: &str, token: &str, symbol: &str, name: &str, decimals: u8) {
        self.state().meta.insert(
            (chain.to_string(), token.to_ascii_lowercase()),
            TokenMeta {
                decimals: Some(decimals),
                symbol: Some(symbol.to_string()),
                name: Some(name.to_string()),
            },
        );
    }

    /// How many `token_metadata` batches were asked for.
    pub fn meta_calls(&self) -> usize {
        self.state().meta_calls
    }

    /// Makes a token read as "not a token" (no code at the address) for every wallet.
    pub fn set_no_balance(&self, chain: &str, token: &str) {
        self.state().unread.insert(
            (chain.to_string(), token.to_ascii_lowercase()),
            TokenRead::NotAToken("no contract is deployed at this address".into()),
        );
    }

    /// Makes a token's read fail (a revert or a short answer) for every wallet; `false` heals it.
    pub fn fail_token(&self, chain: &str, token: &str, failing: bool) {
        let key = (chain.to_string(), token.to_ascii_lowercase());
        let mut s = self.state();
        if failing {
            s.unread
                .insert(key, TokenRead::Failed("balanceOf reverted".into()));
        } else {
            s.unread.remove(&key);
        }
    }

    /// Makes every read of this chain fail with this error (`None` heals it).
    pub fn fail_chain(&self, chain: &str, error: Option<ConnectorError>) {
        let mut s = self.state();
        match error {
            Some(e) => s.fail.insert(chain.to_string(), e),
            None => s.fail.remove(chain),
        };
    }

    /// Makes the node at `rpc_url` answer `eth_chainId` with `chain_id`; an RPC URL never set
    /// does not answer (a network error).
    pub fn set_chain_id(&self, rpc_url: &str, chain_id: u64) {
        self.state().chain_ids.insert(rpc_url.to_string(), chain_id);
    }

    /// Reads of this chain, failed ones included.
    pub fn calls(&self, chain: &str) -> usize {
        self.state().calls.get(chain).copied().unwrap_or(0)
    }

    /// Reads of every chain, failed ones included.
    pub fn total_calls(&self) -> usize {
        self.state().calls.values().sum()
    }

    /// Every `(chain, wallet)` read, in order, failed ones included.
    pub fn reads(&self) -> Vec<(String, String)> {
        self.state().reads.clone()
    }
}

#[async_trait::async_trait]
impl ChainBalances for FakeChains {
    async fn token_metadata(
        &self,
        chain: &ChainTarget,
        tokens: &[String],
    ) -> Result<Vec<TokenMeta>, ConnectorError> {
        let mut s = self.state();
        if let Some(e) = s.fail.get(&chain.chain_name) {
            return Err(e.clone());
        }
        s.meta_calls += 1;
        Ok(tokens
            .iter()
            .map(|t| {
                s.meta
                    .get(&(chain.chain_name.clone(), t.to_ascii_lowercase()))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect())
    }

    async fn chain_id(&self, _chain_name: &str, rpc_url: &str) -> Result<u64, ConnectorError> {
        self.state()
            .chain_ids
            .get(rpc_url)
            .copied()
            .ok_or_else(|| ConnectorError::Network {
                provider: "evm",
                message: "eth_chainId: connection refused".into(),
            })
    }

    /// Reports `1 + ceil(tokens / 500)` requests, as a warm `EvmClient` with Multicall3 would.
    async fn read(
        &self,
        chain: &ChainTarget,
        wallet: &str,
    ) -> Result<ChainReading, ConnectorError> {
        let mut s = self.state();
        let name = chain.chain_name.clone();
        let wallet = wallet.to_ascii_lowercase();
        *s.calls.entry(name.clone()).or_default() += 1;
        s.reads.push((name.clone(), wallet.clone()));
        if let Some(e) = s.fail.get(&name) {
            return Err(e.clone());
        }
        let native = s
            .native
            .get(&(name.clone(), wallet.clone()))
            .cloned()
            .unwrap_or_else(|| "0".into());
        let tokens = chain
            .tokens
            .iter()
            .map(|t| {
                let token = t.address.to_ascii_lowercase();
                let read = match s.unread.get(&(name.clone(), token.clone())) {
                    Some(r) => r.clone(),
                    None => TokenRead::Balance(
                        s.tokens
                            .get(&(name.clone(), wallet.clone(), token))
                            .cloned()
                            .unwrap_or_else(|| "0".into()),
                    ),
                };
                (t.address.clone(), read)
            })
            .collect();
        Ok(ChainReading {
            chain_name: name,
            native,
            tokens,
            block: None,
            requests: 1 + chain.tokens.len().div_ceil(500),
        })
    }
}

#[cfg(test)]
mod chain_tests {
    use super::*;
    use crate::connectors::TokenTarget;

    fn chain(name: &str, tokens: &[&str]) -> ChainTarget {
        ChainTarget {
            chain_name: name.into(),
            chain_id: 1,
            rpc_url: "http://127.0.0.1:1".into(),
            native_symbol: "ETH".into(),
            native_decimals: 18,
            tokens: tokens
                .iter()
                .map(|a| TokenTarget {
                    address: a.to_string(),
                    symbol: "TST".into(),
                    decimals: 18,
                })
                .collect(),
            multicall3_address: None,
        }
    }

    #[tokio::test]
    async fn fake_chains_answer_from_memory_and_fail_per_chain_until_healed() {
        let f = FakeChains::new();
        let (usdc, dead) = ("0xa0b8", "0xdead");
        f.set_native("ethereum", "0xABC", "5");
        f.set_token("ethereum", "0xabc", usdc, "1000000");
        f.set_no_balance("ethereum", dead);
        let got = f
            .read(&chain("ethereum", &[usdc, dead, "0xbeef"]), "0xAbC")
            .await
            .unwrap();
        assert_eq!(got.native, "5");
        assert_eq!(
            got.tokens,
            vec![
                (usdc.to_string(), TokenRead::Balance("1000000".to_string())),
                (
                    dead.to_string(),
                    TokenRead::NotAToken("no contract is deployed at this address".into())
                ),
                ("0xbeef".to_string(), TokenRead::Balance("0".to_string())),
            ]
        );
        assert_eq!(got.requests, 2, "1 + ceil(3 / 500)");

        let down = ConnectorError::Timeout {
            provider: "evm:base",
        };
        f.fail_chain("base", Some(down.clone()));
        assert_eq!(f.read(&chain("base", &[]), "0xabc").await, Err(down));
        assert!(f.read(&chain("ethereum", &[]), "0xabc").await.is_ok());
        f.fail_chain("base", None);
        assert_eq!(
            f.read(&chain("base", &[]), "0xabc").await.unwrap().native,
            "0"
        );
        assert_eq!(f.calls("base"), 2);
        assert_eq!(f.total_calls(), 4);
        assert_eq!(f.reads()[0], ("ethereum".to_string(), "0xabc".to_string()));
    }
}
