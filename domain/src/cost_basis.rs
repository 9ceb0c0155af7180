//! Cost basis: which lots each disposal consumes, its gain and holding period, and the income
//! received, from a ledger already reduced to [`Event`]s valued in USD.
//!
//! The rules, in this order (each is a function below):
//! 1. Events are applied in the order given (the caller sorts by time, then by id); a trade is
//!    a disposal of what left and an acquisition of what came in, at the same value.
//! 2. An acquisition (a buy, or income at its value when received) adds a lot to its pool: the
//!    account's pool of that asset ([`Pooling::PerAccount`], the US rule since 2025) or the one
//!    pool of the asset ([`Pooling::Universal`]). Income is also listed as income.
//! 3. A disposal takes lots from its pool in the method's order ([`take_order`]): FIFO the
//!    earliest acquired, LIFO the latest, HIFO the highest cost per unit; average cost takes
//!    the pool's average cost per unit, with holding periods from the earliest lots.
//! 4. A lot consumed in part is split in proportion to the quantity taken; the part left keeps
//!    the rest of its cost, so no cost is created or lost by rounding. A disposal's proceeds
//!    are split over the lots it consumes the same way.
//! 5. A transfer between the user's own accounts moves lots (in the method's order) from one
//!    pool to the other with their cost and acquisition time: no gain, no income. With one
//!    pool per asset it changes nothing. (Its network fee is a disposal of its own.)
//! 6. A disposal or transfer larger than what its pool holds is short: the missing quantity
//!    is listed with no cost ([`Disposal::cost_usd`] is `None`), and the asset is incomplete:
//!    its gains must not be shown as if they were known.
//! 7. Long term means held more than one year ([`is_long_term`]).
//!
//! Amounts are exact decimals throughout; the only divisions are the proportional splits of
//! rule 4, rounded half-even to 12 decimal places of a dollar, whose remainders go to the last
//! part, so every total is conserved exactly.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How lots are matched to a disposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Fifo,
    Lifo,
    Hifo,
    AverageCost,
}

/// Where lots live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// One pool per account and asset (US rules since 2025).
    PerAccount,
    /// One pool per asset across every account.
    Universal,
}

/// One change of holdings, valued in USD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The ledger entry it comes from (reported with every line it produces).
    pub id: String,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// Bought or received: `quantity` of `asset` at `cost_usd` (fees included). `income` names
    /// a reward's kind (`staking`, `interest`, `airdrop`, `mining`, …): its cost is its value
    /// when received, and it is listed as income.
    Acquire {
        account: Uuid,
        asset: Uuid,
        quantity: Decimal,
        cost_usd: Decimal,
        income: Option<String>,
    },
    /// Sold, spent, or paid as a fee: `proceeds_usd` net of the fees paid for it.
    Dispose {
        account: Uuid,
        asset: Uuid,
        quantity: Decimal,
        proceeds_usd: Decimal,
    },
    /// Left the user's accounts without a sale: sent to an address the Butler does not track,
    /// or given away. Its lots leave the pool (in the method's order) with no gain; a shortfall
    /// as for a disposal (rule 6).
    Remove {
        account: Uuid,
        asset: Uuid,
        quantity: Decimal,
    },
    /// Moved between two of the user's own accounts.
    Transfer {
        from: Uuid,
        to: Uuid,
        asset: Uuid,
        quantity: Decimal,
    },
}

/// A quantity held at a cost since a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lot {
    pub acquired_at: DateTime<Utc>,
    pub quantity: Decimal,
    pub cost_usd: Decimal,
    /// The event that acquired it.
    pub event_id: String,
}

impl Lot {
    fn unit_cost(&self) -> Decimal {
        if self.quantity.is_zero() {
            Decimal::ZERO
        } else {
            self.cost_usd / self.quantity
        }
    }
}

/// Short or long term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    Short,
    Long,
}

