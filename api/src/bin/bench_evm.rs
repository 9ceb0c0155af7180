//! EVM sync benchmark: one wallet holding 300 tokens on each of 5 chains (5 anvil instances
//! with their own chain ids), read with `EvmClient` batched through Multicall3 and with one
//! `eth_call` per token, directly and through a local HTTP proxy that adds 30 ms to every
//! request (a realistic RPC round trip: anvil on loopback only measures its own overhead).
//! Prints JSON-RPC requests and wall time per sync and asserts the targets:
//! at most `ceil(tokens / chunk) + 2` requests per chain on a warm client (`eth_blockNumber`,
//! `eth_getBalance` and the chunks), and batched at least
//! 20× faster than per-token through the proxy.
//!
//! Run: `scripts/install-anvil.sh && cargo run --release -p api --bin bench_evm`
//! (`BENCH_EVM_CHUNK`, `BENCH_EVM_TOKENS`, `BENCH_EVM_RUNS` override 200, 300 and 5).

#[path = "../../tests/it/anvil.rs"]
mod anvil;

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use anyhow::{ensure, Context};
use api::config::EvmConfig;
use api::connectors::evm::EvmClient;
use api::connectors::{ChainBalances, ChainReading, ChainTarget, TokenTarget};
use api::metrics::Metrics;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use tokio::task::JoinSet;

use anvil::Anvil;

const CHAINS: usize = 5;
const WALLET: &str = "0x00000000000000000000000000000000000b0b01";
const PROXY_DELAY: Duration = Duration::from_millis(30);
const NATIVE: u64 = 1_234_567_890_123_456_789;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One chain: its node, its proxy's URL, its tokens and the raw balances to expect.
struct Chain {
    anvil: Anvil,
    proxy_url: String,
    tokens: Vec<TokenTarget>,
    expected: Vec<Option<String>>,
}

impl Chain {
    fn target(&self, via_proxy: bool) -> ChainTarget {
        ChainTarget {
            chain_name: format!("bench{}", self.anvil.chain_id),
            chain_id: self.anvil.chain_id as i64,
            rpc_url: if via_proxy {
                self.proxy_url.clone()
            } else {
                self.anvil.url.clone()
            },
            native_symbol: "ETH".into(),
            native_decimals: 18,
            tokens: self.tokens.clone(),
            multicall3_address: None,
        }
    }
}

async fn set_up_chain(chain_id: u64, tokens: usize) -> anyhow::Result<Chain> {
    let anvil = Anvil::start_with_chain_id(chain_id).await;
    anvil.deploy_multicall3().await;
    let code = anvil.code(&anvil.deploy_token(18).await).await;
    let mut targets = Vec::with_capacity(tokens);
    let mut expected = Vec::with_capacity(tokens);
    for i in 0..tokens {
        let address = anvil::token_address(i);
        let decimals = [18u8, 6, 8, 0, 12][i % 5];
        anvil.clone_token(&code, &address, decimals).await;
        let amount = U256::from(i + 1) * U256::from(10u8).pow(U256::from(decimals)) + U256::from(i);
        anvil.set_token_balance(&address, WALLET, amount).await;
        targets.push(TokenTarget {
            address,
            symbol: format!("T{i}"),
            decimals,
        });
        expected.push(Some(amount.to_string()));
    }
    anvil.set_balance(WALLET, U256::from(NATIVE)).await;
    let proxy_url = spawn_proxy(anvil.url.clone(), PROXY_DELAY).await?;
    Ok(Chain {
        anvil,
        proxy_url,
        tokens: targets,
        expected,
    })
}

/// An HTTP proxy on loopback that waits `delay` before forwarding each request.
async fn spawn_proxy(upstream: String, delay: Duration) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let (http, upstream) = (http.clone(), upstream.clone());
        async move {
            tokio::time::sleep(delay).await;
            let forwarded = http
                .post(&upstream)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await;
            match forwarded {
                Ok(r) => {
                    let status = StatusCode::from_u16(r.status().as_u16())
                        .unwrap_or(StatusCode::BAD_GATEWAY);
                    let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
                }
                Err(_) => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}"))
}

