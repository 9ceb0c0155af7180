//! Uniswap v3: a wallet's liquidity positions on one chain, in four rounds:
//!
//! 1. `NonfungiblePositionManager.balanceOf(wallet)`.
//! 2. `tokenOfOwnerByIndex(wallet, i)` for each position NFT.
//! 3. `positions(id)` of each.
//! 4. Per pool of an open position (its address by CREATE2, [`math::pool_address`]) `slot0()`,
//!    `feeGrowthGlobal{0,1}X128()`, and `ticks()` of each position's bounds; each pool token's
//!    `decimals()` / `symbol()`.
//!
//! Amounts and uncollected fees follow the pool's own rounding ([`math`]).

use std::collections::BTreeSet;

use alloy::primitives::{Address, Bytes, U256};

use super::{
    configured, decode, lower, parse_address, Answers, DefiProtocol, DefiReading, DefiTarget,
    ProtocolRead, Round, Session,
};
use crate::domain::uniswap_v3::{self as math, FeeGrowth, POOL_INIT_CODE_HASH};

/// Most position NFTs of one wallet read on one chain (a wallet with more is read up to this
/// many and told so).
pub const MAX_POSITIONS: usize = 200;

mod abi {
    alloy::sol! {
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
    }
}

const NAME: &str = "uniswap-v3";

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

/// The protocol, registered in [`super::PROTOCOLS`].
pub struct UniswapV3;

impl DefiProtocol for UniswapV3 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn configured(&self, target: &DefiTarget) -> bool {
        configured(&target.uniswap_v3_position_manager).is_some()
            && configured(&target.uniswap_v3_factory).is_some()
    }

    fn begin(
        &self,
        target: &DefiTarget,
        wallets: usize,
        known_absent: &dyn Fn(Address) -> bool,
    ) -> Box<dyn Session> {
        let manager =
            configured(&target.uniswap_v3_position_manager).and_then(|t| t.parse::<Address>().ok());
        Box::new(UniswapSession {
            manager,
            steps: (0..wallets).map(|_| start(target, known_absent)).collect(),
            asked: Vec::new(),
        })
    }
}

/// A call's slot; `usize` fields name the wallet (its index in the read), so wallets read
/// together keep their answers apart while sharing the calls that do not depend on them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    NftCount(usize),
    NftId(usize, usize),
    Decimals(Address),
    Symbol(Address),
    Position(usize, usize),
    Slot0(Address),
    Global0(Address),
    Global1(Address),
    Tick(Address, i32),
}

/// One wallet's read between rounds.
enum Step {
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

struct UniswapSession {
    /// The registry's position manager (to remember when it has no code).
    manager: Option<Address>,
    steps: Vec<Step>,
    /// The slots of the calls asked this round.
    asked: Vec<Key>,
}

/// A wallet's first step: off, or the position manager to ask.
fn start(target: &DefiTarget, known_absent: &dyn Fn(Address) -> bool) -> Step {
    match (
        configured(&target.uniswap_v3_position_manager),
        configured(&target.uniswap_v3_factory),
    ) {
        (Some(n), Some(f)) => match (
            parse_address(n, "Uniswap v3 position manager"),
            parse_address(f, "Uniswap v3 factory"),
        ) {
            (Ok(npm), Ok(_)) if known_absent(npm) => {
                Step::Off(ProtocolRead::NotDeployed(absent(npm)))
            }
            (Ok(npm), Ok(factory)) => Step::Manager { npm, factory },
            (Err(e), _) | (_, Err(e)) => Step::Off(ProtocolRead::Failed(e)),
        },
        _ => Step::Off(ProtocolRead::NotConfigured),
    }
}

fn absent(npm: Address) -> String {
    format!(
        "no Uniswap v3 position manager at {} on this chain",
        lower(npm)
    )
}

impl Session for UniswapSession {
    fn done(&self) -> bool {
        self.steps.iter().all(|s| matches!(s, Step::Off(_)))
    }

