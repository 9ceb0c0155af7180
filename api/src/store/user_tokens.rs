//! Tokens users added to their wallet accounts by contract address.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::entities::user_tokens;

/// The account's added tokens, by chain then address.
pub async fn list_for_account(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Vec<user_tokens::Model>, DbErr> {
    user_tokens::Entity::find()
        .filter(user_tokens::Column::AccountId.eq(account_id))
        .order_by_asc(user_tokens::Column::Chain)
        .order_by_asc(user_tokens::Column::ContractAddress)
        .all(db)
        .await
}

/// Added tokens of these accounts on one chain.
pub async fn for_accounts_on_chain(
    db: &impl ConnectionTrait,
    account_ids: &[Uuid],
    chain: &str,
) -> Result<Vec<user_tokens::Model>, DbErr> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    user_tokens::Entity::find()
        .filter(user_tokens::Column::AccountId.is_in(account_ids.iter().copied()))
        .filter(user_tokens::Column::Chain.eq(chain))
        .order_by_asc(user_tokens::Column::ContractAddress)
        .all(db)
        .await
}

/// Stores an added token; a token the account already has on that chain is a unique
/// violation (the handler answers 409).
pub async fn insert(
    db: &impl ConnectionTrait,
    row: user_tokens::ActiveModel,
) -> Result<user_tokens::Model, DbErr> {
    row.insert(db).await
}

/// Deletes one of the account's added tokens; `false` when the account has no such token.
pub async fn delete(db: &impl ConnectionTrait, account_id: Uuid, id: Uuid) -> Result<bool, DbErr> {
    Ok(user_tokens::Entity::delete_many()
        .filter(user_tokens::Column::AccountId.eq(account_id))
        .filter(user_tokens::Column::Id.eq(id))
        .exec(db)
        .await?
        .rows_affected
        > 0)
}