/// Figures of one strategy over one link.
struct Row {
    link: &'static str,
    strategy: &'static str,
    cold_requests: usize,
    warm_requests: usize,
    sync_ms: Vec<f64>,
    chain_ms: Vec<f64>,
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Reads the wallet on every chain at once; checks each reading.
async fn sync(
    client: &Arc<EvmClient>,
    chains: &Arc<Vec<Chain>>,
    via_proxy: bool,
) -> anyhow::Result<(Vec<ChainReading>, Vec<f64>)> {
    let mut reads = JoinSet::new();
    for i in 0..chains.len() {
        let (client, chains) = (client.clone(), chains.clone());
        reads.spawn(async move {
            let target = chains[i].target(via_proxy);
            let started = Instant::now();
            let reading = client.read(&target, WALLET).await;
            (i, reading, started.elapsed().as_secs_f64() * 1e3)
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = reads.join_next().await {
        let (i, reading, ms) = joined?;
        let reading = reading.with_context(|| format!("reading chain {i}"))?;
        let chain = &chains[i];
        ensure!(
            reading.native == NATIVE.to_string(),
            "native balance of chain {i}"
        );
        let got: Vec<_> = reading
            .tokens
            .iter()
            .map(|(_, b)| b.balance().map(str::to_string))
            .collect();
        ensure!(got == chain.expected, "token balances of chain {i}");
        out.push((reading, ms));
    }
    Ok(out.into_iter().unzip())
}

async fn measure(
    chains: &Arc<Vec<Chain>>,
    cfg: &EvmConfig,
    link: &'static str,
    batched: bool,
    runs: usize,
) -> anyhow::Result<Row> {
    let via_proxy = link == "proxy +30 ms";
    let client = EvmClient::new(cfg, Arc::new(Metrics::new()));
    let client = Arc::new(if batched {
        client
    } else {
        client.without_multicall()
    });
    let (cold, _) = sync(&client, chains, via_proxy).await?;
    let mut row = Row {
        link,
        strategy: if batched {
            "Multicall3 batched"
        } else {
            "one eth_call per token"
        },
        cold_requests: cold.iter().map(|r| r.requests).max().unwrap_or(0),
        warm_requests: 0,
        sync_ms: Vec::new(),
        chain_ms: Vec::new(),
    };
    for _ in 0..runs {
        let started = Instant::now();
        let (readings, chain_ms) = sync(&client, chains, via_proxy).await?;
        row.sync_ms.push(started.elapsed().as_secs_f64() * 1e3);
        row.chain_ms.extend(chain_ms);
        row.warm_requests = row
            .warm_requests
            .max(readings.iter().map(|r| r.requests).max().unwrap_or(0));
    }
    Ok(row)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let chunk = env_usize("BENCH_EVM_CHUNK", EvmConfig::default().multicall_chunk_size);
    let tokens = env_usize("BENCH_EVM_TOKENS", 300);
    let runs = env_usize("BENCH_EVM_RUNS", 5).max(1);
    let cfg = EvmConfig {
        multicall_chunk_size: chunk,
        ..EvmConfig::default()
    };

    let started = Instant::now();
    let mut setups = JoinSet::new();
    for c in 0..CHAINS {
        setups.spawn(set_up_chain(9001 + c as u64, tokens));
    }
    let mut chains = Vec::new();
    while let Some(chain) = setups.join_next().await {
        chains.push(chain??);
    }
    chains.sort_by_key(|c| c.anvil.chain_id);
    let chains = Arc::new(chains);
    println!(
        "set up {CHAINS} anvil chains with Multicall3 and {tokens} token clones each in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut rows = Vec::new();
    for link in ["direct", "proxy +30 ms"] {
        for batched in [true, false] {
            // Per-token through the proxy takes seconds per sync: fewer runs suffice.
            let n = if !batched && link != "direct" {
                runs.min(3)
            } else {
                runs
            };
            rows.push(measure(&chains, &cfg, link, batched, n).await?);
        }
    }

    println!();
    println!("{CHAINS} chains × {tokens} tokens, chunk {chunk}, sync = the {CHAINS} chains read concurrently");
    println!();
    println!("| link | strategy | requests per chain (cold / warm) | requests per sync (warm) | sync wall time, median | one chain, median |");
    println!("|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} / {} | {} | {:.1} ms | {:.1} ms |",
            r.link,
            r.strategy,
            r.cold_requests,
            r.warm_requests,
            r.warm_requests * CHAINS,
            median(&r.sync_ms),
            median(&r.chain_ms)
        );
    }

    let limit = tokens.div_ceil(chunk) + 2;
    let batched_proxy = median(&rows[2].sync_ms);
    let per_token_proxy = median(&rows[3].sync_ms);
    let speedup = per_token_proxy / batched_proxy;
    println!();
    println!(
        "warm requests per chain, batched: {} (target ≤ ceil({tokens}/{chunk}) + 2 = {limit})",
        rows[0].warm_requests
    );
    println!("speed-up through the proxy: {speedup:.1}× (target ≥ 20×)");
    ensure!(
        rows[0].warm_requests <= limit && rows[2].warm_requests <= limit,
        "batched reads took more than {limit} requests per chain"
    );
    ensure!(
        speedup >= 20.0,
        "batched is only {speedup:.1}× faster than per-token"
    );
    println!("targets met");
    Ok(())
}
