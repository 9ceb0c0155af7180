//! Display quantities from raw on-chain integers.
//!
//! A raw amount is an unsigned integer in base-10 digits (up to 2^256 − 1, 78 digits); the
//! quantity is `raw / 10^decimals`. `Decimal` holds at most a 96-bit mantissa (28–29
//! significant digits) at scale 0–28, so the rule is:
//!
//! - exact whenever the quantity fits a `Decimal`;
//! - otherwise rounded toward zero (truncated, so never above what is on chain) at the coarser
//!   of two places: the 28th significant digit, and the 28th fractional digit (`Decimal`'s
//!   largest scale). So a quantity below 10^-28 (e.g. one unit of a 36-decimal token) becomes
//!   0: zero is decided on the raw integer with [`is_zero_raw`], never on the quantity, and the
//!   raw integer is kept beside the quantity;
//! - an error when even the rounded quantity does not fit (2^96 − 1, about 7.9 × 10^28 whole
//!   tokens, or more).
//!
//! Results are normalized (no trailing fractional zeros).

use rust_decimal::Decimal;

/// Longest accepted raw amount: 2^256 − 1 has 78 digits.
pub const MAX_RAW_DIGITS: usize = 78;

/// Significant digits kept when a quantity must be rounded.
pub const ROUNDED_SIGNIFICANT_DIGITS: i32 = 28;

/// `Decimal`'s largest scale.
const MAX_SCALE: i32 = 28;

/// Largest `Decimal` mantissa (2^96 − 1).
const MAX_MANTISSA: u128 = (1u128 << 96) - 1;

/// Why a raw amount has no quantity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("the raw amount is empty")]
    Empty,
    #[error("the raw amount must be base-10 digits only")]
    NotDigits,
    #[error("the raw amount has {0} digits; at most 78 are accepted")]
    TooLong(usize),
    /// The quantity is beyond 2^96 − 1 even when rounded: no `Decimal` can hold it.
    #[error("the quantity is too large for a decimal (about 7.9e28 or more)")]
    TooLarge,
}

/// The quantity `raw / 10^decimals` (see the module docs for the rounding rule).
pub fn quantity_from_raw(raw: &str, decimals: u8) -> Result<Decimal, AmountError> {
    let digits = validate(raw)?;
    let digits = digits.trim_start_matches('0').as_bytes();
    if digits.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let scale = i32::from(decimals);

    // Exact: drop trailing zeros (they only lower the scale), then see whether it fits.
    let significant = digits.len() - digits.iter().rev().take_while(|&&d| d == b'0').count();
    let exact_scale = scale - (digits.len() - significant) as i32;
    if (0..=MAX_SCALE).contains(&exact_scale) {
        if let Some(m) = parse_u128(&digits[..significant]).filter(|&m| m <= MAX_MANTISSA) {
            return Ok(decimal(m, exact_scale as u32));
        }
    }
    if exact_scale < 0 {
        // An integer: digits[..len - scale] followed by zeros.
        let int_digits = &digits[..digits.len() - scale as usize];
        return match parse_u128(int_digits).filter(|&m| m <= MAX_MANTISSA) {
            Some(m) => Ok(decimal(m, 0)),
            None => Err(AmountError::TooLarge),
        };
    }

    // Rounded: the least power of ten kept is the coarser of the 28th significant digit and
    // the 28th fractional digit.
    let leading_power = digits.len() as i32 - 1 - scale;
    let least_power = (leading_power - (ROUNDED_SIGNIFICANT_DIGITS - 1)).max(-MAX_SCALE);
    // How many of `digits` sit at powers >= least_power (may be <= 0 for tiny quantities).
    let kept = digits.len() as i32 - scale - least_power;
    let (head, tail): (&[u8], Vec<u8>) = if kept > 0 {
        let k = kept as usize;
        (&digits[..k], digits[k..].to_vec())
    } else {
        let mut tail = vec![b'0'; (-kept) as usize];
        tail.extend_from_slice(digits);
        (&[], tail)
    };
    // Toward zero: the dropped `tail` digits are simply left out.
    let _ = tail;
    let mantissa = parse_u128(head).unwrap_or(0);
    if least_power > 0 {
        let m = 10u128
            .checked_pow(least_power as u32)
            .and_then(|p| mantissa.checked_mul(p))
            .filter(|&m| m <= MAX_MANTISSA)
            .ok_or(AmountError::TooLarge)?;
        return Ok(decimal(m, 0));
    }
    Ok(decimal(mantissa, (-least_power) as u32))
}

