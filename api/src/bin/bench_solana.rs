//! Solana sync benchmark: 100 wallets × 50 tokens each (40 classic SPL, 10 Token-2022 of which
//! half are ScaledUiAmount mints; 500 distinct Token-2022 mints), read with the real
//! `SolanaClient` from an in-process JSON-RPC server that answers in the node's `jsonParsed`
//! shapes and adds 30 ms to every HTTP request (a realistic round trip). Prints HTTP requests,
//! JSON-RPC calls and wall time for a cold pass (empty mint cache) and a warm one, sequential
//! and 8 wallets at a time, and asserts the request budget: one HTTP request per wallet plus
//! ceil(new Token-2022 mints / 100) per wallet on the cold pass, one per wallet warm.
//!
//! Run: `cargo run --release -p api --bin bench_solana` (`BENCH_SOLANA_WALLETS`,
//! `BENCH_SOLANA_TOKENS`, `BENCH_SOLANA_DELAY_MS` override 100, 50 and 30).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::ensure;
use api::config::RpcSafetyConfig;
use api::connectors::solana::{
    SolanaBalances, SolanaClient, SolanaTarget, TOKEN_2022_PROGRAM, TOKEN_PROGRAM,
};
use api::domain::solana_address::encode;
use serde_json::{json, Value};
use tokio::task::JoinSet;

#[path = "common/sizes.rs"]
mod sizes;

fn key(kind: u8, n: usize) -> String {
    let mut b = [7u8; 32];
    b[0] = kind;
    b[1..9].copy_from_slice(&(n as u64).to_le_bytes());
    encode(&b)
}

struct Bench {
    wallets: usize,
    tokens: usize,
}

impl Bench {
    fn classic(&self) -> usize {
        self.tokens * 4 / 5
    }
    /// Wallet `w`'s token `t`: (mint, program, raw amount).
    fn token(&self, w: usize, t: usize) -> (String, &'static str, u64) {
        let raw = 1_000_000 + (w * 1_000 + t) as u64;
        if t < self.classic() {
            // Classic mints are shared between wallets (popular tokens).
            (key(1, t), TOKEN_PROGRAM, raw)
        } else {
            // Token-2022 mints are each wallet's own: every one is new on the cold pass.
            (key(2, w * self.tokens + t), TOKEN_2022_PROGRAM, raw)
        }
    }
}

fn account_item(mint: &str, owner: &str, program: &str, raw: u64) -> Value {
    let name = if program == TOKEN_PROGRAM {
        "spl-token"
    } else {
        "spl-token-2022"
    };
    json!({"pubkey": key(9, raw as usize), "account": {"lamports": 2039280, "owner": program,
        "executable": false, "rentEpoch": 0u64, "space": 165,
        "data": {"program": name, "space": 165, "parsed": {"type": "account", "info": {
            "isNative": false, "mint": mint, "owner": owner, "state": "initialized",
            "tokenAmount": {"amount": raw.to_string(), "decimals": 6,
                "uiAmount": raw as f64 / 1e6, "uiAmountString": format!("{}", raw as f64 / 1e6)}}}}}})
}

fn mint_value(mint: &str, scaled: bool) -> Value {
    let mut ext = vec![
        json!({"extension": "tokenMetadata", "state": {"name": format!("Token {}", &mint[..6]),
        "symbol": format!("T{}", &mint[..3]), "uri": "", "mint": mint, "updateAuthority": null, "additionalMetadata": []}}),
    ];
    if scaled {
        ext.push(
            json!({"extension": "scaledUiAmountConfig", "state": {"authority": null,
            "multiplier": "1.25", "newMultiplier": "1.25", "newMultiplierEffectiveTimestamp": 0}}),
        );
    }
    json!({"lamports": 1461600, "owner": TOKEN_2022_PROGRAM, "executable": false, "rentEpoch": 0u64, "space": 300,
        "data": {"program": "spl-token-2022", "space": 300, "parsed": {"type": "mint", "info": {
            "decimals": 6, "supply": "1000000000000", "isInitialized": true, "mintAuthority": null,
            "freezeAuthority": null, "extensions": ext}}}})
}

struct Counters {
    http: AtomicUsize,
    calls: AtomicUsize,
}

