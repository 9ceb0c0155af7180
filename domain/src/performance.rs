//! Value history from the ledger: what a set of accounts (one account, a portfolio's, or all of
//! them) held at the end of each UTC day, valued at that day's price, with the money that came
//! in and went out, ready for [`crate::returns`]; and the same per asset, so each asset's
//! part in the result can be shown. The rules, numbered:
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
//! 5. Money put into one asset ([`asset_flows`]): rule 3's flows, each on the asset it bought
//!    or sold (a dollar fee on the asset bought, else on the asset sold), plus a
//!    crypto-for-crypto trade as money out of the asset sent and into the asset received, both
//!    at the trade's value: its `value_usd` as the ledger holds it, else the received (then the
//!    sent) quantity at the day's price. Summed over the assets these are rule 3's flows, so
//!    the assets' profits add up to the set's profit. An asset held (not 0) on a day without
//!    its price, or moved without a value, is incomplete: its figures are unknown, never 0.
//! 6. An account without a ledger is valued from its stored daily holdings ([`HeldDays`]): its
//!    holdings on a day are the lines stored for that day; a change in quantity from the day
//!    before is money in (more) or out (less) at the day's price, whatever caused it (so
//!    income there shows as money in, not as return). Before its first stored day it holds
//!    nothing; a later day without stored lines is unknown (the end-of-day job did not run, or
//!    the account held nothing: the two cannot be told apart, so nothing is guessed).
//! 7. An account with neither a ledger nor stored holdings makes every day unknown.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::ledger::{Asset, Entry, Kind, Side};
use crate::returns::Day;

/// Prices by asset and day.
pub trait DailyPrices {
    fn price(&self, asset: Uuid, day: NaiveDate) -> Option<Decimal>;

    /// `len` days of an asset's prices from `from`, one per day.
    fn closes(&self, asset: Uuid, from: NaiveDate, len: usize) -> Vec<Option<Decimal>> {
        (0..len)
            .map(|i| self.price(asset, from + Duration::days(i as i64)))
            .collect()
    }
}

impl DailyPrices for HashMap<(Uuid, NaiveDate), Decimal> {
    fn price(&self, asset: Uuid, day: NaiveDate) -> Option<Decimal> {
        self.get(&(asset, day)).copied()
    }
}

/// Daily prices of consecutive days, one vector per asset indexed by day: compact (no key per
/// price) and read without hashing a day.
#[derive(Debug, Clone)]
pub struct PriceGrid {
    first: NaiveDate,
    len: usize,
    rows: HashMap<Uuid, Vec<Option<Decimal>>>,
}

impl PriceGrid {
    /// An empty grid of the days `first..=last`.
    pub fn new(first: NaiveDate, last: NaiveDate) -> Self {
        let len = usize::try_from((last - first).num_days() + 1).unwrap_or(0);
        PriceGrid {
            first,
            len,
            rows: HashMap::new(),
        }
    }

    fn offset(&self, day: NaiveDate) -> Option<usize> {
        usize::try_from((day - self.first).num_days())
            .ok()
            .filter(|i| *i < self.len)
    }

    /// Sets a price; a day outside the grid is ignored.
    pub fn insert(&mut self, asset: Uuid, day: NaiveDate, price: Decimal) {
        if let Some(i) = self.offset(day) {
            let len = self.len;
            self.rows.entry(asset).or_insert_with(|| vec![None; len])[i] = Some(price);
        }
    }
}

impl DailyPrices for PriceGrid {
    fn price(&self, asset: Uuid, day: NaiveDate) -> Option<Decimal> {
        self.rows
            .get(&asset)?
            .get(self.offset(day)?)
            .copied()
            .flatten()
    }

    fn closes(&self, asset: Uuid, from: NaiveDate, len: usize) -> Vec<Option<Decimal>> {
        let Some(row) = self.rows.get(&asset) else {
            return vec![None; len];
        };
        let start = (from - self.first).num_days();
        (0..len as i64)
            .map(|i| {
                usize::try_from(start + i)
                    .ok()
                    .and_then(|o| row.get(o).copied().flatten())
            })
            .collect()
    }
}

/// A day of a set of accounts, with what made it unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValuedDay {
    pub day: Day,
    /// Assets held (or moved in or out) that day with no price.
    pub unpriced: Vec<Uuid>,
    /// Accounts whose holdings that day are not known (rules 6 and 7).
    pub unread: Vec<Uuid>,
}

