//! The exchanges the Butler can read, with the credentials each one's keys need: what the
//! web's add-account form offers.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::connectors::ExchangeInfo;
use crate::error::ErrorBody;
use crate::state::AppState;

/// One credential of an exchange's API keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialFieldResponse {
    /// The field of `POST /api/accounts` that carries it: `api_key`, `api_secret` or
    /// `passphrase`.
    pub field: String,
    /// What the exchange calls it, e.g. `Secret key`.
    pub label: String,
}

/// An exchange accounts can be added for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExchangeResponse {
    /// The `exchange_name` of its accounts, e.g. `binance`.
    pub name: String,
    pub display_name: String,
    /// The credentials a read-only key consists of, in the order to ask for them.
    pub credentials: Vec<CredentialFieldResponse>,
    /// The locations a sync reads (`trading`, `spot`, `funding`, `earn`, `staked`).
    pub locations: Vec<String>,
}

impl From<ExchangeInfo> for ExchangeResponse {
    fn from(info: ExchangeInfo) -> Self {
        Self {
            name: info.name.to_string(),
            display_name: info.display_name.to_string(),
            credentials: info
                .credentials
                .iter()
                .map(|c| CredentialFieldResponse {
                    field: c.field.to_string(),
                    label: c.label.to_string(),
                })
                .collect(),
            locations: info
                .locations
                .iter()
                .map(|l| l.as_str().to_string())
                .collect(),
        }
    }
}

/// Exchanges accounts can be added for, with each one's credential fields.
#[utoipa::path(get, path = "/api/exchanges", tag = "exchanges", security(("bearer_auth" = [])),
    responses(
        (status = 200, description = "Every exchange the API can read", body = [ExchangeResponse]),
        (status = 401, description = "No valid token", body = ErrorBody)))]
pub async fn list_exchanges(
    State(state): State<AppState>,
    _user: AuthUser,
) -> Json<Vec<ExchangeResponse>> {
    Json(
        state
            .exchanges
            .all()
            .map(|e| ExchangeResponse::from(e.info()))
            .collect(),
    )
}
