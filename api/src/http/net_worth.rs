//! Net worth across every account of the user (not only a portfolio's).

use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::domain::net_worth::{self, AccountHoldings, NetWorth};
use crate::error::{ApiError, ErrorBody};
use crate::portfolio as service;
use crate::state::AppState;
use crate::store::{accounts as account_store, portfolios as portfolio_store, prices};

#[derive(Debug, Serialize, ToSchema)]
pub struct NetWorthResponse {
    pub as_of: DateTime<Utc>,
    #[serde(flatten)]
    pub net_worth: NetWorth,
    /// The oldest last good sync behind the total (`null` when an account never synced).
    pub oldest_sync_at: Option<DateTime<Utc>>,
    /// Accounts whose last sync failed in whole or in part: their holdings are the last good
    /// ones, shown, and possibly out of date.
    pub accounts_with_sync_problems: Vec<Uuid>,
    /// The default portfolio, for showing beside the net worth.
    pub default_portfolio_id: Option<Uuid>,
}

/// The user's net worth: every account, liabilities subtracted, with its 24 h change and a
/// breakdown by account location and by asset; each valued at the latest price.
#[utoipa::path(get, path = "/api/net-worth", tag = "portfolios", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Net worth", body = NetWorthResponse),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 409, description = "A stored holdings document cannot be read (`stored_data_unreadable`)", body = ErrorBody)))]
pub async fn get_net_worth(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Json<NetWorthResponse>, ApiError> {
    let accounts = account_store::list_for_user(&state.db, user.id).await?;
    let accounts: Vec<_> = accounts.into_iter().filter(|a| a.is_active).collect();
    let mut held = service::account_holdings(&state.db, &accounts).await?;
    let ids = service::asset_ids(&held, &[]);
    let latest = state.price_cache.latest_many(&state.db, &ids).await?;
    for (_, h) in &mut held {
        service::reprice(h, &latest, state.config.sync.dust_threshold_usd);
    }
    let now = Utc::now();
    let then = prices::prices_at(
        &state.db,
        &ids,
        now - Duration::hours(24),
        Duration::hours(6),
    )
    .await?;
    let views: Vec<AccountHoldings> = accounts
        .iter()
        .zip(&held)
        .map(|(a, (_, h))| AccountHoldings {
            id: a.id,
            name: &a.name,
            holdings: h,
            read: service::has_been_read(a),
        })
        .collect();
    let worth = net_worth::compute(&views, |id| then.get(&id).copied());
    let default_portfolio_id = portfolio_store::list_for_user(&state.db, user.id)
        .await?
        .into_iter()
        .find(|p| p.is_default)
        .map(|p| p.id);
    Ok(Json(NetWorthResponse {
        as_of: now,
        net_worth: worth,
        oldest_sync_at: if accounts.iter().any(|a| a.last_synced_at.is_none()) {
            None
        } else {
            accounts.iter().filter_map(|a| a.last_synced_at).min()
        },
        accounts_with_sync_problems: accounts
            .iter()
            .filter(|a| matches!(a.last_sync_status.as_deref(), Some("partial" | "error")))
            .map(|a| a.id)
            .collect(),
        default_portfolio_id,
    }))
}
