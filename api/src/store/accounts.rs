//! Exchange accounts and wallets, always scoped to their owner.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, SqlErr,
};
use uuid::Uuid;

use crate::entities::accounts;

/// A stored account (credentials encrypted; never answered as it is).
pub use crate::entities::accounts::Model as Account;

/// The user's accounts, oldest first.
pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<accounts::Model>, DbErr> {
    accounts::Entity::find()
        .filter(accounts::Column::UserId.eq(user_id))
        .order_by_asc(accounts::Column::CreatedAt)
        .order_by_asc(accounts::Column::Id)
        .all(db)
        .await
}

/// The account if it belongs to the user; another user's account is `None`, as if absent.
pub async fn get_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<accounts::Model>, DbErr> {
    accounts::Entity::find_by_id(id)
        .filter(accounts::Column::UserId.eq(user_id))
        .one(db)
        .await
}

/// Every active account of every user (for the sync job).
pub async fn list_active(db: &impl ConnectionTrait) -> Result<Vec<accounts::Model>, DbErr> {
    accounts::Entity::find()
        .filter(accounts::Column::IsActive.eq(true))
        .order_by_asc(accounts::Column::Id)
        .all(db)
        .await
}

/// Which one-per-user rule an insert or update broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicate {
    /// `(user_id, wallet_address)`.
    Wallet,
    /// `(user_id, exchange_name, exchange_uid)`.
    ExchangeAccount,
}

/// The rule a unique violation broke, from the index name (PostgreSQL) or the columns
/// (SQLite) in the database's message.
pub fn duplicate_of(e: &DbErr) -> Option<Duplicate> {
    let Some(SqlErr::UniqueConstraintViolation(msg)) = e.sql_err() else {
        return None;
    };
    if msg.contains(migration::UNIQUE_WALLET_INDEX) || msg.contains("accounts.wallet_address") {
        Some(Duplicate::Wallet)
    } else if msg.contains(migration::UNIQUE_EXCHANGE_UID_INDEX)
        || msg.contains("accounts.exchange_uid")
    {
        Some(Duplicate::ExchangeAccount)
    } else {
        None
    }
}

/// The user's account with this (lowercase) wallet address.
pub async fn find_wallet(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    address: &str,
) -> Result<Option<accounts::Model>, DbErr> {
    accounts::Entity::find()
        .filter(accounts::Column::UserId.eq(user_id))
        .filter(accounts::Column::WalletAddress.eq(address))
        .one(db)
        .await
}

/// The user's account on this exchange whose key belongs to the exchange account `uid`.
pub async fn find_exchange_account(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    exchange: &str,
    uid: &str,
) -> Result<Option<accounts::Model>, DbErr> {
    accounts::Entity::find()
        .filter(accounts::Column::UserId.eq(user_id))
        .filter(accounts::Column::ExchangeName.eq(exchange))
        .filter(accounts::Column::ExchangeUid.eq(uid))
        .one(db)
        .await
}

/// Fills in the exchange uid of an account made before uids were stored; a violation of the
/// unique index (another account of the user is the same exchange account) is the caller's.
pub async fn set_exchange_uid(db: &impl ConnectionTrait, id: Uuid, uid: &str) -> Result<(), DbErr> {
    accounts::Entity::update_many()
        .col_expr(accounts::Column::ExchangeUid, Expr::value(uid))
        .filter(accounts::Column::Id.eq(id))
        .filter(accounts::Column::ExchangeUid.is_null())
        .exec(db)
        .await
        .map(|_| ())
}

/// An account's writable fields. On create, `None` leaves a column empty; on change, it keeps
/// the stored value.
#[derive(Debug, Clone, Default)]
pub struct AccountFields {
    pub name: Option<String>,
    pub exchange_name: Option<String>,
    pub wallet_address: Option<String>,
    pub chain_family: Option<String>,
    pub enabled_chains: Option<Vec<String>>,
    pub permission_warning: Option<Option<String>>,
    pub exchange_uid: Option<String>,
    pub is_active: Option<bool>,
    /// Encrypted credentials and the key's masked hint.
    pub credentials: Option<(super::credentials::EncryptedCredentials, String)>,
}