/// An account without a ledger: its stored daily holdings (rule 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldDays {
    pub account: Uuid,
    /// The first day ever stored for the account (it may be before the range).
    pub first_day: NaiveDate,
    /// The stored days in the range, oldest first: each asset held and its quantity (net of
    /// debt: a borrowed asset is negative).
    pub days: Vec<(NaiveDate, Vec<(Uuid, Decimal)>)>,
}

/// The accounts of a set, by how their days are known.
pub struct Scope<'a> {
    /// Ledger entries (every entry of the user: a transfer needs both halves).
    pub entries: &'a [Entry],
    /// Whether an account is in the set.
    pub inside: &'a dyn Fn(Uuid) -> bool,
    /// Accounts of the set valued from stored daily holdings (rule 6).
    pub held: &'a [HeldDays],
    /// Accounts of the set with neither a ledger nor stored holdings (rule 7).
    pub unread: &'a [Uuid],
}

/// One asset over the range (rule 5): the range's first day is the one after `from` (the
/// opening day, whose close is the starting value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetMoves {
    pub asset: Uuid,
    /// Held at the opening day's close; `None` when incomplete.
    pub start_value: Option<Decimal>,
    /// Held at the last day's close; `None` when incomplete.
    pub end_value: Option<Decimal>,
    /// Money put into the asset in the range (in − out); `None` when incomplete.
    pub net_flows: Option<Decimal>,
    /// A price or a value it needed is missing (or an account holding it was not read).
    pub incomplete: bool,
}

impl AssetMoves {
    /// End − start − net flows; `None` when incomplete.
    pub fn profit(&self) -> Option<Decimal> {
        Some(self.end_value? - self.start_value? - self.net_flows?)
    }
}

/// The days of a set, and its assets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub days: Vec<ValuedDay>,
    pub assets: Vec<AssetMoves>,
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

/// Rule 5 for one entry: money put into each asset it moved (out is negative), `None` where
/// the value needs a price the day does not have.
pub fn asset_flows(
    e: &Entry,
    inside: &dyn Fn(Uuid) -> bool,
    other_half: Option<&Entry>,
    price: &dyn Fn(Uuid) -> Option<Decimal>,
) -> Vec<(Uuid, Option<Decimal>)> {
    let mut out = Vec::new();
    if !inside(e.account) {
        return out;
    }
    let usd = |s: &Option<Side>| {
        s.filter(|s| s.asset == Asset::Usd)
            .map_or(Decimal::ZERO, |s| s.quantity)
    };
    let listed = |s: &Option<Side>| s.and_then(|s| s.asset.listed().map(|a| (a, s.quantity)));
    let at_price = |(a, q): (Uuid, Decimal)| price(a).map(|p| q * p);
    let (sent, received) = (listed(&e.sent), listed(&e.received));
    match e.kind {
        Kind::Trade => {
            let fee = usd(&e.fee);
            match (sent, received) {
                (None, Some((a, _))) => out.push((a, Some(usd(&e.sent) + fee))),
                (Some((a, _)), None) => out.push((a, Some(fee - usd(&e.received)))),
                (Some(x), Some(y)) => {
                    let value = e.value_usd.or_else(|| at_price(y)).or_else(|| at_price(x));
                    out.push((x.0, value.map(|v| -v)));
                    out.push((y.0, value.map(|v| v + fee)));
                }
                (None, None) => {}
            }
        }
        Kind::Spend => {
            if let Some(x) = sent {
                out.push((x.0, e.value_usd.or_else(|| at_price(x)).map(|v| -v)));
            }
        }
        Kind::Deposit => {
            if let Some(y) = received.filter(|_| !other_half.is_some_and(|w| inside(w.account))) {
                out.push((y.0, at_price(y)));
            }
        }
        Kind::Withdrawal => {
            if let Some(x) = sent.filter(|_| !other_half.is_some_and(|d| inside(d.account))) {
                out.push((x.0, at_price(x).map(|v| -v)));
            }
        }
        Kind::Income | Kind::Fee => {}
    }
    out
}

/// Dense indices of the assets a history touches.
#[derive(Default)]
struct AssetIndex {
    of: HashMap<Uuid, usize>,
    ids: Vec<Uuid>,
}

impl AssetIndex {
    fn at(&mut self, asset: Uuid) -> usize {
        let ids = &mut self.ids;
        *self.of.entry(asset).or_insert_with(|| {
            ids.push(asset);
            ids.len() - 1
        })
    }
}

