//! `EvmClient`: wallets' native and ERC-20 balances on EVM chains over JSON-RPC.
//!
//! One reading first asks `eth_blockNumber` and reads everything at that block, so native and
//! token balances are one consistent picture. With Multicall3 (at the chain row's
//! `multicall3_address`, the canonical address when unset) every balance goes through
//! `aggregate3` (`allowFailure = true`) in chunks of `EVM_MULTICALL_CHUNK_SIZE` calls:
//! `balanceOf(wallet)` per token and Multicall3's own `getEthBalance(wallet)` for the native
//! coin. Several wallets of one chain share the chunks ([`ChainBalances::read_wallets`]).
//! Without Multicall3: `eth_getBalance` and one `eth_call` per token. Whether a chain has
//! Multicall3 (`eth_getCode` at that address returns code) is remembered per `(chain_id,
//! rpc_url, address)`: a present one for the life of the process, an absent one for
//! [`MULTICALL_RECHECK`] (then asked again), so a warm reading of `n` tokens for `w` wallets
//! takes `ceil(w × n / chunk) + 1` requests.
//!
//! Token metadata (`decimals`, `symbol`, `name`) is read the same way, three calls per token
//! in one batch ([`ChainBalances::token_metadata`]).
//!
//! Per token: a call that reverts or answers fewer than 32 bytes is [`TokenRead::Failed`]
//! (the balance is unknown). Multicall3 reports a call to an address without code as a success
//! with empty data, so an empty answer costs one `eth_getCode` of that token: no code is
//! [`TokenRead::NotAToken`], code is `Failed`.
//!
//! Every request has a deadline and is retried with backoff after connection errors,
//! timeouts, HTTP 429 and 5xx. Errors and metrics name the provider `evm:<chain_name>`; RPC
//! URLs often carry a key in their path or query, so errors show only scheme, host and port.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task;
use std::time::{Duration, Instant};

use alloy::eips::BlockId;
use alloy::network::{Ethereum, Network, TransactionBuilder};
use alloy::primitives::{address, Address, Bytes, U256};
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::client::ClientBuilder;
use alloy::rpc::json_rpc::{ErrorPayload, RequestPacket, ResponsePacket};
use alloy::sol_types::SolCall;
use alloy::transports::{RpcError, TransportError, TransportErrorKind, TransportFut};
use rand::Rng;
use tokio::task::JoinSet;

use super::rpc_guard::{read_capped, GuardedResolver, TooLarge};
use super::{ChainBalances, ChainReading, ChainTarget, ConnectorError, TokenMeta, TokenRead};
use crate::config::{EvmConfig, RpcSafetyConfig};
use crate::metrics::Metrics;

/// Multicall3's address, the same on every chain that has it.
pub const MULTICALL3: Address = address!("cA11bde05977b3631167028862bE2a173976CA11");

/// How long a chain found without Multicall3 is read token by token before it is checked again.
pub const MULTICALL_RECHECK: Duration = Duration::from_secs(600);

/// Requests of one reading in flight at once: enough to overlap round trips, few enough for
/// public RPCs' rate limits when a chain lacks Multicall3 and every token is one request.
const MAX_IN_FLIGHT: usize = 4;

mod abi {
    alloy::sol! {
        struct Call3 {
            address target;
            bool allowFailure;
            bytes callData;
        }
        struct Result3 {
            bool success;
            bytes returnData;
        }
        function aggregate3(Call3[] calls) external payable returns (Result3[] returnData);
        function balanceOf(address owner) external view returns (uint256);
        function getEthBalance(address addr) external view returns (uint256 balance);
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
        function name() external view returns (string);
    }
}

/// Longest wait for `eth_chainId` when a chain is added or changed.
const CHAIN_ID_DEADLINE: Duration = Duration::from_secs(10);

/// Reads wallets on EVM chains. One client serves every chain; share it as `Arc<EvmClient>`.
pub struct EvmClient {
    http: reqwest::Client,
    pub(super) chunk_size: usize,
    timeout: Duration,
    retries: u32,
    backoff_base: Duration,
    use_multicall: bool,
    metrics: Arc<Metrics>,
    multicall_recheck: Duration,
    /// Whether a chain has Multicall3, and when that was found.
    has_multicall: Mutex<HashMap<MulticallKey, (bool, Instant)>>,
    /// DeFi protocol addresses found without code (see `defi::AbsentProtocols`).
    pub(super) absent_protocols: Mutex<super::defi::AbsentProtocols>,
    max_response_bytes: usize,
}

type MulticallKey = (i64, String, Address);

impl EvmClient {
    /// A client with the configured chunk size, per-request deadline and retries, reaching
    /// any address (tests, benchmarks); the server uses [`EvmClient::with_safety`].
    pub fn new(cfg: &EvmConfig, metrics: Arc<Metrics>) -> Self {
        Self::with_safety(cfg, &RpcSafetyConfig::default(), metrics)
    }

