//! `ledger_revisions`: a ledger entry's earlier versions (created, edited, deleted).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub entry_id: Uuid,
    pub account_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub action: String,
    /// The entry as it was before this change (`null` for its creation).
    #[sea_orm(column_type = "JsonBinary")]
    pub before: Option<Json>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