/// What is known of one asset while the days are walked.
#[derive(Default, Clone)]
struct AssetAcc {
    start: Decimal,
    end: Decimal,
    flows: Decimal,
    incomplete: bool,
    touched: bool,
}

/// Rules 1 to 4: each day from `from` to `to` (inclusive) of the ledger accounts `inside`
/// says are in the set.
pub fn value_history(
    entries: &[Entry],
    inside: &dyn Fn(Uuid) -> bool,
    prices: &dyn DailyPrices,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<ValuedDay> {
    let scope = Scope {
        entries,
        inside,
        held: &[],
        unread: &[],
    };
    history(&scope, prices, from, to).days
}

/// Rules 1 to 7: each day from `from` (the opening day) to `to` (inclusive) of the set, and
/// each asset held or moved after the opening day.
pub fn history(scope: &Scope, prices: &dyn DailyPrices, from: NaiveDate, to: NaiveDate) -> History {
    let inside = scope.inside;
    let n_days = usize::try_from((to - from).num_days() + 1).unwrap_or(0);
    let mut sorted: Vec<&Entry> = scope.entries.iter().filter(|e| inside(e.account)).collect();
    sorted.sort_by_key(|e| (e.at, e.id));
    let mut halves: HashMap<Uuid, Vec<&Entry>> = HashMap::new();
    for e in scope.entries {
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

    // Every asset once, with its prices for the range read once (a vector per asset).
    let mut index = AssetIndex::default();
    for e in &sorted {
        for side in [e.sent, e.received, e.fee].into_iter().flatten() {
            if let Some(a) = side.asset.listed() {
                index.at(a);
            }
        }
    }
    for h in scope.held {
        for (_, lines) in &h.days {
            for (a, _) in lines {
                index.at(*a);
            }
        }
    }
    let closes: Vec<Vec<Option<Decimal>>> = index
        .ids
        .iter()
        .map(|a| prices.closes(*a, from, n_days))
        .collect();
    let n_assets = index.ids.len();
    let mut held = vec![Decimal::ZERO; n_assets];
    let mut acc = vec![AssetAcc::default(); n_assets];
    // Each held account's quantities as last stored, and where it is in its days.
    let mut states: Vec<HashMap<usize, Decimal>> = vec![HashMap::new(); scope.held.len()];
    let mut cursors = vec![0usize; scope.held.len()];
    let mut gaps = vec![false; scope.held.len()];

    let mut next = 0;
    let mut out = Vec::with_capacity(n_days);
    // `i` indexes the day in every asset's closes, not one slice.
    #[allow(clippy::needless_range_loop)]
    for i in 0..n_days {
        let day = from + Duration::days(i as i64);
        let price = |a: usize| closes[a][i];
        let (mut inflow, mut outflow) = (Decimal::ZERO, Decimal::ZERO);
        let mut unpriced: BTreeSet<usize> = BTreeSet::new();
        let mut unread: Vec<Uuid> = scope.unread.to_vec();
        while next < sorted.len() && sorted[next].at.date_naive() <= day {
            let e = sorted[next];
            next += 1;
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
                    let k = index.of[a];
                    held[k] += sign * quantity;
                    // Moved in the range (the opening day only opens it).
                    acc[k].touched |= i > 0 && e.at.date_naive() == day;
                }
            }
            // Flows count on the day they happen; entries before `from` only build holdings.
            if e.at.date_naive() < from {
                continue;
            }
            let half = other_half(e);
            let (usd_in, usd_out, crypto_in, crypto_out) = flows_of(e, inside, half);
            inflow += usd_in;
            outflow += usd_out;
            for (legs, total) in [(crypto_in, &mut inflow), (crypto_out, &mut outflow)] {
                for leg in legs {
                    if let Asset::Listed(a) = leg.asset {
                        let k = index.of[&a];
                        match price(k) {
                            Some(p) => *total += leg.quantity * p,
                            None => {
                                unpriced.insert(k);
                            }
                        }
                    }
                }
            }
            if i > 0 {
                let by_id = |a: Uuid| index.of.get(&a).and_then(|k| price(*k));
                for (a, v) in asset_flows(e, inside, half, &by_id) {
                    let k = index.of[&a];
                    match v {
                        Some(v) => acc[k].flows += v,
                        None => acc[k].incomplete = true,
                    }
                }
            }
        }
        for (n, h) in scope.held.iter().enumerate() {
            let stored = h.days.get(cursors[n]).filter(|(d, _)| *d == day);
            let Some((_, lines)) = stored else {
                if day >= h.first_day {
                    unread.push(h.account);
                    gaps[n] = true;
                }
                continue;
            };
            cursors[n] += 1;
            let mut now: HashMap<usize, Decimal> = HashMap::new();
            for (a, q) in lines {
                *now.entry(index.of[a]).or_default() += *q;
            }
            let mut changed: Vec<(usize, Decimal)> = now
                .iter()
                .map(|(k, q)| (*k, *q - states[n].get(k).copied().unwrap_or_default()))
                .collect();
            changed.extend(
                states[n]
                    .iter()
                    .filter(|(k, _)| !now.contains_key(k))
                    .map(|(k, q)| (*k, -*q)),
            );
            for (k, delta) in changed.into_iter().filter(|(_, d)| !d.is_zero()) {
                held[k] += delta;
                acc[k].touched |= i > 0;
                match price(k) {
                    Some(p) => {
                        let v = delta * p;
                        if v > Decimal::ZERO {
                            inflow += v;
                        } else {
                            outflow -= v;
                        }
                        if i > 0 {
                            acc[k].flows += v;
                        }
                    }
                    None => {
                        unpriced.insert(k);
                    }
                }
            }
            states[n] = now;
        }
        let mut value = Decimal::ZERO;
        for (k, q) in held.iter().enumerate() {
            if q.is_zero() {
                continue;
            }
            acc[k].touched = true;
            match price(k) {
                Some(p) => {
                    let v = q * p;
                    value += v;
                    if i == 0 {
                        acc[k].start = v;
                    }
                    if i + 1 == n_days {
                        acc[k].end = v;
                    }
                }
                None => {
                    unpriced.insert(k);
                }
            }
        }
        for k in &unpriced {
            acc[*k].incomplete = true;
        }
        out.push(ValuedDay {
            day: Day {
                date: day,
                value: (unpriced.is_empty() && unread.is_empty()).then_some(value),
                inflow,
                outflow,
            },
            unpriced: unpriced.into_iter().map(|k| index.ids[k]).collect(),
            unread,
        });
    }
    // An account missing a day leaves every asset it held unknown.
    for (n, h) in scope.held.iter().enumerate() {
        if gaps[n] {
            for (_, lines) in &h.days {
                for (a, _) in lines {
                    acc[index.of[a]].incomplete = true;
                }
            }
        }
    }
    let assets = index
        .ids
        .iter()
        .zip(acc)
        .filter(|(_, a)| a.touched)
        .map(|(id, a)| AssetMoves {
            asset: *id,
            start_value: (!a.incomplete).then_some(a.start),
            end_value: (!a.incomplete).then_some(a.end),
            net_flows: (!a.incomplete).then_some(a.flows),
            incomplete: a.incomplete,
        })
        .collect();
    History { days: out, assets }
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

    const ETH: Uuid = Uuid::from_u128(101);

    fn eth(q: &str) -> Option<Side> {
        Some(Side {
            asset: Asset::Listed(ETH),
            quantity: d(q),
        })
    }

    fn both(list: &[(u32, &str, &str)]) -> PriceGrid {
        let mut g = PriceGrid::new(day(1), day(31));
        for (n, b, e) in list {
            g.insert(BTC, day(*n), d(b));
            g.insert(ETH, day(*n), d(e));
        }
        g
    }

    fn scope<'a>(entries: &'a [Entry], held: &'a [HeldDays], unread: &'a [Uuid]) -> Scope<'a> {
        Scope {
            entries,
            inside: &|_| true,
            held,
            unread,
        }
    }

    #[test]
    fn each_assets_profit_adds_up_to_the_sets_and_a_swap_moves_money_between_assets() {
        let mut buy = entry(1, 2, A, Kind::Trade);
        buy.sent = usd("100");
        buy.received = btc("1");
        buy.fee = usd("1");
        // BTC for ETH at the ledger's value (120), a little above the day's price.
        let mut swap = entry(2, 3, A, Kind::Trade);
        swap.sent = btc("0.5");
        swap.received = eth("6");
        swap.value_usd = Some(d("60"));
        let mut sale = entry(3, 4, A, Kind::Trade);
        sale.sent = eth("2");
        sale.received = usd("45");
        sale.fee = usd("0.5");
        let p = both(&[
            (1, "100", "10"),
            (2, "100", "10"),
            (3, "110", "10"),
            (4, "120", "20"),
        ]);
        let entries = [buy, swap, sale];
        let h = history(&scope(&entries, &[], &[]), &p, day(1), day(4));
        let btc_row = h.assets.iter().find(|a| a.asset == BTC).unwrap();
        let eth_row = h.assets.iter().find(|a| a.asset == ETH).unwrap();
        // BTC: 101 in, 60 out by the swap, 0.5 BTC left at 120.
        assert_eq!(btc_row.net_flows, Some(d("41")));
        assert_eq!(btc_row.end_value, Some(d("60")));
        assert_eq!(btc_row.profit(), Some(d("19")));
        // ETH: 60 in by the swap, 44.5 out by the sale (45 less the 0.5 fee), 4 ETH at 20.
        assert_eq!(eth_row.net_flows, Some(d("15.5")));
        assert_eq!(eth_row.profit(), Some(d("64.5")));
        let money_in: Decimal = h.days[1..].iter().map(|v| v.day.inflow).sum();
        let money_out: Decimal = h.days[1..].iter().map(|v| v.day.outflow).sum();
        let end = h.days.last().unwrap().day.value.unwrap();
        assert_eq!(
            btc_row.profit().unwrap() + eth_row.profit().unwrap(),
            end - (money_in - money_out)
        );
    }

    #[test]
    fn an_asset_without_a_price_on_a_day_it_is_held_has_no_figures() {
        let mut buy = entry(1, 2, A, Kind::Trade);
        buy.sent = usd("100");
        buy.received = btc("1");
        let mut other = entry(2, 2, A, Kind::Trade);
        other.sent = usd("10");
        other.received = eth("1");
        let mut p = both(&[(1, "100", "10"), (2, "100", "10"), (4, "120", "20")]);
        p.insert(ETH, day(3), d("15"));
        let entries = [buy, other];
        let h = history(&scope(&entries, &[], &[]), &p, day(1), day(4));
        let btc_row = h.assets.iter().find(|a| a.asset == BTC).unwrap();
        assert!(btc_row.incomplete);
        assert_eq!(
            (btc_row.start_value, btc_row.net_flows, btc_row.profit()),
            (None, None, None)
        );
        let eth_row = h.assets.iter().find(|a| a.asset == ETH).unwrap();
        assert!(!eth_row.incomplete);
        assert_eq!(eth_row.profit(), Some(d("10")));
    }

    #[test]
    fn an_account_without_a_ledger_is_valued_from_its_stored_days_and_changes_are_flows() {
        let held = [HeldDays {
            account: B,
            first_day: day(2),
            days: vec![
                (day(2), vec![(BTC, d("1"))]),
                (day(3), vec![(BTC, d("1")), (ETH, d("2"))]),
                (day(4), vec![(ETH, d("2"))]),
            ],
        }];
        let p = both(&[
            (1, "100", "10"),
            (2, "100", "10"),
            (3, "110", "10"),
            (4, "120", "20"),
        ]);
        let h = history(&scope(&[], &held, &[]), &p, day(1), day(4));
        let values: Vec<_> = h.days.iter().map(|v| v.day.value).collect();
        assert_eq!(
            values,
            vec![Some(d("0")), Some(d("100")), Some(d("130")), Some(d("40"))]
        );
        assert_eq!(h.days[1].day.inflow, d("100"));
        assert_eq!(h.days[2].day.inflow, d("20"));
        assert_eq!(h.days[3].day.outflow, d("120"));
        // Only the price moves are return: BTC +20 (100 → 120), ETH +20 (10 → 20).
        let eth_row = h.assets.iter().find(|a| a.asset == ETH).unwrap();
        assert_eq!(eth_row.profit(), Some(d("20")));

        // A missing stored day after the first is unknown, and so are the account's assets.
        let mut gap = held.clone();
        gap[0].days.remove(1);
        let h = history(&scope(&[], &gap, &[]), &p, day(1), day(4));
        assert_eq!(h.days[2].day.value, None);
        assert_eq!(h.days[2].unread, vec![B]);
        assert!(h
            .assets
            .iter()
            .all(|a| a.incomplete && a.profit().is_none()));

        // An account with neither a ledger nor stored days: every day unknown.
        let h = history(&scope(&[], &held, &[A]), &p, day(1), day(4));
        assert!(h
            .days
            .iter()
            .all(|v| v.day.value.is_none() && v.unread == vec![A]));
    }
}
