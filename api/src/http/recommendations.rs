//! Rebalancing recommendations.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::completeness::Blocking;
use crate::domain::rebalance::{self, Recommendation};
use crate::error::{ApiError, ApiPath, ErrorBody};
use crate::http::portfolios::owned_portfolio;
use crate::portfolio as service;
use crate::state::AppState;
use crate::store::{portfolios as portfolio_store, recommendations as store};

#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationResponse {
    pub id: Uuid,
    pub portfolio_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// `proposed` (trades to consider; the Butler never trades), or `incomplete`: the data is
    /// not complete enough to advise on, so there are no trades and `blocking` says what is
    /// missing.
    pub status: String,
    /// What kept an `incomplete` recommendation from being computed (empty when `proposed`).
    pub blocking: Vec<Blocking>,
    /// Portfolio value the trades were computed on.
    #[schema(value_type = String)]
    pub total_value_usd: rust_decimal::Decimal,
    #[serde(flatten)]
    pub recommendation: Recommendation,
}

fn response(m: store::StoredRecommendation) -> RecommendationResponse {
    let summary = m.summary.unwrap_or_default();
    let recommendation = Recommendation {
        trades: serde_json::from_value(m.trades).unwrap_or_default(),
        blocked: serde_json::from_value(summary["blocked"].clone()).unwrap_or_default(),
        total_buy_usd: m.total_buy_usd.0,
        total_sell_usd: m.total_sell_usd.0,
        turnover_pct: serde_json::from_value(summary["turnover_pct"].clone()).unwrap_or_default(),
    };
    RecommendationResponse {
        id: m.id,
        portfolio_id: m.portfolio_id,
        created_at: m.created_at,
        status: m.status,
        blocking: serde_json::from_value(summary["blocking"].clone()).unwrap_or_default(),
        total_value_usd: serde_json::from_value(summary["total_value_usd"].clone())
            .unwrap_or_default(),
        recommendation,
    }
}

/// Compute and store the trades that bring every asset back inside its band, within the
/// guardrails; what a guardrail prevents is listed in `blocked`. When a targeted asset or a
/// holding worth more than `min_trade_usd` has no fresh price or is not identified, or a
/// linked account's sync failed, the recommendation is `incomplete`: no trades, and
/// `blocking` lists each reason.
#[utoipa::path(post, path = "/api/portfolios/{id}/recommendations", tag = "recommendations",
    params(("id" = Uuid, Path, description = "Portfolio id")), security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The recommendation", body = RecommendationResponse),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody),
        (status = 409, description = "A stored document of the portfolio or an account cannot be read (`stored_data_unreadable`)", body = ErrorBody)))]
pub async fn create_recommendation(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<RecommendationResponse>), ApiError> {
    let p = owned_portfolio(&state, &user, id).await?;
    let accounts = portfolio_store::linked_accounts(&state.db, id).await?;
    let valued = service::allocation(&state.portfolio(), &p, &accounts).await?;
    let alloc = &valued.allocation;
    let (status, rec) = if valued.blocking.is_empty() {
        ("proposed", rebalance::recommend(alloc, &valued.guardrails))
    } else {
        ("incomplete", Recommendation::default())
    };
    let row = store::NewRecommendation {
        portfolio_id: id,
        status: status.into(),
        trades: serde_json::to_value(&rec.trades).map_err(anyhow::Error::from)?,
        summary: serde_json::json!({
            "blocked": rec.blocked,
            "blocking": valued.blocking,
            "turnover_pct": rec.turnover_pct,
            "total_value_usd": alloc.total_value_usd,
        }),
        total_buy_usd: rec.total_buy_usd,
        total_sell_usd: rec.total_sell_usd,
    };
    let saved = store::insert(&state.db, row).await?;
    Ok((StatusCode::CREATED, Json(response(saved))))
}

/// Past recommendations, newest first (at most 50).
#[utoipa::path(get, path = "/api/portfolios/{id}/recommendations", tag = "recommendations",
    params(("id" = Uuid, Path, description = "Portfolio id")), security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Recommendations", body = [RecommendationResponse]),
        (status = 400, description = "Malformed id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody)))]
pub async fn list_recommendations(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<RecommendationResponse>>, ApiError> {
    owned_portfolio(&state, &user, id).await?;
    let rows = store::list(&state.db, id, 50).await?;
    Ok(Json(rows.into_iter().map(response).collect()))
}
