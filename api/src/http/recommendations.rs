//! Rebalancing recommendations.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::completeness::{Blocking, BlockingReason};
use crate::domain::rebalance::{self, Recommendation};
use crate::error::{ApiError, ApiPath, ApiQuery, ErrorBody};
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
    /// Linked accounts this advice leaves out at the user's request: each could not be read
    /// and held nothing the Butler knows of (empty: every linked account is in).
    pub excluded_accounts: Vec<ExcludedAccount>,
    #[serde(flatten)]
    pub recommendation: Recommendation,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExcludedAccount {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateQuery {
    /// Comma-separated ids of linked accounts to leave out: only an account whose sync failed
    /// and that holds nothing the Butler knows of (its `sync_failed` entry in `blocking` is
    /// `excludable`); anything else is a `422`.
    pub exclude_accounts: Option<String>,
}

/// The accounts the user asked to leave out, checked: each must be linked, and must be one
/// whose failed sync holds advice back while it holds nothing known (`excludable`). An account
/// that is not holding advice back any more (its sync has since succeeded) is simply kept.
fn left_out(
    q: &CreateQuery,
    linked: &[crate::entities::accounts::Model],
    blocking: &[Blocking],
) -> Result<Vec<ExcludedAccount>, ApiError> {
    let mut out: Vec<ExcludedAccount> = Vec::new();
    let raw = q.exclude_accounts.as_deref().unwrap_or_default();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id = Uuid::parse_str(part).map_err(|_| ApiError::BadRequest {
            code: "invalid_query",
            message: format!("exclude_accounts: '{part}' is not an account id"),
        })?;
        let Some(account) = linked.iter().find(|a| a.id == id) else {
            return Err(ApiError::Unprocessable {
                code: "account_not_linked",
                message: format!("account {id} is not linked to this portfolio"),
            });
        };
        let entry = blocking
            .iter()
            .find(|b| b.reason == BlockingReason::SyncFailed && b.accounts.contains(&id));
        match entry {
            None => continue,
            Some(b) if !b.excludable => {
                return Err(ApiError::Unprocessable {
                    code: "account_not_excludable",
                    message: format!(
                        "{} holds assets by its last good read: advice without them would be wrong; sync it again instead",
                        account.name
                    ),
                })
            }
            Some(_) => {
                if !out.iter().any(|e| e.id == id) {
                    out.push(ExcludedAccount {
                        id,
                        name: account.name.clone(),
                    });
                }
            }
        }
    }
    Ok(out)
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
        excluded_accounts: serde_json::from_value(summary["excluded_accounts"].clone())
            .unwrap_or_default(),
        recommendation,
    }
}

/// Compute and store the trades that bring every asset back inside its band, within the
/// guardrails; what a guardrail prevents is listed in `blocked`. When a targeted asset or a
/// holding worth more than `min_trade_usd` has no fresh price or is not identified, or a
/// linked account's sync failed, the recommendation is `incomplete`: no trades, and
/// `blocking` lists each reason. A failed account that holds nothing known may be left out at
/// the user's request (`exclude_accounts`); the answer names it in `excluded_accounts`.
#[utoipa::path(post, path = "/api/portfolios/{id}/recommendations", tag = "recommendations",
    params(("id" = Uuid, Path, description = "Portfolio id"), CreateQuery), security(("bearer_auth" = [])),
    responses(
        (status = 201, description = "The recommendation", body = RecommendationResponse),
        (status = 400, description = "Malformed id or account id (`invalid_path`, `invalid_query`)", body = ErrorBody),
        (status = 422, description = "An account to leave out is not linked (`account_not_linked`) or holds assets (`account_not_excludable`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such portfolio of this user", body = ErrorBody),
        (status = 409, description = "A stored document of the portfolio or an account cannot be read (`stored_data_unreadable`)", body = ErrorBody)))]
pub async fn create_recommendation(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<CreateQuery>,
) -> Result<(StatusCode, Json<RecommendationResponse>), ApiError> {
    let p = owned_portfolio(&state, &user, id).await?;
    let mut accounts = portfolio_store::linked_accounts(&state.db, id).await?;
    let mut valued = service::allocation(&state.portfolio(), &p, &accounts).await?;
    let excluded = left_out(&q, &accounts, &valued.blocking)?;
    if !excluded.is_empty() {
        accounts.retain(|a| !excluded.iter().any(|e| e.id == a.id));
        valued = service::allocation(&state.portfolio(), &p, &accounts).await?;
    }
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
            "excluded_accounts": excluded,
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
