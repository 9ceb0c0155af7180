//! `alert_deliveries`: one row per attempt to deliver an alert to a channel.

use sea_orm::entity::prelude::*;

/// An attempt; `status` is `delivered`, `failed` (retried while attempts remain) or `skipped`
/// (the channel was failing, or its secret unreadable).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub alert_id: Uuid,
    pub channel_id: Uuid,
    pub attempt: i32,
    #[sea_orm(column_type = "Text")]
    pub status: String,
    pub http_status: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
