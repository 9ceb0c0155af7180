//! The audit log: a middleware that records every successful state-changing request (who,
//! when, which route and target, the request id, and the names — never the values — of the
//! fields sent), and `GET /api/audit` to read it.

use axum::body::{to_bytes, Body};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{current_request_id, error_response, ApiError, ApiQuery, ErrorBody};
use crate::state::AppState;
use crate::store::audit as store;

/// Body fields whose presence means "credentials replaced" (their values are never read).
const CREDENTIAL_FIELDS: [&str; 3] = ["api_key", "api_secret", "passphrase"];
const MAX_RESPONSE_SNIFF: usize = 1_048_576;

const LEDGER_IMPORT_ROUTE: &str = "/api/ledger/import";

/// What a route changes, from its path.
fn kind_of(route: &str) -> &'static str {
    let r = route;
    if r.starts_with("/api/portfolios/{id}/accounts") {
        "portfolio_link"
    } else if r.starts_with("/api/portfolios/{id}/snapshots") {
        "snapshot"
    } else if r.starts_with("/api/portfolios/{id}/recommendations") {
        "recommendation"
    } else if r.starts_with("/api/portfolios") {
        "portfolio"
    } else if r.starts_with("/api/accounts/{id}/tokens") {
        "user_token"
    } else if r.starts_with("/api/accounts") {
        "account"
    } else if r.starts_with("/api/tokens/marks") {
        "token_mark"
    } else if r.starts_with("/api/admin/evm-chains") {
        "evm_chain"
    } else if r.starts_with("/api/admin/evm-tokens") {
        "evm_token"
    } else if r.starts_with("/api/jobs") {
        "job"
    } else if r.starts_with("/api/migrations") {
        "migration"
    } else if r.starts_with("/api/ledger") {
        "ledger"
    } else if r.starts_with("/api/alerts/channels") {
        "alert_channel"
    } else if r.starts_with("/api/alerts/rules") {
        "alert_rule"
    } else if r.starts_with("/api/assets/custom") {
        "custom_asset"
    } else if r.starts_with("/api/admin/solana-rpc") {
        "solana_rpc"
    } else if r.starts_with("/api/admin/bitcoin-esplora") {
        "bitcoin_esplora"
    } else {
        "other"
    }
}

fn summary_of(method: &Method, route: &str, path: &str, fields: &[String]) -> String {
    let kind = kind_of(route);
    let verb = match (method, route) {
        (_, "/api/accounts/{id}/sync") => "sync requested".to_string(),
        (_, "/api/accounts/sync-all") => "sync of all accounts requested".to_string(),
        (_, "/api/jobs/{name}") => format!(
            "job {} triggered",
            path.rsplit('/').next().unwrap_or_default()
        ),
        (_, "/api/migrations") => "migrations run".to_string(),
        (_, "/api/alerts/channels/{id}/test") => "test sent".to_string(),
        (&Method::POST, "/api/portfolios/{id}/accounts") => "account linked".to_string(),
        (&Method::DELETE, _) if kind == "portfolio_link" => "account unlinked".to_string(),
        (&Method::POST, _) => "created".to_string(),
        (&Method::PUT | &Method::PATCH, _) => "updated".to_string(),
        (&Method::DELETE, _) => "deleted".to_string(),
        (m, _) => m.as_str().to_lowercase(),
    };
    let mut s = format!("{kind} {verb}");
    if kind == "account"
        && fields
            .iter()
            .any(|f| CREDENTIAL_FIELDS.contains(&f.as_str()))
    {
        s.push_str("; credentials replaced");
    }
    let shown: Vec<&str> = fields
        .iter()
        .map(String::as_str)
        .filter(|f| !CREDENTIAL_FIELDS.contains(f))
        .collect();
    if !shown.is_empty() {
        s.push_str(&format!("; fields: {}", shown.join(", ")));
    }
    s
}

/// The top-level field names of a JSON object body.
fn field_names(body: &[u8]) -> Vec<String> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(m)) => {
            let mut keys: Vec<String> = m.keys().map(|k| k.chars().take(64).collect()).collect();
            keys.sort();
            keys.truncate(32);
            keys
        }
        _ => Vec::new(),
    }
}

