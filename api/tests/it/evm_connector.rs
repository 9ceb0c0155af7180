//! `EvmClient` against a real anvil: exact raw balances through Multicall3 and without it,
//! "not a token" for addresses without code and "failed" for failing tokens, request counts
//! and chunking, one block per reading, the chain row's Multicall3 address, re-checking a
//! missing Multicall3, and failures of unreachable or silent RPCs that never show the URL's key.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

// tokio's clock: real time, except in the tests that pause it.
use tokio::time::Instant;

use alloy::primitives::U256;
use api::config::{Config, EvmConfig};
use api::connectors::evm::EvmClient;
use api::connectors::{
    ChainBalances, ChainReading, ChainTarget, ConnectorError, TokenRead, TokenTarget,
};
use api::domain::amounts::{is_zero_raw, quantity_from_raw};
use api::metrics::Metrics;
use rust_decimal::Decimal;

use crate::anvil::{self, Anvil};

const WALLET: &str = "0x00000000000000000000000000000000000b0b01";
const CHAIN: &str = "testchain";

fn config(chunk: usize) -> EvmConfig {
    EvmConfig {
        multicall_chunk_size: chunk,
        rpc_timeout: Duration::from_secs(5),
        rpc_retries: 1,
    }
}

fn client(chunk: usize) -> (EvmClient, Arc<Metrics>) {
    let metrics = Arc::new(Metrics::new());
    let client = EvmClient::new(&config(chunk), metrics.clone())
        .with_backoff_base(Duration::from_millis(20));
    (client, metrics)
}

fn chain(url: &str, chain_id: u64, tokens: &[(String, u8)]) -> ChainTarget {
    ChainTarget {
        chain_name: CHAIN.into(),
        chain_id: chain_id as i64,
        rpc_url: url.into(),
        native_symbol: "ETH".into(),
        native_decimals: 18,
        tokens: tokens
            .iter()
            .map(|(address, decimals)| TokenTarget {
                address: address.clone(),
                symbol: format!("T{decimals}"),
                decimals: *decimals,
            })
            .collect(),
        multicall3_address: None,
    }
}

fn balances(reading: &ChainReading) -> Vec<Option<&str>> {
    reading.tokens.iter().map(|(_, b)| b.balance()).collect()
}

/// `balance`, `not_a_token` or `failed` per token.
fn kinds(reading: &ChainReading) -> Vec<&'static str> {
    reading
        .tokens
        .iter()
        .map(|(_, b)| match b {
            TokenRead::Balance(_) => "balance",
            TokenRead::NotAToken(_) => "not_a_token",
            TokenRead::Failed(_) => "failed",
        })
        .collect()
}

fn upstream_count(metrics: &Metrics, outcome: &str) -> u64 {
    metrics
        .upstream_requests
        .with_label_values(&[&format!("evm:{CHAIN}"), outcome])
        .get()
}

fn big(digits: &str) -> U256 {
    digits.parse().expect("base-10 digits")
}

