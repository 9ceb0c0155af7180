//! Exact decimals from upstream JSON: a number is read from its text (a JSON number or a JSON
//! string, scientific notation included), never through `f64`.
//!
//! The serde helpers read the value as a [`RawValue`], so they work with `serde_json`'s own
//! deserializers (`from_slice`, `from_str`), not through `#[serde(flatten)]` or untagged enums.

use std::fmt;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Why a number could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError(String);

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NumberError {}

/// What to do with a value that has more digits than a `Decimal` holds (28 decimal places,
/// a 96-bit mantissa).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Every digit counts (balances, quantities): a value that does not fit is an error.
    Exact,
    /// Market numbers (prices, market caps, volumes): a value that does not fit exactly is
    /// rounded half-even to 28 significant digits and at most 28 decimal places. A non-zero
    /// value that would round to zero, or one of 10^28 or more, is still an error.
    Market,
}

/// Parses a decimal from text, keeping every digit; see [`Precision::Exact`].
pub fn parse_exact(text: &str) -> Result<Decimal, NumberError> {
    parse(text, Precision::Exact)
}

/// Parses a market number (price, cap, volume); see [`Precision::Market`].
pub fn parse_market(text: &str) -> Result<Decimal, NumberError> {
    parse(text, Precision::Market)
}

/// Parses `[+-]digits[.digits][e[+-]digits]` (either side of the point may be empty, not both).
pub fn parse(text: &str, precision: Precision) -> Result<Decimal, NumberError> {
    let text = text.trim();
    let parsed =
        lex(text).ok_or_else(|| NumberError(format!("{} is not a number", shown(text))))?;
    to_decimal(parsed, precision).map_err(|why| NumberError(format!("{} {why}", shown(text))))
}

/// Whether `text` is a number in the syntax [`parse`] reads, whether or not it fits a `Decimal`.
pub fn is_number(text: &str) -> bool {
    lex(text.trim()).is_some()
}

/// A JSON value's text as a decimal: a number, or a string holding one. `null` and `""` are
/// `None`; booleans, arrays and objects are errors.
pub fn from_raw(raw: &RawValue, precision: Precision) -> Result<Option<Decimal>, NumberError> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'n') if text == "null" => Ok(None),
        Some(b'"') => {
            let s: String = serde_json::from_str(text)
                .map_err(|_| NumberError(format!("{} is not a JSON string", shown(text))))?;
            if s.trim().is_empty() {
                Ok(None)
            } else {
                parse(&s, precision).map(Some)
            }
        }
        Some(b'-' | b'0'..=b'9') => parse(text, precision).map(Some),
        _ => Err(NumberError(format!(
            "expected a number, got {}",
            shown(text)
        ))),
    }
}

/// A market number that must be there: absent, `null` and `""` are errors.
pub fn required_market(raw: Option<&RawValue>) -> Result<Decimal, NumberError> {
    match raw {
        None => Err(NumberError("is missing".into())),
        Some(raw) => from_raw(raw, Precision::Market)?.ok_or_else(|| NumberError("is null".into())),
    }
}

/// A secondary market number (cap, volume) of the coin `id`: one that cannot be read is logged
/// and left out, so it does not cost the whole quote.
pub fn optional_market(raw: Option<&RawValue>, id: &str) -> Option<Decimal> {
    from_raw(raw?, Precision::Market)
        .inspect_err(|e| tracing::warn!(id, error = %e, "unreadable market number ignored"))
        .ok()
        .flatten()
}

/// `deserialize_with` helpers that keep every digit ([`Precision::Exact`]).
pub mod exact {
    use super::*;

    /// A required number (JSON number or string).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        required(d, Precision::Exact)
    }

    /// An optional number; use with `#[serde(default)]` so an absent field is `None`.
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        optional(d, Precision::Exact)
    }
}

/// `deserialize_with` helpers for prices, caps and volumes ([`Precision::Market`]).
pub mod market {
    use super::*;

    /// A required number (JSON number or string).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        required(d, Precision::Market)
    }

    /// An optional number; use with `#[serde(default)]` so an absent field is `None`.
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        optional(d, Precision::Market)
    }
}

fn required<'de, D: Deserializer<'de>>(d: D, precision: Precision) -> Result<Decimal, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    from_raw(&raw, precision)
        .map_err(D::Error::custom)?
        .ok_or_else(|| D::Error::custom("expected a number, got null"))
}

fn optional<'de, D: Deserializer<'de>>(
    d: D,
    precision: Precision,
) -> Result<Option<Decimal>, D::Error> {
    match Option::<Box<RawValue>>::deserialize(d)? {
        None => Ok(None),
        Some(raw) => from_raw(&raw, precision).map_err(D::Error::custom),
    }
}

/// The text in an error message, cut short so a huge value cannot flood a log.
fn shown(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    format!("{s:?}")
}

