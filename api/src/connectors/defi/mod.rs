//! DeFi positions of an EVM wallet, one module per protocol behind [`DefiProtocol`]: Aave v3
//! supplies and debts ([`aave_v3`]), Uniswap v3 liquidity positions ([`uniswap_v3`]). Read by
//! [`EvmClient`] in at most four Multicall3 `aggregate3` requests per chain for every protocol
//! together, every call at one block (the chain's balance read's block when the caller passes
//! it): each round holds the calls of every protocol that still has something to ask (see each
//! protocol's module for its rounds).
//!
//! Many wallets of a chain are read together ([`EvmClient::read_defi_wallets`]): each round
//! holds every wallet's calls, a call that does not depend on the wallet is sent once, and a
//! round larger than the multicall chunk size is split into chunks.
//!
//! A protocol address without code is "not deployed on this chain" (the sync decides what that
//! means for a wallet), remembered per chain and address so it is not asked again until the
//! registry names another address; a protocol whose calls revert or answer garbage fails on its
//! own, the other protocols still read.
//!
//! Adding a protocol: a module implementing [`DefiProtocol`] (its calls, round by round, and
//! what it found), one line in [`PROTOCOLS`], and its field in [`DefiReading`].

pub mod aave_v3;
pub mod uniswap_v3;

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::hash::Hash;

use alloy::eips::BlockId;
use alloy::primitives::{Address, Bytes};
use alloy::providers::Provider;
use alloy::sol_types::SolCall;

use super::evm::{aggregate_chunks, multicall_address, provider_label, EvmClient, Rpc};
use super::{ChainTarget, ConnectorError};

pub use aave_v3::{AaveAccount, AaveReserve};
pub use uniswap_v3::{LpPosition, UniswapPositions, MAX_POSITIONS};

mod abi {
    alloy::sol! {
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
    }
}

/// Where the protocols live on one chain (from the chain registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefiTarget {
    /// The chain (its `tokens` are not used).
    pub chain: ChainTarget,
    pub aave_v3_addresses_provider: Option<String>,
    pub uniswap_v3_position_manager: Option<String>,
    pub uniswap_v3_factory: Option<String>,
    /// The block to read at (the chain's balance read's); `None`: the latest.
    pub block: Option<u64>,
}

impl DefiTarget {
    /// Whether any protocol is configured on the chain.
    pub fn any(&self) -> bool {
        PROTOCOLS.iter().any(|p| p.configured(self))
    }
}

fn configured(a: &Option<String>) -> Option<&str> {
    a.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// What one protocol's read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolRead<T> {
    /// No address in the registry for this chain: not read.
    NotConfigured,
    /// The registry's address has no code on this chain (a note for the admin).
    NotDeployed(String),
    Read(T),
    /// The protocol's calls failed: its previous positions are kept.
    Failed(String),
}

impl<T> ProtocolRead<T> {
    pub fn read(&self) -> Option<&T> {
        match self {
            ProtocolRead::Read(t) => Some(t),
            _ => None,
        }
    }
}

/// A wallet's positions on one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefiReading {
    pub aave: ProtocolRead<AaveAccount>,
    pub uniswap: ProtocolRead<UniswapPositions>,
    /// JSON-RPC requests the read took.
    pub requests: usize,
    pub block: Option<u64>,
}

impl DefiReading {
    /// Nothing configured, nothing read.
    pub fn none() -> Self {
        DefiReading {
            aave: ProtocolRead::NotConfigured,
            uniswap: ProtocolRead::NotConfigured,
            requests: 0,
            block: None,
        }
    }
}

/// One DeFi protocol: where it lives on a chain, and a [`Session`] that reads it for the
/// wallets of one read. Registered in [`PROTOCOLS`].
pub trait DefiProtocol: Sync {
    /// Its name in the memory of addresses without code (`aave-v3`).
    fn name(&self) -> &'static str;
    /// Whether the chain's registry names it.
    fn configured(&self, target: &DefiTarget) -> bool;
    /// A read of `wallets` wallets (`known_absent`: whether an address was found without code
    /// on this chain for this protocol).
    fn begin(
        &self,
        target: &DefiTarget,
        wallets: usize,
        known_absent: &dyn Fn(Address) -> bool,
    ) -> Box<dyn Session>;
}

/// One protocol's read of the wallets of one chain read, round by round: each round it asks its
/// calls and reads their answers, until every wallet's read is over.
pub trait Session: Send {
    /// Whether every wallet's read is over (nothing more to ask).
    fn done(&self) -> bool;
    /// This round's calls for the wallets `owners` (none is fine: the round still advances).
    fn calls(&mut self, owners: &[Address]) -> Vec<(Address, Bytes)>;
    /// This round's answers, one per call, in the order of the calls.
    fn advance(&mut self, answers: Vec<Option<Bytes>>);
    /// The registry's address, when a wallet's read found it without code.
    fn not_deployed(&self) -> Option<Address>;
    /// What each wallet's read found, into its reading.
    fn finish(self: Box<Self>, readings: &mut [DefiReading]);
}