async fn serve(bench: Arc<Bench>, counters: Arc<Counters>, delay: Duration) -> String {
    let owners: Vec<String> = (0..bench.wallets).map(|w| key(0, w)).collect();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |body: axum::body::Bytes| {
            let (bench, counters, owners) = (bench.clone(), counters.clone(), owners.clone());
            async move {
                tokio::time::sleep(delay).await;
                counters.http.fetch_add(1, Ordering::Relaxed);
                let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let calls: Vec<Value> = match &req {
                    Value::Array(a) => a.clone(),
                    one => vec![one.clone()],
                };
                counters.calls.fetch_add(calls.len(), Ordering::Relaxed);
                let answers: Vec<Value> = calls
                    .iter()
                    .map(|c| {
                        let p = &c["params"];
                        let result = match c["method"].as_str().unwrap_or_default() {
                            "getBalance" => {
                                json!({"context": {"slot": 1}, "value": 1_000_000_000u64})
                            }
                            "getTokenAccountsByOwner" => {
                                let owner = p[0].as_str().unwrap_or_default();
                                let program = p[1]["programId"].as_str().unwrap_or_default();
                                let w = owners.iter().position(|o| o == owner).unwrap_or(0);
                                let items: Vec<Value> = (0..bench.tokens)
                                    .map(|t| bench.token(w, t))
                                    .filter(|(_, prog, _)| *prog == program)
                                    .map(|(m, prog, raw)| account_item(&m, owner, prog, raw))
                                    .collect();
                                json!({"context": {"slot": 1}, "value": items})
                            }
                            "getMultipleAccounts" => {
                                let keys = p[0].as_array().cloned().unwrap_or_default();
                                let values: Vec<Value> = keys
                                    .iter()
                                    .map(|k| {
                                        let m = k.as_str().unwrap_or_default();
                                        mint_value(
                                            m,
                                            m.as_bytes().last().is_some_and(|b| b % 2 == 0),
                                        )
                                    })
                                    .collect();
                                json!({"context": {"slot": 1}, "value": values})
                            }
                            _ => Value::Null,
                        };
                        json!({"jsonrpc": "2.0", "id": c["id"], "result": result})
                    })
                    .collect();
                let out = if req.is_array() {
                    Value::Array(answers)
                } else {
                    answers.into_iter().next().unwrap_or(Value::Null)
                };
                axum::Json(out)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let bench = Arc::new(Bench {
        wallets: sizes::env_size("BENCH_SOLANA_WALLETS", 100),
        tokens: sizes::env_size("BENCH_SOLANA_TOKENS", 50),
    });
    let delay = Duration::from_millis(sizes::env_size("BENCH_SOLANA_DELAY_MS", 30) as u64);
    let counters = Arc::new(Counters {
        http: AtomicUsize::new(0),
        calls: AtomicUsize::new(0),
    });
    let url = serve(bench.clone(), counters.clone(), delay).await;
    let target = SolanaTarget {
        rpc_url: url,
        requests_per_second: 1_000,
        timeout: Duration::from_secs(10),
    };
    let t22 = bench.tokens - bench.classic();
    println!(
        "{} wallets × {} tokens ({} classic, {} Token-2022 each), {} ms per HTTP request",
        bench.wallets,
        bench.tokens,
        bench.classic(),
        t22,
        delay.as_millis()
    );
    for parallel in [1usize, 8] {
        let client = Arc::new(SolanaClient::new(&RpcSafetyConfig::default()));
        for pass in ["cold", "warm"] {
            counters.http.store(0, Ordering::Relaxed);
            counters.calls.store(0, Ordering::Relaxed);
            let started = Instant::now();
            let mut set = JoinSet::new();
            let mut tokens_read = 0usize;
            let mut scaled = 0usize;
            for w in 0..bench.wallets {
                if set.len() >= parallel {
                    let (n, s) = set.join_next().await.unwrap()??;
                    tokens_read += n;
                    scaled += s;
                }
                let (client, target) = (client.clone(), target.clone());
                set.spawn(async move {
                    let r = client.read(&target, &key(0, w)).await?;
                    let s = r
                        .tokens
                        .iter()
                        .filter(|t| {
                            matches!(&t.mint_info, api::connectors::solana::MintRead::Info(i) if i.scaling.is_some())
                        })
                        .count();
                    anyhow::Ok((r.tokens.len(), s))
                });
            }
            while let Some(r) = set.join_next().await {
                let (n, s) = r??;
                tokens_read += n;
                scaled += s;
            }
            let took = started.elapsed();
            let http = counters.http.load(Ordering::Relaxed);
            let calls = counters.calls.load(Ordering::Relaxed);
            println!(
                "{parallel} at a time, {pass}: {http} HTTP requests ({calls} JSON-RPC calls), {tokens_read} balances ({scaled} scaled), {:.2} s, {:.1} ms per wallet",
                took.as_secs_f64(),
                took.as_secs_f64() * 1000.0 / bench.wallets as f64
            );
            ensure!(
                tokens_read == bench.wallets * bench.tokens,
                "every balance read"
            );
            let budget = if pass == "cold" {
                bench.wallets * (1 + t22.div_ceil(100))
            } else {
                bench.wallets
            };
            ensure!(
                http == budget,
                "{pass}: {http} HTTP requests, budget {budget}"
            );
        }
    }
    Ok(())
}
