//! Rebalance recommendations: the trades that bring a portfolio back inside its drift bands.
//!
//! The greedy rule ("fewest and smallest trades"), in this order:
//! 1. Only targeted lines outside their band trade, each by the smallest amount that reaches the
//!    nearest band edge: over → sell down to the high edge, under → buy up to the low edge.
//!    Unallocated lines never trade. `CASH` never trades itself: sells pay into it and buys are
//!    paid from it (with no `CASH` line, sells' proceeds are cash outside the targets).
//! 2. Sells, largest first. Lines on the never-sell list or without a price are blocked.
//! 3. When the planned buys, plus keeping `CASH` at least at its band's low edge, need more than
//!    the sells raise and the cash that may be spent ([`spendable_cash`]), more is sold of
//!    targeted lines above their target, never below it: lines already being sold first, then
//!    the one furthest above its target.
//! 4. Buys, largest first, funded by the sells plus the spendable cash. When funding runs short
//!    the largest needs are filled first, the last one partly (`insufficient_funding`).
//! 5. When `CASH` ends above its band, more is bought of targeted lines below their target,
//!    never above it: lines already being bought first, then the one furthest below target.
//! 6. Throughout, `max_turnover_pct` caps total sells and total buys, each at
//!    `pct × total / 100`, in the order above (the trade that crosses the cap is cut); a trade
//!    under `min_trade_usd` is not made (more sold or bought of a line merges into its trade,
//!    so only a line's trade as a whole must reach the minimum).
//!
//! Every targeted line, `CASH` included, left outside its band is listed in `blocked` with what
//! prevented it. A portfolio already inside every band gets no trades.
//!
//! Rounding: quantities go in steps of 10^-dp, where dp is the line's `quantity_dp` (the token's
//! own decimals where the holdings say, else [`QUANTITY_DP`]), rounded toward landing inside the
//! band (up for a trade that reaches a band edge, down when a limit or the target cuts it),
//! never beyond what is held: selling everything sells the exact quantity held and moves the
//! line's whole value. A trade's USD amount is quantity × price rounded half-even to cents; the
//! totals add the rounded amounts. Funding and turnover limits hold for the exact values and
//! for the reported ones (the turnover cap then rounded to cents too). Bands are checked on
//! exact values (see `allocation`); trades move value between a line and cash at the same
//! prices, so the total does not change. A band narrower than one quantity step can be
//! unreachable (`quantity_precision`).

use std::cmp::Reverse;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::allocation::{band_usd, round_pct, share, Allocation, AllocationLine, Guardrails, CASH};

/// Decimal places of trade quantities when the asset's own precision is not known.
pub const QUANTITY_DP: u32 = super::allocation::DEFAULT_QUANTITY_DP;

/// Decimal places of trade USD amounts.
pub const USD_DP: u32 = 2;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// One quantity step at `dp` decimal places.
fn step(dp: u32) -> Decimal {
    Decimal::new(1, dp)
}

/// A USD amount as reported: rounded half-even to cents, written with two decimals.
pub fn round_usd(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(USD_DP, RoundingStrategy::MidpointNearestEven);
    rounded.rescale(USD_DP);
    rounded
}

fn floor_usd(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(USD_DP, RoundingStrategy::ToNegativeInfinity)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

/// One recommended trade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Trade {
    pub side: Side,
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub usd_amount: Decimal,
    pub reason: String,
    /// The accounts holding the asset.
    pub accounts: Vec<Uuid>,
    /// The price the amount was computed at, where it came from and when.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub price_usd: Option<Decimal>,
    #[serde(default)]
    pub price_source: Option<String>,
    #[serde(default)]
    pub price_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What kept a line outside its band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    /// The line is on the never-sell list; for a buy or `CASH`: `CASH` is, or what could be
    /// sold to fund it is.
    NeverSell,
    MinTradeUsd,
    MaxTurnoverPct,
    /// Sells and spendable cash do not cover the buy, and nothing targeted above its target is
    /// left to sell (for `CASH`: below its band).
    InsufficientFunding,
    NoPrice,
    /// Cash may not fund buys: a buy is short while cash above its band's low edge is held
    /// back, or `CASH` stays above its band.
    ///
    /// `min_trade_usd` and `max_turnover_pct` on a buy or `CASH` likewise name the guardrail
    /// that kept the sells funding it (or the buys spending it) short.
    AllowCashFunding,
    /// `CASH` above its band, and no targeted asset is below its target to buy: the plan's
    /// unallocated part stays in cash.
    Unallocated,
    /// No quantity in steps of the asset's precision (nor amount in cents) lands inside a band
    /// this narrow.
    QuantityPrecision,
}

/// A targeted line the trades leave outside its band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Blocked {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    pub guardrail: BlockReason,
    pub message: String,
}

/// The trades to make, and what stays out of band.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recommendation {
    /// Sells, then buys, each largest first.
    pub trades: Vec<Trade>,
    pub blocked: Vec<Blocked>,
    #[schema(value_type = String)]
    pub total_buy_usd: Decimal,
    #[schema(value_type = String)]
    pub total_sell_usd: Decimal,
    /// The larger of total sells and total buys, in percent of the portfolio's value.
    #[schema(value_type = String)]
    pub turnover_pct: Decimal,
}

/// Cash that may fund buys beyond what sells raise: with `allow_cash_funding` (and `CASH` not
/// on the never-sell list), `CASH`'s value above its band's low edge, or all of it when `CASH`
/// has no target; otherwise 0.
pub fn spendable_cash(allocation: &Allocation, guardrails: &Guardrails) -> Decimal {
    Cash::of(allocation, guardrails).spendable()
}

struct Cash {
    value: Decimal,
    /// USD band (low, high).
    band: Option<(Decimal, Decimal)>,
    protected: bool,
    may_fund: bool,
}

impl Cash {
    fn of(allocation: &Allocation, guardrails: &Guardrails) -> Cash {
        let line = allocation.lines.iter().find(|l| l.is_cash);
        let protected = guardrails.protects(None, CASH);
        Cash {
            value: line.map_or(Decimal::ZERO, |l| l.value_usd),
            band: line
                .and_then(|l| l.target_pct)
                .map(|t| band_usd(t, guardrails, allocation.total_value_usd)),
            protected,
            may_fund: guardrails.allow_cash_funding && !protected,
        }
    }

    /// The least cash to end with: its band's low edge, and all of it when it may not fund.
    fn floor(&self) -> Decimal {
        let own = if self.may_fund {
            Decimal::ZERO
        } else {
            self.value
        };
        own.max(self.band.map_or(Decimal::ZERO, |b| b.0))
    }

    /// Whether cash above its band's low edge is held back because it may not fund buys.
    fn cash_held_back(&self) -> bool {
        !self.may_fund && self.value > self.band.map_or(Decimal::ZERO, |b| b.0)
    }

    fn spendable(&self) -> Decimal {
        (self.value - self.floor()).max(Decimal::ZERO)
    }
}

/// A line's band and target, in USD.
#[derive(Clone, Copy)]
struct Band {
    low: Decimal,
    high: Decimal,
    target: Decimal,
}

struct Slot<'a> {
    line: &'a AllocationLine,
    band: Option<Band>,
    /// A positive price.
    price: Option<Decimal>,
    protected: bool,
    sold_q: Decimal,
    sold: Decimal,
    bought_q: Decimal,
    bought: Decimal,
    base_sell: bool,
    extra_sell: bool,
    base_buy: bool,
    extra_buy: bool,
    blocked: Option<(BlockReason, String)>,
}

impl Slot<'_> {
    fn value_after(&self) -> Decimal {
        self.line.value_usd - self.sold + self.bought
    }

    /// Price to sell at: there is a price and something to sell.
    fn sell_price(&self) -> Option<Decimal> {
        self.price.filter(|_| self.line.quantity > Decimal::ZERO)
    }

    /// Quantity and value held.
    fn held(&self) -> Option<(Decimal, Decimal)> {
        Some((self.line.quantity, self.line.value_usd))
    }

    fn block(&mut self, reason: BlockReason, message: String) {
        self.blocked = Some((reason, message));
    }

    fn sort_key(&self) -> (&str, Option<Uuid>) {
        (&self.line.symbol, self.line.asset_id)
    }
}

#[derive(Default)]
struct Sums {
    sold: Decimal,
    sold_rounded: Decimal,
    bought: Decimal,
    bought_rounded: Decimal,
}

fn sums(slots: &[Slot]) -> Sums {
    let mut s = Sums::default();
    for slot in slots {
        s.sold += slot.sold;
        s.sold_rounded += round_usd(slot.sold);
        s.bought += slot.bought;
        s.bought_rounded += round_usd(slot.bought);
    }
    s
}

/// The most one line's trade may be worth in all: exactly, and as a rounded amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cap {
    exact: Decimal,
    rounded: Decimal,
}

impl Cap {
    fn exact(limit: Decimal) -> Cap {
        Cap {
            exact: limit,
            rounded: Decimal::MAX,
        }
    }

    /// What the others' exact and rounded totals leave of `limit`, and of `limit` as a
    /// reported amount (rounded to cents).
    fn left(limit: Decimal, others_exact: Decimal, others_rounded: Decimal) -> Cap {
        Cap {
            exact: limit - others_exact,
            rounded: round_usd(limit) - others_rounded,
        }
    }

    fn fits(&self, value: Decimal) -> bool {
        value <= self.exact && round_usd(value) <= self.rounded
    }

    /// The most that surely fits.
    fn safe(&self) -> Decimal {
        self.exact.min(floor_usd(self.rounded))
    }

