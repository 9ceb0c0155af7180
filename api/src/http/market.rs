//! What the market data behind every value looks like: how many assets are known and priced,
//! how old the newest price is, and whether the first-run load is still going — so a new
//! install can say "loading prices (needs a network connection)" instead of showing $0.00.

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody};
use crate::jobs::{fetch_all_coins, price_collection};
use crate::state::AppState;
use crate::store::{assets, job_runs, prices};

/// The last run of one market-data job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobBrief {
    /// `running`, `succeeded`, `partial`, `failed` or `abandoned`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed, in words.
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MarketStatusResponse {
    /// Assets in the catalog.
    pub assets: u64,
    /// Assets with at least one price.
    pub priced_assets: u64,
    /// The newest price's time (`null`: no price yet).
    pub newest_price_at: Option<DateTime<Utc>>,
    /// No price is known yet: values cannot be shown (the catalog and price jobs need a
    /// network connection to CoinGecko or CoinPaprika).
    pub first_run: bool,
    /// The catalog (`fetch-all-coins`) job's last run.
    pub catalog_job: Option<JobBrief>,
    /// The `price-collection` job's last run.
    pub price_job: Option<JobBrief>,
}

async fn brief(state: &AppState, name: &str) -> Result<Option<JobBrief>, ApiError> {
    Ok(job_runs::last_run(&state.db, name)
        .await?
        .map(|r| JobBrief {
            status: r.status,
            started_at: r.started_at,
            finished_at: r.finished_at,
            error: r.error,
        }))
}

/// How complete the market data is (any signed-in user: the dashboard's first-run banner).
#[utoipa::path(get, path = "/api/market/status", tag = "assets", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Catalog and price coverage", body = MarketStatusResponse),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn get_market_status(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Result<Json<MarketStatusResponse>, ApiError> {
    let assets = assets::count(&state.db).await?;
    let (priced_assets, newest_price_at) = prices::coverage(&state.db).await?;
    Ok(Json(MarketStatusResponse {
        assets,
        priced_assets,
        newest_price_at,
        first_run: priced_assets == 0,
        catalog_job: brief(&state, fetch_all_coins::NAME).await?,
        price_job: brief(&state, price_collection::NAME).await?,
    }))
}