    fn calls(&mut self, owners: &[Address]) -> Vec<(Address, Bytes)> {
        let mut r = Round::new();
        for (w, step) in self.steps.iter().enumerate() {
            calls_of(&mut r, w, owners[w], step);
        }
        let (calls, keys) = r.into_parts();
        self.asked = keys;
        calls
    }

    fn advance(&mut self, answers: Vec<Option<Bytes>>) {
        let answers: Answers<Key> = std::mem::take(&mut self.asked)
            .into_iter()
            .zip(answers)
            .collect();
        for (w, step) in self.steps.iter_mut().enumerate() {
            let s = std::mem::replace(step, Step::Off(ProtocolRead::NotConfigured));
            *step = next(&answers, w, s);
        }
    }

    fn not_deployed(&self) -> Option<Address> {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::Off(ProtocolRead::NotDeployed(_))))
            .then_some(self.manager)
            .flatten()
    }

    fn finish(self: Box<Self>, readings: &mut [DefiReading]) {
        for (reading, step) in readings.iter_mut().zip(self.steps) {
            reading.uniswap = match step {
                Step::Off(r) => r,
                _ => ProtocolRead::Failed("the Uniswap read stopped early".into()),
            };
        }
    }
}

/// The calls of one wallet's next round.
fn calls_of(r: &mut Round<Key>, w: usize, owner: Address, step: &Step) {
    match step {
        // Round 1: how many position NFTs the wallet holds.
        Step::Manager { npm, .. } => {
            r.push(Key::NftCount(w), *npm, abi::balanceOfCall { owner });
        }
        // Round 2: the wallet's NFT ids.
        Step::Count { npm, count, .. } => {
            for i in 0..*count {
                let index = U256::from(i);
                r.push(
                    Key::NftId(w, i),
                    *npm,
                    abi::tokenOfOwnerByIndexCall { owner, index },
                );
            }
        }
        // Round 3: each position.
        Step::Ids { npm, ids, .. } => {
            for (i, id) in ids.iter().enumerate() {
                r.push(
                    Key::Position(w, i),
                    *npm,
                    abi::positionsCall { tokenId: *id },
                );
            }
        }
        // Round 4: each pool's price and fee growth; each pool token's decimals (all wallets'
        // pools at once; nothing asked when no position is open).
        Step::Positions { factory, open, .. } => pool_calls(r, *factory, open),
        Step::Off(_) => {}
    }
}

/// One wallet's step after a round's answers.
fn next(answers: &Answers<Key>, w: usize, step: Step) -> Step {
    match step {
        Step::Manager { npm, factory } => round1(answers, w, npm, factory),
        Step::Count {
            npm,
            factory,
            count,
            not_read,
        } => round2(answers, w, npm, factory, count, not_read),
        Step::Ids {
            npm,
            factory,
            ids,
            not_read,
        } => round3(answers, w, npm, factory, &ids, not_read),
        Step::Positions {
            npm,
            factory,
            open,
            not_read,
        } => {
            let read: Result<Vec<LpPosition>, String> = open
                .iter()
                .map(|(id, p)| lp_position(answers, *id, p, pool_of(factory, p)))
                .collect();
            Step::Off(match read {
                Ok(positions) => ProtocolRead::Read(UniswapPositions {
                    position_manager: lower(npm),
                    positions,
                    not_read,
                }),
                Err(e) => ProtocolRead::Failed(e),
            })
        }
        off @ Step::Off(_) => off,
    }
}

fn round1(a1: &Answers<Key>, w: usize, npm: Address, factory: Address) -> Step {
    match super::answer(a1, &Key::NftCount(w)) {
        Err(None) => Step::Off(ProtocolRead::NotDeployed(absent(npm))),
        Err(Some(e)) => Step::Off(ProtocolRead::Failed(e)),
        Ok(_) => match decode::<abi::balanceOfCall, _>(a1, &Key::NftCount(w)) {
            Ok(n) => {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                Step::Count {
                    npm,
                    factory,
                    count: n.min(MAX_POSITIONS),
                    not_read: n.saturating_sub(MAX_POSITIONS),
                }
            }
            Err(e) => Step::Off(ProtocolRead::Failed(e)),
        },
    }
}

