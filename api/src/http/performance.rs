//! How am I doing: value history rebuilt from the ledger back to the first entry, valued at
//! daily prices fetched once, with the time-weighted and money-weighted returns, the simple
//! profit, and the same money invested in BTC, in ETH, or held as cash. Rules in
//! `domain::returns` and `domain::performance`; definitions in `docs/performance.md`.

use std::collections::{BTreeSet, HashMap, HashSet};

use axum::extract::State;
use axum::Json;
use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::ledger::Entry;
use crate::domain::performance::{
    history, DailyPrices, HeldDays, History, PriceGrid, Scope, ValuedDay,
};
use crate::domain::returns::{
    annualised, benchmark_values, simple_profit, simple_return, twr, xirr, Day,
};
use crate::error::{ApiError, ApiQuery, ErrorBody};
use crate::state::AppState;
use crate::store::{daily_balances, daily_prices, ledger as ledger_store};

/// The benchmarks offered, by CoinGecko id.
const BENCHMARKS: [(&str, &str); 2] = [("BTC", "bitcoin"), ("ETH", "ethereum")];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PerformanceQuery {
    /// One account; all your accounts when absent (not with `portfolio_id`).
    pub account_id: Option<Uuid>,
    /// The accounts linked to one portfolio (not with `account_id`).
    pub portfolio_id: Option<Uuid>,
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
    /// Accounts whose holdings on one of those days are not known: no ledger and no stored
    /// daily holdings, or a day missing from their stored holdings.
    pub unread_accounts: Vec<String>,
    /// Assets whose price history could not be fetched, and why.
    pub failed_backfills: Vec<String>,
}

/// One asset's part in the range.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetContribution {
    pub asset_id: Uuid,
    pub symbol: String,
    /// Held at the close of the day before the range; `null` when incomplete.
    #[schema(value_type = Option<String>)]
    pub start_value_usd: Option<Decimal>,
    /// Held at the range's last close; `null` when incomplete.
    #[schema(value_type = Option<String>)]
    pub end_value_usd: Option<Decimal>,
    /// Money put into this asset in the range: buys and deposits in, minus sales and
    /// withdrawals out, at the ledger's values; `null` when incomplete.
    #[schema(value_type = Option<String>)]
    pub net_flows_usd: Option<Decimal>,
    /// End − start − net flows; `null` when incomplete.
    #[schema(value_type = Option<String>)]
    pub profit_usd: Option<Decimal>,
    /// Its profit over the capital at work: the assets' contributions add up to
    /// `simple_return`.
    pub contribution: ReturnFigure,
    /// A price (or a value) it needed is missing: its figures are `null`, never 0.
    pub incomplete: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PerformanceResponse {
    pub account_id: Option<Uuid>,
    pub portfolio_id: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
    /// The accounts in scope and how each one's history is known.
    pub accounts: Vec<AccountBasis>,
    pub series: Vec<PointResponse>,
    pub time_weighted: ReturnFigure,
    pub money_weighted: ReturnFigure,
    /// Profit over the capital at work (the value at the start plus the money put in).
    pub simple_return: ReturnFigure,
    /// Value now − value at the start − (money in − money out); `null` when incomplete.
    #[schema(value_type = Option<String>)]
    pub profit_usd: Option<Decimal>,
    #[schema(value_type = String)]
    pub money_in_usd: Decimal,
    #[schema(value_type = String)]
    pub money_out_usd: Decimal,
    /// One row per asset held or moved in the range, by symbol.
    pub assets: Vec<AssetContribution>,
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

/// A return as shown: exact, rounded to 12 places.
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
const SIMPLE_DEFINITION: &str =
    "Profit over the capital at work: the value at the start plus the money put in";
const CONTRIBUTION_DEFINITION: &str = "This asset's profit over the capital at work (the value at the start plus the money put in): the assets' contributions add up to the simple return";

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

/// How each account in scope is valued.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBasis {
    pub account_id: Uuid,
    pub name: String,
    /// `ledger` (its entries), `holdings-based` (its stored daily holdings: changes in
    /// quantity are money in or out, so its income is not told apart from deposits), or `none`
    /// (neither: its days are unknown).
    pub basis: String,
}

