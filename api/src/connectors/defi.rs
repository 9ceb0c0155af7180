//! DeFi positions of an EVM wallet: Aave v3 supplies and debts, Uniswap v3 liquidity
//! positions. Read by [`EvmClient`] in at most four Multicall3 `aggregate3` requests per chain
//! for both protocols together, every call at one block (the chain's balance read's block when
//! the caller passes it):
//!
//! 1. Aave `PoolAddressesProvider.getPool()` and `getPoolDataProvider()`; Uniswap
//!    `NonfungiblePositionManager.balanceOf(wallet)`.
//! 2. Aave `Pool.getReservesList()` and `getUserAccountData(wallet)` (health factor); Uniswap
//!    `tokenOfOwnerByIndex(wallet, i)` for each position NFT.
//! 3. Per Aave reserve `AaveProtocolDataProvider.getUserReserveData(asset, wallet)` (supplied =
//!    `aToken.balanceOf`, debts = the debt tokens' `balanceOf`), `getReserveTokensAddresses`
//!    (the receipt tokens, never counted again as plain tokens) and the asset's `decimals()` /
//!    `symbol()`; per position `positions(id)`.
//! 4. Per pool of an open position (its address by CREATE2, [`uniswap_v3::pool_address`])
//!    `slot0()`, `feeGrowthGlobal{0,1}X128()`, and `ticks()` of each position's bounds; each
//!    pool token's `decimals()` / `symbol()`.
//!
//! Many wallets of a chain are read together ([`EvmClient::read_defi_wallets`]): each round
//! holds every wallet's calls, a call that does not depend on the wallet is sent once, and a
//! round larger than the multicall chunk size is split into chunks.
//!
//! Amounts and uncollected fees follow the pool's own rounding ([`uniswap_v3`]). A protocol
//! address without code is "not deployed on this chain" (the sync decides what that means for a
//! wallet), remembered per chain and address so it is not asked again until the registry names
//! another address; a protocol whose calls revert or answer garbage fails on its own, the other
//! protocol still reads.

use std::collections::{BTreeSet, HashMap, HashSet};

use alloy::eips::BlockId;
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::Provider;
use alloy::sol_types::SolCall;

use super::evm::{aggregate_chunks, multicall_address, provider_label, EvmClient, Rpc};
use super::{ChainTarget, ConnectorError};
use crate::domain::uniswap_v3::{self, FeeGrowth, POOL_INIT_CODE_HASH};

/// Most position NFTs of one wallet read on one chain (a wallet with more is read up to this
/// many and told so).
pub const MAX_POSITIONS: usize = 200;

