//! Manual accounts' entries: append-only, the newest entry per asset is the holding.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::entities::{manual_entries, DbDecimal};

/// One edit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: Uuid,
    pub asset_id: Uuid,
    pub symbol: String,
    pub quantity: Decimal,
    pub note: Option<String>,
    pub entered_at: DateTime<Utc>,
}

impl From<manual_entries::Model> for Entry {
    fn from(m: manual_entries::Model) -> Self {
        Entry {
            id: m.id,
            asset_id: m.asset_id,
            symbol: m.symbol,
            quantity: m.quantity.0,
            note: m.note,
            entered_at: m.entered_at,
        }
    }
}

/// Appends an edit.
pub async fn append(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    asset_id: Uuid,
    symbol: &str,
    quantity: Decimal,
    note: Option<String>,
    at: DateTime<Utc>,
) -> Result<Entry, DbErr> {
    let row = manual_entries::ActiveModel {
        id: Set(Uuid::new_v4()),
        account_id: Set(account_id),
        asset_id: Set(asset_id),
        symbol: Set(symbol.to_string()),
        quantity: Set(DbDecimal(quantity)),
        note: Set(note),
        entered_at: Set(at),
    };
    Ok(row.insert(db).await?.into())
}

/// Every edit of an account, newest first.
pub async fn history(db: &impl ConnectionTrait, account_id: Uuid) -> Result<Vec<Entry>, DbErr> {
    Ok(manual_entries::Entity::find()
        .filter(manual_entries::Column::AccountId.eq(account_id))
        .order_by_desc(manual_entries::Column::EnteredAt)
        .order_by_desc(manual_entries::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Entry::from)
        .collect())
}

/// The current holdings: the newest edit per asset, without those set to zero, oldest asset
/// first (a stable order for the account page).
pub async fn current(db: &impl ConnectionTrait, account_id: Uuid) -> Result<Vec<Entry>, DbErr> {
    let mut newest: HashMap<Uuid, Entry> = HashMap::new();
    let mut order: Vec<Uuid> = Vec::new();
    let mut all = history(db, account_id).await?;
    all.reverse();
    for e in all {
        if !newest.contains_key(&e.asset_id) {
            order.push(e.asset_id);
        }
        newest.insert(e.asset_id, e);
    }
    Ok(order
        .into_iter()
        .filter_map(|id| newest.remove(&id))
        .filter(|e| !e.quantity.is_zero())
        .collect())
}