/// One lot (or part of one) disposed of: a line of Form 8949.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disposal {
    pub event_id: String,
    pub account: Uuid,
    pub asset: Uuid,
    pub disposed_at: DateTime<Utc>,
    /// `None` for a quantity no lot covered (missing history).
    pub acquired_at: Option<DateTime<Utc>>,
    pub quantity: Decimal,
    pub proceeds_usd: Decimal,
    /// `None` where no lot covered the quantity: the gain is unknown.
    pub cost_usd: Option<Decimal>,
    pub gain_usd: Option<Decimal>,
    pub term: Option<Term>,
}

/// A reward, at its value when received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Income {
    pub event_id: String,
    pub account: Uuid,
    pub asset: Uuid,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub quantity: Decimal,
    pub value_usd: Decimal,
}

/// What no lot covered: history that is missing from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    pub event_id: String,
    pub account: Uuid,
    pub asset: Uuid,
    pub quantity: Decimal,
}

/// The pools' key: the account (none for one universal pool) and the asset.
pub type PoolKey = (Option<Uuid>, Uuid);

/// Everything computed from a ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub disposals: Vec<Disposal>,
    pub income: Vec<Income>,
    /// Lots still held, per pool, oldest first.
    pub lots: BTreeMap<PoolKey, Vec<Lot>>,
    pub shortfalls: Vec<Shortfall>,
}

impl Report {
    /// Assets with a shortfall: their gains are incomplete.
    pub fn incomplete_assets(&self) -> BTreeSet<Uuid> {
        self.shortfalls.iter().map(|s| s.asset).collect()
    }
}

/// Rule 7: held more than one year. Acquired 2023-03-01: sold 2024-03-01 is short term,
/// 2024-03-02 long; a lot acquired on 29 February has its anniversary on 28 February.
pub fn is_long_term(acquired: DateTime<Utc>, disposed: DateTime<Utc>) -> bool {
    match acquired.date_naive().checked_add_months(Months::new(12)) {
        Some(anniversary) => disposed.date_naive() > anniversary,
        None => false,
    }
}

/// Applies every event (rule 1) with `method` and `pooling`.
pub fn compute(events: &[Event], method: Method, pooling: Pooling) -> Report {
    let mut report = Report::default();
    for event in events {
        apply(&mut report, event, method, pooling);
    }
    report.lots.retain(|_, lots| !lots.is_empty());
    report
}

fn pool_key(pooling: Pooling, account: Uuid, asset: Uuid) -> PoolKey {
    match pooling {
        Pooling::PerAccount => (Some(account), asset),
        Pooling::Universal => (None, asset),
    }
}

fn apply(report: &mut Report, event: &Event, method: Method, pooling: Pooling) {
    match &event.kind {
        EventKind::Acquire {
            account,
            asset,
            quantity,
            cost_usd,
            income,
        } => acquire(
            report,
            event,
            (*account, *asset),
            *quantity,
            *cost_usd,
            income,
            pooling,
        ),
        EventKind::Dispose {
            account,
            asset,
            quantity,
            proceeds_usd,
        } => dispose(
            report,
            event,
            (*account, *asset),
            *quantity,
            *proceeds_usd,
            method,
            pooling,
        ),
        EventKind::Remove {
            account,
            asset,
            quantity,
        } => remove(
            report,
            event,
            (*account, *asset),
            *quantity,
            method,
            pooling,
        ),
        EventKind::Transfer {
            from,
            to,
            asset,
            quantity,
        } => transfer(
            report,
            event,
            (*from, *to),
            *asset,
            *quantity,
            method,
            pooling,
        ),
    }
}

/// Rule 2.
fn acquire(
    report: &mut Report,
    event: &Event,
    (account, asset): (Uuid, Uuid),
    quantity: Decimal,
    cost_usd: Decimal,
    income: &Option<String>,
    pooling: Pooling,
) {
    if let Some(kind) = income {
        report.income.push(Income {
            event_id: event.id.clone(),
            account,
            asset,
            at: event.at,
            kind: kind.clone(),
            quantity,
            value_usd: cost_usd,
        });
    }
    report
        .lots
        .entry(pool_key(pooling, account, asset))
        .or_default()
        .push(Lot {
            acquired_at: event.at,
            quantity,
            cost_usd,
            event_id: event.id.clone(),
        });
}

