//! Normalised holdings: what an account holds, where, and what it is worth in USD.
//!
//! Rounding: a USD value is `quantity × price` rounded half-even to [`VALUE_DP`] decimal places
//! (finer than any price source is precise); totals add the rounded values. A holding whose
//! quantity or value does not fit a `Decimal` is kept, flagged [`flag::OUT_OF_RANGE`], unpriced
//! and out of totals, rather than given a wrong value.
//!
//! A negative quantity (an exchange's margin borrow) is a liability: kind [`kind::BORROWED`],
//! never dust, its negative value subtracted in totals. A holding kept from an earlier read
//! (its location or token could not be read this time) is flagged [`flag::NOT_REFRESHED`] and
//! keeps its `synced_at`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::amounts;
use super::identity::{AssetIndex, AssetQuery, MatchedBy, Resolution};

/// Decimal places of USD values.
pub const VALUE_DP: u32 = 8;

/// Values of [`Holding::flags`].
pub mod flag {
    pub const UNVERIFIED: &str = "unverified";
    pub const SPAM: &str = "spam";
    /// The quantity (or its value) does not fit a `Decimal`: kept as its raw integer or text,
    /// left out of totals.
    pub const OUT_OF_RANGE: &str = "out_of_range";
    pub const STALE: &str = "stale";
    /// Kept from an earlier read: this sync could not read it (see `synced_at`).
    pub const NOT_REFRESHED: &str = "not_refreshed";
}

/// Values of [`Holding::kind`].
pub mod kind {
    pub const SPOT: &str = "spot";
    pub const EARN: &str = "earn";
    pub const STAKED: &str = "staked";
    pub const SUPPLIED: &str = "supplied";
    /// A liability (negative balance), subtracted from net value.
    pub const BORROWED: &str = "borrowed";
    pub const LP: &str = "lp";
    /// Entered by the user (a `manual` account).
    pub const MANUAL: &str = "manual";

    /// The kind of a non-negative balance at `location` (`earn`, `staked`, `manual` name
    /// their kind; every other location holds spot balances).
    pub fn of_location(location: &str) -> &'static str {
        match location {
            EARN => EARN,
            STAKED => STAKED,
            MANUAL => MANUAL,
            _ => SPOT,
        }
    }
}

fn spot() -> String {
    kind::SPOT.to_string()
}

/// A balance as a connector reported it, before identity and price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHolding {
    pub symbol: String,
    pub quantity: Decimal,
    /// The on-chain integer, for chain balances.
    pub raw_amount: Option<String>,
    pub decimals: Option<u8>,
    /// `trading`, `spot`, `funding`, `earn`, `staked`, or the chain name.
    pub location: String,
    pub chain: Option<String>,
    pub contract_address: Option<String>,
    /// The asset a registry already links this balance to (an EVM token's `asset_id`, a
    /// chain's native asset), used before identity resolution.
    pub known_asset: Option<Uuid>,
    /// The exact text of a quantity that does not fit a `Decimal` (`quantity` is then 0).
    pub quantity_text: Option<String>,
    /// [`flag`]s the reading already knows (e.g. `out_of_range`).
    pub flags: Vec<String>,
    /// Source-specific detail (a Solana token's program and multiplier, a DeFi position's
    /// protocol and id), stored as is.
    pub details: Option<serde_json::Value>,
    /// The kind, when the source knows it (DeFi positions); else it follows from the
    /// location and the sign.
    pub kind: Option<&'static str>,
}

impl RawHolding {
    /// A balance read from an exchange or a chain, with nothing else known.
    pub fn new(symbol: &str, quantity: Decimal, location: &str) -> Self {
        RawHolding {
            symbol: symbol.to_string(),
            quantity,
            raw_amount: None,
            decimals: None,
            location: location.to_string(),
            chain: None,
            contract_address: None,
            known_asset: None,
            quantity_text: None,
            flags: Vec::new(),
            details: None,
            kind: None,
        }
    }