/// `negative × digits × 10^exponent`, `digits` without leading zeros (empty for zero).
struct Parsed {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

fn lex(text: &str) -> Option<Parsed> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut digits = Vec::new();
    let mut seen_digit = false;
    let mut fraction_len: i64 = 0;
    let mut in_fraction = false;
    while i < bytes.len() {
        match bytes[i] {
            b @ b'0'..=b'9' => {
                seen_digit = true;
                if !(digits.is_empty() && b == b'0') {
                    digits.push(b - b'0');
                }
                if in_fraction {
                    fraction_len += 1;
                }
            }
            b'.' if !in_fraction => in_fraction = true,
            _ => break,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    let mut exponent: i64 = 0;
    if i < bytes.len() {
        if !matches!(bytes[i], b'e' | b'E') {
            return None;
        }
        let rest = &text[i + 1..];
        let unsigned = rest.strip_prefix(['+', '-']).unwrap_or(rest);
        if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Far beyond anything a Decimal holds; saturating keeps the checks below simple.
        exponent = unsigned
            .parse::<i64>()
            .unwrap_or(i64::MAX / 4)
            .min(i64::MAX / 4);
        if rest.starts_with('-') {
            exponent = -exponent;
        }
    }
    Some(Parsed {
        negative,
        digits,
        exponent: exponent - fraction_len,
    })
}

const MAX_SCALE: i64 = 28;
const MAX_SIGNIFICANT: usize = 28;

fn to_decimal(p: Parsed, precision: Precision) -> Result<Decimal, &'static str> {
    let Parsed {
        negative,
        mut digits,
        mut exponent,
    } = p;
    if digits.is_empty() {
        return Ok(Decimal::ZERO);
    }
    if exponent > 0 {
        if digits.len() as i64 + exponent > 29 {
            return Err("is too large for a Decimal");
        }
        digits.extend(std::iter::repeat_n(0, exponent as usize));
        exponent = 0;
    }
    // Trailing zeros of the fraction carry no value; drop them only when the number needs it.
    while exponent < 0 && digits.last() == Some(&0) && (-exponent > MAX_SCALE || !fits(&digits)) {
        digits.pop();
        exponent += 1;
    }
    if -exponent <= MAX_SCALE && fits(&digits) {
        return build(negative, value_of(&digits), -exponent);
    }
    if precision == Precision::Exact {
        return Err("has more digits than a Decimal holds");
    }
    let scale = -exponent;
    let len = digits.len() as i64;
    let drop = (len - MAX_SIGNIFICANT as i64).max(scale - MAX_SCALE).max(0);
    if drop > scale {
        return Err("is too large for a Decimal");
    }
    let (mut kept, round_up) = if drop > len {
        (0, false)
    } else {
        let split = (len - drop) as usize;
        let kept = value_of(&digits[..split]);
        let rest = &digits[split..];
        let up = match rest[0] {
            0..=4 => false,
            6..=9 => true,
            _ => rest[1..].iter().any(|&d| d != 0) || kept % 2 == 1,
        };
        (kept, up)
    };
    if round_up {
        kept += 1;
    }
    if kept == 0 {
        return Err("is too small for a Decimal");
    }
    build(negative, kept, scale - drop)
}

fn fits(digits: &[u8]) -> bool {
    digits.len() < 29 || (digits.len() == 29 && value_of(digits) < 1u128 << 96)
}

/// At most 29 digits, so no overflow in u128.
fn value_of(digits: &[u8]) -> u128 {
    digits.iter().fold(0u128, |v, &d| v * 10 + u128::from(d))
}

fn build(negative: bool, value: u128, scale: i64) -> Result<Decimal, &'static str> {
    let signed = if negative {
        -(value as i128)
    } else {
        value as i128
    };
    Decimal::try_from_i128_with_scale(signed, scale as u32)
        .map_err(|_| "is too large for a Decimal")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[derive(Debug, Deserialize)]
    struct Quote {
        #[serde(deserialize_with = "market::deserialize")]
        price: Decimal,
        #[serde(default, deserialize_with = "market::option")]
        cap: Option<Decimal>,
    }

    #[derive(Debug, Deserialize)]
    struct Balance {
        #[serde(deserialize_with = "exact::deserialize")]
        amount: Decimal,
    }

