//! Liveness, readiness and metrics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Authenticator;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// Always `ok` while the process serves requests.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyResponse {
    /// `ready` or `not_ready`.
    pub status: String,
    /// `ok` or `unreachable`.
    pub database: String,
    /// `local`, `ok` (signing keys loaded) or `keys_unavailable`.
    pub auth: String,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "The process is up", body = HealthResponse)))]
pub async fn health() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".into(),
    })
}

/// How long readiness waits for the database's answer.
const READY_DB_DEADLINE: std::time::Duration = std::time::Duration::from_millis(700);

/// Readiness: the database answers and, in Keycloak mode, signing keys are loaded.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = ReadyResponse),
        (status = 503, description = "A dependency is missing", body = ReadyResponse)))]
pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    // Bounded on its own: a stopped server would otherwise hold this answer for the pool's
    // whole acquire timeout, and a load balancer's probe wants an answer within a second.
    let database = match tokio::time::timeout(READY_DB_DEADLINE, state.db.ping()).await {
        Ok(Ok(())) => "ok",
        Ok(Err(_)) | Err(_) => "unreachable",
    };
    let auth = match &state.auth {
        Authenticator::Local => "local",
        Authenticator::Keycloak(v) if v.ensure_keys().await => "ok",
        Authenticator::Keycloak(_) => "keys_unavailable",
    };
    let ok = database == "ok" && auth != "keys_unavailable";
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(ReadyResponse {
            status: if ok { "ready" } else { "not_ready" }.into(),
            database: database.into(),
            auth: auth.into(),
        }),
    )
}

/// Prometheus metrics in the text exposition format.
///
/// With `METRICS_TOKEN` set, the scraper sends it as `Authorization: Bearer <token>`.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses(
        (status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
        (status = 401, description = "METRICS_TOKEN is set and the request does not carry it", body = crate::error::ErrorBody)))]
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if let Some(token) = &state.config.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .unwrap_or_default();
        if !constant_time_eq(sent.trim().as_bytes(), token.expose().as_bytes()) {
            return crate::error::error_response(
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "send METRICS_TOKEN as `Authorization: Bearer <token>`".into(),
                None,
            );
        }
    }
    record_pool(&state.db, &state.metrics);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// The pool's connections at this moment: open and lent out, open and idle, and the most it opens.
fn record_pool(db: &sea_orm::DatabaseConnection, metrics: &crate::metrics::Metrics) {
    use sea_orm::ConnectionTrait;
    let (size, idle, max) = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        sea_orm::DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => return,
    };
    let idle = i64::try_from(idle).unwrap_or(i64::MAX);
    let in_use = i64::from(size).saturating_sub(idle).max(0);
    metrics.db_pool.with_label_values(&["in_use"]).set(in_use);
    metrics.db_pool.with_label_values(&["idle"]).set(idle);
    metrics
        .db_pool
        .with_label_values(&["max"])
        .set(i64::from(max));
}

/// Compares without an early exit, so timing tells nothing about the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
