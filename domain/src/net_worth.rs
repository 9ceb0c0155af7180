//! Net worth: every account of the user, assets minus liabilities, with a breakdown by place
//! (account and location: a chain, or an exchange's trading / funding / earn) and by asset, and
//! the change over 24 hours of what is held now (the same quantities at the prices of then).
//!
//! Rules: a holding's value is quantity × its current price (the same rule as accounts and
//! portfolios). A negative value (a liability, such as a margin debt) counts against the total
//! and in `liabilities_usd`. Unpriced holdings are listed apart and left out. The 24 h change
//! covers only assets that have both a current price and one from 24 hours ago; when some
//! valued asset lacks the old price, `change_complete` is false and the change leaves it out.
//! An account not read yet (an exchange or wallet whose first sync has not succeeded) adds
//! nothing and is counted in `accounts_not_read`; when no account has been read at all, the
//! net worth is unknown (`None`), never 0.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

use super::allocation::round_pct;
use super::holdings::{value_usd, Holding};

/// One account's holdings as valued now.
pub struct AccountHoldings<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub holdings: &'a [Holding],
    /// Whether the account's content is known (read at least once, or manual).
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlaceValue {
    pub account_id: Uuid,
    pub account_name: String,
    /// A chain name, or an exchange location (`trading`, `funding`, `earn`).
    pub location: String,
    #[schema(value_type = String)]
    pub value_usd: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssetValue {
    pub asset_id: Uuid,
    pub symbol: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub value_usd: Decimal,
    /// Share of the assets' gross value (liabilities not netted), rounded to 4 places.
    #[schema(value_type = String)]
    pub pct_of_assets: Decimal,
    /// The oldest price behind this line.
    pub price_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UnpricedHolding {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub accounts: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NetWorth {
    /// Assets minus liabilities of the accounts read; `null` when accounts exist and none has
    /// been read yet, or when holdings are known and not one has a price (unknown, not 0).
    #[schema(value_type = Option<String>)]
    pub net_worth_usd: Option<Decimal>,
    /// Accounts left out because they have not been read yet (their first sync has not
    /// succeeded): the total lacks them.
    pub accounts_not_read: usize,
    #[schema(value_type = String)]
    pub assets_usd: Decimal,
    /// Positive amount owed (the negative holdings' values, sign flipped).
    #[schema(value_type = String)]
    pub liabilities_usd: Decimal,
    /// Change of the current holdings' value over 24 h (`null` when no asset has a price
    /// from then).
    #[schema(value_type = Option<String>)]
    pub change_24h_usd: Option<Decimal>,
    /// The change against the value 24 h ago, in percent (rounded to 4 places).
    #[schema(value_type = Option<String>)]
    pub change_24h_pct: Option<Decimal>,
    /// Every valued asset had a price 24 h ago.
    pub change_complete: bool,
    pub by_place: Vec<PlaceValue>,
    pub by_asset: Vec<AssetValue>,
    pub unpriced: Vec<UnpricedHolding>,
    /// The oldest price behind the total.
    pub oldest_price_at: Option<DateTime<Utc>>,
}

/// Net worth of these accounts; `then` gives an asset's price 24 hours ago.
pub fn compute(accounts: &[AccountHoldings], then: impl Fn(Uuid) -> Option<Decimal>) -> NetWorth {
    let mut assets = Decimal::ZERO;
    let mut liabilities = Decimal::ZERO;
    let mut now_covered = Decimal::ZERO;
    let mut then_covered = Decimal::ZERO;
    let mut complete = true;
    let mut any_then = false;
    let mut places: BTreeMap<(Uuid, String), (String, Decimal)> = BTreeMap::new();
    let mut by_asset: BTreeMap<Uuid, AssetValue> = BTreeMap::new();
    let mut unpriced: BTreeMap<(Option<Uuid>, String), UnpricedHolding> = BTreeMap::new();
    let mut oldest: Option<DateTime<Utc>> = None;
    for a in accounts {
        // Unverified and spam tokens are listed on their account only, never here.
        for h in a.holdings.iter().filter(|h| {
            !h.has_flag(super::holdings::flag::UNVERIFIED)
                && !h.has_flag(super::holdings::flag::SPAM)
        }) {
            let (Some(id), Some(v)) = (h.asset_id, h.value_usd) else {
                let e = unpriced
                    .entry((h.asset_id, h.symbol.clone()))
                    .or_insert_with(|| UnpricedHolding {
                        asset_id: h.asset_id,
                        symbol: h.symbol.clone(),
                        quantity: Decimal::ZERO,
                        accounts: Vec::new(),
                    });
                e.quantity = e.quantity.saturating_add(h.quantity);
                if !e.accounts.contains(&a.id) {
                    e.accounts.push(a.id);
                }
                continue;
            };
            if v < Decimal::ZERO {
                liabilities = liabilities.saturating_sub(v);
            } else {
                assets = assets.saturating_add(v);
            }
            if let Some(at) = h.price_at {
                oldest = Some(oldest.map_or(at, |o| o.min(at)));
            }
            let place = places
                .entry((a.id, h.location.clone()))
                .or_insert_with(|| (a.name.to_string(), Decimal::ZERO));
            place.1 = place.1.saturating_add(v);
            let line = by_asset.entry(id).or_insert_with(|| AssetValue {
                asset_id: id,
                symbol: h.symbol.clone(),
                quantity: Decimal::ZERO,
                value_usd: Decimal::ZERO,
                pct_of_assets: Decimal::ZERO,
                price_at: h.price_at,
            });
            line.quantity = line.quantity.saturating_add(h.quantity);
            line.value_usd = line.value_usd.saturating_add(v);
            if let (Some(at), Some(cur)) = (h.price_at, line.price_at) {
                line.price_at = Some(cur.min(at));
            }
            match then(id).and_then(|p| value_usd(h.quantity, p)) {
                Some(old) => {
                    any_then = true;
                    now_covered = now_covered.saturating_add(v);
                    then_covered = then_covered.saturating_add(old);
                }
                None => complete = false,
            }
        }
    }
    let mut by_asset: Vec<AssetValue> = by_asset.into_values().collect();
    for l in &mut by_asset {
        l.pct_of_assets = if assets > Decimal::ZERO && l.value_usd > Decimal::ZERO {
            round_pct(l.value_usd * Decimal::ONE_HUNDRED / assets)
        } else {
            Decimal::ZERO
        };
    }
    by_asset.sort_by(|a, b| {
        b.value_usd
            .cmp(&a.value_usd)
            .then_with(|| a.symbol.cmp(&b.symbol))
    });
    let mut by_place: Vec<PlaceValue> = places
        .into_iter()
        .map(
            |((account_id, location), (account_name, value_usd))| PlaceValue {
                account_id,
                account_name,
                location,
                value_usd,
            },
        )
        .collect();
    by_place.sort_by(|a, b| {
        b.value_usd
            .cmp(&a.value_usd)
            .then_with(|| a.account_name.cmp(&b.account_name))
            .then_with(|| a.location.cmp(&b.location))
    });
    let change = any_then.then(|| now_covered - then_covered);
    // Unknown, not 0: no account read yet, or holdings of which not one has a price (a fresh
    // install before its first price run reads "$0" otherwise).
    let nothing_priced = by_asset.is_empty() && !unpriced.is_empty();
    NetWorth {
        net_worth_usd: ((accounts.is_empty() || accounts.iter().any(|a| a.read))
            && !nothing_priced)
            .then(|| assets - liabilities),
        accounts_not_read: accounts.iter().filter(|a| !a.read).count(),
        assets_usd: assets,
        liabilities_usd: liabilities,
        change_24h_usd: change,
        change_24h_pct: change
            .filter(|_| !then_covered.is_zero())
            .and_then(|c| c.checked_mul(Decimal::ONE_HUNDRED))
            .and_then(|c| c.checked_div(then_covered.abs()))
            .map(round_pct),
        change_complete: complete && any_then,
        by_place,
        by_asset,
        unpriced: unpriced.into_values().collect(),
        oldest_price_at: oldest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const BTC: Uuid = Uuid::from_u128(1);
    const USDT: Uuid = Uuid::from_u128(2);

    fn h(id: Option<Uuid>, symbol: &str, qty: &str, price: Option<&str>, loc: &str) -> Holding {
        let value = price.and_then(|p| value_usd(d(qty), d(p)));
        // From JSON, as stored: fields added later take their defaults.
        serde_json::from_value(serde_json::json!({
            "asset_id": id, "symbol": symbol, "quantity": qty, "raw_amount": null,
            "decimals": null, "location": loc, "chain": null, "contract_address": null,
            "price_usd": price, "value_usd": value.map(|v| v.to_string()),
            "price_source": price.map(|_| "coingecko"),
            "price_at": price.map(|_| "2026-12-03T12:00:00Z"),
            "is_dust": false, "identified_by": "symbol"
        }))
        .unwrap()
    }

    #[test]
    fn liabilities_are_subtracted_and_every_place_and_asset_is_listed() {
        let okx = [
            h(Some(BTC), "BTC", "1", Some("60000"), "trading"),
            h(Some(USDT), "USDT", "-5000", Some("1"), "trading"),
            h(None, "NOPE", "3", None, "funding"),
        ];
        let wallet = [h(Some(BTC), "BTC", "0.5", Some("60000"), "ethereum")];
        let accounts = [
            AccountHoldings {
                id: Uuid::from_u128(10),
                name: "OKX",
                holdings: &okx,
                read: true,
            },
            AccountHoldings {
                id: Uuid::from_u128(11),
                name: "Ledger",
                holdings: &wallet,
                read: true,
            },
        ];
        let n = compute(&accounts, |id| (id == BTC).then(|| d("50000")));
        assert_eq!(n.assets_usd, d("90000"));
        assert_eq!(n.liabilities_usd, d("5000"));
        assert_eq!(n.net_worth_usd, Some(d("85000")));
        assert_eq!(n.by_asset[0].symbol, "BTC");
        assert_eq!(n.by_asset[0].quantity, d("1.5"));
        assert_eq!(n.by_asset[0].pct_of_assets, d("100"));
        assert_eq!(n.by_place.len(), 2, "{:?}", n.by_place);
        assert_eq!(
            n.by_place[0].value_usd,
            d("55000"),
            "OKX trading: 60000 − 5000"
        );
        assert_eq!(n.unpriced.len(), 1);
        // BTC: 1.5 × (60000 − 50000); USDT had no price 24 h ago.
        assert_eq!(n.change_24h_usd, Some(d("15000")));
        assert_eq!(n.change_24h_pct, Some(d("20")));
        assert!(!n.change_complete);
    }

    #[test]
    fn no_price_from_a_day_ago_means_no_change_rather_than_a_made_up_one() {
        let okx = [h(Some(BTC), "BTC", "1", Some("60000"), "trading")];
        let n = compute(
            &[AccountHoldings {
                id: Uuid::from_u128(10),
                name: "OKX",
                holdings: &okx,
                read: true,
            }],
            |_| None,
        );
        assert_eq!(n.change_24h_usd, None);
        assert_eq!(n.change_24h_pct, None);
        assert!(!n.change_complete);
        assert_eq!(n.net_worth_usd, Some(d("60000")));
    }

    #[test]
    fn accounts_not_read_are_counted_and_with_none_read_the_worth_is_unknown_not_zero() {
        let okx = [h(Some(BTC), "BTC", "1", Some("60000"), "trading")];
        let unread = |id| AccountHoldings {
            id: Uuid::from_u128(id),
            name: "new",
            holdings: &[],
            read: false,
        };
        let n = compute(&[unread(1), unread(2)], |_| None);
        assert_eq!((n.net_worth_usd, n.accounts_not_read), (None, 2));
        let read = AccountHoldings {
            id: Uuid::from_u128(3),
            name: "OKX",
            holdings: &okx,
            read: true,
        };
        let n = compute(&[unread(1), read], |_| None);
        assert_eq!(
            (n.net_worth_usd, n.accounts_not_read),
            (Some(d("60000")), 1)
        );
        assert_eq!(compute(&[], |_| None).net_worth_usd, Some(Decimal::ZERO));
    }

    #[test]
    fn holdings_of_which_none_has_a_price_are_an_unknown_worth_not_zero() {
        let unpriced = [h(Some(BTC), "BTC", "1.5", None, "trading")];
        let acc = |holdings| AccountHoldings {
            id: Uuid::from_u128(1),
            name: "Cold",
            holdings,
            read: true,
        };
        let n = compute(&[acc(&unpriced)], |_| None);
        assert_eq!(n.net_worth_usd, None);
        assert_eq!(n.unpriced.len(), 1);
        // One priced holding beside it: the total of what is priced, the rest listed apart.
        let mixed = [
            h(Some(BTC), "BTC", "1.5", None, "trading"),
            h(Some(USDT), "USDT", "6000", Some("1"), "trading"),
        ];
        let n = compute(&[acc(&mixed)], |_| None);
        assert_eq!(n.net_worth_usd, Some(d("6000")));
        assert_eq!(n.unpriced.len(), 1);
        // A read account that holds nothing is worth a known 0.
        assert_eq!(
            compute(&[acc(&[])], |_| None).net_worth_usd,
            Some(Decimal::ZERO)
        );
    }
}
