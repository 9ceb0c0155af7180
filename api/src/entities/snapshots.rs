//! `snapshots`: a portfolio's value and holdings at a date.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::DbDecimal;

/// A snapshot; `snapshot_type` is `eod`, `manual` or `hourly`, unique per
/// `(portfolio_id, snapshot_date, snapshot_type)`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "snapshots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub portfolio_id: Uuid,
    pub snapshot_date: Date,
    #[sea_orm(column_type = "Text")]
    pub snapshot_type: String,
    pub total_value_usd: DbDecimal,
    #[sea_orm(column_type = "JsonBinary")]
    pub holdings: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::portfolios::Entity",
        from = "Column::PortfolioId",
        to = "super::portfolios::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    Portfolio,
}

impl Related<super::portfolios::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Portfolio.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
