//! Value history from the ledger: what a set of accounts (one account, a portfolio's, or all of
//! them) held at the end of each UTC day, valued at that day's price, with the money that came
//! in and went out, ready for [`crate::returns`]. The rules, numbered:
//!
//! 1. Holdings at the end of a day are every entry up to that day's end added up
//!    (`received − sent − fee`, `domain::ledger` convention 1), per account and asset.
//! 2. A day's value is each holding × that day's price. A holding with no price that day makes
//!    the day's value unknown (never 0); a holding of 0 needs no price.
//! 3. Money in and out of the set of accounts, by entry:
//!    - dollars paid for a trade (and a dollar fee) are money in; dollars received for a sale
//!      (less a dollar fee) are money out: the ledger holds no dollars;
//!    - a deposit from outside is money in and a withdrawal to outside money out, at the day's
//!      price of the asset (a transfer between two accounts of the set is neither; a transfer
//!      whose other account is outside the set is money in or out of the set);
//!    - a spend is money out at its value (what was bought left the portfolio).
//!    - income, crypto-for-crypto trades and fees are not flows: they are the return.
//! 4. A flow in a crypto asset on a day with no price for it makes that day unknown.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ledger::{Asset, Entry, Kind, Side};
use crate::returns::Day;

/// Prices by asset and day.
pub trait DailyPrices {
    fn price(&self, asset: Uuid, day: NaiveDate) -> Option<Decimal>;
}

impl DailyPrices for HashMap<(Uuid, NaiveDate), Decimal> {
    fn price(&self, asset: Uuid, day: NaiveDate) -> Option<Decimal> {
        self.get(&(asset, day)).copied()
    }
}

/// A day of a set of accounts, with what made it unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuedDay {
    pub day: Day,
    /// Assets held (or moved in or out) that day with no price.
    pub unpriced: Vec<Uuid>,
}

/// Rule 3 for one entry: `(money in, money out)` of the set, with the crypto legs still in
/// quantities: `(dollars in, dollars out, crypto in, crypto out)`.
fn flows_of(
    e: &Entry,
    inside: &dyn Fn(Uuid) -> bool,
    other_half: Option<&Entry>,
) -> (Decimal, Decimal, Vec<Side>, Vec<Side>) {
    let (mut usd_in, mut usd_out) = (Decimal::ZERO, Decimal::ZERO);
    let (mut crypto_in, mut crypto_out) = (Vec::new(), Vec::new());
    if !inside(e.account) {
        return (usd_in, usd_out, crypto_in, crypto_out);
    }
    let usd = |s: &Option<Side>| s.filter(|s| s.asset == Asset::Usd).map(|s| s.quantity);
    match e.kind {
        Kind::Trade => {
            usd_in += usd(&e.sent).unwrap_or_default();
            usd_out += usd(&e.received).unwrap_or_default();
            // A dollar fee is paid with money from outside, whichever side it is on.
            usd_in += usd(&e.fee).unwrap_or_default();
        }
        Kind::Spend => match e.value_usd {
            Some(v) => usd_out += v,
            None => crypto_out.extend(e.sent),
        },
        Kind::Deposit => {
            let from_inside = other_half.is_some_and(|w| inside(w.account));
            if !from_inside {
                crypto_in.extend(e.received);
            }
        }
        Kind::Withdrawal => {
            let to_inside = other_half.is_some_and(|d| inside(d.account));
            if !to_inside {
                crypto_out.extend(e.sent);
            }
        }
        Kind::Income | Kind::Fee => {}
    }
    (usd_in, usd_out, crypto_in, crypto_out)
}