mod abi {
    alloy::sol! {
        function getPool() external view returns (address);
        function getPoolDataProvider() external view returns (address);
        function getReservesList() external view returns (address[]);
        function getUserAccountData(address user) external view returns (
            uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor);
        function getUserReserveData(address asset, address user) external view returns (
            uint256 currentATokenBalance, uint256 currentStableDebt, uint256 currentVariableDebt,
            uint256 principalStableDebt, uint256 scaledVariableDebt, uint256 stableBorrowRate,
            uint256 liquidityRate, uint40 stableRateLastUpdated, bool usageAsCollateralEnabled);
        function getReserveTokensAddresses(address asset) external view returns (
            address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress);
        function balanceOf(address owner) external view returns (uint256);
        function tokenOfOwnerByIndex(address owner, uint256 index) external view returns (uint256);
        function positions(uint256 tokenId) external view returns (
            uint96 nonce, address operator, address token0, address token1, uint24 fee,
            int24 tickLower, int24 tickUpper, uint128 liquidity,
            uint256 feeGrowthInside0LastX128, uint256 feeGrowthInside1LastX128,
            uint128 tokensOwed0, uint128 tokensOwed1);
        function slot0() external view returns (
            uint160 sqrtPriceX96, int24 tick, uint16 observationIndex,
            uint16 observationCardinality, uint16 observationCardinalityNext,
            uint8 feeProtocol, bool unlocked);
        function feeGrowthGlobal0X128() external view returns (uint256);
        function feeGrowthGlobal1X128() external view returns (uint256);
        function ticks(int24 tick) external view returns (
            uint128 liquidityGross, int128 liquidityNet, uint256 feeGrowthOutside0X128,
            uint256 feeGrowthOutside1X128, int56 tickCumulativeOutside,
            uint160 secondsPerLiquidityOutsideX128, uint32 secondsOutside, bool initialized);
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
        configured(&self.aave_v3_addresses_provider).is_some()
            || (configured(&self.uniswap_v3_position_manager).is_some()
                && configured(&self.uniswap_v3_factory).is_some())
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

/// A wallet's Aave v3 account on one chain. Raw integers as base-10 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveAccount {
    pub pool: String,
    /// 18 decimals; `None` when the account has no debt (the pool answers 2^256 − 1).
    pub health_factor: Option<String>,
    /// The market's base currency (USD, 8 decimals on v3 markets).
    pub total_collateral_base: String,
    pub total_debt_base: String,
    /// Reserves with a supply or a debt of the wallet.
    pub reserves: Vec<AaveReserve>,
    /// Every reserve's aToken and debt tokens (lowercase): receipts, never plain holdings.
    pub receipt_tokens: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveReserve {
    /// The underlying asset's contract (lowercase).
    pub asset: String,
    pub symbol: Option<String>,
    pub decimals: Option<u8>,
    /// `aToken.balanceOf(wallet)`, in the asset's units.
    pub supplied: String,
    pub stable_debt: String,
    pub variable_debt: String,
    /// Whether the supply counts as collateral.
    pub collateral: bool,
    /// The reserve's aToken and debt tokens (lowercase), where set.
    pub a_token: Option<String>,
    pub stable_debt_token: Option<String>,
    pub variable_debt_token: Option<String>,
}

/// A wallet's Uniswap v3 positions on one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniswapPositions {
    pub position_manager: String,
    /// Open positions (some liquidity or owed tokens); closed NFTs are left out.
    pub positions: Vec<LpPosition>,
    /// NFTs the wallet holds beyond [`MAX_POSITIONS`], not read.
    pub not_read: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LpPosition {
    pub token_id: String,
    pub pool: String,
    pub token0: String,
    pub token1: String,
    pub symbol0: Option<String>,
    pub symbol1: Option<String>,
    pub decimals0: Option<u8>,
    pub decimals1: Option<u8>,
    /// Fee tier in hundredths of a basis point (3000 = 0.3%).
    pub fee: u32,
    pub tick_lower: i32,
    pub tick_upper: i32,
    /// The pool's current tick.
    pub tick: i32,
    pub liquidity: String,
    /// What burning all liquidity pays now (rounded down, as the pool pays).
    pub amount0: String,
    pub amount1: String,
    /// What `collect` pays now.
    pub fees0: String,
    pub fees1: String,
    pub in_range: bool,
}

fn parse_address(text: &str, what: &str) -> Result<Address, String> {
    text.trim()
        .parse::<Address>()
        .map_err(|_| format!("the registry's {what} is not an EVM address"))
}

fn lower(a: Address) -> String {
    format!("{a:#x}")
}

/// A round of calls: each call with the slot its answer goes to. A call several wallets need
/// (the pool's address, a reserve's tokens, a pool's price) is sent once.
struct Round<K> {
    calls: Vec<(Address, Bytes)>,
    keys: Vec<K>,
    seen: HashSet<K>,
}

impl<K: Clone + Eq + std::hash::Hash> Round<K> {
    fn new() -> Self {
        Round {
            calls: Vec::new(),
            keys: Vec::new(),
            seen: HashSet::new(),
        }
    }
    fn push(&mut self, key: K, to: Address, call: impl SolCall) {
        if self.seen.insert(key.clone()) {
            self.calls.push((to, call.abi_encode().into()));
            self.keys.push(key);
        }
    }
}

/// Runs one round as `aggregate3` requests of at most `chunk` calls (none when empty):
/// answers by key.
async fn run<K: Eq + std::hash::Hash>(
    rpc: &Rpc,
    round: Round<K>,
    chunk: usize,
    multicall: Address,
    at: BlockId,
) -> Result<HashMap<K, Option<Bytes>>, ConnectorError> {
    if round.calls.is_empty() {
        return Ok(HashMap::new());
    }
    let chunks: Vec<Vec<(Address, Bytes)>> = round
        .calls
        .chunks(chunk.max(1))
        .map(<[_]>::to_vec)
        .collect();
    let answers = aggregate_chunks(rpc, chunks, multicall, at).await?;
    Ok(round.keys.into_iter().zip(answers).collect())
}

/// A call's slot; `usize` fields name the wallet (its index in the read), so wallets read
/// together keep their answers apart while sharing the calls that do not depend on them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    AavePool,
    AaveDataProvider,
    NftCount(usize),
    Reserves,
    AccountData(usize),
    NftId(usize, usize),
    ReserveData(usize, Address),
    ReserveTokens(Address),
    Decimals(Address),
    Symbol(Address),
    Position(usize, usize),
    Slot0(Address),
    Global0(Address),
    Global1(Address),
    Tick(Address, i32),
}

/// An answer, or why a protocol fails: `Err(None)` for an empty answer (no code).
fn answer<'a>(
    answers: &'a HashMap<Key, Option<Bytes>>,
    key: &Key,
) -> Result<&'a Bytes, Option<String>> {
    match answers.get(key) {
        Some(Some(data)) if !data.is_empty() => Ok(data),
        Some(Some(_)) => Err(None),
        _ => Err(Some(format!("{key:?} reverted"))),
    }
}

