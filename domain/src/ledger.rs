//! The ledger: what happened in each account (trades, deposits, withdrawals, transfers between
//! the user's own accounts, income, spending, fees), and how it becomes cost-basis
//! [`Event`]s. The conventions, numbered (each is a function below):
//!
//! 1. An entry's amounts are what left (`sent`), what came in (`received`) and the fee, each
//!    a positive quantity of one asset: a catalog asset or US dollars. The fee is not part of
//!    `sent` or `received`: the account's balance changes by `received − sent − fee`.
//! 2. A trade's value is the dollars on one side when a side is in dollars, else `value_usd`
//!    as given (a CSV's "net worth", or what the user enters). Without either it is unvalued:
//!    its assets' gains are incomplete ([`Gap::NoValue`]), never guessed.
//! 3. A fee's value is `fee_value_usd` as given, the fee itself when paid in dollars, or its
//!    share of the trade's value when paid in the asset sent or received. A fee paid in a
//!    crypto asset is a disposal of that asset at that value.
//! 4. A fee adds to the cost of what a buy or a crypto-for-crypto trade acquires; it comes off
//!    the proceeds of a sale for dollars or a spend. (Counted once, never both.)
//! 5. A transfer between two of the user's own accounts is a withdrawal and a deposit sharing
//!    a transfer id: the received quantity moves with its cost and holding period; what was
//!    sent beyond it (and any explicit fee) is a network fee, a disposal at its value.
//! 6. A deposit from outside the Butler's accounts adds a lot at `value_usd`, its cost basis;
//!    without one the asset's gains are incomplete ([`Gap::NoCostBasis`]). A withdrawal to
//!    outside (not matched as a transfer) takes its lots away with no gain.
//! 7. Income (staking, interest, airdrop, mining, reward) is acquired at its value when
//!    received and listed as income; without a value it is a gap.
//! 8. Entries are applied in time order; at the same instant, in the order of their ids.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cost_basis::{Event, EventKind, SPLIT_DP};

/// What kind of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Trade,
    Deposit,
    Withdrawal,
    Income,
    Spend,
    Fee,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Trade,
        Kind::Deposit,
        Kind::Withdrawal,
        Kind::Income,
        Kind::Spend,
        Kind::Fee,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Trade => "trade",
            Kind::Deposit => "deposit",
            Kind::Withdrawal => "withdrawal",
            Kind::Income => "income",
            Kind::Spend => "spend",
            Kind::Fee => "fee",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// The kinds of income a reward can be.
pub const INCOME_KINDS: [&str; 5] = ["staking", "interest", "airdrop", "mining", "reward"];

/// A catalog asset, or US dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Asset {
    Usd,
    Listed(Uuid),
}

impl Asset {
    pub fn listed(self) -> Option<Uuid> {
        match self {
            Asset::Usd => None,
            Asset::Listed(id) => Some(id),
        }
    }
}

/// A positive quantity of one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    pub asset: Asset,
    pub quantity: Decimal,
}

/// One ledger entry, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: Uuid,
    pub account: Uuid,
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub sent: Option<Side>,
    pub received: Option<Side>,
    pub fee: Option<Side>,
    pub value_usd: Option<Decimal>,
    pub fee_value_usd: Option<Decimal>,
    pub income_kind: Option<String>,
    /// Shared by the withdrawal and the deposit of a transfer between own accounts.
    pub transfer: Option<Uuid>,
}

