//! `bitcoin_esplora`: the Esplora API of a Bitcoin network (the sync reads the row `bitcoin`).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "bitcoin_esplora")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text", unique)]
    pub network: String,
    #[sea_orm(column_type = "Text")]
    pub display_name: String,
    /// The API root (`https://blockstream.info/api`); `/address/:addr` is appended.
    #[sea_orm(column_type = "Text")]
    pub base_url: String,
    /// HTTP requests a second this process sends to the endpoint (all wallets together).
    pub requests_per_second: i32,
    /// Deadline of one HTTP request, in milliseconds.
    pub timeout_ms: i32,
    pub is_active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
