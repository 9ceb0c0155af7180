//! `DbDecimal`: a `Decimal` stored as lossless decimal text on both databases.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use rust_decimal::Decimal;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// A decimal column value: written as `Decimal::to_string()` (scale kept), read back with
/// `Decimal::from_str_exact`, so a value is never silently rounded. Serializes as a string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DbDecimal(pub Decimal);

impl DbDecimal {
    /// The wrapped `Decimal`.
    pub fn into_inner(self) -> Decimal {
        self.0
    }

    /// Parses decimal text exactly; errors instead of rounding.
    pub fn parse(text: &str) -> Result<Self, rust_decimal::Error> {
        Decimal::from_str_exact(text).map(Self)
    }
}

impl FromStr for DbDecimal {
    type Err = rust_decimal::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for DbDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Deref for DbDecimal {
    type Target = Decimal;

    fn deref(&self) -> &Decimal {
        &self.0
    }
}

impl From<Decimal> for DbDecimal {
    fn from(d: Decimal) -> Self {
        Self(d)
    }
}

impl From<DbDecimal> for Decimal {
    fn from(d: DbDecimal) -> Self {
        d.0
    }
}

impl From<DbDecimal> for Value {
    fn from(d: DbDecimal) -> Self {
        Value::String(Some(Box::new(d.0.to_string())))
    }
}

impl Nullable for DbDecimal {
    fn null() -> Value {
        Value::String(None)
    }
}

impl ValueType for DbDecimal {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        match v {
            Value::String(Some(s)) => Self::parse(&s).map_err(|_| ValueTypeErr),
            Value::Decimal(Some(d)) => Ok(Self(*d)),
            _ => Err(ValueTypeErr),
        }
    }

    fn type_name() -> String {
        "DbDecimal".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl TryGetable for DbDecimal {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, idx)?;
        Self::parse(&text).map_err(|e| {
            TryGetError::DbErr(DbErr::Type(format!(
                "column {idx:?}: {text:?} is not an exact decimal: {e}"
            )))
        })
    }
}

impl Serialize for DbDecimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DbDecimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl de::Visitor<'_> for Visitor {
            type Value = DbDecimal;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number as a string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<DbDecimal, E> {
                DbDecimal::parse(v).map_err(|e| E::custom(format!("invalid decimal {v:?}: {e}")))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DbDecimal, E> {
                Ok(DbDecimal(Decimal::from(v)))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DbDecimal, E> {
                Ok(DbDecimal(Decimal::from(v)))
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str) -> String {
        let d = DbDecimal::parse(text).unwrap();
        match Value::from(d) {
            Value::String(Some(s)) => {
                assert_eq!(
                    <DbDecimal as ValueType>::try_from(Value::String(Some(s.clone()))).ok(),
                    Some(d)
                );
                *s
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn text_round_trips_exactly() {
        for text in [
            "0",
            "0.000000000000000001",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "-0.5",
            "1.50",
            "123.450000000000000001",
            "0.0000000000000000000000000001",
        ] {
            assert_eq!(roundtrip(text), text);
        }
    }

    #[test]
    fn scale_is_kept() {
        let d = DbDecimal::parse("1.50").unwrap();
        assert_eq!(d.to_string(), "1.50");
        assert_eq!(d, DbDecimal::parse("1.5").unwrap());
        assert_eq!(DbDecimal::from(Decimal::new(100, 2)).to_string(), "1.00");
    }

    #[test]
    fn rejects_text_it_cannot_hold_exactly() {
        for text in [
            "79228162514264337593543950336",
            "0.00000000000000000000000000001",
            "1.000000000000000000000000000001",
            "abc",
            "",
            "1.2.3",
        ] {
            assert!(DbDecimal::parse(text).is_err(), "accepted {text:?}");
            assert!(
                <DbDecimal as ValueType>::try_from(Value::String(Some(Box::new(text.into()))))
                    .is_err()
            );
        }
    }

    #[test]
    fn value_type_and_null() {
        assert_eq!(<DbDecimal as ValueType>::column_type(), ColumnType::Text);
        assert_eq!(<DbDecimal as Nullable>::null(), Value::String(None));
        assert_eq!(Value::from(None::<DbDecimal>), Value::String(None));
        assert_eq!(
            <Option<DbDecimal> as ValueType>::try_from(Value::String(None)).ok(),
            Some(None)
        );
    }

    #[test]
    fn serde_as_string() {
        let d = DbDecimal::parse("0.000000000000000001").unwrap();
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            "\"0.000000000000000001\""
        );
        let back: DbDecimal = serde_json::from_str("\"79228162514264337593543950335\"").unwrap();
        assert_eq!(back.to_string(), "79228162514264337593543950335");
        assert_eq!(
            serde_json::from_str::<DbDecimal>("7").unwrap().to_string(),
            "7"
        );
        assert!(serde_json::from_str::<DbDecimal>("\"79228162514264337593543950336\"").is_err());
        assert!(serde_json::from_str::<DbDecimal>("1.5").is_err());
    }
}
