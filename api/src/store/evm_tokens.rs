//! The EVM token registry read by wallet syncs.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::evm_tokens;

/// A registry token, as stored.
pub use crate::entities::evm_tokens::Model as RegistryToken;

/// A token to add to a chain's registry.
pub struct NewToken {
    pub chain_id: Uuid,
    pub symbol: String,
    pub name: Option<String>,
    pub contract_address: String,
    pub decimals: i32,
    pub logo_url: Option<String>,
    pub asset_id: Option<Uuid>,
    pub is_active: bool,
}

/// What an update changes (`None`: kept).
#[derive(Default)]
pub struct TokenChanges {
    pub symbol: Option<String>,
    pub name: Option<Option<String>>,
    pub decimals: Option<i32>,
    pub logo_url: Option<String>,
    pub is_active: Option<bool>,
}

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

pub async fn insert(db: &impl ConnectionTrait, t: NewToken) -> Result<evm_tokens::Model, DbErr> {
    use sea_orm::{ActiveModelTrait, Set};
    let now = chrono::Utc::now();
    evm_tokens::ActiveModel {
        id: Set(Uuid::new_v4()),
        chain_id: Set(t.chain_id),
        symbol: Set(t.symbol),
        name: Set(t.name),
        contract_address: Set(t.contract_address),
        decimals: Set(t.decimals),
        logo_url: Set(t.logo_url),
        asset_id: Set(t.asset_id),
        is_active: Set(t.is_active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn update(
    db: &impl ConnectionTrait,
    t: evm_tokens::Model,
    c: TokenChanges,
) -> Result<evm_tokens::Model, DbErr> {
    use sea_orm::{ActiveModelTrait, Set};
    let mut row: evm_tokens::ActiveModel = t.into();
    if let Some(v) = c.symbol {
        row.symbol = Set(v);
    }
    if let Some(v) = c.name {
        row.name = Set(v);
    }
    if let Some(v) = c.decimals {
        row.decimals = Set(v);
    }
    if let Some(v) = c.logo_url {
        row.logo_url = Set(Some(v));
    }
    if let Some(v) = c.is_active {
        row.is_active = Set(v);
    }
    row.updated_at = Set(chrono::Utc::now());
    row.update(db).await
}

pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(evm_tokens::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        > 0)
}
