//! `alerts`: every alert raised (a rule triggered or cleared, or a channel test).

use sea_orm::entity::prelude::*;

/// An alert; `state` is `triggered`, `cleared` or `test`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// `None` for a channel test, or once the rule was deleted.
    pub rule_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub state: String,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    /// What every channel receives as `data`.
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
    /// Holdings details, sent only to channels marked private.
    #[sea_orm(column_type = "JsonBinary")]
    pub private_details: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
