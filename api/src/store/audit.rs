//! Appending to and reading the audit log (never updating or deleting it).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::entities::audit_events;

/// A recorded change, as stored.
pub use crate::entities::audit_events::Model as AuditEvent;

/// A change to record (the id and time are the store's).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor_user_id: Option<Uuid>,
    pub actor_subject: String,
    pub kind: String,
    pub action: String,
    pub target_id: Option<String>,
    pub request_id: String,
    pub status: i32,
    pub summary: String,
}

pub async fn append(db: &impl ConnectionTrait, e: NewEvent) -> Result<(), DbErr> {
    use sea_orm::Set;
    audit_events::ActiveModel {
        id: Set(Uuid::new_v4()),
        occurred_at: Set(Utc::now()),
        actor_user_id: Set(e.actor_user_id),
        actor_subject: Set(e.actor_subject),
        kind: Set(e.kind),
        action: Set(e.action),
        target_id: Set(e.target_id),
        request_id: Set(e.request_id),
        status: Set(e.status),
        summary: Set(e.summary),
    }
    .insert(db)
    .await
    .map(|_| ())
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
