//! Uniswap v3 position maths on `U256`, exactly as the pool rounds (TickMath, SqrtPriceMath,
//! Tick.getFeeGrowthInside, and the position manager's fee accounting), so a position's
//! amounts equal what burning all its liquidity returns and its fees what `collect` returns,
//! to the last unit.
//!
//! - Amounts: the pool branches on `slot0.tick` (not the price): `tick < tickLower` holds only
//!   token0, `tickLower <= tick < tickUpper` both, `tick >= tickUpper` only token1, each
//!   rounded down (what a burn pays out).
//! - Fees: `tokensOwed + mulDiv(feeGrowthInside − feeGrowthInsideLast, liquidity, 2^128)`, the
//!   growth differences wrapping modulo 2^256 as in Solidity 0.7, the sum cut to 128 bits as
//!   the position manager stores it.

use alloy_primitives::{U256, U512};

pub const MIN_TICK: i32 = -887_272;
pub const MAX_TICK: i32 = 887_272;

/// Q128.128 factors of TickMath.getSqrtRatioAtTick, one per bit of |tick| (from Uniswap's
/// TickMath.sol).
const FACTORS: [u128; 19] = [
    0xfff97272373d413259a46990580e213a,
    0xfff2e50f5f656932ef12357cf3c7fdcc,
    0xffe5caca7e10e4e61c3624eaa0941cd0,
    0xffcb9843d60f6159c9db58835c926644,
    0xff973b41fa98c081472e6896dfb254c0,
    0xff2ea16466c96a3843ec78b326b52861,
    0xfe5dee046a99a2a811c461f1969c3053,
    0xfcbe86c7900a88aedcffc83b479aa3a4,
    0xf987a7253ac413176f2b074cf7815e54,
    0xf3392b0822b70005940c7a398e4b70f3,
    0xe7159475a2c29b7443b29c7fa6e889d9,
    0xd097f3bdfd2022b8845ad8f792aa5825,
    0xa9f746462d870fdf8a65dc1f90e061e5,
    0x70d869a156d2a1b890bb3df62baf32f7,
    0x31be135f97d08fd981231505542fcfa6,
    0x9aa508b5b7a84e1c677de54f3e99bc9,
    0x5d6af8dedb81196699c329225ee604,
    0x2216e584f5fa1ea926041bedfe98,
    0x48a170391f7dc42444e8fa2,
];

const BIT0: u128 = 0xfffcb933bd6fad37aa2d162d1a594001;

/// Why a position cannot be valued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MathError {
    #[error("tick {0} is outside the pool's range")]
    TickOutOfRange(i32),
    #[error("the position's ticks are not ordered ({0} >= {1})")]
    TicksNotOrdered(i32, i32),
    #[error("the pool's price is zero")]
    ZeroPrice,
    #[error("an amount does not fit 256 bits")]
    Overflow,
}

/// `sqrt(1.0001^tick) × 2^96`, rounded up (TickMath.getSqrtRatioAtTick).
pub fn sqrt_ratio_at_tick(tick: i32) -> Result<U256, MathError> {
    if !(MIN_TICK..=MAX_TICK).contains(&tick) {
        return Err(MathError::TickOutOfRange(tick));
    }
    let abs = tick.unsigned_abs();
    let mut ratio = if abs & 1 != 0 {
        U256::from(BIT0)
    } else {
        U256::from(1u8) << 128
    };
    for (bit, factor) in FACTORS.iter().enumerate() {
        if abs & (1 << (bit + 1)) != 0 {
            // Both factors are below 2^129, so the product fits 256 bits.
            ratio = (ratio * U256::from(*factor)) >> 128;
        }
    }
    if tick > 0 {
        ratio = U256::MAX / ratio;
    }
    let round_up = ratio & U256::from(u32::MAX) != U256::ZERO;
    Ok((ratio >> 32) + U256::from(round_up as u8))
}