/// Rule 3: the order in which a method consumes a pool's lots (indices into `lots`, which
/// are kept in the order acquired). Average cost consumes the earliest first for holding
/// periods; its cost comes from the pool's average ([`take`]).
fn take_order(lots: &[Lot], method: Method) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lots.len()).collect();
    match method {
        Method::Fifo | Method::AverageCost => {}
        Method::Lifo => order.reverse(),
        // Highest cost per unit first; equal costs, the earliest first.
        Method::Hifo => order.sort_by(|&a, &b| lots[b].unit_cost().cmp(&lots[a].unit_cost())),
    }
    order
}

/// Decimal places of a USD amount split in proportion (rule 4).
pub const SPLIT_DP: u32 = 12;

/// `part` of `whole` as a share of `total` (rule 4): `whole` itself for the whole, else
/// rounded half-even to [`SPLIT_DP`] places. Rounding to a fixed scale keeps every later sum
/// and difference exact in a decimal of 28 digits, so the remainders that the last parts take
/// conserve every total to the last unit.
fn share(whole: Decimal, part: Decimal, total: Decimal) -> Decimal {
    if part == total {
        whole
    } else {
        (whole * part / total).round_dp_with_strategy(
            SPLIT_DP,
            rust_decimal::RoundingStrategy::MidpointNearestEven,
        )
    }
}

/// Takes `quantity` from a pool (rules 3 and 4): the lots (or parts) taken, and what no lot
/// covered.
fn take(lots: &mut Vec<Lot>, quantity: Decimal, method: Method) -> (Vec<Lot>, Decimal) {
    if method != Method::AverageCost {
        return take_lots(lots, quantity, method);
    }
    let held: Decimal = lots.iter().map(|l| l.quantity).sum();
    let pool_cost: Decimal = lots.iter().map(|l| l.cost_usd).sum();
    let covered = quantity.min(held);
    // Average cost: what the taken quantity costs at the pool's average, split over the lots.
    let mut average_left = if held.is_zero() {
        Decimal::ZERO
    } else {
        share(pool_cost, covered, held)
    };
    let mut left = covered;
    let mut taken = Vec::new();
    for i in take_order(lots, method) {
        if left.is_zero() {
            break;
        }
        let lot = &mut lots[i];
        let part = left.min(lot.quantity);
        let mut cost = share(lot.cost_usd, part, lot.quantity);
        if method == Method::AverageCost {
            // The last part takes what is left of the average cost, so it adds up exactly.
            cost = if part == left {
                average_left
            } else {
                share(average_left, part, left)
            };
            average_left -= cost;
        }
        taken.push(Lot {
            acquired_at: lot.acquired_at,
            quantity: part,
            cost_usd: cost,
            event_id: lot.event_id.clone(),
        });
        lot.quantity -= part;
        lot.cost_usd -= cost;
        left -= part;
    }
    if method == Method::AverageCost {
        // What is left keeps the pool's remaining cost spread at one average again.
        let remaining_qty: Decimal = lots.iter().map(|l| l.quantity).sum();
        let remaining_cost = pool_cost - taken.iter().map(|l| l.cost_usd).sum::<Decimal>();
        respread(lots, remaining_qty, remaining_cost);
    }
    lots.retain(|l| !l.quantity.is_zero());
    (taken, quantity - covered)
}