fn decode<C: SolCall>(
    answers: &HashMap<Key, Option<Bytes>>,
    key: &Key,
) -> Result<C::Return, String> {
    let data = answer(answers, key)
        .map_err(|e| e.unwrap_or_else(|| format!("{key:?} answered nothing")))?;
    C::abi_decode_returns(data).map_err(|e| format!("{key:?}: unreadable answer ({e})"))
}

fn decimals_of(answers: &HashMap<Key, Option<Bytes>>, token: Address) -> Option<u8> {
    decode::<abi::decimalsCall>(answers, &Key::Decimals(token))
        .ok()
        .filter(|d| *d <= 36)
}

fn symbol_of(answers: &HashMap<Key, Option<Bytes>>, token: Address) -> Option<String> {
    decode::<abi::symbolCall>(answers, &Key::Symbol(token))
        .ok()
        .map(|s| s.chars().take(64).collect::<String>())
        .filter(|s| !s.trim().is_empty())
}

/// Aave's state between rounds.
enum AaveStep {
    Off(ProtocolRead<AaveAccount>),
    Provider(Address),
    Pool {
        pool: Address,
        data_provider: Address,
    },
    Reserves {
        pool: Address,
        data_provider: Address,
        reserves: Vec<Address>,
        account: abi::getUserAccountDataReturn,
    },
}

/// Uniswap's state between rounds.
enum UniStep {
    Off(ProtocolRead<UniswapPositions>),
    Manager {
        npm: Address,
        factory: Address,
    },
    Count {
        npm: Address,
        factory: Address,
        count: usize,
        not_read: usize,
    },
    Ids {
        npm: Address,
        factory: Address,
        ids: Vec<U256>,
        not_read: usize,
    },
    Positions {
        npm: Address,
        factory: Address,
        open: Vec<(U256, abi::positionsReturn)>,
        not_read: usize,
    },
}

