//! `alert_rules`: what a user wants to be told about, and through which channels.

use sea_orm::entity::prelude::*;

/// A rule; `kind` names its condition (`alerts::rules::Kind`), `params` its settings.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub params: Json,
    /// The ids of the channels its alerts go to.
    #[sea_orm(column_type = "JsonBinary")]
    pub channel_ids: Json,
    pub cooldown_secs: i32,
    pub is_enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