/// Tokens of 0, 6, 8 and 18 decimals with minted balances, and the raw amounts to expect.
async fn minted_tokens(anvil: &Anvil) -> (Vec<(String, u8)>, Vec<Option<&'static str>>) {
    let amounts: [(u8, &'static str); 4] = [
        (0, "42"),
        (6, "1234567"),
        (8, "2100000000000000"),
        (18, "123456789012345678901"),
    ];
    let mut tokens = Vec::new();
    let mut expected = Vec::new();
    for (decimals, amount) in amounts {
        let token = anvil.deploy_token(decimals).await;
        anvil.mint(&token, WALLET, big(amount)).await;
        tokens.push((token, decimals));
        expected.push(Some(amount));
    }
    (tokens, expected)
}

/// Minted tokens plus the awkward ones: no code, reverting, one-byte answers, never held.
async fn mixed_tokens(anvil: &Anvil) -> (Vec<(String, u8)>, Vec<Option<&'static str>>) {
    let (mut tokens, mut expected) = minted_tokens(anvil).await;
    let no_code = "0x000000000000000000000000000000000000dead".to_string();
    let reverting = anvil::token_address(1);
    anvil.set_code(&reverting, anvil::REVERTING_CODE).await;
    let short = anvil::token_address(2);
    anvil.set_code(&short, anvil::SHORT_ANSWER_CODE).await;
    let never_held = anvil.deploy_token(18).await;
    for (token, balance) in [
        (no_code, None),
        (reverting, None),
        (short, None),
        (never_held, Some("0")),
    ] {
        tokens.push((token, 18));
        expected.push(balance);
    }
    (tokens, expected)
}

#[tokio::test]
async fn native_balance_and_tokens_of_0_6_8_and_18_decimals_are_read_exactly_through_multicall3_in_the_expected_number_of_requests(
) {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let (tokens, expected) = minted_tokens(&anvil).await;
    anvil
        .set_balance(WALLET, big("987654321987654321987"))
        .await;
    let (client, metrics) = client(200);
    let target = chain(&anvil.url, anvil.chain_id, &tokens);

    let cold = client.read(&target, WALLET).await.unwrap();
    assert_eq!(cold.chain_name, CHAIN);
    assert_eq!(cold.native, "987654321987654321987");
    assert_eq!(balances(&cold), expected);
    let addresses: Vec<_> = cold.tokens.iter().map(|(a, _)| a.clone()).collect();
    let requested: Vec<_> = tokens.iter().map(|(a, _)| a.clone()).collect();
    assert_eq!(
        addresses, requested,
        "one entry per token, in request order"
    );
    // eth_blockNumber, eth_getCode (Multicall3?), one aggregate3 (getEthBalance inside).
    assert_eq!(cold.requests, 3);

    let warm = client.read(&target, WALLET).await.unwrap();
    assert_eq!(warm.native, cold.native);
    assert_eq!(warm.tokens, cold.tokens);
    assert_eq!(warm.requests, 2, "ceil(4 / 200) + 1 on a warm client");

    assert_eq!(upstream_count(&metrics, "ok"), 5);
    let rendered = metrics.render();
    assert!(
        rendered.contains(&format!(
            "upstream_request_duration_seconds_count{{provider=\"evm:{CHAIN}\"}} 5"
        )),
        "{rendered}"
    );
    // And the quantities are exact.
    let quantities: Vec<Decimal> = tokens
        .iter()
        .zip(balances(&warm))
        .map(|((_, decimals), raw)| quantity_from_raw(raw.unwrap(), *decimals).unwrap())
        .collect();
    let exact = |s: &str| Decimal::from_str_exact(s).unwrap();
    assert_eq!(
        quantities,
        [
            exact("42"),
            exact("1.234567"),
            exact("21000000"),
            exact("123.456789012345678901")
        ]
    );
}

#[tokio::test]
async fn a_single_smallest_unit_of_an_18_decimal_token_is_reported() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let token = anvil.deploy_token(18).await;
    anvil.mint(&token, WALLET, U256::from(1)).await;
    let (client, _) = client(200);

    let reading = client
        .read(&chain(&anvil.url, anvil.chain_id, &[(token, 18)]), WALLET)
        .await
        .unwrap();
    let raw = reading.tokens[0].1.balance();
    assert_eq!(raw, Some("1"));
    assert!(!is_zero_raw(raw.unwrap()));
    assert_eq!(
        quantity_from_raw(raw.unwrap(), 18).unwrap().to_string(),
        "0.000000000000000001"
    );
}

#[tokio::test]
async fn a_balance_above_ten_to_the_twelve_whole_tokens_of_an_18_decimal_token_is_exact_in_raw() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let code = anvil.code(&anvil.deploy_token(18).await).await;
    let (trillions, max) = (anvil::token_address(10), anvil::token_address(11));
    anvil.clone_token(&code, &trillions, 18).await;
    anvil.clone_token(&code, &max, 18).await;
    // 10^12 whole tokens and one smallest unit: 31 digits, more than a Decimal holds.
    let amount = "1000000000000000000000000000001";
    anvil
        .set_token_balance(&trillions, WALLET, big(amount))
        .await;
    anvil.set_token_balance(&max, WALLET, U256::MAX).await;
    let (client, _) = client(200);

    let reading = client
        .read(
            &chain(&anvil.url, anvil.chain_id, &[(trillions, 18), (max, 18)]),
            WALLET,
        )
        .await
        .unwrap();
    let max_raw = U256::MAX.to_string();
    assert_eq!(balances(&reading), [Some(amount), Some(max_raw.as_str())]);
}

