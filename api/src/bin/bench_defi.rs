//! DeFi positions benchmark: one wallet with `BENCH_DEFI_RESERVES` (20) Aave v3 reserves and
//! `BENCH_DEFI_POSITIONS` (10) Uniswap v3 positions on each of 5 chains (5 anvil instances,
//! chain ids 9101–9105), the real contracts deployed by `tools/defi-fixture` (`bench`), read
//! with `EvmClient::read_defi` through a local proxy adding 30 ms to every request.
//!
//! Target: at most 4 requests per chain for both protocols together (warm client, block
//! given, as in a sync). Reports requests per chain, and the time of the 5 chains read in
//! parallel (as a sync does) and one after another, median of `BENCH_DEFI_RUNS` (5).
//!
//! Run: `scripts/install-anvil.sh && scripts/install-defi-fixture.sh &&
//! cargo run --release -p api --bin bench_defi`

#[path = "../../tests/it/anvil.rs"]
mod anvil;
#[path = "common/defi_fixture.rs"]
mod defi_fixture;
#[path = "common/proxy.rs"]
mod proxy;
#[path = "common/sizes.rs"]
mod sizes;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use api::config::EvmConfig;
use api::connectors::defi::DefiTarget;
use api::connectors::evm::EvmClient;
use api::connectors::ChainTarget;
use api::metrics::Metrics;
use serde_json::{json, Value};

use anvil::Anvil;
use proxy::spawn_proxy;

const CHAINS: u64 = 5;
/// anvil's account 1, the fixture's default user.
const USER: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
const PROXY_DELAY: Duration = Duration::from_millis(30);

fn text(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let reserves = sizes::env_size("BENCH_DEFI_RESERVES", 20);
    let positions = sizes::env_size("BENCH_DEFI_POSITIONS", 10);
    let runs = sizes::env_size("BENCH_DEFI_RUNS", 5).max(1);
    println!("bench_defi: {CHAINS} chains, {reserves} Aave reserves and {positions} Uniswap positions each, 30 ms per request");

    let mut nodes = Vec::new();
    let mut targets = Vec::new();
    for i in 0..CHAINS {
        let anvil = Anvil::start_with_chain_id(9101 + i).await;
        anvil.deploy_multicall3().await;
        let started = Instant::now();
        let url = anvil.url.clone();
        let args = json!({"user": USER, "reserves": reserves, "positions": positions});
        let out = tokio::task::spawn_blocking(move || defi_fixture::fixture(&url, "bench", args))
            .await??;
        println!(
            "  chain {}: deployed and positioned in {:.1} s",
            anvil.chain_id,
            started.elapsed().as_secs_f64()
        );
        let proxy_url = spawn_proxy(anvil.url.clone(), PROXY_DELAY).await?;
        let block = anvil.rpc("eth_blockNumber", json!([])).await;
        let block =
            u64::from_str_radix(block.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16)?;
        targets.push(DefiTarget {
            chain: ChainTarget {
                chain_name: format!("bench{}", anvil.chain_id),
                chain_id: anvil.chain_id as i64,
                rpc_url: proxy_url,
                native_symbol: "ETH".into(),
                native_decimals: 18,
                tokens: Vec::new(),
                multicall3_address: None,
            },
            aave_v3_addresses_provider: Some(text(&out["deploy"]["aave"]["addresses_provider"])),
            uniswap_v3_position_manager: Some(text(&out["deploy"]["uniswap"]["position_manager"])),
            uniswap_v3_factory: Some(text(&out["deploy"]["uniswap"]["factory"])),
            block: Some(block),
        });
        nodes.push(anvil);
    }

    let client = Arc::new(EvmClient::new(
        &EvmConfig {
            rpc_timeout: Duration::from_secs(30),
            ..EvmConfig::default()
        },
        Arc::new(Metrics::new()),
    ));
    // Cold: each chain's first read also checks for Multicall3.
    let mut cold = Vec::new();
    for t in &targets {
        cold.push(client.read_defi(t, USER).await?.requests);
    }
    let mut warm = Vec::new();
    let mut parallel_ms = Vec::new();
    let mut serial_ms = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let reads =
            futures_util::future::join_all(targets.iter().map(|t| client.read_defi(t, USER))).await;
        parallel_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        warm.clear();
        for r in reads {
            let r = r?;
            let aave = r.aave.read().context("Aave was read")?;
            let uni = r.uniswap.read().context("Uniswap was read")?;
            ensure!(
                aave.reserves.len() == reserves,
                "{} reserves held, not {reserves}",
                aave.reserves.len()
            );
            ensure!(
                uni.positions.len() == positions,
                "{} positions, not {positions}",
                uni.positions.len()
            );
            warm.push(r.requests);
        }
        let started = Instant::now();
        for t in &targets {
            client.read_defi(t, USER).await?;
        }
        serial_ms.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    println!("  requests per chain: cold {cold:?}, warm {warm:?} (target: at most 4)");
    println!(
        "  one wallet, 5 chains: {:.0} ms in parallel, {:.0} ms one chain after another (median of {runs})",
        median(parallel_ms),
        median(serial_ms)
    );
    ensure!(
        warm.iter().all(|r| *r <= 4),
        "more than 4 requests on a chain: {warm:?}"
    );
    drop(nodes);
    Ok(())
}
