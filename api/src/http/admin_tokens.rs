//! The EVM token registry each wallet sync reads (admin).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AdminUser;
use crate::domain::chains as rules;
use crate::domain::evm_address::{self, AddressError};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::{assets, evm_chains, evm_tokens as store};

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub id: Uuid,
    /// The `evm_chains` row this token lives on.
    pub chain_id: Uuid,
    pub chain_name: String,
    pub symbol: String,
    pub name: Option<String>,
    /// Lowercase `0x` + 40 hex.
    pub contract_address: String,
    pub decimals: i32,
    pub logo_url: Option<String>,
    /// The registry asset its balances are priced as, when known.
    pub asset_id: Option<Uuid>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn response(t: store::RegistryToken, chain_name: String) -> TokenResponse {
    TokenResponse {
        id: t.id,
        chain_id: t.chain_id,
        chain_name,
        symbol: t.symbol,
        name: t.name,
        contract_address: t.contract_address,
        decimals: t.decimals,
        logo_url: t.logo_url,
        asset_id: t.asset_id,
        is_active: t.is_active,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    /// The `evm_chains` row id (see GET /api/admin/evm-chains).
    pub chain_id: Uuid,
    pub symbol: String,
    pub name: Option<String>,
    /// `0x` + 40 hex; mixed case must carry a valid EIP-55 checksum.
    pub contract_address: String,
    /// 0–36.
    pub decimals: i32,
    pub logo_url: Option<String>,
    pub is_active: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTokenRequest {
    pub symbol: Option<String>,
    pub name: Option<String>,
    pub decimals: Option<i32>,
    pub logo_url: Option<String>,
    pub is_active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenListQuery {
    /// Only this chain's tokens (`evm_chains` row id).
    pub chain_id: Option<Uuid>,
}

async fn chain_names(
    state: &AppState,
) -> Result<std::collections::HashMap<Uuid, String>, ApiError> {
    Ok(evm_chains::list(&state.db, None)
        .await?
        .into_iter()
        .map(|c| (c.id, c.chain_name))
        .collect())
}

/// List registry tokens (admin).
#[utoipa::path(get, path = "/api/admin/evm-tokens", tag = "admin", params(TokenListQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Tokens by chain and symbol", body = [TokenResponse]),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn list_evm_tokens(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiQuery(q): ApiQuery<TokenListQuery>,
) -> Result<Json<Vec<TokenResponse>>, ApiError> {
    let names = chain_names(&state).await?;
    let tokens = store::list(&state.db, q.chain_id).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| {
                let n = names.get(&t.chain_id).cloned().unwrap_or_default();
                response(t, n)
            })
            .collect(),
    ))
}

/// One registry token (admin).
#[utoipa::path(get, path = "/api/admin/evm-tokens/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "Token id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The token", body = TokenResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody)))]
pub async fn get_evm_token(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<TokenResponse>, ApiError> {
    let t = store::get(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("token"))?;
    let name = chain_names(&state)
        .await?
        .remove(&t.chain_id)
        .unwrap_or_default();
    Ok(Json(response(t, name)))
}

/// Add a token to a chain's registry (admin).
#[utoipa::path(post, path = "/api/admin/evm-tokens", tag = "admin", request_body = CreateTokenRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created", body = TokenResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The chain already lists this address", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody)))]
pub async fn create_evm_token(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> Result<(StatusCode, Json<TokenResponse>), ApiError> {
    let mut errors = Vec::new();
    let chain = evm_chains::get(&state.db, req.chain_id).await?;
    if chain.is_none() {
        errors.push(FieldError::new("chain_id", "no such chain"));
    }
    rules::check_symbol("symbol", &req.symbol, &mut errors);
    rules::check_decimals("decimals", req.decimals, &mut errors);
    let address = match evm_address::validate_user_address(&req.contract_address) {
        Ok(a) => Some(a),
        Err(AddressError::BadChecksum) => {
            errors.push(FieldError::new(
                "contract_address",
                "the mixed-case checksum (EIP-55) is wrong",
            ));
            None
        }
        Err(_) => {
            errors.push(FieldError::new(
                "contract_address",
                "must be 0x followed by 40 hex characters",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (chain, address) = (chain.expect("checked"), address.expect("checked"));
    let conflict = || ApiError::Conflict {
        code: "token_exists",
        message: format!("{} already lists {address}", chain.chain_name),
    };
    if store::exists(&state.db, chain.id, &address).await? {
        return Err(conflict());
    }
    let asset_id = assets::by_contract(&state.db, &chain.chain_name, &address).await?;
    let row = store::NewToken {
        chain_id: chain.id,
        symbol: req.symbol.trim().to_string(),
        name: req
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        contract_address: address.clone(),
        decimals: req.decimals,
        logo_url: req.logo_url,
        asset_id,
        is_active: req.is_active.unwrap_or(true),
    };
    let saved = store::insert(&state.db, row)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => conflict(),
            _ => e.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(response(saved, chain.chain_name.clone())),
    ))
}

/// Change a registry token (admin); the chain and address stay.
#[utoipa::path(put, path = "/api/admin/evm-tokens/{id}", tag = "admin", request_body = UpdateTokenRequest,
    params(("id" = Uuid, Path, description = "Token id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = TokenResponse),
        (status = 400, description = "Malformed body or id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody)))]
pub async fn update_evm_token(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateTokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let mut errors = Vec::new();
    if let Some(s) = &req.symbol {
        rules::check_symbol("symbol", s, &mut errors);
    }
    if let Some(d) = req.decimals {
        rules::check_decimals("decimals", d, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let t = store::get(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("token"))?;
    let chain_id = t.chain_id;
    let changes = store::TokenChanges {
        symbol: req.symbol.map(|s| s.trim().to_string()),
        name: req
            .name
            .map(|n| Some(n.trim().to_string()).filter(|n| !n.is_empty())),
        decimals: req.decimals,
        logo_url: req.logo_url,
        is_active: req.is_active,
    };
    let saved = store::update(&state.db, t, changes).await?;
    let name = chain_names(&state)
        .await?
        .remove(&chain_id)
        .unwrap_or_default();
    Ok(Json(response(saved, name)))
}

/// Remove a token from the registry (admin).
#[utoipa::path(delete, path = "/api/admin/evm-tokens/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "Token id")), security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody)))]
pub async fn delete_evm_token(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store::delete(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("token"))
    }
}
