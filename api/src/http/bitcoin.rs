//! The Esplora settings of Bitcoin wallets (admin): the API root, rate limit and deadline
//! wallets of the `bitcoin` family are read with. One row (`bitcoin`, mainnet), seeded with
//! Blockstream's public endpoint. See docs/bitcoin.md.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AdminUser;
use crate::domain::chains as rules;
use crate::entities::bitcoin_esplora;
use crate::error::{ApiError, ApiJson, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::bitcoin_esplora as store;

/// Most requests a second an admin may set (a self-hosted electrs, not a public endpoint).
pub const MAX_REQUESTS_PER_SECOND: i32 = 1_000;

/// The Esplora settings as the admin sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct BitcoinEsploraResponse {
    pub id: Uuid,
    /// `bitcoin` (mainnet).
    pub network: String,
    pub display_name: String,
    /// The Esplora API root (`https://blockstream.info/api`, `https://mempool.space/api`, a
    /// self-hosted electrs); `/address/:addr` is appended. It learns every address the Butler
    /// asks about: a self-hosted one keeps that private.
    pub base_url: String,
    /// HTTP requests a second sent to it, all wallets together (a single address costs one per
    /// sync; an extended key one per address up to its last used one, plus the gap limit, per
    /// chain).
    pub requests_per_second: i32,
    /// Deadline of one HTTP request, in milliseconds.
    pub timeout_ms: i32,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<bitcoin_esplora::Model> for BitcoinEsploraResponse {
    fn from(m: bitcoin_esplora::Model) -> Self {
        Self {
            id: m.id,
            network: m.network,
            display_name: m.display_name,
            base_url: m.base_url,
            requests_per_second: m.requests_per_second,
            timeout_ms: m.timeout_ms,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// Changes to the Esplora settings; absent fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBitcoinEsploraRequest {
    pub display_name: Option<String>,
    /// http:// or https:// API root without query or fragment (its address must be one
    /// `EVM_RPC_ALLOW_NETWORKS` allows).
    pub base_url: Option<String>,
    /// 1-1000.
    pub requests_per_second: Option<i32>,
    /// 100-600000.
    pub timeout_ms: Option<i32>,
    pub is_active: Option<bool>,
}

async fn current(state: &AppState) -> Result<bitcoin_esplora::Model, ApiError> {
    store::get(&state.db, store::MAINNET)
        .await?
        .ok_or_else(|| ApiError::not_found("Bitcoin Esplora setting"))
}

/// The Esplora settings of Bitcoin wallets (admin).
#[utoipa::path(get, path = "/api/admin/bitcoin-esplora", tag = "admin",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The settings", body = BitcoinEsploraResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "The row was removed", body = ErrorBody)))]
pub async fn get_bitcoin_esplora(
    State(state): State<AppState>,
    _admin: AdminUser,
) -> Result<Json<BitcoinEsploraResponse>, ApiError> {
    Ok(Json(current(&state).await?.into()))
}

/// Change the Esplora settings of Bitcoin wallets (admin).
#[utoipa::path(put, path = "/api/admin/bitcoin-esplora", tag = "admin",
    request_body = UpdateBitcoinEsploraRequest, security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = BitcoinEsploraResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "The row was removed", body = ErrorBody),
        (status = 422, description = "validation_failed: invalid fields (a base_url whose address EVM_RPC_ALLOW_NETWORKS does not allow, among others)", body = ErrorBody)))]
pub async fn update_bitcoin_esplora(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(req): ApiJson<UpdateBitcoinEsploraRequest>,
) -> Result<Json<BitcoinEsploraResponse>, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if let Some(v) = &req.display_name {
        rules::check_display_name(v, &mut errors);
    }
    if let Some(v) = &req.base_url {
        check_base_url(&state, v, &mut errors);
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
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let row = current(&state).await?;
    let updated = store::update(
        &state.db,
        row,
        store::Changes {
            display_name: req.display_name.map(|s| s.trim().to_string()),
            base_url: req
                .base_url
                .map(|s| s.trim().trim_end_matches('/').to_string()),
            requests_per_second: req.requests_per_second,
            timeout_ms: req.timeout_ms,
            is_active: req.is_active,
        },
    )
    .await?;
    Ok(Json(updated.into()))
}

/// An http(s) URL without query or fragment (the path `/address/:addr` is appended); an
/// IP-literal host outside the allowed networks is refused when set (host names are checked on
/// every connection by the client's resolver).
fn check_base_url(state: &AppState, url: &str, errors: &mut Vec<FieldError>) {
    let parsed = reqwest::Url::parse(url.trim()).ok().filter(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host_str().is_some()
            && u.query().is_none()
            && u.fragment().is_none()
    });
    let Some(u) = parsed else {
        errors.push(FieldError::new(
            "base_url",
            "must be an http:// or https:// URL without query or fragment",
        ));
        return;
    };
    let host = u
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        if let Err(class) =
            crate::connectors::rpc_guard::check_ip(ip, state.config.rpc_safety.allow)
        {
            errors.push(FieldError::new(
                "base_url",
                format!("points to a {class} address, which EVM_RPC_ALLOW_NETWORKS does not allow"),
            ));
        }
    }
}