/// Protocols remembered without code on a chain, by (chain id, chain name, protocol): the
/// address found empty. Asked again only when the registry names another address.
pub(super) type AbsentProtocols = HashMap<(i64, String, &'static str), Address>;

const AAVE: &str = "aave-v3";
const UNISWAP: &str = "uniswap-v3";

impl EvmClient {
    /// Reads a wallet's Aave v3 and Uniswap v3 positions on one chain (see the module docs).
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

    /// Aave's first step for one wallet: off, or the provider to ask.
    fn aave_start(&self, target: &DefiTarget) -> AaveStep {
        match configured(&target.aave_v3_addresses_provider) {
            None => AaveStep::Off(ProtocolRead::NotConfigured),
            Some(t) => match parse_address(t, "Aave v3 PoolAddressesProvider") {
                Ok(p) if self.known_absent(&target.chain, AAVE, p) => {
                    AaveStep::Off(ProtocolRead::NotDeployed(aave_absent(p)))
                }
                Ok(p) => AaveStep::Provider(p),
                Err(e) => AaveStep::Off(ProtocolRead::Failed(e)),
            },
        }
    }

    /// Uniswap's first step for one wallet: off, or the position manager to ask.
    fn uniswap_start(&self, target: &DefiTarget) -> UniStep {
        match (
            configured(&target.uniswap_v3_position_manager),
            configured(&target.uniswap_v3_factory),
        ) {
            (Some(n), Some(f)) => match (
                parse_address(n, "Uniswap v3 position manager"),
                parse_address(f, "Uniswap v3 factory"),
            ) {
                (Ok(npm), Ok(_)) if self.known_absent(&target.chain, UNISWAP, npm) => {
                    UniStep::Off(ProtocolRead::NotDeployed(uniswap_absent(npm)))
                }
                (Ok(npm), Ok(factory)) => UniStep::Manager { npm, factory },
                (Err(e), _) | (_, Err(e)) => UniStep::Off(ProtocolRead::Failed(e)),
            },
            _ => UniStep::Off(ProtocolRead::NotConfigured),
        }
    }

    /// Reads the positions of several wallets on one chain, each round shared by all of them
    /// (calls that do not depend on the wallet sent once; `aggregate3` requests of at most the
    /// multicall chunk size): a wallet's reading is what [`EvmClient::read_defi`] finds, and
    /// each reading's `requests` counts the whole shared read.
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
        let mut aave: Vec<AaveStep> = owners.iter().map(|_| self.aave_start(target)).collect();
        let mut uni: Vec<UniStep> = owners.iter().map(|_| self.uniswap_start(target)).collect();
        let off = |aave: &[AaveStep], uni: &[UniStep]| {
            aave.iter().all(|a| matches!(a, AaveStep::Off(_)))
                && uni.iter().all(|u| matches!(u, UniStep::Off(_)))
        };
        if off(&aave, &uni) {
            return Ok(finish_all(aave, uni, 0, target.block));
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
        let chunk = self.chunk_size;

        // Round 1: where Aave's pool is; how many position NFTs each wallet holds.
        let mut r = Round::new();
        for (w, (a, u)) in aave.iter().zip(&uni).enumerate() {
            if let AaveStep::Provider(p) = a {
                r.push(Key::AavePool, *p, abi::getPoolCall {});
                r.push(Key::AaveDataProvider, *p, abi::getPoolDataProviderCall {});
            }
            if let UniStep::Manager { npm, .. } = u {
                r.push(
                    Key::NftCount(w),
                    *npm,
                    abi::balanceOfCall { owner: owners[w] },
                );
            }
        }
        let a1 = run(&rpc, r, chunk, multicall, at).await?;
        for w in 0..owners.len() {
            let a = std::mem::replace(&mut aave[w], AaveStep::Off(ProtocolRead::NotConfigured));
            aave[w] = aave_round1(&a1, a);
            let u = std::mem::replace(&mut uni[w], UniStep::Off(ProtocolRead::NotConfigured));
            uni[w] = uniswap_round1(&a1, w, u);
        }
        self.remember_not_deployed(target, &aave, &uni);

        // Round 2: the reserves and each wallet's health factor; each wallet's NFT ids.
        let mut r = Round::new();
        for (w, (a, u)) in aave.iter().zip(&uni).enumerate() {
            let owner = owners[w];
            if let AaveStep::Pool { pool, .. } = a {
                r.push(Key::Reserves, *pool, abi::getReservesListCall {});
                r.push(
                    Key::AccountData(w),
                    *pool,
                    abi::getUserAccountDataCall { user: owner },
                );
            }
            if let UniStep::Count { npm, count, .. } = u {
                for i in 0..*count {
                    let index = U256::from(i);
                    r.push(
                        Key::NftId(w, i),
                        *npm,
                        abi::tokenOfOwnerByIndexCall { owner, index },
                    );
                }
            }
        }
        let a2 = run(&rpc, r, chunk, multicall, at).await?;
        for w in 0..owners.len() {
            let a = std::mem::replace(&mut aave[w], AaveStep::Off(ProtocolRead::NotConfigured));
            aave[w] = aave_round2(&a2, w, a);
            let u = std::mem::replace(&mut uni[w], UniStep::Off(ProtocolRead::NotConfigured));
            uni[w] = uniswap_round2(&a2, w, u);
        }

        // Round 3: each reserve's balances (per wallet) and receipt tokens; each position.
        let mut r = Round::new();
        for (w, (a, u)) in aave.iter().zip(&uni).enumerate() {
            if let AaveStep::Reserves {
                data_provider,
                reserves,
                ..
            } = a
            {
                for &asset in reserves {
                    let user = owners[w];
                    r.push(
                        Key::ReserveData(w, asset),
                        *data_provider,
                        abi::getUserReserveDataCall { asset, user },
                    );
                    r.push(
                        Key::ReserveTokens(asset),
                        *data_provider,
                        abi::getReserveTokensAddressesCall { asset },
                    );
                    r.push(Key::Decimals(asset), asset, abi::decimalsCall {});
                    r.push(Key::Symbol(asset), asset, abi::symbolCall {});
                }
            }
            if let UniStep::Ids { npm, ids, .. } = u {
                for (i, id) in ids.iter().enumerate() {
                    r.push(
                        Key::Position(w, i),
                        *npm,
                        abi::positionsCall { tokenId: *id },
                    );
                }
            }
        }
        let a3 = run(&rpc, r, chunk, multicall, at).await?;
        for w in 0..owners.len() {
            if let AaveStep::Reserves {
                pool,
                reserves,
                account,
                ..
            } = &aave[w]
            {
                aave[w] = AaveStep::Off(aave_account(&a3, w, *pool, reserves, account));
            }
            let u = std::mem::replace(&mut uni[w], UniStep::Off(ProtocolRead::NotConfigured));
            uni[w] = uniswap_round3(&a3, w, u);
        }

        // Round 4: each pool's price and fee growth; each pool token's decimals (all wallets'
        // pools at once; skipped when no position is open).
        let mut r = Round::new();
        for u in &uni {
            if let UniStep::Positions { factory, open, .. } = u {
                pool_calls(&mut r, *factory, open);
            }
        }
        let a4 = run(&rpc, r, chunk, multicall, at).await?;
        for u in uni.iter_mut() {
            if let UniStep::Positions {
                npm,
                factory,
                open,
                not_read,
            } = u
            {
                let read: Result<Vec<LpPosition>, String> = open
                    .iter()
                    .map(|(id, p)| lp_position(&a4, *id, p, pool_of(*factory, p)))
                    .collect();
                *u = UniStep::Off(match read {
                    Ok(positions) => ProtocolRead::Read(UniswapPositions {
                        position_manager: lower(*npm),
                        positions,
                        not_read: *not_read,
                    }),
                    Err(e) => ProtocolRead::Failed(e),
                });
            }
        }
        let requests = rpc.requests();
        Ok(finish_all(aave, uni, requests, Some(block)))
    }

    /// Remembers a protocol address found without code on this chain.
    fn remember_not_deployed(&self, target: &DefiTarget, aave: &[AaveStep], uni: &[UniStep]) {
        let parse = |a: &Option<String>| configured(a).and_then(|t| t.parse::<Address>().ok());
        let not_deployed = |s: &AaveStep| matches!(s, AaveStep::Off(ProtocolRead::NotDeployed(_)));
        if let (Some(p), true) = (
            parse(&target.aave_v3_addresses_provider),
            aave.iter().any(not_deployed),
        ) {
            if !self.known_absent(&target.chain, AAVE, p) {
                self.remember_absent(&target.chain, AAVE, p);
            }
        }
        let not_deployed = |s: &UniStep| matches!(s, UniStep::Off(ProtocolRead::NotDeployed(_)));
        if let (Some(n), true) = (
            parse(&target.uniswap_v3_position_manager),
            uni.iter().any(not_deployed),
        ) {
            if !self.known_absent(&target.chain, UNISWAP, n) {
                self.remember_absent(&target.chain, UNISWAP, n);
            }
        }
    }
}

fn aave_absent(provider: Address) -> String {
    format!(
        "no Aave v3 PoolAddressesProvider at {} on this chain",
        lower(provider)
    )
}

fn uniswap_absent(npm: Address) -> String {
    format!(
        "no Uniswap v3 position manager at {} on this chain",
        lower(npm)
    )
}

fn aave_round1(a1: &HashMap<Key, Option<Bytes>>, step: AaveStep) -> AaveStep {
    let AaveStep::Provider(p) = step else {
        return step;
    };
    match (
        answer(a1, &Key::AavePool),
        decode::<abi::getPoolDataProviderCall>(a1, &Key::AaveDataProvider),
    ) {
        (Err(None), _) => AaveStep::Off(ProtocolRead::NotDeployed(aave_absent(p))),
        (_, Err(e)) => AaveStep::Off(ProtocolRead::Failed(e)),
        (Err(Some(e)), _) => AaveStep::Off(ProtocolRead::Failed(e)),
        (Ok(_), Ok(data_provider)) => match decode::<abi::getPoolCall>(a1, &Key::AavePool) {
            Ok(pool) => AaveStep::Pool {
                pool,
                data_provider,
            },
            Err(e) => AaveStep::Off(ProtocolRead::Failed(e)),
        },
    }
}

fn uniswap_round1(a1: &HashMap<Key, Option<Bytes>>, w: usize, step: UniStep) -> UniStep {
    let UniStep::Manager { npm, factory } = step else {
        return step;
    };
    match answer(a1, &Key::NftCount(w)) {
        Err(None) => UniStep::Off(ProtocolRead::NotDeployed(uniswap_absent(npm))),
        Err(Some(e)) => UniStep::Off(ProtocolRead::Failed(e)),
        Ok(_) => match decode::<abi::balanceOfCall>(a1, &Key::NftCount(w)) {
            Ok(n) => {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                UniStep::Count {
                    npm,
                    factory,
                    count: n.min(MAX_POSITIONS),
                    not_read: n.saturating_sub(MAX_POSITIONS),
                }
            }
            Err(e) => UniStep::Off(ProtocolRead::Failed(e)),
        },
    }
}

fn aave_round2(a2: &HashMap<Key, Option<Bytes>>, w: usize, step: AaveStep) -> AaveStep {
    let AaveStep::Pool {
        pool,
        data_provider,
    } = step
    else {
        return step;
    };
    match (
        decode::<abi::getReservesListCall>(a2, &Key::Reserves),
        decode::<abi::getUserAccountDataCall>(a2, &Key::AccountData(w)),
    ) {
        (Ok(reserves), Ok(account)) => AaveStep::Reserves {
            pool,
            data_provider,
            reserves,
            account,
        },
        (Err(e), _) | (_, Err(e)) => AaveStep::Off(ProtocolRead::Failed(e)),
    }
}

fn uniswap_round2(a2: &HashMap<Key, Option<Bytes>>, w: usize, step: UniStep) -> UniStep {
    let UniStep::Count {
        npm,
        factory,
        count,
        not_read,
    } = step
    else {
        return step;
    };
    let ids: Result<Vec<U256>, String> = (0..count)
        .map(|i| decode::<abi::tokenOfOwnerByIndexCall>(a2, &Key::NftId(w, i)))
        .collect();
    match ids {
        Ok(ids) => UniStep::Ids {
            npm,
            factory,
            ids,
            not_read,
        },
        Err(e) => UniStep::Off(ProtocolRead::Failed(e)),
    }
}

fn uniswap_round3(a3: &HashMap<Key, Option<Bytes>>, w: usize, step: UniStep) -> UniStep {
    let UniStep::Ids {
        npm,
        factory,
        ids,
        not_read,
    } = step
    else {
        return step;
    };
    let positions: Result<Vec<(U256, abi::positionsReturn)>, String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| decode::<abi::positionsCall>(a3, &Key::Position(w, i)).map(|p| (*id, p)))
        .collect();
    match positions {
        Ok(all) => UniStep::Positions {
            npm,
            factory,
            // A closed position (no liquidity, nothing owed) holds nothing.
            open: all
                .into_iter()
                .filter(|(_, p)| p.liquidity != 0 || p.tokensOwed0 != 0 || p.tokensOwed1 != 0)
                .collect(),
            not_read,
        },
        Err(e) => UniStep::Off(ProtocolRead::Failed(e)),
    }
}

