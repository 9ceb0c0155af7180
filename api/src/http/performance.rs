//! How am I doing: value history rebuilt from the ledger back to the first entry, valued at
//! daily prices fetched once, with the time-weighted and money-weighted returns, the simple
//! profit, and the same money invested in BTC, in ETH, or held as cash. Rules in
//! `domain::returns` and `domain::performance`; definitions in `docs/performance.md`.

use std::collections::{BTreeSet, HashMap};

use axum::extract::State;
use axum::Json;
use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::ledger::Entry;
use crate::domain::performance::{value_history, ValuedDay};
use crate::domain::returns::{annualised, benchmark_values, simple_profit, twr, xirr, Day};
use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::state::AppState;
use crate::store::ledger as ledger_store;

/// The benchmarks offered, by CoinGecko id.
const BENCHMARKS: [(&str, &str); 2] = [("BTC", "bitcoin"), ("ETH", "ethereum")];

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PerformanceQuery {
    /// One account; all your accounts when absent.
    pub account_id: Option<Uuid>,
    /// `1D`, `1W`, `1M`, `YTD`, `1Y` or `ALL` (the default: since the first entry).
    pub range: Option<String>,
    /// A range's first day (UTC), instead of `range`.
    pub from: Option<NaiveDate>,
    /// A range's last day (UTC); today by default.
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointResponse {
    pub date: NaiveDate,
    /// Net value at the day's end; `null` when a price is missing.
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
    #[schema(value_type = String)]
    pub money_in_usd: Decimal,
    #[schema(value_type = String)]
    pub money_out_usd: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnFigure {
    /// The figure; `null` when the history is incomplete (see `incomplete`).
    #[schema(value_type = Option<String>)]
    pub value: Option<Decimal>,
    /// `cumulative` (the whole range), or `annualised` (per year: ranges of a year or more).
    pub basis: String,
    /// What it means, in one line.
    pub definition: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BenchmarkResponse {
    /// `BTC`, `ETH` or `cash`.
    pub name: String,
    /// What the same money in and out would be worth at the range's end.
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
    pub time_weighted: ReturnFigure,
    pub series: Vec<BenchmarkPoint>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BenchmarkPoint {
    pub date: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Incomplete {
    /// Days whose value is unknown (the first 31).
    pub days: Vec<NaiveDate>,
    /// How many days in all.
    pub day_count: usize,
    /// Assets without a price on one of those days.
    pub unpriced_assets: Vec<String>,
    /// Assets whose price history could not be fetched, and why.
    pub failed_backfills: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PerformanceResponse {
    pub account_id: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
    pub series: Vec<PointResponse>,
    pub time_weighted: ReturnFigure,
    pub money_weighted: ReturnFigure,
    /// Value now − value at the start − (money in − money out); `null` when incomplete.
    #[schema(value_type = Option<String>)]
    pub profit_usd: Option<Decimal>,
    #[schema(value_type = String)]
    pub money_in_usd: Decimal,
    #[schema(value_type = String)]
    pub money_out_usd: Decimal,
    pub benchmarks: Vec<BenchmarkResponse>,
    /// `null` when every day is valued.
    pub incomplete: Option<Incomplete>,
    /// Where the daily prices come from, and how many were fetched for this answer.
    pub prices: String,
}

fn range_start(range: &str, to: NaiveDate) -> Result<Option<NaiveDate>, ApiError> {
    Ok(match range.to_ascii_uppercase().as_str() {
        "ALL" => None,
        "1D" => Some(to - Duration::days(1)),
        "1W" => Some(to - Duration::days(7)),
        "1M" => to.checked_sub_months(chrono::Months::new(1)),
        "1Y" => to.checked_sub_months(chrono::Months::new(12)),
        "YTD" => NaiveDate::from_ymd_opt(to.year(), 1, 1),
        _ => {
            return Err(ApiError::BadRequest {
                code: "invalid_query",
                message: "range must be one of 1D, 1W, 1M, YTD, 1Y, ALL".into(),
            })
        }
    })
}

/// Amounts are shown in cents, cut toward zero: a shown value never exceeds what is held.
fn figure(value: Option<Decimal>, basis: &str, definition: &str) -> ReturnFigure {
    ReturnFigure {
        value: value.map(|v| v.round_dp(12).normalize()),
        basis: basis.into(),
        definition: definition.into(),
    }
}

const TWR_DEFINITION: &str = "How the holdings grew, leaving out when money came in or went out: each day's change chained together";
const MWR_DEFINITION: &str =
    "The yearly rate your money earned, counting when it came in and went out (XIRR)";

/// The time-weighted return of `days` as a figure: cumulative under a year, annualised for a
/// year or more (DECISIONS.md).
fn time_weighted(days: &[Day]) -> ReturnFigure {
    let cumulative = twr(days).cumulative;
    let span = days.len().saturating_sub(1) as u32;
    match cumulative {
        Some(c) if span >= 365 => figure(annualised(c, span), "annualised", TWR_DEFINITION),
        c => figure(c, "cumulative", TWR_DEFINITION),
    }
}

/// Value history, returns and benchmarks of your accounts (or one of them), from the ledger.
#[utoipa::path(get, path = "/api/performance", tag = "ledger", params(PerformanceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The history and the returns", body = PerformanceResponse),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of yours", body = ErrorBody)))]
pub async fn get_performance(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<PerformanceQuery>,
) -> Result<Json<PerformanceResponse>, ApiError> {
    if let Some(id) = q.account_id {
        crate::store::accounts::get_for_user(&state.db, user.id, id)
            .await?
            .ok_or_else(|| ApiError::not_found("account"))?;
    }
    let now = (state.clock)();
    let today = now.date_naive();
    let to = q.to.unwrap_or(today).min(today);
    let stored = ledger_store::all_for_user(&state.db, user.id).await?;
    let entries: Vec<Entry> = stored.iter().map(ledger_store::to_domain).collect();
    let inside = |a: Uuid| q.account_id.is_none_or(|id| id == a);
    let first = entries
        .iter()
        .filter(|e| inside(e.account))
        .map(|e| e.at.date_naive())
        .min();
    let asked = match (q.from, q.range.as_deref()) {
        (Some(f), _) => Some(f),
        (None, Some(r)) => range_start(r, to)?,
        (None, None) => None,
    };
    let Some(first) = first else {
        return Ok(Json(empty(q.account_id, to)));
    };
    let from = asked.map_or(first, |a| a.max(first));
    // The day before the range holds its starting value.
    let start = from.pred_opt().unwrap_or(from);

    // Prices: the assets held in the scope and the benchmarks, back to the range's start.
    let mut asset_ids: BTreeSet<Uuid> = BTreeSet::new();
    for e in entries.iter().filter(|e| inside(e.account)) {
        for side in [e.sent, e.received, e.fee].into_iter().flatten() {
            if let Some(a) = side.asset.listed() {
                asset_ids.insert(a);
            }
        }
    }
    let bench_ids = crate::store::assets::ids_by_coingecko(
        &state.db,
        &BENCHMARKS.map(|(_, id)| id.to_string()),
    )
    .await?;
    asset_ids.extend(bench_ids.values().copied());
    let ids: Vec<Uuid> = asset_ids.iter().copied().collect();
    let assets = crate::store::assets::by_ids(&state.db, &ids).await?;
    let yesterday = today.pred_opt().unwrap_or(today);
    let backfill = crate::jobs::price_history::backfill(
        &state.db,
        &state.market,
        &assets,
        start,
        yesterday.min(to),
        now,
    )
    .await?;
    let mut prices = crate::store::daily_prices::between(&state.db, &ids, start, to).await?;
    if to == today {
        // Today's close is not known yet: today is valued at the latest price.
        for (id, p) in state.price_cache.latest_many(&state.db, &ids).await? {
            prices.insert((id, today), p.price_usd);
        }
    }
    let history = value_history(&entries, &inside, &prices, start, to);
    let symbols: HashMap<Uuid, String> = assets.iter().map(|a| (a.id, a.symbol.clone())).collect();
    Ok(Json(assemble(
        q.account_id,
        from,
        to,
        &history,
        &prices,
        &bench_ids,
        &symbols,
        backfill,
    )))
}

fn empty(account_id: Option<Uuid>, to: NaiveDate) -> PerformanceResponse {
    PerformanceResponse {
        account_id,
        from: None,
        to,
        series: Vec::new(),
        time_weighted: figure(None, "cumulative", TWR_DEFINITION),
        money_weighted: figure(None, "annualised", MWR_DEFINITION),
        profit_usd: None,
        money_in_usd: Decimal::ZERO,
        money_out_usd: Decimal::ZERO,
        benchmarks: Vec::new(),
        incomplete: None,
        prices: "no ledger entries yet: add or import some to see a history".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    account_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
    history: &[ValuedDay],
    prices: &HashMap<(Uuid, NaiveDate), Decimal>,
    bench_ids: &HashMap<String, Uuid>,
    symbols: &HashMap<Uuid, String>,
    backfill: crate::jobs::price_history::Backfill,
) -> PerformanceResponse {
    // The day before the range opens it: its value is the starting capital.
    let (opening, range) = history.split_first().expect("start..=to has a day");
    let opening_value = opening.day.value;
    let mut days: Vec<Day> = vec![Day {
        date: opening.day.date,
        value: opening_value,
        inflow: opening_value.unwrap_or_default(),
        outflow: Decimal::ZERO,
    }];
    days.extend(range.iter().map(|v| v.day.clone()));
    let money_in: Decimal = range.iter().map(|v| v.day.inflow).sum();
    let money_out: Decimal = range.iter().map(|v| v.day.outflow).sum();
    let unknown: Vec<&ValuedDay> = history.iter().filter(|v| v.day.value.is_none()).collect();
    let complete = unknown.is_empty();
    let end_value = range.last().and_then(|v| v.day.value);

    let mut flows: Vec<(NaiveDate, Decimal)> = Vec::new();
    if let Some(v) = opening_value.filter(|v| !v.is_zero()) {
        flows.push((opening.day.date, -v));
    }
    for v in range {
        if !v.day.inflow.is_zero() {
            flows.push((v.day.date, -v.day.inflow));
        }
        if !v.day.outflow.is_zero() {
            flows.push((v.day.date, v.day.outflow));
        }
    }
    if let Some(v) = end_value.filter(|v| !v.is_zero()) {
        flows.push((to, v));
    }
    let mwr = complete.then(|| xirr(&flows)).flatten();
    let profit = match (complete, opening_value, end_value) {
        (true, Some(o), Some(e)) => Some(simple_profit(e, o + money_in, money_out)),
        _ => None,
    };

    // Benchmarks: the same money (the opening value included) in BTC, in ETH, or as cash.
    let dates: Vec<NaiveDate> = days.iter().map(|d| d.date).collect();
    let net: Vec<(NaiveDate, Decimal)> = days
        .iter()
        .map(|d| (d.date, d.inflow - d.outflow))
        .filter(|(_, n)| !n.is_zero())
        .collect();
    let mut benchmarks = Vec::new();
    let mut bench = |name: String, values: Vec<Option<Decimal>>| {
        let series: Vec<Day> = days
            .iter()
            .zip(&values)
            .map(|(d, v)| Day {
                date: d.date,
                value: *v,
                inflow: d.inflow,
                outflow: d.outflow,
            })
            .collect();
        benchmarks.push(BenchmarkResponse {
            name,
            value_usd: values
                .last()
                .copied()
                .flatten()
                .map(|v| v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)),
            time_weighted: time_weighted(&series),
            series: dates
                .iter()
                .zip(&values)
                .map(|(d, v)| BenchmarkPoint {
                    date: *d,
                    value_usd: v.map(|v| {
                        v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)
                    }),
                })
                .collect(),
        });
    };
    for (name, gecko) in BENCHMARKS {
        if let Some(id) = bench_ids.get(gecko) {
            let price = |d: NaiveDate| prices.get(&(*id, d)).copied();
            bench(name.into(), benchmark_values(&dates, &net, Some(&price)));
        }
    }
    bench("cash".into(), benchmark_values(&dates, &net, None));

    let unpriced: BTreeSet<String> = unknown
        .iter()
        .flat_map(|v| v.unpriced.iter())
        .map(|a| symbols.get(a).cloned().unwrap_or_else(|| a.to_string()))
        .collect();
    PerformanceResponse {
        account_id,
        from: Some(from),
        to,
        series: range
            .iter()
            .map(|v| PointResponse {
                date: v.day.date,
                value_usd: v.day.value.map(|x| x.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)),
                money_in_usd: v.day.inflow.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero),
                money_out_usd: v.day.outflow.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero),
            })
            .collect(),
        time_weighted: if complete {
            time_weighted(&days)
        } else {
            figure(None, "cumulative", TWR_DEFINITION)
        },
        money_weighted: figure(mwr, "annualised", MWR_DEFINITION),
        profit_usd: profit.map(|p| p.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)),
        money_in_usd: money_in.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero),
        money_out_usd: money_out.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero),
        benchmarks,
        incomplete: (!complete).then(|| Incomplete {
            days: unknown.iter().take(31).map(|v| v.day.date).collect(),
            day_count: unknown.len(),
            unpriced_assets: unpriced.into_iter().collect(),
            failed_backfills: backfill
                .failed
                .iter()
                .map(|(a, why)| {
                    format!(
                        "{}: {why}",
                        symbols.get(a).cloned().unwrap_or_else(|| a.to_string())
                    )
                })
                .collect(),
        }),
        prices: format!(
            "daily closes from CoinGecko (CoinPaprika where CoinGecko has none), stored once; {} request(s) and {} day(s) fetched for this answer; today at the latest price",
            backfill.requests, backfill.days
        ),
    }
}
