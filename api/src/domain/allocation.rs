//! Target allocation: what a portfolio should hold, and where it stands against that.
//!
//! Rules:
//! - A target is `{asset, target_pct}`: each 0–100, together at most 100 (the rest is
//!   unallocated), no asset or symbol twice, every asset resolving. `CASH` is all stablecoins
//!   as one line; it needs `stablecoins_as_cash`, which in turn forbids targeting one stablecoin.
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

use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    #[schema(value_type = String)]
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
    pub drift_band_abs_pct: Decimal,
    /// Allowed drift in percent of the target.
    #[schema(value_type = String)]
    pub drift_band_rel_pct: Decimal,
    /// Smallest trade worth making.
    #[schema(value_type = String)]
    pub min_trade_usd: Decimal,
    /// Cap on total sells and, separately, total buys, in percent of the portfolio's value.
    #[schema(value_type = String)]
    pub max_turnover_pct: Decimal,
    /// Symbols or asset ids never to sell (`CASH`: never spend cash). A symbol covers every
    /// asset with that symbol.
    pub never_sell: Vec<String>,
    /// The assets of `never_sell`, as [`Guardrails::resolve_never_sell`] found them.
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
            errors.push(("min_trade_usd".to_string(), "must be at least 0".to_string()));
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
                if let Some(j) = out.iter().position(|t| {
                    t.asset_id == asset_id || t.symbol.eq_ignore_ascii_case(&symbol)
                }) {
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
            format!("targets add up to {}%; at most 100% can be allocated", sum.normalize()),
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
pub fn band_usd(target_pct: Decimal, guardrails: &Guardrails, total: Decimal) -> (Decimal, Decimal) {
    let (low, high) = band(target_pct, guardrails);
    (low * total / HUNDRED, high * total / HUNDRED)
}

/// One holding of one linked account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionInput {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    pub quantity: Decimal,
    /// `None`: unpriced, listed apart.
    pub value_usd: Option<Decimal>,
    pub price_usd: Option<Decimal>,
    pub is_stablecoin: bool,
    pub accounts: Vec<Uuid>,
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
    /// The price held positions share; their value-weighted average when they differ.
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

/// A portfolio against its targets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Allocation {
    /// Priced holdings only.
    #[schema(value_type = String)]
    pub total_value_usd: Decimal,
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
        }
    }

    fn add(&mut self, p: &PositionInput) {
        self.quantity += p.quantity;
        self.value += p.value_usd.unwrap_or_default();
        self.prices.extend(p.price_usd);
        self.accounts.extend(p.accounts.iter().copied());
    }

    fn price(&self) -> Option<Decimal> {
        let first = *self.prices.first()?;
        if self.prices.iter().all(|p| *p == first) {
            Some(first)
        } else if self.quantity > Decimal::ZERO {
            Some(self.value / self.quantity)
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
    for p in positions {
        let (map, key) = match p.value_usd {
            None => (&mut unpriced, Key::of(p.asset_id, &p.symbol)),
            Some(_) if stablecoins_as_cash && p.is_stablecoin => (&mut priced, Key::Cash),
            Some(_) => (&mut priced, Key::of(p.asset_id, &p.symbol)),
        };
        map.entry(key.clone())
            .or_insert_with(|| match key {
                Key::Cash => Acc::new(None, CASH.to_string()),
                Key::Asset(id) => Acc::new(Some(id), p.symbol.clone()),
                Key::Unidentified(s) => Acc::new(None, s),
            })
            .add(p);
    }
    let total: Decimal = priced.values().map(|a| a.value).sum();

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
            value * HUNDRED / total
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
                    unallocated_value += acc.value;
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
                    .map(|t| round_pct((current - t) / t * HUNDRED)),
                band_low_pct: band.map(|b| round_pct(b.0)),
                band_high_pct: band.map(|b| round_pct(b.1)),
                status,
                accounts: acc.accounts.into_iter().collect(),
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
    Allocation {
        total_value_usd: total,
        lines,
        unpriced,
        unallocated_pct: HUNDRED - targets.iter().map(|t| t.target_pct).sum::<Decimal>(),
        unallocated_current_pct: round_pct(pct_of(unallocated_value)),
    }
}
