//! The Solana RPC settings (admin): the endpoint, rate limit and deadline Solana wallets are
//! read with. One row (`solana`, mainnet), seeded with the public endpoint.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AdminUser;
use crate::domain::chains as rules;
use crate::entities::solana_rpc;
use crate::error::{ApiError, ApiJson, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::solana_rpc as store;

/// Most requests a second an admin may set (a paid endpoint's plan, not a public one).
pub const MAX_REQUESTS_PER_SECOND: i32 = 1_000;

/// The Solana RPC settings as the admin sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SolanaRpcResponse {
    pub id: Uuid,
    /// `solana` (mainnet): the location of Solana wallets' balances.
    pub network: String,
    pub display_name: String,
    pub rpc_url: String,
    /// HTTP requests a second sent to the endpoint, all wallets together (each wallet costs
    /// one, plus one per 100 Token-2022 mints not seen before).
    pub requests_per_second: i32,
    /// Deadline of one HTTP request, in milliseconds.
    pub timeout_ms: i32,
    /// The catalog asset SOL balances are valued as (identified by this id, never by the
    /// ticker: Wrapped SOL shares it); seeded as CoinGecko's `solana`.
    pub native_asset_id: Option<Uuid>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<solana_rpc::Model> for SolanaRpcResponse {
    fn from(m: solana_rpc::Model) -> Self {
        Self {
            id: m.id,
            network: m.network,
            display_name: m.display_name,
            rpc_url: m.rpc_url,
            requests_per_second: m.requests_per_second,
            timeout_ms: m.timeout_ms,
            native_asset_id: m.native_asset_id,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Changes to the Solana RPC settings; absent fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSolanaRpcRequest {
    pub display_name: Option<String>,
    /// http:// or https:// JSON-RPC endpoint (its address must be one
    /// `EVM_RPC_ALLOW_NETWORKS` allows).
    pub rpc_url: Option<String>,
    /// 1-1000.
    pub requests_per_second: Option<i32>,
    /// 100-600000.
    pub timeout_ms: Option<i32>,
    /// The catalog asset of the native coin (an asset id).
    pub native_asset_id: Option<Uuid>,
    pub is_active: Option<bool>,
}

async fn current(state: &AppState) -> Result<solana_rpc::Model, ApiError> {
    store::get(&state.db, store::MAINNET)
        .await?
        .ok_or_else(|| ApiError::not_found("Solana RPC setting"))
}

/// The Solana RPC settings (admin).
#[utoipa::path(get, path = "/api/admin/solana-rpc", tag = "admin",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The settings", body = SolanaRpcResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "The row was removed", body = ErrorBody)))]
pub async fn get_solana_rpc(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<Json<SolanaRpcResponse>, ApiError> {
    Ok(Json(current(&state).await?.into()))
}

/// Change the Solana RPC settings (admin).
#[utoipa::path(put, path = "/api/admin/solana-rpc", tag = "admin",
    request_body = UpdateSolanaRpcRequest, security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = SolanaRpcResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "The row was removed", body = ErrorBody),
        (status = 422, description = "validation_failed: invalid fields (an rpc_url whose address EVM_RPC_ALLOW_NETWORKS does not allow, among others)", body = ErrorBody)))]
pub async fn update_solana_rpc(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(req): ApiJson<UpdateSolanaRpcRequest>,
) -> Result<Json<SolanaRpcResponse>, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if let Some(v) = &req.display_name {
        rules::check_display_name(v, &mut errors);
    }
    if let Some(v) = &req.rpc_url {
        rules::check_rpc_url(v, &mut errors);
        if errors.is_empty() {
            check_allowed_literal(&state, v, &mut errors);
        }
    }
    if let Some(v) = req.requests_per_second {
        if !(1..=MAX_REQUESTS_PER_SECOND).contains(&v) {
            errors.push(FieldError::new(
                "requests_per_second",
                format!("must be 1-{MAX_REQUESTS_PER_SECOND}"),
            ));
        }
    }
    if let Some(v) = req.timeout_ms {
        if !(100..=600_000).contains(&v) {
            errors.push(FieldError::new("timeout_ms", "must be 100-600000"));
        }
    }
    super::chains::check_native_asset(&state, req.native_asset_id, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let row = current(&state).await?;
    let updated = store::update(
        &state.db,
        row,
        store::Changes {
            display_name: req.display_name.map(|s| s.trim().to_string()),
            rpc_url: req.rpc_url.map(|s| s.trim().to_string()),
            requests_per_second: req.requests_per_second,
            timeout_ms: req.timeout_ms,
            is_active: req.is_active,
            native_asset_id: req.native_asset_id,
        },
    )
    .await?;
    Ok(Json(updated.into()))
}

/// An IP-literal host outside the allowed networks is refused when set (host names are
/// checked on every connection by the client's resolver).
fn check_allowed_literal(state: &AppState, url: &str, errors: &mut Vec<FieldError>) {
    let ip = reqwest::Url::parse(url.trim()).ok().and_then(|u| {
        let host = u.host_str()?.trim_start_matches('[').trim_end_matches(']');
        host.parse::<std::net::IpAddr>().ok()
    });
    if let Some(ip) = ip {
        if let Err(class) =
            crate::connectors::rpc_guard::check_ip(ip, state.config.rpc_safety.allow)
        {
            errors.push(FieldError::new(
                "rpc_url",
                format!("points to a {class} address, which EVM_RPC_ALLOW_NETWORKS does not allow"),
            ));
        }
    }
}
