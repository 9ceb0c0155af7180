//! Alert channels, rules, rule states, alerts and delivery attempts. Every read a handler makes
//! is scoped to its user: another user's row is `None`, as if absent.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entities::{alert_channels, alert_deliveries, alert_rules, alert_states, alerts};

/// Now, at the precision PostgreSQL keeps.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

// Channels

/// The user's channels, oldest first.
pub async fn list_channels(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<alert_channels::Model>, DbErr> {
    alert_channels::Entity::find()
        .filter(alert_channels::Column::UserId.eq(user_id))
        .order_by_asc(alert_channels::Column::CreatedAt)
        .order_by_asc(alert_channels::Column::Id)
        .all(db)
        .await
}

/// One of the user's channels.
pub async fn get_channel(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<alert_channels::Model>, DbErr> {
    alert_channels::Entity::find_by_id(id)
        .filter(alert_channels::Column::UserId.eq(user_id))
        .one(db)
        .await
}

pub async fn insert_channel(
    db: &impl ConnectionTrait,
    channel: alert_channels::Model,
) -> Result<alert_channels::Model, DbErr> {
    alert_channels::ActiveModel::from(channel).insert(db).await
}

/// Saves an edited channel; an edit clears its failing state (the user fixed something).
pub async fn update_channel(
    db: &impl ConnectionTrait,
    channel: alert_channels::Model,
) -> Result<alert_channels::Model, DbErr> {
    let mut am: alert_channels::ActiveModel = channel.into();
    am.consecutive_failures = Set(0);
    am.failing_since = Set(None);
    am.updated_at = Set(now());
    am = am.reset_all();
    am.update(db).await
}

/// Deletes one of the user's channels; `false` when there was none.
pub async fn delete_channel(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let r = alert_channels::Entity::delete_many()
        .filter(alert_channels::Column::Id.eq(id))
        .filter(alert_channels::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Records how an alert's delivery to a channel ended: success resets the count of failures in
/// a row; a failure adds one, and marks the channel failing once it reaches `fail_after`.
pub async fn record_channel_outcome(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: Option<String>,
    fail_after: u32,
) -> Result<(), DbErr> {
    let Some(channel) = alert_channels::Entity::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    let mut am: alert_channels::ActiveModel = channel.clone().into();
    match error {
        None => {
            am.consecutive_failures = Set(0);
            am.failing_since = Set(None);
            am.last_error = Set(None);
        }
        Some(e) => {
            let failures = channel.consecutive_failures.saturating_add(1);
            am.consecutive_failures = Set(failures);
            if failures >= fail_after as i32 && channel.failing_since.is_none() {
                am.failing_since = Set(Some(now()));
            }
            am.last_error = Set(Some(e));
        }
    }
    am.update(db).await?;
    Ok(())
}

// Rules

pub async fn list_rules(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<alert_rules::Model>, DbErr> {
    alert_rules::Entity::find()
        .filter(alert_rules::Column::UserId.eq(user_id))
        .order_by_asc(alert_rules::Column::CreatedAt)
        .order_by_asc(alert_rules::Column::Id)
        .all(db)
        .await
}

pub async fn get_rule(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<alert_rules::Model>, DbErr> {
    alert_rules::Entity::find_by_id(id)
        .filter(alert_rules::Column::UserId.eq(user_id))
        .one(db)
        .await
}

pub async fn insert_rule(
    db: &impl ConnectionTrait,
    rule: alert_rules::Model,
) -> Result<alert_rules::Model, DbErr> {
    alert_rules::ActiveModel::from(rule).insert(db).await
}

/// Saves an edited rule and forgets its states: the next evaluation starts afresh.
pub async fn update_rule(
    db: &impl ConnectionTrait,
    rule: alert_rules::Model,
) -> Result<alert_rules::Model, DbErr> {
    alert_states::Entity::delete_many()
        .filter(alert_states::Column::RuleId.eq(rule.id))
        .exec(db)
        .await?;
    let mut am: alert_rules::ActiveModel = rule.into();
    am.updated_at = Set(now());
    am = am.reset_all();
    am.update(db).await
}

pub async fn delete_rule(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let r = alert_rules::Entity::delete_many()
        .filter(alert_rules::Column::Id.eq(id))
        .filter(alert_rules::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Enabled rules of these kinds, of one user or of everyone.
pub async fn enabled_rules(
    db: &impl ConnectionTrait,
    user_id: Option<Uuid>,
    kinds: &[&str],
) -> Result<Vec<alert_rules::Model>, DbErr> {
    let mut q = alert_rules::Entity::find()
        .filter(alert_rules::Column::IsEnabled.eq(true))
        .filter(alert_rules::Column::Kind.is_in(kinds.iter().copied()));
    if let Some(u) = user_id {
        q = q.filter(alert_rules::Column::UserId.eq(u));
    }
    q.order_by_asc(alert_rules::Column::CreatedAt).all(db).await
}

// States

/// A change of a rule's condition for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Triggered,
    Cleared,
}

/// Moves the state of `(rule, subject)` to `holds`, and says whether that is news: the
/// condition starting to hold (unless the rule triggered for this subject less than
/// `cooldown` ago) or stopping. Each change is one conditional update, so of two evaluations
/// at once (two replicas) only one reports it.
pub async fn transition(
    db: &impl ConnectionTrait,
    rule_id: Uuid,
    subject: &str,
    holds: bool,
    cooldown: chrono::Duration,
) -> Result<Option<Transition>, DbErr> {
    let at = now();
    alert_states::Entity::insert(alert_states::ActiveModel {
        id: Set(Uuid::new_v4()),
        rule_id: Set(rule_id),
        subject: Set(subject.to_string()),
        firing: Set(false),
        changed_at: Set(at),
        last_triggered_at: Set(None),
    })
    .on_conflict(
        OnConflict::columns([alert_states::Column::RuleId, alert_states::Column::Subject])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let Some(state) = alert_states::Entity::find()
        .filter(alert_states::Column::RuleId.eq(rule_id))
        .filter(alert_states::Column::Subject.eq(subject))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if state.firing == holds {
        return Ok(None);
    }
    if holds && state.last_triggered_at.is_some_and(|t| at - t < cooldown) {
        return Ok(None);
    }
    let mut update = alert_states::Entity::update_many()
        .col_expr(alert_states::Column::Firing, Expr::value(holds))
        .col_expr(alert_states::Column::ChangedAt, Expr::value(at))
        .filter(alert_states::Column::Id.eq(state.id))
        .filter(alert_states::Column::Firing.eq(state.firing));
    if holds {
        update = update.col_expr(alert_states::Column::LastTriggeredAt, Expr::value(Some(at)));
    }
    let changed = update.exec(db).await?.rows_affected == 1;
    Ok(changed.then_some(if holds {
        Transition::Triggered
    } else {
        Transition::Cleared
    }))
}

/// The subjects for which a rule's condition holds now.
pub async fn firing_subjects(
    db: &impl ConnectionTrait,
    rule_id: Uuid,
) -> Result<Vec<String>, DbErr> {
    Ok(alert_states::Entity::find()
        .filter(alert_states::Column::RuleId.eq(rule_id))
        .filter(alert_states::Column::Firing.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.subject)
        .collect())
}

// Alerts and deliveries

pub async fn insert_alert(
    db: &impl ConnectionTrait,
    alert: alerts::Model,
) -> Result<alerts::Model, DbErr> {
    alerts::ActiveModel::from(alert).insert(db).await
}

/// Records one delivery attempt.
pub async fn insert_attempt(
    db: &impl ConnectionTrait,
    alert_id: Uuid,
    channel_id: Uuid,
    attempt: i32,
    status: &str,
    http_status: Option<i32>,
    error: Option<String>,
) -> Result<alert_deliveries::Model, DbErr> {
    alert_deliveries::ActiveModel {
        id: Set(Uuid::new_v4()),
        alert_id: Set(alert_id),
        channel_id: Set(channel_id),
        attempt: Set(attempt),
        status: Set(status.to_string()),
        http_status: Set(http_status),
        error: Set(error),
        created_at: Set(now()),
    }
    .insert(db)
    .await
}

/// The user's latest alerts, newest first, each with its delivery attempts (oldest first).
pub async fn history(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    limit: u64,
) -> Result<Vec<(alerts::Model, Vec<alert_deliveries::Model>)>, DbErr> {
    let list = alerts::Entity::find()
        .filter(alerts::Column::UserId.eq(user_id))
        .order_by_desc(alerts::Column::CreatedAt)
        .order_by_desc(alerts::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = list.iter().map(|a| a.id).collect();
    let mut attempts = alert_deliveries::Entity::find()
        .filter(alert_deliveries::Column::AlertId.is_in(ids))
        .order_by_asc(alert_deliveries::Column::CreatedAt)
        .order_by_asc(alert_deliveries::Column::Attempt)
        .all(db)
        .await?;
    Ok(list
        .into_iter()
        .map(|a| {
            let mine: Vec<_> = attempts.extract_if(.., |d| d.alert_id == a.id).collect();
            (a, mine)
        })
        .collect())
}
