//! Balance history without a portfolio: what one account, or all accounts, held of each asset
//! at the end of each day (from the end-of-day job's daily balances).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiQuery, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::{accounts as account_store, daily_balances};

/// The longest range one request may ask for.
pub const MAX_DAYS: i64 = 3_660;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BalanceHistoryQuery {
    /// Only this account (one of the user's).
    pub account_id: Option<Uuid>,
    /// Only this asset.
    pub asset_id: Option<Uuid>,
    /// First day (YYYY-MM-DD), inclusive; default 90 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (YYYY-MM-DD), inclusive; default today.
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DailyBalanceResponse {
    pub day: NaiveDate,
    pub account_id: Uuid,
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    /// `spot`, `earn`, `staked`, `borrowed`, `manual`, …
    pub kind: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    #[schema(value_type = Option<String>)]
    pub price_usd: Option<Decimal>,
    /// Null when any part of the line had no price then.
    #[schema(value_type = Option<String>)]
    pub value_usd: Option<Decimal>,
    pub price_at: Option<DateTime<Utc>>,
    pub synced_at: Option<DateTime<Utc>>,
    pub flags: Vec<String>,
}

/// End-of-day balances per account and asset, oldest day first.
#[utoipa::path(get, path = "/api/balances/history", tag = "accounts",
    params(BalanceHistoryQuery), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Daily balances", body = [DailyBalanceResponse]),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody),
        (status = 422, description = "from after to, or a range longer than 3,660 days", body = ErrorBody)))]
pub async fn balance_history(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<BalanceHistoryQuery>,
) -> Result<Json<Vec<DailyBalanceResponse>>, ApiError> {
    if let Some(id) = q.account_id {
        account_store::get_for_user(&state.db, user.id, id)
            .await?
            .ok_or_else(|| ApiError::not_found("account"))?;
    }
    let to = q.to.unwrap_or_else(|| Utc::now().date_naive());
    let from = q.from.unwrap_or(to - chrono::Duration::days(90));
    if from > to {
        return Err(ApiError::validation(vec![FieldError::new(
            "from",
            "must not be after to",
        )]));
    }
    if (to - from).num_days() > MAX_DAYS {
        return Err(ApiError::validation(vec![FieldError::new(
            "from",
            format!("ask for at most {MAX_DAYS} days at a time"),
        )]));
    }
    let rows =
        daily_balances::history(&state.db, user.id, q.account_id, q.asset_id, from, to).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| DailyBalanceResponse {
                day: s.day,
                account_id: s.account_id,
                asset_id: s.balance.asset_id,
                symbol: s.balance.symbol,
                kind: s.balance.kind,
                quantity: s.balance.quantity,
                price_usd: s.balance.price_usd,
                value_usd: s.balance.value_usd,
                price_at: s.balance.price_at,
                synced_at: s.balance.synced_at,
                flags: s.balance.flags,
            })
            .collect(),
    ))
}
