//! Manual accounts (cold storage, an OTC position): the user says what they hold. Every edit
//! is kept (`GET …/manual-holdings/history`); the newest per asset is the holding, valued like
//! any other. A quantity of `"0"` removes the asset.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::exact;
use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody, FieldError};
use crate::http::accounts::{valued_one, AccountResponse};
use crate::state::AppState;
use crate::store::{accounts as store, manual};

/// The most edits one manual account keeps.
pub const MAX_ENTRIES_PER_ACCOUNT: usize = 10_000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualHoldingRequest {
    /// A catalog asset id, or a symbol (a symbol several assets share must be given as an id).
    pub asset: String,
    /// How much is held, a decimal in a string (`"0.5"`); `"0"` removes the asset.
    #[serde(deserialize_with = "exact::decimal")]
    #[schema(value_type = String)]
    pub quantity: Decimal,
    /// Where it is (e.g. "Ledger in the safe"); at most 200 characters.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ManualEntryResponse {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub symbol: String,
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub note: Option<String>,
    pub entered_at: DateTime<Utc>,
}

impl From<manual::Entry> for ManualEntryResponse {
    fn from(e: manual::Entry) -> Self {
        ManualEntryResponse {
            id: e.id,
            asset_id: e.asset_id,
            symbol: e.symbol,
            quantity: e.quantity,
            note: e.note,
            entered_at: e.entered_at,
        }
    }
}

async fn manual_account(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
) -> Result<store::Account, ApiError> {
    let a = store::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    if a.account_type != "manual" {
        return Err(ApiError::Unprocessable {
            code: "not_a_manual_account",
            message:
                "only manual accounts take entered holdings; this account is read from its source"
                    .into(),
        });
    }
    Ok(a)
}

/// Set how much of one asset a manual account holds (the edit is kept in its history).
#[utoipa::path(put, path = "/api/accounts/{id}/manual-holdings", tag = "accounts",
    request_body = ManualHoldingRequest,
    params(("id" = Uuid, Path, description = "Account id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The account with its holdings valued", body = AccountResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody),
        (status = 422, description = "Invalid fields (unknown or ambiguous asset, negative quantity), `not_a_manual_account`, or `limit_reached`", body = ErrorBody)))]
pub async fn set_manual_holding(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ManualHoldingRequest>,
) -> Result<Json<AccountResponse>, ApiError> {
    let account = manual_account(&state, &user, id).await?;
    let index = state.asset_index.for_user(&state.db, user.id).await?;
    let mut errors = Vec::new();
    let asset = match crate::portfolio::resolve_asset(&index, &req.asset) {
        Ok((Some(asset_id), symbol)) => Some((asset_id, symbol)),
        Ok((None, _)) => {
            errors.push(FieldError::new("asset", "is not in the asset catalog"));
            None
        }
        Err(why) => {
            errors.push(FieldError::new("asset", why));
            None
        }
    };
    if req.quantity < Decimal::ZERO {
        errors.push(FieldError::new(
            "quantity",
            "must be zero or more (\"0\" removes the asset)",
        ));
    }
    let note = req.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 200) {
        errors.push(FieldError::new("note", "must be at most 200 characters"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if manual::history(&state.db, id).await?.len() >= MAX_ENTRIES_PER_ACCOUNT {
        return Err(ApiError::Unprocessable {
            code: "limit_reached",
            message: format!(
                "this manual account already keeps {MAX_ENTRIES_PER_ACCOUNT} edits; add a new manual account"
            ),
        });
    }
    let (asset_id, symbol) = asset.expect("validated");
    manual::append(
        &state.db,
        id,
        asset_id,
        &symbol,
        req.quantity.normalize(),
        note.map(str::to_string),
        Utc::now().trunc_subsecs(6),
    )
    .await?;
    tracing::info!(account_id = %id, %asset_id, "manual holding set");
    // The entry is stored; the sync that values it waits its turn when another sync of the
    // account runs (its first sync just after it was added, or the hourly job), for up to 10 s.
    let mut tries = 0;
    let synced = loop {
        match crate::sync::sync_account(&state.sync(), account.clone()).await {
            Err(crate::sync::SyncError::InProgress) if tries < 100 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => break other.map_err(crate::http::accounts::sync_error)?,
        }
    };
    Ok(Json(valued_one(&state, synced).await?))
}

/// Every edit of a manual account's holdings, newest first.
#[utoipa::path(get, path = "/api/accounts/{id}/manual-holdings/history", tag = "accounts",
    params(("id" = Uuid, Path, description = "Account id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The edits, newest first", body = [ManualEntryResponse]),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody),
        (status = 422, description = "`not_a_manual_account`", body = ErrorBody)))]
pub async fn manual_history(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<ManualEntryResponse>>, ApiError> {
    manual_account(&state, &user, id).await?;
    Ok(Json(
        manual::history(&state.db, id)
            .await?
            .into_iter()
            .map(ManualEntryResponse::from)
            .collect(),
    ))
}