fn pool_of(factory: Address, p: &abi::positionsReturn) -> Address {
    uniswap_v3::pool_address(
        factory,
        p.token0,
        p.token1,
        p.fee.to::<u32>(),
        POOL_INIT_CODE_HASH,
    )
}

/// Round 4's calls for one wallet's open positions (shared pools and tokens are sent once).
fn pool_calls(r: &mut Round<Key>, factory: Address, open: &[(U256, abi::positionsReturn)]) {
    let mut pools: BTreeSet<Address> = BTreeSet::new();
    let mut tokens: BTreeSet<Address> = BTreeSet::new();
    let mut ticks: BTreeSet<(Address, i32)> = BTreeSet::new();
    for (_, p) in open {
        let pool = pool_of(factory, p);
        pools.insert(pool);
        tokens.insert(p.token0);
        tokens.insert(p.token1);
        ticks.insert((pool, p.tickLower.as_i32()));
        ticks.insert((pool, p.tickUpper.as_i32()));
    }
    for &pool in &pools {
        r.push(Key::Slot0(pool), pool, abi::slot0Call {});
        r.push(Key::Global0(pool), pool, abi::feeGrowthGlobal0X128Call {});
        r.push(Key::Global1(pool), pool, abi::feeGrowthGlobal1X128Call {});
    }
    for &(pool, tick) in &ticks {
        r.push(
            Key::Tick(pool, tick),
            pool,
            abi::ticksCall {
                tick: alloy::primitives::aliases::I24::try_from(tick).unwrap_or_default(),
            },
        );
    }
    for &t in &tokens {
        r.push(Key::Decimals(t), t, abi::decimalsCall {});
        r.push(Key::Symbol(t), t, abi::symbolCall {});
    }
}

