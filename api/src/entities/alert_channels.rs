//! `alert_channels`: where a user's alerts go (a webhook URL, an ntfy topic).

use sea_orm::entity::prelude::*;

/// A channel; `kind` is `webhook` or `ntfy`. Not `Serialize`: it holds an encrypted secret.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_channels")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The URL deliveries are posted to.
    #[sea_orm(column_type = "Text")]
    pub target: String,
    /// The webhook's signing secret or the ntfy access token, sealed by `crypto::Cipher`.
    #[sea_orm(column_type = "Text")]
    pub secret_encrypted: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub encryption_key_version: Option<String>,
    /// The user allows holdings details in alerts sent here.
    pub is_private: bool,
    /// Alerts in a row whose every attempt failed.
    pub consecutive_failures: i32,
    /// Set once `consecutive_failures` reached the limit: nothing more is sent until the
    /// channel is edited or a test succeeds.
    pub failing_since: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
