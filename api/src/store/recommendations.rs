//! Stored rebalancing recommendations.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::Set;

use crate::entities::{recommendations, DbDecimal};

/// A stored recommendation.
pub use crate::entities::recommendations::Model as StoredRecommendation;

/// A recommendation to store (the id and time are the store's).
pub struct NewRecommendation {
    pub portfolio_id: Uuid,
    pub status: String,
    pub trades: serde_json::Value,
    pub summary: serde_json::Value,
    pub total_buy_usd: Decimal,
    pub total_sell_usd: Decimal,
}

pub async fn insert(
    db: &impl ConnectionTrait,
    r: NewRecommendation,
) -> Result<recommendations::Model, DbErr> {
    recommendations::ActiveModel {
        id: Set(Uuid::new_v4()),
        portfolio_id: Set(r.portfolio_id),
        status: Set(r.status),
        trades: Set(r.trades),
        summary: Set(Some(r.summary)),
        total_buy_usd: Set(DbDecimal(r.total_buy_usd)),
        total_sell_usd: Set(DbDecimal(r.total_sell_usd)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
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
