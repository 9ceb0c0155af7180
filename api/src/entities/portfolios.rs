//! `portfolios`: a user's portfolios, at most one of them the default.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A portfolio; a partial unique index allows one `is_default` per user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "portfolios")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub target_allocation: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub guardrails: Json,
    pub stablecoins_as_cash: bool,
    pub is_default: bool,
    pub last_constructed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_update = "NoAction",
        on_delete = "Cascade"
    )]
    User,
    #[sea_orm(has_many = "super::portfolio_accounts::Entity")]
    PortfolioAccounts,
    #[sea_orm(has_many = "super::snapshots::Entity")]
    Snapshots,
    #[sea_orm(has_many = "super::recommendations::Entity")]
    Recommendations,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::portfolio_accounts::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PortfolioAccounts.def()
    }
}

impl Related<super::snapshots::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Snapshots.def()
    }
}

impl Related<super::recommendations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Recommendations.def()
    }
}

/// Accounts in this portfolio, through `portfolio_accounts`.
impl Related<super::accounts::Entity> for Entity {
    fn to() -> RelationDef {
        super::portfolio_accounts::Relation::Account.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::portfolio_accounts::Relation::Portfolio.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
