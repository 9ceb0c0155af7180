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
    /// How a wallet's balance of this token is valued, resolved exactly as a sync does (the
    /// token's asset, else the catalog's contract or symbol match), with the latest price's
    /// time: the one answer to "is this token priced". Filled in the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valued_as: Option<ValuedAs>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValuedAs {
    /// The catalog asset balances are valued as (`null`: none, so wallets leave it unpriced).
    pub asset_id: Option<Uuid>,
    pub symbol: Option<String>,
    /// `registry`, `contract`, `symbol_name`, `symbol`, `dominant_symbol`, `ambiguous` or `unknown`.
    pub identified_by: String,
    /// The latest price's time (`null`: no price, so wallets show it unpriced).
    pub price_at: Option<DateTime<Utc>>,
}

/// Each token as a sync would identify and price it (`holdings::identify`, the latest price).
async fn valued_as(
    state: &AppState,
    tokens: &[(store::RegistryToken, String)],
) -> Result<Vec<ValuedAs>, ApiError> {
    use crate::domain::identity::{AssetQuery, MatchedBy, Resolution};
    let index = state.asset_index.get(&state.db).await?;
    let resolved: Vec<(Option<Uuid>, &'static str)> = tokens
        .iter()
        .map(
            |(t, chain)| match t.asset_id.filter(|id| index.get(*id).is_some()) {
                Some(id) => (Some(id), "registry"),
                None => match index.resolve(&AssetQuery {
                    chain: Some(chain),
                    address: Some(&t.contract_address),
                    symbol: Some(&t.symbol),
                    name: None,
                }) {
                    Resolution::Resolved { asset_id, by } => (
                        Some(asset_id),
                        match by {
                            MatchedBy::Contract => "contract",
                            MatchedBy::SymbolName => "symbol_name",
                            MatchedBy::Symbol => "symbol",
                            MatchedBy::DominantSymbol => "dominant_symbol",
                        },
                    ),
                    Resolution::Ambiguous { .. } => (None, "ambiguous"),
                    Resolution::Unknown => (None, "unknown"),
                },
            },
        )
        .collect();
    let ids: Vec<Uuid> = resolved.iter().filter_map(|(id, _)| *id).collect();
    let latest = state.price_cache.latest_many(&state.db, &ids).await?;
    Ok(resolved
        .into_iter()
        .map(|(id, by)| ValuedAs {
            asset_id: id,
            symbol: id.and_then(|i| index.get(i)).map(|a| a.symbol.clone()),
            identified_by: by.to_string(),
            price_at: id.and_then(|i| latest.get(&i)).map(|p| p.timestamp),
        })
        .collect())
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
        valued_as: None,
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
    let tokens: Vec<(store::RegistryToken, String)> = store::list(&state.db, q.chain_id)
        .await?
        .into_iter()
        .map(|t| {
            let n = names.get(&t.chain_id).cloned().unwrap_or_default();
            (t, n)
        })
        .collect();
    let valued = valued_as(&state, &tokens).await?;
    Ok(Json(
        tokens
            .into_iter()
            .zip(valued)
            .map(|((t, n), v)| TokenResponse {
                valued_as: Some(v),
                ..response(t, n)
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
