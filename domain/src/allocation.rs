//! Target allocation: what a portfolio should hold, and where it stands against that.
//!
//! Rules:
//! - A target is `{asset, target_pct}`: each 0–100, together at most 100 (the rest is
//!   unallocated), no asset or symbol twice, every asset resolving. `CASH` is all stablecoins
//!   as one line; it needs `stablecoins_as_cash`, which in turn forbids targeting a single
//!   stablecoin.
//! - Holdings of all linked accounts merge per asset, and all stablecoins into one `CASH` line
//!   when the portfolio treats them as cash. Unpriced holdings are listed apart and left out of
//!   the total and the weights. A target nothing is held of is a line worth 0. Held assets
//!   without a target are `unallocated`.
//! - Band of a target `t`: `d = min(abs, t × rel / 100)`, band `[t − d, min(100, t + d)]`, edges
//!   inside. An asset is out of band when either limit is exceeded, which is the stricter one
//!   applying. A target of 0 has the band [0, 0]: anything held is over.
//! - Decisions (status here, trades in `rebalance`) compare USD values with
//!   `pct × total / 100` ([`band_usd`]), never rounded percentages. Displayed percentages
//!   (current, drifts, bands, unallocated weight) are rounded half-even to [`PCT_DP`] places.
//! - A portfolio worth 0 has no weights: targeted lines are `ok` and drifts are absent.
//! - A negative position (a borrow) is a liability: listed in `liabilities`, never in the lines,
//!   so weights are shares of the gross long value (`total_value_usd`); `net_value_usd` is
//!   that minus the liabilities. Liabilities are never traded.
//! - All arithmetic is checked: a position whose value cannot be added without overflowing
//!   `Decimal` is listed with the unpriced ones and `overflow` is set, never a panic.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The target name and line symbol of all stablecoins as one line.
pub const CASH: &str = "CASH";

/// Decimal places of displayed percentages.
pub const PCT_DP: u32 = 4;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// A percentage for display: rounded half-even to [`PCT_DP`] places, no trailing zeros.
pub fn round_pct(pct: Decimal) -> Decimal {
    pct.round_dp_with_strategy(PCT_DP, RoundingStrategy::MidpointNearestEven)
        .normalize()
}

fn is_cash_name(s: &str) -> bool {
    s.trim().eq_ignore_ascii_case(CASH)
}

/// A target as the user gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TargetItem {
    /// A symbol, an asset id, or `CASH`.
    pub asset: String,
    /// A plain decimal in a string (`"50"`, `"12.5"`); JSON numbers are refused.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "super::exact::decimal")]
    pub target_pct: Decimal,
}

/// A validated target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResolvedTarget {
    /// `None` for `CASH`.
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    #[schema(value_type = String)]
    pub target_pct: Decimal,
}

/// Limits on what a rebalance may recommend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Guardrails {
    /// Allowed drift in percentage points.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "super::exact::decimal")]
    pub drift_band_abs_pct: Decimal,
    /// Allowed drift in percent of the target.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "super::exact::decimal")]
    pub drift_band_rel_pct: Decimal,
    /// Smallest trade worth making.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "super::exact::decimal")]
    pub min_trade_usd: Decimal,
    /// Cap on total sells and, separately, total buys, in percent of the portfolio's value.
    #[schema(value_type = String)]
    #[serde(deserialize_with = "super::exact::decimal")]
    pub max_turnover_pct: Decimal,
    /// Symbols or asset ids never to sell (`CASH`: never spend cash). A symbol covers every
    /// asset with that symbol.
    pub never_sell: Vec<String>,
    /// The assets of `never_sell`, as [`Guardrails::resolve_never_sell`] found them (set by
    /// the server; ignored in requests).
    #[serde(default)]
    #[schema(read_only)]
    pub never_sell_ids: Vec<Uuid>,
    /// Whether cash (the `CASH` line) may fund buys beyond what sells raise.
    pub allow_cash_funding: bool,
}

impl Default for Guardrails {
    fn default() -> Self {
        Guardrails {
            drift_band_abs_pct: Decimal::from(5),
            drift_band_rel_pct: Decimal::from(25),
            min_trade_usd: Decimal::from(10),
            max_turnover_pct: HUNDRED,
            never_sell: Vec::new(),
            never_sell_ids: Vec::new(),
            allow_cash_funding: true,
        }
    }
}

impl Guardrails {
    /// `(field, message)` for each invalid value: percentages 0–100, amounts ≥ 0, no empty
    /// `never_sell` entry.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        for (field, v) in [
            ("drift_band_abs_pct", self.drift_band_abs_pct),
            ("drift_band_rel_pct", self.drift_band_rel_pct),
            ("max_turnover_pct", self.max_turnover_pct),
        ] {
            if v < Decimal::ZERO {
                errors.push((field.to_string(), "must be at least 0".to_string()));
            } else if v > HUNDRED {
                errors.push((field.to_string(), "must be at most 100".to_string()));
            }
        }
        if self.min_trade_usd < Decimal::ZERO {
            errors.push((
                "min_trade_usd".to_string(),
                "must be at least 0".to_string(),
            ));
        }
        for (i, s) in self.never_sell.iter().enumerate() {
            if s.trim().is_empty() {
                errors.push((format!("never_sell[{i}]"), "asset is required".to_string()));
            }
        }
        errors
    }

    /// Resolves `never_sell` into `never_sell_ids` (the caller does identity resolution, as for
    /// targets); `CASH` needs no id. Returns `(field, message)` for what does not resolve.
    pub fn resolve_never_sell(
        &mut self,
        resolve: impl Fn(&str) -> Result<(Option<Uuid>, String), String>,
    ) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        let mut ids = Vec::new();
        for (i, s) in self.never_sell.iter().enumerate() {
            let s = s.trim();
            let field = format!("never_sell[{i}]");
            if s.is_empty() {
                errors.push((field, "asset is required".to_string()));
            } else if !is_cash_name(s) {
                match resolve(s) {
                    Ok((Some(id), _)) if !ids.contains(&id) => ids.push(id),
                    Ok((Some(_), _)) => {}
                    Ok((None, _)) => errors.push((field, format!("{s} is not a known asset"))),
                    Err(message) => errors.push((field, message)),
                }
            }
        }
        self.never_sell_ids = ids;
        errors
    }

    /// Whether a line may never be sold: its id is in `never_sell_ids`, or `never_sell` names its
    /// symbol (any case) or id.
    pub fn protects(&self, asset_id: Option<Uuid>, symbol: &str) -> bool {
        asset_id.is_some_and(|id| self.never_sell_ids.contains(&id))
            || self.never_sell.iter().any(|s| {
                let s = s.trim();
                s.eq_ignore_ascii_case(symbol.trim())
                    || asset_id.is_some_and(|id| Uuid::parse_str(s).is_ok_and(|u| u == id))
            })
    }
}