    /// A client that follows no redirects, reads at most `safety.max_response_bytes` of an
    /// answer, and connects only to the address ranges `safety.allow` permits.
    pub fn with_safety(cfg: &EvmConfig, safety: &RpcSafetyConfig, metrics: Arc<Metrics>) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.rpc_timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("crypto-pocket-butler/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver::new(safety.allow)))
            .build()
            .expect("the HTTP client builds");
        Self {
            http,
            chunk_size: cfg.multicall_chunk_size.max(1),
            timeout: cfg.rpc_timeout,
            retries: cfg.rpc_retries,
            backoff_base: Duration::from_millis(100),
            use_multicall: true,
            metrics,
            multicall_recheck: MULTICALL_RECHECK,
            has_multicall: Mutex::default(),
            absent_protocols: Mutex::default(),
            max_response_bytes: safety.max_response_bytes,
        }
    }

    /// Re-checks a chain found without Multicall3 after `after` instead of [`MULTICALL_RECHECK`].
    pub fn with_multicall_recheck(mut self, after: Duration) -> Self {
        self.multicall_recheck = after;
        self
    }

    /// Reads tokens with one `eth_call` each even where Multicall3 exists (for benchmarks and
    /// for diagnosing a chain whose Multicall3 misbehaves).
    pub fn without_multicall(mut self) -> Self {
        self.use_multicall = false;
        self
    }

    /// Backoff before retry `n` is uniform in `0..=min(2 s, base × 2^n)` (default 100 ms).
    pub fn with_backoff_base(mut self, base: Duration) -> Self {
        self.backoff_base = base;
        self
    }

    fn cached_multicall(&self, key: &MulticallKey) -> Option<bool> {
        let cache = self.has_multicall.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(key)
            .filter(|(present, at)| *present || at.elapsed() < self.multicall_recheck)
            .map(|(present, _)| *present)
    }

    fn remember_multicall(&self, key: MulticallKey, present: bool) {
        let mut cache = self.has_multicall.lock().unwrap_or_else(|e| e.into_inner());
        cache.insert(key, (present, Instant::now()));
    }

    pub(super) async fn chain_has_multicall(
        &self,
        rpc: &Rpc,
        chain: &ChainTarget,
        multicall: Address,
        at: BlockId,
    ) -> Result<bool, ConnectorError> {
        let key = (chain.chain_id, chain.rpc_url.clone(), multicall);
        if let Some(present) = self.cached_multicall(&key) {
            return Ok(present);
        }
        let code = rpc
            .provider
            .get_code_at(multicall)
            .block_id(at)
            .await
            .map_err(|e| rpc.error("eth_getCode", e))?;
        let present = !code.is_empty();
        if !present {
            tracing::info!(
                provider = rpc.label,
                multicall3 = %multicall,
                "no Multicall3 on this chain; reading tokens one by one until the next check"
            );
        }
        self.remember_multicall(key, present);
        Ok(present)
    }
}

/// The Multicall3 address of a chain row: its own, or the canonical one when unset or unreadable.
pub(super) fn multicall_address(chain: &ChainTarget) -> Address {
    match chain.multicall3_address.as_deref().map(str::trim) {
        None | Some("") => MULTICALL3,
        Some(text) => text.parse().unwrap_or_else(|_| {
            tracing::warn!(
                chain = %chain.chain_name,
                multicall3 = text,
                "the chain's multicall3_address is not an EVM address; using the canonical one"
            );
            MULTICALL3
        }),
    }
}

#[async_trait::async_trait]
impl ChainBalances for EvmClient {
    async fn read(
        &self,
        chain: &ChainTarget,
        wallet: &str,
    ) -> Result<ChainReading, ConnectorError> {
        let mut readings = self.read_wallets(chain, &[wallet.to_string()]).await?;
        Ok(readings.remove(0))
    }