/// The id in the path (`{id}`, `{account_id}` last-but-not-`{name}`), if the route has one.
fn path_target(route: &str, path: &str) -> Option<String> {
    let segs: Vec<&str> = path.split('/').collect();
    route
        .split('/')
        .enumerate()
        .filter(|(_, s)| s.starts_with('{') && *s != "{name}")
        .last()
        .and_then(|(i, _)| segs.get(i).map(|s| s.to_string()))
}

/// Records successful state changes; runs after authentication.
pub async fn record_changes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some(user) = req.extensions().get::<AuthUser>().cloned() else {
        return next.run(req).await;
    };
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    // A ledger file may be larger than other bodies, and its answer (the preview of every
    // line) larger than the sniffing limit: it is recorded without a created id.
    let import = route == LEDGER_IMPORT_ROUTE;
    let limit = if import {
        crate::http::ledger::MAX_IMPORT_BYTES.max(state.config.max_body_bytes)
    } else {
        state.config.max_body_bytes
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            return error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is too large".into(),
                None,
            )
        }
    };
    let fields = field_names(&bytes);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = response.status();
    if !status.is_success() {
        return response;
    }
    let (response, created_id) = if path_target(&route, &path).is_none() && !import {
        let (parts, body) = response.into_parts();
        match to_bytes(body, MAX_RESPONSE_SNIFF).await {
            Ok(b) => {
                let id = serde_json::from_slice::<serde_json::Value>(&b)
                    .ok()
                    .and_then(|v| {
                        v.get("id")
                            .or_else(|| v.get("run_id"))
                            .and_then(|i| i.as_str())
                            .map(str::to_string)
                    });
                (Response::from_parts(parts, Body::from(b)), id)
            }
            Err(_) => (Response::from_parts(parts, Body::empty()), None),
        }
    } else {
        (response, None)
    };
    let row = store::NewEvent {
        actor_user_id: Some(user.id),
        actor_subject: user.subject.clone(),
        kind: kind_of(&route).to_string(),
        action: format!("{method} {route}"),
        target_id: path_target(&route, &path).or(created_id),
        request_id: current_request_id(),
        status: i32::from(status.as_u16()),
        summary: summary_of(&method, &route, &path, &fields),
    };
    if let Err(e) = store::append(&state.db, row).await {
        tracing::error!(error = %e, route = %route, "could not record an audit event");
    }
    response
}

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventResponse {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// The user who made the change.
    pub actor_user_id: Option<Uuid>,
    pub actor_subject: String,
    /// `account`, `portfolio`, `portfolio_link`, `snapshot`, `recommendation`, `user_token`,
    /// `token_mark`, `evm_chain`, `evm_token`, `job`, `migration`, `ledger`, `alert_channel`,
    /// `alert_rule`, `custom_asset`, `solana_rpc`, `bitcoin_esplora`, else `other`.
    pub kind: String,
    /// Method and route, e.g. `PUT /api/accounts/{id}`.
    pub action: String,
    pub target_id: Option<String>,
    pub request_id: String,
    pub status: i32,
    /// What changed, in words; names the fields sent, never their values.
    pub summary: String,
}

impl From<store::AuditEvent> for AuditEventResponse {
    fn from(m: store::AuditEvent) -> Self {
        Self {
            id: m.id,
            occurred_at: m.occurred_at,
            actor_user_id: m.actor_user_id,
            actor_subject: m.actor_subject,
            kind: m.kind,
            action: m.action,
            target_id: m.target_id,
            request_id: m.request_id,
            status: m.status,
            summary: m.summary,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub events: Vec<AuditEventResponse>,
    /// Pass as `offset` for the next page; null on the last one.
    pub next_offset: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Admins: one user's events (default: everyone's). Others always see their own.
    pub user_id: Option<Uuid>,
    pub kind: Option<String>,
    /// From this time on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// The audit log: your own changes, newest first (admins: everyone's).
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "A page of events", body = AuditPage),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_audit_events(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    // Beyond any real log; also keeps the SQL OFFSET inside i64.
    let offset = q.offset.unwrap_or(0).min(1_000_000_000);
    let filter = store::Filter {
        user: if user.is_admin {
            q.user_id
        } else {
            Some(user.id)
        },
        kind: q.kind,
        from: q.from,
        to: q.to,
    };
    let rows = store::page(&state.db, &filter, offset, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    let events = rows
        .into_iter()
        .take(limit as usize)
        .map(AuditEventResponse::from)
        .collect();
    Ok(Json(AuditPage {
        events,
        next_offset: more.then_some(offset + limit),
    }))
}