/// `floor(a × b / d)` with a 512-bit intermediate (FullMath.mulDiv); `None` when `d` is zero
/// or the result does not fit 256 bits.
pub fn mul_div(a: U256, b: U256, d: U256) -> Option<U256> {
    if d.is_zero() {
        return None;
    }
    let product: U512 = a.widening_mul(b);
    let q = product
        / U512::from_limbs([
            d.as_limbs()[0],
            d.as_limbs()[1],
            d.as_limbs()[2],
            d.as_limbs()[3],
            0,
            0,
            0,
            0,
        ]);
    let limbs = q.as_limbs();
    limbs[4..]
        .iter()
        .all(|l| *l == 0)
        .then(|| U256::from_limbs([limbs[0], limbs[1], limbs[2], limbs[3]]))
}

/// SqrtPriceMath.getAmount0Delta rounded down: `floor(floor(L·2^96·(b−a)/b) / a)`.
fn amount0_delta(mut a: U256, mut b: U256, liquidity: u128) -> Result<U256, MathError> {
    if a > b {
        std::mem::swap(&mut a, &mut b);
    }
    if a.is_zero() {
        return Err(MathError::ZeroPrice);
    }
    let numerator1 = U256::from(liquidity) << 96;
    let scaled = mul_div(numerator1, b - a, b).ok_or(MathError::Overflow)?;
    Ok(scaled / a)
}

/// SqrtPriceMath.getAmount1Delta rounded down: `floor(L·(b−a)/2^96)`.
fn amount1_delta(mut a: U256, mut b: U256, liquidity: u128) -> Result<U256, MathError> {
    if a > b {
        std::mem::swap(&mut a, &mut b);
    }
    mul_div(U256::from(liquidity), b - a, U256::from(1u8) << 96).ok_or(MathError::Overflow)
}

/// What burning all of a position's `liquidity` pays out now: `(amount0, amount1)`.
pub fn amounts_for_liquidity(
    tick: i32,
    sqrt_price_x96: U256,
    tick_lower: i32,
    tick_upper: i32,
    liquidity: u128,
) -> Result<(U256, U256), MathError> {
    if tick_lower >= tick_upper {
        return Err(MathError::TicksNotOrdered(tick_lower, tick_upper));
    }
    let a = sqrt_ratio_at_tick(tick_lower)?;
    let b = sqrt_ratio_at_tick(tick_upper)?;
    if liquidity == 0 {
        return Ok((U256::ZERO, U256::ZERO));
    }
    if tick < tick_lower {
        Ok((amount0_delta(a, b, liquidity)?, U256::ZERO))
    } else if tick < tick_upper {
        Ok((
            amount0_delta(sqrt_price_x96, b, liquidity)?,
            amount1_delta(a, sqrt_price_x96, liquidity)?,
        ))
    } else {
        Ok((U256::ZERO, amount1_delta(a, b, liquidity)?))
    }
}

/// Whether the pool's current tick is inside the position's range (it earns fees).
pub fn in_range(tick: i32, tick_lower: i32, tick_upper: i32) -> bool {
    tick_lower <= tick && tick < tick_upper
}

/// One token's fee growth as the pool and the position know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeGrowth {
    /// `pool.feeGrowthGlobal{0,1}X128`.
    pub global: U256,
    /// `ticks(tickLower).feeGrowthOutside{0,1}X128`.
    pub outside_lower: U256,
    /// `ticks(tickUpper).feeGrowthOutside{0,1}X128`.
    pub outside_upper: U256,
    /// The position manager's `feeGrowthInside{0,1}LastX128` of the position.
    pub inside_last: U256,
    /// The position manager's `tokensOwed{0,1}`.
    pub tokens_owed: u128,
}

/// Tick.getFeeGrowthInside: growth inside `[lower, upper)`, wrapping as the pool does.
pub fn fee_growth_inside(tick: i32, tick_lower: i32, tick_upper: i32, g: &FeeGrowth) -> U256 {
    let below = if tick >= tick_lower {
        g.outside_lower
    } else {
        g.global.wrapping_sub(g.outside_lower)
    };
    let above = if tick < tick_upper {
        g.outside_upper
    } else {
        g.global.wrapping_sub(g.outside_upper)
    };
    g.global.wrapping_sub(below).wrapping_sub(above)
}

