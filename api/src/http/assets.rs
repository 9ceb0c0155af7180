//! Reading the asset registry with the latest prices.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiPath, ApiQuery, ErrorBody, FieldError};
use crate::state::AppState;
use crate::store::{assets as store, prices};

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceResponse {
    /// USD, as a decimal string.
    #[schema(value_type = String, example = "70187.12")]
    pub price_usd: Decimal,
    #[schema(value_type = Option<String>)]
    pub volume_24h_usd: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub market_cap_usd: Option<Decimal>,
    pub rank: Option<i32>,
    /// `coingecko` or `coinpaprika`.
    pub source: String,
    pub timestamp: DateTime<Utc>,
}

impl From<prices::PricePoint> for PriceResponse {
    fn from(p: prices::PricePoint) -> Self {
        Self {
            price_usd: p.price_usd.0,
            volume_24h_usd: p.volume_24h_usd.map(|d| d.0),
            market_cap_usd: p.market_cap_usd.map(|d| d.0),
            rank: p.rank,
            source: p.source,
            timestamp: p.timestamp,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetResponse {
    pub id: Uuid,
    pub symbol: String,
    pub name: String,
    /// `cryptocurrency`, `token`, `stablecoin`, or `custom` (the user's own, see `/api/assets/custom`).
    pub asset_type: String,
    pub is_stablecoin: bool,
    pub coingecko_id: Option<String>,
    pub coinpaprika_id: Option<String>,
    pub market_cap_rank: Option<i32>,
    pub latest_price: Option<PriceResponse>,
}

fn asset_response(a: store::Asset, latest: Option<prices::PricePoint>) -> AssetResponse {
    AssetResponse {
        id: a.id,
        symbol: a.symbol,
        name: a.name,
        asset_type: a.asset_type,
        is_stablecoin: a.is_stablecoin,
        coingecko_id: a.coingecko_id,
        coinpaprika_id: a.coinpaprika_id,
        market_cap_rank: a.market_cap_rank,
        latest_price: latest.map(Into::into),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractResponse {
    /// Our chain name (`ethereum`, `arbitrum`, …) or the provider's platform id.
    pub chain: String,
    pub contract_address: String,
    pub decimals: Option<i32>,
    pub token_standard: Option<String>,
}

impl From<store::AssetContract> for ContractResponse {
    fn from(c: store::AssetContract) -> Self {
        Self {
            chain: c.chain,
            contract_address: c.contract_address,
            decimals: c.decimals,
            token_standard: c.token_standard,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssetDetailResponse {
    #[serde(flatten)]
    pub asset: AssetResponse,
    pub contracts: Vec<ContractResponse>,
    /// The newest price from each source.
    pub prices: Vec<PriceResponse>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetSearchQuery {
    /// Symbol (exact) or part of the name; case-insensitive.
    pub search: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
}

/// Search assets by symbol or name, with their latest price.
#[utoipa::path(get, path = "/api/assets", tag = "assets", params(AssetSearchQuery),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Matching assets, best rank first", body = [AssetResponse]),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 422, description = "limit out of range", body = ErrorBody)))]
pub async fn list_assets(
    State(state): State<AppState>,
    _user: AuthUser,
    ApiQuery(q): ApiQuery<AssetSearchQuery>,
) -> Result<Json<Vec<AssetResponse>>, ApiError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new(
            "limit",
            "must be from 1 to 200",
        )]));
    }
    let found = store::search(&state.db, q.search.as_deref(), limit).await?;
    let ids: Vec<Uuid> = found.iter().map(|a| a.id).collect();
    let mut latest = prices::latest_for_assets(&state.db, &ids).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|a| {
                let p = latest.remove(&a.id);
                asset_response(a, p)
            })
            .collect(),
    ))
}

/// One asset with its contracts and the latest price from each source.
#[utoipa::path(get, path = "/api/assets/{id}", tag = "assets",
    params(("id" = Uuid, Path, description = "Asset id")),
    security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "The asset", body = AssetDetailResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such asset", body = ErrorBody)))]
pub async fn get_asset(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AssetDetailResponse>, ApiError> {
    let asset = store::get(&state.db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("asset"))?;
    // A custom asset is its owner's only.
    if asset.asset_type == crate::domain::catalog::ASSET_TYPE_CUSTOM
        && crate::store::custom_assets::owner_of(&state.db, id).await? != Some(user.id)
    {
        return Err(ApiError::not_found("asset"));
    }
    let contracts = store::contracts_of(&state.db, id).await?;
    let per_source = prices::latest_per_source(&state.db, id).await?;
    let latest = per_source
        .iter()
        .max_by_key(|p| (p.timestamp, p.source == "coingecko"))
        .cloned();
    Ok(Json(AssetDetailResponse {
        asset: asset_response(asset, latest),
        contracts: contracts.into_iter().map(Into::into).collect(),
        prices: per_source.into_iter().map(Into::into).collect(),
    }))
}