    fn and(self, other: Cap) -> Cap {
        Cap {
            exact: self.exact.min(other.exact),
            rounded: self.rounded.min(other.rounded),
        }
    }
}

struct Limits {
    cap: Decimal,
    spendable: Decimal,
}

impl Limits {
    /// Most line `i` may sell in all, by turnover.
    fn sell_turnover(&self, slots: &[Slot], i: usize) -> Cap {
        let s = sums(slots);
        let me = slots[i].sold;
        Cap::left(self.cap, s.sold - me, s.sold_rounded - round_usd(me))
    }

    /// Most line `i` may buy in all, by turnover.
    fn buy_turnover(&self, slots: &[Slot], i: usize) -> Cap {
        let s = sums(slots);
        let me = slots[i].bought;
        Cap::left(self.cap, s.bought - me, s.bought_rounded - round_usd(me))
    }

    /// Most line `i` may buy in all, by funding: sells plus spendable cash.
    fn buy_funding(&self, slots: &[Slot], i: usize) -> Cap {
        let s = sums(slots);
        let me = slots[i].bought;
        Cap {
            exact: s.sold + self.spendable - (s.bought - me),
            rounded: s.sold_rounded + self.spendable - (s.bought_rounded - round_usd(me)),
        }
    }
}

/// The decimal places a quantity near `q` can carry at `dp`: `Decimal` keeps 28 significant
/// digits, so a large quantity of an 18-decimal token steps coarser (26 digits in all, leaving
/// room for the products with prices to stay exact enough for the checks below).
fn fit_dp(q: Decimal, dp: u32) -> u32 {
    let int_digits = match q.abs().trunc() {
        t if t.is_zero() => 0,
        t => t.normalize().to_string().len() as u32,
    };
    dp.min(26u32.saturating_sub(int_digits))
}

/// Smallest quantity worth at least `amount`.
fn ceil_quantity(amount: Decimal, price: Decimal, dp: u32) -> Decimal {
    let dp = fit_dp(amount / price, dp);
    let mut q = (amount / price).round_dp_with_strategy(dp, RoundingStrategy::ToPositiveInfinity);
    // The division is rounded at 28 digits: make sure.
    if q * price < amount {
        q += step(dp);
    }
    q
}

/// Largest quantity worth at most `amount`.
fn floor_quantity(amount: Decimal, price: Decimal, dp: u32) -> Decimal {
    let dp = fit_dp(amount / price, dp);
    let mut q = (amount / price).round_dp_with_strategy(dp, RoundingStrategy::ToNegativeInfinity);
    if q * price > amount {
        q -= step(dp);
    }
    q
}

/// The quantity and value a line's trade moves in all: the smallest quantity worth at least
/// `want`, or, when that does not fit `max`, the largest that surely does. A sell
/// (`held`: quantity, value) never exceeds the quantity held, and selling all of it moves the
/// held value. `None` when no positive quantity fits.
fn size(
    want: Decimal,
    max: Cap,
    price: Decimal,
    held: Option<(Decimal, Decimal)>,
    dp: u32,
) -> Option<(Decimal, Decimal)> {
    // Selling what is worth the held value (quantities × one price can exceed the sum of
    // separately rounded values) is selling all of it.
    let capped = |q: Decimal| match held {
        Some((hq, hv)) if q >= hq || q * price >= hv => hq,
        _ => q,
    };
    let worth = |q: Decimal| match held {
        Some((hq, hv)) if q >= hq => hv,
        _ => q * price,
    };
    let mut q = capped(ceil_quantity(want, price, dp));
    if !max.fits(worth(q)) {
        q = capped(floor_quantity(max.safe().max(Decimal::ZERO), price, dp));
        if let Some((hq, hv)) = held {
            if q >= hq && !max.fits(hv) {
                let below = hq.round_dp_with_strategy(dp, RoundingStrategy::ToNegativeInfinity);
                q = if below < hq { below } else { hq - step(dp) };
            }
        }
    }
    (q > Decimal::ZERO).then(|| (q, worth(q)))
}

fn pct(x: Decimal) -> String {
    round_pct(x).to_string()
}

/// What every rule reads: the portfolio's total, the minimum trade, cash, and the limits.
struct Plan {
    total: Decimal,
    min_trade: Decimal,
    cash: Cash,
    limits: Limits,
}

impl Plan {
    /// Rule 6's limits: the turnover cap (`pct × total / 100`) and the minimum trade, with the
    /// cash that may fund buys.
    fn of(allocation: &Allocation, guardrails: &Guardrails) -> Plan {
        let total = allocation.total_value_usd;
        let cash = Cash::of(allocation, guardrails);
        let limits = Limits {
            cap: share(
                total,
                guardrails.max_turnover_pct.clamp(Decimal::ZERO, HUNDRED),
            ),
            spendable: cash.spendable(),
        };
        Plan {
            total,
            min_trade: guardrails.min_trade_usd.max(Decimal::ZERO),
            cash,
            limits,
        }
    }
}

/// What the extra sells (rule 3) found: the guardrail that left them short, if any, and what
/// they were for.
struct Funding {
    shortfall: Option<BlockReason>,
    purpose: &'static str,
}

/// Recommends trades for an allocation (see the module rules). Pass the guardrails the
/// allocation was computed with.
pub fn recommend(allocation: &Allocation, guardrails: &Guardrails) -> Recommendation {
    if allocation.total_value_usd <= Decimal::ZERO {
        return Recommendation::default();
    }
    let plan = Plan::of(allocation, guardrails);
    let mut slots = slots(allocation, guardrails);
    sell_down_to_band(&mut slots, &plan);
    let under = buys_needed(&mut slots, plan.min_trade);
    let funding = sell_more_to_fund(&mut slots, &under, &plan);
    buy_up_to_band(&mut slots, under, &plan, funding.shortfall);
    let cash_over = spend_cash_above_band(&mut slots, &plan);
    let mut blocked = lines_out_of_band(&slots);
    blocked.extend(cash_out_of_band(
        allocation,
        &slots,
        &plan,
        funding.shortfall,
        cash_over,
    ));
    recommendation(&slots, blocked, funding.purpose, plan.total)
}

/// Rule 1: one slot per non-cash line, with its band and target in USD.
fn slots<'a>(allocation: &'a Allocation, guardrails: &Guardrails) -> Vec<Slot<'a>> {
    let total = allocation.total_value_usd;
    allocation
        .lines
        .iter()
        .filter(|l| !l.is_cash)
        .map(|line| Slot {
            line,
            band: line.target_pct.map(|t| {
                let (low, high) = band_usd(t, guardrails, total);
                Band {
                    low,
                    high,
                    target: share(total, t),
                }
            }),
            price: line.price_usd.filter(|p| *p > Decimal::ZERO),
            protected: guardrails.protects(line.asset_id, &line.symbol),
            sold_q: Decimal::ZERO,
            sold: Decimal::ZERO,
            bought_q: Decimal::ZERO,
            bought: Decimal::ZERO,
            base_sell: false,
            extra_sell: false,
            base_buy: false,
            extra_buy: false,
            blocked: None,
        })
        .collect()
}

/// Rule 2: sells of lines above their band, largest first, each down to its band's high edge.
fn sell_down_to_band(slots: &mut [Slot], plan: &Plan) {
    let (min_trade, limits) = (plan.min_trade, &plan.limits);
    let n = slots.len();
    let mut over: Vec<(usize, Decimal)> = (0..n)
        .filter_map(|i| {
            let b = slots[i].band?;
            let v = slots[i].line.value_usd;
            (v > b.high).then_some((i, v - b.high))
        })
        .collect();
    over.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| slots[a.0].sort_key().cmp(&slots[b.0].sort_key()))
    });
    for (i, want) in over {
        let sym = slots[i].line.symbol.clone();
        if slots[i].protected {
            slots[i].block(
                BlockReason::NeverSell,
                format!("{sym} is above its band but on the never-sell list"),
            );
            continue;
        }
        let Some(price) = slots[i].sell_price() else {
            slots[i].block(
                BlockReason::NoPrice,
                format!("{sym} is above its band but has no price to sell at"),
            );
            continue;
        };
        if want < min_trade {
            slots[i].block(
                BlockReason::MinTradeUsd,
                format!(
                    "selling {} USD of {sym} would reach its band, under the minimum trade of {} USD",
                    round_usd(want),
                    min_trade
                ),
            );
            continue;
        }
        let max = limits.sell_turnover(slots, i);
        match size(want, max, price, slots[i].held(), slots[i].line.quantity_dp) {
            Some((q, moved)) if round_usd(moved) >= min_trade => {
                slots[i].sold_q = q;
                slots[i].sold = moved;
                slots[i].base_sell = true;
                if moved < want {
                    slots[i].block(
                        BlockReason::MaxTurnoverPct,
                        format!("max_turnover_pct caps the sell of {sym} short of its band"),
                    );
                }
            }
            sized => {
                let (reason, message) = if sized.is_none_or(|(_, m)| m < want) {
                    (
                        BlockReason::MaxTurnoverPct,
                        format!("max_turnover_pct leaves no room to sell {sym}"),
                    )
                } else {
                    (
                        BlockReason::MinTradeUsd,
                        format!(
                            "the sell of {sym} would be under the minimum trade of {min_trade} USD"
                        ),
                    )
                };
                slots[i].block(reason, message);
            }
        }
    }
}