fn round2(
    a2: &Answers<Key>,
    w: usize,
    npm: Address,
    factory: Address,
    count: usize,
    not_read: usize,
) -> Step {
    let ids: Result<Vec<U256>, String> = (0..count)
        .map(|i| decode::<abi::tokenOfOwnerByIndexCall, _>(a2, &Key::NftId(w, i)))
        .collect();
    match ids {
        Ok(ids) => Step::Ids {
            npm,
            factory,
            ids,
            not_read,
        },
        Err(e) => Step::Off(ProtocolRead::Failed(e)),
    }
}

fn round3(
    a3: &Answers<Key>,
    w: usize,
    npm: Address,
    factory: Address,
    ids: &[U256],
    not_read: usize,
) -> Step {
    let positions: Result<Vec<(U256, abi::positionsReturn)>, String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| decode::<abi::positionsCall, _>(a3, &Key::Position(w, i)).map(|p| (*id, p)))
        .collect();
    match positions {
        Ok(all) => Step::Positions {
            npm,
            factory,
            // A closed position (no liquidity, nothing owed) holds nothing.
            open: all
                .into_iter()
                .filter(|(_, p)| p.liquidity != 0 || p.tokensOwed0 != 0 || p.tokensOwed1 != 0)
                .collect(),
            not_read,
        },
        Err(e) => Step::Off(ProtocolRead::Failed(e)),
    }
}

fn pool_of(factory: Address, p: &abi::positionsReturn) -> Address {
    math::pool_address(
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
        r.push_token(t, Key::Decimals(t), Key::Symbol(t));
    }
}

fn lp_position(
    a4: &Answers<Key>,
    id: U256,
    p: &abi::positionsReturn,
    pool: Address,
) -> Result<LpPosition, String> {
    let slot0 = decode::<abi::slot0Call, _>(a4, &Key::Slot0(pool))
        .map_err(|e| format!("pool {} of position {id}: {e}", lower(pool)))?;
    let global0 = decode::<abi::feeGrowthGlobal0X128Call, _>(a4, &Key::Global0(pool))?;
    let global1 = decode::<abi::feeGrowthGlobal1X128Call, _>(a4, &Key::Global1(pool))?;
    let lower_tick = p.tickLower.as_i32();
    let upper_tick = p.tickUpper.as_i32();
    let lo = decode::<abi::ticksCall, _>(a4, &Key::Tick(pool, lower_tick))?;
    let hi = decode::<abi::ticksCall, _>(a4, &Key::Tick(pool, upper_tick))?;
    let tick = slot0.tick.as_i32();
    let sqrt_price = U256::from(slot0.sqrtPriceX96);
    let (amount0, amount1) =
        math::amounts_for_liquidity(tick, sqrt_price, lower_tick, upper_tick, p.liquidity)
            .map_err(|e| format!("position {id}: {e}"))?;
    let fees = |global: U256, outside_lower: U256, outside_upper: U256, last: U256, owed: u128| {
        math::uncollected_fees(
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
        symbol0: super::symbol_of(a4, &Key::Symbol(p.token0)),
        symbol1: super::symbol_of(a4, &Key::Symbol(p.token1)),
        decimals0: super::decimals_of(a4, &Key::Decimals(p.token0)),
        decimals1: super::decimals_of(a4, &Key::Decimals(p.token1)),
        fee: p.fee.to::<u32>(),
        tick_lower: lower_tick,
        tick_upper: upper_tick,
        tick,
        liquidity: p.liquidity.to_string(),
        amount0: amount0.to_string(),
        amount1: amount1.to_string(),
        fees0: fees0.to_string(),
        fees1: fees1.to_string(),
        in_range: math::in_range(tick, lower_tick, upper_tick),
    })
}