/// Whether the raw amount is zero: true for one or more `0` digits only. This, not the rounded
/// quantity, decides whether a balance is held. False for anything that is not digits.
pub fn is_zero_raw(raw: &str) -> bool {
    !raw.is_empty() && raw.bytes().all(|b| b == b'0')
}

fn validate(raw: &str) -> Result<&str, AmountError> {
    if raw.is_empty() {
        return Err(AmountError::Empty);
    }
    if !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::NotDigits);
    }
    if raw.len() > MAX_RAW_DIGITS {
        return Err(AmountError::TooLong(raw.len()));
    }
    Ok(raw)
}

/// Digits (at most 38) as a `u128`; `None` when they do not fit.
fn parse_u128(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u128::from(d - b'0'))
    })
}

/// `raw / 10^decimals` written out exactly as text (any length), e.g. for a quantity too large
/// for a `Decimal`; `None` when `raw` is not digits.
pub fn exact_text(raw: &str, decimals: u8) -> Option<String> {
    let digits = validate(raw).ok()?.trim_start_matches('0');
    let scale = usize::from(decimals);
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    let frac = frac.trim_end_matches('0');
    Some(if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    })
}

/// The sum of two raw amounts (base-10 digits), or `None` when either is not one or the sum
/// passes 2^256 − 1.
pub fn add_raw(a: &str, b: &str) -> Option<String> {
    let a: alloy_primitives::U256 = validate(a).ok()?.parse().ok()?;
    let b: alloy_primitives::U256 = validate(b).ok()?.parse().ok()?;
    a.checked_add(b).map(|s| s.to_string())
}