#[tokio::test]
async fn a_token_address_without_code_is_not_a_token_rather_than_zero_or_an_error() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let never_held = anvil.deploy_token(6).await;
    let no_code = "0x000000000000000000000000000000000000dead".to_string();
    let (client, _) = client(200);

    let reading = client
        .read(
            &chain(
                &anvil.url,
                anvil.chain_id,
                &[(no_code.clone(), 18), (never_held, 6)],
            ),
            WALLET,
        )
        .await
        .unwrap();
    assert_eq!(balances(&reading), [None, Some("0")]);
    assert_eq!(kinds(&reading), ["not_a_token", "balance"]);
    assert_eq!(reading.tokens[0].0, no_code);
}

#[tokio::test]
async fn a_reverting_token_is_a_failed_read_not_a_missing_token() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let token = anvil.deploy_token(18).await;
    anvil.mint(&token, WALLET, U256::from(7)).await;
    let reverting = anvil::token_address(1);
    anvil.set_code(&reverting, anvil::REVERTING_CODE).await;
    let (client, _) = client(200);

    let reading = client
        .read(
            &chain(&anvil.url, anvil.chain_id, &[(reverting, 18), (token, 18)]),
            WALLET,
        )
        .await
        .unwrap();
    assert_eq!(balances(&reading), [None, Some("7")]);
    assert_eq!(kinds(&reading), ["failed", "balance"]);
}

#[tokio::test]
async fn a_token_answering_with_fewer_than_32_bytes_is_a_failed_read() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let short = anvil::token_address(2);
    anvil.set_code(&short, anvil::SHORT_ANSWER_CODE).await;
    let (client, _) = client(200);

    let reading = client
        .read(&chain(&anvil.url, anvil.chain_id, &[(short, 18)]), WALLET)
        .await
        .unwrap();
    assert_eq!(balances(&reading), [None]);
    assert_eq!(kinds(&reading), ["failed"]);
}

#[tokio::test]
async fn a_chain_without_multicall3_falls_back_to_one_call_per_token_with_the_same_results() {
    let (with, without) = tokio::join!(Anvil::start(), Anvil::start_with_chain_id(31338));
    with.deploy_multicall3().await;
    let (tokens_with, expected) = mixed_tokens(&with).await;
    let (tokens_without, expected_without) = mixed_tokens(&without).await;
    assert_eq!(expected, expected_without);
    for anvil in [&with, &without] {
        anvil.set_balance(WALLET, U256::from(5)).await;
    }
    let (client, _) = client(200);
    let n = tokens_without.len();

    let batched = client
        .read(&chain(&with.url, with.chain_id, &tokens_with), WALLET)
        .await
        .unwrap();
    let target = chain(&without.url, without.chain_id, &tokens_without);
    let cold = client.read(&target, WALLET).await.unwrap();
    let warm = client.read(&target, WALLET).await.unwrap();

    assert_eq!(balances(&batched), expected);
    assert_eq!(balances(&cold), expected);
    assert_eq!(balances(&warm), expected);
    assert_eq!(kinds(&batched), kinds(&cold));
    assert_eq!((batched.native.as_str(), cold.native.as_str()), ("5", "5"));
    // eth_blockNumber, eth_getCode, aggregate3 (native inside), eth_getCode of the empty answer.
    assert_eq!(batched.requests, 4);
    assert_eq!(
        cold.requests,
        4 + n,
        "eth_blockNumber, eth_getCode, eth_getBalance, one eth_call per token, one eth_getCode"
    );
    assert_eq!(warm.requests, 3 + n, "the missing Multicall3 is remembered");
}

