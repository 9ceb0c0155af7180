//! How many rows a user owns, for the per-user caps.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::{accounts, portfolios};

pub async fn accounts_of(db: &impl ConnectionTrait, user: Uuid) -> Result<u64, DbErr> {
    accounts::Entity::find()
        .filter(accounts::Column::UserId.eq(user))
        .count(db)
        .await
}

pub async fn portfolios_of(db: &impl ConnectionTrait, user: Uuid) -> Result<u64, DbErr> {
    portfolios::Entity::find()
        .filter(portfolios::Column::UserId.eq(user))
        .count(db)
        .await
}