/// What `collect` would pay now in one token: the owed tokens plus the fees earned since the
/// position was last touched (`collect` pokes the pool first), cut to 128 bits as stored.
pub fn uncollected_fees(
    tick: i32,
    tick_lower: i32,
    tick_upper: i32,
    liquidity: u128,
    g: &FeeGrowth,
) -> U256 {
    let inside = fee_growth_inside(tick, tick_lower, tick_upper, g);
    let earned = if liquidity == 0 {
        U256::ZERO
    } else {
        // (inside − last) × L < 2^256 × 2^128, so the quotient by 2^128 fits 256 bits.
        mul_div(
            inside.wrapping_sub(g.inside_last),
            U256::from(liquidity),
            U256::from(1u8) << 128,
        )
        .unwrap_or(U256::MAX)
    };
    // The manager adds `uint128(earned)` to `tokensOwed` (both uint128, wrapping in 0.7).
    let earned128 = u128::try_from(earned & U256::from(u128::MAX)).unwrap_or(u128::MAX);
    U256::from(g.tokens_owed.wrapping_add(earned128))
}

/// The pool's address: CREATE2 by the factory over `(token0, token1, fee)` with the pool's
/// init code hash (PoolAddress.computeAddress); tokens in either order.
pub fn pool_address(
    factory: alloy_primitives::Address,
    token_a: alloy_primitives::Address,
    token_b: alloy_primitives::Address,
    fee: u32,
    init_code_hash: alloy_primitives::B256,
) -> alloy_primitives::Address {
    let (t0, t1) = if token_a < token_b {
        (token_a, token_b)
    } else {
        (token_b, token_a)
    };
    // abi.encode(address, address, uint24): three 32-byte words, each value right-aligned.
    let mut encoded = [0u8; 96];
    encoded[12..32].copy_from_slice(t0.as_slice());
    encoded[44..64].copy_from_slice(t1.as_slice());
    encoded[93..96].copy_from_slice(&(fee & 0x00ff_ffff).to_be_bytes()[1..]);
    factory.create2(alloy_primitives::keccak256(encoded), init_code_hash)
}

