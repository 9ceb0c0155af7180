//! Bitcoin balances from an Esplora HTTP API (Blockstream's esplora, electrs' HTTP server,
//! mempool.space: the same paths). One `GET /address/:addr` per address, answering
//! `{address, chain_stats: {funded_txo_sum, spent_txo_sum, tx_count, …}, mempool_stats: {…}}`.
//! Esplora has no multi-address request, so an extended key costs one request per address the
//! gap-limit scan (`domain::bitcoin_wallet::GapScan`) asks for; each wave of the scan is sent in
//! parallel (at most [`MAX_IN_FLIGHT`] at once), paced by the endpoint's requests-per-second.
//!
//! Safety as for the Solana RPC (`rpc_guard`): connections only to the ranges
//! `EVM_RPC_ALLOW_NETWORKS` allows (checked by the resolver on every connection, and on IP
//! literals before any request), no redirects, answers capped at `EVM_RPC_MAX_RESPONSE_BYTES`,
//! and no upstream text in errors. Requests name no address in errors or logs: the addresses of
//! an extended key are as private as the key.
//!
//! Not on `connectors::http::UpstreamClient`: that client serves fixed, environment-configured
//! providers and has no SSRF-guarded resolver; an admin-set URL needs the guarded client the
//! Solana RPC uses.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::Deserialize;

use super::rpc_guard::{check_ip, checked_body, GuardedResolver};
use super::ConnectorError;
use crate::config::RpcSafetyConfig;
use crate::domain::bitcoin_wallet::{self, AddressStats, GapScan, UsedIndices, Wallet};

const PROVIDER: &str = "esplora";
/// Requests of one wallet in flight at once (the rate limit paces them further).
pub const MAX_IN_FLIGHT: usize = 8;

/// Where and how to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsploraTarget {
    /// The API root, e.g. `https://blockstream.info/api` or `https://mempool.space/api`.
    pub base_url: String,
    /// HTTP requests a second to this endpoint, all wallets together.
    pub requests_per_second: u32,
    /// Deadline of one HTTP request.
    pub timeout: Duration,
}

/// Reads one address's figures.
#[async_trait::async_trait]
pub trait AddressStatsSource: Send + Sync {
    /// `address` is a validated mainnet address.
    async fn address_stats(
        &self,
        target: &EsploraTarget,
        address: &str,
    ) -> Result<AddressStats, ConnectorError>;
}

/// A wallet's balances, summed over its used addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitcoinReading {
    /// Confirmed satoshis (what totals count).
    pub confirmed_sats: i64,
    /// The mempool's pending change in satoshis (negative when a spend is waiting).
    pub unconfirmed_sats: i64,
    /// Addresses with any transaction.
    pub used_addresses: u32,
    /// What the next sync starts from (extended keys; `None` for a single address).
    pub used: Option<UsedIndices>,
    /// HTTP requests this reading sent, and in how many parallel waves.
    pub http_requests: u32,
    pub waves: u32,
}

/// Reads a wallet: one address, or an extended key scanned on both chains with `gap`,
/// starting from what the last sync remembered (`known`). Any failed request fails the whole
/// reading: a sum over some of the addresses would be a wrong balance, not a smaller one.
pub async fn read_wallet(
    source: &dyn AddressStatsSource,
    target: &EsploraTarget,
    wallet: &Wallet,
    gap: u32,
    known: UsedIndices,
) -> Result<BitcoinReading, ConnectorError> {
    let mut reading = BitcoinReading {
        confirmed_sats: 0,
        unconfirmed_sats: 0,
        used_addresses: 0,
        used: None,
        http_requests: 0,
        waves: 0,
    };
    let key = match wallet {
        Wallet::Address { address, .. } => {
            let stats = source.address_stats(target, address).await?;
            reading.http_requests = 1;
            reading.waves = 1;
            add(&mut reading, &stats)?;
            return Ok(reading);
        }
        Wallet::Extended(key) => key,
    };
    let secp = bitcoin_wallet::secp();
    let mut scan = GapScan::new(gap, known);
    loop {
        let wave = scan.next_wave();
        if wave.is_empty() {
            break;
        }
        let addresses: Vec<String> = wave
            .iter()
            .map(|&(chain, index)| key.address(&secp, chain, index))
            .collect();
        // Owned addresses moved into each future: a closure over `&String` would make the
        // future's type higher-ranked, which async_trait's `Send` bound cannot prove.
        let answers: Vec<Result<AddressStats, ConnectorError>> = stream::iter(
            addresses
                .into_iter()
                .map(|a| async move { source.address_stats(target, &a).await }),
        )
        .buffered(MAX_IN_FLIGHT)
        .collect()
        .await;
        reading.http_requests += answers.len() as u32;
        reading.waves += 1;
        let mut stats = Vec::with_capacity(answers.len());
        for answer in answers {
            stats.push(answer?);
        }
        for s in &stats {
            add(&mut reading, s)?;
        }
        scan.record(&wave, |chain, index| {
            wave.iter()
                .position(|&w| w == (chain, index))
                .is_some_and(|i| stats[i].used())
        });
    }
    reading.used = Some(scan.used());
    Ok(reading)
}

