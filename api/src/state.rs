//! Shared application state handed to every handler.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub auth: Authenticator,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// Builds the state for a connected, migrated database.
    pub fn new(config: Config, db: DatabaseConnection) -> Self {
        let auth = match &config.auth {
            crate::config::AuthMode::Local => Authenticator::Local,
            crate::config::AuthMode::Keycloak(k) => {
                Authenticator::Keycloak(crate::auth::keycloak::KeycloakValidator::new(k.clone()))
            }
        };
        Self {
            db,
            config: Arc::new(config),
            auth,
            metrics: Arc::new(Metrics::new()),
        }
    }
}