    async fn read_wallets(
        &self,
        chain: &ChainTarget,
        wallets: &[String],
    ) -> Result<Vec<ChainReading>, ConnectorError> {
        let label = provider_label(&chain.chain_name);
        let owners = wallets
            .iter()
            .map(|w| w.parse::<Address>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ConnectorError::Refused {
                provider: label,
                reason: "the wallet is not an EVM address (0x and 40 hex digits)".into(),
            })?;
        if owners.is_empty() {
            return Ok(Vec::new());
        }
        let rpc = Rpc::connect(self, label, &chain.rpc_url)?;
        let block = rpc
            .provider
            .get_block_number()
            .await
            .map_err(|e| rpc.error("eth_blockNumber", e))?;
        let at = BlockId::number(block);
        let multicall_at = multicall_address(chain);
        let multicall = self.use_multicall
            && self
                .chain_has_multicall(&rpc, chain, multicall_at, at)
                .await?;

        let targets: Vec<Option<Address>> = chain
            .tokens
            .iter()
            .map(|t| match t.address.parse::<Address>() {
                Ok(a) => Some(a),
                Err(_) => {
                    tracing::warn!(
                        provider = label,
                        token = %t.address,
                        "token address is not an EVM address; it is not read"
                    );
                    None
                }
            })
            .collect();
        let valid: Vec<Address> = targets.iter().flatten().copied().collect();

        let (natives, answers) = if multicall {
            read_batched(&rpc, &owners, &valid, self.chunk_size, multicall_at, at).await?
        } else {
            let mut natives = Vec::with_capacity(owners.len());
            let mut answers = Vec::with_capacity(owners.len());
            for &owner in &owners {
                let native = async {
                    rpc.provider
                        .get_balance(owner)
                        .block_id(at)
                        .await
                        .map_err(|e| rpc.error("eth_getBalance", e))
                };
                let tokens = async {
                    if valid.is_empty() {
                        Ok(Vec::new())
                    } else {
                        read_one_by_one(&rpc, owner, &valid, at).await
                    }
                };
                let (n, a) = tokio::try_join!(native, tokens)?;
                natives.push(n);
                answers.push(a);
            }
            (natives, answers)
        };
        let answers = classify_empty(&rpc, &valid, answers, at).await?;
        let requests = rpc.transport.shared.requests.load(Ordering::Relaxed);

        Ok(natives
            .into_iter()
            .zip(answers)
            .map(|(native, answers)| {
                let mut answers = answers.into_iter();
                let tokens = chain
                    .tokens
                    .iter()
                    .zip(&targets)
                    .map(|(t, target)| {
                        let read = match target {
                            Some(_) => answers.next().unwrap_or_else(|| {
                                TokenRead::Failed("no answer for this token".to_string())
                            }),
                            None => TokenRead::NotAToken(
                                "the token address is not an EVM address".into(),
                            ),
                        };
                        (t.address.clone(), read)
                    })
                    .collect();
                ChainReading {
                    chain_name: chain.chain_name.clone(),
                    native: native.to_string(),
                    tokens,
                    block: Some(block),
                    requests,
                }
            })
            .collect())
    }

    async fn token_metadata(
        &self,
        chain: &ChainTarget,
        tokens: &[String],
    ) -> Result<Vec<TokenMeta>, ConnectorError> {
        let label = provider_label(&chain.chain_name);
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let rpc = Rpc::connect(self, label, &chain.rpc_url)?;
        let block = rpc
            .provider
            .get_block_number()
            .await
            .map_err(|e| rpc.error("eth_blockNumber", e))?;
        let at = BlockId::number(block);
        let multicall_at = multicall_address(chain);
        let multicall = self.use_multicall
            && self
                .chain_has_multicall(&rpc, chain, multicall_at, at)
                .await?;
        let addresses: Vec<Option<Address>> = tokens.iter().map(|t| t.parse().ok()).collect();
        let calls: Vec<(Address, Bytes)> = addresses
            .iter()
            .flatten()
            .flat_map(|&a| {
                [
                    (a, abi::decimalsCall {}.abi_encode().into()),
                    (a, abi::symbolCall {}.abi_encode().into()),
                    (a, abi::nameCall {}.abi_encode().into()),
                ]
            })
            .collect();
        let answers: Vec<Option<Bytes>> = if multicall {
            // Three calls per token; metadata is asked only for a few tokens at a time.
            let chunk = (self.chunk_size.max(3) / 3) * 3;
            aggregate(&rpc, calls, chunk, multicall_at, at).await?
        } else {
            let rpc2 = rpc.clone();
            bounded(
                calls,
                MAX_IN_FLIGHT,
                move |(to, input): (Address, Bytes)| {
                    let rpc = rpc2.clone();
                    let tx = <Ethereum as Network>::TransactionRequest::default()
                        .with_to(to)
                        .with_input(input);
                    async move {
                        match rpc.provider.call(tx).block(at).await {
                            Ok(out) => Ok(Some(out)),
                            Err(RpcError::ErrorResp(e)) if is_execution_failure(&e) => Ok(None),
                            Err(e) => Err(rpc.error("eth_call token metadata", e)),
                        }
                    }
                },
            )
            .await?
        };
        let mut answers = answers.chunks(3);
        Ok(addresses
            .iter()
            .map(|a| match (a, answers.next()) {
                (Some(_), Some([decimals, symbol, name])) => TokenMeta {
                    decimals: decimals.as_ref().and_then(|d| decimals_answer(d)),
                    symbol: symbol.as_ref().and_then(|d| text_answer(d)),
                    name: name.as_ref().and_then(|d| text_answer(d)),
                },
                _ => TokenMeta::default(),
            })
            .collect())
    }

    async fn chain_id(&self, chain_name: &str, rpc_url: &str) -> Result<u64, ConnectorError> {
        let label = provider_label(chain_name);
        let rpc = Rpc::connect(self, label, rpc_url)?;
        // An admin waits for this answer: one deadline for the whole check, retries included.
        let deadline = self.timeout.min(CHAIN_ID_DEADLINE);
        match tokio::time::timeout(deadline, rpc.provider.get_chain_id()).await {
            Ok(answer) => answer.map_err(|e| rpc.error("eth_chainId", e)),
            Err(_) => Err(ConnectorError::Timeout { provider: label }),
        }
    }