    /// The holding's kind: the source's, else `borrowed` for a negative quantity, else the
    /// location's.
    pub fn kind(&self) -> &'static str {
        match self.kind {
            Some(k) => k,
            None if self.quantity < Decimal::ZERO => kind::BORROWED,
            None => kind::of_location(&self.location),
        }
    }
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
    /// `trading`, `spot`, `funding`, `earn`, `staked`, or the chain name.
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
    /// `spot`, `earn`, or `borrowed` (a liability: negative quantity and value).
    #[serde(default = "spot")]
    pub kind: String,
    /// Any of `unverified`, `spam`, `out_of_range`, `stale`, `not_refreshed`.
    #[serde(default)]
    pub flags: Vec<String>,
    /// The last good read of this balance (its location's, unless `not_refreshed`).
    #[serde(default)]
    pub synced_at: Option<DateTime<Utc>>,
    /// The exact quantity as text, when it does not fit a decimal (then `quantity` is 0 and
    /// the holding is flagged `out_of_range`): the exchange's text, or the raw integer over
    /// 10^decimals written out.
    #[serde(default)]
    pub quantity_text: Option<String>,
    /// Source-specific detail: for a Solana token its program, token accounts and, for a
    /// Token-2022 mint with a multiplier, the multiplier the quantity was computed with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// Why the holding has no value (it is left out of totals): `ambiguous_symbol` (several
    /// assets share the symbol, none dominates), `unidentified`, `no_price`, `unverified`,
    /// `spam` or `out_of_range`; `null` when it is valued.
    #[serde(default)]
    pub unvalued_reason: Option<String>,
}

impl Holding {
    pub fn has_flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x == f)
    }

    /// Adds a flag once.
    pub fn flag(&mut self, f: &str) {
        if !self.has_flag(f) {
            self.flags.push(f.to_string());
        }
    }

    /// Whether the holding counts in totals and allocations: its quantity fits, and it is
    /// neither `unverified` nor `spam` (those are listed apart and never valued).
    pub fn is_countable(&self) -> bool {
        !self.has_flag(flag::OUT_OF_RANGE)
            && !self.has_flag(flag::UNVERIFIED)
            && !self.has_flag(flag::SPAM)
    }

    /// A liability (negative balance).
    pub fn is_liability(&self) -> bool {
        self.quantity < Decimal::ZERO
    }
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
        let suspect = r
            .flags
            .iter()
            .any(|f| f == flag::UNVERIFIED || f == flag::SPAM);
        let (asset_id, by) = match r.known_asset.filter(|id| index.get(*id).is_some()) {
            Some(id) => (Some(id), "registry"),
            // Unverified and spam tokens are never matched by symbol (scam "USDC").
            None if suspect => (None, "unknown"),
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
        let kind = r.kind();
        if let Some(h) = merged.iter_mut().find(|h| {
            h.location == r.location
                && h.kind == kind
                && super::defi::position_of(&h.details) == super::defi::position_of(&r.details)
                && h.contract_address == r.contract_address
                && h.asset_id == asset_id
                && (asset_id.is_some() || h.symbol == r.symbol)
                && (h.quantity < Decimal::ZERO) == (r.quantity < Decimal::ZERO)
        }) {
            // The raw integers add exactly where both rows have one, so "sell all" can use it.
            h.raw_amount = match (&h.raw_amount, &r.raw_amount) {
                (Some(a), Some(b)) if h.decimals == r.decimals => amounts::add_raw(a, b),
                _ => None,
            };
            match h.quantity.checked_add(r.quantity) {
                Some(q) if h.quantity_text.is_none() && r.quantity_text.is_none() => h.quantity = q,
                _ => {
                    h.quantity = Decimal::ZERO;
                    h.flag(flag::OUT_OF_RANGE);
                }
            }
            for f in &r.flags {
                h.flag(f);
            }
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
            kind: kind.to_string(),
            flags: r.flags,
            synced_at: None,
            quantity_text: r.quantity_text,
            details: r.details,
            unvalued_reason: None,
        });
    }
    merged
}

/// Values holdings at these prices, marks dust, and orders them by value, largest first.
pub fn price(holdings: &mut [Holding], prices: &HashMap<Uuid, Quote>, dust_threshold_usd: Decimal) {
    for h in holdings.iter_mut() {
        if !h.is_countable() {
            h.value_usd = None;
            h.is_dust = false;
            continue;
        }
        let Some(q) = h.asset_id.and_then(|id| prices.get(&id)) else {
            continue;
        };
        match value_usd(h.quantity, q.price_usd) {
            Some(v) => {
                h.price_usd = Some(q.price_usd);
                h.value_usd = Some(v);
                h.price_source = Some(q.source.clone());
                h.price_at = Some(q.at);
                // A liability is never dust: it is owed in full.
                h.is_dust = v >= Decimal::ZERO && v < dust_threshold_usd;
            }
            None => {
                h.value_usd = None;
                h.is_dust = false;
                h.flag(flag::OUT_OF_RANGE);
            }
        }
    }
    for h in holdings.iter_mut() {
        h.unvalued_reason = unvalued_reason(h).map(str::to_string);
    }
    holdings.sort_by(|a, b| {
        b.value_usd
            .unwrap_or(Decimal::MIN)
            .cmp(&a.value_usd.unwrap_or(Decimal::MIN))
            .then_with(|| a.symbol.cmp(&b.symbol))
            .then_with(|| a.location.cmp(&b.location))
    });
}

