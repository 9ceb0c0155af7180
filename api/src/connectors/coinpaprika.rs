//! CoinPaprika (`/v1`): the coin list, per-coin contracts and USD tickers.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::AUTHORIZATION;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::http::UpstreamClient;
use super::numbers;
use super::{
    CoinCatalog, CoinListing, ConnectorError, ContractLookup, Fetched, MarketQuote,
    PlatformAddress, PriceFeed, PriceHistory, Provider,
};
use crate::config::ProviderConfig;
use crate::metrics::Metrics;

/// CoinPaprika's API, keyless or with a paid plan's key.
pub struct CoinPaprikaClient {
    http: UpstreamClient,
}

impl CoinPaprikaClient {
    /// A client for `cfg.base_url`; a key goes in the `Authorization` header as is.
    pub fn new(cfg: &ProviderConfig, metrics: Arc<Metrics>) -> Self {
        let mut http = UpstreamClient::new(Provider::CoinPaprika, cfg, metrics);
        if let Some(key) = &cfg.api_key {
            http = http.with_secret_header(AUTHORIZATION, key);
        }
        Self { http }
    }

    /// See [`UpstreamClient::with_retry_after_cap`].
    pub fn with_retry_after_cap(mut self, cap: Duration) -> Self {
        self.http = self.http.with_retry_after_cap(cap);
        self
    }

    /// See [`UpstreamClient::with_backoff`].
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.http = self.http.with_backoff(base, max);
        self
    }

    pub fn provider(&self) -> Provider {
        Provider::CoinPaprika
    }

    /// Every ticker with a USD quote, in the order sent.
    async fn tickers(&self) -> Result<Vec<Ticker>, ConnectorError> {
        self.http.get_json("/tickers", &[("quotes", "USD")]).await
    }
}

#[derive(Deserialize)]
struct CoinRow {
    id: String,
    name: Option<String>,
    symbol: Option<String>,
    rank: Option<i64>,
    is_active: Option<bool>,
}

#[derive(Deserialize)]
struct CoinDetail {
    #[serde(default)]
    contracts: Option<Vec<ContractRow>>,
}

#[derive(Deserialize)]
struct ContractRow {
    contract: Option<String>,
    platform: Option<String>,
}

#[derive(Deserialize)]
struct Ticker {
    id: String,
    name: Option<String>,
    symbol: Option<String>,
    rank: Option<i64>,
    last_updated: Option<String>,
    #[serde(default)]
    quotes: HashMap<String, TickerQuote>,
}

#[derive(Deserialize)]
struct TickerQuote {
    price: Option<Box<RawValue>>,
    volume_24h: Option<Box<RawValue>>,
    market_cap: Option<Box<RawValue>>,
}

/// A rank of 0 (or less) is CoinPaprika's "unranked".
fn rank_of(rank: Option<i64>) -> Option<i32> {
    rank.filter(|r| *r > 0).and_then(|r| i32::try_from(r).ok())
}

impl Ticker {
    fn into_quote(self) -> Result<MarketQuote, ConnectorError> {
        let usd = self.quotes.get("USD");
        let price =
            numbers::required_market(usd.and_then(|q| q.price.as_deref())).map_err(|e| {
                ConnectorError::Decode {
                    provider: Provider::CoinPaprika.as_str(),
                    message: format!("USD price of {} {e}; quote skipped", self.id),
                }
            })?;
        let (volume, cap) = usd
            .map(|q| {
                (
                    numbers::optional_market(q.volume_24h.as_deref(), &self.id),
                    numbers::optional_market(q.market_cap.as_deref(), &self.id),
                )
            })
            .unwrap_or_default();
        Ok(MarketQuote {
            provider: Provider::CoinPaprika,
            price_usd: price,
            volume_24h_usd: volume,
            market_cap_usd: cap,
            rank: rank_of(self.rank),
            image_url: None,
            last_updated: self
                .last_updated
                .as_deref()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&Utc)),
            symbol: self.symbol.unwrap_or_default(),
            name: self.name.unwrap_or_default(),
            provider_id: self.id,
        })
    }
}

#[async_trait::async_trait]
impl CoinCatalog for CoinPaprikaClient {
    fn provider(&self) -> Provider {
        Provider::CoinPaprika
    }

