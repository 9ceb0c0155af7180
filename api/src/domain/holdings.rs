//! Normalised holdings: what an account holds, where, and what it is worth in USD.
//!
//! Rounding: a USD value is `quantity × price` rounded half-even to [`VALUE_DP`] decimal places
//! (finer than any price source is precise); totals add the rounded values. A holding whose
//! value would overflow `Decimal` is kept unpriced rather than given a wrong value.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::identity::{AssetIndex, AssetQuery, MatchedBy, Resolution};

/// Decimal places of USD values.
pub const VALUE_DP: u32 = 8;

/// A balance as a connector reported it, before identity and price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHolding {
    pub symbol: String,
    pub quantity: Decimal,
    /// The on-chain integer, for chain balances.
    pub raw_amount: Option<String>,
    pub decimals: Option<u8>,
    /// `trading`, `funding`, `earn`, or the chain name.
    pub location: String,
    pub chain: Option<String>,
    pub contract_address: Option<String>,
    /// The asset a registry already links this balance to (an EVM token's `asset_id`, a
    /// chain's native asset), used before identity resolution.
    pub known_asset: Option<Uuid>,
}

/// A price to value holdings with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub price_usd: Decimal,
    pub source: String,
    pub at: DateTime<Utc>,
}

/// One normalised holding, as stored with the account and shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Holding {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// The on-chain integer (base-10 digits) for chain balances.
    pub raw_amount: Option<String>,
    pub decimals: Option<u8>,
    /// `trading`, `funding`, `earn`, or the chain name.
    pub location: String,
    pub chain: Option<String>,
    pub contract_address: Option<String>,
    #[schema(value_type = Option<String>)]
    pub price_usd: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
    pub price_source: Option<String>,
    pub price_at: Option<DateTime<Utc>>,
    /// Priced and worth less than the dust threshold (kept, and counted in totals).
    pub is_dust: bool,
    /// How the asset was identified: `registry`, `contract`, `symbol_name`, `symbol`,
    /// `dominant_symbol`, `ambiguous` or `unknown`.
    pub identified_by: String,
}

fn identified(by: MatchedBy) -> &'static str {
    match by {
        MatchedBy::Contract => "contract",
        MatchedBy::SymbolName => "symbol_name",
        MatchedBy::Symbol => "symbol",
        MatchedBy::DominantSymbol => "dominant_symbol",
    }
}

/// `quantity × price`, rounded half-even to [`VALUE_DP`] and written without trailing zeros;
/// `None` on overflow.
pub fn value_usd(quantity: Decimal, price: Decimal) -> Option<Decimal> {
    quantity.checked_mul(price).map(|v| {
        v.round_dp_with_strategy(VALUE_DP, RoundingStrategy::MidpointNearestEven)
            .normalize()
    })
}

/// Identifies, prices and marks raw balances in one step (see [`identify`] and [`price`]).
pub fn normalise(
    raw: Vec<RawHolding>,
    index: &AssetIndex,
    prices: &HashMap<Uuid, Quote>,
    dust_threshold_usd: Decimal,
) -> Vec<Holding> {
    let mut holdings = identify(raw, index);
    price(&mut holdings, prices, dust_threshold_usd);
    holdings
}

/// Identifies raw balances and merges them per (asset or symbol, location, contract), so the
/// same coin twice in one place shows once. Zero quantities are the caller's to drop (decided
/// on the raw integer for chain balances).
pub fn identify(raw: Vec<RawHolding>, index: &AssetIndex) -> Vec<Holding> {
    let mut merged: Vec<Holding> = Vec::new();
    for r in raw {
        let (asset_id, by) = match r.known_asset.filter(|id| index.get(*id).is_some()) {
            Some(id) => (Some(id), "registry"),
            None => match index.resolve(&AssetQuery {
                chain: r.chain.as_deref(),
                address: r.contract_address.as_deref(),
                symbol: Some(r.symbol.as_str()),
                name: None,
            }) {
                Resolution::Resolved { asset_id, by } => (Some(asset_id), identified(by)),
                Resolution::Ambiguous { .. } => (None, "ambiguous"),
                Resolution::Unknown => (None, "unknown"),
            },
        };
        if let Some(h) = merged.iter_mut().find(|h| {
            h.location == r.location
                && h.contract_address == r.contract_address
                && h.asset_id == asset_id
                && (asset_id.is_some() || h.symbol == r.symbol)
        }) {
            h.quantity += r.quantity;
            h.raw_amount = None;
            continue;
        }
        let symbol = asset_id
            .and_then(|id| index.get(id))
            .map(|a| a.symbol.clone())
            .unwrap_or_else(|| r.symbol.trim().to_uppercase());
        merged.push(Holding {
            asset_id,
            symbol,
            quantity: r.quantity,
            raw_amount: r.raw_amount,
            decimals: r.decimals,
            location: r.location,
            chain: r.chain,
            contract_address: r.contract_address,
            price_usd: None,
            value_usd: None,
            price_source: None,
            price_at: None,
            is_dust: false,
            identified_by: by.to_string(),
        });
    }
    merged
}