/// The accounts in scope, each with how its history is known.
struct Scoped {
    accounts: Vec<(Uuid, String, &'static str)>,
    held: Vec<HeldDays>,
    unread: Vec<Uuid>,
}

/// The accounts a query asks about: one, a portfolio's, or all of them.
async fn accounts_in_scope(
    state: &AppState,
    user: Uuid,
    q: &PerformanceQuery,
) -> Result<Vec<crate::entities::accounts::Model>, ApiError> {
    use crate::store::{accounts as account_store, portfolios as portfolio_store};
    match (q.account_id, q.portfolio_id) {
        (Some(_), Some(_)) => Err(ApiError::Unprocessable {
            code: "account_and_portfolio",
            message: "ask for one account or one portfolio, not both".into(),
        }),
        (Some(id), None) => Ok(vec![account_store::get_for_user(&state.db, user, id)
            .await?
            .ok_or_else(|| ApiError::not_found("account"))?]),
        (None, Some(id)) => {
            portfolio_store::get_for_user(&state.db, user, id)
                .await?
                .ok_or_else(|| ApiError::not_found("portfolio"))?;
            let mut linked = portfolio_store::linked_accounts(&state.db, id).await?;
            linked.retain(|a| a.user_id == user);
            Ok(linked)
        }
        (None, None) => Ok(account_store::list_for_user(&state.db, user).await?),
    }
}

/// Lines a net worth counts: a catalog asset, neither unverified, spam nor out of range.
fn counted(line: &daily_balances::HeldLine) -> Option<(Uuid, Decimal)> {
    use crate::domain::holdings::flag;
    let skipped = [flag::UNVERIFIED, flag::SPAM, flag::OUT_OF_RANGE];
    if line.flags.iter().any(|f| skipped.contains(&f.as_str())) {
        return None;
    }
    Some((line.asset_id?, line.quantity))
}

/// Accounts without a ledger: their stored days from `start` to `to`, each a list of (asset,
/// quantity) of the lines a net worth counts.
async fn held_days(
    state: &AppState,
    first_held: &HashMap<Uuid, NaiveDate>,
    start: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<HeldDays>, ApiError> {
    let ids: Vec<Uuid> = first_held.keys().copied().collect();
    let mut held: Vec<HeldDays> = first_held
        .iter()
        .map(|(account, first_day)| HeldDays {
            account: *account,
            first_day: *first_day,
            days: Vec::new(),
        })
        .collect();
    held.sort_by_key(|h| h.account);
    for line in daily_balances::lines_between(&state.db, &ids, start, to).await? {
        let Ok(n) = held.binary_search_by_key(&line.account_id, |h| h.account) else {
            continue;
        };
        let days = &mut held[n].days;
        if days.last().is_none_or(|(d, _)| *d != line.day) {
            days.push((line.day, Vec::new()));
        }
        if let (Some(c), Some((_, lines))) = (counted(&line), days.last_mut()) {
            lines.push(c);
        }
    }
    Ok(held)
}

/// Value history, returns, benchmarks and each asset's part, of your accounts (one of them, or
/// a portfolio's).
#[utoipa::path(get, path = "/api/performance", tag = "ledger", params(PerformanceQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The history and the returns", body = PerformanceResponse),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account or portfolio of yours", body = ErrorBody),
        (status = 422, description = "`account_and_portfolio`: both asked for", body = ErrorBody)))]