/// Why a holding has no value, or `None` when it has one.
fn unvalued_reason(h: &Holding) -> Option<&'static str> {
    let flagged = [flag::OUT_OF_RANGE, flag::SPAM, flag::UNVERIFIED]
        .into_iter()
        .find(|f| h.has_flag(f));
    match (flagged, h.asset_id, h.value_usd) {
        (Some(f), _, _) => Some(f),
        (None, None, _) if h.identified_by == "ambiguous" => Some("ambiguous_symbol"),
        (None, None, _) => Some("unidentified"),
        (None, Some(_), None) => Some("no_price"),
        (None, Some(_), Some(_)) => None,
    }
}

/// The net USD value of priced holdings: liabilities subtract, unpriced and `out_of_range`
/// ones are left out. A value that would overflow the sum is left out too (never a panic).
pub fn total_value(holdings: &[Holding]) -> Decimal {
    holdings
        .iter()
        .filter(|h| h.is_countable())
        .filter_map(|h| h.value_usd)
        .fold(Decimal::ZERO, |sum, v| sum.checked_add(v).unwrap_or(sum))
}

/// What a sync keeps from the previous holdings: whole locations it could not read, and
/// single tokens `(location, contract)` whose read failed.
#[derive(Debug, Clone, Default)]
pub struct Kept {
    pub locations: Vec<String>,
    pub tokens: Vec<(String, String)>,
}

impl Kept {
    fn keeps(&self, h: &Holding) -> bool {
        self.locations.contains(&h.location)
            || h.contract_address.as_ref().is_some_and(|c| {
                self.tokens
                    .iter()
                    .any(|(l, t)| *l == h.location && t.eq_ignore_ascii_case(c))
            })
    }
}

