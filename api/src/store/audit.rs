//! Appending to and reading the audit log (never updating or deleting it).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::audit_events;

pub async fn append(
    db: &impl ConnectionTrait,
    row: audit_events::ActiveModel,
) -> Result<(), DbErr> {
    row.insert(db).await.map(|_| ())
}

/// Filters of a page of events; `user` `None` means every user's (admins only).
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub user: Option<Uuid>,
    pub kind: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    filter: &Filter,
    offset: u64,
    limit: u64,
) -> Result<Vec<audit_events::Model>, DbErr> {
    let mut q = audit_events::Entity::find();
    if let Some(u) = filter.user {
        q = q.filter(audit_events::Column::ActorUserId.eq(u));
    }
    if let Some(k) = &filter.kind {
        q = q.filter(audit_events::Column::Kind.eq(k.as_str()));
    }
    if let Some(f) = filter.from {
        q = q.filter(audit_events::Column::OccurredAt.gte(f));
    }
    if let Some(t) = filter.to {
        q = q.filter(audit_events::Column::OccurredAt.lt(t));
    }
    q.order_by_desc(audit_events::Column::OccurredAt)
        .order_by_desc(audit_events::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
}