    async fn defi_positions(
        &self,
        target: &super::defi::DefiTarget,
        wallet: &str,
    ) -> Result<super::defi::DefiReading, ConnectorError> {
        self.read_defi(target, wallet).await
    }

    async fn defi_positions_wallets(
        &self,
        target: &super::defi::DefiTarget,
        wallets: &[String],
    ) -> Result<Vec<super::defi::DefiReading>, ConnectorError> {
        self.read_defi_wallets(target, wallets).await
    }
}

/// What one `balanceOf` answered, before empty answers are told apart.
enum Answer {
    Read(TokenRead),
    /// Success with no data: no code at the address, or a contract that returns nothing.
    Empty,
}

/// Answers as [`TokenRead`]s: each token that answered empty (for any wallet) costs one
/// `eth_getCode` at the reading's block, no code making it [`TokenRead::NotAToken`] and code
/// [`TokenRead::Failed`].
async fn classify_empty(
    rpc: &Rpc,
    tokens: &[Address],
    answers: Vec<Vec<Answer>>,
    at: BlockId,
) -> Result<Vec<Vec<TokenRead>>, ConnectorError> {
    let mut empty: Vec<Address> = Vec::new();
    for wallet in &answers {
        for (t, a) in tokens.iter().zip(wallet) {
            if matches!(a, Answer::Empty) && !empty.contains(t) {
                empty.push(*t);
            }
        }
    }
    let rpc2 = rpc.clone();
    let has_code = bounded(empty.clone(), MAX_IN_FLIGHT, move |token: Address| {
        let rpc = rpc2.clone();
        async move {
            rpc.provider
                .get_code_at(token)
                .block_id(at)
                .await
                .map(|code| !code.is_empty())
                .map_err(|e| rpc.error("eth_getCode", e))
        }
    })
    .await?;
    let code: HashMap<Address, bool> = empty.into_iter().zip(has_code).collect();
    Ok(answers
        .into_iter()
        .map(|wallet| {
            tokens
                .iter()
                .zip(wallet)
                .map(|(t, a)| match a {
                    Answer::Read(r) => r,
                    Answer::Empty if code.get(t).copied().unwrap_or(true) => {
                        TokenRead::Failed("balanceOf returned no data".into())
                    }
                    Answer::Empty => {
                        TokenRead::NotAToken("no contract is deployed at this address".into())
                    }
                })
                .collect()
        })
        .collect())
}

/// Calls through `aggregate3` (`allowFailure = true`), `chunk` calls per request, at most
/// [`MAX_IN_FLIGHT`] requests at once: each call's return data, `None` where it reverted.
async fn aggregate(
    rpc: &Rpc,
    calls: Vec<(Address, Bytes)>,
    chunk: usize,
    multicall: Address,
    at: BlockId,
) -> Result<Vec<Option<Bytes>>, ConnectorError> {
    let jobs: Vec<Vec<(Address, Bytes)>> = calls.chunks(chunk.max(1)).map(<[_]>::to_vec).collect();
    aggregate_chunks(rpc, jobs, multicall, at).await
}

/// One `aggregate3` request per job (a job is a list of calls); answers in call order.
pub(super) async fn aggregate_chunks(
    rpc: &Rpc,
    jobs: Vec<Vec<(Address, Bytes)>>,
    multicall: Address,
    at: BlockId,
) -> Result<Vec<Option<Bytes>>, ConnectorError> {
    let rpc2 = rpc.clone();
    let chunks = bounded(jobs, MAX_IN_FLIGHT, move |job: Vec<(Address, Bytes)>| {
        let rpc = rpc2.clone();
        async move {
            let count = job.len();
            let calls: Vec<abi::Call3> = job
                .into_iter()
                .map(|(target, call_data)| abi::Call3 {
                    target,
                    allowFailure: true,
                    callData: call_data,
                })
                .collect();
            let input = abi::aggregate3Call { calls }.abi_encode();
            let tx = <Ethereum as Network>::TransactionRequest::default()
                .with_to(multicall)
                .with_input(input);
            let out = rpc
                .provider
                .call(tx)
                .block(at)
                .await
                .map_err(|e| rpc.error("eth_call aggregate3", e))?;
            let results = abi::aggregate3Call::abi_decode_returns(&out).map_err(|e| {
                ConnectorError::Decode {
                    provider: rpc.label,
                    message: format!("eth_call aggregate3: {e}"),
                }
            })?;
            if results.len() != count {
                return Err(ConnectorError::Decode {
                    provider: rpc.label,
                    message: format!(
                        "eth_call aggregate3: {} results for {count} calls",
                        results.len(),
                    ),
                });
            }
            Ok(results
                .into_iter()
                .map(|r| r.success.then_some(r.returnData))
                .collect::<Vec<_>>())
        }
    })
    .await?;
    Ok(chunks.into_iter().flatten().collect())
}