/// Rules 1 to 4: each day from `from` to `to` (inclusive) of the accounts `inside` says are in
/// the set.
pub fn value_history(
    entries: &[Entry],
    inside: &dyn Fn(Uuid) -> bool,
    prices: &dyn DailyPrices,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<ValuedDay> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| (e.at, e.id));
    let mut halves: HashMap<Uuid, Vec<&Entry>> = HashMap::new();
    for e in &sorted {
        if let Some(t) = e.transfer {
            halves.entry(t).or_default().push(e);
        }
    }
    let other_half = |e: &Entry| -> Option<&Entry> {
        let t = e.transfer?;
        halves
            .get(&t)?
            .iter()
            .find(|o| o.id != e.id && o.kind != e.kind)
            .copied()
    };
    let mut held: BTreeMap<Uuid, Decimal> = BTreeMap::new();
    let mut next = 0;
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        let (mut inflow, mut outflow) = (Decimal::ZERO, Decimal::ZERO);
        let mut unpriced: BTreeSet<Uuid> = BTreeSet::new();
        while next < sorted.len() && sorted[next].at.date_naive() <= day {
            let e = sorted[next];
            next += 1;
            if !inside(e.account) {
                continue;
            }
            for (side, sign) in [
                (&e.received, Decimal::ONE),
                (&e.sent, Decimal::NEGATIVE_ONE),
                (&e.fee, Decimal::NEGATIVE_ONE),
            ] {
                if let Some(Side {
                    asset: Asset::Listed(a),
                    quantity,
                }) = side
                {
                    *held.entry(*a).or_default() += sign * quantity;
                }
            }
            // Flows count on the day they happen; entries before `from` only build holdings.
            if e.at.date_naive() < from {
                continue;
            }
            let (usd_in, usd_out, crypto_in, crypto_out) = flows_of(e, inside, other_half(e));
            inflow += usd_in;
            outflow += usd_out;
            for (legs, total) in [(crypto_in, &mut inflow), (crypto_out, &mut outflow)] {
                for leg in legs {
                    if let Asset::Listed(a) = leg.asset {
                        match prices.price(a, e.at.date_naive()) {
                            Some(p) => *total += leg.quantity * p,
                            None => {
                                unpriced.insert(a);
                            }
                        }
                    }
                }
            }
        }
        let mut value = Decimal::ZERO;
        for (asset, q) in &held {
            if q.is_zero() {
                continue;
            }
            match prices.price(*asset, day) {
                Some(p) => value += q * p,
                None => {
                    unpriced.insert(*asset);
                }
            }
        }
        out.push(ValuedDay {
            day: Day {
                date: day,
                value: unpriced.is_empty().then_some(value),
                inflow,
                outflow,
            },
            unpriced: unpriced.into_iter().collect(),
        });
        day = match day.succ_opt() {
            Some(d) => d,
            None => break,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::returns::twr;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const A: Uuid = Uuid::from_u128(1);
    const B: Uuid = Uuid::from_u128(2);
    const BTC: Uuid = Uuid::from_u128(100);

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, n).unwrap()
    }

    fn entry(n: u128, on: u32, account: Uuid, kind: Kind) -> Entry {
        Entry {
            id: Uuid::from_u128(n),
            account,
            at: day(on).and_hms_opt(12, 0, 0).unwrap().and_utc(),
            kind,
            sent: None,
            received: None,
            fee: None,
            value_usd: None,
            fee_value_usd: None,
            income_kind: None,
            transfer: None,
        }
    }

    fn btc(q: &str) -> Option<Side> {
        Some(Side {
            asset: Asset::Listed(BTC),
            quantity: d(q),
        })
    }

    fn usd(q: &str) -> Option<Side> {
        Some(Side {
            asset: Asset::Usd,
            quantity: d(q),
        })
    }

    fn prices(list: &[(u32, &str)]) -> HashMap<(Uuid, NaiveDate), Decimal> {
        list.iter().map(|(n, p)| ((BTC, day(*n)), d(p))).collect()
    }

    #[test]
    fn a_buy_is_money_in_and_the_return_is_the_price_change() {
        let mut buy = entry(1, 1, A, Kind::Trade);
        buy.sent = usd("40000");
        buy.received = btc("1");
        let p = prices(&[(1, "40000"), (2, "42000"), (3, "41000")]);
        let h = value_history(&[buy], &|_| true, &p, day(1), day(3));
        let values: Vec<_> = h.iter().map(|v| v.day.value).collect();
        assert_eq!(
            values,
            vec![Some(d("40000")), Some(d("42000")), Some(d("41000"))]
        );
        assert_eq!(h[0].day.inflow, d("40000"));
        let r = twr(&h.iter().map(|v| v.day.clone()).collect::<Vec<_>>());
        assert_eq!(r.cumulative.map(|c| c.round_dp(12)), Some(d("0.025")));
    }

    #[test]
    fn a_transfer_inside_the_set_is_no_flow_and_across_it_is_one() {
        let mut buy = entry(1, 1, A, Kind::Trade);
        buy.sent = usd("40000");
        buy.received = btc("1");
        let t = Uuid::from_u128(9);
        let mut w = entry(2, 2, A, Kind::Withdrawal);
        w.sent = btc("1");
        w.transfer = Some(t);
        let mut dep = entry(3, 2, B, Kind::Deposit);
        dep.received = btc("0.999");
        dep.transfer = Some(t);
        let p = prices(&[(1, "40000"), (2, "40000")]);
        let entries = [buy, w, dep];
        let both = value_history(&entries, &|_| true, &p, day(1), day(2));
        assert_eq!((both[1].day.inflow, both[1].day.outflow), (d("0"), d("0")));
        // The network fee is a loss: 40,000 → 39,960.
        assert_eq!(both[1].day.value, Some(d("39960")));
        let only_a = value_history(&entries, &|acc| acc == A, &p, day(1), day(2));
        assert_eq!(only_a[1].day.outflow, d("40000"));
        assert_eq!(only_a[1].day.value, Some(d("0")));
        let only_b = value_history(&entries, &|acc| acc == B, &p, day(2), day(2));
        assert_eq!(only_b[0].day.inflow, d("39960"));
    }

    #[test]
    fn a_day_without_a_price_is_unknown_and_says_which_asset() {
        let mut buy = entry(1, 1, A, Kind::Trade);
        buy.sent = usd("40000");
        buy.received = btc("1");
        let p = prices(&[(1, "40000"), (3, "41000")]);
        let h = value_history(&[buy], &|_| true, &p, day(1), day(3));
        assert_eq!(h[1].day.value, None);
        assert_eq!(h[1].unpriced, vec![BTC]);
        assert_eq!(
            twr(&h.iter().map(|v| v.day.clone()).collect::<Vec<_>>()).cumulative,
            None
        );
    }

    #[test]
    fn a_sale_for_dollars_is_money_out_net_of_its_fee_and_income_is_return() {
        let mut buy = entry(1, 1, A, Kind::Trade);
        buy.sent = usd("100");
        buy.received = btc("1");
        let mut income = entry(2, 2, A, Kind::Income);
        income.received = btc("0.1");
        income.value_usd = Some(d("10"));
        income.income_kind = Some("staking".into());
        let mut sale = entry(3, 3, A, Kind::Trade);
        sale.sent = btc("1.1");
        sale.received = usd("110");
        sale.fee = usd("1");
        let p = prices(&[(1, "100"), (2, "100"), (3, "100")]);
        let h = value_history(&[buy, income, sale], &|_| true, &p, day(1), day(3));
        assert_eq!(h[1].day.inflow, d("0"));
        assert_eq!(h[1].day.value, Some(d("110")));
        // Money out 110, money in 1 (the fee paid from outside).
        assert_eq!((h[2].day.inflow, h[2].day.outflow), (d("1"), d("110")));
        assert_eq!(h[2].day.value, Some(d("0")));
    }
}
