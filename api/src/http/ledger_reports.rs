//! What the ledger computes: realized gains and income (with a tax year's CSV), profit and loss
//! per asset, and the reconciliation of the ledger against what each account's last sync read.
//! An asset whose history is known to be incomplete has no gain, cost or P&L figure: it says
//! what is missing instead (a missing value or cost basis, a disposal larger than the ledger
//! holds, or a difference with the last sync).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Datelike, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::cost_basis::{self, Method, Pooling, Report, Term};
use crate::domain::ledger::{self as rules, GapReason};
use crate::error::{ApiError, ApiJson, ApiQuery, ErrorBody};
use crate::state::AppState;
use crate::store::ledger as store;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerSettings {
    /// `fifo` (the default), `lifo`, `hifo` or `average_cost`.
    pub method: Method,
    /// `per_account` (the default: one pool per account, the US rule since 2025) or
    /// `universal` (one pool per asset).
    pub pooling: Pooling,
}

/// Your cost-basis method and pooling.
#[utoipa::path(get, path = "/api/ledger/settings", tag = "ledger", security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),(status = 200, description = "The settings", body = LedgerSettings)))]
pub async fn get_settings(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<LedgerSettings>, ApiError> {
    let (method, pooling) = store::settings(&state.db, user.id).await?;
    Ok(Json(LedgerSettings { method, pooling }))
}

/// Chooses your cost-basis method and pooling.
#[utoipa::path(put, path = "/api/ledger/settings", tag = "ledger", request_body = LedgerSettings,
    security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 200, description = "The settings", body = LedgerSettings),
        (status = 422, description = "Unknown method or pooling", body = ErrorBody)))]
pub async fn put_settings(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(s): ApiJson<LedgerSettings>,
) -> Result<Json<LedgerSettings>, ApiError> {
    store::save_settings(&state.db, user.id, s.method, s.pooling, (state.clock)()).await?;
    Ok(Json(s))
}

/// Why an asset's figures are not shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Missing {
    /// `no_value`, `no_cost_basis`, `short` (more disposed of than the ledger holds) or
    /// `missing_history` (the ledger and the last sync differ).
    pub reason: String,
    pub account_id: Uuid,
    /// The entry concerned (none for a reconciliation difference).
    pub entry_id: Option<Uuid>,
    /// The quantity missing, where there is one.
    #[schema(value_type = Option<String>)]
    pub quantity: Option<Decimal>,
    pub message: String,
}

/// One account's asset: the ledger against the last sync.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReconciledAsset {
    pub account_id: Uuid,
    pub account_name: String,
    pub asset_id: Uuid,
    pub symbol: String,
    #[schema(value_type = String)]
    pub ledger_quantity: Decimal,
    /// What the last sync read; `null` when the account has not been read.
    #[schema(value_type = Option<String>)]
    pub held_quantity: Option<Decimal>,
    /// Held minus ledger: history missing from the ledger when not 0; `null` when not read.
    #[schema(value_type = Option<String>)]
    pub difference: Option<Decimal>,
    /// `matches`, `missing_history` or `not_read`.
    pub status: String,
    pub synced_at: Option<DateTime<Utc>>,
}

/// Everything the reports share.
struct Computed {
    method: Method,
    pooling: Pooling,
    report: Report,
    symbols: HashMap<Uuid, String>,
    ledger_quantity: BTreeMap<Uuid, Decimal>,
    missing: BTreeMap<Uuid, Vec<Missing>>,
    reconciliation: Vec<ReconciledAsset>,
    /// Income entries with no value: (when, asset).
    unvalued_income: Vec<(DateTime<Utc>, Uuid)>,
}

impl Computed {
    fn incomplete(&self, asset: Uuid) -> bool {
        self.missing.contains_key(&asset)
    }

    fn symbol(&self, asset: Uuid) -> String {
        self.symbols.get(&asset).cloned().unwrap_or_default()
    }
}