/// Native balances and `balanceOf` of every wallet for every token through `aggregate3`:
/// `ceil(wallets × tokens / chunk)` requests (at least one), each wallet's native balance
/// (Multicall3's `getEthBalance`) riding in the chunk that holds its first token.
async fn read_batched(
    rpc: &Rpc,
    owners: &[Address],
    tokens: &[Address],
    chunk: usize,
    multicall: Address,
    at: BlockId,
) -> Result<(Vec<U256>, Vec<Vec<Answer>>), ConnectorError> {
    let chunk = chunk.max(1);
    let per_wallet = tokens.len();
    let token_calls = owners.len() * per_wallet;
    let jobs_count = token_calls.div_ceil(chunk).max(1);
    // Each job: (call, what it answers) where `None` is a wallet's native balance.
    let mut jobs: Vec<Vec<(Address, Bytes)>> = vec![Vec::new(); jobs_count];
    let mut slots: Vec<Vec<(usize, Option<usize>)>> = vec![Vec::new(); jobs_count];
    for (w, &owner) in owners.iter().enumerate() {
        let first = if per_wallet == 0 {
            (w / chunk).min(jobs_count - 1)
        } else {
            (w * per_wallet) / chunk
        };
        jobs[first].push((
            multicall,
            abi::getEthBalanceCall { addr: owner }.abi_encode().into(),
        ));
        slots[first].push((w, None));
        let call_data: Bytes = abi::balanceOfCall { owner }.abi_encode().into();
        for (t, &token) in tokens.iter().enumerate() {
            let job = (w * per_wallet + t) / chunk;
            jobs[job].push((token, call_data.clone()));
            slots[job].push((w, Some(t)));
        }
    }
    let answers = aggregate_chunks(rpc, jobs, multicall, at).await?;
    let mut natives = vec![U256::ZERO; owners.len()];
    let mut reads: Vec<Vec<Option<Answer>>> = (0..owners.len())
        .map(|_| (0..per_wallet).map(|_| None).collect())
        .collect();
    for ((w, slot), answer) in slots.into_iter().flatten().zip(answers) {
        match slot {
            None => {
                natives[w] = match answer.as_ref().map(|d| balance_answer(d)) {
                    Some(Answer::Read(TokenRead::Balance(raw))) => raw.parse().unwrap_or_default(),
                    _ => {
                        return Err(ConnectorError::Decode {
                            provider: rpc.label,
                            message: "eth_call aggregate3: getEthBalance gave no balance".into(),
                        })
                    }
                }
            }
            Some(t) => {
                reads[w][t] = Some(match answer {
                    Some(data) => balance_answer(&data),
                    None => Answer::Read(TokenRead::Failed("balanceOf reverted".into())),
                });
            }
        }
    }
    let reads = reads
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|a| {
                    a.unwrap_or_else(|| {
                        Answer::Read(TokenRead::Failed("no answer for this token".into()))
                    })
                })
                .collect()
        })
        .collect();
    Ok((natives, reads))
}

/// Decimals in a `decimals()` answer: a word whose value fits a `u8`.
fn decimals_answer(data: &[u8]) -> Option<u8> {
    if data.len() < 32 {
        return None;
    }
    u8::try_from(U256::from_be_slice(&data[..32])).ok()
}

/// Longest symbol or name kept (longer ones are cut).
const MAX_TOKEN_TEXT: usize = 64;

/// The text of a `symbol()` or `name()` answer: an ABI `string`, or a `bytes32` (older
/// tokens such as MKR) with its trailing zeros dropped. Cut to [`MAX_TOKEN_TEXT`] characters.
fn text_answer(data: &[u8]) -> Option<String> {
    use alloy::sol_types::SolValue;
    let text = match String::abi_decode(data) {
        Ok(s) => s,
        Err(_) if data.len() == 32 => {
            let end = data.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
            String::from_utf8_lossy(&data[..end]).into_owned()
        }
        Err(_) => return None,
    };
    let text: String = text.chars().take(MAX_TOKEN_TEXT).collect();
    (!text.trim().is_empty()).then_some(text)
}

/// `balanceOf` for every token, one `eth_call` each.
async fn read_one_by_one(
    rpc: &Rpc,
    owner: Address,
    tokens: &[Address],
    at: BlockId,
) -> Result<Vec<Answer>, ConnectorError> {
    let call_data: Bytes = abi::balanceOfCall { owner }.abi_encode().into();
    let rpc2 = rpc.clone();
    bounded(tokens.to_vec(), MAX_IN_FLIGHT, move |token: Address| {
        let rpc = rpc2.clone();
        let tx = <Ethereum as Network>::TransactionRequest::default()
            .with_to(token)
            .with_input(call_data.clone());
        async move {
            match rpc.provider.call(tx).block(at).await {
                Ok(out) => Ok(balance_answer(&out)),
                Err(RpcError::ErrorResp(e)) if is_execution_failure(&e) => Ok(Answer::Read(
                    TokenRead::Failed(format!("balanceOf failed: {}", snippet(&e.message))),
                )),
                Err(e) => Err(rpc.error("eth_call balanceOf", e)),
            }
        }
    })
    .await
}