fn add(reading: &mut BitcoinReading, stats: &AddressStats) -> Result<(), ConnectorError> {
    let inconsistent = || ConnectorError::Decode {
        provider: PROVIDER,
        message: "GET /address: spent more than funded".into(),
    };
    let confirmed = stats.confirmed_sats().ok_or_else(inconsistent)?;
    let unconfirmed = stats.unconfirmed_sats().ok_or_else(inconsistent)?;
    reading.confirmed_sats = reading
        .confirmed_sats
        .checked_add(confirmed)
        .ok_or_else(inconsistent)?;
    reading.unconfirmed_sats = reading
        .unconfirmed_sats
        .checked_add(unconfirmed)
        .ok_or_else(inconsistent)?;
    if stats.used() {
        reading.used_addresses += 1;
    }
    Ok(())
}

/// The real client. One serves every wallet; share it as `Arc<EsploraClient>`.
pub struct EsploraClient {
    http: reqwest::Client,
    safety: RpcSafetyConfig,
    limiters: Mutex<HashMap<(String, u32), Arc<DefaultDirectRateLimiter>>>,
    sent: AtomicU32,
}

#[derive(Deserialize)]
struct Stats {
    funded_txo_sum: u64,
    spent_txo_sum: u64,
    tx_count: u64,
}

#[derive(Deserialize)]
struct AddressAnswer {
    address: String,
    chain_stats: Stats,
    mempool_stats: Stats,
}

impl EsploraClient {
    pub fn new(safety: &RpcSafetyConfig) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("crypto-pocket-butler/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver::new(safety.allow)))
            .build()
            .expect("the HTTP client builds");
        Self {
            http,
            safety: *safety,
            limiters: Mutex::default(),
            sent: AtomicU32::new(0),
        }
    }

    /// HTTP requests sent since the client was built.
    pub fn requests_sent(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    fn limiter(&self, target: &EsploraTarget) -> Arc<DefaultDirectRateLimiter> {
        let rps = target.requests_per_second.max(1);
        let mut map = self.limiters.lock().unwrap_or_else(|e| e.into_inner());
        map.entry((target.base_url.clone(), rps))
            .or_insert_with(|| {
                let n = NonZeroU32::new(rps).unwrap_or(NonZeroU32::MIN);
                // Burst of one: requests leave evenly spaced, as public endpoints expect.
                Arc::new(RateLimiter::direct(
                    Quota::per_second(n).allow_burst(NonZeroU32::MIN),
                ))
            })
            .clone()
    }

    /// The URL of `/address/:addr`, refusing an IP-literal host outside the allowed networks.
    fn url(&self, base_url: &str, address: &str) -> Result<reqwest::Url, ConnectorError> {
        let base = reqwest::Url::parse(base_url.trim_end_matches('/'))
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| ConnectorError::Network {
                provider: PROVIDER,
                message: "the Esplora URL is not an http:// or https:// URL".into(),
            })?;
        let host = base
            .host_str()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            if let Err(class) = check_ip(ip, self.safety.allow) {
                return Err(ConnectorError::Refused {
                    provider: PROVIDER,
                    reason: format!(
                        "the Esplora URL points to a {class} address, which EVM_RPC_ALLOW_NETWORKS does not allow"
                    ),
                });
            }
        }
        // Addresses are base58 or bech32: nothing to escape.
        reqwest::Url::parse(&format!(
            "{}/address/{address}",
            base.as_str().trim_end_matches('/')
        ))
        .map_err(|_| ConnectorError::Network {
            provider: PROVIDER,
            message: "the Esplora URL is not valid".into(),
        })
    }
}

#[async_trait::async_trait]
impl AddressStatsSource for EsploraClient {
    async fn address_stats(
        &self,
        target: &EsploraTarget,
        address: &str,
    ) -> Result<AddressStats, ConnectorError> {
        const WHAT: &str = "GET /address";
        let url = self.url(&target.base_url, address)?;
        self.limiter(target).until_ready().await;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let sent = self
            .http
            .get(url)
            .timeout(target.timeout)
            .send()
            .await
            .map_err(|e| transport_error(WHAT, e))?;
        let bytes = checked_body(
            sent,
            PROVIDER,
            self.safety.max_response_bytes,
            format!("{WHAT}: Esplora answered with an error"),
            |e| transport_error(WHAT, e),
        )
        .await?;
        let answer: AddressAnswer =
            serde_json::from_slice(&bytes).map_err(|_| ConnectorError::Decode {
                provider: PROVIDER,
                message: format!("{WHAT}: the answer is not Esplora's address shape"),
            })?;
        if answer.address != address {
            return Err(ConnectorError::Decode {
                provider: PROVIDER,
                message: format!("{WHAT}: the answer is for another address"),
            });
        }
        Ok(AddressStats {
            chain_funded: answer.chain_stats.funded_txo_sum,
            chain_spent: answer.chain_stats.spent_txo_sum,
            chain_tx_count: answer.chain_stats.tx_count,
            mempool_funded: answer.mempool_stats.funded_txo_sum,
            mempool_spent: answer.mempool_stats.spent_txo_sum,
            mempool_tx_count: answer.mempool_stats.tx_count,
        })
    }
}

fn transport_error(what: &str, e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        return ConnectorError::Timeout { provider: PROVIDER };
    }
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        chain.push_str(&s.to_string());
        chain.push_str(": ");
        source = s.source();
    }
    // Our own words only: reqwest's text names the URL, and with it the address.
    let message = if chain.contains("EVM_RPC_ALLOW_NETWORKS") {
        format!(
            "{what}: the Esplora host resolves to an address EVM_RPC_ALLOW_NETWORKS does not allow"
        )
    } else if e.is_connect() {
        format!("{what}: Esplora could not be reached")
    } else {
        format!("{what}: the request to Esplora failed")
    };
    ConnectorError::Network {
        provider: PROVIDER,
        message,
    }
}