/// Validates and resolves targets. `resolve` turns a symbol or asset id into `(asset id,
/// symbol)` or an error message; `is_stable` says whether an asset is a stablecoin.
///
/// Errors are `(field, message)`, the field like `target_allocation[1].target_pct`, or
/// `target_allocation` for the sum.
pub fn validate_targets(
    items: &[TargetItem],
    resolve: impl Fn(&str) -> Result<(Option<Uuid>, String), String>,
    is_stable: impl Fn(Uuid) -> bool,
    stablecoins_as_cash: bool,
) -> Result<Vec<ResolvedTarget>, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut out: Vec<ResolvedTarget> = Vec::new();
    let mut first_index: Vec<usize> = Vec::new();
    let mut sum = Decimal::ZERO;
    for (i, item) in items.iter().enumerate() {
        let field = |f: &str| format!("target_allocation[{i}].{f}");
        if item.target_pct < Decimal::ZERO {
            errors.push((field("target_pct"), "must be at least 0".to_string()));
        } else if item.target_pct > HUNDRED {
            errors.push((field("target_pct"), "must be at most 100".to_string()));
        }
        sum += item.target_pct;
        let asset = item.asset.trim();
        let resolved = if asset.is_empty() {
            Err("asset is required".to_string())
        } else if is_cash_name(asset) {
            if stablecoins_as_cash {
                Ok((None, CASH.to_string()))
            } else {
                Err("set stablecoins_as_cash to use CASH".to_string())
            }
        } else {
            match resolve(asset) {
                Ok((Some(id), symbol)) if stablecoins_as_cash && is_stable(id) => Err(format!(
                    "{symbol} is a stablecoin and stablecoins count as CASH: target CASH instead"
                )),
                Ok((Some(id), symbol)) => Ok((Some(id), symbol)),
                Ok((None, _)) => Err(format!("{asset} is not a known asset")),
                Err(message) => Err(message),
            }
        };
        match resolved {
            Ok((asset_id, symbol)) => {
                if let Some(j) = out
                    .iter()
                    .position(|t| t.asset_id == asset_id || t.symbol.eq_ignore_ascii_case(&symbol))
                {
                    errors.push((
                        field("asset"),
                        format!(
                            "{symbol} is already targeted by target_allocation[{}]",
                            first_index[j]
                        ),
                    ));
                } else {
                    out.push(ResolvedTarget {
                        asset_id,
                        symbol,
                        target_pct: item.target_pct,
                    });
                    first_index.push(i);
                }
            }
            Err(message) => errors.push((field("asset"), message)),
        }
    }
    if sum > HUNDRED {
        errors.push((
            "target_allocation".to_string(),
            format!(
                "targets add up to {}%; at most 100% can be allocated",
                sum.normalize()
            ),
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The band of a target, in percent: `[t − d, min(100, t + d)]` with
/// `d = min(abs, t × rel / 100)` (negative guardrails count as 0).
pub fn band(target_pct: Decimal, guardrails: &Guardrails) -> (Decimal, Decimal) {
    let abs = guardrails.drift_band_abs_pct.max(Decimal::ZERO);
    let rel = guardrails.drift_band_rel_pct.max(Decimal::ZERO);
    let d = abs.min(target_pct * rel / HUNDRED).max(Decimal::ZERO);
    (
        (target_pct - d).max(Decimal::ZERO),
        (target_pct + d).min(HUNDRED),
    )
}

/// The band of a target in USD of a portfolio worth `total`: each edge `pct × total / 100`.
/// Every band decision compares a USD value with these.
pub fn band_usd(
    target_pct: Decimal,
    guardrails: &Guardrails,
    total: Decimal,
) -> (Decimal, Decimal) {
    let (low, high) = band(target_pct, guardrails);
    (share(total, low), share(total, high))
}

/// `pct × total / 100` for `pct` in 0–100, exact where it fits and never overflowing
/// (dividing first when the product would).
pub fn share(total: Decimal, pct: Decimal) -> Decimal {
    total
        .checked_mul(pct)
        .map(|v| v / HUNDRED)
        .or_else(|| (total / HUNDRED).checked_mul(pct))
        .unwrap_or(total)
}

/// Decimal places of trade quantities when the asset's own precision is not known (an
/// exchange balance, a targeted asset nothing is held of).
pub const DEFAULT_QUANTITY_DP: u32 = 8;

/// The finest quantity step used even for assets with more decimals (an 18-decimal token
/// trades in steps of 10^-18; beyond that `Decimal` has no room left beside the amount).
pub const MAX_QUANTITY_DP: u32 = 18;

fn default_quantity_dp() -> u32 {
    DEFAULT_QUANTITY_DP
}

/// One holding of one linked account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PositionInput {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    pub quantity: Decimal,
    /// `None`: unpriced, listed apart.
    pub value_usd: Option<Decimal>,
    pub price_usd: Option<Decimal>,
    pub is_stablecoin: bool,
    pub accounts: Vec<Uuid>,
    /// Where the price came from and when it was observed.
    pub price_source: Option<String>,
    pub price_at: Option<DateTime<Utc>>,
    /// The price is older than the staleness limit: counted, flagged, never traded on.
    pub price_stale: bool,
    /// Decimal places of the asset where the source says (token decimals).
    pub quantity_dp: Option<u32>,
    /// An unidentified holding whose symbol several assets share.
    pub ambiguous: bool,
}

/// Where a line stands against its band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LineStatus {
    Ok,
    Over,
    Under,
    Unallocated,
}

/// One asset (or `CASH`) of the portfolio, priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AllocationLine {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    /// The line of all stablecoins (symbol `CASH`, no asset id, no price).
    pub is_cash: bool,
    /// For `CASH`, the stablecoins' units added up.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// The price the positions share; when they differ, their average (value / quantity).
    #[schema(value_type = Option<String>)]
    pub price_usd: Option<Decimal>,
    /// Exact sum of the positions' values.
    #[schema(value_type = String)]
    pub value_usd: Decimal,
    #[schema(value_type = String)]
    pub current_pct: Decimal,
    /// As given (not rounded).
    #[schema(value_type = Option<String>)]
    pub target_pct: Option<Decimal>,
    /// Current − target, in points.
    #[schema(value_type = Option<String>)]
    pub drift_pct_points: Option<Decimal>,
    /// (current − target) / target × 100; absent for a target of 0.
    #[schema(value_type = Option<String>)]
    pub drift_relative_pct: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub band_low_pct: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub band_high_pct: Option<Decimal>,
    pub status: LineStatus,
    /// The accounts holding it, sorted.
    pub accounts: Vec<Uuid>,
    /// Where the price came from (for `CASH`, every source of its stablecoins, comma-separated).
    #[serde(default)]
    pub price_source: Option<String>,
    /// When the price was observed (for `CASH`, the oldest of its stablecoins' prices).
    #[serde(default)]
    pub price_at: Option<DateTime<Utc>>,
    /// The price (or one of `CASH`'s) is older than `PRICE_MAX_AGE_SECS`: the value counts in
    /// the total, and no trade is recommended on it.
    #[serde(default)]
    pub price_stale: bool,
    /// Decimal places trade quantities of this asset use: the token's decimals (at most
    /// [`MAX_QUANTITY_DP`]), else [`DEFAULT_QUANTITY_DP`].
    #[serde(default = "default_quantity_dp")]
    pub quantity_dp: u32,
}