impl AccountFields {
    fn apply(self, am: &mut accounts::ActiveModel) {
        if let Some(v) = self.name {
            am.name = Set(v);
        }
        if let Some(v) = self.exchange_name {
            am.exchange_name = Set(Some(v));
        }
        if let Some(v) = self.wallet_address {
            am.wallet_address = Set(Some(v));
        }
        if let Some(v) = self.chain_family {
            am.chain_family = Set(Some(v));
        }
        if let Some(v) = self.enabled_chains {
            am.enabled_chains = Set(Some(serde_json::json!(v)));
        }
        if let Some(v) = self.permission_warning {
            am.permission_warning = Set(v);
        }
        if let Some(v) = self.exchange_uid {
            am.exchange_uid = Set(Some(v));
        }
        if let Some(v) = self.is_active {
            am.is_active = Set(v);
        }
        if let Some((sealed, hint)) = self.credentials {
            sealed.apply(am);
            am.api_key_hint = Set(Some(hint));
        }
    }
}

/// Creates an account (`account_type`: `exchange`, `wallet` or `manual`); the unique indexes
/// refuse a second row for one wallet or exchange account ([`duplicate_of`]).
pub async fn create(
    db: &impl ConnectionTrait,
    id: Uuid,
    user_id: Uuid,
    account_type: &str,
    fields: AccountFields,
) -> Result<accounts::Model, DbErr> {
    let now = Utc::now();
    let mut am = accounts::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        name: Set(String::new()),
        account_type: Set(account_type.to_string()),
        exchange_name: Set(None),
        api_key_encrypted: Set(None),
        api_secret_encrypted: Set(None),
        passphrase_encrypted: Set(None),
        encryption_key_version: Set(None),
        api_key_hint: Set(None),
        wallet_address: Set(None),
        enabled_chains: Set(None),
        holdings: Set(None),
        last_synced_at: Set(None),
        last_sync_started_at: Set(None),
        last_sync_status: Set(None),
        last_sync_error: Set(None),
        permission_warning: Set(None),
        location_syncs: Set(None),
        exchange_uid: Set(None),
        chain_family: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    };
    fields.apply(&mut am);
    am.insert(db).await
}

/// Changes an account's fields.
pub async fn change(
    db: &impl ConnectionTrait,
    id: Uuid,
    fields: AccountFields,
) -> Result<accounts::Model, DbErr> {
    let mut am = accounts::ActiveModel {
        id: Set(id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    fields.apply(&mut am);
    am.update(db).await
}

/// Deletes the user's account (its credentials go with the row); false when not theirs.
pub async fn delete_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let r = accounts::Entity::delete_many()
        .filter(accounts::Column::Id.eq(id))
        .filter(accounts::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

pub async fn mark_sync_started(
    db: &impl ConnectionTrait,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    accounts::Entity::update_many()
        .col_expr(accounts::Column::LastSyncStartedAt, Expr::value(at))
        .filter(accounts::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// The outcome of a sync. `None` keeps the stored value (holdings, `last_synced_at`, locations).
pub struct SyncRecord {
    pub status: &'static str,
    pub error: Option<String>,
    pub holdings: Option<Vec<crate::domain::holdings::Holding>>,
    /// The oldest location's last good read.
    pub synced_at: Option<DateTime<Utc>>,
    pub permission_warning: Option<Option<String>>,
    pub locations: Option<serde_json::Value>,
}

/// Stores a sync's outcome and, when given, replaces the account's holdings rows, in one
/// transaction (a failure leaves the previous holdings and status as they were).
pub async fn record_sync(
    db: &sea_orm::DatabaseConnection,
    id: Uuid,
    rec: SyncRecord,
) -> Result<accounts::Model, DbErr> {
    let tx = crate::db::begin_write(db).await?;
    let mut am = accounts::ActiveModel {
        id: Set(id),
        last_sync_status: Set(Some(rec.status.to_string())),
        last_sync_error: Set(rec.error),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    if let Some(list) = &rec.holdings {
        super::holdings::replace(&tx, id, list).await?;
        am.holdings = Set(None);
    }
    if let Some(at) = rec.synced_at {
        am.last_synced_at = Set(Some(at));
    }
    if let Some(w) = rec.permission_warning {
        am.permission_warning = Set(w);
    }
    if let Some(l) = rec.locations {
        am.location_syncs = Set(Some(l));
    }
    let stored = am.update(&tx).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Accounts by id (any owner: callers pass ids they got from the owner's links).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<accounts::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            accounts::Entity::find()
                .filter(accounts::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}
