//! EVM sync benchmark, three parts, all on anvil (5 instances with their own chain ids):
//!
//! 1. Discovery: one wallet, 5 chains × `BENCH_EVM_TOKENS` (2000) candidate tokens, read with
//!    `EvmClient` batched through Multicall3 and with one `eth_call` per token, directly and
//!    through a local HTTP proxy that adds 30 ms to every request (a realistic RPC round trip:
//!    anvil on loopback only measures its own overhead). Targets: at most
//!    `ceil(tokens / chunk) + 1` requests per chain on a warm client (`eth_blockNumber` and the
//!    chunks; the native balance rides in the first), a batched sync under 1 s through the
//!    proxy, and batched at least 20× faster than per-token.
//! 2. Chunk size: gas and answer size of one `aggregate3` of N `balanceOf` calls (cold
//!    storage), for choosing `EVM_MULTICALL_CHUNK_SIZE` against eth_call gas caps.
//! 3. Fleet: the account-sync job on a SQLite database with `BENCH_EVM_WALLETS` (1000) wallets
//!    × 5 chains × `BENCH_EVM_FLEET_TOKENS` (300) catalog tokens, wallets of a chain sharing
//!    Multicall3 batches. Target: under 60 s, with the request count. Then the job again with
//!    the DeFi protocols absent (the seeded mainnet addresses have no code here; remembered
//!    after the first run), and once more with the real Aave v3 (`BENCH_EVM_DEFI_RESERVES`,
//!    20 reserves) and Uniswap v3 deployed on every chain by `tools/defi-fixture`: the request
//!    counts of each run.
//!
//! Run: `scripts/install-anvil.sh && scripts/install-defi-fixture.sh &&
//! cargo run --release -p api --bin bench_evm`
//! (`BENCH_EVM_CHUNK`, `BENCH_EVM_TOKENS`, `BENCH_EVM_RUNS`, `BENCH_EVM_WALLETS`,
//! `BENCH_EVM_FLEET_TOKENS` override the chunk size of `EvmConfig::default()`, 2000, 5, 1000
//! and 300; `BENCH_EVM_PARTS=1,2,3` picks parts).

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

use alloy::primitives::U256;
use anyhow::{ensure, Context};
use api::config::EvmConfig;
use api::connectors::evm::EvmClient;
use api::connectors::{ChainBalances, ChainReading, ChainTarget, TokenTarget};
use api::metrics::Metrics;
use tokio::task::JoinSet;

use anvil::Anvil;
use proxy::spawn_proxy;

const CHAINS: usize = 5;
const WALLET: &str = "0x00000000000000000000000000000000000b0b01";
const PROXY_DELAY: Duration = Duration::from_millis(30);
const NATIVE: u64 = 1_234_567_890_123_456_789;

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
    let chunk = sizes::env_size("BENCH_EVM_CHUNK", EvmConfig::default().multicall_chunk_size);
    let tokens = sizes::env_size("BENCH_EVM_TOKENS", 2000);
    let runs = sizes::env_size("BENCH_EVM_RUNS", 5).max(1);
    let parts = std::env::var("BENCH_EVM_PARTS").unwrap_or_else(|_| "1,2,3".into());
    let part = |n: &str| parts.split(',').any(|p| p.trim() == n);
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
    if part("1") {
        discovery(&chains, &cfg, chunk, tokens, runs).await?;
    }
    if part("2") {
        chunk_gas(&chains[0]).await?;
    }
    if part("3") {
        let wallets = sizes::env_size("BENCH_EVM_WALLETS", 1000);
        let fleet_tokens = sizes::env_size("BENCH_EVM_FLEET_TOKENS", 300).min(tokens);
        fleet::run(chains.clone(), chunk, wallets, fleet_tokens).await?;
    }
    Ok(())
}