#[tokio::test]
async fn with_chunk_size_2_five_tokens_take_ceil_5_over_2_plus_1_requests_when_warm() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let code = anvil.code(&anvil.deploy_token(18).await).await;
    let mut tokens = Vec::new();
    let mut expected = HashMap::new();
    for i in 0..5usize {
        let address = anvil::token_address(100 + i);
        let decimals = [0u8, 6, 8, 18, 36][i];
        anvil.clone_token(&code, &address, decimals).await;
        let amount = U256::from(1000 + i);
        anvil.set_token_balance(&address, WALLET, amount).await;
        assert_eq!(anvil.token_balance(&address, WALLET).await, amount);
        expected.insert(address.clone(), Some(amount.to_string()));
        tokens.push((address, decimals));
    }
    let (client, _) = client(2);
    let target = chain(&anvil.url, anvil.chain_id, &tokens);

    let cold = client.read(&target, WALLET).await.unwrap();
    let warm = client.read(&target, WALLET).await.unwrap();
    assert_eq!(
        cold.requests, 5,
        "eth_blockNumber + eth_getCode + 3 chunks (the native balance in the first)"
    );
    assert_eq!(warm.requests, 5usize.div_ceil(2) + 1);
    let got: HashMap<_, _> = warm
        .tokens
        .iter()
        .map(|(a, b)| (a.clone(), b.balance().map(str::to_string)))
        .collect();
    assert_eq!(got, expected);
    let order: Vec<_> = warm.tokens.iter().map(|(a, _)| a.clone()).collect();
    let requested: Vec<_> = tokens.iter().map(|(a, _)| a.clone()).collect();
    assert_eq!(order, requested);
}

#[tokio::test]
async fn an_rpc_url_where_nothing_listens_fails_quickly_without_showing_the_key_in_the_url() {
    let port = anvil::free_port();
    let url = format!("http://127.0.0.1:{port}/v3/PATHKEY123?apikey=QUERYKEY456");
    let (client, metrics) = client(200);
    let target = chain(&url, 1, &[(anvil::token_address(1), 18)]);

    let started = Instant::now();
    let err = client.read(&target, WALLET).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(
            err,
            ConnectorError::Network {
                provider: "evm:testchain",
                ..
            } | ConnectorError::Timeout {
                provider: "evm:testchain"
            }
        ),
        "{err:?}"
    );
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(
            !text.contains("PATHKEY123") && !text.contains("QUERYKEY456") && !text.contains("v3"),
            "{text}"
        );
    }
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    // One attempt and one retry, both counted.
    assert_eq!(upstream_count(&metrics, "network"), 2);
}

// A paused clock: the two 300 ms deadlines are tokio timers, so the elapsed time is theirs.
#[tokio::test(start_paused = true)]
async fn an_rpc_that_accepts_connections_but_never_answers_times_out_after_the_deadline() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let metrics = Arc::new(Metrics::new());
    let cfg = EvmConfig {
        multicall_chunk_size: 200,
        rpc_timeout: Duration::from_millis(300),
        rpc_retries: 1,
    };
    let client = EvmClient::new(&cfg, metrics.clone()).with_backoff_base(Duration::from_millis(10));
    let target = chain(&format!("http://127.0.0.1:{port}/?key=SECRET"), 1, &[]);

    let started = Instant::now();
    let err = client.read(&target, WALLET).await.unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(
        err,
        ConnectorError::Timeout {
            provider: "evm:testchain"
        }
    );
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(upstream_count(&metrics, "timeout"), 2);
    silent.abort();
}

#[tokio::test]
async fn a_wallet_that_is_not_an_evm_address_is_refused_without_a_request() {
    let (client, metrics) = client(200);
    let target = chain("http://127.0.0.1:9/", 1, &[]);
    let err = client.read(&target, "not-an-address").await.unwrap_err();
    assert!(
        matches!(
            err,
            ConnectorError::Refused {
                provider: "evm:testchain",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(upstream_count(&metrics, "network"), 0);
}

#[test]
fn evm_settings_come_from_the_environment_with_their_defaults() {
    let vars = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let defaults = Config::from_vars(&vars(&[])).unwrap().evm;
    assert_eq!(defaults, EvmConfig::default());
    assert_eq!(
        defaults,
        EvmConfig {
            multicall_chunk_size: 500,
            rpc_timeout: Duration::from_secs(15),
            rpc_retries: 2,
        }
    );
    let set = Config::from_vars(&vars(&[
        ("EVM_MULTICALL_CHUNK_SIZE", "50"),
        ("EVM_RPC_TIMEOUT_SECS", "3"),
        ("EVM_RPC_RETRIES", "0"),
    ]))
    .unwrap()
    .evm;
    assert_eq!(
        set,
        EvmConfig {
            multicall_chunk_size: 50,
            rpc_timeout: Duration::from_secs(3),
            rpc_retries: 0,
        }
    );
    let err = Config::from_vars(&vars(&[("EVM_MULTICALL_CHUNK_SIZE", "0")])).unwrap_err();
    assert!(
        err.to_string().contains("EVM_MULTICALL_CHUNK_SIZE"),
        "{err}"
    );
}

/// A loopback JSON-RPC proxy to `upstream` that records every request body.
async fn recording_proxy(
    upstream: String,
) -> (
    String,
    Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
    tokio::task::JoinHandle<()>,
) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let http = reqwest::Client::new();
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/",
        axum::routing::post(move |body: String| {
            let (http, upstream, log) = (http.clone(), upstream.clone(), log.clone());
            async move {
                log.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).expect("JSON-RPC body"));
                let answer = http
                    .post(&upstream)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("anvil answers");
                answer.text().await.expect("a body")
            }
        }),
    );
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("proxy serves");
    });
    (url, seen, server)
}

