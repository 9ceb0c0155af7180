//! Tokens beyond the registry and the catalog: tokens a user adds to a wallet by contract
//! address (read on chain when added, scanned by every later sync), and the user's marks on
//! tokens (`spam` hides one, `trusted` lifts a spam verdict). Both take effect at the
//! account's next sync.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use sea_orm::{Set, SqlErr};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::connectors::ChainTarget;
use crate::domain::evm_address;
use crate::domain::spam::Mark;
use crate::entities::{token_marks, user_tokens};
use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::{accounts, evm_chains, token_marks as marks, user_tokens as tokens};
use crate::sync;

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddTokenRequest {
    /// A chain the wallet enables (`ethereum`, `base`, …).
    pub chain: String,
    /// The token's contract (`0x` + 40 hex; mixed case must be a correct EIP-55 checksum).
    pub contract_address: String,
}

/// A token the user added to a wallet.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserTokenResponse {
    pub id: Uuid,
    pub account_id: Uuid,
    pub chain: String,
    pub contract_address: String,
    /// As the contract reports it (shown as is; the spam rules judge it at sync).
    pub symbol: String,
    pub name: String,
    pub decimals: i32,
    pub created_at: DateTime<Utc>,
}

impl From<user_tokens::Model> for UserTokenResponse {
    fn from(t: user_tokens::Model) -> Self {
        Self {
            id: t.id,
            account_id: t.account_id,
            chain: t.chain,
            contract_address: t.contract_address,
            symbol: t.symbol,
            name: t.name,
            decimals: t.decimals,
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SetTokenMarkRequest {
    pub chain: String,
    pub contract_address: String,
    /// `spam`, `trusted`, or null to clear the mark.
    pub mark: Option<Mark>,
}

/// The user's mark on a token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenMarkResponse {
    pub chain: String,
    pub contract_address: String,
    pub mark: Mark,
    pub updated_at: DateTime<Utc>,
}

fn mark_view(m: token_marks::Model) -> Option<TokenMarkResponse> {
    Some(TokenMarkResponse {
        mark: marks::parse_mark(&m.mark)?,
        chain: m.chain,
        contract_address: m.contract_address,
        updated_at: m.updated_at,
    })
}

fn contract_field(address: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match evm_address::validate_user_address(address) {
        Ok(a) => Some(a),
        Err(_) => {
            errors.push(FieldError::new(
                "contract_address",
                "must be 0x and 40 hex digits (a mixed-case address needs a correct EIP-55 checksum)",
            ));
            None
        }
    }
}

/// Tokens added to one of the user's wallets.
#[utoipa::path(get, path = "/api/accounts/{id}/tokens", tag = "tokens",
    params(("id" = Uuid, Path, description = "Account id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The added tokens", body = [UserTokenResponse]),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody)))]
pub async fn list_account_tokens(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<UserTokenResponse>>, ApiError> {
    accounts::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    let rows = tokens::list_for_account(&state.db, id).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Add a token to a wallet by contract address; its symbol, name and decimals are read on
/// chain (one Multicall3 batch) and the next sync scans it.
#[utoipa::path(post, path = "/api/accounts/{id}/tokens", tag = "tokens", request_body = AddTokenRequest,
    params(("id" = Uuid, Path, description = "Account id")), security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Added", body = UserTokenResponse),
        (status = 400, description = "Malformed id or body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user", body = ErrorBody),
        (status = 409, description = "token_exists: the wallet already has this token", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "validation_failed: invalid fields (not a wallet, a chain the wallet does not enable, a malformed address); not_a_token: the contract answers no decimals(); rpc_unreachable: the chain could not be read", body = ErrorBody)))]