fn decimal(mantissa: u128, scale: u32) -> Decimal {
    Decimal::from_i128_with_scale(mantissa as i128, scale).normalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::U256;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn q(raw: &str, decimals: u8) -> Decimal {
        quantity_from_raw(raw, decimals).unwrap()
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn common_token_amounts_are_exact() {
        assert_eq!(q("1500000", 6), d("1.5"));
        assert_eq!(q("1", 18), d("0.000000000000000001"));
        assert_eq!(q("123456789", 0), d("123456789"));
        assert_eq!(q("00042", 2), d("0.42"));
        assert_eq!(q("0", 18), Decimal::ZERO);
        assert_eq!(q("1000000", 6).to_string(), "1");
        // 10^12 whole tokens of an 18-decimal token: 31 digits, exact after dropping zeros.
        assert_eq!(q("1000000000000000000000000000000", 18), d("1000000000000"));
        // 29 significant digits below 2^96 are kept whole.
        assert_eq!(
            q("12345678901234567890123456785", 18),
            d("12345678901.234567890123456785")
        );
    }

    #[test]
    fn fractional_digits_beyond_scale_28_are_cut_toward_zero() {
        // One unit of a 36-decimal token is below 1e-28: the quantity is 0, the raw is not.
        assert_eq!(q("1", 36), Decimal::ZERO);
        assert!(!is_zero_raw("1"));
        assert_eq!(q("5", 29), Decimal::ZERO);
        assert_eq!(
            q("99", 30),
            Decimal::ZERO,
            "0.99e-28 is never shown as 1e-28"
        );
        assert_eq!(q("19", 29), d("0.0000000000000000000000000001"));
        assert_eq!(q("25", 29), d("0.0000000000000000000000000002"));
    }

    #[test]
    fn long_quantities_are_cut_toward_zero_at_28_significant_digits_never_above_the_chain() {
        // 29 significant digits above 2^96, and 30 digits: cut to 28.
        let raw = "987654321098765432109876543259";
        assert_eq!(q(raw, 18), d("987654321098.7654321098765432"));
        let raw = "123456789012345678901234567899";
        assert_eq!(q(raw, 18), d("123456789012.3456789012345678"));
        // All nines stay below the next power of ten.
        let raw = "9".repeat(30);
        assert_eq!(q(&raw, 20), d("9999999999.999999999999999999"));
    }

    #[test]
    fn exact_text_writes_every_digit_of_any_raw_amount() {
        assert_eq!(exact_text("1500000", 6).as_deref(), Some("1.5"));
        assert_eq!(exact_text("1", 18).as_deref(), Some("0.000000000000000001"));
        assert_eq!(exact_text("000", 2).as_deref(), Some("0"));
        assert_eq!(
            exact_text(&U256::MAX.to_string(), 18).as_deref(),
            Some("115792089237316195423570985008687907853269984665640564039457.584007913129639935")
        );
        assert_eq!(exact_text("x", 2), None);
    }

    #[test]
    fn raw_amounts_add_exactly_up_to_2_pow_256() {
        assert_eq!(add_raw("1", "2").as_deref(), Some("3"));
        let max = U256::MAX.to_string();
        assert_eq!(add_raw(&max, "0").as_deref(), Some(max.as_str()));
        assert_eq!(add_raw(&max, "1"), None);
        assert_eq!(add_raw("1.5", "1"), None);
    }

    #[test]
    fn integers_too_large_even_when_cut_to_28_digits_are_too_large() {
        assert_eq!(
            quantity_from_raw(&MAX_MANTISSA.to_string(), 0),
            Ok(Decimal::MAX)
        );
        // 2^96 itself cuts to 28 significant digits below 2^96 − 1, never above the chain.
        assert_eq!(
            quantity_from_raw(&(MAX_MANTISSA + 1).to_string(), 0),
            Ok(Decimal::from_i128_with_scale(
                79228162514264337593543950330,
                0
            ))
        );
        assert_eq!(
            quantity_from_raw(&(MAX_MANTISSA / 10 * 10 + 10).to_string(), 0),
            Err(AmountError::TooLarge)
        );
        assert_eq!(
            quantity_from_raw(&U256::MAX.to_string(), 18),
            Err(AmountError::TooLarge)
        );
        // 2^256 - 1 at 255 decimals is tiny: rounds to 0.
        assert_eq!(
            quantity_from_raw(&U256::MAX.to_string(), 255),
            Ok(Decimal::ZERO)
        );
    }

    #[test]
    fn text_that_is_not_digits_is_rejected() {
        assert_eq!(quantity_from_raw("", 0), Err(AmountError::Empty));
        for bad in ["-1", "1.5", " 1", "1e18", "0x10", "１"] {
            assert_eq!(
                quantity_from_raw(bad, 0),
                Err(AmountError::NotDigits),
                "{bad}"
            );
            assert!(!is_zero_raw(bad));
        }
        assert_eq!(
            quantity_from_raw(&"1".repeat(79), 0),
            Err(AmountError::TooLong(79))
        );
    }

    #[test]
    fn zero_is_decided_on_the_raw_digits() {
        assert!(is_zero_raw("0"));
        assert!(is_zero_raw("000"));
        assert!(!is_zero_raw(""));
        assert!(!is_zero_raw("10"));
    }

    fn pow10(n: u32) -> U256 {
        U256::from(10u8).pow(U256::from(n))
    }

    /// `value × 10^scale` as an integer, for a decimal whose scale is at most `scale`.
    fn scaled(value: Decimal, scale: u32) -> U256 {
        assert!(value.scale() <= scale);
        U256::from(value.mantissa() as u128) * pow10(scale - value.scale())
    }

    /// A random U256 of a random number of decimal digits.
    fn raw_u256() -> impl Strategy<Value = U256> {
        (any::<[u64; 4]>(), 1u32..=78).prop_map(|(limbs, digits)| {
            let v = U256::from_limbs(limbs);
            if digits >= 78 {
                v
            } else {
                v % pow10(digits)
            }
        })
    }

    proptest! {
        #[test]
        fn a_quantity_that_fits_times_ten_to_the_decimals_is_the_raw_amount(
            mantissa in 0u128..=MAX_MANTISSA,
            decimals in 0u8..=28,
            zeros in 0u32..=28,
        ) {
            // Trailing zeros up to the decimals keep the quantity within Decimal.
            let zeros = zeros.min(u32::from(decimals));
            let raw = U256::from(mantissa) * pow10(zeros);
            let got = quantity_from_raw(&raw.to_string(), decimals).unwrap();
            prop_assert_eq!(scaled(got, u32::from(decimals)), raw);
            let expected = Decimal::from_i128_with_scale(
                mantissa as i128,
                u32::from(decimals) - zeros,
            );
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn rounding_cuts_toward_zero_at_the_last_kept_digit(
            raw in raw_u256(),
            decimals in 0u8..=50,
        ) {
            let s = u32::from(decimals);
            match quantity_from_raw(&raw.to_string(), decimals) {
                Err(AmountError::TooLarge) => {
                    prop_assert!(raw / pow10(s) >= U256::from(MAX_MANTISSA) - U256::from(1u64 << 40));
                }
                Err(e) => prop_assert!(false, "unexpected {e}"),
                Ok(got) => {
                    prop_assert!(got.scale() <= 28);
                    let digits = got.mantissa().unsigned_abs().to_string().trim_end_matches('0').len();
                    prop_assert!(digits <= 29);
                    if raw.is_zero() {
                        prop_assert!(got.is_zero());
                        return Ok(());
                    }
                    // The unit of the last kept digit: the spec, computed independently.
                    let leading = raw.to_string().len() as i32 - 1 - s as i32;
                    let least = (leading - 27).max(-28);
                    let got_scaled = scaled(got, s.max(got.scale()));
                    let raw_scaled = raw * pow10(s.max(got.scale()) - s);
                    if got_scaled == raw_scaled {
                        return Ok(()); // exact
                    }
                    let ulp = pow10((s.max(got.scale()) as i32 + least) as u32);
                    prop_assert!(got_scaled % ulp == U256::ZERO, "not a multiple of the unit");
                    prop_assert!(got_scaled < raw_scaled, "rounded above the raw amount");
                    prop_assert!(raw_scaled - got_scaled < ulp, "more than one unit below");
                }
            }
        }

        #[test]
        fn a_29th_significant_digit_is_dropped_whatever_it_is(
            head in 7_922_816_251_426_433_759_354_395_034u128..10_000_000_000_000_000_000_000_000_000u128,
            last in 0u8..=9,
            decimals in 1u8..=28,
        ) {
            // head ‖ last has 29 digits above 2^96: it cannot be exact.
            let raw = format!("{head}{last}");
            let expected = Decimal::from_i128_with_scale(head as i128, u32::from(decimals) - 1);
            prop_assert_eq!(quantity_from_raw(&raw, decimals), Ok(expected));
        }

        #[test]
        fn up_to_78_digits_and_any_decimals_never_panic(
            raw in "[0-9]{1,78}",
            decimals in any::<u8>(),
        ) {
            match quantity_from_raw(&raw, decimals) {
                Ok(q) => prop_assert!(!q.is_sign_negative() || q.is_zero()),
                Err(e) => prop_assert_eq!(e, AmountError::TooLarge),
            }
        }

        #[test]
        fn text_with_any_non_digit_is_rejected(
            prefix in "[0-9]{0,10}",
            bad in "[^0-9]",
            suffix in "[0-9]{0,10}",
        ) {
            let raw = format!("{prefix}{bad}{suffix}");
            prop_assert_eq!(quantity_from_raw(&raw, 6), Err(AmountError::NotDigits));
        }
    }

    #[test]
    fn decimal_from_str_agrees_where_exact() {
        assert_eq!(
            q("31415926535", 10),
            Decimal::from_str("3.1415926535").unwrap()
        );
    }
}