#[tokio::test]
async fn native_and_token_balances_of_one_reading_are_read_at_the_block_of_one_eth_block_number() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let (tokens, expected) = mixed_tokens(&anvil).await;
    anvil.set_balance(WALLET, U256::from(9)).await;
    let (proxy, seen, server) = recording_proxy(anvil.url.clone()).await;
    let (client, _) = client(2);

    let reading = client
        .read(&chain(&proxy, anvil.chain_id, &tokens), WALLET)
        .await
        .unwrap();
    server.abort();
    assert_eq!(balances(&reading), expected);
    let block = format!("{:#x}", reading.block.expect("the reading names its block"));
    let seen = seen.lock().unwrap().clone();
    let methods: Vec<&str> = seen.iter().map(|r| r["method"].as_str().unwrap()).collect();
    assert_eq!(methods[0], "eth_blockNumber", "{methods:?}");
    assert_eq!(
        methods.iter().filter(|m| **m == "eth_blockNumber").count(),
        1
    );
    for r in &seen[1..] {
        let tag = &r["params"][1];
        assert_eq!(
            tag,
            &serde_json::json!(block),
            "{} not at the reading's block",
            r
        );
    }
    // The native balance rides in the batch (Multicall3's getEthBalance).
    assert!(!methods.contains(&"eth_getBalance") && methods.contains(&"eth_call"));
}

#[tokio::test]
async fn the_chain_rows_multicall3_address_is_used_instead_of_the_canonical_one() {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let multicall_code = anvil.code(anvil::MULTICALL3).await;
    let elsewhere = "0x00000000000000000000000000000000000ca113";
    anvil.set_code(elsewhere, &multicall_code).await;
    anvil.set_code(anvil::MULTICALL3, "0x").await;
    let (tokens, expected) = minted_tokens(&anvil).await;
    let (client, _) = client(200);
    let mut target = chain(&anvil.url, anvil.chain_id, &tokens);
    target.multicall3_address = Some(elsewhere.to_string());

    let reading = client.read(&target, WALLET).await.unwrap();
    assert_eq!(balances(&reading), expected);
    assert_eq!(
        reading.requests, 3,
        "eth_blockNumber, eth_getCode, one aggregate3 at the row's address (native inside)"
    );
}

#[tokio::test]
async fn a_chain_found_without_multicall3_is_checked_again_after_the_recheck_interval() {
    let anvil = Anvil::start().await;
    let (tokens, expected) = minted_tokens(&anvil).await;
    let n = tokens.len();
    let client = EvmClient::new(&config(200), Arc::new(Metrics::new()))
        .with_backoff_base(Duration::from_millis(20))
        .with_multicall_recheck(Duration::from_millis(300));
    let target = chain(&anvil.url, anvil.chain_id, &tokens);

    let without = client.read(&target, WALLET).await.unwrap();
    assert_eq!(without.requests, 3 + n, "one eth_call per token");
    anvil.deploy_multicall3().await;
    let remembered = client.read(&target, WALLET).await.unwrap();
    assert_eq!(remembered.requests, 2 + n, "still remembered as missing");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let rechecked = client.read(&target, WALLET).await.unwrap();
    assert_eq!(
        rechecked.requests, 3,
        "checked again, found, and batched through Multicall3 (native inside)"
    );
    let warm = client.read(&target, WALLET).await.unwrap();
    assert_eq!(warm.requests, 2);
    for r in [&without, &remembered, &rechecked, &warm] {
        assert_eq!(balances(r), expected);
    }
}