async fn compute(
    state: &AppState,
    user: &AuthUser,
    method: Option<Method>,
    pooling: Option<Pooling>,
) -> Result<Computed, ApiError> {
    let (saved_method, saved_pooling) = store::settings(&state.db, user.id).await?;
    let (method, pooling) = (
        method.unwrap_or(saved_method),
        pooling.unwrap_or(saved_pooling),
    );
    let stored = store::all_for_user(&state.db, user.id).await?;
    let mut symbols = HashMap::new();
    for m in &stored {
        for s in store::sides(m).into_iter().flatten() {
            if let Some(id) = s.asset_id {
                symbols.entry(id).or_insert(s.symbol);
            }
        }
    }
    let entries: Vec<rules::Entry> = stored.iter().map(store::to_domain).collect();
    let reduced = rules::reduce(&entries);
    let report = cost_basis::compute(&reduced.events, method, pooling);
    let mut missing: BTreeMap<Uuid, Vec<Missing>> = BTreeMap::new();
    for g in &reduced.gaps {
        let (reason, message) = match g.reason {
            GapReason::NoValue => ("no_value", "has no US dollar value: give one"),
            GapReason::NoCostBasis => (
                "no_cost_basis",
                "is a deposit from outside with no cost basis: give what it cost",
            ),
        };
        missing.entry(g.asset).or_default().push(Missing {
            reason: reason.into(),
            account_id: g.account,
            entry_id: Some(g.entry),
            quantity: None,
            message: format!("the entry {message}"),
        });
    }
    for s in &report.shortfalls {
        missing.entry(s.asset).or_default().push(Missing {
            reason: "short".into(),
            account_id: s.account,
            entry_id: s.event_id.parse().ok(),
            quantity: Some(s.quantity),
            message: format!(
                "{} more was disposed of than the ledger holds: its acquisition is missing",
                s.quantity.normalize()
            ),
        });
    }
    let unvalued_income = entries
        .iter()
        .filter(|e| e.kind == rules::Kind::Income)
        .filter(|e| reduced.gaps.iter().any(|g| g.entry == e.id))
        .filter_map(|e| Some((e.at, e.received?.asset.listed()?)))
        .collect();
    let reconciliation = reconcile(state, user, &reduced.balances, &mut symbols).await?;
    for r in reconciliation
        .iter()
        .filter(|r| r.status == "missing_history")
    {
        missing.entry(r.asset_id).or_default().push(Missing {
            reason: "missing_history".into(),
            account_id: r.account_id,
            entry_id: None,
            quantity: r.difference,
            message: format!(
                "{}: the ledger says {}, the last sync read {}",
                r.account_name,
                r.ledger_quantity.normalize(),
                r.held_quantity.unwrap_or_default().normalize()
            ),
        });
    }
    let mut ledger_quantity: BTreeMap<Uuid, Decimal> = BTreeMap::new();
    for ((_, asset), q) in &reduced.balances {
        *ledger_quantity.entry(*asset).or_default() += q;
    }
    Ok(Computed {
        method,
        pooling,
        report,
        symbols,
        ledger_quantity,
        missing,
        reconciliation,
        unvalued_income,
    })
}