/// The balance in a `balanceOf` answer: its first 32-byte word.
fn balance_answer(data: &[u8]) -> Answer {
    match data.len() {
        0 => Answer::Empty,
        n if n < 32 => Answer::Read(TokenRead::Failed(format!(
            "balanceOf returned {n} bytes instead of 32"
        ))),
        _ => Answer::Read(TokenRead::Balance(
            U256::from_be_slice(&data[..32]).to_string(),
        )),
    }
}

/// Whether a JSON-RPC error of an `eth_call` says the call itself failed in the EVM (a revert
/// or a halt), which is "no balance", rather than that the node could not serve it.
fn is_execution_failure(e: &ErrorPayload) -> bool {
    let message = e.message.to_ascii_lowercase();
    e.code == 3
        || [
            "revert",
            "invalid opcode",
            "out of gas",
            "evm error",
            "stack underflow",
        ]
        .iter()
        .any(|needle| message.contains(needle))
}

/// Runs `f` over `jobs` with at most `limit` in flight; results in job order. The first error
/// cancels the rest.
async fn bounded<T, R, F, Fut>(jobs: Vec<T>, limit: usize, f: F) -> Result<Vec<R>, ConnectorError>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<R, ConnectorError>> + Send + 'static,
{
    let total = jobs.len();
    let mut results: Vec<Option<R>> = (0..total).map(|_| None).collect();
    let mut pending = jobs.into_iter().enumerate();
    let mut running = JoinSet::new();
    for (i, job) in pending.by_ref().take(limit.max(1)) {
        let fut = f(job);
        running.spawn(async move { (i, fut.await) });
    }
    while let Some(joined) = running.join_next().await {
        let (i, result) = match joined {
            Ok(done) => done,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a balance read was cancelled: {e}"),
        };
        results[i] = Some(result?);
        if let Some((i, job)) = pending.next() {
            let fut = f(job);
            running.spawn(async move { (i, fut.await) });
        }
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect())
}

/// The provider label of a chain, `evm:<chain_name>`.
pub fn provider_label(chain_name: &str) -> &'static str {
    // `ConnectorError` carries `&'static str` providers; chains are a short list of
    // configured rows, so each label is leaked once and reused.
    static LABELS: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut labels = LABELS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(label) = labels.get(chain_name) {
        return label;
    }
    let label: &'static str = Box::leak(format!("evm:{chain_name}").into_boxed_str());
    labels.insert(chain_name.to_string(), label);
    label
}

/// One reading's connection to a chain: a provider over a counting, retrying transport.
#[derive(Clone)]
pub(super) struct Rpc {
    pub(super) label: &'static str,
    pub(super) provider: RootProvider<Ethereum>,
    transport: RpcTransport,
}

impl Rpc {
    /// JSON-RPC requests sent through this connection so far.
    pub(super) fn requests(&self) -> usize {
        self.transport.shared.requests.load(Ordering::Relaxed)
    }

    pub(super) fn connect(
        client: &EvmClient,
        label: &'static str,
        rpc_url: &str,
    ) -> Result<Self, ConnectorError> {
        let url = reqwest::Url::parse(rpc_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| ConnectorError::Network {
                provider: label,
                message: "the RPC URL is not an http:// or https:// URL".into(),
            })?;
        let redactor = Redactor::new(rpc_url, &url);
        let transport = RpcTransport {
            shared: Arc::new(TransportShared {
                http: client.http.clone(),
                url,
                label,
                redactor,
                timeout: client.timeout,
                retries: client.retries,
                backoff_base: client.backoff_base,
                metrics: client.metrics.clone(),
                requests: AtomicUsize::new(0),
                max_response_bytes: client.max_response_bytes,
            }),
        };
        let provider =
            RootProvider::new(ClientBuilder::default().transport(transport.clone(), false));
        Ok(Self {
            label,
            provider,
            transport,
        })
    }

    /// A `ConnectorError` for a failed call, without the URL's path or query.
    pub(super) fn error(&self, what: &str, e: TransportError) -> ConnectorError {
        let provider = self.label;
        let redact = |s: String| self.transport.shared.redactor.redact(&s);
        match e {
            RpcError::Transport(TransportErrorKind::Custom(inner)) => {
                match inner.downcast_ref::<Failure>() {
                    Some(Failure::Timeout) => ConnectorError::Timeout { provider },
                    Some(Failure::Network(message)) => ConnectorError::Network {
                        provider,
                        message: redact(format!("{what}: {message}")),
                    },
                    None => ConnectorError::Network {
                        provider,
                        message: redact(format!("{what}: {inner}")),
                    },
                }
            }
            RpcError::Transport(TransportErrorKind::HttpError(h)) => match h.status {
                429 => ConnectorError::RateLimited {
                    provider,
                    retry_after: None,
                },
                401 | 403 => ConnectorError::Unauthorized { provider },
                status => ConnectorError::Upstream {
                    provider,
                    status,
                    message: redact(format!("{what}: {}", snippet(&h.body))),
                },
            },
            RpcError::ErrorResp(p) if p.code == -32005 || p.code == 429 => {
                ConnectorError::RateLimited {
                    provider,
                    retry_after: None,
                }
            }
            RpcError::ErrorResp(p) => ConnectorError::Upstream {
                provider,
                status: 200,
                message: redact(format!(
                    "{what}: JSON-RPC error {}: {}",
                    p.code,
                    snippet(&p.message)
                )),
            },
            RpcError::DeserError { err, .. } => ConnectorError::Decode {
                provider,
                message: format!("{what}: {err}"),
            },
            other => ConnectorError::Decode {
                provider,
                message: redact(format!("{what}: {other}")),
            },
        }
    }
}