/// Rule 1 for buys: what each line below its band needs to reach its low edge, largest first;
/// lines without a price, or needing less than the minimum trade (rule 6), are blocked.
fn buys_needed(slots: &mut [Slot], min_trade: Decimal) -> Vec<(usize, Decimal)> {
    let mut under: Vec<(usize, Decimal)> = Vec::new();
    for (i, slot) in slots.iter_mut().enumerate() {
        let Some(b) = slot.band else { continue };
        let v = slot.line.value_usd;
        if v >= b.low {
            continue;
        }
        let sym = slot.line.symbol.clone();
        if slot.price.is_none() {
            slot.block(
                BlockReason::NoPrice,
                format!("{sym} is below its band but has no price to buy at"),
            );
        } else if b.low - v < min_trade {
            slot.block(
                BlockReason::MinTradeUsd,
                format!(
                    "buying {} USD of {sym} would reach its band, under the minimum trade of {} USD",
                    round_usd(b.low - v),
                    min_trade
                ),
            );
        } else {
            under.push((i, b.low - v));
        }
    }
    under.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| slots[a.0].sort_key().cmp(&slots[b.0].sort_key()))
    });
    under
}

/// Rule 3: more sells, when the planned buys (each the smallest quantity reaching its band) and
/// cash's floor need them: exactly, and as rounded amounts.
fn sell_more_to_fund(slots: &mut [Slot], under: &[(usize, Decimal)], plan: &Plan) -> Funding {
    let (min_trade, limits, cash) = (plan.min_trade, &plan.limits, &plan.cash);
    let n = slots.len();
    let (mut planned, mut planned_rounded) = (Decimal::ZERO, Decimal::ZERO);
    for &(i, need) in under {
        let price = slots[i].price.unwrap_or(Decimal::ONE);
        let cost = ceil_quantity(need, price, slots[i].line.quantity_dp) * price;
        planned += cost;
        planned_rounded += round_usd(cost);
    }
    let planned = planned.min(limits.cap);
    let planned_rounded = planned_rounded.min(round_usd(limits.cap));
    let shortfalls = |slots: &[Slot]| {
        let s = sums(slots);
        (
            cash.floor() + planned - (cash.value + s.sold),
            planned_rounded - limits.spendable - s.sold_rounded,
        )
    };
    let cash_low_at_start = cash.band.is_some_and(|b| cash.value < b.0);
    let purpose = match (planned > Decimal::ZERO, cash_low_at_start) {
        (true, true) => "fund the buys and bring CASH up to its band",
        (true, false) => "fund the buys",
        _ => "bring CASH up to its band",
    };
    let (mut short, mut short_rounded) = shortfalls(slots);
    let mut shortfall: Option<BlockReason> = None;
    if short > Decimal::ZERO || short_rounded > Decimal::ZERO {
        let mut candidates: Vec<usize> = (0..n)
            .filter(|&i| {
                let s = &slots[i];
                !s.protected
                    && s.sell_price().is_some()
                    && s.band.is_some_and(|b| s.value_after() > b.target)
            })
            .collect();
        candidates.sort_by_key(|&i| {
            let s = &slots[i];
            let above = s.value_after() - s.band.map_or(Decimal::ZERO, |b| b.target);
            (s.sold == Decimal::ZERO, Reverse(above), s.sort_key())
        });
        let mut limited_by = None;
        for i in candidates {
            let (Some(b), Some(price)) = (slots[i].band, slots[i].sell_price()) else {
                continue;
            };
            let room = slots[i].line.value_usd - b.target;
            let turnover = limits.sell_turnover(slots, i);
            let old = slots[i].sold;
            // Rounding is monotone, so reaching a cent amount exactly is enough.
            let want = (old + short).max(round_usd(old) + short_rounded);
            let sized = size(
                want,
                turnover.and(Cap::exact(room)),
                price,
                slots[i].held(),
                slots[i].line.quantity_dp,
            );
            let capped_by_turnover = turnover.safe() < room;
            let Some((q, moved)) = sized.filter(|(_, m)| *m > old) else {
                if capped_by_turnover {
                    limited_by.get_or_insert(BlockReason::MaxTurnoverPct);
                }
                continue;
            };
            if old == Decimal::ZERO && round_usd(moved) < min_trade {
                limited_by.get_or_insert(BlockReason::MinTradeUsd);
                continue;
            }
            if moved < want && capped_by_turnover {
                limited_by.get_or_insert(BlockReason::MaxTurnoverPct);
            }
            slots[i].sold_q = q;
            slots[i].sold = moved;
            slots[i].extra_sell = true;
            (short, short_rounded) = shortfalls(slots);
            if short <= Decimal::ZERO && short_rounded <= Decimal::ZERO {
                break;
            }
        }
        if short > Decimal::ZERO || short_rounded > Decimal::ZERO {
            let protected_room = slots
                .iter()
                .any(|s| s.protected && s.band.is_some_and(|b| s.value_after() > b.target));
            shortfall = Some(limited_by.unwrap_or(if protected_room {
                BlockReason::NeverSell
            } else {
                BlockReason::InsufficientFunding
            }));
        }
    }
    Funding { shortfall, purpose }
}

/// Rule 4: buys, largest first, funded by the sells plus the spendable cash.
fn buy_up_to_band(
    slots: &mut [Slot],
    under: Vec<(usize, Decimal)>,
    plan: &Plan,
    shortfall: Option<BlockReason>,
) {
    let (min_trade, limits, cash) = (plan.min_trade, &plan.limits, &plan.cash);
    for (i, need) in under {
        let price = slots[i].price.unwrap_or(Decimal::ONE);
        let sym = slots[i].line.symbol.clone();
        let funding = limits.buy_funding(slots, i);
        let turnover = limits.buy_turnover(slots, i);
        let (limit, message) = buy_short(&sym, need, funding, turnover, cash, shortfall);
        match size(
            need,
            funding.and(turnover),
            price,
            None,
            slots[i].line.quantity_dp,
        ) {
            Some((q, moved)) if round_usd(moved) >= min_trade => {
                slots[i].bought_q = q;
                slots[i].bought = moved;
                slots[i].base_buy = true;
                if moved < need {
                    slots[i].block(limit, message);
                }
            }
            sized => {
                if sized.is_none_or(|(_, m)| m < need) {
                    slots[i].block(limit, message);
                } else {
                    slots[i].block(
                        BlockReason::MinTradeUsd,
                        format!(
                            "the buy of {sym} would be under the minimum trade of {min_trade} USD"
                        ),
                    );
                }
            }
        }
    }
}

/// Why a buy of `sym` would fall short of its band: funding (and the guardrail that kept it
/// short, when one did) or the turnover cap.
fn buy_short(
    sym: &str,
    need: Decimal,
    funding: Cap,
    turnover: Cap,
    cash: &Cash,
    shortfall: Option<BlockReason>,
) -> (BlockReason, String) {
    if funding.safe() <= turnover.safe() {
        let needs = format!("{sym} needs {} USD to reach its band", round_usd(need));
        let leave = round_usd(funding.safe().max(Decimal::ZERO));
        // The guardrail that kept funding short, when one did.
        let (reason, why) = if cash.cash_held_back() && cash.protected {
            (BlockReason::NeverSell, "CASH is on the never-sell list")
        } else if cash.cash_held_back() {
            (BlockReason::AllowCashFunding, "cash may not fund buys")
        } else {
            match shortfall {
                Some(BlockReason::NeverSell) => (
                    BlockReason::NeverSell,
                    "what could be sold to fund it is on the never-sell list",
                ),
                Some(BlockReason::MaxTurnoverPct) => (
                    BlockReason::MaxTurnoverPct,
                    "max_turnover_pct caps the sells that would fund it",
                ),
                Some(BlockReason::MinTradeUsd) => (
                    BlockReason::MinTradeUsd,
                    "the sells that would fund it are under min_trade_usd",
                ),
                _ => (
                    BlockReason::InsufficientFunding,
                    "nothing targeted above its target is left to sell",
                ),
            }
        };
        (
            reason,
            format!("{needs}; sells and spendable cash leave {leave} USD: {why}"),
        )
    } else {
        (
            BlockReason::MaxTurnoverPct,
            format!("max_turnover_pct caps the buy of {sym} short of its band"),
        )
    }
}

