//! `bitcoin_wallet_scans`: an extended-key Bitcoin wallet's gap limit and remembered indices.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bitcoin_wallet_scans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub account_id: Uuid,
    /// Consecutive unused addresses after the last used one that end a chain's scan.
    pub gap_limit: i32,
    /// Highest used index of the receive (`0/i`) and change (`1/i`) chains, when any.
    pub receive_used: Option<i32>,
    pub change_used: Option<i32>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