fn finish_all(
    aave: Vec<AaveStep>,
    uni: Vec<UniStep>,
    requests: usize,
    block: Option<u64>,
) -> Vec<DefiReading> {
    aave.into_iter()
        .zip(uni)
        .map(|(a, u)| finish(a, u, requests, block))
        .collect()
}

fn finish(aave: AaveStep, uni: UniStep, requests: usize, block: Option<u64>) -> DefiReading {
    let aave = match aave {
        AaveStep::Off(r) => r,
        _ => ProtocolRead::Failed("the Aave read stopped early".into()),
    };
    let uniswap = match uni {
        UniStep::Off(r) => r,
        _ => ProtocolRead::Failed("the Uniswap read stopped early".into()),
    };
    DefiReading {
        aave,
        uniswap,
        requests,
        block,
    }
}

fn aave_account(
    a3: &HashMap<Key, Option<Bytes>>,
    w: usize,
    pool: Address,
    reserves: &[Address],
    account: &abi::getUserAccountDataReturn,
) -> ProtocolRead<AaveAccount> {
    let mut out = Vec::new();
    let mut receipts = Vec::new();
    for &asset in reserves {
        let data = match decode::<abi::getUserReserveDataCall>(a3, &Key::ReserveData(w, asset)) {
            Ok(d) => d,
            Err(e) => return ProtocolRead::Failed(e),
        };
        let tokens =
            match decode::<abi::getReserveTokensAddressesCall>(a3, &Key::ReserveTokens(asset)) {
                Ok(t) => [
                    t.aTokenAddress,
                    t.stableDebtTokenAddress,
                    t.variableDebtTokenAddress,
                ]
                .map(|a| (a != Address::ZERO).then(|| lower(a))),
                Err(e) => return ProtocolRead::Failed(e),
            };
        receipts.extend(tokens.iter().flatten().cloned());
        let held = !data.currentATokenBalance.is_zero()
            || !data.currentStableDebt.is_zero()
            || !data.currentVariableDebt.is_zero();
        if !held {
            continue;
        }
        out.push(AaveReserve {
            asset: lower(asset),
            symbol: symbol_of(a3, asset),
            decimals: decimals_of(a3, asset),
            supplied: data.currentATokenBalance.to_string(),
            stable_debt: data.currentStableDebt.to_string(),
            variable_debt: data.currentVariableDebt.to_string(),
            collateral: data.usageAsCollateralEnabled,
            a_token: tokens[0].clone(),
            stable_debt_token: tokens[1].clone(),
            variable_debt_token: tokens[2].clone(),
        });
    }
    ProtocolRead::Read(AaveAccount {
        pool: lower(pool),
        health_factor: (account.healthFactor != U256::MAX)
            .then(|| account.healthFactor.to_string()),
        total_collateral_base: account.totalCollateralBase.to_string(),
        total_debt_base: account.totalDebtBase.to_string(),
        reserves: out,
        receipt_tokens: receipts,
    })
}