/// Rule 5: spend cash above its band on lines below their target. Returns what kept `CASH`
/// above its band, when something did.
fn spend_cash_above_band(slots: &mut [Slot], plan: &Plan) -> Option<BlockReason> {
    let (min_trade, limits, cash) = (plan.min_trade, &plan.limits, &plan.cash);
    let n = slots.len();
    let mut cash_over: Option<BlockReason> = None;
    if let Some((_, cash_high)) = cash.band {
        let s = sums(slots);
        let mut excess = cash.value + s.sold - s.bought - cash_high;
        if excess > Decimal::ZERO {
            let mut candidates: Vec<usize> = (0..n)
                .filter(|&i| {
                    let s = &slots[i];
                    s.price.is_some() && s.band.is_some_and(|b| s.value_after() < b.target)
                })
                .collect();
            candidates.sort_by_key(|&i| {
                let s = &slots[i];
                let below = s.band.map_or(Decimal::ZERO, |b| b.target) - s.value_after();
                (s.bought == Decimal::ZERO, Reverse(below), s.sort_key())
            });
            let funding_reason = if !cash.may_fund {
                if cash.protected {
                    BlockReason::NeverSell
                } else {
                    BlockReason::AllowCashFunding
                }
            } else {
                BlockReason::InsufficientFunding
            };
            let mut limited_by = None;
            let mut coarsest_step = Decimal::ZERO;
            for i in candidates {
                let (Some(b), Some(price)) = (slots[i].band, slots[i].price) else {
                    continue;
                };
                let room = b.target - slots[i].line.value_usd;
                let funding = limits.buy_funding(slots, i);
                let turnover = limits.buy_turnover(slots, i);
                let want = slots[i].bought + excess;
                let reach = want.min(room);
                let note = if funding.safe() < reach && funding.safe() <= turnover.safe() {
                    Some(funding_reason)
                } else if turnover.safe() < reach {
                    Some(BlockReason::MaxTurnoverPct)
                } else {
                    None
                };
                let dp = slots[i].line.quantity_dp;
                coarsest_step = coarsest_step.max(price * step(dp));
                let sized = size(
                    want,
                    funding.and(turnover).and(Cap::exact(room)),
                    price,
                    None,
                    dp,
                );
                let Some((q, moved)) = sized.filter(|(_, m)| *m > slots[i].bought) else {
                    if let Some(r) = note {
                        limited_by.get_or_insert(r);
                    }
                    continue;
                };
                if slots[i].bought == Decimal::ZERO && round_usd(moved) < min_trade {
                    limited_by.get_or_insert(BlockReason::MinTradeUsd);
                    continue;
                }
                if moved < want {
                    if let Some(r) = note {
                        limited_by.get_or_insert(r);
                    }
                }
                excess -= moved - slots[i].bought;
                slots[i].bought_q = q;
                slots[i].bought = moved;
                slots[i].extra_buy = true;
                if excess <= Decimal::ZERO {
                    break;
                }
            }
            if excess > Decimal::ZERO {
                let unpriced_room = slots.iter().any(|s| {
                    s.price.is_none() && s.band.is_some_and(|b| s.value_after() < b.target)
                });
                // Less than a quantity step, or the cents the amounts are rounded to, is left.
                let precision = coarsest_step > Decimal::ZERO
                    && excess <= coarsest_step + Decimal::new(1, USD_DP) * Decimal::from(n + 1);
                cash_over = Some(if precision {
                    BlockReason::QuantityPrecision
                } else if let Some(reason) = limited_by {
                    reason
                } else if unpriced_room {
                    BlockReason::NoPrice
                } else {
                    BlockReason::Unallocated
                });
            }
        }
    }
    cash_over
}

/// The blocked list: every targeted line left outside its band, with what prevented it.
fn lines_out_of_band(slots: &[Slot]) -> Vec<Blocked> {
    let mut blocked = Vec::new();
    for s in slots {
        let Some(b) = s.band else { continue };
        let v = s.value_after();
        if v >= b.low && v <= b.high {
            continue;
        }
        let (guardrail, message) = s.blocked.clone().unwrap_or_else(|| {
            (
                BlockReason::QuantityPrecision,
                format!(
                    "no quantity of {} in steps of {} lands inside its band",
                    s.line.symbol,
                    step(s.line.quantity_dp)
                ),
            )
        });
        blocked.push(Blocked {
            asset_id: s.line.asset_id,
            symbol: s.line.symbol.clone(),
            guardrail,
            message,
        });
    }
    blocked
}

/// The blocked list's `CASH` entry, when `CASH` ends outside its band.
fn cash_out_of_band(
    allocation: &Allocation,
    slots: &[Slot],
    plan: &Plan,
    shortfall: Option<BlockReason>,
    cash_over: Option<BlockReason>,
) -> Option<Blocked> {
    let (total, cash) = (plan.total, &plan.cash);
    let totals = sums(slots);
    let (low, high) = cash.band?;
    let after = cash.value + totals.sold - totals.bought;
    let at = pct(after * HUNDRED / total);
    let cash_line = allocation.lines.iter().find(|l| l.is_cash);
    let edges = cash_line.map_or(String::new(), |l| {
        format!(
            "{}–{}%",
            l.band_low_pct.unwrap_or_default(),
            l.band_high_pct.unwrap_or_default()
        )
    });
    let found = if after < low {
        let reason = shortfall.unwrap_or(BlockReason::InsufficientFunding);
        let why = match reason {
            BlockReason::MaxTurnoverPct => "max_turnover_pct caps the sells that would raise it",
            BlockReason::MinTradeUsd => "the sells that would raise it are under min_trade_usd",
            BlockReason::NeverSell => "what could be sold to raise it is on the never-sell list",
            _ => "no targeted asset above its target is left to sell",
        };
        Some((
            reason,
            format!("CASH ends at {at}%, below its band {edges}: {why}"),
        ))
    } else if after > high {
        let reason = cash_over.unwrap_or(BlockReason::QuantityPrecision);
        let why = match reason {
            BlockReason::AllowCashFunding => "cash may not fund buys",
            BlockReason::NeverSell => "CASH is on the never-sell list",
            BlockReason::MaxTurnoverPct => "max_turnover_pct caps the buys that would spend it",
            BlockReason::MinTradeUsd => "the buys that would spend it are under min_trade_usd",
            BlockReason::NoPrice => "the assets below target have no price to buy at",
            BlockReason::Unallocated => {
                "no targeted asset is below its target to buy: the plan's unallocated part stays in cash"
            }
            _ => "no quantity in the assets' precision lands inside its band",
        };
        Some((
            reason,
            format!("CASH ends at {at}%, above its band {edges}: {why}"),
        ))
    } else {
        None
    };
    found.map(|(guardrail, message)| Blocked {
        asset_id: None,
        symbol: CASH.to_string(),
        guardrail,
        message,
    })
}