/// Part 1: one wallet, every candidate token, four ways.
async fn discovery(
    chains: &Arc<Vec<Chain>>,
    cfg: &EvmConfig,
    chunk: usize,
    tokens: usize,
    runs: usize,
) -> anyhow::Result<()> {
    let mut rows = Vec::new();
    for link in ["direct", "proxy +30 ms"] {
        for batched in [true, false] {
            // Per-token through the proxy takes many seconds per sync: one run suffices.
            let n = if !batched { 1 } else { runs };
            rows.push(measure(chains, cfg, link, batched, n).await?);
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

    let limit = tokens.div_ceil(chunk) + 1;
    let batched_proxy = median(&rows[2].sync_ms);
    let per_token_proxy = median(&rows[3].sync_ms);
    let speedup = per_token_proxy / batched_proxy;
    println!();
    println!(
        "warm requests per chain, batched: {} (target ≤ ceil({tokens}/{chunk}) + 1 = {limit})",
        rows[0].warm_requests
    );
    println!("batched sync through the proxy: {batched_proxy:.1} ms (target < 1000 ms)");
    println!("speed-up through the proxy: {speedup:.1}× (target ≥ 20×)");
    ensure!(
        rows[0].warm_requests <= limit && rows[2].warm_requests <= limit,
        "batched reads took more than {limit} requests per chain"
    );
    ensure!(
        sizes::smoke() || batched_proxy < 1000.0,
        "a batched sync took {batched_proxy:.0} ms through the proxy"
    );
    ensure!(
        sizes::smoke() || speedup >= 20.0,
        "batched is only {speedup:.1}× faster than per-token"
    );
    println!("part 1 targets met");
    Ok(())
}

alloy::sol! {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }
    function aggregate3(Call3[] calls) external payable returns (bytes[] returnData);
    function balanceOf(address owner) external view returns (uint256);
}

/// Part 2: gas and answer size of one `aggregate3` with N `balanceOf` calls on fresh
/// (cold) storage, as a node's eth_call gas cap and answer-size limit see them.
async fn chunk_gas(chain: &Chain) -> anyhow::Result<()> {
    use alloy::sol_types::SolCall;
    println!();
    println!("aggregate3 of N balanceOf calls (cold storage, the first chain):");
    println!();
    println!("| N | gas (eth_estimateGas) | gas per call | answer size (JSON) |");
    println!("|---|---|---|---|");
    let owner: alloy::primitives::Address = WALLET.parse()?;
    let data = balanceOfCall { owner }.abi_encode();
    let mut offset = 0;
    for n in [100usize, 200, 500, 1000, 2000] {
        // Distinct tokens per measurement, so every read is cold.
        let n = n.min(chain.tokens.len());
        let calls: Vec<Call3> = (0..n)
            .map(|i| Call3 {
                target: chain.tokens[(offset + i) % chain.tokens.len()]
                    .address
                    .parse()
                    .expect("an address"),
                allowFailure: true,
                callData: data.clone().into(),
            })
            .collect();
        offset += n;
        let input = alloy::hex::encode_prefixed(aggregate3Call { calls }.abi_encode());
        let tx = serde_json::json!({"to": anvil::MULTICALL3, "data": input});
        let gas = chain
            .anvil
            .rpc("eth_estimateGas", serde_json::json!([tx]))
            .await;
        let gas = u64::from_str_radix(gas.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16)?;
        let answer = chain
            .anvil
            .rpc("eth_call", serde_json::json!([tx, "latest"]))
            .await;
        let bytes = answer.as_str().map_or(0, str::len);
        println!(
            "| {n} | {gas} | {} | {:.0} KiB |",
            gas / n as u64,
            bytes as f64 / 1024.0
        );
    }
    Ok(())
}

/// Part 3: the account-sync job over many wallets on a real database.
mod fleet {
    use std::collections::HashMap;
    use std::sync::Arc;
    use std::time::Instant;

    use alloy::primitives::U256;
    use anyhow::ensure;
    use api::config::Config;
    use api::entities::{accounts, asset_contracts, assets, evm_chains};
    use api::state::AppState;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
    use uuid::Uuid;

    use super::{Chain, CHAINS};

    /// Tokens each wallet holds per chain (the rest of the candidates are zero for it).
    const HELD: usize = 3;

    fn wallet(i: usize) -> String {
        format!("0x{:040x}", 0x000f_1ee7_0000_0000_u64 + i as u64)
    }

    pub async fn run(
        chains: Arc<Vec<Chain>>,
        chunk: usize,
        wallets: usize,
        tokens: usize,
    ) -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("butler-bench-evm-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let result = run_in(&dir, &chains, chunk, wallets, tokens).await;
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    async fn run_in(
        dir: &std::path::Path,
        chains: &Arc<Vec<Chain>>,
        chunk: usize,
        wallets: usize,
        tokens: usize,
    ) -> anyhow::Result<()> {
        let started = Instant::now();
        let url = format!("sqlite://{}/bench.db?mode=rwc", dir.display());
        let vars: HashMap<String, String> = [
            ("DATABASE_URL", url),
            ("DB_MAX_CONNECTIONS", "8".to_string()),
            ("RUST_LOG", "warn".into()),
            ("EVM_MULTICALL_CHUNK_SIZE", chunk.to_string()),
            ("DISCOVERY_MAX_TOKENS_PER_CHAIN", tokens.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let config = Config::from_vars(&vars).map_err(|e| anyhow::anyhow!("{e}"))?;
        let db = api::db::connect(&config).await?;
        api::db::migrate(&db).await?;
        let user =
            api::store::users::upsert_identity(&db, api::auth::LOCAL_SUBJECT, None, Some("local"))
                .await?;

        // The seeded chains point at the anvils.
        let names = ["ethereum", "arbitrum", "optimism", "base", "bsc"];
        for (name, chain) in names.iter().zip(chains.iter()) {
            evm_chains::Entity::update_many()
                .col_expr(
                    evm_chains::Column::RpcUrl,
                    Expr::value(chain.anvil.url.clone()),
                )
                .col_expr(
                    evm_chains::Column::ChainId,
                    Expr::value(chain.anvil.chain_id as i64),
                )
                .filter(evm_chains::Column::ChainName.eq(*name))
                .exec(&db)
                .await?;
        }
        // One catalog asset per token index, with a contract (known decimals) on every chain.
        let now = chrono::Utc::now();
        let mut asset_rows = Vec::new();
        let mut contract_rows = Vec::new();
        for t in 0..tokens {
            let id = Uuid::new_v4();
            asset_rows.push(assets::ActiveModel {
                id: Set(id),
                symbol: Set(format!("T{t}")),
                name: Set(format!("Token {t}")),
                asset_type: Set("token".into()),
                coingecko_id: Set(Some(format!("bench-{t}"))),
                is_stablecoin: Set(false),
                market_cap_rank: Set(Some(t as i32 + 1)),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            for (name, chain) in names.iter().zip(chains.iter()) {
                contract_rows.push(asset_contracts::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    asset_id: Set(id),
                    chain: Set(name.to_string()),
                    contract_address: Set(chain.tokens[t].address.clone()),
                    decimals: Set(Some(chain.tokens[t].decimals.into())),
                    is_verified: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
            }
        }
        for rows in asset_rows.chunks(500) {
            assets::Entity::insert_many(rows.to_vec())
                .exec_without_returning(&db)
                .await?;
        }
        for rows in contract_rows.chunks(500) {
            asset_contracts::Entity::insert_many(rows.to_vec())
                .exec_without_returning(&db)
                .await?;
        }
        let enabled = serde_json::json!(names);
        let rows: Vec<accounts::ActiveModel> = (0..wallets)
            .map(|i| accounts::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(user.id),
                name: Set(format!("W{i}")),
                account_type: Set("wallet".into()),
                wallet_address: Set(Some(wallet(i))),
                enabled_chains: Set(Some(enabled.clone())),
                is_active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect();
        for part in rows.chunks(500) {
            accounts::Entity::insert_many(part.to_vec())
                .exec_without_returning(&db)
                .await?;
        }
        // Each wallet holds HELD tokens and some native coin on every chain.
        let mut sets = tokio::task::JoinSet::new();
        for c in 0..chains.len() {
            let chains = chains.clone();
            sets.spawn(async move {
                let chain = &chains[c];
                for i in 0..wallets {
                    let w = wallet(i);
                    for k in 0..HELD {
                        let token = &chain.tokens[(i * 7 + k * 31 + c) % tokens].address;
                        chain
                            .anvil
                            .set_token_balance(token, &w, U256::from(1_000 + i))
                            .await;
                    }
                    chain
                        .anvil
                        .set_balance(&w, U256::from(10u64).pow(U256::from(17u8)))
                        .await;
                }
            });
        }
        while let Some(done) = sets.join_next().await {
            done?;
        }
        println!();
        println!(
            "fleet: {wallets} wallets × {CHAINS} chains × {tokens} catalog tokens seeded in {:.1} s",
            started.elapsed().as_secs_f64()
        );

        let state = AppState::new(config, db, api::crypto::Cipher::new([9u8; 32], Vec::new()));
        let per_chain_floor = (wallets * tokens).div_ceil(chunk);
        // The seeded chains name the mainnet Aave and Uniswap addresses, which have no code on
        // these anvils: the first run finds that, the second remembers it.
        let (secs, requests) = sync_fleet(&state, wallets).await?;
        println!(
            "fleet sync, DeFi protocols absent (first run): {secs:.1} s, {requests} JSON-RPC \
             requests ({:.1} per chain per 100 wallets; the balance batches alone need {} per chain)",
            requests as f64 / CHAINS as f64 / (wallets as f64 / 100.0),
            per_chain_floor
        );
        let synced = accounts::Entity::find()
            .filter(accounts::Column::LastSyncStatus.eq("ok"))
            .all(&state.db)
            .await?;
        // Every wallet shows its tokens and its native coin on every chain, none flagged.
        let stored = api::store::holdings::of_accounts(&state.db, &synced).await?;
        for a in &synced {
            let held = stored.get(&a.id).cloned().unwrap_or_default();
            ensure!(
                held.len() >= CHAINS * 2 && held.iter().all(|h| h.flags.is_empty()),
                "wallet {} holds {:?}",
                a.name,
                held.iter()
                    .map(|h| (&h.symbol, &h.location, &h.flags))
                    .collect::<Vec<_>>()
            );
        }
        let total: usize = stored.values().map(Vec::len).sum();
        println!("holdings stored: {total} (tokens held and native coins)");
        // A debug build counts requests; its wall time says nothing about the target.
        ensure!(
            secs < 60.0 || cfg!(debug_assertions),
            "the fleet sync took {secs:.1} s (target < 60 s)"
        );
        let (again, requests) = sync_fleet(&state, wallets).await?;
        println!(
            "fleet sync, DeFi protocols absent (remembered): {again:.1} s, {requests} JSON-RPC requests"
        );

        // The real Aave v3 (DEFI_RESERVES reserves) and Uniswap v3 on every chain, the rows
        // pointing at them: every wallet's positions are read (none held: rounds 1 to 3).
        let reserves = crate::sizes::env_size("BENCH_EVM_DEFI_RESERVES", 20);
        let mut sets = tokio::task::JoinSet::new();
        for c in 0..chains.len() {
            let url = chains[c].anvil.url.clone();
            sets.spawn_blocking(move || {
                let args = serde_json::json!({"reserves": reserves, "uniswap": true});
                (c, crate::defi_fixture::fixture(&url, "deploy", args))
            });
        }
        while let Some(done) = sets.join_next().await {
            let (c, deploy) = done?;
            let deploy = deploy?;
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            evm_chains::Entity::update_many()
                .col_expr(
                    evm_chains::Column::AaveV3AddressesProvider,
                    Expr::value(text(&deploy["aave"]["addresses_provider"])),
                )
                .col_expr(
                    evm_chains::Column::UniswapV3PositionManager,
                    Expr::value(text(&deploy["uniswap"]["position_manager"])),
                )
                .col_expr(
                    evm_chains::Column::UniswapV3Factory,
                    Expr::value(text(&deploy["uniswap"]["factory"])),
                )
                .filter(evm_chains::Column::ChainName.eq(names[c]))
                .exec(&state.db)
                .await?;
        }
        let (present, requests) = sync_fleet(&state, wallets).await?;
        println!(
            "fleet sync, DeFi protocols present ({reserves} Aave reserves, Uniswap v3): \
             {present:.1} s, {requests} JSON-RPC requests"
        );
        let synced = accounts::Entity::find()
            .filter(accounts::Column::LastSyncStatus.eq("ok"))
            .count(&state.db)
            .await?;
        ensure!(
            synced as usize == wallets,
            "with the protocols present only {synced} wallets synced ok"
        );
        println!("part 3 target met");
        Ok(())
    }

    /// Runs the account-sync job once: its wall time and the JSON-RPC requests it sent.
    async fn sync_fleet(state: &AppState, wallets: usize) -> anyhow::Result<(f64, u64)> {
        let count = || {
            let mut requests = 0u64;
            for name in ["ethereum", "arbitrum", "optimism", "base", "bsc"] {
                for outcome in [
                    "ok",
                    "rpc_error",
                    "timeout",
                    "network",
                    "server_error",
                    "rate_limited",
                ] {
                    requests += state
                        .metrics
                        .upstream_requests
                        .with_label_values(&[&format!("evm:{name}"), outcome])
                        .get();
                }
            }
            requests
        };
        let before = count();
        let started = Instant::now();
        let run = api::jobs::run_to_end(state, "account-sync", api::jobs::Trigger::Manual).await?;
        let secs = started.elapsed().as_secs_f64();
        ensure!(
            run.status == "succeeded",
            "the job ended {}: {:?}",
            run.status,
            run.error
        );
        let synced = accounts::Entity::find()
            .filter(accounts::Column::LastSyncStatus.eq("ok"))
            .count(&state.db)
            .await?;
        ensure!(
            synced as usize == wallets,
            "only {synced} wallets synced ok"
        );
        Ok((secs, count() - before))
    }
}
