//! The public list of supported chains, and the admin registry of EVM chains.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AdminUser;
use crate::domain::chains as rules;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::evm_chains as store;

/// A chain wallets can use (no RPC URL: it may carry a provider key).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainResponse {
    pub id: Uuid,
    /// How accounts name the chain, e.g. `ethereum`.
    pub chain_name: String,
    /// The EVM chain id, e.g. 1.
    pub chain_id: i64,
    pub display_name: String,
    pub native_symbol: String,
    pub native_decimals: i32,
}

impl From<store::Chain> for ChainResponse {
    fn from(m: store::Chain) -> Self {
        Self {
            id: m.id,
            chain_name: m.chain_name,
            chain_id: m.chain_id,
            display_name: m.display_name,
            native_symbol: m.native_symbol,
            native_decimals: m.native_decimals,
        }
    }
}

/// A chain as the admin sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminChainResponse {
    pub id: Uuid,
    pub chain_name: String,
    pub chain_id: i64,
    pub display_name: String,
    pub rpc_url: String,
    pub native_symbol: String,
    pub native_decimals: i32,
    /// The catalog asset native balances are valued as (identified by this id, never by the
    /// ticker); `null` until set: native balances are then matched by symbol.
    pub native_asset_id: Option<Uuid>,
    pub multicall3_address: Option<String>,
    /// Aave v3's `PoolAddressesProvider` on this chain; `null`: Aave is not read here.
    pub aave_v3_addresses_provider: Option<String>,
    /// Uniswap v3's position manager; `null`: Uniswap is not read here.
    pub uniswap_v3_position_manager: Option<String>,
    /// Uniswap v3's factory (needed with the position manager).
    pub uniswap_v3_factory: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<store::Chain> for AdminChainResponse {
    fn from(m: store::Chain) -> Self {
        Self {
            id: m.id,
            chain_name: m.chain_name,
            chain_id: m.chain_id,
            display_name: m.display_name,
            rpc_url: m.rpc_url,
            native_symbol: m.native_symbol,
            native_decimals: m.native_decimals,
            native_asset_id: m.native_asset_id,
            multicall3_address: m.multicall3_address,
            aave_v3_addresses_provider: m.aave_v3_addresses_provider,
            uniswap_v3_position_manager: m.uniswap_v3_position_manager,
            uniswap_v3_factory: m.uniswap_v3_factory,
            is_active: m.is_active,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateChainRequest {
    /// Lowercase name, e.g. `polygon`.
    pub chain_name: String,
    pub chain_id: i64,
    pub display_name: String,
    /// http:// or https:// JSON-RPC endpoint.
    pub rpc_url: String,
    pub native_symbol: String,
    pub native_decimals: i32,
    /// The catalog asset of the native coin (an asset id), e.g. POL's on polygon.
    #[serde(default)]
    pub native_asset_id: Option<Uuid>,
    #[serde(default)]
    pub is_active: Option<bool>,
    /// Aave v3's `PoolAddressesProvider` (0x + 40 hex); absent or empty: none.
    #[serde(default)]
    pub aave_v3_addresses_provider: Option<String>,
    /// Uniswap v3's position manager; absent or empty: none.
    #[serde(default)]
    pub uniswap_v3_position_manager: Option<String>,
    /// Uniswap v3's factory; absent or empty: none.
    #[serde(default)]
    pub uniswap_v3_factory: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateChainRequest {
    pub display_name: Option<String>,
    pub rpc_url: Option<String>,
    pub native_symbol: Option<String>,
    pub native_decimals: Option<i32>,
    /// The catalog asset of the native coin (an asset id).
    pub native_asset_id: Option<Uuid>,
    pub is_active: Option<bool>,
    /// A new address (0x + 40 hex), or `""` to stop reading Aave on this chain.
    pub aave_v3_addresses_provider: Option<String>,
    /// A new address, or `""` to stop reading Uniswap on this chain.
    pub uniswap_v3_position_manager: Option<String>,
    /// A new address, or `""` to clear it.
    pub uniswap_v3_factory: Option<String>,
}

/// A protocol address field: `None` (absent) keeps, `""` clears, else an EVM address, stored
/// lowercase.
fn protocol_address(
    field: &'static str,
    value: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<Option<String>> {
    let v = value?.trim();
    if v.is_empty() {
        return Some(None);
    }
    if v.len() == 42 && v.starts_with("0x") && v[2..].bytes().all(|b| b.is_ascii_hexdigit()) {
        Some(Some(v.to_ascii_lowercase()))
    } else {
        errors.push(FieldError::new(
            field,
            "must be 0x followed by 40 hex characters, or empty",
        ));
        None
    }
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChainStatus {
    Active,
    Inactive,
    #[default]
    All,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChainListQuery {
    /// `active`, `inactive` or `all` (default).
    #[serde(default)]
    pub status: ChainStatus,
}

/// A native asset must be a catalog asset (not a user's custom asset): every user's balances
/// on the chain are valued as it.
pub(crate) async fn check_native_asset(
    state: &AppState,
    id: Option<Uuid>,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    let Some(id) = id else {
        return Ok(());
    };
    if !crate::store::assets::is_catalog_asset(&state.db, id).await? {
        errors.push(FieldError::new(
            "native_asset_id",
            "no catalog asset has this id",
        ));
    }
    Ok(())
}

/// Refuses an RPC URL another chain row already uses: two rows on one node would read (and
/// count) the same balances twice.
async fn refuse_shared_rpc(
    state: &AppState,
    rpc_url: &str,
    except: Option<Uuid>,
) -> Result<(), ApiError> {
    match store::on_same_rpc(&state.db, rpc_url, except).await? {
        Some(other) => Err(ApiError::Conflict {
            code: "rpc_url_in_use",
            message: format!(
                "chain {:?} already uses this RPC URL; one node serves one chain",
                other.chain_name
            ),
        }),
        None => Ok(()),
    }
}

/// Asks the node at `rpc_url` which chain it serves and refuses it unless it is `chain_id`.
async fn check_rpc_chain_id(
    state: &AppState,
    chain_name: &str,
    rpc_url: &str,
    chain_id: i64,
) -> Result<(), ApiError> {
    match state.chains.chain_id(chain_name, rpc_url).await {
        Ok(served) if i64::try_from(served) == Ok(chain_id) => Ok(()),
        Ok(served) => Err(ApiError::Unprocessable {
            code: "chain_id_mismatch",
            message: format!(
                "the RPC at rpc_url serves chain id {served}, not {chain_id}; check the URL"
            ),
        }),
        Err(e) => Err(ApiError::Unprocessable {
            code: "rpc_unreachable",
            message: format!(
                "the RPC at rpc_url did not answer eth_chainId ({e}); nothing was stored"
            ),
        }),
    }
}

/// Active chains wallets can use.
#[utoipa::path(get, path = "/api/chains", tag = "chains",
    responses((status = 200, description = "Active chains by chain id", body = [ChainResponse])))]
pub async fn list_chains(
    State(state): State<AppState>,
) -> Result<Json<Vec<ChainResponse>>, ApiError> {
    let chains = store::list(&state.db, Some(true)).await?;
    Ok(Json(chains.into_iter().map(Into::into).collect()))
}

/// List EVM chains (admin).
#[utoipa::path(get, path = "/api/admin/evm-chains", tag = "admin", params(ChainListQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Chains by chain id", body = [AdminChainResponse]),
        (status = 400, description = "Unknown status filter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn list_evm_chains(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiQuery(q): ApiQuery<ChainListQuery>,
) -> Result<Json<Vec<AdminChainResponse>>, ApiError> {
    let active = match q.status {
        ChainStatus::Active => Some(true),
        ChainStatus::Inactive => Some(false),
        ChainStatus::All => None,
    };
    let chains = store::list(&state.db, active).await?;
    Ok(Json(chains.into_iter().map(Into::into).collect()))
}

/// One EVM chain (admin).
#[utoipa::path(get, path = "/api/admin/evm-chains/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "Chain id (UUID)")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The chain", body = AdminChainResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such chain", body = ErrorBody)))]
pub async fn get_evm_chain(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AdminChainResponse>, ApiError> {
    let chain = store::get(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("chain"))?;
    Ok(Json(chain.into()))
}

/// Add an EVM chain (admin).
#[utoipa::path(post, path = "/api/admin/evm-chains", tag = "admin",
    request_body = CreateChainRequest, security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created", body = AdminChainResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "chain_exists: name or chain id already used; rpc_url_in_use: another chain uses this RPC URL", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "validation_failed: invalid fields; chain_id_mismatch: the RPC serves another chain id; rpc_unreachable: the RPC did not answer eth_chainId", body = ErrorBody)))]
pub async fn create_evm_chain(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiJson(req): ApiJson<CreateChainRequest>,
) -> Result<(StatusCode, Json<AdminChainResponse>), ApiError> {
    let mut errors = Vec::new();
    rules::check_chain_name(&req.chain_name, &mut errors);
    rules::check_chain_id(req.chain_id, &mut errors);
    rules::check_display_name(&req.display_name, &mut errors);
    rules::check_rpc_url(&req.rpc_url, &mut errors);
    rules::check_symbol("native_symbol", &req.native_symbol, &mut errors);
    rules::check_decimals("native_decimals", req.native_decimals, &mut errors);
    let defi = store::DefiAddresses {
        aave_v3_addresses_provider: protocol_address(
            "aave_v3_addresses_provider",
            req.aave_v3_addresses_provider.as_deref(),
            &mut errors,
        )
        .flatten(),
        uniswap_v3_position_manager: protocol_address(
            "uniswap_v3_position_manager",
            req.uniswap_v3_position_manager.as_deref(),
            &mut errors,
        )
        .flatten(),
        uniswap_v3_factory: protocol_address(
            "uniswap_v3_factory",
            req.uniswap_v3_factory.as_deref(),
            &mut errors,
        )
        .flatten(),
    };
    check_native_asset(&state, req.native_asset_id, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some(field) = store::clash(&state.db, &req.chain_name, req.chain_id).await? {
        return Err(ApiError::Conflict {
            code: "chain_exists",
            message: format!("another chain already has this {field}"),
        });
    }
    refuse_shared_rpc(&state, &req.rpc_url, None).await?;
    check_rpc_chain_id(&state, &req.chain_name, &req.rpc_url, req.chain_id).await?;
    let chain = store::insert(
        &state.db,
        store::NewChain {
            chain_name: req.chain_name,
            chain_id: req.chain_id,
            display_name: req.display_name.trim().to_string(),
            rpc_url: req.rpc_url,
            native_symbol: req.native_symbol.trim().to_string(),
            native_decimals: req.native_decimals,
            native_asset_id: req.native_asset_id,
            is_active: req.is_active.unwrap_or(true),
            defi,
        },
    )
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => ApiError::Conflict {
            code: "chain_exists",
            message: "another chain already has this chain_name or chain_id".into(),
        },
        _ => e.into(),
    })?;
    Ok((StatusCode::CREATED, Json(chain.into())))
}

/// Change an EVM chain (admin); absent fields keep their value.
#[utoipa::path(put, path = "/api/admin/evm-chains/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "Chain id (UUID)")),
    request_body = UpdateChainRequest, security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = AdminChainResponse),
        (status = 400, description = "Malformed body or id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such chain", body = ErrorBody),
        (status = 409, description = "rpc_url_in_use: another chain uses this RPC URL", body = ErrorBody),
        (status = 422, description = "validation_failed: invalid fields; chain_id_mismatch: the new RPC serves another chain id; rpc_unreachable: the new RPC did not answer eth_chainId", body = ErrorBody)))]
pub async fn update_evm_chain(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateChainRequest>,
) -> Result<Json<AdminChainResponse>, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
    if let Some(v) = &req.display_name {
        rules::check_display_name(v, &mut errors);
    }
    if let Some(v) = &req.rpc_url {
        rules::check_rpc_url(v, &mut errors);
    }
    if let Some(v) = &req.native_symbol {
        rules::check_symbol("native_symbol", v, &mut errors);
    }
    if let Some(v) = req.native_decimals {
        rules::check_decimals("native_decimals", v, &mut errors);
    }
    let aave = protocol_address(
        "aave_v3_addresses_provider",
        req.aave_v3_addresses_provider.as_deref(),
        &mut errors,
    );
    let npm = protocol_address(
        "uniswap_v3_position_manager",
        req.uniswap_v3_position_manager.as_deref(),
        &mut errors,
    );
    let factory = protocol_address(
        "uniswap_v3_factory",
        req.uniswap_v3_factory.as_deref(),
        &mut errors,
    );
    check_native_asset(&state, req.native_asset_id, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let chain = store::get(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("chain"))?;
    // Only a new URL is checked: deactivating a chain whose node is down must stay possible.
    if let Some(url) = req.rpc_url.as_deref().filter(|u| *u != chain.rpc_url) {
        refuse_shared_rpc(&state, url, Some(chain.id)).await?;
        check_rpc_chain_id(&state, &chain.chain_name, url, chain.chain_id).await?;
    }
    let updated = store::update(
        &state.db,
        chain,
        store::ChainChanges {
            display_name: req.display_name.map(|s| s.trim().to_string()),
            rpc_url: req.rpc_url,
            native_symbol: req.native_symbol.map(|s| s.trim().to_string()),
            native_decimals: req.native_decimals,
            native_asset_id: req.native_asset_id,
            is_active: req.is_active,
            aave_v3_addresses_provider: aave,
            uniswap_v3_position_manager: npm,
            uniswap_v3_factory: factory,
        },
    )
    .await?;
    Ok(Json(updated.into()))
}

/// Delete an EVM chain and its tokens (admin).
#[utoipa::path(delete, path = "/api/admin/evm-chains/{id}", tag = "admin",
    params(("id" = Uuid, Path, description = "Chain id (UUID)")),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such chain", body = ErrorBody)))]
pub async fn delete_evm_chain(
    State(state): State<AppState>,
    _admin: AdminUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store::delete(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("chain"))
    }
}
