//! `accounts`: a user's exchange, wallet or DeFi account.

use sea_orm::entity::prelude::*;

/// An account; `account_type` is `exchange`, `wallet` or `defi`. Not `Serialize`: it holds
/// encrypted credentials, so responses map it to their own types.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub account_type: String,
    #[sea_orm(column_type = "Text")]
    pub exchange_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub api_key_encrypted: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub api_secret_encrypted: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub passphrase_encrypted: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub encryption_key_version: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub api_key_hint: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub wallet_address: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub enabled_chains: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub holdings: Option<Json>,
    pub last_synced_at: Option<DateTimeUtc>,
    pub last_sync_started_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub last_sync_status: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub last_sync_error: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub permission_warning: Option<String>,
    /// Each location's last good read, status and error (`domain::locations::LocationSync`).
    #[sea_orm(column_type = "JsonBinary")]
    pub location_syncs: Option<Json>,
    /// The exchange's id of the account behind the key (OKX `uid`); unique per user and
    /// exchange.
    #[sea_orm(column_type = "Text")]
    pub exchange_uid: Option<String>,
    /// A wallet's chain family (`evm`), picking its source (`sync::sources`).
    #[sea_orm(column_type = "Text")]
    pub chain_family: Option<String>,
    pub is_active: bool,
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

/// Portfolios that include this account, through `portfolio_accounts`.
impl Related<super::portfolios::Entity> for Entity {
    fn to() -> RelationDef {
        super::portfolio_accounts::Relation::Portfolio.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::portfolio_accounts::Relation::Account.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
