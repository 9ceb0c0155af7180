//! Daily balances: an account's holdings at the end of a day, one line per asset and kind
//! (locations of one asset add up), so one account's or one asset's history can be drawn.
//!
//! Quantities add exactly; a line's value is the sum of its holdings' values only when every
//! one of them is valued (a partly valued line has no value rather than an understated one).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::holdings::{flag, Holding};

/// One asset (of one kind) of one account at the end of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayBalance {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    pub kind: String,
    pub quantity: Decimal,
    pub price_usd: Option<Decimal>,
    pub value_usd: Option<Decimal>,
    /// The oldest price behind the value.
    pub price_at: Option<DateTime<Utc>>,
    /// The oldest read behind the quantity.
    pub synced_at: Option<DateTime<Utc>>,
    pub flags: Vec<String>,
}

/// The day's lines of one account's holdings (valued as they are), in first-seen order.
/// Spam is left out (never shown by default, never valued).
pub fn day_balances(holdings: &[Holding]) -> Vec<DayBalance> {
    let mut out: Vec<(DayBalance, bool)> = Vec::new();
    for h in holdings.iter().filter(|h| !h.has_flag(flag::SPAM)) {
        let same = |b: &DayBalance| {
            b.kind == h.kind
                && b.asset_id == h.asset_id
                && (h.asset_id.is_some() || b.symbol == h.symbol)
        };
        let min = |a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>| match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match out.iter_mut().find(|(b, _)| same(b)) {
            Some((b, all_valued)) => {
                match b.quantity.checked_add(h.quantity) {
                    Some(q) if h.is_countable() => b.quantity = q,
                    _ => {
                        b.quantity = Decimal::ZERO;
                        if !b.flags.iter().any(|f| f == flag::OUT_OF_RANGE) {
                            b.flags.push(flag::OUT_OF_RANGE.to_string());
                        }
                    }
                }
                b.value_usd = match (b.value_usd, h.value_usd) {
                    (Some(a), Some(v)) if *all_valued => a.checked_add(v),
                    _ => None,
                };
                *all_valued &= h.value_usd.is_some();
                if b.price_usd != h.price_usd {
                    b.price_usd = b.price_usd.or(h.price_usd);
                }
                b.price_at = min(b.price_at, h.price_at);
                b.synced_at = min(b.synced_at, h.synced_at);
                let mut flags: BTreeSet<String> = b.flags.drain(..).collect();
                flags.extend(h.flags.iter().cloned());
                b.flags = flags.into_iter().collect();
            }
            None => out.push((
                DayBalance {
                    asset_id: h.asset_id,
                    symbol: h.symbol.clone(),
                    kind: h.kind.clone(),
                    quantity: h.quantity,
                    price_usd: h.price_usd,
                    value_usd: h.value_usd,
                    price_at: h.price_at,
                    synced_at: h.synced_at,
                    flags: h.flags.clone(),
                },
                h.value_usd.is_some(),
            )),
        }
    }
    out.into_iter().map(|(b, _)| b).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn h(symbol: &str, location: &str, q: Decimal, v: Option<Decimal>) -> Holding {
        Holding {
            asset_id: None,
            symbol: symbol.into(),
            quantity: q,
            raw_amount: None,
            decimals: None,
            location: location.into(),
            chain: None,
            contract_address: None,
            price_usd: v.map(|_| d("2")),
            value_usd: v,
            price_source: None,
            price_at: None,
            is_dust: false,
            identified_by: "symbol".into(),
            kind: "spot".into(),
            flags: Vec::new(),
            synced_at: None,
            quantity_text: None,
            details: None,
            unvalued_reason: None,
        }
    }

    #[test]
    fn locations_of_one_asset_add_up_exactly() {
        let lines = day_balances(&[
            h(
                "ETH",
                "ethereum",
                d("1.000000000000000001"),
                Some(d("2.000000000000000002")),
            ),
            h("ETH", "base", d("0.5"), Some(d("1"))),
            h("BTC", "trading", d("0.1"), Some(d("9000"))),
        ]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].quantity, d("1.500000000000000001"));
        assert_eq!(lines[0].value_usd, Some(d("3.000000000000000002")));
        assert_eq!(lines[1].symbol, "BTC");
    }

    #[test]
    fn a_partly_valued_line_has_no_value_and_spam_is_left_out() {
        let mut spam = h("USDC", "ethereum", d("1000000"), None);
        spam.flags.push(flag::SPAM.into());
        let lines = day_balances(&[
            h("ETH", "ethereum", d("1"), Some(d("2"))),
            h("ETH", "base", d("1"), None),
            h("ETH", "optimism", d("1"), Some(d("2"))),
            spam,
        ]);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].quantity, d("3"));
        assert_eq!(lines[0].value_usd, None, "never an understated value");
    }
}