/// Each account with ledger entries or read holdings: the ledger's quantity of each asset
/// against the last sync's.
async fn reconcile(
    state: &AppState,
    user: &AuthUser,
    balances: &BTreeMap<(Uuid, Uuid), Decimal>,
    symbols: &mut HashMap<Uuid, String>,
) -> Result<Vec<ReconciledAsset>, ApiError> {
    let accounts = crate::store::accounts::list_for_user(&state.db, user.id).await?;
    let holdings = crate::store::holdings::of_accounts(&state.db, &accounts)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    let mut out = Vec::new();
    for a in &accounts {
        // A manual account's holdings are what its owner typed: one who never typed any has
        // not said they hold nothing, so there is nothing to compare the ledger with.
        let read = a.last_synced_at.is_some()
            && (a.account_type != "manual"
                || !crate::store::manual::history(&state.db, a.id)
                    .await?
                    .is_empty());
        let mut held: BTreeMap<Uuid, Decimal> = BTreeMap::new();
        for h in holdings.get(&a.id).into_iter().flatten() {
            if let (Some(asset), true) = (h.asset_id, h.kind != "borrowed") {
                *held.entry(asset).or_default() += h.quantity;
                symbols.entry(asset).or_insert_with(|| h.symbol.clone());
            }
        }
        let mut assets: BTreeSet<Uuid> = held.keys().copied().collect();
        assets.extend(
            balances
                .keys()
                .filter(|(acc, _)| *acc == a.id)
                .map(|(_, asset)| *asset),
        );
        for asset in assets {
            let ledger_quantity = balances.get(&(a.id, asset)).copied().unwrap_or_default();
            let held_quantity = read.then(|| held.get(&asset).copied().unwrap_or_default());
            let difference = held_quantity.map(|h| h - ledger_quantity);
            let status = match difference {
                None => "not_read",
                Some(d) if d.is_zero() => "matches",
                Some(_) => "missing_history",
            };
            out.push(ReconciledAsset {
                account_id: a.id,
                account_name: a.name.clone(),
                asset_id: asset,
                symbol: symbols.get(&asset).cloned().unwrap_or_default(),
                ledger_quantity: ledger_quantity.normalize(),
                held_quantity: held_quantity.map(|h| h.normalize()),
                difference: difference.map(|d| d.normalize()),
                status: status.into(),
                synced_at: a.last_synced_at,
            });
        }
    }
    Ok(out)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationResponse {
    pub assets: Vec<ReconciledAsset>,
    /// How many differ (their assets' gains are incomplete).
    pub differences: usize,
}

/// The ledger against what each account's last sync read.
#[utoipa::path(get, path = "/api/ledger/reconciliation", tag = "ledger",
    security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),(status = 200, description = "Per account and asset", body = ReconciliationResponse)))]