/// The trades with their reasons, sells then buys, each largest first, and their totals.
fn recommendation(
    slots: &[Slot],
    blocked: Vec<Blocked>,
    purpose: &str,
    total: Decimal,
) -> Recommendation {
    let mut sells = Vec::new();
    let mut buys = Vec::new();
    for s in slots {
        let l = s.line;
        let t = l.target_pct.unwrap_or_default().normalize();
        let lo = l.band_low_pct.unwrap_or_default();
        let hi = l.band_high_pct.unwrap_or_default();
        let cur = l.current_pct;
        let trade = |side, quantity: Decimal, moved, reason| Trade {
            side,
            asset_id: l.asset_id,
            symbol: l.symbol.clone(),
            quantity: quantity.normalize(),
            usd_amount: round_usd(moved),
            reason,
            accounts: l.accounts.clone(),
            price_usd: l.price_usd,
            price_source: l.price_source.clone(),
            price_at: l.price_at,
        };
        if s.sold_q > Decimal::ZERO {
            let sym = &l.symbol;
            let reason = match (s.base_sell, s.extra_sell) {
                _ if t.is_zero() && s.sold_q == l.quantity => {
                    format!("{sym} has a 0% target: sell all of it")
                }
                (true, false) => format!(
                    "{sym} is {cur}% of the portfolio, above its band {lo}–{hi}% (target {t}%): sell down to {hi}%"
                ),
                (true, true) => format!(
                    "{sym} is {cur}% of the portfolio, above its band {lo}–{hi}% (target {t}%): sell down to {hi}%, and further toward the target to {purpose}"
                ),
                _ => format!("{sym} is {cur}%, above its {t}% target: sell toward the target to {purpose}"),
            };
            sells.push(trade(Side::Sell, s.sold_q, s.sold, reason));
        }
        if s.bought_q > Decimal::ZERO {
            let sym = &l.symbol;
            let reason = match (s.base_buy, s.extra_buy) {
                (true, false) => format!(
                    "{sym} is {cur}% of the portfolio, below its band {lo}–{hi}% (target {t}%): buy up to {lo}%"
                ),
                (true, true) => format!(
                    "{sym} is {cur}% of the portfolio, below its band {lo}–{hi}% (target {t}%): buy up to {lo}%, and further toward the target to bring CASH down to its band"
                ),
                _ => format!(
                    "{sym} is {cur}%, below its {t}% target: buy toward the target to bring CASH down to its band"
                ),
            };
            buys.push(trade(Side::Buy, s.bought_q, s.bought, reason));
        }
    }
    let largest_first = |a: &Trade, b: &Trade| {
        b.usd_amount
            .cmp(&a.usd_amount)
            .then_with(|| a.symbol.cmp(&b.symbol))
            .then_with(|| a.asset_id.cmp(&b.asset_id))
    };
    sells.sort_by(largest_first);
    buys.sort_by(largest_first);
    let add = |s: Decimal, t: &Trade| s.saturating_add(t.usd_amount);
    let total_sell_usd: Decimal = sells.iter().fold(Decimal::ZERO, add);
    let total_buy_usd: Decimal = buys.iter().fold(Decimal::ZERO, add);
    sells.extend(buys);
    let turnover = total_sell_usd.max(total_buy_usd);
    Recommendation {
        trades: sells,
        blocked,
        total_buy_usd,
        total_sell_usd,
        // Dividing first where the product would overflow.
        turnover_pct: round_pct(
            turnover
                .checked_mul(HUNDRED)
                .map(|v| v / total)
                .unwrap_or_else(|| (turnover / total).saturating_mul(HUNDRED)),
        ),
    }
}
#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use super::*;
    use crate::allocation::{compute, LineStatus, PositionInput, ResolvedTarget};
    use crate::holdings::value_usd;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const BTC: Uuid = Uuid::from_u128(1);
    const ETH: Uuid = Uuid::from_u128(2);
    const SOL: Uuid = Uuid::from_u128(3);
    const ADA: Uuid = Uuid::from_u128(4);
    const DOGE: Uuid = Uuid::from_u128(5);
    const USDC: Uuid = Uuid::from_u128(10);
    const ACC1: Uuid = Uuid::from_u128(101);
    const ACC2: Uuid = Uuid::from_u128(102);

    fn pos(id: Uuid, symbol: &str, qty: &str, price: &str, account: Uuid) -> PositionInput {
        PositionInput {
            asset_id: Some(id),
            symbol: symbol.into(),
            quantity: d(qty),
            value_usd: value_usd(d(qty), d(price)),
            price_usd: Some(d(price)),
            is_stablecoin: id == USDC,
            accounts: vec![account],
            ..Default::default()
        }
    }

    fn target(id: Option<Uuid>, symbol: &str, pct: &str) -> ResolvedTarget {
        ResolvedTarget {
            asset_id: id,
            symbol: symbol.into(),
            target_pct: d(pct),
        }
    }

    fn run(
        positions: &[PositionInput],
        targets: &[ResolvedTarget],
        g: &Guardrails,
        cash: bool,
    ) -> (Allocation, Recommendation) {
        let a = compute(positions, targets, g, cash);
        let r = recommend(&a, g);
        (a, r)
    }

    /// `(side, symbol, quantity, usd)` of each trade.
    fn brief(r: &Recommendation) -> Vec<(Side, &str, String, String)> {
        r.trades
            .iter()
            .map(|t| {
                (
                    t.side,
                    t.symbol.as_str(),
                    t.quantity.to_string(),
                    t.usd_amount.to_string(),
                )
            })
            .collect()
    }

    fn reasons(r: &Recommendation) -> Vec<(&str, BlockReason)> {
        r.blocked
            .iter()
            .map(|b| (b.symbol.as_str(), b.guardrail))
            .collect()
    }

    /// BTC 50 / ETH 30 / CASH 20, drifted to 60 / 25 / 15 of 100,000 USD.
    fn drifted() -> (Vec<PositionInput>, Vec<ResolvedTarget>) {
        (
            vec![
                pos(BTC, "BTC", "0.6", "60000", ACC1),
                pos(BTC, "BTC", "0.4", "60000", ACC2),
                pos(ETH, "ETH", "10", "2500", ACC1),
                pos(USDC, "USDC", "15000", "1", ACC2),
            ],
            vec![
                target(Some(BTC), "BTC", "50"),
                target(Some(ETH), "ETH", "30"),
                target(None, CASH, "20"),
            ],
        )
    }

    fn tight() -> Guardrails {
        Guardrails {
            drift_band_abs_pct: d("2"),
            ..Guardrails::default()
        }
    }

    #[test]
    fn worked_example_sells_btc_to_its_band_and_buys_eth_to_its_band() {
        let (positions, targets) = drifted();
        // Bands ±2 points: BTC 48–52, ETH 28–32, CASH 18–22.
        let (a, r) = run(&positions, &targets, &tight(), true);
        assert_eq!(a.total_value_usd, d("100000"));
        // 8,000 USD of BTC is 0.1333…: rounded up to 0.13333334 so BTC lands inside its band.
        assert_eq!(
            brief(&r),
            vec![
                (Side::Sell, "BTC", "0.13333334".into(), "8000.00".into()),
                (Side::Buy, "ETH", "1.2".into(), "3000.00".into()),
            ]
        );
        assert!(r.blocked.is_empty());
        assert_eq!(r.total_sell_usd, d("8000.00"));
        assert_eq!(r.total_buy_usd, d("3000.00"));
        assert_eq!(r.turnover_pct, d("8"));
        assert_eq!(r.trades[0].accounts, vec![ACC1, ACC2]);
        assert_eq!(r.trades[1].accounts, vec![ACC1]);
        assert_eq!(
            r.trades[0].reason,
            "BTC is 60% of the portfolio, above its band 48–52% (target 50%): sell down to 52%"
        );
        assert_eq!(
            r.trades[1].reason,
            "ETH is 25% of the portfolio, below its band 28–32% (target 30%): buy up to 28%"
        );
        // Afterwards: BTC 51,999.9996, ETH 28,000, CASH 15,000 + 8,000.0004 − 3,000 = 20,000.0004.
    }

    #[test]
    fn band_edges_are_inside_so_only_btc_trades_with_default_bands() {
        let (positions, targets) = drifted();
        // Bands ±5: BTC 45–55; ETH at 25 and CASH at 15 sit on their low edges.
        let (_, r) = run(&positions, &targets, &Guardrails::default(), true);
        assert_eq!(
            brief(&r),
            vec![(Side::Sell, "BTC", "0.08333334".into(), "5000.00".into())]
        );
        assert!(r.blocked.is_empty());
    }

    #[test]
    fn a_portfolio_on_target_gets_no_trades() {
        let positions = [
            pos(BTC, "BTC", "0.8333", "60000", ACC1),
            pos(ETH, "ETH", "12", "2500", ACC1),
            pos(USDC, "USDC", "20000", "1", ACC1),
        ];
        let (_, targets) = drifted();
        let (_, r) = run(&positions, &targets, &tight(), true);
        assert_eq!(r, Recommendation::default());
    }

    #[test]
    fn more_is_sold_toward_target_to_bring_cash_up_to_its_band() {
        // 40 / 40 / 20 held as 50 / 50 / 0: both sell to 45, then BTC on to 40 so CASH reaches 15.
        let positions = [
            pos(BTC, "BTC", "1", "50000", ACC1),
            pos(ETH, "ETH", "20", "2500", ACC1),
        ];
        let targets = [
            target(Some(BTC), "BTC", "40"),
            target(Some(ETH), "ETH", "40"),
            target(None, CASH, "20"),
        ];
        let (a, r) = run(&positions, &targets, &Guardrails::default(), true);
        assert_eq!(
            a.lines.iter().find(|l| l.is_cash).unwrap().status,
            LineStatus::Under
        );
        assert_eq!(
            brief(&r),
            vec![
                (Side::Sell, "BTC", "0.2".into(), "10000.00".into()),
                (Side::Sell, "ETH", "2".into(), "5000.00".into()),
            ]
        );
        assert!(r.blocked.is_empty());
        assert_eq!(
            r.trades[0].reason,
            "BTC is 50% of the portfolio, above its band 35–45% (target 40%): sell down to 45%, and further toward the target to bring CASH up to its band"
        );
    }

    #[test]
    fn buys_are_funded_by_selling_what_is_above_target() {
        // SOL is below its 15–25 band; BTC and ETH are in band but above target.
        let positions = [
            pos(BTC, "BTC", "0.44", "100000", ACC1),
            pos(ETH, "ETH", "17.6", "2500", ACC1),
            pos(SOL, "SOL", "120", "100", ACC2),
        ];
        let targets = [
            target(Some(BTC), "BTC", "40"),
            target(Some(ETH), "ETH", "40"),
            target(Some(SOL), "SOL", "20"),
        ];
        let (_, r) = run(&positions, &targets, &Guardrails::default(), false);
        assert_eq!(
            brief(&r),
            vec![
                (Side::Sell, "BTC", "0.03".into(), "3000.00".into()),
                (Side::Buy, "SOL", "30".into(), "3000.00".into()),
            ]
        );
        assert!(r.blocked.is_empty());
        assert_eq!(
            r.trades[0].reason,
            "BTC is 44%, above its 40% target: sell toward the target to fund the buys"
        );
    }

    #[test]
    fn never_sell_blocks_the_sell_and_what_it_would_have_funded() {
        let (positions, targets) = drifted();
        let g = Guardrails {
            never_sell: vec!["btc".into()],
            ..tight()
        };
        let (_, r) = run(&positions, &targets, &g, true);
        assert!(r.trades.is_empty());
        assert_eq!(
            reasons(&r),
            vec![
                ("BTC", BlockReason::NeverSell),
                ("ETH", BlockReason::NeverSell),
                ("CASH", BlockReason::NeverSell),
            ]
        );
        assert_eq!(
            r.blocked[1].message,
            "ETH needs 3000.00 USD to reach its band; sells and spendable cash leave 0.00 USD: \
             what could be sold to fund it is on the never-sell list"
        );
    }

    #[test]
    fn small_drifts_under_the_minimum_trade_are_left() {
        let positions = [
            pos(BTC, "BTC", "55005", "1", ACC1),
            pos(ETH, "ETH", "44995", "1", ACC1),
        ];
        let targets = [
            target(Some(BTC), "BTC", "50"),
            target(Some(ETH), "ETH", "50"),
        ];
        let (_, r) = run(&positions, &targets, &Guardrails::default(), false);
        assert!(r.trades.is_empty());
        assert_eq!(
            reasons(&r),
            vec![
                ("BTC", BlockReason::MinTradeUsd),
                ("ETH", BlockReason::MinTradeUsd)
            ]
        );
        let g = Guardrails {
            min_trade_usd: d("5"),
            ..Guardrails::default()
        };
        let (_, r) = run(&positions, &targets, &g, false);
        assert_eq!(
            brief(&r),
            vec![
                (Side::Sell, "BTC", "5".into(), "5.00".into()),
                (Side::Buy, "ETH", "5".into(), "5.00".into()),
            ]
        );
    }

    #[test]
    fn turnover_caps_sells_and_buys() {
        let (positions, targets) = drifted();
        let g = Guardrails {
            max_turnover_pct: d("5"),
            ..tight()
        };
        let (_, r) = run(&positions, &targets, &g, true);
        // At most 5,000 USD: 0.08333333 BTC is 4,999.9998.
        assert_eq!(
            brief(&r),
            vec![
                (Side::Sell, "BTC", "0.08333333".into(), "5000.00".into()),
                (Side::Buy, "ETH", "1.2".into(), "3000.00".into()),
            ]
        );
        assert_eq!(r.turnover_pct, d("5"));
        assert_eq!(
            reasons(&r),
            vec![
                ("BTC", BlockReason::MaxTurnoverPct),
                ("CASH", BlockReason::MaxTurnoverPct)
            ]
        );
        let none = Guardrails {
            max_turnover_pct: d("0"),
            ..tight()
        };
        let (_, r) = run(&positions, &targets, &none, true);
        assert!(r.trades.is_empty());
        assert_eq!(r.blocked[0].guardrail, BlockReason::MaxTurnoverPct);
    }

    #[test]
    fn a_zero_target_sells_exactly_what_is_held() {
        let positions = [
            pos(BTC, "BTC", "1", "10000", ACC1),
            pos(ETH, "ETH", "1.123456789012345678", "2000", ACC1),
            pos(ETH, "ETH", "0.5", "2000", ACC2),
        ];
        let targets = [
            target(Some(BTC), "BTC", "80"),
            target(Some(ETH), "ETH", "0"),
        ];
        let (a, r) = run(&positions, &targets, &Guardrails::default(), false);
        assert_eq!(a.lines[1].value_usd, d("3246.91357802"));
        assert_eq!(
            brief(&r),
            vec![(
                Side::Sell,
                "ETH",
                "1.623456789012345678".into(),
                "3246.91".into()
            )]
        );
        assert_eq!(r.trades[0].accounts, vec![ACC1, ACC2]);
        assert_eq!(r.trades[0].reason, "ETH has a 0% target: sell all of it");
        assert!(r.blocked.is_empty());
    }

    #[test]
    fn selling_all_of_separately_valued_positions_sells_the_quantity_held() {
        // Each position's value is rounded down, so quantity × price exceeds the line's value.
        let positions = [
            pos(BTC, "BTC", "167334.835", "0.12912713", ACC1),
            pos(BTC, "BTC", "167334.835", "0.12912713", ACC2),
        ];
        let targets = [target(Some(BTC), "BTC", "0")];
        let (a, r) = run(&positions, &targets, &Guardrails::default(), false);
        assert_eq!(a.lines[0].value_usd, d("43214.93398514"));
        assert_eq!(
            brief(&r),
            vec![(Side::Sell, "BTC", "334669.67".into(), "43214.93".into())]
        );
        assert!(r.blocked.is_empty());
    }

    #[test]
    fn spare_cash_buys_a_target_not_held_and_an_unpriced_one_is_blocked() {
        let positions = [
            pos(BTC, "BTC", "1", "50000", ACC1),
            pos(USDC, "USDC", "50000", "1", ACC1),
            // A price for SOL, which is not held.
            PositionInput {
                accounts: vec![],
                ..pos(SOL, "SOL", "0", "100", ACC1)
            },
            pos(DOGE, "DOGE", "0", "0.1", ACC1),
        ];
        // CASH has no target: all of it may fund buys.
        let targets = [
            target(Some(BTC), "BTC", "50"),
            target(Some(SOL), "SOL", "10"),
            target(Some(ADA), "ADA", "5"),
        ];
        let (_, r) = run(&positions, &targets, &Guardrails::default(), true);
        assert_eq!(
            brief(&r),
            vec![(Side::Buy, "SOL", "75".into(), "7500.00".into())]
        );
        assert!(r.trades[0].accounts.is_empty());
        assert_eq!(reasons(&r), vec![("ADA", BlockReason::NoPrice)]);
        let g = Guardrails {
            allow_cash_funding: false,
            ..Guardrails::default()
        };
        let (_, r) = run(&positions, &targets, &g, true);
        assert!(r.trades.is_empty());
        assert_eq!(
            reasons(&r),
            vec![
                ("ADA", BlockReason::NoPrice),
                ("SOL", BlockReason::AllowCashFunding)
            ]
        );
    }

    #[test]
    fn cash_above_its_band_is_spent_toward_targets() {
        let positions = [
            pos(BTC, "BTC", "0.3", "100000", ACC1),
            pos(ETH, "ETH", "10", "2500", ACC1),
            pos(USDC, "USDC", "45000", "1", ACC1),
        ];
        let (_, targets) = drifted();
        // BTC 30 (band 45–55), ETH 25 (25–35), CASH 45 (15–25): BTC up to 45, then on to 50 so
        // CASH comes down to 25.
        let (_, r) = run(&positions, &targets, &Guardrails::default(), true);
        assert_eq!(
            brief(&r),
            vec![(Side::Buy, "BTC", "0.2".into(), "20000.00".into())]
        );
        assert!(r.blocked.is_empty());
        assert_eq!(
            r.trades[0].reason,
            "BTC is 30% of the portfolio, below its band 45–55% (target 50%): buy up to 45%, and further toward the target to bring CASH down to its band"
        );
        // Without cash funding nothing can be bought.
        let g = Guardrails {
            allow_cash_funding: false,
            ..Guardrails::default()
        };
        let (_, r) = run(&positions, &targets, &g, true);
        assert!(r.trades.is_empty());
        assert_eq!(
            reasons(&r),
            vec![
                ("BTC", BlockReason::AllowCashFunding),
                ("CASH", BlockReason::AllowCashFunding)
            ]
        );
        assert_eq!(
            r.blocked[1].message,
            "CASH ends at 45%, above its band 15–25%: cash may not fund buys"
        );
    }

    #[test]
    fn an_unallocated_plan_part_stays_in_cash_and_unallocated_assets_never_trade() {
        let positions = [
            pos(BTC, "BTC", "0.5", "100000", ACC1),
            pos(USDC, "USDC", "40000", "1", ACC1),
            pos(DOGE, "DOGE", "100000", "0.1", ACC1),
        ];
        // 40% of the plan is unallocated; CASH's band is 7.5–12.5.
        let targets = [target(Some(BTC), "BTC", "50"), target(None, CASH, "10")];
        let (a, r) = run(&positions, &targets, &Guardrails::default(), true);
        assert_eq!(a.unallocated_pct, d("40"));
        assert_eq!(a.unallocated_current_pct, d("10"));
        assert!(r.trades.is_empty());
        assert_eq!(reasons(&r), vec![("CASH", BlockReason::Unallocated)]);
    }

    #[test]
    fn an_empty_portfolio_gets_nothing() {
        let targets = [target(Some(BTC), "BTC", "100")];
        let (_, r) = run(&[], &targets, &Guardrails::default(), true);
        assert_eq!(r, Recommendation::default());
    }

    #[test]
    fn recommendations_serialize_with_lowercase_names_and_string_amounts() {
        let (positions, targets) = drifted();
        let (_, r) = run(&positions, &targets, &tight(), true);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["trades"][0]["side"], "sell");
        assert_eq!(json["trades"][0]["usd_amount"], "8000.00");
        assert_eq!(json["total_buy_usd"], "3000.00");
        let (_, r) = run(
            &positions,
            &targets,
            &Guardrails {
                never_sell: vec!["BTC".into()],
                ..tight()
            },
            true,
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["blocked"][0]["guardrail"], "never_sell");
        assert_eq!(json["blocked"][1]["guardrail"], "never_sell");
    }

    #[test]
    fn spendable_cash_follows_its_band_and_the_guardrails() {
        let (positions, targets) = drifted();
        let g = Guardrails::default();
        let at = |cash_usd: &str, targets: &[ResolvedTarget], g: &Guardrails| {
            let mut p = positions.clone();
            p[3] = pos(USDC, "USDC", cash_usd, "1", ACC1);
            spendable_cash(&compute(&p, targets, g, true), g)
        };
        // 25,000 of 110,000 with a 15% low edge (16,500).
        assert_eq!(at("25000", &targets, &g), d("8500"));
        assert_eq!(at("10000", &targets, &g), d("0"));
        assert_eq!(
            at("25000", &targets[..2], &g),
            d("25000"),
            "no target: all of it"
        );
        let off = Guardrails {
            allow_cash_funding: false,
            ..g.clone()
        };
        assert_eq!(at("25000", &targets, &off), d("0"));
        let kept = Guardrails {
            never_sell: vec!["cash".into()],
            ..g
        };
        assert_eq!(at("25000", &targets, &kept), d("0"));
    }

    #[test]
    fn trade_quantities_use_the_assets_own_precision_and_never_exceed_what_is_held() {
        // BTC as an 8-decimal token would be 0.13333334; as a 2-decimal asset it is 0.14 (the
        // smallest step that reaches the band), and an 18-decimal one goes finer than 8.
        let sized = |dp: Option<u32>| {
            let (mut positions, targets) = drifted();
            for p in positions.iter_mut().filter(|p| p.asset_id == Some(BTC)) {
                p.quantity_dp = dp;
            }
            let (a, r) = run(&positions, &targets, &tight(), true);
            let btc = a.lines.iter().find(|l| l.symbol == "BTC").unwrap().clone();
            let sell = r.trades.into_iter().find(|t| t.symbol == "BTC").unwrap();
            (btc, sell)
        };
        let (line, sell) = sized(Some(2));
        assert_eq!(line.quantity_dp, 2);
        assert_eq!(sell.quantity, d("0.14"));
        let (line, sell) = sized(Some(18));
        assert_eq!(line.quantity_dp, 18);
        assert_eq!(sell.quantity, d("0.133333333333333334"));
        let (line, sell) = sized(None);
        assert_eq!(line.quantity_dp, QUANTITY_DP, "exchange balances: 8 places");
        assert_eq!(sell.quantity, d("0.13333334"));
        // A 0% target on a 6-decimal token sells exactly what is held, not a rounded-up step.
        let mut held = pos(ETH, "ETH", "1.2345678", "2500", ACC1);
        held.quantity_dp = Some(6);
        let (_, r) = run(
            &[held, pos(BTC, "BTC", "1", "60000", ACC1)],
            &[
                target(Some(ETH), "ETH", "0"),
                target(Some(BTC), "BTC", "100"),
            ],
            &Guardrails::default(),
            false,
        );
        let eth = r.trades.iter().find(|t| t.symbol == "ETH").unwrap();
        assert_eq!(eth.quantity, d("1.2345678"));
        assert_eq!(eth.side, Side::Sell);
    }

    #[test]
    fn a_huge_quantity_of_an_18_decimal_token_steps_coarser_and_stays_funded() {
        // 2.1e12 units at 18 places would need 31 digits; Decimal keeps 28.
        assert_eq!(fit_dp(d("2357415.35"), 18), 18);
        assert_eq!(fit_dp(d("2116734281427.1"), 18), 13);
        assert_eq!(fit_dp(d("0.5"), 18), 18);
        let mut big = pos(ETH, "ETH", "3214439.46", "196417.78", ACC1);
        big.quantity_dp = Some(13);
        let mut cheap = pos(BTC, "BTC", "2357415.35", "0.29828156", ACC1);
        cheap.quantity_dp = Some(18);
        let g = Guardrails {
            drift_band_abs_pct: Decimal::ZERO,
            drift_band_rel_pct: Decimal::ZERO,
            min_trade_usd: Decimal::ZERO,
            allow_cash_funding: false,
            ..Guardrails::default()
        };
        let (_, r) = run(
            &[big, cheap],
            &[
                target(Some(ETH), "ETH", "0"),
                target(Some(BTC), "BTC", "100"),
            ],
            &g,
            false,
        );
        assert!(r.total_buy_usd <= r.total_sell_usd, "{r:?}");
        let buy = r.trades.iter().find(|t| t.side == Side::Buy).unwrap();
        assert!(buy.quantity.scale() <= 18);
    }

    #[test]
    fn quantities_are_sized_in_steps_toward_the_band() {
        let p = d("3");
        assert_eq!(
            size(d("1"), Cap::exact(d("10")), p, None, QUANTITY_DP),
            Some((d("0.33333334"), d("1.00000002")))
        );
        assert_eq!(
            size(d("1"), Cap::exact(d("0.5")), p, None, QUANTITY_DP),
            Some((d("0.16666666"), d("0.49999998")))
        );
        assert_eq!(
            size(d("1"), Cap::exact(d("0.00000002")), p, None, QUANTITY_DP),
            None
        );
        // Never more than held; all of it moves the held value.
        let held = Some((d("0.2"), d("0.61")));
        assert_eq!(
            size(d("5"), Cap::exact(d("10")), p, held, QUANTITY_DP),
            Some((d("0.2"), d("0.61")))
        );
        // A rounded limit: 0.61 is over 0.605.
        let rounded = Cap {
            exact: d("1"),
            rounded: d("0.605"),
        };
        assert_eq!(
            size(d("5"), rounded, p, held, QUANTITY_DP),
            Some((d("0.19999999"), d("0.59999997")))
        );
        // All of 835.601 fits a cap of 835.601, reported as 835.60 against 835.60.
        let all = Some((d("835.601"), d("835.601")));
        let cap = Cap::left(d("835.601"), Decimal::ZERO, Decimal::ZERO);
        assert_eq!(
            size(d("835.601"), cap, Decimal::ONE, all, QUANTITY_DP),
            Some((d("835.601"), d("835.601")))
        );
        assert_eq!(
            size(d("5"), Cap::exact(d("0.6")), p, held, QUANTITY_DP),
            Some((d("0.19999999"), d("0.59999997")))
        );
    }

    // ---- Property tests -------------------------------------------------------------------

    #[derive(Debug, Clone)]
    struct GenAsset {
        price: Option<Decimal>,
        quantity: Decimal,
        stable: bool,
        split: bool,
        weight: Option<u32>,
        never_sell: Option<bool>,
        dp: Option<u32>,
    }

    #[derive(Debug, Clone)]
    struct Case {
        positions: Vec<PositionInput>,
        targets: Vec<ResolvedTarget>,
        guardrails: Guardrails,
        cash: bool,
    }

    fn dec((m, s): (i64, u32)) -> Decimal {
        Decimal::new(m, s)
    }

    prop_compose! {
        fn arb_asset()(
            price in prop::option::weighted(0.9, (1i64..=100_000_000, 0u32..=8)),
            quantity in prop_oneof![
                1 => Just((0i64, 0u32)),
                9 => (1i64..=1_000_000_000, 0u32..=8),
            ],
            stable in prop::bool::weighted(0.2),
            split in any::<bool>(),
            weight in prop::option::weighted(0.8, 0u32..=100),
            never_sell in prop::option::weighted(0.15, any::<bool>()),
            dp in prop::option::weighted(0.5, 0u32..=12),
        ) -> GenAsset {
            GenAsset {
                price: price.map(dec),
                quantity: dec(quantity),
                stable,
                split,
                weight,
                never_sell,
                dp,
            }
        }
    }

    prop_compose! {
        fn arb_guardrails()(
            abs in prop_oneof![1 => Just(0i64), 9 => 0i64..=2000],
            rel in 0i64..=10000,
            min in prop_oneof![1 => Just(0i64), 4 => 0i64..=50000],
            turnover in prop_oneof![1 => Just(10000i64), 3 => 0i64..=10000],
            allow in any::<bool>(),
            cash_never_sell in prop::bool::weighted(0.1),
        ) -> Guardrails {
            Guardrails {
                drift_band_abs_pct: Decimal::new(abs, 2),
                drift_band_rel_pct: Decimal::new(rel, 2),
                min_trade_usd: Decimal::new(min, 2),
                max_turnover_pct: Decimal::new(turnover, 2),
                never_sell: if cash_never_sell { vec!["CASH".into()] } else { vec![] },
                never_sell_ids: vec![],
                allow_cash_funding: allow,
            }
        }
    }

    prop_compose! {
        fn arb_case()(
            assets in prop::collection::vec(arb_asset(), 1..=8),
            cash in any::<bool>(),
            cash_weight in prop::option::of(0u32..=100),
            allocated_bp in prop_oneof![1 => Just(10_000u32), 2 => 0u32..=10_000],
            guardrails in arb_guardrails(),
        ) -> Case {
            build_case(&assets, cash, cash_weight, allocated_bp, guardrails)
        }
    }

    fn build_case(
        assets: &[GenAsset],
        cash: bool,
        cash_weight: Option<u32>,
        allocated_bp: u32,
        mut guardrails: Guardrails,
    ) -> Case {
        let mut positions = Vec::new();
        let mut weights: Vec<(Option<Uuid>, String, u32)> = Vec::new();
        for (i, a) in assets.iter().enumerate() {
            let id = Uuid::from_u128(i as u128 + 1);
            let symbol = format!("A{i}");
            let price = if a.stable {
                a.price.map(|_| Decimal::ONE)
            } else {
                a.price
            };
            let halves = if a.split {
                let first =
                    (a.quantity / Decimal::TWO).round_dp_with_strategy(8, RoundingStrategy::ToZero);
                vec![(first, ACC1), (a.quantity - first, ACC2)]
            } else {
                vec![(a.quantity, ACC1)]
            };
            for (quantity, account) in halves {
                positions.push(PositionInput {
                    asset_id: Some(id),
                    symbol: symbol.clone(),
                    quantity,
                    value_usd: price.and_then(|p| value_usd(quantity, p)),
                    price_usd: price,
                    is_stablecoin: a.stable,
                    accounts: vec![account],
                    quantity_dp: a.dp,
                    ..Default::default()
                });
            }
            if let Some(w) = a.weight.filter(|_| !(cash && a.stable)) {
                weights.push((Some(id), symbol.clone(), w));
            }
            match a.never_sell {
                Some(true) => guardrails.never_sell.push(symbol.to_lowercase()),
                Some(false) => guardrails.never_sell.push(id.to_string()),
                None => {}
            }
        }
        if let Some(w) = cash_weight.filter(|_| cash) {
            weights.push((None, CASH.to_string(), w));
        }
        // Targets in basis points adding up to at most `allocated_bp`.
        let sum: u32 = weights.iter().map(|w| w.2).sum();
        let targets = weights
            .into_iter()
            .map(|(asset_id, symbol, w)| ResolvedTarget {
                asset_id,
                symbol,
                target_pct: Decimal::new(
                    i64::from((allocated_bp * w).checked_div(sum).unwrap_or(0)),
                    2,
                ),
            })
            .collect();
        Case {
            positions,
            targets,
            guardrails,
            cash,
        }
    }

    /// The value a trade moves: all of the line's value when it sells all of it.
    fn moved(t: &Trade, line: &AllocationLine) -> Decimal {
        if t.side == Side::Sell && t.quantity == line.quantity {
            line.value_usd
        } else {
            t.quantity * line.price_usd.unwrap()
        }
    }

    fn check(case: &Case) -> Result<(), TestCaseError> {
        let g = &case.guardrails;
        let a = compute(&case.positions, &case.targets, g, case.cash);
        let r = recommend(&a, g);
        let total = a.total_value_usd;
        let all_ok = a
            .lines
            .iter()
            .all(|l| matches!(l.status, LineStatus::Ok | LineStatus::Unallocated));
        // (f) on target: no trades.
        if all_ok || total.is_zero() {
            prop_assert!(
                r.trades.is_empty(),
                "trades on a portfolio inside its bands"
            );
            prop_assert!(r.blocked.is_empty());
        }
        let cash_line = a.lines.iter().find(|l| l.is_cash);
        let cash_value = cash_line.map_or(Decimal::ZERO, |l| l.value_usd);
        // Cash that may fund buys, as the guardrails define it.
        let mut floor = if g.allow_cash_funding && !g.protects(None, CASH) {
            Decimal::ZERO
        } else {
            cash_value
        };
        if let Some(t) = cash_line.and_then(|l| l.target_pct) {
            floor = floor.max(band_usd(t, g, total).0);
        }
        let allowed_cash = (cash_value - floor).max(Decimal::ZERO);

        let mut after: HashMap<(Option<Uuid>, String), Decimal> = a
            .lines
            .iter()
            .filter(|l| !l.is_cash)
            .map(|l| ((l.asset_id, l.symbol.clone()), l.value_usd))
            .collect();
        let mut cash_after = cash_value;
        let (mut sold, mut bought) = (Decimal::ZERO, Decimal::ZERO);
        let mut seen = BTreeSet::new();
        for t in &r.trades {
            let line = a
                .lines
                .iter()
                .find(|l| !l.is_cash && l.asset_id == t.asset_id && l.symbol == t.symbol);
            prop_assert!(line.is_some(), "a trade on no line, or on CASH");
            let line = line.unwrap();
            prop_assert!(line.target_pct.is_some(), "an unallocated line trades");
            prop_assert!(
                seen.insert((t.asset_id, t.symbol.clone())),
                "two trades on a line"
            );
            prop_assert!(t.quantity > Decimal::ZERO);
            // (e) nothing under the minimum.
            prop_assert!(t.usd_amount >= g.min_trade_usd);
            prop_assert_eq!(&t.accounts, &line.accounts);
            let m = moved(t, line);
            prop_assert_eq!(t.usd_amount, round_usd(m));
            let v = after
                .get_mut(&(line.asset_id, line.symbol.clone()))
                .unwrap();
            match t.side {
                Side::Sell => {
                    // (b) never more than held; (c) never a protected line.
                    prop_assert!(t.quantity <= line.quantity);
                    prop_assert!(!g.protects(line.asset_id, &line.symbol));
                    prop_assert!(
                        t.quantity == line.quantity || t.quantity.scale() <= line.quantity_dp
                    );
                    *v -= m;
                    cash_after += m;
                    sold += m;
                }
                Side::Buy => {
                    prop_assert!(t.quantity.scale() <= line.quantity_dp);
                    *v += m;
                    cash_after -= m;
                    bought += m;
                }
            }
            prop_assert!(*v >= Decimal::ZERO);
        }
        let sum_of = |side| -> Decimal {
            r.trades
                .iter()
                .filter(|t| t.side == side)
                .map(|t| t.usd_amount)
                .sum()
        };
        prop_assert_eq!(r.total_sell_usd, sum_of(Side::Sell));
        prop_assert_eq!(r.total_buy_usd, sum_of(Side::Buy));
        // (d) buys ≤ sells + allowed cash, reported and exact.
        prop_assert!(r.total_buy_usd <= r.total_sell_usd + allowed_cash);
        prop_assert!(bought <= sold + allowed_cash);
        let cap = g.max_turnover_pct * total / HUNDRED;
        prop_assert!(r.total_sell_usd <= round_usd(cap) && r.total_buy_usd <= round_usd(cap));
        prop_assert!(sold <= cap && bought <= cap);

        // (a) inside the band, or blocked with a reason that holds.
        let leftover = sold + allowed_cash - bought;
        let slack = Decimal::new(1, 2) * Decimal::from(a.lines.len() + 2);
        let max_step = a
            .lines
            .iter()
            .filter_map(|l| l.price_usd.map(|p| p * step(l.quantity_dp)))
            .max()
            .unwrap_or_default();
        let value_after = |l: &AllocationLine| {
            if l.is_cash {
                cash_after
            } else {
                after[&(l.asset_id, l.symbol.clone())]
            }
        };
        for l in a.lines.iter().filter(|l| l.target_pct.is_some()) {
            let t = l.target_pct.unwrap();
            let (lo, hi) = band_usd(t, g, total);
            let v = value_after(l);
            if v >= lo && v <= hi {
                continue;
            }
            let b = r
                .blocked
                .iter()
                .find(|b| b.asset_id == l.asset_id && b.symbol == l.symbol);
            prop_assert!(
                b.is_some(),
                "{} ends outside its band unexplained",
                l.symbol
            );
            let b = b.unwrap();
            let step_value = l.price_usd.map_or(max_step, |p| p * step(l.quantity_dp));
            let target_usd = |l: &AllocationLine| l.target_pct.unwrap() * total / HUNDRED;
            let justified = match b.guardrail {
                BlockReason::NeverSell => {
                    g.protects(l.asset_id, &l.symbol)
                        || g.protects(None, CASH)
                        || a.lines.iter().any(|o| {
                            o.target_pct.is_some()
                                && g.protects(o.asset_id, &o.symbol)
                                && value_after(o) > target_usd(o)
                        })
                }
                BlockReason::NoPrice => {
                    l.price_usd.is_none()
                        || a.lines.iter().any(|o| !o.is_cash && o.price_usd.is_none())
                }
                BlockReason::MinTradeUsd => g.min_trade_usd > Decimal::ZERO,
                BlockReason::MaxTurnoverPct => g.max_turnover_pct < HUNDRED,
                BlockReason::AllowCashFunding => !g.allow_cash_funding,
                BlockReason::InsufficientFunding if l.is_cash => {
                    // Below its band, and nothing sellable is left above its target.
                    v < lo
                        && a.lines.iter().all(|o| {
                            o.is_cash
                                || o.target_pct.is_none()
                                || o.price_usd.is_none()
                                || g.protects(o.asset_id, &o.symbol)
                                || value_after(o) - target_usd(o)
                                    <= o.price_usd.unwrap() * step(o.quantity_dp) + slack
                        })
                }
                // What is left buys less than a step of some line, or less than the minimum.
                BlockReason::InsufficientFunding => {
                    leftover <= max_step.max(step_value) + slack
                        || leftover < g.min_trade_usd + slack
                }
                BlockReason::Unallocated => {
                    // One step of the quantity the buy had, at the decimals that fit it (a
                    // quantity of many integer digits keeps fewer decimals: `fit_dp`).
                    let unit = |o: &AllocationLine| {
                        o.price_usd.map_or(Decimal::ZERO, |p| {
                            let q = target_usd(o).max(value_after(o)) / p;
                            p * step(fit_dp(q, o.quantity_dp))
                        })
                    };
                    l.is_cash
                        && a.lines.iter().all(|o| {
                            o.is_cash
                                || o.target_pct.is_none()
                                || value_after(o) >= target_usd(o) - unit(o)
                        })
                }
                BlockReason::QuantityPrecision => hi - lo < step_value * Decimal::TWO + slack,
            };
            prop_assert!(
                justified,
                "{} blocked by {:?} unjustly: {}",
                l.symbol,
                b.guardrail,
                b.message
            );
        }
        // Blocked lines are out of band after the trades, once each.
        let mut blocked_seen = BTreeSet::new();
        for b in &r.blocked {
            prop_assert!(blocked_seen.insert((b.asset_id, b.symbol.clone())));
            let l = a
                .lines
                .iter()
                .find(|l| l.asset_id == b.asset_id && l.symbol == b.symbol);
            prop_assert!(l.is_some_and(|l| l.target_pct.is_some()));
            let l = l.unwrap();
            let (lo, hi) = band_usd(l.target_pct.unwrap(), g, total);
            let v = value_after(l);
            prop_assert!(v < lo || v > hi, "{} blocked but inside its band", l.symbol);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn trades_keep_every_guarantee(case in arb_case()) {
            check(&case)?;
        }

        #[test]
        fn a_portfolio_inside_its_bands_gets_no_trades(
            assets in prop::collection::vec(arb_asset(), 1..=8),
            allocated_bp in 0u32..=10_000,
            mut guardrails in arb_guardrails(),
            abs in 50i64..=2000,
            rel in 500i64..=10000,
        ) {
            guardrails.drift_band_abs_pct = Decimal::new(abs, 2);
            guardrails.drift_band_rel_pct = Decimal::new(rel, 2);
            // Hold each asset at its target of 1,000,000 USD, and the unallocated rest in REST.
            let mut case = build_case(&assets, false, None, allocated_bp, guardrails);
            let total = Decimal::from(1_000_000);
            let mut positions = Vec::new();
            for t in &case.targets {
                let p = case
                    .positions
                    .iter()
                    .find(|p| p.asset_id == t.asset_id)
                    .and_then(|p| p.price_usd)
                    .unwrap_or(Decimal::ONE);
                let quantity = (t.target_pct * total / HUNDRED / p)
                    .round_dp_with_strategy(8, RoundingStrategy::MidpointNearestEven);
                positions.push(PositionInput {
                    asset_id: t.asset_id,
                    symbol: t.symbol.clone(),
                    quantity,
                    value_usd: value_usd(quantity, p),
                    price_usd: Some(p),
                    is_stablecoin: false,
                    accounts: vec![ACC1],
                    ..Default::default()
                });
            }
            let rest: Decimal = HUNDRED - case.targets.iter().map(|t| t.target_pct).sum::<Decimal>();
            positions.push(PositionInput {
                asset_id: Some(Uuid::from_u128(999)),
                symbol: "REST".into(),
                quantity: rest * total / HUNDRED,
                value_usd: Some(rest * total / HUNDRED),
                price_usd: Some(Decimal::ONE),
                is_stablecoin: false,
                accounts: vec![ACC2],
                ..Default::default()
            });
            case.positions = positions;
            let a = compute(&case.positions, &case.targets, &case.guardrails, false);
            prop_assume!(a.lines.iter().all(|l| l.status != LineStatus::Over && l.status != LineStatus::Under));
            let r = recommend(&a, &case.guardrails);
            prop_assert!(r.trades.is_empty());
            prop_assert!(r.blocked.is_empty());
            check(&case)?;
        }
    }
}