pub async fn add_account_token(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<AddTokenRequest>,
) -> Result<(StatusCode, Json<UserTokenResponse>), ApiError> {
    let account = accounts::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    let mut errors = Vec::new();
    if account.account_type != "wallet" {
        errors.push(FieldError::new(
            "chain",
            "tokens can be added to wallet accounts only",
        ));
    } else if !sync::enabled_chains(&account).contains(&req.chain) {
        errors.push(FieldError::new(
            "chain",
            format!("{:?} is not a chain this wallet enables", req.chain),
        ));
    }
    let address = contract_field(&req.contract_address, &mut errors);
    let chain = evm_chains::list(&state.db, Some(true))
        .await?
        .into_iter()
        .find(|c| c.chain_name == req.chain);
    if chain.is_none() && errors.iter().all(|e| e.field != "chain") {
        errors.push(FieldError::new(
            "chain",
            format!("{:?} is not an active chain", req.chain),
        ));
    }
    let (Some(address), Some(chain), true) = (address, chain, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let target = ChainTarget {
        chain_name: chain.chain_name.clone(),
        chain_id: chain.chain_id,
        rpc_url: chain.rpc_url.clone(),
        native_symbol: chain.native_symbol.clone(),
        native_decimals: chain.native_decimals.clamp(0, 255) as u8,
        tokens: Vec::new(),
        multicall3_address: chain.multicall3_address.clone(),
    };
    let meta = state
        .chains
        .token_metadata(&target, std::slice::from_ref(&address))
        .await
        .map_err(|e| ApiError::Unprocessable {
            code: "rpc_unreachable",
            message: format!("the chain could not be read ({e}); nothing was stored"),
        })?
        .pop()
        .unwrap_or_default();
    let Some(decimals) = meta.decimals.filter(|d| *d <= 36) else {
        return Err(ApiError::Unprocessable {
            code: "not_a_token",
            message: format!(
                "{address} on {} answers no ERC-20 decimals() (0 to 36): not a token",
                chain.chain_name
            ),
        });
    };
    let symbol = meta.symbol.unwrap_or_else(|| "?".into());
    let name = meta.name.unwrap_or_else(|| symbol.clone());
    let row = user_tokens::ActiveModel {
        id: Set(Uuid::new_v4()),
        account_id: Set(account.id),
        chain: Set(chain.chain_name.clone()),
        contract_address: Set(address),
        symbol: Set(symbol),
        name: Set(name),
        decimals: Set(decimals.into()),
        created_at: Set(Utc::now()),
    };
    match tokens::insert(&state.db, row).await {
        Ok(t) => Ok((StatusCode::CREATED, Json(t.into()))),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ApiError::Conflict {
                code: "token_exists",
                message: "this wallet already has this token on this chain".into(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// Remove a token added to a wallet (its holding goes at the next sync).
#[utoipa::path(delete, path = "/api/accounts/{id}/tokens/{token_id}", tag = "tokens",
    params(("id" = Uuid, Path, description = "Account id"), ("token_id" = Uuid, Path, description = "Added token id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such account of this user, or no such token on it", body = ErrorBody)))]
pub async fn delete_account_token(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((id, token_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    accounts::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    if tokens::delete(&state.db, id, token_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("token"))
    }
}

/// The user's marks on tokens.
#[utoipa::path(get, path = "/api/tokens/marks", tag = "tokens", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The user's marks", body = [TokenMarkResponse]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_token_marks(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<TokenMarkResponse>>, ApiError> {
    let rows = marks::list_for_user(&state.db, user.id).await?;
    Ok(Json(rows.into_iter().filter_map(mark_view).collect()))
}

/// Mark a token (chain + contract) as spam or trusted for the user, or clear the mark; the
/// user's accounts apply it at their next sync.
#[utoipa::path(put, path = "/api/tokens/marks", tag = "tokens", request_body = SetTokenMarkRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Stored (or cleared)"),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "validation_failed: unknown chain or malformed address", body = ErrorBody)))]
pub async fn set_token_mark(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<SetTokenMarkRequest>,
) -> Result<StatusCode, ApiError> {
    let mut errors = Vec::new();
    let address = contract_field(&req.contract_address, &mut errors);
    let known = evm_chains::list(&state.db, None)
        .await?
        .iter()
        .any(|c| c.chain_name == req.chain);
    if !known {
        errors.push(FieldError::new(
            "chain",
            format!("{:?} is not a configured chain", req.chain),
        ));
    }
    let (Some(address), true) = (address, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    marks::set(&state.db, user.id, &req.chain, &address, req.mark).await?;
    Ok(StatusCode::NO_CONTENT)
}
