//! Who is calling: Bearer tokens in Keycloak mode, the built-in user in local mode, and the
//! admin guard. The middleware puts an [`AuthUser`] into every protected request.

pub mod keycloak;
pub mod local_guard;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::Config;
use crate::error::ApiError;
use crate::store;
use keycloak::{KeycloakValidator, TokenError};

/// The `sub` of the built-in user of local mode.
pub const LOCAL_SUBJECT: &str = "local:owner";

/// Users by their identity claims (`sub`, email, username), so a known caller costs no
/// database write or read.
pub type UserCache =
    moka::future::Cache<(String, Option<String>, Option<String>), crate::entities::users::Model>;

/// What authenticating a request needs. The middleware extracts it from the router's state
/// with axum's `FromRef` (implemented on the top floor, `state.rs`).
#[derive(Clone)]
pub struct AuthContext {
    pub db: sea_orm::DatabaseConnection,
    pub auth: Authenticator,
    pub user_cache: UserCache,
    /// The settings (local mode's guard reads the port served and the dashboard's origins).
    pub config: Arc<Config>,
}

/// How requests are authenticated.
#[derive(Clone)]
pub enum Authenticator {
    Local,
    Keycloak(Arc<KeycloakValidator>),
}

impl Authenticator {
    /// The authenticator of this mode.
    pub fn of(mode: &crate::config::AuthMode) -> Self {
        match mode {
            crate::config::AuthMode::Local => Authenticator::Local,
            crate::config::AuthMode::Keycloak(k) => {
                Authenticator::Keycloak(KeycloakValidator::new(k.clone()))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthModeName {
    Keycloak,
    Local,
}

/// The caller of a protected route.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub subject: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub is_admin: bool,
    pub mode: AuthModeName,
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AuthUser>()
            .cloned()
            .ok_or_else(|| ApiError::Unauthorized {
                code: "missing_token",
                message: "this route needs authentication".into(),
            })
    }
}

/// The caller of an admin route: an [`AuthUser`] with the admin role.
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

impl<S: Send + Sync> FromRequestParts<S> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if !user.is_admin {
            return Err(ApiError::Forbidden(
                "this route needs the admin role".into(),
            ));
        }
        Ok(AdminUser(user))
    }
}

/// Authenticates every request of the protected routes.
pub async fn require_user(
    State(state): State<AuthContext>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let user = authenticate(&state, req.headers().get(AUTHORIZATION)).await?;
    tracing::Span::current().record("user_id", tracing::field::display(user.id));
    req.extensions_mut().insert(user);
    Ok(next.run(req).await)
}

/// Refuses non-admins on the admin routes (the handlers also take [`AdminUser`]).
pub async fn require_admin(req: Request, next: Next) -> Result<Response, ApiError> {
    match req.extensions().get::<AuthUser>() {
        Some(u) if u.is_admin => Ok(next.run(req).await),
        Some(_) => Err(ApiError::Forbidden(
            "this route needs the admin role".into(),
        )),
        None => Err(ApiError::Unauthorized {
            code: "missing_token",
            message: "this route needs authentication".into(),
        }),
    }
}

async fn authenticate(
    state: &AuthContext,
    header: Option<&axum::http::HeaderValue>,
) -> Result<AuthUser, ApiError> {
    match &state.auth {
        Authenticator::Local => {
            let user = known_user(state, LOCAL_SUBJECT, None, Some("local")).await?;
            Ok(AuthUser {
                id: user.id,
                subject: user.keycloak_user_id,
                username: user.preferred_username,
                email: user.email,
                is_admin: true,
                mode: AuthModeName::Local,
            })
        }
        Authenticator::Keycloak(validator) => {
            let token = bearer(header)?;
            let claims = validator.validate(token).await.map_err(|e| match e {
                TokenError::Expired => ApiError::Unauthorized {
                    code: "token_expired",
                    message: e.to_string(),
                },
                TokenError::Invalid(_) => ApiError::Unauthorized {
                    code: "invalid_token",
                    message: e.to_string(),
                },
                TokenError::Unavailable => ApiError::Unavailable {
                    code: "auth_unavailable",
                    message: e.to_string(),
                },
            })?;
            let is_admin = claims.has_role("admin", &validator.config().audience);
            let user = known_user(
                state,
                &claims.sub,
                claims.email.as_deref(),
                claims.preferred_username.as_deref(),
            )
            .await?;
            Ok(AuthUser {
                id: user.id,
                subject: claims.sub,
                username: user.preferred_username,
                email: user.email,
                is_admin,
                mode: AuthModeName::Keycloak,
            })
        }
    }
}

/// The user of these claims: from the cache when the same claims were seen recently, else
/// created or updated in the database.
async fn known_user(
    state: &AuthContext,
    sub: &str,
    email: Option<&str>,
    username: Option<&str>,
) -> Result<crate::entities::users::Model, sea_orm::DbErr> {
    let key = (
        sub.to_string(),
        email.map(str::to_string),
        username.map(str::to_string),
    );
    if let Some(u) = state.user_cache.get(&key).await {
        return Ok(u);
    }
    let user = store::users::upsert_identity(&state.db, sub, email, username).await?;
    state.user_cache.insert(key, user.clone()).await;
    Ok(user)
}

fn bearer(header: Option<&axum::http::HeaderValue>) -> Result<&str, ApiError> {
    let missing = || ApiError::Unauthorized {
        code: "missing_token",
        message: "send an access token as `Authorization: Bearer <token>`".into(),
    };
    let value = header
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim())
}
