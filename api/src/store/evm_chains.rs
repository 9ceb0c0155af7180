//! The EVM chain registry.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::entities::evm_chains;

/// A chain of the registry, as stored.
pub use crate::entities::evm_chains::Model as Chain;

/// The values of a new chain, already validated.
pub struct NewChain {
    pub chain_name: String,
    pub chain_id: i64,
    pub display_name: String,
    pub rpc_url: String,
    pub native_symbol: String,
    pub native_decimals: i32,
    pub native_asset_id: Option<Uuid>,
    pub is_active: bool,
    pub defi: DefiAddresses,
}

/// A chain's DeFi protocol addresses (lowercase), each `None` when not configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefiAddresses {
    pub aave_v3_addresses_provider: Option<String>,
    pub uniswap_v3_position_manager: Option<String>,
    pub uniswap_v3_factory: Option<String>,
}

/// Changes to a chain; `None` keeps the stored value.
#[derive(Default)]
pub struct ChainChanges {
    pub display_name: Option<String>,
    pub rpc_url: Option<String>,
    pub native_symbol: Option<String>,
    pub native_decimals: Option<i32>,
    pub native_asset_id: Option<Uuid>,
    pub is_active: Option<bool>,
    /// `Some(None)` clears an address, `None` keeps it.
    pub aave_v3_addresses_provider: Option<Option<String>>,
    pub uniswap_v3_position_manager: Option<Option<String>>,
    pub uniswap_v3_factory: Option<Option<String>>,
}

/// Chains ordered by EVM chain id; `active` filters on the active flag when given.
pub async fn list(
    db: &impl ConnectionTrait,
    active: Option<bool>,
) -> Result<Vec<evm_chains::Model>, DbErr> {
    let mut q = evm_chains::Entity::find().order_by_asc(evm_chains::Column::ChainId);
    if let Some(a) = active {
        q = q.filter(evm_chains::Column::IsActive.eq(a));
    }
    q.all(db).await
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<evm_chains::Model>, DbErr> {
    evm_chains::Entity::find_by_id(id).one(db).await
}

/// Whether another chain already uses this name or EVM chain id.
pub async fn clash(
    db: &impl ConnectionTrait,
    chain_name: &str,
    chain_id: i64,
) -> Result<Option<&'static str>, DbErr> {
    let found = evm_chains::Entity::find()
        .filter(
            evm_chains::Column::ChainName
                .eq(chain_name)
                .or(evm_chains::Column::ChainId.eq(chain_id)),
        )
        .one(db)
        .await?;
    Ok(found.map(|c| {
        if c.chain_id == chain_id {
            "chain_id"
        } else {
            "chain_name"
        }
    }))
}

/// Another chain (not `except`) whose RPC URL names the same endpoint as `rpc_url`.
pub async fn on_same_rpc(
    db: &impl ConnectionTrait,
    rpc_url: &str,
    except: Option<Uuid>,
) -> Result<Option<evm_chains::Model>, DbErr> {
    let wanted = crate::domain::chains::rpc_identity(rpc_url);
    Ok(list(db, None).await?.into_iter().find(|c| {
        Some(c.id) != except && crate::domain::chains::rpc_identity(&c.rpc_url) == wanted
    }))
}

pub async fn insert(db: &impl ConnectionTrait, new: NewChain) -> Result<evm_chains::Model, DbErr> {
    let now = Utc::now();
    evm_chains::ActiveModel {
        id: Set(Uuid::new_v4()),
        chain_name: Set(new.chain_name),
        chain_id: Set(new.chain_id),
        display_name: Set(new.display_name),
        rpc_url: Set(new.rpc_url),
        native_symbol: Set(new.native_symbol),
        native_decimals: Set(new.native_decimals),
        native_asset_id: Set(new.native_asset_id),
        multicall3_address: Set(None),
        aave_v3_addresses_provider: Set(new.defi.aave_v3_addresses_provider),
        uniswap_v3_position_manager: Set(new.defi.uniswap_v3_position_manager),
        uniswap_v3_factory: Set(new.defi.uniswap_v3_factory),
        is_active: Set(new.is_active),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

pub async fn update(
    db: &impl ConnectionTrait,
    chain: evm_chains::Model,
    changes: ChainChanges,
) -> Result<evm_chains::Model, DbErr> {
    let mut am: evm_chains::ActiveModel = chain.into();
    if let Some(v) = changes.display_name {
        am.display_name = Set(v);
    }
    if let Some(v) = changes.rpc_url {
        am.rpc_url = Set(v);
    }
    if let Some(v) = changes.native_symbol {
        am.native_symbol = Set(v);
    }
    if let Some(v) = changes.native_decimals {
        am.native_decimals = Set(v);
    }
    if let Some(v) = changes.native_asset_id {
        am.native_asset_id = Set(Some(v));
    }
    if let Some(v) = changes.is_active {
        am.is_active = Set(v);
    }
    if let Some(v) = changes.aave_v3_addresses_provider {
        am.aave_v3_addresses_provider = Set(v);
    }
    if let Some(v) = changes.uniswap_v3_position_manager {
        am.uniswap_v3_position_manager = Set(v);
    }
    if let Some(v) = changes.uniswap_v3_factory {
        am.uniswap_v3_factory = Set(v);
    }
    am.updated_at = Set(Utc::now());
    am.update(db).await
}

/// Deletes a chain (and, by cascade, its tokens); false when it did not exist.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    let r = evm_chains::Entity::delete_by_id(id).exec(db).await?;
    Ok(r.rows_affected > 0)
}

/// Sets a chain's native asset.
pub async fn set_native_asset(
    db: &impl ConnectionTrait,
    chain: Uuid,
    asset_id: Uuid,
) -> Result<(), DbErr> {
    evm_chains::ActiveModel {
        id: Set(chain),
        native_asset_id: Set(Some(asset_id)),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}
