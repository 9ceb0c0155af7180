//! Stored rebalancing recommendations.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::recommendations;

pub async fn insert(
    db: &impl ConnectionTrait,
    row: recommendations::ActiveModel,
) -> Result<recommendations::Model, DbErr> {
    row.insert(db).await
}

/// A portfolio's recommendations, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    portfolio_id: Uuid,
    limit: u64,
) -> Result<Vec<recommendations::Model>, DbErr> {
    recommendations::Entity::find()
        .filter(recommendations::Column::PortfolioId.eq(portfolio_id))
        .order_by_desc(recommendations::Column::CreatedAt)
        .order_by_desc(recommendations::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