/// Why an entry cannot be read: `(field, message)` pairs.
pub fn check(e: &Entry) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let mut need = |field: &'static str, side: &Option<Side>, wanted: bool| match (side, wanted) {
        (None, true) => errors.push((field, format!("is required for a {}", e.kind.as_str()))),
        (Some(_), false) => errors.push((field, format!("is not part of a {}", e.kind.as_str()))),
        _ => {}
    };
    let (sent, received) = match e.kind {
        Kind::Trade => (true, true),
        Kind::Deposit | Kind::Income => (false, true),
        Kind::Withdrawal | Kind::Spend | Kind::Fee => (true, false),
    };
    need("sent", &e.sent, sent);
    need("received", &e.received, received);
    for (field, side) in [
        ("sent", &e.sent),
        ("received", &e.received),
        ("fee", &e.fee),
    ] {
        if let Some(s) = side {
            if s.quantity <= Decimal::ZERO {
                errors.push((field, "quantity must be more than 0".to_string()));
            }
        }
    }
    if let (Some(s), Some(r)) = (&e.sent, &e.received) {
        if s.asset == r.asset {
            errors.push(("received", "must be another asset than the one sent".into()));
        }
    }
    if e.kind != Kind::Trade {
        for (field, side) in [("sent", &e.sent), ("received", &e.received)] {
            if side.is_some_and(|s| s.asset == Asset::Usd) {
                errors.push((
                    field,
                    format!(
                        "US dollars are not held in the ledger; a {} moves a crypto asset",
                        e.kind.as_str()
                    ),
                ));
            }
        }
    }
    for (field, v) in [
        ("value_usd", e.value_usd),
        ("fee_value_usd", e.fee_value_usd),
    ] {
        if v.is_some_and(|v| v < Decimal::ZERO) {
            errors.push((field, "must be zero or more".into()));
        }
    }
    if e.fee_value_usd.is_some() && e.fee.is_none() {
        errors.push(("fee_value_usd", "is given without a fee".into()));
    }
    match (&e.kind, &e.income_kind) {
        (Kind::Income, None) => errors.push((
            "income_kind",
            format!("is required for income: one of {}", INCOME_KINDS.join(", ")),
        )),
        (Kind::Income, Some(k)) if !INCOME_KINDS.contains(&k.as_str()) => errors.push((
            "income_kind",
            format!("must be one of {}", INCOME_KINDS.join(", ")),
        )),
        (Kind::Income, Some(_)) => {}
        (_, Some(_)) => errors.push(("income_kind", "is only for income".into())),
        (_, None) => {}
    }
    if e.transfer.is_some() && !matches!(e.kind, Kind::Deposit | Kind::Withdrawal) {
        errors.push((
            "transfer",
            "only a withdrawal and a deposit make a transfer".into(),
        ));
    }
    errors
}

/// Why an asset's gains are incomplete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GapReason {
    /// A trade, fee, income or spend with no dollar value (convention 2, 3 or 7).
    NoValue,
    /// A deposit from outside with no cost basis (convention 6).
    NoCostBasis,
}

/// An entry that leaves an asset's gains incomplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub entry: Uuid,
    pub account: Uuid,
    pub asset: Uuid,
    pub reason: GapReason,
}

/// A ledger reduced to what cost basis needs.
#[derive(Debug, Clone, Default)]
pub struct Reduced {
    pub events: Vec<Event>,
    pub gaps: Vec<Gap>,
    /// What the ledger says each account holds of each asset.
    pub balances: BTreeMap<(Uuid, Uuid), Decimal>,
}

/// Reduces entries (in any order) to events in time order (convention 8).
pub fn reduce(entries: &[Entry]) -> Reduced {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| (e.at, e.id));
    let pairs = transfer_pairs(&sorted);
    let mut out = Reduced::default();
    for e in &sorted {
        add_balances(&mut out.balances, e);
        let mut r = Reducer { out: &mut out, e };
        match e.kind {
            Kind::Trade => r.trade(),
            Kind::Income => r.income(),
            Kind::Spend | Kind::Fee => r.spend(),
            Kind::Deposit => match e.transfer.and_then(|t| pairs.get(&t)) {
                // Its withdrawal moves the lots (convention 5).
                Some(_) => {}
                None => r.deposit(),
            },
            Kind::Withdrawal => match e.transfer.and_then(|t| pairs.get(&t)) {
                Some((_, deposit)) => r.transfer(deposit),
                None => r.withdrawal(),
            },
        }
    }
    out
}

