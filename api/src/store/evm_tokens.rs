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