/// The init code hash of the canonical Uniswap v3 pool (Ethereum, Arbitrum, Optimism, Base,
/// BNB Chain and the npm package `@uniswap/v3-core`).
pub const POOL_INIT_CODE_HASH: alloy_primitives::B256 =
    alloy_primitives::b256!("e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54");

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    fn u(s: &str) -> U256 {
        s.parse().unwrap()
    }

    #[test]
    fn sqrt_ratio_matches_tickmath_at_the_ends_and_the_middle() {
        assert_eq!(sqrt_ratio_at_tick(0).unwrap(), U256::from(1u8) << 96);
        assert_eq!(sqrt_ratio_at_tick(MIN_TICK).unwrap(), u("4295128739"));
        assert_eq!(
            sqrt_ratio_at_tick(MAX_TICK).unwrap(),
            u("1461446703485210103287273052203988822378723970342")
        );
        // sqrt(1.0001^t) × sqrt(1.0001^-t) = 1: the two Q96 values multiply to about 2^192.
        for t in [1, 50, 10_000, 400_000] {
            let up = sqrt_ratio_at_tick(t).unwrap();
            let down = sqrt_ratio_at_tick(-t).unwrap();
            assert!(up > U256::from(1u8) << 96 && down < U256::from(1u8) << 96);
            let product = mul_div(up, down, U256::from(1u8) << 96).unwrap();
            let one = U256::from(1u8) << 96;
            let diff = if product > one {
                product - one
            } else {
                one - product
            };
            assert!(diff < U256::from(1u64 << 40), "tick {t}: {product}");
        }
        assert!(sqrt_ratio_at_tick(MAX_TICK + 1).is_err());
        assert!(sqrt_ratio_at_tick(MIN_TICK - 1).is_err());
    }

    #[test]
    fn mul_div_keeps_the_512_bit_product_and_floors() {
        assert_eq!(mul_div(U256::MAX, U256::MAX, U256::MAX), Some(U256::MAX));
        assert_eq!(mul_div(u("7"), u("3"), u("2")), Some(u("10")));
        assert_eq!(mul_div(U256::MAX, u("2"), u("1")), None);
        assert_eq!(mul_div(u("1"), u("1"), U256::ZERO), None);
    }

    #[test]
    fn amounts_follow_the_pools_branch_on_the_tick() {
        let l = 1_000_000_000_000_000_000u128;
        let p = sqrt_ratio_at_tick(0).unwrap();
        // Below the range: token0 only; above: token1 only; inside: both.
        let (a0, a1) =
            amounts_for_liquidity(-200, sqrt_ratio_at_tick(-200).unwrap(), -100, 100, l).unwrap();
        assert!(a0 > U256::ZERO && a1.is_zero());
        let (a0, a1) =
            amounts_for_liquidity(100, sqrt_ratio_at_tick(100).unwrap(), -100, 100, l).unwrap();
        assert!(a0.is_zero() && a1 > U256::ZERO);
        let (a0, a1) = amounts_for_liquidity(0, p, -100, 100, l).unwrap();
        assert!(a0 > U256::ZERO && a1 > U256::ZERO);
        // Symmetric range at price 1: both sides within one unit of each other, rounded down.
        let diff = if a0 > a1 { a0 - a1 } else { a1 - a0 };
        assert!(diff <= U256::from(1u8), "{a0} vs {a1}");
        assert_eq!(
            amounts_for_liquidity(0, p, 10, 10, l),
            Err(MathError::TicksNotOrdered(10, 10))
        );
        assert_eq!(
            amounts_for_liquidity(0, p, -100, 100, 0).unwrap(),
            (U256::ZERO, U256::ZERO)
        );
    }

    #[test]
    fn amount_at_tick_upper_exactly_is_all_token1() {
        // The pool uses `tick < tickUpper`, so a price exactly at the upper tick is "above".
        let l = 5_000u128;
        let (a0, a1) =
            amounts_for_liquidity(100, sqrt_ratio_at_tick(100).unwrap(), 0, 100, l).unwrap();
        assert!(a0.is_zero());
        assert_eq!(
            a1,
            amount1_delta(
                sqrt_ratio_at_tick(0).unwrap(),
                sqrt_ratio_at_tick(100).unwrap(),
                l
            )
            .unwrap()
        );
        assert!(in_range(0, 0, 100) && !in_range(100, 0, 100) && !in_range(-1, 0, 100));
    }

    #[test]
    fn fees_wrap_like_solidity_and_add_the_owed_tokens() {
        let q128 = U256::from(1u8) << 128;
        // Growth inside 3 × 2^128 since the last touch, liquidity 2: 6 more fees.
        let g = FeeGrowth {
            global: q128 * U256::from(10u8),
            outside_lower: q128 * U256::from(2u8),
            outside_upper: q128 * U256::from(1u8),
            inside_last: q128 * U256::from(4u8),
            tokens_owed: 5,
        };
        assert_eq!(fee_growth_inside(50, 0, 100, &g), q128 * U256::from(7u8));
        assert_eq!(uncollected_fees(50, 0, 100, 2, &g), U256::from(11u8));
        // The last-touch value above the current inside growth wraps, as the pool's does.
        let wrapped = FeeGrowth {
            inside_last: U256::MAX - q128 + U256::from(1u8),
            ..g
        };
        assert_eq!(
            fee_growth_inside(50, 0, 100, &wrapped).wrapping_sub(wrapped.inside_last),
            q128 * U256::from(8u8)
        );
        assert_eq!(uncollected_fees(50, 0, 100, 0, &g), U256::from(5u8));
    }

    #[test]
    fn the_pool_address_is_the_canonical_create2_one() {
        // USDC/WETH 0.05% on Ethereum.
        let pool = pool_address(
            address!("1F98431c8aD98523631AE4a59f267346ea31F984"),
            address!("A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
            address!("C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
            500,
            POOL_INIT_CODE_HASH,
        );
        assert_eq!(pool, address!("88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"));
    }
}