/// Values holdings at these prices, marks dust, and orders them by value, largest first.
pub fn price(holdings: &mut [Holding], prices: &HashMap<Uuid, Quote>, dust_threshold_usd: Decimal) {
    for h in holdings.iter_mut() {
        let Some(q) = h.asset_id.and_then(|id| prices.get(&id)) else {
            continue;
        };
        if let Some(v) = value_usd(h.quantity, q.price_usd) {
            h.price_usd = Some(q.price_usd);
            h.value_usd = Some(v);
            h.price_source = Some(q.source.clone());
            h.price_at = Some(q.at);
            h.is_dust = v < dust_threshold_usd;
        }
    }
    holdings.sort_by(|a, b| {
        b.value_usd
            .unwrap_or(Decimal::MIN)
            .cmp(&a.value_usd.unwrap_or(Decimal::MIN))
            .then_with(|| a.symbol.cmp(&b.symbol))
            .then_with(|| a.location.cmp(&b.location))
    });
}

/// The total USD value of priced holdings; unpriced ones are left out.
pub fn total_value(holdings: &[Holding]) -> Decimal {
    holdings.iter().filter_map(|h| h.value_usd).sum()
}

/// Replaces the holdings of the locations that synced, keeping the previous holdings of the
/// locations whose read failed (nothing is lost when one chain or account part is down).
pub fn merge_sync(
    previous: &[Holding],
    fresh: Vec<Holding>,
    failed_locations: &[String],
) -> Vec<Holding> {
    let mut out = fresh;
    out.extend(
        previous
            .iter()
            .filter(|h| failed_locations.contains(&h.location))
            .cloned(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity::IndexedAsset;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn asset(symbol: &str, rank: i32, contracts: &[(&str, &str)]) -> IndexedAsset {
        IndexedAsset {
            id: Uuid::new_v4(),
            symbol: symbol.into(),
            name: symbol.into(),
            market_cap_rank: Some(rank),
            market_cap_usd: None,
            is_stablecoin: false,
            contracts: contracts
                .iter()
                .map(|(c, a)| (c.to_string(), a.to_string()))
                .collect(),
        }
    }

    fn raw(symbol: &str, qty: &str, location: &str) -> RawHolding {
        RawHolding {
            symbol: symbol.into(),
            quantity: d(qty),
            raw_amount: None,
            decimals: None,
            location: location.into(),
            chain: None,
            contract_address: None,
            known_asset: None,
        }
    }

    fn quote(p: &str) -> Quote {
        Quote {
            price_usd: d(p),
            source: "coingecko".into(),
            at: Utc::now(),
        }
    }

    #[test]
    fn values_are_exact_products_rounded_half_even_to_eight_places() {
        assert_eq!(
            value_usd(d("1.5"), d("70000.12")).unwrap().to_string(),
            "105000.18"
        );
        assert_eq!(
            value_usd(d("0.000000005"), d("1")).unwrap().to_string(),
            "0"
        );
        assert_eq!(
            value_usd(d("0.000000015"), d("1")).unwrap().to_string(),
            "0.00000002"
        );
        assert_eq!(
            value_usd(d("0.000000025"), d("1")).unwrap().to_string(),
            "0.00000002"
        );
        assert_eq!(value_usd(Decimal::MAX, d("2")), None);
    }

    #[test]
    fn holdings_are_identified_priced_marked_and_totalled() {
        let btc = asset("BTC", 1, &[]);
        let usdc = asset(
            "USDC",
            5,
            &[("ethereum", "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")],
        );
        let index = AssetIndex::build(&[btc.clone(), usdc.clone()]);
        let prices = HashMap::from([(btc.id, quote("60000")), (usdc.id, quote("1"))]);
        let mut token = raw("usdc", "0.5", "ethereum");
        token.chain = Some("ethereum".into());
        token.contract_address = Some("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48".into());
        let out = normalise(
            vec![
                raw("BTC", "0.1", "trading"),
                raw("BTC", "0.2", "trading"),
                token,
                raw("NOPE", "1000", "funding"),
            ],
            &index,
            &prices,
            d("1"),
        );
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].symbol, "BTC");
        assert_eq!(
            out[0].quantity,
            d("0.3"),
            "same coin in one place is merged"
        );
        assert_eq!(out[0].value_usd, Some(d("18000.00000000")));
        assert_eq!(out[1].symbol, "USDC");
        assert!(out[1].is_dust, "0.50 USD is under the 1 USD threshold");
        assert_eq!(out[1].identified_by, "contract");
        assert_eq!(out[2].symbol, "NOPE");
        assert_eq!(
            out[2].value_usd, None,
            "unknown tokens are kept without a price"
        );
        assert_eq!(total_value(&out), d("18000.5"));
    }

    #[test]
    fn a_failed_location_keeps_its_previous_holdings() {
        let index = AssetIndex::build(&[]);
        let prev = normalise(
            vec![raw("A", "1", "ethereum"), raw("B", "2", "base")],
            &index,
            &HashMap::new(),
            Decimal::ZERO,
        );
        let fresh = normalise(
            vec![raw("A", "5", "ethereum")],
            &index,
            &HashMap::new(),
            Decimal::ZERO,
        );
        let merged = merge_sync(&prev, fresh, &["base".to_string()]);
        let b = merged.iter().find(|h| h.symbol == "B").unwrap();
        assert_eq!(b.quantity, d("2"));
        let a = merged.iter().find(|h| h.symbol == "A").unwrap();
        assert_eq!(a.quantity, d("5"));
        assert_eq!(merged.len(), 2);
    }
}