fn lp_position(
    a4: &HashMap<Key, Option<Bytes>>,
    id: U256,
    p: &abi::positionsReturn,
    pool: Address,
) -> Result<LpPosition, String> {
    let slot0 = decode::<abi::slot0Call>(a4, &Key::Slot0(pool))
        .map_err(|e| format!("pool {} of position {id}: {e}", lower(pool)))?;
    let global0 = decode::<abi::feeGrowthGlobal0X128Call>(a4, &Key::Global0(pool))?;
    let global1 = decode::<abi::feeGrowthGlobal1X128Call>(a4, &Key::Global1(pool))?;
    let lower_tick = p.tickLower.as_i32();
    let upper_tick = p.tickUpper.as_i32();
    let lo = decode::<abi::ticksCall>(a4, &Key::Tick(pool, lower_tick))?;
    let hi = decode::<abi::ticksCall>(a4, &Key::Tick(pool, upper_tick))?;
    let tick = slot0.tick.as_i32();
    let sqrt_price = U256::from(slot0.sqrtPriceX96);
    let (amount0, amount1) =
        uniswap_v3::amounts_for_liquidity(tick, sqrt_price, lower_tick, upper_tick, p.liquidity)
            .map_err(|e| format!("position {id}: {e}"))?;
    let fees = |global: U256, outside_lower: U256, outside_upper: U256, last: U256, owed: u128| {
        uniswap_v3::uncollected_fees(
            tick,
            lower_tick,
            upper_tick,
            p.liquidity,
            &FeeGrowth {
                global,
                outside_lower,
                outside_upper,
                inside_last: last,
                tokens_owed: owed,
            },
        )
    };
    let fees0 = fees(
        global0,
        lo.feeGrowthOutside0X128,
        hi.feeGrowthOutside0X128,
        p.feeGrowthInside0LastX128,
        p.tokensOwed0,
    );
    let fees1 = fees(
        global1,
        lo.feeGrowthOutside1X128,
        hi.feeGrowthOutside1X128,
        p.feeGrowthInside1LastX128,
        p.tokensOwed1,
    );
    Ok(LpPosition {
        token_id: id.to_string(),
        pool: lower(pool),
        token0: lower(p.token0),
        token1: lower(p.token1),
        symbol0: symbol_of(a4, p.token0),
        symbol1: symbol_of(a4, p.token1),
        decimals0: decimals_of(a4, p.token0),
        decimals1: decimals_of(a4, p.token1),
        fee: p.fee.to::<u32>(),
        tick_lower: lower_tick,
        tick_upper: upper_tick,
        tick,
        liquidity: p.liquidity.to_string(),
        amount0: amount0.to_string(),
        amount1: amount1.to_string(),
        fees0: fees0.to_string(),
        fees1: fees1.to_string(),
        in_range: uniswap_v3::in_range(tick, lower_tick, upper_tick),
    })
}