/// The withdrawal and the deposit of each complete transfer of one asset, deposit no larger
/// than the withdrawal (anything else is read as two unmatched entries).
fn transfer_pairs<'a>(sorted: &[&'a Entry]) -> HashMap<Uuid, (&'a Entry, &'a Entry)> {
    let mut halves: HashMap<Uuid, (Option<&Entry>, Option<&Entry>)> = HashMap::new();
    for e in sorted {
        if let Some(t) = e.transfer {
            let slot = halves.entry(t).or_default();
            match e.kind {
                Kind::Withdrawal => slot.0 = Some(e),
                Kind::Deposit => slot.1 = Some(e),
                _ => {}
            }
        }
    }
    halves
        .into_iter()
        .filter_map(|(t, pair)| match pair {
            (Some(w), Some(d)) => {
                let (s, r) = (w.sent?, d.received?);
                (s.asset == r.asset && r.quantity <= s.quantity).then_some((t, (w, d)))
            }
            _ => None,
        })
        .collect()
}

/// Convention 1.
fn add_balances(balances: &mut BTreeMap<(Uuid, Uuid), Decimal>, e: &Entry) {
    let mut add = |side: &Option<Side>, sign: Decimal| {
        if let Some(Side {
            asset: Asset::Listed(asset),
            quantity,
        }) = side
        {
            *balances.entry((e.account, *asset)).or_default() += sign * quantity;
        }
    };
    add(&e.received, Decimal::ONE);
    add(&e.sent, Decimal::NEGATIVE_ONE);
    add(&e.fee, Decimal::NEGATIVE_ONE);
}

/// `part / whole` of `value`, rounded like the cost-basis splits.
fn share(value: Decimal, part: Decimal, whole: Decimal) -> Decimal {
    if part == whole {
        value
    } else {
        (value * part / whole).round_dp_with_strategy(
            SPLIT_DP,
            rust_decimal::RoundingStrategy::MidpointNearestEven,
        )
    }
}

struct Reducer<'a> {
    out: &'a mut Reduced,
    e: &'a Entry,
}