/// At most 200 characters of an upstream's text, on one line.
fn snippet(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// Replaces an RPC URL in text by `scheme://host[:port]`, and its path, query and
/// credentials (where keys live) by `[redacted]`.
#[derive(Debug)]
struct Redactor {
    origin: String,
    urls: Vec<String>,
    parts: Vec<String>,
}

impl Redactor {
    fn new(raw: &str, url: &reqwest::Url) -> Self {
        let origin = url.origin().ascii_serialization();
        let mut urls = vec![raw.to_string(), url.as_str().to_string()];
        let mut parts: Vec<String> = [
            Some(url.path()).filter(|p| p.len() > 1),
            url.query().filter(|q| !q.is_empty()),
            Some(url.username()).filter(|u| !u.is_empty()),
            url.password(),
        ]
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect();
        // Longest first, so nothing is left half-replaced.
        for list in [&mut urls, &mut parts] {
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
            list.dedup();
        }
        Self {
            origin,
            urls,
            parts,
        }
    }

    fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for url in &self.urls {
            out = out.replace(url.as_str(), &self.origin);
        }
        for part in &self.parts {
            out = out.replace(part.as_str(), "[redacted]");
        }
        out
    }
}

/// Why an HTTP exchange failed before an answer; carried inside `TransportErrorKind::Custom`.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("no answer in time")]
    Timeout,
    #[error("{0}")]
    Network(String),
}

struct TransportShared {
    http: reqwest::Client,
    url: reqwest::Url,
    label: &'static str,
    redactor: Redactor,
    timeout: Duration,
    retries: u32,
    backoff_base: Duration,
    metrics: Arc<Metrics>,
    /// HTTP requests sent, retries included.
    requests: AtomicUsize,
    max_response_bytes: usize,
}

/// alloy's transport for one reading: JSON-RPC over HTTP with a deadline per request,
/// retries, a request counter and the `upstream_*` metrics. Unlike alloy's own HTTP transport,
/// it never puts the URL into errors or tracing spans.
#[derive(Clone)]
struct RpcTransport {
    shared: Arc<TransportShared>,
}

impl tower::Service<RequestPacket> for RpcTransport {
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, _cx: &mut task::Context<'_>) -> task::Poll<Result<(), Self::Error>> {
        task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: RequestPacket) -> Self::Future {
        let shared = self.shared.clone();
        Box::pin(async move { shared.send(req).await })
    }
}

/// One failed attempt: the error, whether to retry, and the metrics outcome.
struct Attempt {
    error: TransportError,
    retry: bool,
    outcome: &'static str,
}