/// Every protocol the Butler reads: the one place a protocol is registered.
pub const PROTOCOLS: [&dyn DefiProtocol; 2] = [&aave_v3::AaveV3, &uniswap_v3::UniswapV3];

/// Most rounds of one read (the protocols need four; a session still going after this many is
/// told it stopped early).
const MAX_ROUNDS: usize = 8;

/// A round of one protocol's calls: each call with the slot its answer goes to. A call several
/// wallets need (the pool's address, a reserve's tokens, a pool's price) is sent once.
pub(crate) struct Round<K> {
    calls: Vec<(Address, Bytes)>,
    keys: Vec<K>,
    seen: HashSet<K>,
}

impl<K: Clone + Eq + Hash> Round<K> {
    pub(crate) fn new() -> Self {
        Round {
            calls: Vec::new(),
            keys: Vec::new(),
            seen: HashSet::new(),
        }
    }

    pub(crate) fn push(&mut self, key: K, to: Address, call: impl SolCall) {
        if self.seen.insert(key.clone()) {
            self.calls.push((to, call.abi_encode().into()));
            self.keys.push(key);
        }
    }

    /// Asks a token's `decimals()` and `symbol()`.
    pub(crate) fn push_token(&mut self, token: Address, decimals: K, symbol: K) {
        self.push(decimals, token, abi::decimalsCall {});
        self.push(symbol, token, abi::symbolCall {});
    }

    /// The calls to send, and the slots their answers go to (in the same order).
    pub(crate) fn into_parts(self) -> (Vec<(Address, Bytes)>, Vec<K>) {
        (self.calls, self.keys)
    }
}

/// A round's answers by slot.
pub(crate) type Answers<K> = HashMap<K, Option<Bytes>>;

/// An answer, or why a protocol fails: `Err(None)` for an empty answer (no code).
pub(crate) fn answer<'a, K: Eq + Hash + Debug>(
    answers: &'a Answers<K>,
    key: &K,
) -> Result<&'a Bytes, Option<String>> {
    match answers.get(key) {
        Some(Some(data)) if !data.is_empty() => Ok(data),
        Some(Some(_)) => Err(None),
        _ => Err(Some(format!("{key:?} reverted"))),
    }
}

pub(crate) fn decode<C: SolCall, K: Eq + Hash + Debug>(
    answers: &Answers<K>,
    key: &K,
) -> Result<C::Return, String> {
    let data = answer(answers, key)
        .map_err(|e| e.unwrap_or_else(|| format!("{key:?} answered nothing")))?;
    C::abi_decode_returns(data).map_err(|e| format!("{key:?}: unreadable answer ({e})"))
}

/// A token's `decimals()` answer (at most 36).
pub(crate) fn decimals_of<K: Eq + Hash + Debug>(answers: &Answers<K>, key: &K) -> Option<u8> {
    decode::<abi::decimalsCall, K>(answers, key)
        .ok()
        .filter(|d| *d <= 36)
}

/// A token's `symbol()` answer (at most 64 characters, not blank).
pub(crate) fn symbol_of<K: Eq + Hash + Debug>(answers: &Answers<K>, key: &K) -> Option<String> {
    decode::<abi::symbolCall, K>(answers, key)
        .ok()
        .map(|s| s.chars().take(64).collect::<String>())
        .filter(|s| !s.trim().is_empty())
}

pub(crate) fn parse_address(text: &str, what: &str) -> Result<Address, String> {
    text.trim()
        .parse::<Address>()
        .map_err(|_| format!("the registry's {what} is not an EVM address"))
}

pub(crate) fn lower(a: Address) -> String {
    format!("{a:#x}")
}

/// Runs one round, every session's calls together, as `aggregate3` requests of at most
/// `chunk` calls (none when no session asks anything); each session then reads its answers.
async fn run_round(
    rpc: &Rpc,
    sessions: &mut [Box<dyn Session>],
    owners: &[Address],
    chunk: usize,
    multicall: Address,
    at: BlockId,
) -> Result<(), ConnectorError> {
    let mut calls = Vec::new();
    let mut counts = Vec::with_capacity(sessions.len());
    for s in sessions.iter_mut() {
        let asked = if s.done() {
            Vec::new()
        } else {
            s.calls(owners)
        };
        counts.push(asked.len());
        calls.extend(asked);
    }
    let answers = if calls.is_empty() {
        Vec::new()
    } else {
        let chunks: Vec<Vec<(Address, Bytes)>> =
            calls.chunks(chunk.max(1)).map(<[_]>::to_vec).collect();
        aggregate_chunks(rpc, chunks, multicall, at).await?
    };
    let mut answers = answers.into_iter();
    for (s, n) in sessions.iter_mut().zip(counts) {
        if !s.done() {
            s.advance(answers.by_ref().take(n).collect());
        }
    }
    Ok(())
}