/// Holdings without a price, per asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnpricedLine {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub accounts: Vec<Uuid>,
}

/// Borrowed (negative) positions per asset: owed, shown apart, never in the weights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LiabilityLine {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    /// Negative.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Negative; `None` when unpriced.
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
    pub accounts: Vec<Uuid>,
}

/// A portfolio against its targets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Allocation {
    /// Priced long holdings only (the base of every percentage).
    #[schema(value_type = String)]
    pub total_value_usd: Decimal,
    /// `total_value_usd` minus the priced liabilities.
    #[serde(default)]
    #[schema(value_type = String)]
    pub net_value_usd: Decimal,
    /// Borrowed positions, by symbol.
    #[serde(default)]
    pub liabilities: Vec<LiabilityLine>,
    /// Some value was too large to add up: those positions are listed in `unpriced`.
    #[serde(default)]
    pub overflow: bool,
    /// Largest value first; targets nothing is held of last.
    pub lines: Vec<AllocationLine>,
    /// By symbol.
    pub unpriced: Vec<UnpricedLine>,
    /// 100 − the targets' sum: the part of the plan left unallocated.
    #[schema(value_type = String)]
    pub unallocated_pct: Decimal,
    /// The current weight of held assets without a target.
    #[schema(value_type = String)]
    pub unallocated_current_pct: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    Cash,
    Asset(Uuid),
    Unidentified(String),
}

impl Key {
    fn of(asset_id: Option<Uuid>, symbol: &str) -> Key {
        match asset_id {
            Some(id) => Key::Asset(id),
            None => Key::Unidentified(symbol.trim().to_uppercase()),
        }
    }
}

struct Acc {
    asset_id: Option<Uuid>,
    symbol: String,
    quantity: Decimal,
    value: Decimal,
    prices: Vec<Decimal>,
    accounts: BTreeSet<Uuid>,
    sources: BTreeSet<String>,
    oldest_price_at: Option<DateTime<Utc>>,
    stale: bool,
    dp: Option<u32>,
    /// Some position added had no value.
    unpriced: bool,
}

impl Acc {
    fn new(asset_id: Option<Uuid>, symbol: String) -> Self {
        Acc {
            asset_id,
            symbol,
            quantity: Decimal::ZERO,
            value: Decimal::ZERO,
            prices: Vec::new(),
            accounts: BTreeSet::new(),
            sources: BTreeSet::new(),
            oldest_price_at: None,
            stale: false,
            dp: None,
            unpriced: false,
        }
    }

    /// Adds a position; false (and nothing added) when a sum would overflow.
    fn add(&mut self, p: &PositionInput) -> bool {
        let (Some(quantity), Some(value)) = (
            self.quantity.checked_add(p.quantity),
            self.value.checked_add(p.value_usd.unwrap_or_default()),
        ) else {
            return false;
        };
        self.quantity = quantity;
        self.value = value;
        self.prices.extend(p.price_usd);
        self.accounts.extend(p.accounts.iter().copied());
        self.sources.extend(p.price_source.iter().cloned());
        if let Some(at) = p.price_at {
            self.oldest_price_at = Some(self.oldest_price_at.map_or(at, |o| o.min(at)));
        }
        self.stale |= p.price_stale;
        if let Some(dp) = p.quantity_dp {
            // The coarsest precision of the positions: a quantity every one of them can move.
            self.dp = Some(self.dp.map_or(dp, |o| o.min(dp)));
        }
        self.unpriced |= p.value_usd.is_none();
        true
    }

    fn price(&self) -> Option<Decimal> {
        let first = *self.prices.first()?;
        if self.prices.iter().all(|p| *p == first) {
            Some(first)
        } else if self.quantity > Decimal::ZERO {
            self.value.checked_div(self.quantity)
        } else {
            None
        }
    }
}

