//! Portfolio snapshots: one row per (portfolio, date, type); a later snapshot of the same
//! day and type replaces the earlier one.

use chrono::NaiveDate;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entities::snapshots;

/// A stored snapshot.
pub use crate::entities::snapshots::Model as Snapshot;

/// Rows per multi-row upsert.
pub const WRITE_CHUNK: usize = 250;

/// Writes snapshots in multi-row statements; a row for the same portfolio, date and type is
/// replaced (values, holdings, metadata and time), keeping its id. Returns statements sent.
pub async fn upsert_many(
    db: &impl ConnectionTrait,
    rows: Vec<snapshots::ActiveModel>,
) -> Result<usize, DbErr> {
    let mut statements = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(WRITE_CHUNK).collect();
        snapshots::Entity::insert_many(chunk)
            .on_conflict(
                OnConflict::columns([
                    snapshots::Column::PortfolioId,
                    snapshots::Column::SnapshotDate,
                    snapshots::Column::SnapshotType,
                ])
                .update_columns([
                    snapshots::Column::TotalValueUsd,
                    snapshots::Column::Holdings,
                    snapshots::Column::Metadata,
                    snapshots::Column::CreatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        statements += 1;
    }
    Ok(statements)
}

/// Snapshots of a portfolio between two dates (inclusive), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    portfolio_id: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<snapshots::Model>, DbErr> {
    let mut q = snapshots::Entity::find().filter(snapshots::Column::PortfolioId.eq(portfolio_id));
    if let Some(f) = from {
        q = q.filter(snapshots::Column::SnapshotDate.gte(f));
    }
    if let Some(t) = to {
        q = q.filter(snapshots::Column::SnapshotDate.lte(t));
    }
    q.order_by_desc(snapshots::Column::SnapshotDate)
        .order_by_asc(snapshots::Column::SnapshotType)
        .limit(2_000)
        .all(db)
        .await
}

/// The snapshot of a portfolio for a date and type.
pub async fn find(
    db: &impl ConnectionTrait,
    portfolio_id: Uuid,
    date: NaiveDate,
    snapshot_type: &str,
) -> Result<Option<snapshots::Model>, DbErr> {
    snapshots::Entity::find()
        .filter(snapshots::Column::PortfolioId.eq(portfolio_id))
        .filter(snapshots::Column::SnapshotDate.eq(date))
        .filter(snapshots::Column::SnapshotType.eq(snapshot_type))
        .one(db)
        .await
}
