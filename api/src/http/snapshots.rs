//! Portfolio snapshots and the value timeline.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::allocation::AllocationLine;
use crate::error::{ApiError, ApiPath, ApiQuery, ErrorBody, FieldError};
use crate::http::portfolios::owned_portfolio;
use crate::portfolio as service;
use crate::state::AppState;
use crate::store::{portfolios as portfolio_store, snapshots as store};

#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotResponse {
    pub id: Uuid,
    pub portfolio_id: Uuid,
    pub snapshot_date: NaiveDate,
    /// `eod` or `manual`.
    pub snapshot_type: String,
    /// The net value (assets − liabilities), as `net_value_usd`: what the portfolio was worth.
    #[schema(value_type = String)]
    pub total_value_usd: Decimal,
    /// Assets − liabilities.
    #[schema(value_type = String)]
    pub net_value_usd: Decimal,
    /// Gross value of the priced holdings (the base of the lines' weights).
    #[schema(value_type = String)]
    pub assets_usd: Decimal,
    /// Amount owed (borrowed positions), positive.
    #[schema(value_type = String)]
    pub liabilities_usd: Decimal,
    /// Linked accounts not read yet when the snapshot was taken: more than 0 means the
    /// snapshot is incomplete (those accounts are missing from it).
    pub accounts_not_read: usize,
    /// Allocation lines at snapshot time: quantity, price, value, weights.
    pub holdings: Vec<AllocationLine>,
    /// Unpriced holdings, each price's source and time, each account's last good sync.
    #[schema(value_type = Object)]
    pub metadata: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
}

impl From<store::Snapshot> for SnapshotResponse {
    fn from(s: store::Snapshot) -> Self {
        let v = service::snapshot_values(&s);
        Self {
            id: s.id,
            portfolio_id: s.portfolio_id,
            snapshot_date: s.snapshot_date,
            snapshot_type: s.snapshot_type,
            total_value_usd: v.net_value_usd,
            net_value_usd: v.net_value_usd,
            assets_usd: v.assets_usd,
            liabilities_usd: v.liabilities_usd,
            accounts_not_read: v.accounts_not_read,
            holdings: serde_json::from_value(s.holdings).unwrap_or_default(),
            metadata: s.metadata,
            created_at: s.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelinePoint {
    pub date: NaiveDate,
    /// The net value (assets − liabilities), as `net_value_usd`.
    #[schema(value_type = String)]
    pub total_value_usd: Decimal,
    #[schema(value_type = String)]
    pub net_value_usd: Decimal,
    #[schema(value_type = String)]
    pub assets_usd: Decimal,
    /// Amount owed, positive.
    #[schema(value_type = String)]
    pub liabilities_usd: Decimal,
    /// Linked accounts missing from the point (not read yet): more than 0 means incomplete.
    pub accounts_not_read: usize,
    /// Which snapshot the point comes from: `eod`, or `manual` on days without one.
    pub snapshot_type: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DateRange {
    /// First day (YYYY-MM-DD), inclusive.
    pub from: Option<NaiveDate>,
    /// Last day (YYYY-MM-DD), inclusive.
    pub to: Option<NaiveDate>,
}

fn check_range(r: &DateRange) -> Result<(), ApiError> {
    match (r.from, r.to) {
        (Some(f), Some(t)) if f > t => Err(ApiError::validation(vec![FieldError::new(
            "from",
            "must not be after to",
        )])),
        _ => Ok(()),
    }
}

/// Take a snapshot of the portfolio now (type `manual`); a second one the same day replaces it.
///
/// Refused (`422 nothing_valued`) while none of the linked accounts has been read: that point
/// would be an unknown recorded as $0. With some accounts read, the snapshot is stored and
/// counts the others in `accounts_not_read`.
#[utoipa::path(post, path = "/api/portfolios/{id}/snapshots", tag = "snapshots",
    params(("id" = Uuid, Path, description = "Portfolio id")), security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The snapshot", body = SnapshotResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody),
        (status = 422, description = "No linked account has been read yet (`nothing_valued`)", body = ErrorBody)))]
pub async fn create_snapshot(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<SnapshotResponse>), ApiError> {
    let p = owned_portfolio(&state, &user, id).await?;
    let now = Utc::now();
    let today = now.date_naive();
    // `snapshot_failed` rules see this snapshot too, taken or not.
    let mut run = crate::alerts::SnapshotRun {
        date: today,
        manual: true,
        ..Default::default()
    };
    let taken = take_snapshot(&state, &p, now, &mut run).await;
    state.alerts.after_manual_snapshot(&p, &run).await;
    let saved = taken?;
    Ok((StatusCode::CREATED, Json(saved.into())))
}

/// Takes the manual snapshot of `p` and records in `run` whether it was taken.
async fn take_snapshot(
    state: &AppState,
    p: &crate::entities::portfolios::Model,
    now: chrono::DateTime<Utc>,
    run: &mut crate::alerts::SnapshotRun,
) -> Result<crate::entities::snapshots::Model, ApiError> {
    let (id, today) = (p.id, run.date);
    let accounts = portfolio_store::linked_accounts(&state.db, id).await?;
    if service::nothing_valued(&accounts) {
        run.nothing_read.insert(id);
        return Err(ApiError::Unprocessable {
            code: "nothing_valued",
            message: "none of the portfolio's accounts has been read yet: sync them first, \
                      so the snapshot does not record an unknown value as $0"
                .to_string(),
        });
    }
    let valued = service::allocation(&state.portfolio(), p, &accounts).await?;
    let row = service::snapshot_row(
        id,
        today,
        "manual",
        &valued.allocation,
        &valued.prices,
        &accounts,
        now,
    );
    store::upsert_many(&state.db, vec![row]).await?;
    let saved = store::find(&state.db, id, today, "manual")
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("snapshot vanished after upsert")))?;
    run.taken.insert(id);
    Ok(saved)
}