impl Reducer<'_> {
    fn push(&mut self, kind: EventKind) {
        self.out.events.push(Event {
            id: self.e.id.to_string(),
            at: self.e.at,
            kind,
        });
    }

    fn gap(&mut self, asset: Asset, reason: GapReason) {
        if let Asset::Listed(asset) = asset {
            self.out.gaps.push(Gap {
                entry: self.e.id,
                account: self.e.account,
                asset,
                reason,
            });
        }
    }

    fn gap_all(&mut self) {
        for side in [self.e.sent, self.e.received, self.e.fee]
            .into_iter()
            .flatten()
        {
            self.gap(side.asset, GapReason::NoValue);
        }
    }

    /// Convention 2.
    fn trade_value(&self) -> Option<Decimal> {
        let e = self.e;
        [e.sent, e.received]
            .into_iter()
            .flatten()
            .find(|s| s.asset == Asset::Usd)
            .map(|s| s.quantity)
            .or(e.value_usd)
    }

    /// Convention 3: `Some(0)` when there is no fee.
    fn fee_value(&self, value: Option<Decimal>) -> Option<Decimal> {
        let e = self.e;
        let Some(fee) = e.fee else {
            return Some(Decimal::ZERO);
        };
        if let Some(v) = e.fee_value_usd {
            return Some(v);
        }
        if fee.asset == Asset::Usd {
            return Some(fee.quantity);
        }
        let value = value?;
        [e.sent, e.received]
            .into_iter()
            .flatten()
            .find(|s| s.asset == fee.asset)
            .map(|s| share(value, fee.quantity, s.quantity))
    }

    /// Convention 3: a fee paid in crypto is a disposal of it.
    fn dispose_fee(&mut self, fee_value: Decimal) {
        if let Some(Side {
            asset: Asset::Listed(asset),
            quantity,
        }) = self.e.fee
        {
            self.push(EventKind::Dispose {
                account: self.e.account,
                asset,
                quantity,
                proceeds_usd: fee_value,
            });
        }
    }

    /// Conventions 2 to 4.
    fn trade(&mut self) {
        let (Some(sent), Some(received)) = (self.e.sent, self.e.received) else {
            return;
        };
        let value = self.trade_value();
        let (Some(value), Some(fee_value)) = (value, self.fee_value(value)) else {
            return self.gap_all();
        };
        let account = self.e.account;
        let sale = received.asset == Asset::Usd;
        if let Asset::Listed(asset) = sent.asset {
            let proceeds_usd = if sale { value - fee_value } else { value };
            self.push(EventKind::Dispose {
                account,
                asset,
                quantity: sent.quantity,
                proceeds_usd,
            });
        }
        if let Asset::Listed(asset) = received.asset {
            self.push(EventKind::Acquire {
                account,
                asset,
                quantity: received.quantity,
                cost_usd: value + fee_value,
                income: None,
            });
        }
        self.dispose_fee(fee_value);
    }

    /// Convention 7.
    fn income(&mut self) {
        let Some(Side {
            asset: Asset::Listed(asset),
            quantity,
        }) = self.e.received
        else {
            return;
        };
        let value = self.e.value_usd;
        let (Some(value), Some(fee_value)) = (value, self.fee_value(value)) else {
            return self.gap_all();
        };
        self.push(EventKind::Acquire {
            account: self.e.account,
            asset,
            quantity,
            cost_usd: value,
            income: Some(
                self.e
                    .income_kind
                    .clone()
                    .unwrap_or_else(|| "reward".into()),
            ),
        });
        self.dispose_fee(fee_value);
    }

    /// A spend (or a fee entry) is a disposal at its value, less its own fee (convention 4).
    fn spend(&mut self) {
        let Some(Side {
            asset: Asset::Listed(asset),
            quantity,
        }) = self.e.sent
        else {
            return;
        };
        let value = self.e.value_usd;
        let (Some(value), Some(fee_value)) = (value, self.fee_value(value)) else {
            return self.gap_all();
        };
        self.push(EventKind::Dispose {
            account: self.e.account,
            asset,
            quantity,
            proceeds_usd: value - fee_value,
        });
        self.dispose_fee(fee_value);
    }

    /// Convention 6, in.
    fn deposit(&mut self) {
        let Some(received) = self.e.received else {
            return;
        };
        let Asset::Listed(asset) = received.asset else {
            return;
        };
        let value = self.e.value_usd;
        let Some(cost) = value else {
            return self.gap(received.asset, GapReason::NoCostBasis);
        };
        let Some(fee_value) = self.fee_value(value) else {
            return self.gap_all();
        };
        self.push(EventKind::Acquire {
            account: self.e.account,
            asset,
            quantity: received.quantity,
            cost_usd: cost + fee_value,
            income: None,
        });
        self.dispose_fee(fee_value);
    }

    /// Convention 6, out.
    fn withdrawal(&mut self) {
        let Some(Side {
            asset: Asset::Listed(asset),
            quantity,
        }) = self.e.sent
        else {
            return;
        };
        self.push(EventKind::Remove {
            account: self.e.account,
            asset,
            quantity,
        });
        self.fee_of_a_move();
    }

    /// A withdrawal's or transfer's own fee: a disposal at its given value.
    fn fee_of_a_move(&mut self) {
        if self.e.fee.is_none() {
            return;
        }
        match self.fee_value(self.e.value_usd) {
            Some(v) => self.dispose_fee(v),
            None => {
                if let Some(fee) = self.e.fee {
                    self.gap(fee.asset, GapReason::NoValue);
                }
            }
        }
    }

    /// Convention 5: `self.e` is the withdrawal.
    fn transfer(&mut self, deposit: &Entry) {
        let (Some(sent), Some(received)) = (self.e.sent, deposit.received) else {
            return;
        };
        let Asset::Listed(asset) = sent.asset else {
            return;
        };
        self.push(EventKind::Transfer {
            from: self.e.account,
            to: deposit.account,
            asset,
            quantity: received.quantity,
        });
        let lost = sent.quantity - received.quantity;
        if !lost.is_zero() {
            // What never arrived paid the network: a disposal at its value, which is
            // `value_usd` of the withdrawal (the value of what was sent) in proportion.
            match self.e.value_usd {
                Some(v) => self.push(EventKind::Dispose {
                    account: self.e.account,
                    asset,
                    quantity: lost,
                    proceeds_usd: share(v, lost, sent.quantity),
                }),
                None => self.gap(sent.asset, GapReason::NoValue),
            }
        }
        self.fee_of_a_move();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost_basis::{compute, Method, Pooling, Term};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const A: Uuid = Uuid::from_u128(1);
    const B: Uuid = Uuid::from_u128(2);
    const BTC: Uuid = Uuid::from_u128(100);
    const ETH: Uuid = Uuid::from_u128(101);
    const BNB: Uuid = Uuid::from_u128(102);

    fn side(asset: Uuid, q: &str) -> Option<Side> {
        Some(Side {
            asset: Asset::Listed(asset),
            quantity: d(q),
        })
    }

    fn usd(q: &str) -> Option<Side> {
        Some(Side {
            asset: Asset::Usd,
            quantity: d(q),
        })
    }

    fn entry(n: u128, day: &str, kind: Kind) -> Entry {
        Entry {
            id: Uuid::from_u128(n),
            account: A,
            at: format!("{day}T12:00:00Z").parse().unwrap(),
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

    #[test]
    fn a_buy_with_a_fee_in_a_third_asset_costs_the_fee_and_disposes_of_it() {
        let mut bnb = entry(1, "2024-01-01", Kind::Trade);
        bnb.sent = usd("300");
        bnb.received = side(BNB, "1");
        let mut buy = entry(2, "2024-02-01", Kind::Trade);
        buy.sent = usd("40000");
        buy.received = side(BTC, "1");
        buy.fee = side(BNB, "0.1");
        buy.fee_value_usd = Some(d("40"));
        let mut sell = entry(3, "2024-03-01", Kind::Trade);
        sell.sent = side(BTC, "0.5");
        sell.received = usd("25000");
        sell.fee = usd("25");
        let r = reduce(&[sell, buy, bnb]);
        assert!(r.gaps.is_empty());
        let report = compute(&r.events, Method::Fifo, Pooling::PerAccount);
        let gains: Vec<_> = report
            .disposals
            .iter()
            .map(|l| (l.asset, l.gain_usd))
            .collect();
        // BNB fee: proceeds 40, basis 30; BTC: proceeds 25000 − 25, basis half of 40040.
        assert_eq!(gains, vec![(BNB, Some(d("10"))), (BTC, Some(d("4955")))]);
        assert_eq!(r.balances[&(A, BTC)], d("0.5"));
        assert_eq!(r.balances[&(A, BNB)], d("0.9"));
    }

    #[test]
    fn a_crypto_trade_without_a_value_is_a_gap_on_both_assets_not_a_guess() {
        let mut t = entry(1, "2024-01-01", Kind::Trade);
        t.sent = side(BTC, "1");
        t.received = side(ETH, "20");
        let r = reduce(&[t.clone()]);
        assert!(r.events.is_empty());
        let assets: Vec<_> = r.gaps.iter().map(|g| g.asset).collect();
        assert_eq!(assets, vec![BTC, ETH]);
        t.value_usd = Some(d("60000"));
        t.fee = side(ETH, "0.02");
        let r = reduce(&[t]);
        assert!(r.gaps.is_empty());
        // The fee in ETH is worth its share of the trade: 0.02 / 20 of 60000 = 60, added to
        // the ETH acquired and disposed of at once.
        assert_eq!(
            r.events.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
            vec![
                EventKind::Dispose {
                    account: A,
                    asset: BTC,
                    quantity: d("1"),
                    proceeds_usd: d("60000")
                },
                EventKind::Acquire {
                    account: A,
                    asset: ETH,
                    quantity: d("20"),
                    cost_usd: d("60060"),
                    income: None
                },
                EventKind::Dispose {
                    account: A,
                    asset: ETH,
                    quantity: d("0.02"),
                    proceeds_usd: d("60")
                },
            ]
        );
    }

    #[test]
    fn a_transfer_moves_basis_and_holding_period_and_its_shortfall_is_a_fee_disposal() {
        let mut buy = entry(1, "2023-01-10", Kind::Trade);
        buy.sent = usd("20000");
        buy.received = side(BTC, "1");
        let t = Uuid::from_u128(77);
        let mut w = entry(2, "2023-06-01", Kind::Withdrawal);
        w.sent = side(BTC, "1");
        w.value_usd = Some(d("27000"));
        w.transfer = Some(t);
        let mut dep = entry(3, "2023-06-01", Kind::Deposit);
        dep.account = B;
        dep.received = side(BTC, "0.9999");
        dep.transfer = Some(t);
        let mut sell = entry(4, "2024-02-01", Kind::Trade);
        sell.account = B;
        sell.sent = side(BTC, "0.9999");
        sell.received = usd("42000");
        let r = reduce(&[buy, w, dep, sell]);
        assert!(r.gaps.is_empty(), "{:?}", r.gaps);
        let report = compute(&r.events, Method::Fifo, Pooling::PerAccount);
        // The network fee: 0.0001 BTC worth 2.7, costing 2; the sale from B keeps the lot's
        // 2023-01-10 date: held more than a year, long term.
        let lines: Vec<_> = report
            .disposals
            .iter()
            .map(|l| (l.account, l.quantity, l.gain_usd, l.term))
            .collect();
        assert_eq!(
            lines,
            vec![
                (A, d("0.0001"), Some(d("0.7")), Some(Term::Short)),
                (B, d("0.9999"), Some(d("22002")), Some(Term::Long)),
            ]
        );
        assert_eq!(r.balances[&(A, BTC)], d("0"));
        assert_eq!(r.balances[&(B, BTC)], d("0"));
    }

    #[test]
    fn a_deposit_from_outside_without_cost_is_a_gap_and_a_withdrawal_out_takes_lots_without_gain() {
        let mut dep = entry(1, "2024-01-01", Kind::Deposit);
        dep.received = side(ETH, "2");
        let r = reduce(&[dep.clone()]);
        assert_eq!(r.gaps[0].reason, GapReason::NoCostBasis);
        dep.value_usd = Some(d("4000"));
        let mut out = entry(2, "2024-02-01", Kind::Withdrawal);
        out.sent = side(ETH, "1.5");
        let mut sell = entry(3, "2024-03-01", Kind::Trade);
        sell.sent = side(ETH, "0.5");
        sell.received = usd("1500");
        let r = reduce(&[dep, out, sell]);
        assert!(r.gaps.is_empty());
        let report = compute(&r.events, Method::Fifo, Pooling::PerAccount);
        assert_eq!(report.disposals.len(), 1);
        assert_eq!(report.disposals[0].gain_usd, Some(d("500")));
    }

    #[test]
    fn income_is_acquired_at_its_value_and_listed() {
        let mut i = entry(1, "2024-01-01", Kind::Income);
        i.received = side(ETH, "0.01");
        i.income_kind = Some("staking".into());
        let r = reduce(&[i.clone()]);
        assert_eq!(r.gaps.len(), 1);
        i.value_usd = Some(d("22.5"));
        let report = compute(&reduce(&[i]).events, Method::Fifo, Pooling::PerAccount);
        assert_eq!(report.income.len(), 1);
        assert_eq!(report.income[0].kind, "staking");
        assert_eq!(report.income[0].value_usd, d("22.5"));
    }

    #[test]
    fn checks_say_what_is_wrong_per_field() {
        let mut t = entry(1, "2024-01-01", Kind::Trade);
        t.sent = side(BTC, "0");
        let errors = check(&t);
        assert!(errors.contains(&("received", "is required for a trade".into())));
        assert!(errors.contains(&("sent", "quantity must be more than 0".into())));
        let mut i = entry(2, "2024-01-01", Kind::Income);
        i.received = usd("5");
        i.income_kind = Some("gift".into());
        let fields: Vec<_> = check(&i).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec!["received", "income_kind"]);
    }
}