pub async fn reconciliation(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<ReconciliationResponse>, ApiError> {
    let c = compute(&state, &user, None, None).await?;
    let differences = c
        .reconciliation
        .iter()
        .filter(|r| r.status == "missing_history")
        .count();
    Ok(Json(ReconciliationResponse {
        assets: c.reconciliation,
        differences,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GainsQuery {
    /// A UTC calendar year; all years when absent.
    pub year: Option<i32>,
    /// Overrides your saved method for this answer.
    pub method: Option<Method>,
    /// Overrides your saved pooling for this answer.
    pub pooling: Option<Pooling>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DisposalLine {
    pub entry_id: Option<Uuid>,
    pub account_id: Uuid,
    pub asset_id: Uuid,
    pub symbol: String,
    pub disposed_at: DateTime<Utc>,
    pub acquired_at: Option<DateTime<Utc>>,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub proceeds_usd: Decimal,
    /// `null` when the asset's history is incomplete.
    #[schema(value_type = Option<String>)]
    pub cost_usd: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub gain_usd: Option<Decimal>,
    pub term: Option<Term>,
    pub incomplete: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncomeLine {
    pub entry_id: Option<Uuid>,
    pub account_id: Uuid,
    pub asset_id: Uuid,
    pub symbol: String,
    pub at: DateTime<Utc>,
    pub kind: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = String)]
    pub value_usd: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GainsTotals {
    #[schema(value_type = String)]
    pub proceeds_usd: Decimal,
    #[schema(value_type = String)]
    pub cost_usd: Decimal,
    #[schema(value_type = String)]
    pub gain_usd: Decimal,
    #[schema(value_type = String)]
    pub short_term_usd: Decimal,
    #[schema(value_type = String)]
    pub long_term_usd: Decimal,
    #[schema(value_type = String)]
    pub income_usd: Decimal,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncompleteAsset {
    pub asset_id: Uuid,
    pub symbol: String,
    pub missing: Vec<Missing>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GainsResponse {
    pub year: Option<i32>,
    pub method: Method,
    pub pooling: Pooling,
    pub disposals: Vec<DisposalLine>,
    pub income: Vec<IncomeLine>,
    /// `null` while any asset disposed of or received in the period is incomplete.
    pub totals: Option<GainsTotals>,
    /// Assets whose figures are not shown, and what is missing.
    pub incomplete_assets: Vec<IncompleteAsset>,
}

fn in_year(at: DateTime<Utc>, year: Option<i32>) -> bool {
    year.is_none_or(|y| at.year() == y)
}

fn gains(c: &Computed, year: Option<i32>) -> GainsResponse {
    let disposals: Vec<DisposalLine> = c
        .report
        .disposals
        .iter()
        .filter(|d| in_year(d.disposed_at, year))
        .map(|d| {
            let incomplete = c.incomplete(d.asset);
            DisposalLine {
                entry_id: d.event_id.parse().ok(),
                account_id: d.account,
                asset_id: d.asset,
                symbol: c.symbol(d.asset),
                disposed_at: d.disposed_at,
                acquired_at: d.acquired_at.filter(|_| !incomplete),
                quantity: d.quantity.normalize(),
                proceeds_usd: d.proceeds_usd.normalize(),
                cost_usd: d.cost_usd.filter(|_| !incomplete).map(|v| v.normalize()),
                gain_usd: d.gain_usd.filter(|_| !incomplete).map(|v| v.normalize()),
                term: d.term.filter(|_| !incomplete),
                incomplete,
            }
        })
        .collect();
    let income: Vec<IncomeLine> = c
        .report
        .income
        .iter()
        .filter(|i| in_year(i.at, year))
        .map(|i| IncomeLine {
            entry_id: i.event_id.parse().ok(),
            account_id: i.account,
            asset_id: i.asset,
            symbol: c.symbol(i.asset),
            at: i.at,
            kind: i.kind.clone(),
            quantity: i.quantity.normalize(),
            value_usd: i.value_usd.normalize(),
        })
        .collect();
    let involved: BTreeSet<Uuid> = disposals
        .iter()
        .map(|d| d.asset_id)
        .chain(income.iter().map(|i| i.asset_id))
        .collect();
    let incomplete_assets: Vec<IncompleteAsset> = involved
        .iter()
        .filter_map(|a| {
            c.missing.get(a).map(|m| IncompleteAsset {
                asset_id: *a,
                symbol: c.symbol(*a),
                missing: m.clone(),
            })
        })
        .collect();
    let totals = incomplete_assets.is_empty().then(|| {
        let sum = |f: &dyn Fn(&DisposalLine) -> Option<Decimal>| -> Decimal {
            disposals.iter().filter_map(f).sum()
        };
        GainsTotals {
            proceeds_usd: sum(&|d| Some(d.proceeds_usd)).normalize(),
            cost_usd: sum(&|d| d.cost_usd).normalize(),
            gain_usd: sum(&|d| d.gain_usd).normalize(),
            short_term_usd: sum(&|d| d.gain_usd.filter(|_| d.term == Some(Term::Short)))
                .normalize(),
            long_term_usd: sum(&|d| d.gain_usd.filter(|_| d.term == Some(Term::Long))).normalize(),
            income_usd: income
                .iter()
                .map(|i| i.value_usd)
                .sum::<Decimal>()
                .normalize(),
        }
    });
    GainsResponse {
        year,
        method: c.method,
        pooling: c.pooling,
        disposals,
        income,
        totals,
        incomplete_assets,
    }
}

/// Realized gains (one line per lot, or part of one, disposed of) and income received.
#[utoipa::path(get, path = "/api/ledger/gains", tag = "ledger", params(GainsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 200, description = "Gains and income", body = GainsResponse),
        (status = 400, description = "Malformed query", body = ErrorBody)))]
pub async fn get_gains(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<GainsQuery>,
) -> Result<Json<GainsResponse>, ApiError> {
    let c = compute(&state, &user, q.method, q.pooling).await?;
    Ok(Json(gains(&c, q.year)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetPnl {
    pub asset_id: Uuid,
    pub symbol: String,
    /// What the ledger says you hold.
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// What the lots still held cost; `null` when incomplete.
    #[schema(value_type = Option<String>)]
    pub cost_usd: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub price_usd: Option<Decimal>,
    pub price_at: Option<DateTime<Utc>>,
    pub price_source: Option<String>,
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
    /// Value now minus cost; `null` when incomplete or unpriced.
    #[schema(value_type = Option<String>)]
    pub unrealized_usd: Option<Decimal>,
    /// Every disposal's gain so far; `null` when incomplete.
    #[schema(value_type = Option<String>)]
    pub realized_usd: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub income_usd: Option<Decimal>,
    pub incomplete: bool,
    pub missing: Vec<Missing>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PnlResponse {
    pub method: Method,
    pub pooling: Pooling,
    pub as_of: DateTime<Utc>,
    pub assets: Vec<AssetPnl>,
    /// Sums over every asset; `null` while any asset is incomplete or unpriced.
    #[schema(value_type = Option<String>)]
    pub realized_usd: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub unrealized_usd: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub income_usd: Option<Decimal>,
}

/// Profit and loss per asset: realized, unrealized at today's price, and income.
#[utoipa::path(get, path = "/api/ledger/pnl", tag = "ledger", params(GainsQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),(status = 200, description = "Per asset", body = PnlResponse)))]
pub async fn get_pnl(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<GainsQuery>,
) -> Result<Json<PnlResponse>, ApiError> {
    let c = compute(&state, &user, q.method, q.pooling).await?;
    let mut assets: BTreeSet<Uuid> = c.ledger_quantity.keys().copied().collect();
    assets.extend(c.report.disposals.iter().map(|d| d.asset));
    assets.extend(c.missing.keys().copied());
    let ids: Vec<Uuid> = assets.iter().copied().collect();
    let prices = state.price_cache.latest_many(&state.db, &ids).await?;
    let mut cost: HashMap<Uuid, Decimal> = HashMap::new();
    for ((_, asset), lots) in &c.report.lots {
        *cost.entry(*asset).or_default() += lots.iter().map(|l| l.cost_usd).sum::<Decimal>();
    }
    let mut rows = Vec::new();
    for asset in assets {
        let incomplete = c.incomplete(asset);
        let known = |v: Decimal| (!incomplete).then_some(v.normalize());
        let quantity = c.ledger_quantity.get(&asset).copied().unwrap_or_default();
        let price = prices.get(&asset);
        let value = price.map(|p| quantity * p.price_usd);
        let cost_usd = known(cost.get(&asset).copied().unwrap_or_default());
        let realized = c
            .report
            .disposals
            .iter()
            .filter(|d| d.asset == asset)
            .filter_map(|d| d.gain_usd)
            .sum();
        let income = c
            .report
            .income
            .iter()
            .filter(|i| i.asset == asset)
            .map(|i| i.value_usd)
            .sum();
        rows.push(AssetPnl {
            asset_id: asset,
            symbol: c.symbol(asset),
            quantity: quantity.normalize(),
            cost_usd,
            price_usd: price.map(|p| p.price_usd),
            price_at: price.map(|p| p.timestamp),
            price_source: price.map(|p| p.source.clone()),
            value_usd: value.map(|v| v.normalize()),
            unrealized_usd: match (value, cost_usd) {
                (Some(v), Some(c)) => Some((v - c).normalize()),
                _ => None,
            },
            realized_usd: known(realized),
            income_usd: known(income),
            incomplete,
            missing: c.missing.get(&asset).cloned().unwrap_or_default(),
        });
    }
    let total = |f: &dyn Fn(&AssetPnl) -> Option<Decimal>| -> Option<Decimal> {
        rows.iter()
            .map(f)
            .sum::<Option<Decimal>>()
            .map(|v| v.normalize())
    };
    Ok(Json(PnlResponse {
        method: c.method,
        pooling: c.pooling,
        as_of: (state.clock)(),
        realized_usd: total(&|r| r.realized_usd),
        unrealized_usd: total(&|r| r.unrealized_usd),
        income_usd: total(&|r| r.income_usd),
        assets: rows,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The UTC calendar year.
    pub year: i32,
    pub method: Option<Method>,
    pub pooling: Option<Pooling>,
}

/// Dollars to cents, half to even: the forms take whole cents.
fn cents(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

fn csv_response(name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn refuse_incomplete(g: &GainsResponse) -> Result<(), ApiError> {
    if g.incomplete_assets.is_empty() {
        return Ok(());
    }
    Err(ApiError::Conflict {
        code: "ledger_incomplete",
        message: format!(
            "the ledger's history is incomplete for {}: see GET /api/ledger/gains for what is missing",
            g.incomplete_assets
                .iter()
                .map(|a| a.symbol.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })
}

/// A year's disposals as CSV, one line per lot (or part) like Form 8949: description, dates
/// acquired and sold (MM/DD/YYYY), proceeds, cost basis, gain or loss (each in cents, the gain
/// being the rounded proceeds minus the rounded cost) and term.
#[utoipa::path(get, path = "/api/ledger/tax-report.csv", tag = "ledger", params(ReportQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 200, description = "The CSV", content_type = "text/csv", body = String),
        (status = 409, description = "`ledger_incomplete`: an asset disposed of that year has missing history", body = ErrorBody)))]
pub async fn tax_report(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let c = compute(&state, &user, q.method, q.pooling).await?;
    let g = gains(&c, Some(q.year));
    refuse_incomplete(&g)?;
    let date = |d: DateTime<Utc>| d.format("%m/%d/%Y").to_string();
    let mut out = String::from(
        "Description of property,Date acquired,Date sold or disposed of,Proceeds,Cost or other basis,Gain or (loss),Term\n",
    );
    for d in &g.disposals {
        let (proceeds, cost) = (cents(d.proceeds_usd), cents(d.cost_usd.unwrap_or_default()));
        out.push_str(&format!(
            "{} {},{},{},{:.2},{:.2},{:.2},{}\n",
            d.quantity.normalize(),
            d.symbol,
            d.acquired_at.map(date).unwrap_or_default(),
            date(d.disposed_at),
            proceeds,
            cost,
            proceeds - cost,
            match d.term {
                Some(Term::Long) => "long",
                _ => "short",
            }
        ));
    }
    Ok(csv_response(format!("capital-gains-{}.csv", q.year), out))
}

/// A year's income as CSV: date, asset, quantity, kind, value in dollars (exact), account.
#[utoipa::path(get, path = "/api/ledger/income-report.csv", tag = "ledger", params(ReportQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 200, description = "The CSV", content_type = "text/csv", body = String),
        (status = 409, description = "`ledger_incomplete`: an asset received that year has missing history", body = ErrorBody)))]
pub async fn income_report(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let c = compute(&state, &user, q.method, q.pooling).await?;
    let g = gains(&c, Some(q.year));
    // Income is valued when received: only an income entry of that year with no value stops
    // this report (other history missing does not change what income was worth).
    let unvalued: BTreeSet<String> = c
        .unvalued_income
        .iter()
        .filter(|(at, _)| at.year() == q.year)
        .map(|(_, asset)| c.symbol(*asset))
        .collect();
    if !unvalued.is_empty() {
        return Err(ApiError::Conflict {
            code: "ledger_incomplete",
            message: format!(
                "income in {} has no US dollar value: give one for each such entry",
                unvalued.into_iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let mut out = String::from("Date,Asset,Quantity,Kind,Value (USD),Account\n");
    for i in &g.income {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            i.at.to_rfc3339(),
            i.symbol,
            i.quantity.normalize(),
            i.kind,
            i.value_usd.normalize(),
            i.account_id
        ));
    }
    Ok(csv_response(format!("income-{}.csv", q.year), out))
}