pub async fn get_performance(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<PerformanceQuery>,
) -> Result<Json<PerformanceResponse>, ApiError> {
    let mut in_scope = accounts_in_scope(&state, user.id, &q).await?;
    let now = (state.clock)();
    let today = now.date_naive();
    let to = q.to.unwrap_or(today).min(today);
    let asked = match (q.from, q.range.as_deref()) {
        (Some(f), _) => Some(f),
        (None, Some(r)) => range_start(r, to)?,
        (None, None) => None,
    };
    let stored = ledger_store::all_for_user(&state.db, user.id).await?;
    let entries: Vec<Entry> = stored.iter().map(ledger_store::to_domain).collect();
    let scope_ids: HashSet<Uuid> = in_scope.iter().map(|a| a.id).collect();
    let inside = |a: Uuid| scope_ids.contains(&a);
    let mut first_entry: HashMap<Uuid, NaiveDate> = HashMap::new();
    for e in entries.iter().filter(|e| inside(e.account)) {
        let d = e.at.date_naive();
        first_entry
            .entry(e.account)
            .and_modify(|f| *f = (*f).min(d))
            .or_insert(d);
    }
    // A paused account without a ledger is left out, as the net worth leaves it out (its
    // days stop being stored when it is paused); one asked for by id is shown as it is.
    if q.account_id.is_none() {
        in_scope.retain(|a| a.is_active || first_entry.contains_key(&a.id));
    }
    let without_ledger: Vec<Uuid> = in_scope
        .iter()
        .map(|a| a.id)
        .filter(|a| !first_entry.contains_key(a))
        .collect();
    let first_held = daily_balances::first_days(&state.db, &without_ledger).await?;
    let mut scoped = Scoped {
        accounts: in_scope
            .iter()
            .map(|a| {
                let basis = if first_entry.contains_key(&a.id) {
                    "ledger"
                } else if first_held.contains_key(&a.id) {
                    "holdings-based"
                } else {
                    "none"
                };
                (a.id, a.name.clone(), basis)
            })
            .collect(),
        held: Vec::new(),
        unread: without_ledger
            .iter()
            .copied()
            .filter(|a| !first_held.contains_key(a))
            .collect(),
    };
    let first = first_entry
        .values()
        .chain(first_held.values())
        .min()
        .copied();
    let Some(first) = first else {
        return Ok(Json(empty(&q, to, &scoped)));
    };
    let from = asked.map_or(first, |a| a.max(first));
    // The day before the range holds its starting value.
    let start = from.pred_opt().unwrap_or(from);

    scoped.held = held_days(&state, &first_held, start, to).await?;

    // Prices: the assets held in the scope and the benchmarks, back to the range's start.
    let mut asset_ids: BTreeSet<Uuid> = BTreeSet::new();
    for e in entries.iter().filter(|e| inside(e.account)) {
        for side in [e.sent, e.received, e.fee].into_iter().flatten() {
            if let Some(a) = side.asset.listed() {
                asset_ids.insert(a);
            }
        }
    }
    for h in &scoped.held {
        asset_ids.extend(h.days.iter().flat_map(|(_, l)| l.iter().map(|(a, _)| *a)));
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
    let mut prices = daily_prices::grid(&state.db, &ids, start, to).await?;
    if to == today {
        // Today's close is not known yet: today is valued at the latest price.
        for (id, p) in state.price_cache.latest_many(&state.db, &ids).await? {
            prices.insert(id, today, p.price_usd);
        }
    }
    let scope = Scope {
        entries: &entries,
        inside: &inside,
        held: &scoped.held,
        unread: &scoped.unread,
    };
    let history = history(&scope, &prices, start, to);
    let symbols: HashMap<Uuid, String> = assets.iter().map(|a| (a.id, a.symbol.clone())).collect();
    let context = Context {
        account_id: q.account_id,
        portfolio_id: q.portfolio_id,
        from,
        to,
        bench_ids: &bench_ids,
        symbols: &symbols,
        scoped: &scoped,
    };
    Ok(Json(assemble(&context, &history, &prices, backfill)))
}

/// What an answer says about the question, besides the history.
struct Context<'a> {
    account_id: Option<Uuid>,
    portfolio_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
    bench_ids: &'a HashMap<String, Uuid>,
    symbols: &'a HashMap<Uuid, String>,
    scoped: &'a Scoped,
}

fn account_bases(scoped: &Scoped) -> Vec<AccountBasis> {
    scoped
        .accounts
        .iter()
        .map(|(id, name, basis)| AccountBasis {
            account_id: *id,
            name: name.clone(),
            basis: (*basis).into(),
        })
        .collect()
}

fn empty(q: &PerformanceQuery, to: NaiveDate, scoped: &Scoped) -> PerformanceResponse {
    PerformanceResponse {
        account_id: q.account_id,
        portfolio_id: q.portfolio_id,
        from: None,
        to,
        accounts: account_bases(scoped),
        series: Vec::new(),
        time_weighted: figure(None, "cumulative", TWR_DEFINITION),
        money_weighted: figure(None, "annualised", MWR_DEFINITION),
        simple_return: figure(None, "cumulative", SIMPLE_DEFINITION),
        profit_usd: None,
        money_in_usd: Decimal::ZERO,
        money_out_usd: Decimal::ZERO,
        assets: Vec::new(),
        benchmarks: Vec::new(),
        incomplete: None,
        prices:
            "no ledger entries or stored daily holdings yet: add or import some to see a history"
                .into(),
    }
}

/// Dollars in cents, cut toward zero: a shown value never exceeds what is held.
fn cents(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero)
        .normalize()
}

