//! The EVM token registry read by wallet syncs.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::evm_tokens;

/// Active tokens of a chain (its `evm_chains` row id), by address.
pub async fn active_for_chain(
    db: &impl ConnectionTrait,
    chain_id: Uuid,
) -> Result<Vec<evm_tokens::Model>, DbErr> {
    evm_tokens::Entity::find()
        .filter(evm_tokens::Column::ChainId.eq(chain_id))
        .filter(evm_tokens::Column::IsActive.eq(true))
        .order_by_asc(evm_tokens::Column::ContractAddress)
        .all(db)
        .await
}

/// Tokens, optionally of one chain, by chain then symbol.
pub async fn list(
    db: &impl ConnectionTrait,
    chain_id: Option<Uuid>,
) -> Result<Vec<evm_tokens::Model>, DbErr> {
    let mut q = evm_tokens::Entity::find()
        .order_by_asc(evm_tokens::Column::ChainId)
        .order_by_asc(evm_tokens::Column::Symbol)
        .order_by_asc(evm_tokens::Column::ContractAddress);
    if let Some(c) = chain_id {
        q = q.filter(evm_tokens::Column::ChainId.eq(c));
    }
    q.all(db).await
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<evm_tokens::Model>, DbErr> {
    evm_tokens::Entity::find_by_id(id).one(db).await
}

/// Whether the chain already lists this (lowercase) address.
pub async fn exists(
    db: &impl ConnectionTrait,
    chain_id: Uuid,
    address: &str,
) -> Result<bool, DbErr> {
    Ok(evm_tokens::Entity::find()
        .filter(evm_tokens::Column::ChainId.eq(chain_id))
        .filter(evm_tokens::Column::ContractAddress.eq(address))
        .one(db)
        .await?
        .is_some())
}

pub async fn save(
    db: &impl ConnectionTrait,
    row: evm_tokens::ActiveModel,
    new: bool,
) -> Result<evm_tokens::Model, DbErr> {
    use sea_orm::ActiveModelTrait;
    if new {
        row.insert(db).await
    } else {
        row.update(db).await
    }
}

pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(evm_tokens::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        > 0)
}