/// Merges the positions of all linked accounts and sets them against the targets (see the
/// module rules). Positions hold non-negative quantities and values; a zero-quantity position
/// with a price gives a target that is not held a price to buy it at.
pub fn compute(
    positions: &[PositionInput],
    targets: &[ResolvedTarget],
    guardrails: &Guardrails,
    stablecoins_as_cash: bool,
) -> Allocation {
    let mut priced: BTreeMap<Key, Acc> = BTreeMap::new();
    let mut unpriced: BTreeMap<Key, Acc> = BTreeMap::new();
    let mut owed: BTreeMap<Key, Acc> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    let mut overflow = false;
    let new_acc = |key: &Key, p: &PositionInput| match key {
        Key::Cash => Acc::new(None, CASH.to_string()),
        Key::Asset(id) => Acc::new(Some(*id), p.symbol.clone()),
        Key::Unidentified(s) => Acc::new(None, s.clone()),
    };
    for p in positions {
        let own = Key::of(p.asset_id, &p.symbol);
        if p.quantity < Decimal::ZERO || p.value_usd.is_some_and(|v| v < Decimal::ZERO) {
            let acc = owed.entry(own.clone()).or_insert_with(|| new_acc(&own, p));
            if acc.add(p) {
                continue;
            }
            overflow = true;
        } else if let Some(v) = p.value_usd {
            let key = if stablecoins_as_cash && p.is_stablecoin {
                Key::Cash
            } else {
                own.clone()
            };
            if let Some(t) = total.checked_add(v) {
                let acc = priced
                    .entry(key.clone())
                    .or_insert_with(|| new_acc(&key, p));
                if acc.add(p) {
                    total = t;
                    continue;
                }
            }
            overflow = true;
        }
        // Unpriced, or too large to add up: listed apart.
        let unpriced_position = PositionInput {
            value_usd: None,
            ..p.clone()
        };
        let acc = unpriced
            .entry(own.clone())
            .or_insert_with(|| new_acc(&own, p));
        if !acc.add(&unpriced_position) {
            overflow = true;
        }
    }
    // A line an overflowing position opened but could not join.
    priced.retain(|_, acc| !(acc.prices.is_empty() && acc.accounts.is_empty()));

    let mut target_of: HashMap<Key, Decimal> = HashMap::new();
    for t in targets {
        let key = t.asset_id.map_or(Key::Cash, Key::Asset);
        let acc = priced
            .entry(key.clone())
            .or_insert_with(|| Acc::new(t.asset_id, t.symbol.clone()));
        acc.symbol.clone_from(&t.symbol);
        target_of.insert(key, t.target_pct);
    }

    let pct_of = |value: Decimal| {
        if total > Decimal::ZERO {
            value
                .checked_mul(HUNDRED)
                .map(|v| v / total)
                .or_else(|| (value / total).checked_mul(HUNDRED))
                .unwrap_or(HUNDRED)
        } else {
            Decimal::ZERO
        }
    };
    let mut unallocated_value = Decimal::ZERO;
    let mut lines: Vec<AllocationLine> = priced
        .into_iter()
        .map(|(key, acc)| {
            let target = target_of.get(&key).copied();
            let current = pct_of(acc.value);
            let weighed = target.filter(|_| total > Decimal::ZERO);
            let status = match target {
                None => {
                    unallocated_value = unallocated_value.saturating_add(acc.value);
                    LineStatus::Unallocated
                }
                Some(_) if total <= Decimal::ZERO => LineStatus::Ok,
                Some(t) => {
                    let (low, high) = band_usd(t, guardrails, total);
                    if acc.value > high {
                        LineStatus::Over
                    } else if acc.value < low {
                        LineStatus::Under
                    } else {
                        LineStatus::Ok
                    }
                }
            };
            let band = target.map(|t| band(t, guardrails));
            AllocationLine {
                price_usd: if key == Key::Cash { None } else { acc.price() },
                is_cash: key == Key::Cash,
                asset_id: acc.asset_id,
                symbol: acc.symbol,
                quantity: acc.quantity,
                value_usd: acc.value,
                current_pct: round_pct(current),
                target_pct: target,
                drift_pct_points: weighed.map(|t| round_pct(current - t)),
                drift_relative_pct: weighed
                    .filter(|t| *t != Decimal::ZERO)
                    .and_then(|t| (current - t).checked_div(t)?.checked_mul(HUNDRED))
                    .map(round_pct),
                band_low_pct: band.map(|b| round_pct(b.0)),
                band_high_pct: band.map(|b| round_pct(b.1)),
                status,
                accounts: acc.accounts.into_iter().collect(),
                price_source: (!acc.sources.is_empty())
                    .then(|| acc.sources.into_iter().collect::<Vec<_>>().join(",")),
                price_at: acc.oldest_price_at,
                price_stale: acc.stale,
                quantity_dp: acc
                    .dp
                    .map_or(DEFAULT_QUANTITY_DP, |dp| dp.min(MAX_QUANTITY_DP)),
            }
        })
        .collect();
    lines.sort_by(|a, b| {
        b.value_usd
            .cmp(&a.value_usd)
            .then_with(|| a.symbol.cmp(&b.symbol))
            .then_with(|| a.asset_id.cmp(&b.asset_id))
    });

    let mut unpriced: Vec<UnpricedLine> = unpriced
        .into_values()
        .map(|acc| UnpricedLine {
            asset_id: acc.asset_id,
            symbol: acc.symbol,
            quantity: acc.quantity,
            accounts: acc.accounts.into_iter().collect(),
        })
        .collect();
    unpriced.sort_by(|a, b| a.symbol.cmp(&b.symbol).then(a.asset_id.cmp(&b.asset_id)));
    let liabilities: Vec<LiabilityLine> = owed
        .into_values()
        .map(|acc| LiabilityLine {
            value_usd: (!acc.unpriced).then_some(acc.value),
            asset_id: acc.asset_id,
            symbol: acc.symbol,
            quantity: acc.quantity,
            accounts: acc.accounts.into_iter().collect(),
        })
        .collect();
    let owed_usd = liabilities
        .iter()
        .filter_map(|l| l.value_usd)
        .fold(Decimal::ZERO, |s, v| s.saturating_add(v));
    Allocation {
        net_value_usd: total.saturating_add(owed_usd),
        liabilities,
        overflow,
        total_value_usd: total,
        lines,
        unpriced,
        unallocated_pct: HUNDRED.saturating_sub(
            targets
                .iter()
                .fold(Decimal::ZERO, |s, t| s.saturating_add(t.target_pct)),
        ),
        unallocated_current_pct: round_pct(pct_of(unallocated_value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::holdings::value_usd;
    use proptest::prelude::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    const BTC: Uuid = Uuid::from_u128(1);
    const ETH: Uuid = Uuid::from_u128(2);
    const USDC: Uuid = Uuid::from_u128(3);
    const USDT: Uuid = Uuid::from_u128(4);
    const OTHER_BTC: Uuid = Uuid::from_u128(5);
    const ACC1: Uuid = Uuid::from_u128(101);
    const ACC2: Uuid = Uuid::from_u128(102);

    fn resolve(s: &str) -> Result<(Option<Uuid>, String), String> {
        let known = [
            (BTC, "BTC"),
            (ETH, "ETH"),
            (USDC, "USDC"),
            (USDT, "USDT"),
            (OTHER_BTC, "BTC"),
        ];
        if let Ok(id) = Uuid::parse_str(s) {
            return known
                .iter()
                .find(|(k, _)| *k == id)
                .map(|(k, sym)| (Some(*k), sym.to_string()))
                .ok_or_else(|| format!("no asset has the id {s}"));
        }
        known
            .iter()
            .find(|(_, sym)| sym.eq_ignore_ascii_case(s))
            .map(|(k, sym)| (Some(*k), sym.to_string()))
            .ok_or_else(|| format!("no asset has the symbol {s}"))
    }

    fn is_stable(id: Uuid) -> bool {
        id == USDC || id == USDT
    }

    fn item(asset: &str, pct: &str) -> TargetItem {
        TargetItem {
            asset: asset.into(),
            target_pct: d(pct),
        }
    }

    fn target(asset_id: Option<Uuid>, symbol: &str, pct: &str) -> ResolvedTarget {
        ResolvedTarget {
            asset_id,
            symbol: symbol.into(),
            target_pct: d(pct),
        }
    }

    fn pos(id: Uuid, symbol: &str, qty: &str, price: Option<&str>, account: Uuid) -> PositionInput {
        let price = price.map(d);
        PositionInput {
            asset_id: Some(id),
            symbol: symbol.into(),
            quantity: d(qty),
            value_usd: price.and_then(|p| value_usd(d(qty), p)),
            price_usd: price,
            is_stablecoin: is_stable(id),
            accounts: vec![account],
            ..Default::default()
        }
    }

    #[test]
    fn decimal_max_sized_values_are_flagged_as_overflow_never_a_panic() {
        let max = Decimal::MAX.to_string();
        let positions = [
            pos(BTC, "BTC", &max, Some("1"), ACC1),
            pos(BTC, "BTC", &max, Some("1"), ACC2),
            pos(ETH, "ETH", &max, Some("1"), ACC1),
            pos(USDC, "USDC", "1", Some("1"), ACC1),
        ];
        let targets = [
            target(Some(BTC), "BTC", "0.0000000000000000000000000001"),
            target(Some(ETH), "ETH", "99"),
        ];
        let a = compute(&positions, &targets, &Guardrails::default(), false);
        assert!(a.overflow);
        assert_eq!(
            a.total_value_usd,
            Decimal::MAX,
            "the first that fits is counted"
        );
        assert!(a.unpriced.iter().any(|u| u.symbol == "ETH"), "{a:?}");
        let btc = a.lines.iter().find(|l| l.symbol == "BTC").unwrap();
        assert_eq!(btc.current_pct, d("100"));
        assert_eq!(btc.status, LineStatus::Over);
        assert_eq!(
            btc.drift_relative_pct, None,
            "too large to show, not a panic"
        );
        assert!(band_usd(d("99"), &Guardrails::default(), Decimal::MAX).1 <= Decimal::MAX);
    }

    #[test]
    fn borrowed_positions_are_liabilities_outside_the_weights() {
        let positions = [
            pos(BTC, "BTC", "1", Some("60000"), ACC1),
            pos(USDT, "USDT", "40000", Some("1"), ACC1),
            pos(BTC, "BTC", "-0.5", Some("60000"), ACC2),
            pos(ETH, "ETH", "-2", None, ACC2),
        ];
        let a = compute(
            &positions,
            &[target(Some(BTC), "BTC", "60")],
            &Guardrails::default(),
            false,
        );
        assert_eq!(a.total_value_usd, d("100000"));
        assert_eq!(a.net_value_usd, d("70000"), "the priced debt is subtracted");
        let btc = a.lines.iter().find(|l| l.symbol == "BTC").unwrap();
        assert_eq!((btc.current_pct, btc.status), (d("60"), LineStatus::Ok));
        assert_eq!(a.liabilities.len(), 2);
        let eth = a.liabilities.iter().find(|l| l.symbol == "ETH").unwrap();
        assert_eq!((eth.quantity, eth.value_usd), (d("-2"), None));
        assert!(a.unpriced.is_empty(), "a debt is not an unpriced holding");
    }

    fn fields(errors: &[(String, String)]) -> Vec<&str> {
        errors.iter().map(|(f, _)| f.as_str()).collect()
    }

    #[test]
    fn targets_resolve_by_symbol_id_and_cash() {
        let items = [
            item("btc", "50"),
            item(&ETH.to_string(), "30"),
            item("Cash", "20"),
        ];
        let out = validate_targets(&items, resolve, is_stable, true).unwrap();
        assert_eq!(
            out,
            vec![
                target(Some(BTC), "BTC", "50"),
                target(Some(ETH), "ETH", "30"),
                target(None, "CASH", "20"),
            ]
        );
        assert_eq!(validate_targets(&[], resolve, is_stable, false), Ok(vec![]));
    }

    #[test]
    fn target_errors_name_their_field() {
        let items = [
            item("BTC", "-1"),
            item("ETH", "101"),
            item("NOPE", "1"),
            item(" ", "1"),
            item("CASH", "1"),
        ];
        let errors = validate_targets(&items, resolve, is_stable, false).unwrap_err();
        assert_eq!(
            errors,
            vec![
                (
                    "target_allocation[0].target_pct".to_string(),
                    "must be at least 0".to_string()
                ),
                (
                    "target_allocation[1].target_pct".to_string(),
                    "must be at most 100".to_string()
                ),
                (
                    "target_allocation[2].asset".to_string(),
                    "no asset has the symbol NOPE".to_string()
                ),
                (
                    "target_allocation[3].asset".to_string(),
                    "asset is required".to_string()
                ),
                (
                    "target_allocation[4].asset".to_string(),
                    "set stablecoins_as_cash to use CASH".to_string()
                ),
                (
                    "target_allocation".to_string(),
                    "targets add up to 103%; at most 100% can be allocated".to_string()
                ),
            ]
        );
    }

    #[test]
    fn targets_may_add_up_to_exactly_100() {
        let items = [item("BTC", "60.5"), item("ETH", "39.5")];
        assert!(validate_targets(&items, resolve, is_stable, false).is_ok());
        let items = [item("BTC", "60.5"), item("ETH", "39.5000001")];
        let errors = validate_targets(&items, resolve, is_stable, false).unwrap_err();
        assert_eq!(fields(&errors), vec!["target_allocation"]);
    }

    #[test]
    fn duplicates_by_asset_or_symbol_are_refused() {
        // BTC by symbol and by id; the other BTC shares the symbol.
        let items = [
            item("BTC", "10"),
            item(&BTC.to_string(), "10"),
            item(&OTHER_BTC.to_string(), "10"),
            item("CASH", "10"),
            item("cash", "10"),
        ];
        let errors = validate_targets(&items, resolve, is_stable, true).unwrap_err();
        assert_eq!(
            fields(&errors),
            vec![
                "target_allocation[1].asset",
                "target_allocation[2].asset",
                "target_allocation[4].asset"
            ]
        );
        assert_eq!(
            errors[0].1,
            "BTC is already targeted by target_allocation[0]"
        );
    }

    #[test]
    fn stablecoins_are_targeted_one_by_one_or_as_cash() {
        let items = [item("USDC", "10")];
        assert_eq!(
            validate_targets(&items, resolve, is_stable, false).unwrap(),
            vec![target(Some(USDC), "USDC", "10")]
        );
        let errors = validate_targets(&items, resolve, is_stable, true).unwrap_err();
        assert_eq!(
            errors,
            vec![(
                "target_allocation[0].asset".to_string(),
                "USDC is a stablecoin and stablecoins count as CASH: target CASH instead"
                    .to_string()
            )]
        );
    }

    #[test]
    fn target_items_read_percentages_as_strings() {
        let item: TargetItem =
            serde_json::from_str(r#"{"asset": "BTC", "target_pct": "50.5"}"#).unwrap();
        assert_eq!(item.target_pct, d("50.5"));
        assert_eq!(serde_json::to_value(&item).unwrap()["target_pct"], "50.5");
    }

    #[test]
    fn guardrails_default_validate_and_read_partial_json() {
        let g = Guardrails::default();
        assert_eq!(g.drift_band_abs_pct, d("5"));
        assert_eq!(g.drift_band_rel_pct, d("25"));
        assert_eq!(g.min_trade_usd, d("10"));
        assert_eq!(g.max_turnover_pct, d("100"));
        assert!(g.allow_cash_funding);
        assert!(g.validate().is_empty());

        let parsed: Guardrails =
            serde_json::from_str(r#"{"min_trade_usd": "25.5", "never_sell": ["BTC"]}"#).unwrap();
        assert_eq!(parsed.min_trade_usd, d("25.5"));
        assert_eq!(parsed.drift_band_abs_pct, d("5"));
        assert_eq!(parsed.never_sell, vec!["BTC".to_string()]);
        let json = serde_json::to_value(&parsed).unwrap();
        assert_eq!(json["min_trade_usd"], "25.5");

        let bad = Guardrails {
            drift_band_abs_pct: d("-1"),
            drift_band_rel_pct: d("100.01"),
            min_trade_usd: d("-0.01"),
            max_turnover_pct: d("101"),
            never_sell: vec!["".into()],
            ..Guardrails::default()
        };
        assert_eq!(
            fields(&bad.validate()),
            vec![
                "drift_band_abs_pct",
                "drift_band_rel_pct",
                "max_turnover_pct",
                "min_trade_usd",
                "never_sell[0]"
            ]
        );
    }

    #[test]
    fn never_sell_resolves_and_protects_by_id_or_symbol() {
        let mut g = Guardrails {
            never_sell: vec![ETH.to_string(), "usdc".into(), "CASH".into(), "NOPE".into()],
            ..Guardrails::default()
        };
        let errors = g.resolve_never_sell(resolve);
        assert_eq!(fields(&errors), vec!["never_sell[3]"]);
        assert_eq!(g.never_sell_ids, vec![ETH, USDC]);
        assert!(g.protects(Some(ETH), "ETH"));
        assert!(g.protects(Some(USDC), "USDC"));
        assert!(g.protects(None, "CASH"));
        assert!(!g.protects(Some(BTC), "BTC"));
        // A symbol covers every asset with it; an id only its asset.
        let by_symbol = Guardrails {
            never_sell: vec!["btc".into()],
            ..Guardrails::default()
        };
        assert!(by_symbol.protects(Some(OTHER_BTC), "BTC"));
        let by_id = Guardrails {
            never_sell: vec![BTC.to_string()],
            ..Guardrails::default()
        };
        assert!(by_id.protects(Some(BTC), "BTC"));
        assert!(!by_id.protects(Some(OTHER_BTC), "BTC"));
    }

    #[test]
    fn band_is_the_stricter_of_the_absolute_and_relative_limits() {
        let g = Guardrails::default();
        // 50 × 25% = 12.5 points, so the 5-point limit applies.
        assert_eq!(band(d("50"), &g), (d("45"), d("55")));
        // 10 × 25% = 2.5 points, stricter than 5.
        assert_eq!(band(d("10"), &g), (d("7.5"), d("12.5")));
        assert_eq!(band(d("0"), &g), (d("0"), d("0")));
        assert_eq!(band(d("100"), &g), (d("95"), d("100")));
        let abs_only = Guardrails {
            drift_band_rel_pct: d("100"),
            ..g.clone()
        };
        assert_eq!(band(d("3"), &abs_only), (d("0"), d("6")));
        assert_eq!(band_usd(d("10"), &g, d("2000")), (d("150"), d("250")));
    }

    #[test]
    fn holdings_merge_per_asset_and_stablecoins_into_cash() {
        let positions = [
            pos(BTC, "BTC", "0.5", Some("60000"), ACC1),
            pos(BTC, "BTC", "0.5", Some("60000"), ACC2),
            pos(ETH, "ETH", "10", Some("2500"), ACC1),
            pos(USDC, "USDC", "10000", Some("1"), ACC1),
            pos(USDT, "USDT", "5000", Some("1.0002"), ACC2),
            pos(OTHER_BTC, "BTC", "7", None, ACC2),
        ];
        let targets = [
            target(Some(BTC), "BTC", "50"),
            target(None, "CASH", "20"),
            target(Some(OTHER_BTC), "BTC", "5"),
        ];
        let a = compute(&positions, &targets, &Guardrails::default(), true);
        assert_eq!(a.total_value_usd, d("100001.0000"));
        assert_eq!(a.unallocated_pct, d("25"));
        let syms: Vec<&str> = a.lines.iter().map(|l| l.symbol.as_str()).collect();
        assert_eq!(syms, vec!["BTC", "ETH", "CASH", "BTC"]);

        let btc = &a.lines[0];
        assert_eq!(btc.asset_id, Some(BTC));
        assert_eq!(btc.quantity, d("1.0"));
        assert_eq!(btc.price_usd, Some(d("60000")));
        assert_eq!(btc.accounts, vec![ACC1, ACC2]);
        // 60000 / 100001 = 59.99940000599…%
        assert_eq!(btc.current_pct, d("59.9994"));
        assert_eq!(btc.drift_pct_points, Some(d("9.9994")));
        assert_eq!(btc.drift_relative_pct, Some(d("19.9988")));
        assert_eq!(
            (btc.band_low_pct, btc.band_high_pct),
            (Some(d("45")), Some(d("55")))
        );
        assert_eq!(btc.status, LineStatus::Over);

        let eth = &a.lines[1];
        assert_eq!(eth.status, LineStatus::Unallocated);
        assert_eq!(eth.target_pct, None);
        assert_eq!(eth.drift_pct_points, None);
        assert_eq!(a.unallocated_current_pct, d("24.9998"));

        let cash = &a.lines[2];
        assert!(cash.is_cash);
        assert_eq!(cash.asset_id, None);
        assert_eq!(cash.quantity, d("15000"));
        assert_eq!(cash.price_usd, None);
        assert_eq!(cash.value_usd, d("15001"));
        assert_eq!(cash.accounts, vec![ACC1, ACC2]);
        assert_eq!(cash.status, LineStatus::Ok);

        // Held only unpriced: a line worth 0, and the holding listed apart.
        let other = &a.lines[3];
        assert_eq!(other.asset_id, Some(OTHER_BTC));
        assert_eq!(other.value_usd, d("0"));
        assert_eq!(other.status, LineStatus::Under);
        assert_eq!(
            a.unpriced,
            vec![UnpricedLine {
                asset_id: Some(OTHER_BTC),
                symbol: "BTC".into(),
                quantity: d("7"),
                accounts: vec![ACC2],
            }]
        );
    }

    #[test]
    fn without_cash_stablecoins_are_assets_and_cash_targets_hold_nothing() {
        let positions = [
            pos(USDC, "USDC", "100", Some("1"), ACC1),
            pos(USDT, "USDT", "100", Some("1"), ACC1),
        ];
        let a = compute(
            &positions,
            &[target(Some(USDC), "USDC", "50")],
            &Guardrails::default(),
            false,
        );
        assert_eq!(a.lines.len(), 2);
        assert!(a.lines.iter().all(|l| !l.is_cash));
        assert_eq!(a.lines[0].status, LineStatus::Ok);
        assert_eq!(a.lines[1].status, LineStatus::Unallocated);
    }

    #[test]
    fn differing_prices_of_one_asset_average_by_value() {
        let positions = [
            pos(ETH, "ETH", "1", Some("2000"), ACC1),
            pos(ETH, "ETH", "3", Some("2100"), ACC2),
        ];
        let a = compute(&positions, &[], &Guardrails::default(), false);
        assert_eq!(a.lines[0].value_usd, d("8300"));
        assert_eq!(a.lines[0].price_usd, Some(d("2075")));
    }

    #[test]
    fn a_zero_target_puts_anything_held_over() {
        let positions = [
            pos(BTC, "BTC", "1", Some("100"), ACC1),
            pos(ETH, "ETH", "0.00000001", Some("1"), ACC1),
        ];
        let targets = [
            target(Some(BTC), "BTC", "100"),
            target(Some(ETH), "ETH", "0"),
        ];
        let a = compute(&positions, &targets, &Guardrails::default(), false);
        let eth = a.lines.iter().find(|l| l.symbol == "ETH").unwrap();
        assert_eq!(eth.status, LineStatus::Over);
        assert_eq!(
            (eth.band_low_pct, eth.band_high_pct),
            (Some(d("0")), Some(d("0")))
        );
        assert_eq!(eth.drift_relative_pct, None, "no relative drift from 0");
        assert_eq!(eth.current_pct, d("0"), "displayed 0.00000001% rounds to 0");
        assert_eq!(a.lines[0].status, LineStatus::Ok);
    }

    #[test]
    fn band_decisions_use_exact_values_not_displayed_ones() {
        // BTC at 55.00004%: displayed 55 (the band edge), yet over.
        let positions = [
            pos(BTC, "BTC", "5500004", Some("1"), ACC1),
            pos(ETH, "ETH", "4499996", Some("1"), ACC1),
        ];
        let targets = [
            target(Some(BTC), "BTC", "50"),
            target(Some(ETH), "ETH", "50"),
        ];
        let a = compute(&positions, &targets, &Guardrails::default(), false);
        assert_eq!(a.lines[0].current_pct, d("55"));
        assert_eq!(a.lines[0].status, LineStatus::Over);
        // The edge itself is inside.
        let positions = [
            pos(BTC, "BTC", "55", Some("1"), ACC1),
            pos(ETH, "ETH", "45", Some("1"), ACC1),
        ];
        let a = compute(&positions, &targets, &Guardrails::default(), false);
        assert!(a.lines.iter().all(|l| l.status == LineStatus::Ok));
    }

    #[test]
    fn displayed_percentages_round_half_even_to_four_places() {
        assert_eq!(round_pct(d("0.00005")), d("0"));
        assert_eq!(round_pct(d("0.00015")), d("0.0002"));
        assert_eq!(round_pct(d("33.333333")), d("33.3333"));
        assert_eq!(round_pct(d("12.50000")).to_string(), "12.5");
        // 15 of 10,000,000 is 0.00015%.
        let positions = [
            pos(BTC, "BTC", "15", Some("1"), ACC1),
            pos(ETH, "ETH", "9999985", Some("1"), ACC1),
        ];
        let a = compute(&positions, &[], &Guardrails::default(), false);
        assert_eq!(a.lines[1].current_pct, d("0.0002"));
    }

    #[test]
    fn a_worthless_portfolio_has_no_weights() {
        let positions = [
            pos(BTC, "BTC", "1", None, ACC1),
            pos(ETH, "ETH", "0", Some("2000"), ACC1),
        ];
        let targets = [
            target(Some(BTC), "BTC", "60"),
            target(Some(ETH), "ETH", "40"),
        ];
        let a = compute(&positions, &targets, &Guardrails::default(), false);
        assert_eq!(a.total_value_usd, d("0"));
        assert_eq!(a.lines.len(), 2);
        for l in &a.lines {
            assert_eq!(l.status, LineStatus::Ok);
            assert_eq!(l.current_pct, d("0"));
            assert_eq!(l.drift_pct_points, None);
            assert_eq!(l.drift_relative_pct, None);
        }
        assert_eq!(a.unpriced.len(), 1);
        assert_eq!(a.unallocated_current_pct, d("0"));
        assert_eq!(
            compute(&[], &[], &Guardrails::default(), true),
            Allocation {
                unallocated_pct: d("100"),
                ..Allocation::default()
            }
        );
    }

    #[test]
    fn lines_serialize_decimals_as_strings() {
        let a = compute(
            &[pos(BTC, "BTC", "0.5", Some("60000.5"), ACC1)],
            &[target(Some(BTC), "BTC", "100")],
            &Guardrails::default(),
            false,
        );
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["total_value_usd"], "30000.25");
        assert_eq!(json["lines"][0]["current_pct"], "100");
        assert_eq!(json["lines"][0]["status"], "ok");
        assert_eq!(json["lines"][0]["price_usd"], "60000.5");
    }

    prop_compose! {
        fn arb_position()(
            asset in 0u128..6,
            qty in (0i64..=1_000_000_000, 0u32..=8),
            price in prop::option::weighted(0.8, (1i64..=100_000_000, 0u32..=8)),
            account in 0u128..3,
        ) -> PositionInput {
            let quantity = Decimal::new(qty.0, qty.1);
            let price = price.map(|(m, s)| Decimal::new(m, s));
            PositionInput {
                asset_id: (asset < 5).then(|| Uuid::from_u128(asset + 1)),
                symbol: format!("A{}", asset % 4),
                quantity,
                value_usd: price.and_then(|p| value_usd(quantity, p)),
                price_usd: price,
                is_stablecoin: asset == 3 || asset == 4,
                accounts: vec![Uuid::from_u128(100 + account)],
                ..Default::default()
            }
        }
    }

    proptest! {
        #[test]
        fn every_priced_position_is_counted_once(
            positions in prop::collection::vec(arb_position(), 0..12),
            cash in any::<bool>(),
            targeted in prop::collection::vec(0u128..6, 0..4),
        ) {
            let targets: Vec<ResolvedTarget> = targeted
                .iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                // Validation keeps single stablecoins out of the targets with cash.
                .filter(|&&n| !(cash && (n == 3 || n == 4)))
                .map(|&n| ResolvedTarget {
                    asset_id: (n < 5).then(|| Uuid::from_u128(n + 1)),
                    symbol: if n < 5 { format!("A{n}") } else { CASH.to_string() },
                    target_pct: Decimal::from(10),
                })
                .collect();
            let a = compute(&positions, &targets, &Guardrails::default(), cash);
            let priced: Decimal = positions.iter().filter_map(|p| p.value_usd).sum();
            prop_assert_eq!(a.total_value_usd, priced);
            prop_assert_eq!(a.lines.iter().map(|l| l.value_usd).sum::<Decimal>(), priced);
            let unpriced_qty: Decimal = positions
                .iter()
                .filter(|p| p.value_usd.is_none())
                .map(|p| p.quantity)
                .sum();
            prop_assert_eq!(a.unpriced.iter().map(|u| u.quantity).sum::<Decimal>(), unpriced_qty);
            for t in &targets {
                let cash_target = t.asset_id.is_none();
                prop_assert!(a.lines.iter().any(|l| l.asset_id == t.asset_id
                    && l.is_cash == cash_target
                    && l.target_pct == Some(t.target_pct)));
            }
            if cash {
                for p in positions.iter().filter(|p| p.is_stablecoin && p.value_usd.is_some()) {
                    prop_assert!(!a.lines.iter().any(|l| !l.is_cash && l.asset_id == p.asset_id));
                }
            }
            prop_assert!(a.lines.iter().filter(|l| l.is_cash).count() <= 1);
            if a.total_value_usd > Decimal::ZERO {
                let sum: Decimal = a.lines.iter().map(|l| l.current_pct).sum();
                let slack = Decimal::new(5, 5) * Decimal::from(a.lines.len());
                prop_assert!((sum - HUNDRED).abs() <= slack, "weights add up to {}", sum);
            }
            for l in &a.lines {
                let (lo, hi) = l.target_pct.map_or((Decimal::ZERO, HUNDRED), |t| {
                    band_usd(t, &Guardrails::default(), a.total_value_usd)
                });
                let inside = l.value_usd >= lo && l.value_usd <= hi;
                match l.status {
                    LineStatus::Unallocated => prop_assert!(l.target_pct.is_none()),
                    LineStatus::Ok => prop_assert!(inside || a.total_value_usd.is_zero()),
                    LineStatus::Over => prop_assert!(l.value_usd > hi),
                    LineStatus::Under => prop_assert!(l.value_usd < lo),
                }
            }
        }
    }
}