impl TransportShared {
    async fn send(&self, req: RequestPacket) -> Result<ResponsePacket, TransportError> {
        let body = serde_json::to_vec(&req).map_err(TransportError::ser_err)?;
        let method = req.method_names().next().unwrap_or("batch").to_string();
        let mut attempt = 0u32;
        loop {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let started = Instant::now();
            let result = tokio::time::timeout(self.timeout, self.post(body.clone())).await;
            self.metrics
                .upstream_duration
                .with_label_values(&[self.label])
                .observe(started.elapsed().as_secs_f64());
            let failed = match result {
                Err(_) => Attempt {
                    error: TransportErrorKind::custom(Failure::Timeout),
                    retry: true,
                    outcome: "timeout",
                },
                Ok(Err(e)) if e.is_timeout() => Attempt {
                    error: TransportErrorKind::custom(Failure::Timeout),
                    retry: true,
                    outcome: "timeout",
                },
                Ok(Err(e)) => Attempt {
                    error: TransportErrorKind::custom(Failure::Network(self.describe(e))),
                    retry: true,
                    outcome: "network",
                },
                Ok(Ok((_, Err(TooLarge)))) => Attempt {
                    error: TransportErrorKind::custom(Failure::Network(format!(
                        "the answer exceeded the size cap ({} bytes)",
                        self.max_response_bytes
                    ))),
                    retry: false,
                    outcome: "too_large",
                },
                Ok(Ok((status, Ok(bytes)))) if (200..300).contains(&status) => {
                    return match serde_json::from_slice::<ResponsePacket>(&bytes) {
                        Ok(packet) => {
                            self.count(if packet.is_error() { "rpc_error" } else { "ok" });
                            Ok(packet)
                        }
                        Err(e) => {
                            self.count("decode");
                            Err(TransportError::deser_err(e, ""))
                        }
                    };
                }
                Ok(Ok((status, Ok(bytes)))) => {
                    let (retry, outcome) = match status {
                        429 => (true, "rate_limited"),
                        500..=599 => (true, "server_error"),
                        _ => (false, "client_error"),
                    };
                    Attempt {
                        error: TransportErrorKind::http_error(
                            status,
                            String::from_utf8_lossy(&bytes).into_owned(),
                        ),
                        retry,
                        outcome,
                    }
                }
            };
            self.count(failed.outcome);
            if !failed.retry || attempt >= self.retries {
                return Err(failed.error);
            }
            let wait = self.backoff(attempt);
            tracing::warn!(
                provider = self.label,
                method = %method,
                attempt = attempt + 1,
                wait_ms = wait.as_millis() as u64,
                outcome = failed.outcome,
                "JSON-RPC request failed; retrying"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn post(
        &self,
        body: Vec<u8>,
    ) -> Result<(u16, Result<Vec<u8>, TooLarge>), reqwest::Error> {
        let response = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        Ok((
            status,
            read_capped(response, self.max_response_bytes).await?,
        ))
    }

    /// A reqwest error's causes, without the URL reqwest would print.
    fn describe(&self, e: reqwest::Error) -> String {
        let e = e.without_url();
        let mut message = format!("{} {}: {e}", "POST", self.redactor.origin);
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        self.redactor.redact(&message)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(Duration::from_secs(2));
        ceiling.mul_f64(rand::thread_rng().gen::<f64>())
    }

    fn count(&self, outcome: &str) {
        self.metrics
            .upstream_requests
            .with_label_values(&[self.label, outcome])
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_are_the_first_word_short_data_is_a_failed_read_and_empty_data_is_checked() {
        let read = |data: &[u8]| match balance_answer(data) {
            Answer::Read(r) => Some(r),
            Answer::Empty => None,
        };
        assert_eq!(read(&[]), None, "empty: the address's code decides");
        assert!(matches!(read(&[0u8; 31]), Some(TokenRead::Failed(_))));
        let mut word = [0u8; 32];
        word[31] = 1;
        assert_eq!(read(&word), Some(TokenRead::Balance("1".into())));
        assert_eq!(
            read(&[0xff; 64]),
            Some(TokenRead::Balance(U256::MAX.to_string()))
        );
    }

    #[test]
    fn token_texts_are_abi_strings_or_bytes32_and_decimals_must_fit_a_byte() {
        use alloy::sol_types::SolValue;
        let encoded = "USD Coin".to_string().abi_encode();
        assert_eq!(text_answer(&encoded).as_deref(), Some("USD Coin"));
        let mut mkr = [0u8; 32];
        mkr[..3].copy_from_slice(b"MKR");
        assert_eq!(text_answer(&mkr).as_deref(), Some("MKR"), "bytes32 symbols");
        assert_eq!(text_answer(&[]), None, "no code: nothing");
        let long = "x".repeat(500).abi_encode();
        assert_eq!(text_answer(&long).map(|t| t.len()), Some(MAX_TOKEN_TEXT));
        let mut word = [0u8; 32];
        word[31] = 6;
        assert_eq!(decimals_answer(&word), Some(6));
        word[30] = 1;
        assert_eq!(decimals_answer(&word), None, "256 is not a uint8");
        assert_eq!(decimals_answer(&[]), None);
    }

    #[test]
    fn redaction_keeps_scheme_host_and_port_only() {
        let raw = "https://user:pw@rpc.example.org:8545/v3/KEYPATH?apikey=SECRET";
        let url = reqwest::Url::parse(raw).unwrap();
        let r = Redactor::new(raw, &url);
        let text = format!(
            "failed {raw} and {} and /v3/KEYPATH and apikey=SECRET",
            url.as_str()
        );
        let out = r.redact(&text);
        for leaked in ["KEYPATH", "SECRET", "pw@", "user"] {
            assert!(!out.contains(leaked), "{leaked} leaked in {out}");
        }
        assert!(out.contains("https://rpc.example.org:8545"), "{out}");
    }

    #[test]
    fn provider_labels_are_interned() {
        let a = provider_label("base");
        let b = provider_label("base");
        assert_eq!(a, "evm:base");
        assert!(std::ptr::eq(a, b));
    }

    #[test]
    fn reverts_and_halts_are_execution_failures_but_node_errors_are_not() {
        let payload = |code: i64, message: &'static str| ErrorPayload {
            code,
            message: message.into(),
            data: None,
        };
        assert!(is_execution_failure(&payload(3, "execution reverted")));
        assert!(is_execution_failure(&payload(-32000, "execution reverted")));
        assert!(is_execution_failure(&payload(
            -32603,
            "EVM error InvalidFEOpcode"
        )));
        assert!(!is_execution_failure(&payload(-32000, "header not found")));
        assert!(!is_execution_failure(&payload(-32005, "limit exceeded")));
    }
}
