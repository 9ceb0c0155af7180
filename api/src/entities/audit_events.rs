//! `audit_events`: the append-only record of state changes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub actor_user_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub actor_subject: String,
    /// What was changed: `account`, `portfolio`, `evm_chain`, `evm_token`, `job`, `migration`, …
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The method and route, e.g. `PUT /api/accounts/{id}`.
    #[sea_orm(column_type = "Text")]
    pub action: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub target_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub request_id: String,
    pub status: i32,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