    fn quote(json: &str) -> Result<Quote, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn a_json_number_keeps_every_digit_an_f64_would_lose() {
        let q = quote(r#"{"price": 0.000012345678901234567}"#).unwrap();
        assert_eq!(q.price.to_string(), "0.000012345678901234567");
        let q = quote(r#"{"price": 30538.078793975994}"#).unwrap();
        assert_eq!(q.price.to_string(), "30538.078793975994");
    }

    #[test]
    fn a_json_string_holding_a_number_parses() {
        let q = quote(r#"{"price": "1498.64", "cap": "593248170920"}"#).unwrap();
        assert_eq!(q.price, d("1498.64"));
        assert_eq!(q.cap, Some(d("593248170920")));
    }

    #[test]
    fn scientific_notation_is_exact() {
        assert_eq!(parse_exact("2.1e-05").unwrap().to_string(), "0.000021");
        assert_eq!(parse_exact("1.5E+3").unwrap(), d("1500"));
        assert_eq!(parse_exact("-7e0").unwrap(), d("-7"));
        assert!(parse_exact("12e-30").unwrap_err().0.contains("digits"));
        let q = quote(r#"{"price": 2.1e-05}"#).unwrap();
        assert_eq!(q.price.to_string(), "0.000021");
    }

    #[test]
    fn null_and_absent_optional_numbers_are_none() {
        assert_eq!(quote(r#"{"price": 1, "cap": null}"#).unwrap().cap, None);
        assert_eq!(quote(r#"{"price": 1}"#).unwrap().cap, None);
        assert_eq!(quote(r#"{"price": 1, "cap": ""}"#).unwrap().cap, None);
    }

    #[test]
    fn a_required_number_refuses_null() {
        let err = quote(r#"{"price": null}"#).unwrap_err();
        assert!(err.to_string().contains("null"), "{err}");
    }

    #[test]
    fn nan_and_garbage_are_errors_never_zero() {
        for bad in [
            "NaN", "nan", "Infinity", "-inf", "abc", "", ".", "1.2.3", "1e", "1e+", "--1", "0x10",
            "1,5", "1 000", "e5",
        ] {
            assert!(parse_market(bad).is_err(), "{bad:?} parsed");
        }
        for bad in [
            r#"{"price": "NaN"}"#,
            r#"{"price": "n/a"}"#,
            r#"{"price": true}"#,
            r#"{"price": {}}"#,
            r#"{"price": [1]}"#,
        ] {
            assert!(quote(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn lenient_forms_of_plain_numbers_parse() {
        assert_eq!(parse_exact(".5").unwrap(), d("0.5"));
        assert_eq!(parse_exact("5.").unwrap(), d("5"));
        assert_eq!(parse_exact("+5").unwrap(), d("5"));
        assert_eq!(parse_exact(" 0007.50 ").unwrap().to_string(), "7.50");
        assert_eq!(parse_exact("-0").unwrap(), Decimal::ZERO);
    }

    #[test]
    fn exact_numbers_that_do_not_fit_are_errors() {
        let err = parse_exact("3.14159265358979323846264338327950288").unwrap_err();
        assert!(err.to_string().contains("more digits"), "{err}");
        let err =
            serde_json::from_str::<Balance>(r#"{"amount": "0.00000000000000000000000000001"}"#)
                .unwrap_err();
        assert!(err.to_string().contains("more digits"), "{err}");
        let ok: Balance =
            serde_json::from_str(r#"{"amount": "0.000000000000000000000000001"}"#).unwrap();
        assert_eq!(ok.amount, d("0.000000000000000000000000001"));
        // Extra trailing zeros are not extra digits.
        assert_eq!(
            parse_exact("1.000000000000000000000000000000000").unwrap(),
            d("1")
        );
        // The largest mantissa a Decimal holds, and one past it.
        assert_eq!(
            parse_exact("79228162514264337593543950335").unwrap(),
            Decimal::MAX
        );
        assert!(parse_exact("79228162514264337593543950336").is_err());
        assert!(parse_market("1e40").is_err());
    }

    #[test]
    fn long_market_numbers_round_half_even_to_28_significant_digits() {
        assert_eq!(
            parse_market("3.14159265358979323846264338327950288")
                .unwrap()
                .to_string(),
            "3.141592653589793238462643383"
        );
        // Exactly half: to the even neighbour, both ways.
        assert_eq!(
            parse_market("0.12345678901234567890123456785").unwrap(),
            d("0.1234567890123456789012345678")
        );
        assert_eq!(
            parse_market("0.12345678901234567890123456775").unwrap(),
            d("0.1234567890123456789012345678")
        );
        // More than half rounds up; a carry is fine.
        assert_eq!(
            parse_market("0.123456789012345678901234567851").unwrap(),
            d("0.1234567890123456789012345679")
        );
        assert_eq!(
            parse_market("0.99999999999999999999999999999").unwrap(),
            d("1")
        );
        // Too small for 28 decimal places: an error, not a zero price.
        assert!(parse_market("1e-30").is_err());
        assert_eq!(
            parse_market("6e-29").unwrap(),
            d("0.0000000000000000000000000001")
        );
    }

    #[test]
    fn from_raw_reads_numbers_strings_and_null() {
        let raw = |s: &str| RawValue::from_string(s.to_string()).unwrap();
        assert_eq!(
            from_raw(&raw("12.5"), Precision::Exact).unwrap(),
            Some(d("12.5"))
        );
        assert_eq!(
            from_raw(&raw(r#""12.5""#), Precision::Exact).unwrap(),
            Some(d("12.5"))
        );
        assert_eq!(from_raw(&raw("null"), Precision::Exact).unwrap(), None);
        assert!(from_raw(&raw("false"), Precision::Exact).is_err());
        assert!(required_market(None).is_err());
        assert!(required_market(Some(&raw("null"))).is_err());
        assert_eq!(required_market(Some(&raw("7"))).unwrap(), d("7"));
    }
}