/// [`take`] for FIFO, LIFO and HIFO: each lot's own cost, without summing the pool first (a
/// pool of thousands of lots is walked only as far as the disposal reaches).
fn take_lots(lots: &mut Vec<Lot>, quantity: Decimal, method: Method) -> (Vec<Lot>, Decimal) {
    let mut left = quantity;
    let mut taken = Vec::new();
    let mut emptied = false;
    let order: Box<dyn Iterator<Item = usize>> = match method {
        Method::Lifo => Box::new((0..lots.len()).rev()),
        Method::Hifo => Box::new(take_order(lots, method).into_iter()),
        Method::Fifo | Method::AverageCost => Box::new(0..lots.len()),
    };
    for i in order {
        if left.is_zero() {
            break;
        }
        let lot = &mut lots[i];
        let part = left.min(lot.quantity);
        let cost = share(lot.cost_usd, part, lot.quantity);
        taken.push(Lot {
            acquired_at: lot.acquired_at,
            quantity: part,
            cost_usd: cost,
            event_id: lot.event_id.clone(),
        });
        lot.quantity -= part;
        lot.cost_usd -= cost;
        emptied |= lot.quantity.is_zero();
        left -= part;
    }
    if emptied {
        lots.retain(|l| !l.quantity.is_zero());
    }
    (taken, left)
}

/// Gives the lots of an average-cost pool costs in proportion to their quantities, summing
/// to `cost` exactly.
fn respread(lots: &mut [Lot], quantity: Decimal, cost: Decimal) {
    let mut cost_left = cost;
    let mut qty_left = quantity;
    for lot in lots.iter_mut().filter(|l| !l.quantity.is_zero()) {
        let c = share(cost_left, lot.quantity, qty_left);
        lot.cost_usd = c;
        cost_left -= c;
        qty_left -= lot.quantity;
    }
}

/// Rules 3, 4 and 6 for a disposal.
fn dispose(
    report: &mut Report,
    event: &Event,
    (account, asset): (Uuid, Uuid),
    quantity: Decimal,
    proceeds_usd: Decimal,
    method: Method,
    pooling: Pooling,
) {
    let lots = report
        .lots
        .entry(pool_key(pooling, account, asset))
        .or_default();
    let (taken, missing) = take(lots, quantity, method);
    let mut proceeds_left = proceeds_usd;
    let mut qty_left = quantity;
    let line = |qty: Decimal, proceeds: Decimal, lot: Option<&Lot>| Disposal {
        event_id: event.id.clone(),
        account,
        asset,
        disposed_at: event.at,
        acquired_at: lot.map(|l| l.acquired_at),
        quantity: qty,
        proceeds_usd: proceeds,
        cost_usd: lot.map(|l| l.cost_usd),
        gain_usd: lot.map(|l| proceeds - l.cost_usd),
        term: lot.map(|l| {
            if is_long_term(l.acquired_at, event.at) {
                Term::Long
            } else {
                Term::Short
            }
        }),
    };
    for lot in &taken {
        let proceeds = share(proceeds_left, lot.quantity, qty_left);
        report
            .disposals
            .push(line(lot.quantity, proceeds, Some(lot)));
        proceeds_left -= proceeds;
        qty_left -= lot.quantity;
    }
    if !missing.is_zero() {
        report.disposals.push(line(missing, proceeds_left, None));
        report.shortfalls.push(Shortfall {
            event_id: event.id.clone(),
            account,
            asset,
            quantity: missing,
        });
    }
}

/// Rules 3 and 6 for what leaves the user's accounts without a sale: the lots go, no gain.
fn remove(
    report: &mut Report,
    event: &Event,
    (account, asset): (Uuid, Uuid),
    quantity: Decimal,
    method: Method,
    pooling: Pooling,
) {
    let lots = report
        .lots
        .entry(pool_key(pooling, account, asset))
        .or_default();
    let (_, missing) = take(lots, quantity, method);
    if !missing.is_zero() {
        report.shortfalls.push(Shortfall {
            event_id: event.id.clone(),
            account,
            asset,
            quantity: missing,
        });
    }
}