    async fn list_coins(&self) -> Result<Vec<CoinListing>, ConnectorError> {
        let rows: Vec<CoinRow> = self.http.get_json("/coins", &[]).await?;
        Ok(rows
            .into_iter()
            .map(|row| CoinListing {
                provider: Provider::CoinPaprika,
                provider_id: row.id,
                symbol: row.symbol.unwrap_or_default(),
                name: row.name.unwrap_or_default(),
                rank: rank_of(row.rank),
                is_active: row.is_active.unwrap_or(true),
                platforms: Vec::new(),
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl ContractLookup for CoinPaprikaClient {
    async fn coin_contracts(
        &self,
        provider_id: &str,
    ) -> Result<Vec<PlatformAddress>, ConnectorError> {
        let path = format!("/coins/{}", encode_segment(provider_id));
        let detail: CoinDetail = self.http.get_json(&path, &[]).await?;
        Ok(detail
            .contracts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| {
                let platform = c.platform.filter(|p| !p.trim().is_empty())?;
                let address = c.contract.filter(|a| !a.trim().is_empty())?;
                Some(PlatformAddress { platform, address })
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl PriceFeed for CoinPaprikaClient {
    fn provider(&self) -> Provider {
        Provider::CoinPaprika
    }

    async fn top_quotes(&self, limit: usize) -> Fetched<MarketQuote> {
        let mut fetched = Fetched {
            items: Vec::new(),
            failures: Vec::new(),
        };
        if limit == 0 {
            return fetched;
        }
        let mut tickers = match self.tickers().await {
            Ok(t) => t,
            Err(e) => {
                fetched.failures.push(e);
                return fetched;
            }
        };
        tickers.retain(|t| rank_of(t.rank).is_some());
        tickers.sort_by_key(|t| t.rank);
        for ticker in tickers {
            if fetched.items.len() == limit {
                break;
            }
            match ticker.into_quote() {
                Ok(q) => fetched.items.push(q),
                Err(e) => fetched.failures.push(e),
            }
        }
        fetched
    }

    async fn quotes_for(&self, provider_ids: &[String]) -> Fetched<MarketQuote> {
        let mut fetched = Fetched {
            items: Vec::new(),
            failures: Vec::new(),
        };
        let wanted: HashSet<&str> = provider_ids.iter().map(|s| s.trim()).collect();
        if wanted.iter().all(|s| s.is_empty()) {
            return fetched;
        }
        match self.tickers().await {
            Ok(tickers) => {
                for ticker in tickers {
                    if !wanted.contains(ticker.id.as_str()) {
                        continue;
                    }
                    match ticker.into_quote() {
                        Ok(q) => fetched.items.push(q),
                        Err(e) => fetched.failures.push(e),
                    }
                }
            }
            Err(e) => fetched.failures.push(e),
        }
        fetched
    }
}

/// Percent-encodes an id for use as one path segment.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_encoded_as_one_path_segment() {
        assert_eq!(encode_segment("usdt-tether"), "usdt-tether");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn rank_zero_is_unranked() {
        assert_eq!(rank_of(Some(0)), None);
        assert_eq!(rank_of(None), None);
        assert_eq!(rank_of(Some(3)), Some(3));
    }
}

/// `/tickers/{id}/historical`: one point per interval.
#[derive(Deserialize)]
struct HistoricalPoint {
    timestamp: String,
    price: Option<Box<RawValue>>,
}

#[async_trait::async_trait]
impl PriceHistory for CoinPaprikaClient {
    fn provider(&self) -> Provider {
        Provider::CoinPaprika
    }

    /// One request with `interval=1d` from `from` to the day after `to` (a point at 00:00 closes
    /// the day before; how far back a key may read depends on its plan).
    async fn daily_prices(
        &self,
        provider_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, rust_decimal::Decimal)>, ConnectorError> {
        let path = format!("/tickers/{provider_id}/historical");
        let start = from.succ_opt().unwrap_or(from).to_string();
        let end = to.succ_opt().unwrap_or(to).to_string();
        let rows: Vec<HistoricalPoint> = self
            .http
            .get_json(
                &path,
                &[("start", &start), ("end", &end), ("interval", "1d")],
            )
            .await?;
        let mut points = Vec::with_capacity(rows.len());
        for row in &rows {
            let at = DateTime::parse_from_rfc3339(&row.timestamp)
                .map_err(|_| ConnectorError::Decode {
                    provider: Provider::CoinPaprika.as_str(),
                    message: format!(
                        "a price of {provider_id} at {:?} is not a time",
                        row.timestamp
                    ),
                })?
                .with_timezone(&Utc);
            let Some(raw) = &row.price else { continue };
            match numbers::from_raw(raw, numbers::Precision::Market) {
                Ok(Some(p)) if p > rust_decimal::Decimal::ZERO => points.push((at, p)),
                Ok(_) => {}
                Err(e) => {
                    return Err(ConnectorError::Decode {
                        provider: Provider::CoinPaprika.as_str(),
                        message: format!("a price of {provider_id} {e}"),
                    })
                }
            }
        }
        Ok(super::end_of_day_prices(points, from, to))
    }
}
