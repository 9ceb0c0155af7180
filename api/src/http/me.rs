//! The caller's own identity.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{AuthModeName, AuthUser};
use crate::error::ErrorBody;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub id: Uuid,
    pub username: Option<String>,
    pub email: Option<String>,
    /// Whether admin pages and routes are open to this user.
    pub is_admin: bool,
    /// `keycloak`, or `local` for a single-user install without sign-in.
    pub auth_mode: AuthModeName,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/me", tag = "users", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The caller", body = MeResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 503, description = "The identity provider cannot be reached", body = ErrorBody)))]
pub async fn get_me(user: AuthUser) -> Json<MeResponse> {
    Json(MeResponse {
        id: user.id,
        username: user.username,
        email: user.email,
        is_admin: user.is_admin,
        auth_mode: user.mode,
    })
}
