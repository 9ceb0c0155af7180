//! Portfolios of the signed-in user: targets, guardrails, linked accounts and allocation.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::allocation::{self, Allocation, Guardrails, ResolvedTarget, TargetItem};
use crate::domain::completeness::Blocking;
use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody, FieldError};
use crate::portfolio as service;
use crate::state::AppState;
use crate::store::{accounts as account_store, portfolios as store};

#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioResponse {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// Exactly one portfolio of each user is the default.
    pub is_default: bool,
    /// All stablecoins count as one `CASH` line.
    pub stablecoins_as_cash: bool,
    pub target_allocation: Vec<ResolvedTarget>,
    pub guardrails: Guardrails,
    pub account_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn response(state: &AppState, p: store::Portfolio) -> Result<PortfolioResponse, ApiError> {
    let account_ids = store::account_ids(&state.db, p.id).await?;
    Ok(PortfolioResponse {
        target_allocation: service::targets_of(&p)?,
        guardrails: service::guardrails_of(&p)?,
        account_ids,
        id: p.id,
        name: p.name,
        description: p.description,
        is_default: p.is_default,
        stablecoins_as_cash: p.stablecoins_as_cash,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePortfolioRequest {
    pub name: String,
    pub description: Option<String>,
    /// Make it the default (the user's first portfolio always is).
    pub is_default: Option<bool>,
    pub stablecoins_as_cash: Option<bool>,
    /// `[{asset: "BTC" | "<asset id>" | "CASH", target_pct: "50"}]`; each ≥ 0, sum ≤ 100.
    pub target_allocation: Option<Vec<TargetItem>>,
    pub guardrails: Option<Guardrails>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePortfolioRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `true` makes it the default (atomically); the default cannot be unset directly.
    pub is_default: Option<bool>,
    pub stablecoins_as_cash: Option<bool>,
    pub target_allocation: Option<Vec<TargetItem>>,
    pub guardrails: Option<Guardrails>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkAccountRequest {
    pub account_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationResponse {
    pub portfolio_id: Uuid,
    pub as_of: DateTime<Utc>,
    #[serde(flatten)]
    pub allocation: Allocation,
    /// The oldest price behind the total (`null` when nothing is priced).
    pub oldest_price_at: Option<DateTime<Utc>>,
    /// The oldest last good sync of the linked accounts (`null` when one never synced).
    pub oldest_sync_at: Option<DateTime<Utc>>,
    /// Where that oldest balance was read: a chain name or an exchange location.
    pub oldest_sync_location: Option<String>,
    /// What keeps a recommendation from being computed now (empty: the data is complete).
    pub blocking: Vec<Blocking>,
    /// Linked accounts not read yet (their first sync has not succeeded): the values lack them.
    /// When it equals the number of linked accounts, the portfolio's value is unknown, not 0.
    pub accounts_not_read: usize,
}

fn fields(errors: Vec<(String, String)>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|(f, m)| FieldError::new(f, m))
        .collect()
}

/// Validates targets and guardrails against the registry; field errors are collected.
async fn check_plan(
    state: &AppState,
    user_id: Uuid,
    targets: &[TargetItem],
    guardrails: &mut Guardrails,
    stablecoins_as_cash: bool,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<ResolvedTarget>, ApiError> {
    let index = state.asset_index.for_user(&state.db, user_id).await?;
    let resolve = |s: &str| service::resolve_asset(&index, s);
    let resolved = match allocation::validate_targets(
        targets,
        resolve,
        |id| index.get(id).is_some_and(|a| a.is_stablecoin),
        stablecoins_as_cash,
    ) {
        Ok(r) => r,
        Err(e) => {
            errors.extend(fields(e));
            Vec::new()
        }
    };
    let prefixed = |e: Vec<(String, String)>| {
        e.into_iter()
            .map(|(f, m)| FieldError::new(format!("guardrails.{f}"), m))
            .collect::<Vec<_>>()
    };
    errors.extend(prefixed(guardrails.validate()));
    errors.extend(prefixed(guardrails.resolve_never_sell(resolve)));
    Ok(resolved)
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) {
    if name.trim().is_empty() || name.chars().count() > 64 {
        errors.push(FieldError::new("name", "must be 1-64 characters"));
    }
}

async fn owned(state: &AppState, user: &AuthUser, id: Uuid) -> Result<store::Portfolio, ApiError> {
    store::get_for_user(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("portfolio"))
}

/// The stored targets in request form, to validate them again when a setting changes.
fn as_items(targets: &[ResolvedTarget]) -> Vec<TargetItem> {
    targets
        .iter()
        .map(|t| TargetItem {
            asset: t
                .asset_id
                .map(|id| id.to_string())
                .unwrap_or_else(|| t.symbol.clone()),
            target_pct: t.target_pct,
        })
        .collect()
}

/// The user's portfolios, oldest first.
#[utoipa::path(get, path = "/api/portfolios", tag = "portfolios", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The user's portfolios", body = [PortfolioResponse]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_portfolios(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<PortfolioResponse>>, ApiError> {
    let mut out = Vec::new();
    for p in store::list_for_user(&state.db, user.id).await? {
        out.push(response(&state, p).await?);
    }
    Ok(Json(out))
}

/// One of the user's portfolios.
#[utoipa::path(get, path = "/api/portfolios/{id}", tag = "portfolios",
    params(("id" = Uuid, Path, description = "Portfolio id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The portfolio", body = PortfolioResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody)))]
pub async fn get_portfolio(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<PortfolioResponse>, ApiError> {
    let p = owned(&state, &user, id).await?;
    Ok(Json(response(&state, p).await?))
}

/// Create a portfolio with optional targets and guardrails.
#[utoipa::path(post, path = "/api/portfolios", tag = "portfolios", request_body = CreatePortfolioRequest,
    security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created", body = PortfolioResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody)))]
pub async fn create_portfolio(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<CreatePortfolioRequest>,
) -> Result<(StatusCode, Json<PortfolioResponse>), ApiError> {
    let mut errors = Vec::new();
    check_name(&req.name, &mut errors);
    crate::http::caps::check_portfolio(
        &state.config.limits,
        req.description.as_deref(),
        req.target_allocation.as_ref().map(Vec::len),
        &mut errors,
    );
    let cash = req.stablecoins_as_cash.unwrap_or(false);
    let mut guardrails = req.guardrails.unwrap_or_default();
    let targets = check_plan(
        &state,
        user.id,
        &req.target_allocation.unwrap_or_default(),
        &mut guardrails,
        cash,
        &mut errors,
    )
    .await?;
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    crate::http::caps::room_for_portfolio(&state, user.id).await?;
    let row = store::NewPortfolio {
        user_id: user.id,
        name: req.name.trim().to_string(),
        description: req
            .description
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
        target_allocation: serde_json::to_value(&targets).map_err(anyhow::Error::from)?,
        guardrails: serde_json::to_value(&guardrails).map_err(anyhow::Error::from)?,
        stablecoins_as_cash: cash,
    };
    let created = store::insert(&state.db, row, req.is_default.unwrap_or(false)).await?;
    Ok((StatusCode::CREATED, Json(response(&state, created).await?)))
}

/// Change a portfolio: name, description, default, cash line, targets, guardrails.
#[utoipa::path(put, path = "/api/portfolios/{id}", tag = "portfolios", request_body = UpdatePortfolioRequest,
    params(("id" = Uuid, Path, description = "Portfolio id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = PortfolioResponse),
        (status = 400, description = "Malformed body or id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody)))]
pub async fn update_portfolio(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdatePortfolioRequest>,
) -> Result<Json<PortfolioResponse>, ApiError> {
    let p = owned(&state, &user, id).await?;
    let mut errors = Vec::new();
    if let Some(n) = &req.name {
        check_name(n, &mut errors);
    }
    crate::http::caps::check_portfolio(
        &state.config.limits,
        req.description.as_deref(),
        req.target_allocation.as_ref().map(Vec::len),
        &mut errors,
    );
    if req.is_default == Some(false) && p.is_default {
        errors.push(FieldError::new(
            "is_default",
            "make another portfolio the default instead; one portfolio is always the default",
        ));
    }
    let cash = req.stablecoins_as_cash.unwrap_or(p.stablecoins_as_cash);
    let items = req
        .target_allocation
        .clone()
        .map_or_else(|| service::targets_of(&p).map(|t| as_items(&t)), Ok)?;
    let mut guardrails = req
        .guardrails
        .clone()
        .map_or_else(|| service::guardrails_of(&p), Ok)?;
    let targets = check_plan(&state, user.id, &items, &mut guardrails, cash, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let changes = store::PortfolioChanges {
        name: req.name.map(|n| n.trim().to_string()),
        description: req
            .description
            .map(|d| Some(d.trim().to_string()).filter(|d| !d.is_empty())),
        target_allocation: Some(serde_json::to_value(&targets).map_err(anyhow::Error::from)?),
        guardrails: Some(serde_json::to_value(&guardrails).map_err(anyhow::Error::from)?),
        stablecoins_as_cash: Some(cash),
    };
    store::update(&state.db, id, changes).await?;
    if req.is_default == Some(true) && !p.is_default {
        store::make_default(&state.db, user.id, id).await?;
    }
    let updated = owned(&state, &user, id).await?;
    Ok(Json(response(&state, updated).await?))
}

/// Delete a portfolio with its snapshots and recommendations (its accounts stay).
#[utoipa::path(delete, path = "/api/portfolios/{id}", tag = "portfolios",
    params(("id" = Uuid, Path, description = "Portfolio id")), security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Deleted; the oldest remaining portfolio becomes the default"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody)))]
pub async fn delete_portfolio(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    if store::delete_for_user(&state.db, user.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("portfolio"))
    }
}

/// Link one of the user's accounts to the portfolio.
#[utoipa::path(post, path = "/api/portfolios/{id}/accounts", tag = "portfolios", request_body = LinkAccountRequest,
    params(("id" = Uuid, Path, description = "Portfolio id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The portfolio with the account linked", body = PortfolioResponse),
        (status = 400, description = "Malformed body or id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio or account of this user", body = ErrorBody)))]
pub async fn link_account(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<LinkAccountRequest>,
) -> Result<Json<PortfolioResponse>, ApiError> {
    let p = owned(&state, &user, id).await?;
    account_store::get_for_user(&state.db, user.id, req.account_id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    store::link(&state.db, id, req.account_id).await?;
    Ok(Json(response(&state, p).await?))
}

/// Unlink an account from the portfolio.
#[utoipa::path(delete, path = "/api/portfolios/{id}/accounts/{account_id}", tag = "portfolios",
    params(("id" = Uuid, Path, description = "Portfolio id"), ("account_id" = Uuid, Path, description = "Account id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio, or the account is not linked", body = ErrorBody)))]
pub async fn unlink_account(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath((id, account_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    owned(&state, &user, id).await?;
    if store::unlink(&state.db, id, account_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("linked account"))
    }
}

/// Current allocation against the targets: per-asset value, weight, drift and band.
#[utoipa::path(get, path = "/api/portfolios/{id}/allocation", tag = "portfolios",
    params(("id" = Uuid, Path, description = "Portfolio id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The allocation; unpriced holdings listed apart", body = AllocationResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody)))]
pub async fn get_allocation(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let p = owned(&state, &user, id).await?;
    // Served from the cache while neither the portfolio, its accounts nor the prices changed.
    let key = (
        id,
        p.updated_at,
        store::linked_account_versions(&state.db, id).await?,
        state.price_cache.generation(),
    );
    // Concurrent misses of one key compute once (moka coalesces them).
    let body = state
        .allocation_cache
        .try_get_with(key, async {
            let accounts = store::linked_accounts(&state.db, id).await?;
            let valued = service::allocation(&state.portfolio(), &p, &accounts).await?;
            let oldest_sync_at = if accounts.iter().any(|a| a.last_synced_at.is_none()) {
                None
            } else {
                accounts.iter().filter_map(|a| a.last_synced_at).min()
            };
            let oldest_sync_location = accounts
                .iter()
                .flat_map(crate::sync::stored_locations)
                .filter_map(|l| l.synced_at.map(|at| (at, l.location)))
                .min()
                .map(|(_, location)| location);
            let bytes = serde_json::to_vec(&AllocationResponse {
                accounts_not_read: service::accounts_not_read(&accounts).len(),
                portfolio_id: id,
                oldest_sync_location,
                as_of: Utc::now(),
                oldest_price_at: valued
                    .allocation
                    .lines
                    .iter()
                    .filter_map(|l| l.price_at)
                    .min(),
                oldest_sync_at,
                allocation: valued.allocation,
                blocking: valued.blocking,
            })
            .map_err(anyhow::Error::from)?;
            Ok::<_, ApiError>(axum::body::Bytes::from(bytes))
        })
        .await
        .map_err(|e| e.shared())?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

/// Shared by the snapshot and recommendation routes.
pub(crate) async fn owned_portfolio(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
) -> Result<store::Portfolio, ApiError> {
    owned(state, user, id).await
}
