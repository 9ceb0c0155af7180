//! Applying pending database migrations on demand.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AdminUser;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MigrationsResponse {
    /// Names of the migrations this call applied; empty when the schema was current.
    pub applied: Vec<String>,
}

/// Apply pending migrations (admin).
#[utoipa::path(post, path = "/api/migrations", tag = "admin", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Migrations applied", body = MigrationsResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 500, description = "A migration failed", body = ErrorBody)))]
pub async fn run_migrations(
    State(state): State<AppState>,
    AdminUser(user): AdminUser,
) -> Result<Json<MigrationsResponse>, ApiError> {
    let applied = crate::db::migrate(&state.db).await?;
    tracing::info!(user_id = %user.id, applied = ?applied, "migrations run on request");
    Ok(Json(MigrationsResponse { applied }))
}
