//! A user's custom assets: anything the catalog lacks (a private share, a house), with a price
//! the user enters. Only its owner sees or uses one; another user gets 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::exact;
use crate::error::{ApiError, ApiJson, ApiPath, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::custom_assets as store;

/// Most custom assets one user may keep.
pub const MAX_PER_USER: usize = 500;

/// A custom asset with its latest price.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomAssetResponse {
    /// Use it as `asset` in manual holdings and targets (or its symbol).
    pub id: Uuid,
    pub symbol: String,
    pub name: String,
    /// USD, as a decimal string; `null` if none was ever set.
    #[schema(value_type = Option<String>)]
    pub price_usd: Option<Decimal>,
    /// When the price was set (the `price_at` of holdings valued with it; source `manual`).
    pub price_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<store::CustomAsset> for CustomAssetResponse {
    fn from(c: store::CustomAsset) -> Self {
        Self {
            id: c.asset.id,
            symbol: c.asset.symbol,
            name: c.asset.name,
            price_usd: c.price_usd,
            price_at: c.price_at,
            created_at: c.asset.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomAssetRequest {
    /// 1-20 characters, no spaces; stored upper-case.
    pub symbol: String,
    /// 1-100 characters.
    pub name: String,
    /// USD per unit, a decimal in a string, above zero.
    #[serde(deserialize_with = "exact::decimal")]
    #[schema(value_type = String)]
    pub price_usd: Decimal,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomAssetPriceRequest {
    /// USD per unit, a decimal in a string, above zero.
    #[serde(deserialize_with = "exact::decimal")]
    #[schema(value_type = String)]
    pub price_usd: Decimal,
}

fn check_price(price: Decimal, errors: &mut Vec<FieldError>) {
    if price <= Decimal::ZERO {
        errors.push(FieldError::new("price_usd", "must be above zero"));
    }
}

/// Add a custom asset with a manual price.
#[utoipa::path(post, path = "/api/assets/custom", tag = "assets",
    request_body = CreateCustomAssetRequest, security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "Created", body = CustomAssetResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 409, description = "custom_asset_exists: the user already has a custom asset with this symbol", body = ErrorBody),
        (status = 422, description = "validation_failed: invalid fields; limit_reached: too many custom assets", body = ErrorBody)))]
pub async fn create_custom_asset(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(req): ApiJson<CreateCustomAssetRequest>,
) -> Result<(StatusCode, Json<CustomAssetResponse>), ApiError> {
    let symbol = req.symbol.trim().to_uppercase();
    let name = req.name.trim();
    let mut errors = Vec::new();
    if symbol.is_empty() || symbol.chars().count() > 20 || symbol.chars().any(char::is_whitespace) {
        errors.push(FieldError::new(
            "symbol",
            "must be 1-20 characters without spaces",
        ));
    }
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1-100 characters"));
    }
    check_price(req.price_usd, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mine = store::list(&state.db, user.id).await?;
    if let Some(same) = mine.iter().find(|c| c.asset.symbol == symbol) {
        return Err(ApiError::Conflict {
            code: "custom_asset_exists",
            message: format!(
                "your custom asset {} already has this symbol",
                same.asset.id
            ),
        });
    }
    if mine.len() >= MAX_PER_USER {
        return Err(ApiError::Unprocessable {
            code: "limit_reached",
            message: format!("you already have {MAX_PER_USER} custom assets"),
        });
    }
    let created = store::create(&state.db, user.id, &symbol, name, req.price_usd).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// The signed-in user's custom assets.
#[utoipa::path(get, path = "/api/assets/custom", tag = "assets",
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Oldest first", body = [CustomAssetResponse]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_custom_assets(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<Vec<CustomAssetResponse>>, ApiError> {
    let mine = store::list(&state.db, user.id).await?;
    Ok(Json(mine.into_iter().map(Into::into).collect()))
}

async fn mine(state: &AppState, user: &AuthUser, id: Uuid) -> Result<store::CustomAsset, ApiError> {
    store::get(&state.db, user.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("custom asset"))
}

/// One of the signed-in user's custom assets.
#[utoipa::path(get, path = "/api/assets/custom/{id}", tag = "assets",
    params(("id" = Uuid, Path, description = "Asset id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The custom asset", body = CustomAssetResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such custom asset of this user", body = ErrorBody)))]
pub async fn get_custom_asset(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<CustomAssetResponse>, ApiError> {
    Ok(Json(mine(&state, &user, id).await?.into()))
}

/// Set a custom asset's price (the earlier prices stay as its history).
#[utoipa::path(put, path = "/api/assets/custom/{id}", tag = "assets",
    params(("id" = Uuid, Path, description = "Asset id")),
    request_body = UpdateCustomAssetPriceRequest, security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Updated", body = CustomAssetResponse),
        (status = 400, description = "Malformed body or id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such custom asset of this user", body = ErrorBody),
        (status = 422, description = "validation_failed: invalid price", body = ErrorBody)))]
pub async fn update_custom_asset(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<UpdateCustomAssetPriceRequest>,
) -> Result<Json<CustomAssetResponse>, ApiError> {
    mine(&state, &user, id).await?;
    let mut errors = Vec::new();
    check_price(req.price_usd, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    store::set_price(&state.db, id, req.price_usd).await?;
    state.price_cache.invalidate_all();
    Ok(Json(mine(&state, &user, id).await?.into()))
}