/// Protocols remembered without code on a chain, by (chain id, chain name, protocol): the
/// address found empty. Asked again only when the registry names another address.
pub(super) type AbsentProtocols = HashMap<(i64, String, &'static str), Address>;

impl EvmClient {
    /// Reads a wallet's DeFi positions on one chain (see the module docs).
    pub async fn read_defi(
        &self,
        target: &DefiTarget,
        wallet: &str,
    ) -> Result<DefiReading, ConnectorError> {
        let mut readings = self
            .read_defi_wallets(target, &[wallet.to_string()])
            .await?;
        Ok(readings.remove(0))
    }

    /// Whether `address` was found without code for `protocol` on this chain; a different
    /// address (the admin changed it) forgets the finding.
    fn known_absent(&self, chain: &ChainTarget, protocol: &'static str, address: Address) -> bool {
        let key = (chain.chain_id, chain.chain_name.clone(), protocol);
        let mut absent = self
            .absent_protocols
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        match absent.get(&key) {
            Some(a) if *a == address => true,
            Some(_) => {
                absent.remove(&key);
                false
            }
            None => false,
        }
    }

    fn remember_absent(&self, chain: &ChainTarget, protocol: &'static str, address: Address) {
        tracing::info!(
            chain = %chain.chain_name,
            protocol,
            address = %address,
            "no contract at the registry's address; not asked again until the address changes"
        );
        let key = (chain.chain_id, chain.chain_name.clone(), protocol);
        let mut absent = self
            .absent_protocols
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        absent.insert(key, address);
    }

    /// Reads the positions of several wallets on one chain, each round shared by all of them
    /// and by every protocol (calls that do not depend on the wallet sent once; `aggregate3`
    /// requests of at most the multicall chunk size): a wallet's reading is what
    /// [`EvmClient::read_defi`] finds, and each reading's `requests` counts the whole shared read.
    pub async fn read_defi_wallets(
        &self,
        target: &DefiTarget,
        wallets: &[String],
    ) -> Result<Vec<DefiReading>, ConnectorError> {
        let chain = &target.chain;
        let label = provider_label(&chain.chain_name);
        let owners = wallets
            .iter()
            .map(|w| w.parse::<Address>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ConnectorError::Refused {
                provider: label,
                reason: "the wallet is not an EVM address (0x and 40 hex digits)".into(),
            })?;
        let mut sessions: Vec<Box<dyn Session>> = PROTOCOLS
            .iter()
            .map(|p| {
                let absent = |a: Address| self.known_absent(chain, p.name(), a);
                p.begin(target, owners.len(), &absent)
            })
            .collect();
        if sessions.iter().all(|s| s.done()) {
            return Ok(finish_all(sessions, owners.len(), 0, target.block));
        }

        let rpc = Rpc::connect(self, label, &chain.rpc_url)?;
        let block = match target.block {
            Some(b) => b,
            None => rpc
                .provider
                .get_block_number()
                .await
                .map_err(|e| rpc.error("eth_blockNumber", e))?,
        };
        let at = BlockId::number(block);
        let multicall = multicall_address(chain);
        if !self.chain_has_multicall(&rpc, chain, multicall, at).await? {
            return Err(ConnectorError::Refused {
                provider: label,
                reason: "DeFi positions are read through Multicall3, which this chain lacks".into(),
            });
        }

        for _ in 0..MAX_ROUNDS {
            if sessions.iter().all(|s| s.done()) {
                break;
            }
            run_round(&rpc, &mut sessions, &owners, self.chunk_size, multicall, at).await?;
            for (protocol, s) in PROTOCOLS.iter().zip(&sessions) {
                if let Some(address) = s.not_deployed() {
                    if !self.known_absent(chain, protocol.name(), address) {
                        self.remember_absent(chain, protocol.name(), address);
                    }
                }
            }
        }
        let requests = rpc.requests();
        Ok(finish_all(sessions, owners.len(), requests, Some(block)))
    }
}

/// Each wallet's reading from what every protocol found.
fn finish_all(
    sessions: Vec<Box<dyn Session>>,
    wallets: usize,
    requests: usize,
    block: Option<u64>,
) -> Vec<DefiReading> {
    let mut readings: Vec<DefiReading> = (0..wallets)
        .map(|_| DefiReading {
            requests,
            block,
            ..DefiReading::none()
        })
        .collect();
    for s in sessions {
        s.finish(&mut readings);
    }
    readings
}