/// Fresh holdings (read at `now`) plus the previous holdings that `kept` names, flagged
/// `not_refreshed` with their last read time (`fallback` for holdings stored before holdings
/// carried one). Nothing is lost when one chain, token or account part cannot be read.
pub fn merge_sync(
    previous: &[Holding],
    fresh: Vec<Holding>,
    kept: &Kept,
    now: DateTime<Utc>,
    fallback: Option<DateTime<Utc>>,
) -> Vec<Holding> {
    let mut out: Vec<Holding> = fresh
        .into_iter()
        .map(|mut h| {
            h.synced_at = Some(now);
            h
        })
        .collect();
    let fresh_count = out.len();
    for h in previous.iter().filter(|h| kept.keeps(h)) {
        // A token read fresh this time wins over its kept copy (of the same kind: a supply
        // and a debt of one token are two holdings).
        if out[..fresh_count].iter().any(|f| {
            f.location == h.location
                && f.kind == h.kind
                && f.contract_address.is_some()
                && f.contract_address == h.contract_address
        }) {
            continue;
        }
        let mut h = h.clone();
        h.synced_at = h.synced_at.or(fallback);
        h.flag(flag::NOT_REFRESHED);
        out.push(h);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::IndexedAsset;

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
            logo_url: None,
            contracts: contracts
                .iter()
                .map(|(c, a)| (c.to_string(), a.to_string()))
                .collect(),
        }
    }

    fn raw(symbol: &str, qty: &str, location: &str) -> RawHolding {
        RawHolding::new(symbol, d(qty), location)
    }

    fn quote(p: &str) -> Quote {
        Quote {
            price_usd: d(p),
            source: "coingecko".into(),
            at: Utc::now(),
        }
    }

    #[test]
    fn unverified_and_spam_tokens_are_never_matched_by_symbol_valued_or_counted() {
        let usdc = asset("USDC", 5, &[]);
        let index = AssetIndex::build(std::slice::from_ref(&usdc));
        let prices = HashMap::from([(usdc.id, quote("1"))]);
        let mut spam = raw("USDC", "1000", "ethereum");
        spam.chain = Some("ethereum".into());
        spam.contract_address = Some("0xfake".into());
        spam.flags.push(flag::SPAM.into());
        let mut unverified = raw("USDC", "5", "ethereum");
        unverified.flags.push(flag::UNVERIFIED.into());
        let real = raw("USDC", "2", "trading");
        let held = normalise(vec![spam, unverified, real], &index, &prices, d("1"));
        let by_flag = |f: &str| held.iter().find(|h| h.has_flag(f)).unwrap();
        for f in [flag::SPAM, flag::UNVERIFIED] {
            assert_eq!(by_flag(f).asset_id, None, "{f}: not USDC by symbol");
            assert_eq!(by_flag(f).value_usd, None);
            assert!(!by_flag(f).is_countable());
        }
        assert_eq!(total_value(&held), d("2"));
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
        let kept = Kept {
            locations: vec!["base".to_string()],
            tokens: Vec::new(),
        };
        let before = Utc::now() - chrono::Duration::days(14);
        let now = Utc::now();
        let merged = merge_sync(&prev, fresh, &kept, now, Some(before));
        let b = merged.iter().find(|h| h.symbol == "B").unwrap();
        assert_eq!(b.quantity, d("2"));
        assert_eq!(b.flags, [flag::NOT_REFRESHED]);
        assert_eq!(
            b.synced_at,
            Some(before),
            "a kept holding keeps its read time"
        );
        let a = merged.iter().find(|h| h.symbol == "A").unwrap();
        assert_eq!(a.quantity, d("5"));
        assert!(a.flags.is_empty());
        assert_eq!(a.synced_at, Some(now));
        assert_eq!(merged.len(), 2);
    }

    #[test]
    fn merging_two_rows_of_one_token_keeps_their_summed_raw_integer() {
        let index = AssetIndex::build(&[]);
        let mut a = raw("TKN", "1.000000000000000001", "ethereum");
        a.raw_amount = Some("1000000000000000001".into());
        a.decimals = Some(18);
        a.contract_address = Some("0xabc".into());
        let mut b = a.clone();
        b.raw_amount = Some("2".into());
        b.quantity = d("0.000000000000000002");
        let out = identify(vec![a.clone(), b], &index);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].raw_amount.as_deref(), Some("1000000000000000003"));
        assert_eq!(out[0].quantity, d("1.000000000000000003"));
        let mut other_decimals = a.clone();
        other_decimals.decimals = Some(6);
        let out = identify(vec![a, other_decimals], &index);
        assert_eq!(
            out[0].raw_amount, None,
            "no sum of integers of different units"
        );
    }

    #[test]
    fn a_negative_balance_is_a_borrowed_liability_never_dust_and_subtracted_from_the_total() {
        let btc = asset("BTC", 1, &[]);
        let index = AssetIndex::build(std::slice::from_ref(&btc));
        let prices = HashMap::from([(btc.id, quote("60000"))]);
        let out = normalise(
            vec![
                raw("BTC", "1", "trading"),
                raw("BTC", "-0.00001", "trading"),
            ],
            &index,
            &prices,
            d("1"),
        );
        assert_eq!(out.len(), 2, "a borrow is not netted into the long line");
        let loan = out.iter().find(|h| h.is_liability()).unwrap();
        assert_eq!(loan.kind, kind::BORROWED);
        assert_eq!(loan.value_usd, Some(d("-0.6")));
        assert!(!loan.is_dust, "0.60 USD owed is not dust");
        assert_eq!(total_value(&out), d("59999.4"));
    }

    #[test]
    fn a_holding_out_of_range_is_kept_flagged_unpriced_and_out_of_totals() {
        let big = asset("BIG", 1, &[]);
        let index = AssetIndex::build(std::slice::from_ref(&big));
        let prices = HashMap::from([(big.id, quote("2"))]);
        let mut text = raw("BIG", "0", "funding");
        text.quantity_text = Some("1".repeat(40));
        text.flags = vec![flag::OUT_OF_RANGE.into()];
        let out = normalise(
            vec![raw("BIG", &Decimal::MAX.to_string(), "trading"), text],
            &index,
            &prices,
            d("1"),
        );
        assert!(out
            .iter()
            .all(|h| h.has_flag(flag::OUT_OF_RANGE) && h.value_usd.is_none()));
        assert_eq!(out.len(), 2);
        assert_eq!(total_value(&out), Decimal::ZERO);
    }

    #[test]
    fn holdings_stored_before_flags_existed_still_read() {
        let old = serde_json::json!([{
            "asset_id": null, "symbol": "BTC", "quantity": "1", "raw_amount": null,
            "decimals": null, "location": "trading", "chain": null, "contract_address": null,
            "price_usd": null, "value_usd": null, "price_source": null, "price_at": null,
            "is_dust": false, "identified_by": "unknown"
        }]);
        let h: Vec<Holding> = serde_json::from_value(old).unwrap();
        assert_eq!(h[0].kind, "spot");
        assert!(h[0].flags.is_empty());
        assert_eq!(h[0].synced_at, None);
    }
}
