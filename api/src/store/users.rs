//! Users, created on the first request of a new `sub` and kept current from its claims.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use crate::entities::users;

/// Returns the user of `sub`, creating it if new (exactly one row even under concurrent first
/// requests) and updating email and username when the identity provider changed them.
pub async fn upsert_identity(
    db: &impl ConnectionTrait,
    sub: &str,
    email: Option<&str>,
    username: Option<&str>,
) -> Result<users::Model, DbErr> {
    let existing = find_by_subject(db, sub).await?;
    let user = match existing {
        Some(u) => u,
        None => {
            let now = Utc::now();
            let insert = users::Entity::insert(users::ActiveModel {
                id: Set(Uuid::new_v4()),
                keycloak_user_id: Set(sub.to_string()),
                email: Set(email.map(str::to_string)),
                preferred_username: Set(username.map(str::to_string)),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(users::Column::KeycloakUserId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await;
            match insert {
                Ok(_) | Err(DbErr::RecordNotInserted) => {}
                Err(e) => return Err(e),
            }
            find_by_subject(db, sub)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(format!("user {sub}")))?
        }
    };
    if user.email.as_deref() == email && user.preferred_username.as_deref() == username {
        return Ok(user);
    }
    let mut am: users::ActiveModel = user.into();
    am.email = Set(email.map(str::to_string));
    am.preferred_username = Set(username.map(str::to_string));
    am.updated_at = Set(Utc::now());
    am.update(db).await
}

pub async fn find_by_subject(
    db: &impl ConnectionTrait,
    sub: &str,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::KeycloakUserId.eq(sub))
        .one(db)
        .await
}
