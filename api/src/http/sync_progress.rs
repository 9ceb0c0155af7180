//! Sync progress: start "Sync all" in the background (the answer comes at once) and read each
//! account's latest sync run with its steps, per location.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use crate::store::accounts as store;
use crate::sync::progress::SyncRun;

/// Start syncing every active account of the user in the background; answers at once with a
/// queued run per account (a running one stays as it is). Follow them with
/// `GET /api/accounts/sync-progress`.
#[utoipa::path(post, path = "/api/accounts/sync-all/start", tag = "accounts", security(("bearer_auth" = [])),
    responses(
        (status = 202, description = "One run per active account, queued", body = [SyncRun]),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 429, description = "Too soon after the last sync-all (`rate_limited`)", body = ErrorBody)))]
pub async fn start_sync_all(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<(StatusCode, Json<Vec<SyncRun>>), ApiError> {
    let accounts: Vec<_> = store::list_for_user(&state.db, user.id)
        .await?
        .into_iter()
        .filter(|a| a.is_active)
        .collect();
    let runs: Vec<SyncRun> = accounts
        .iter()
        .map(|a| state.sync_progress.queue(a.id, &a.name))
        .collect();
    let ctx = state.sync();
    tokio::spawn(async move {
        // Outcomes are stored on each account and in its run; an account already syncing
        // (`InProgress`) keeps its running run.
        let _ = crate::sync::sync_many(&ctx, accounts).await;
    });
    Ok((StatusCode::ACCEPTED, Json(runs)))
}

/// The latest sync run of each of the user's accounts synced since the API started (queued,
/// running or done), with one step per location.
#[utoipa::path(get, path = "/api/accounts/sync-progress", tag = "accounts", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Latest runs", body = [SyncRun]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn get_sync_progress(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<SyncRun>>, ApiError> {
    let ids: Vec<Uuid> = store::list_for_user(&state.db, user.id)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    Ok(Json(state.sync_progress.runs_of(&ids)))
}