/// Rule 7 of `domain::returns` per asset: each asset's figures and its contribution.
fn asset_rows(
    history: &History,
    symbols: &HashMap<Uuid, String>,
    capital: Option<(Decimal, Decimal)>,
) -> Vec<AssetContribution> {
    let mut rows: Vec<AssetContribution> = history
        .assets
        .iter()
        .map(|a| {
            let profit = a.profit();
            let share = match (profit, capital) {
                (Some(p), Some((start, money_in))) => simple_return(p, start, money_in),
                _ => None,
            };
            AssetContribution {
                asset_id: a.asset,
                symbol: symbols
                    .get(&a.asset)
                    .cloned()
                    .unwrap_or_else(|| a.asset.to_string()),
                start_value_usd: a.start_value.map(cents),
                end_value_usd: a.end_value.map(cents),
                net_flows_usd: a.net_flows.map(cents),
                profit_usd: profit.map(cents),
                contribution: figure(share, "cumulative", CONTRIBUTION_DEFINITION),
                incomplete: a.incomplete,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.symbol.cmp(&b.symbol).then(a.asset_id.cmp(&b.asset_id)));
    rows
}

fn assemble(
    c: &Context,
    history: &History,
    prices: &PriceGrid,
    backfill: crate::jobs::price_history::Backfill,
) -> PerformanceResponse {
    // The day before the range opens it: its value is the starting capital.
    let (opening, range) = history.days.split_first().expect("start..=to has a day");
    let opening_value = opening.day.value;
    let mut days: Vec<Day> = Vec::with_capacity(history.days.len());
    days.push(Day {
        date: opening.day.date,
        value: opening_value,
        inflow: opening_value.unwrap_or_default(),
        outflow: Decimal::ZERO,
    });
    days.extend(range.iter().map(|v| v.day.clone()));
    let money_in: Decimal = range.iter().map(|v| v.day.inflow).sum();
    let money_out: Decimal = range.iter().map(|v| v.day.outflow).sum();
    let unknown: Vec<&ValuedDay> = history
        .days
        .iter()
        .filter(|v| v.day.value.is_none())
        .collect();
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
        flows.push((c.to, v));
    }
    let mwr = complete.then(|| xirr(&flows)).flatten();
    let (profit, capital) = match (complete, opening_value, end_value) {
        (true, Some(o), Some(e)) => (
            Some(simple_profit(e, o + money_in, money_out)),
            Some((o, money_in)),
        ),
        _ => (None, None),
    };
    let simple = profit
        .zip(capital)
        .and_then(|(p, (o, i))| simple_return(p, o, i));

    // Benchmarks: the same money (the opening value included) in BTC, in ETH, or as cash.
    let dates: Vec<NaiveDate> = days.iter().map(|d| d.date).collect();
    let net: Vec<Decimal> = days.iter().map(|d| d.inflow - d.outflow).collect();
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
            value_usd: values.last().copied().flatten().map(cents),
            time_weighted: time_weighted(&series),
            series: dates
                .iter()
                .zip(&values)
                .map(|(d, v)| BenchmarkPoint {
                    date: *d,
                    value_usd: v.map(cents),
                })
                .collect(),
        });
    };
    for (name, gecko) in BENCHMARKS {
        if let Some(id) = c.bench_ids.get(gecko) {
            let price = |d: NaiveDate| prices.price(*id, d);
            bench(name.into(), benchmark_values(&dates, &net, Some(&price)));
        }
    }
    bench("cash".into(), benchmark_values(&dates, &net, None));

    let name_of = |a: &Uuid| c.symbols.get(a).cloned().unwrap_or_else(|| a.to_string());
    let unpriced: BTreeSet<String> = unknown
        .iter()
        .flat_map(|v| v.unpriced.iter())
        .map(name_of)
        .collect();
    let unread: BTreeSet<Uuid> = unknown
        .iter()
        .flat_map(|v| v.unread.iter().copied())
        .collect();
    PerformanceResponse {
        account_id: c.account_id,
        portfolio_id: c.portfolio_id,
        from: Some(c.from),
        to: c.to,
        accounts: account_bases(c.scoped),
        series: range
            .iter()
            .map(|v| PointResponse {
                date: v.day.date,
                value_usd: v.day.value.map(cents),
                money_in_usd: cents(v.day.inflow),
                money_out_usd: cents(v.day.outflow),
            })
            .collect(),
        time_weighted: if complete {
            time_weighted(&days)
        } else {
            figure(None, "cumulative", TWR_DEFINITION)
        },
        money_weighted: figure(mwr, "annualised", MWR_DEFINITION),
        simple_return: figure(simple, "cumulative", SIMPLE_DEFINITION),
        profit_usd: profit.map(cents),
        money_in_usd: cents(money_in),
        money_out_usd: cents(money_out),
        assets: asset_rows(history, c.symbols, capital),
        benchmarks,
        incomplete: (!complete).then(|| Incomplete {
            days: unknown.iter().take(31).map(|v| v.day.date).collect(),
            day_count: unknown.len(),
            unpriced_assets: unpriced.into_iter().collect(),
            unread_accounts: c
                .scoped
                .accounts
                .iter()
                .filter(|(id, _, _)| unread.contains(id))
                .map(|(_, name, _)| name.clone())
                .collect(),
            failed_backfills: backfill
                .failed
                .iter()
                .map(|(a, why)| format!("{}: {why}", name_of(a)))
                .collect(),
        }),
        prices: format!(
            "daily closes from CoinGecko (CoinPaprika where CoinGecko has none), stored once; {} request(s) and {} day(s) fetched for this answer; today at the latest price",
            backfill.requests, backfill.days
        ),
    }
}