/// Rules 5 and 6 for a transfer between own accounts.
fn transfer(
    report: &mut Report,
    event: &Event,
    (from, to): (Uuid, Uuid),
    asset: Uuid,
    quantity: Decimal,
    method: Method,
    pooling: Pooling,
) {
    if pooling == Pooling::Universal {
        let held: Decimal = report
            .lots
            .get(&(None, asset))
            .map_or(Decimal::ZERO, |l| l.iter().map(|l| l.quantity).sum());
        if quantity > held {
            report.shortfalls.push(Shortfall {
                event_id: event.id.clone(),
                account: from,
                asset,
                quantity: quantity - held,
            });
        }
        return;
    }
    let source = report.lots.entry((Some(from), asset)).or_default();
    let (moved, missing) = take(source, quantity, method);
    if !missing.is_zero() {
        report.shortfalls.push(Shortfall {
            event_id: event.id.clone(),
            account: from,
            asset,
            quantity: missing,
        });
    }
    let target = report.lots.entry((Some(to), asset)).or_default();
    target.extend(moved);
    // Kept in the order acquired, so FIFO and LIFO see the moved lots where they belong.
    target.sort_by_key(|l| l.acquired_at);
    if method == Method::AverageCost {
        let qty = target.iter().map(|l| l.quantity).sum();
        let cost = target.iter().map(|l| l.cost_usd).sum();
        respread(target, qty, cost);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        format!("{s}T12:00:00Z").parse().unwrap()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    const A: u128 = 1;
    const B: u128 = 2;
    const BTC: u128 = 100;

    fn buy(n: &str, day: &str, account: u128, qty: &str, cost: &str) -> Event {
        Event {
            id: n.into(),
            at: at(day),
            kind: EventKind::Acquire {
                account: id(account),
                asset: id(BTC),
                quantity: d(qty),
                cost_usd: d(cost),
                income: None,
            },
        }
    }

    fn sell(n: &str, day: &str, account: u128, qty: &str, proceeds: &str) -> Event {
        Event {
            id: n.into(),
            at: at(day),
            kind: EventKind::Dispose {
                account: id(account),
                asset: id(BTC),
                quantity: d(qty),
                proceeds_usd: d(proceeds),
            },
        }
    }

    fn move_(n: &str, day: &str, from: u128, to: u128, qty: &str) -> Event {
        Event {
            id: n.into(),
            at: at(day),
            kind: EventKind::Transfer {
                from: id(from),
                to: id(to),
                asset: id(BTC),
                quantity: d(qty),
            },
        }
    }

    /// (quantity, proceeds, cost, gain, term) of each line.
    fn lines(r: &Report) -> Vec<(Decimal, Decimal, Decimal, Decimal, Term)> {
        r.disposals
            .iter()
            .map(|l| {
                (
                    l.quantity,
                    l.proceeds_usd,
                    l.cost_usd.unwrap(),
                    l.gain_usd.unwrap(),
                    l.term.unwrap(),
                )
            })
            .collect()
    }

    fn two_buys_one_sale() -> Vec<Event> {
        vec![
            buy("b1", "2023-01-01", A, "1", "10000"),
            buy("b2", "2023-06-01", A, "1", "20000"),
            sell("s1", "2024-03-01", A, "1.5", "45000"),
        ]
    }

    #[test]
    fn what_leaves_the_accounts_takes_its_lots_with_no_gain_and_short_is_listed() {
        let gone = |n: &str, day: &str, qty: &str| Event {
            id: n.into(),
            at: at(day),
            kind: EventKind::Remove {
                account: id(A),
                asset: id(BTC),
                quantity: d(qty),
            },
        };
        for pooling in [Pooling::PerAccount, Pooling::Universal] {
            let events = [
                buy("1", "2024-01-01", A, "1", "100"),
                buy("2", "2024-02-01", A, "1", "300"),
                gone("3", "2024-03-01", "1.5"),
                sell("4", "2024-04-01", A, "0.5", "250"),
                gone("5", "2024-05-01", "0.25"),
            ];
            let r = compute(&events, Method::Fifo, pooling);
            // FIFO: the removal takes lot 1 and half of lot 2; the sale takes the rest of lot 2.
            assert_eq!(r.disposals.len(), 1);
            assert_eq!(r.disposals[0].cost_usd, Some(d("150")));
            assert_eq!(r.disposals[0].gain_usd, Some(d("100")));
            assert_eq!(r.shortfalls.len(), 1, "{pooling:?}");
            assert_eq!(r.shortfalls[0].quantity, d("0.25"));
            assert!(r.lots.is_empty());
        }
    }

    #[test]
    fn fifo_sells_the_earliest_lot_first_and_splits_proceeds_by_quantity() {
        let r = compute(&two_buys_one_sale(), Method::Fifo, Pooling::PerAccount);
        assert_eq!(
            lines(&r),
            vec![
                (d("1"), d("30000"), d("10000"), d("20000"), Term::Long),
                (d("0.5"), d("15000"), d("10000"), d("5000"), Term::Short),
            ]
        );
        let left = &r.lots[&(Some(id(A)), id(BTC))];
        assert_eq!((left[0].quantity, left[0].cost_usd), (d("0.5"), d("10000")));
    }

    #[test]
    fn lifo_and_hifo_sell_the_latest_and_the_dearest_lot_first() {
        for method in [Method::Lifo, Method::Hifo] {
            let r = compute(&two_buys_one_sale(), method, Pooling::PerAccount);
            assert_eq!(
                lines(&r),
                vec![
                    (d("1"), d("30000"), d("20000"), d("10000"), Term::Short),
                    (d("0.5"), d("15000"), d("5000"), d("10000"), Term::Long),
                ],
                "{method:?}"
            );
        }
        // HIFO differs from LIFO when the later lot is the cheaper one.
        let events = vec![
            buy("b1", "2023-01-01", A, "1", "20000"),
            buy("b2", "2023-06-01", A, "1", "10000"),
            sell("s1", "2023-07-01", A, "1", "15000"),
        ];
        let hifo = compute(&events, Method::Hifo, Pooling::PerAccount);
        assert_eq!(hifo.disposals[0].cost_usd, Some(d("20000")));
        let lifo = compute(&events, Method::Lifo, Pooling::PerAccount);
        assert_eq!(lifo.disposals[0].cost_usd, Some(d("10000")));
    }

    #[test]
    fn average_cost_uses_the_pools_average_and_the_earliest_lots_for_holding_periods() {
        let r = compute(
            &two_buys_one_sale(),
            Method::AverageCost,
            Pooling::PerAccount,
        );
        assert_eq!(
            lines(&r),
            vec![
                (d("1"), d("30000"), d("15000"), d("15000"), Term::Long),
                (d("0.5"), d("15000"), d("7500"), d("7500"), Term::Short),
            ]
        );
        let left = &r.lots[&(Some(id(A)), id(BTC))];
        assert_eq!((left[0].quantity, left[0].cost_usd), (d("0.5"), d("7500")));
        // Thirds: the average does not divide evenly, and every cost still adds up.
        let events = vec![
            buy("b1", "2023-01-01", A, "1", "100"),
            buy("b2", "2023-01-02", A, "2", "100"),
            sell("s1", "2023-02-01", A, "1", "90"),
            sell("s2", "2023-02-02", A, "1", "90"),
            sell("s3", "2023-02-03", A, "1", "90"),
        ];
        let r = compute(&events, Method::AverageCost, Pooling::PerAccount);
        let cost: Decimal = r.disposals.iter().map(|l| l.cost_usd.unwrap()).sum();
        assert_eq!(cost, d("200"));
        assert!(r.lots.is_empty());
    }

    #[test]
    fn per_account_pools_sell_the_accounts_own_lots_and_one_pool_sells_any() {
        let events = vec![
            buy("b1", "2023-01-01", A, "1", "100"),
            buy("b2", "2023-02-01", B, "1", "200"),
            sell("s1", "2023-03-01", B, "1", "300"),
        ];
        let own = compute(&events, Method::Fifo, Pooling::PerAccount);
        assert_eq!(own.disposals[0].cost_usd, Some(d("200")));
        assert_eq!(own.disposals[0].gain_usd, Some(d("100")));
        let one = compute(&events, Method::Fifo, Pooling::Universal);
        assert_eq!(one.disposals[0].cost_usd, Some(d("100")));
        assert_eq!(one.disposals[0].gain_usd, Some(d("200")));
    }

    #[test]
    fn a_transfer_between_own_accounts_keeps_cost_and_holding_period_and_is_no_gain() {
        let events = vec![
            buy("b1", "2023-01-01", A, "1", "100"),
            move_("t1", "2023-12-01", A, B, "1"),
            sell("s1", "2024-01-02", B, "1", "500"),
        ];
        for pooling in [Pooling::PerAccount, Pooling::Universal] {
            let r = compute(&events, Method::Fifo, pooling);
            assert_eq!(
                lines(&r),
                vec![(d("1"), d("500"), d("100"), d("400"), Term::Long)],
                "{pooling:?}"
            );
            assert!(r.income.is_empty() && r.shortfalls.is_empty());
        }
        // Per account, the lot left A: selling from A now is missing history.
        let mut events = events;
        events.push(sell("s2", "2024-01-03", A, "0.1", "50"));
        let r = compute(&events, Method::Fifo, Pooling::PerAccount);
        assert_eq!(r.disposals[1].cost_usd, None);
        assert_eq!(r.incomplete_assets(), BTreeSet::from([id(BTC)]));
    }

    #[test]
    fn long_term_means_more_than_one_year() {
        assert!(!is_long_term(at("2023-03-01"), at("2024-03-01")));
        assert!(is_long_term(at("2023-03-01"), at("2024-03-02")));
        assert!(!is_long_term(at("2024-02-29"), at("2025-02-28")));
        assert!(is_long_term(at("2024-02-29"), at("2025-03-01")));
    }

    #[test]
    fn a_sale_of_more_than_the_ledger_holds_is_missing_history_not_a_gain() {
        let events = vec![
            buy("b1", "2023-01-01", A, "1", "100"),
            sell("s1", "2023-02-01", A, "3", "900"),
        ];
        let r = compute(&events, Method::Fifo, Pooling::PerAccount);
        assert_eq!(r.disposals.len(), 2);
        assert_eq!(r.disposals[0].quantity, d("1"));
        assert_eq!(r.disposals[0].proceeds_usd, d("300"));
        assert_eq!(r.disposals[0].gain_usd, Some(d("200")));
        assert_eq!(
            (
                r.disposals[1].quantity,
                r.disposals[1].proceeds_usd,
                r.disposals[1].gain_usd
            ),
            (d("2"), d("600"), None)
        );
        assert_eq!(r.shortfalls[0].quantity, d("2"));
    }

    #[test]
    fn income_is_listed_at_its_value_and_becomes_a_lot_at_that_cost() {
        let events = vec![
            Event {
                id: "r1".into(),
                at: at("2023-01-01"),
                kind: EventKind::Acquire {
                    account: id(A),
                    asset: id(BTC),
                    quantity: d("0.01"),
                    cost_usd: d("170.25"),
                    income: Some("staking".into()),
                },
            },
            sell("s1", "2023-01-05", A, "0.01", "180"),
        ];
        let r = compute(&events, Method::Fifo, Pooling::PerAccount);
        assert_eq!(r.income.len(), 1);
        assert_eq!(
            (r.income[0].kind.as_str(), r.income[0].value_usd),
            ("staking", d("170.25"))
        );
        assert_eq!(r.disposals[0].gain_usd, Some(d("9.75")));
    }

    #[test]
    fn eighteen_decimal_amounts_split_without_losing_a_unit() {
        let events = vec![
            buy(
                "b1",
                "2023-01-01",
                A,
                "1.000000000000000001",
                "2000.000000000000000007",
            ),
            sell("s1", "2023-01-02", A, "0.333333333333333333", "700"),
            sell("s2", "2023-01-03", A, "0.333333333333333333", "700"),
            sell("s3", "2023-01-04", A, "0.333333333333333335", "700"),
        ];
        for method in [Method::Fifo, Method::AverageCost] {
            let r = compute(&events, method, Pooling::PerAccount);
            let cost: Decimal = r.disposals.iter().map(|l| l.cost_usd.unwrap()).sum();
            assert_eq!(cost, d("2000.000000000000000007"), "{method:?}");
            assert!(r.lots.is_empty() && r.shortfalls.is_empty());
        }
    }

    fn event_strategy() -> impl Strategy<Value = Vec<Event>> {
        let one = (
            0u8..3,
            0u128..2,
            0u128..2,
            1u32..1000,
            1u32..100_000,
            0i64..800,
        );
        proptest::collection::vec(one, 1..40).prop_map(|raw| {
            let start = at("2022-01-01");
            raw.into_iter()
                .enumerate()
                .map(|(i, (kind, acc, other, qty, usd, day))| {
                    let (qty, usd) = (Decimal::new(qty.into(), 3), Decimal::new(usd.into(), 2));
                    let (account, asset) = (id(A + acc), id(BTC));
                    let kind = match kind {
                        0 => EventKind::Acquire {
                            account,
                            asset,
                            quantity: qty,
                            cost_usd: usd,
                            income: None,
                        },
                        1 => EventKind::Dispose {
                            account,
                            asset,
                            quantity: qty,
                            proceeds_usd: usd,
                        },
                        _ => EventKind::Transfer {
                            from: account,
                            to: id(A + other),
                            asset,
                            quantity: qty,
                        },
                    };
                    Event {
                        id: format!("e{i}"),
                        at: start + chrono::Duration::days(day + i as i64),
                        kind,
                    }
                })
                .collect()
        })
    }

    proptest! {
        /// No quantity or cost is created or lost: what was acquired is either still held or
        /// was disposed of, and disposals' proceeds add up to what was received.
        #[test]
        fn quantities_costs_and_proceeds_are_conserved(events in event_strategy()) {
            for method in [Method::Fifo, Method::Lifo, Method::Hifo, Method::AverageCost] {
                for pooling in [Pooling::PerAccount, Pooling::Universal] {
                    let r = compute(&events, method, pooling);
                    let (mut acquired_qty, mut acquired_cost, mut sold_qty, mut proceeds) =
                        (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
                    for e in &events {
                        match &e.kind {
                            EventKind::Acquire { quantity, cost_usd, .. } => {
                                acquired_qty += quantity;
                                acquired_cost += cost_usd;
                            }
                            EventKind::Dispose { quantity, proceeds_usd, .. } => {
                                sold_qty += quantity;
                                proceeds += proceeds_usd;
                            }
                            EventKind::Transfer { .. } | EventKind::Remove { .. } => {}
                        }
                    }
                    let held_qty: Decimal = r.lots.values().flatten().map(|l| l.quantity).sum();
                    let held_cost: Decimal = r.lots.values().flatten().map(|l| l.cost_usd).sum();
                    let covered: Decimal = r.disposals.iter().filter(|l| l.cost_usd.is_some()).map(|l| l.quantity).sum();
                    let basis: Decimal = r.disposals.iter().filter_map(|l| l.cost_usd).sum();
                    let lines_qty: Decimal = r.disposals.iter().map(|l| l.quantity).sum();
                    let lines_proceeds: Decimal = r.disposals.iter().map(|l| l.proceeds_usd).sum();
                    prop_assert_eq!(lines_qty, sold_qty);
                    prop_assert_eq!(lines_proceeds, proceeds);
                    prop_assert_eq!(covered + held_qty, acquired_qty, "{:?} {:?}", method, pooling);
                    prop_assert_eq!(basis + held_cost, acquired_cost, "{:?} {:?}", method, pooling);
                    prop_assert!(r.lots.values().flatten().all(|l| l.quantity > Decimal::ZERO && l.cost_usd >= Decimal::ZERO));
                }
            }
        }
    }
}
