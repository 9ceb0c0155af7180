//! `recommendations`: rebalancing proposals for a portfolio.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use super::DbDecimal;

/// A recommendation with its proposed trades.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "recommendations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub portfolio_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub status: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub trades: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub summary: Option<Json>,
    pub total_buy_usd: DbDecimal,
    pub total_sell_usd: DbDecimal,
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
