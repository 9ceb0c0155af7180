//! Exact decimal input: amounts and percentages arrive as JSON strings of a plain decimal
//! (`"50"`, `"0.125"`, `"-3.5"`), never as JSON numbers (which clients and parsers turn into
//! binary floats) and never with more digits than are kept exactly (`Decimal` holds 28
//! significant digits; a longer value would be silently rounded).

use std::fmt;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};

/// Why a text is not an exact plain decimal.
pub fn parse_plain(s: &str) -> Result<Decimal, String> {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || frac.is_some_and(|f| !digits(f)) {
        return Err(format!(
            "must be a plain decimal such as \"50\" or \"0.25\", got {s:?}"
        ));
    }
    Decimal::from_str_exact(s).map_err(|_| {
        "has more digits than can be stored exactly (at most 28 significant digits)".to_string()
    })
}

struct Exact;

impl Visitor<'_> for Exact {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a decimal as a JSON string, such as \"50\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_plain(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Decimal, E> {
        Err(number())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Decimal, E> {
        Err(number())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Decimal, E> {
        Err(number())
    }
}

fn number<E: de::Error>() -> E {
    E::custom("must be a decimal in a JSON string, such as \"50\", not a JSON number")
}

/// `#[serde(deserialize_with = "exact::decimal")]`.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(Exact)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct T {
        #[serde(deserialize_with = "decimal")]
        v: Decimal,
    }

    fn parse(json: &str) -> Result<Decimal, String> {
        serde_json::from_str::<T>(json)
            .map(|t| t.v)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn plain_decimal_strings_are_taken_exactly() {
        assert_eq!(parse(r#"{"v":"50"}"#).unwrap().to_string(), "50");
        assert_eq!(parse(r#"{"v":"0.125"}"#).unwrap().to_string(), "0.125");
        assert_eq!(parse(r#"{"v":"-3.50"}"#).unwrap().to_string(), "-3.50");
        let long = "1234567890.123456789012345678";
        assert_eq!(
            parse(&format!(r#"{{"v":"{long}"}}"#)).unwrap().to_string(),
            long
        );
    }

    #[test]
    fn json_numbers_are_refused_never_rounded_through_a_float() {
        for n in ["50", "50.5", "1e+23", "-1"] {
            let e = parse(&format!(r#"{{"v":{n}}}"#)).unwrap_err();
            assert!(e.contains("not a JSON number"), "{n}: {e}");
        }
    }

    #[test]
    fn other_notations_and_too_many_digits_are_refused() {
        for s in ["1e2", "+5", " 5", "5.", ".5", "", "0x10", "1,5", "NaN"] {
            let e = parse(&format!(r#"{{"v":"{s}"}}"#)).unwrap_err();
            assert!(e.contains("plain decimal"), "{s:?}: {e}");
        }
        let e = parse(r#"{"v":"50.00000000000000000000000000001"}"#).unwrap_err();
        assert!(e.contains("more digits than can be stored exactly"), "{e}");
    }
}
