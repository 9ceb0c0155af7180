//! CoinGecko (`/api/v3`): the coin list with contracts, asset platforms and USD quotes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderName;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::http::UpstreamClient;
use super::numbers;
use super::{
    AssetPlatform, CoinCatalog, CoinListing, ConnectorError, Fetched, MarketQuote, PlatformAddress,
    PlatformDirectory, PriceFeed, PriceHistory, Provider,
};
use crate::config::ProviderConfig;
use crate::metrics::Metrics;

/// `/coins/markets` page size (CoinGecko's maximum).
pub const MARKETS_PAGE_SIZE: usize = 250;
/// Ids per `/simple/price` call.
pub const SIMPLE_PRICE_BATCH: usize = 100;

/// CoinGecko's API, keyless or with a demo or pro key.
pub struct CoinGeckoClient {
    http: UpstreamClient,
}

impl CoinGeckoClient {
    /// A client for `cfg.base_url`; a key goes in `x-cg-pro-api-key` when `cfg.tier` is `pro`,
    /// else in `x-cg-demo-api-key`.
    pub fn new(cfg: &ProviderConfig, metrics: Arc<Metrics>) -> Self {
        let mut http =
            UpstreamClient::new(Provider::CoinGecko, cfg, metrics).with_error_in_ok(error_in_ok);
        if let Some(key) = &cfg.api_key {
            let header = if cfg.tier == "pro" {
                "x-cg-pro-api-key"
            } else {
                "x-cg-demo-api-key"
            };
            http = http.with_secret_header(HeaderName::from_static(header), key);
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
        Provider::CoinGecko
    }

    async fn markets_page(
        &self,
        page: usize,
        per_page: usize,
        failures: &mut Vec<ConnectorError>,
    ) -> Result<Vec<MarketQuote>, ConnectorError> {
        let (page, per_page) = (page.to_string(), per_page.to_string());
        let rows: Vec<MarketRow> = self
            .http
            .get_json(
                "/coins/markets",
                &[
                    ("vs_currency", "usd"),
                    ("order", "market_cap_desc"),
                    ("per_page", &per_page),
                    ("page", &page),
                ],
            )
            .await?;
        let mut quotes = Vec::with_capacity(rows.len());
        for row in rows {
            match numbers::required_market(row.current_price.as_deref()) {
                Ok(price) => quotes.push(MarketQuote {
                    provider: Provider::CoinGecko,
                    price_usd: price,
                    volume_24h_usd: numbers::optional_market(row.total_volume.as_deref(), &row.id),
                    market_cap_usd: numbers::optional_market(row.market_cap.as_deref(), &row.id),
                    rank: row.market_cap_rank.and_then(|r| i32::try_from(r).ok()),
                    last_updated: row.last_updated.as_deref().and_then(parse_time),
                    image_url: row.image.filter(|u| u.starts_with("https://")),
                    symbol: row.symbol.unwrap_or_default(),
                    name: row.name.unwrap_or_default(),
                    provider_id: row.id,
                }),
                Err(e) => failures.push(bad_price(&row.id, &e)),
            }
        }
        Ok(quotes)
    }
}

/// CoinGecko's error envelope, which it sometimes sends with HTTP 200.
fn error_in_ok(body: &[u8]) -> Option<(u16, String)> {
    #[derive(Deserialize)]
    struct Envelope {
        status: Option<Status>,
    }
    #[derive(Deserialize)]
    struct Status {
        error_code: Option<i64>,
        error_message: Option<String>,
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let status = serde_json::from_slice::<Envelope>(body).ok()?.status?;
    let code = status.error_code?;
    let http_status = match code {
        // CoinGecko's key errors: missing, invalid, wrong tier; then plan-restricted endpoint.
        10002 | 10010 | 10011 => 401,
        10005 => 403,
        400..=599 => code as u16,
        _ => 502,
    };
    let message = status
        .error_message
        .unwrap_or_else(|| format!("error_code {code}"));
    Some((http_status, message))
}

#[derive(Deserialize)]
struct CoinRow {
    id: String,
    symbol: Option<String>,
    name: Option<String>,
    #[serde(default)]
    platforms: Option<BTreeMap<String, Option<String>>>,
}

#[derive(Deserialize)]
struct PlatformRow {
    id: String,
    name: Option<String>,
    chain_identifier: Option<i64>,
    native_coin_id: Option<String>,
}

#[derive(Deserialize)]
struct MarketRow {
    id: String,
    symbol: Option<String>,
    name: Option<String>,
    current_price: Option<Box<RawValue>>,
    market_cap: Option<Box<RawValue>>,
    total_volume: Option<Box<RawValue>>,
    market_cap_rank: Option<i64>,
    last_updated: Option<String>,
    image: Option<String>,
}

#[derive(Deserialize)]
struct SimplePrice {
    usd: Option<Box<RawValue>>,
    usd_market_cap: Option<Box<RawValue>>,
    usd_24h_vol: Option<Box<RawValue>>,
    last_updated_at: Option<Box<RawValue>>,
}

#[async_trait::async_trait]
impl CoinCatalog for CoinGeckoClient {
    fn provider(&self) -> Provider {
        Provider::CoinGecko
    }

    async fn list_coins(&self) -> Result<Vec<CoinListing>, ConnectorError> {
        let rows: Vec<CoinRow> = self
            .http
            .get_json("/coins/list", &[("include_platform", "true")])
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| CoinListing {
                provider: Provider::CoinGecko,
                symbol: row.symbol.unwrap_or_default(),
                name: row.name.unwrap_or_default(),
                rank: None,
                is_active: true,
                platforms: row
                    .platforms
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(platform, address)| {
                        let address = address.filter(|a| !a.trim().is_empty())?;
                        (!platform.trim().is_empty())
                            .then_some(PlatformAddress { platform, address })
                    })
                    .collect(),
                provider_id: row.id,
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl PlatformDirectory for CoinGeckoClient {
    async fn platforms(&self) -> Result<Vec<AssetPlatform>, ConnectorError> {
        let rows: Vec<PlatformRow> = self.http.get_json("/asset_platforms", &[]).await?;
        Ok(rows
            .into_iter()
            .map(|row| AssetPlatform {
                name: row.name.unwrap_or_else(|| row.id.clone()),
                id: row.id,
                chain_identifier: row.chain_identifier,
                native_coin_id: row.native_coin_id.filter(|id| !id.trim().is_empty()),
            })
            .collect())
    }
}

#[async_trait::async_trait]
impl PriceFeed for CoinGeckoClient {
    fn provider(&self) -> Provider {
        Provider::CoinGecko
    }

    async fn top_quotes(&self, limit: usize) -> Fetched<MarketQuote> {
        let mut fetched = Fetched {
            items: Vec::new(),
            failures: Vec::new(),
        };
        if limit == 0 {
            return fetched;
        }
        let per_page = limit.min(MARKETS_PAGE_SIZE);
        for page in 1..=limit.div_ceil(per_page) {
            match self
                .markets_page(page, per_page, &mut fetched.failures)
                .await
            {
                Ok(quotes) if quotes.is_empty() => break,
                Ok(quotes) => fetched.items.extend(quotes),
                Err(e) => fetched.failures.push(e),
            }
        }
        fetched.items.truncate(limit);
        fetched
    }

    async fn quotes_for(&self, provider_ids: &[String]) -> Fetched<MarketQuote> {
        let mut fetched = Fetched {
            items: Vec::new(),
            failures: Vec::new(),
        };
        let ids: Vec<&str> = provider_ids
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        for batch in ids.chunks(SIMPLE_PRICE_BATCH) {
            let joined = batch.join(",");
            let answer: Result<BTreeMap<String, SimplePrice>, _> = self
                .http
                .get_json(
                    "/simple/price",
                    &[
                        ("ids", &joined),
                        ("vs_currencies", "usd"),
                        ("include_market_cap", "true"),
                        ("include_24hr_vol", "true"),
                        ("include_last_updated_at", "true"),
                    ],
                )
                .await;
            let prices = match answer {
                Ok(p) => p,
                Err(e) => {
                    fetched.failures.push(e);
                    continue;
                }
            };
            for (id, p) in prices {
                match numbers::required_market(p.usd.as_deref()) {
                    Ok(price) => fetched.items.push(MarketQuote {
                        provider: Provider::CoinGecko,
                        symbol: String::new(),
                        name: String::new(),
                        price_usd: price,
                        volume_24h_usd: numbers::optional_market(p.usd_24h_vol.as_deref(), &id),
                        market_cap_usd: numbers::optional_market(p.usd_market_cap.as_deref(), &id),
                        rank: None,
                        image_url: None,
                        last_updated: p
                            .last_updated_at
                            .and_then(|raw| raw.get().trim().parse::<i64>().ok())
                            .and_then(|secs| DateTime::from_timestamp(secs, 0)),
                        provider_id: id,
                    }),
                    Err(e) => fetched.failures.push(bad_price(&id, &e)),
                }
            }
        }
        fetched
    }
}

fn bad_price(id: &str, err: &numbers::NumberError) -> ConnectorError {
    ConnectorError::Decode {
        provider: Provider::CoinGecko.as_str(),
        message: format!("price of {id} {err}; quote skipped"),
    }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_envelope_in_a_200_is_recognised() {
        let (status, msg) = error_in_ok(
            br#"{"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit"}}"#,
        )
        .unwrap();
        assert_eq!(
            (status, msg.as_str()),
            (429, "You've exceeded the Rate Limit")
        );
        assert_eq!(
            error_in_ok(br#"{"status":{"error_code":10002}}"#).map(|e| e.0),
            Some(401)
        );
        assert_eq!(error_in_ok(br#"{"bitcoin":{"usd":1}}"#), None);
        assert_eq!(error_in_ok(br#"[{"id":"bitcoin"}]"#), None);
        assert_eq!(error_in_ok(br#"{"status":{"usd":1}}"#), None);
    }
}

/// `/coins/{id}/market_chart/range`: `prices` is a list of `[unix milliseconds, price]`.
#[derive(Deserialize)]
struct MarketChart {
    prices: Vec<(i64, Box<RawValue>)>,
}

#[async_trait::async_trait]
impl PriceHistory for CoinGeckoClient {
    fn provider(&self) -> Provider {
        Provider::CoinGecko
    }

    /// One request for the whole range (CoinGecko answers daily points for a range over 90
    /// days, hourly ones for a shorter range; either reduces to one price per day).
    async fn daily_prices(
        &self,
        provider_id: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(chrono::NaiveDate, rust_decimal::Decimal)>, ConnectorError> {
        let start = from
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp();
        // The close of `to` is the point at 00:00 of the day after.
        let end = to
            .succ_opt()
            .unwrap_or(to)
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp();
        let path = format!("/coins/{provider_id}/market_chart/range");
        let chart: MarketChart = self
            .http
            .get_json(
                &path,
                &[
                    ("vs_currency", "usd"),
                    ("from", &start.to_string()),
                    ("to", &end.to_string()),
                ],
            )
            .await?;
        let mut points = Vec::with_capacity(chart.prices.len());
        for (ms, raw) in &chart.prices {
            let at = DateTime::<Utc>::from_timestamp_millis(*ms).ok_or_else(|| {
                ConnectorError::Decode {
                    provider: Provider::CoinGecko.as_str(),
                    message: format!("a price of {provider_id} at {ms} ms is not a time"),
                }
            })?;
            match numbers::from_raw(raw, numbers::Precision::Market) {
                Ok(Some(p)) if p > rust_decimal::Decimal::ZERO => points.push((at, p)),
                // A point with no price (null or 0) is a day the coin was not traded: no price.
                Ok(_) => {}
                Err(e) => {
                    return Err(ConnectorError::Decode {
                        provider: Provider::CoinGecko.as_str(),
                        message: format!("a price of {provider_id} {e}"),
                    })
                }
            }
        }
        Ok(super::end_of_day_prices(points, from, to))
    }
}