/// Snapshots between two dates, newest first.
#[utoipa::path(get, path = "/api/portfolios/{id}/snapshots", tag = "snapshots",
    params(("id" = Uuid, Path, description = "Portfolio id"), DateRange), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Snapshots", body = [SnapshotResponse]),
        (status = 400, description = "Malformed id or dates", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody),
        (status = 422, description = "from after to", body = ErrorBody)))]
pub async fn list_snapshots(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(range): ApiQuery<DateRange>,
) -> Result<Json<Vec<SnapshotResponse>>, ApiError> {
    owned_portfolio(&state, &user, id).await?;
    check_range(&range)?;
    let rows = store::list(&state.db, id, range.from, range.to).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Total value per day for a chart: the end-of-day snapshot, or the manual one on days
/// without it; oldest first.
#[utoipa::path(get, path = "/api/portfolios/{id}/snapshots/timeline", tag = "snapshots",
    params(("id" = Uuid, Path, description = "Portfolio id"), DateRange), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "One point per day", body = [TimelinePoint]),
        (status = 400, description = "Malformed id or dates", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody),
        (status = 422, description = "from after to", body = ErrorBody)))]
pub async fn get_timeline(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(range): ApiQuery<DateRange>,
) -> Result<Json<Vec<TimelinePoint>>, ApiError> {
    owned_portfolio(&state, &user, id).await?;
    check_range(&range)?;
    let rows = store::list(&state.db, id, range.from, range.to).await?;
    let mut by_day: std::collections::BTreeMap<NaiveDate, &store::Snapshot> = Default::default();
    for s in &rows {
        by_day
            .entry(s.snapshot_date)
            .and_modify(|cur| {
                if cur.snapshot_type != "eod" && s.snapshot_type == "eod" {
                    *cur = s;
                }
            })
            .or_insert(s);
    }
    Ok(Json(
        by_day
            .into_iter()
            .map(|(date, s)| {
                let v = service::snapshot_values(s);
                TimelinePoint {
                    date,
                    total_value_usd: v.net_value_usd,
                    net_value_usd: v.net_value_usd,
                    assets_usd: v.assets_usd,
                    liabilities_usd: v.liabilities_usd,
                    accounts_not_read: v.accounts_not_read,
                    snapshot_type: s.snapshot_type.clone(),
                }
            })
            .collect(),
    ))
}
