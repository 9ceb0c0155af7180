//! Ledger entries, their edit history and each user's cost-basis settings.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::domain::cost_basis::{Method, Pooling};
use crate::domain::ledger::{Asset, Entry, Kind, Side};
use crate::entities::{
    ledger_cursors, ledger_entries, ledger_revisions, ledger_settings, DbDecimal,
};

pub use ledger_entries::Model as Stored;

/// One side of an entry as stored: the catalog asset (none for US dollars), its symbol, the
/// quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSide {
    pub asset_id: Option<Uuid>,
    pub symbol: String,
    pub quantity: Decimal,
}

impl StoredSide {
    pub fn domain(&self) -> Side {
        Side {
            asset: self.asset_id.map_or(Asset::Usd, Asset::Listed),
            quantity: self.quantity,
        }
    }
}

/// A new entry, ready to store.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub account_id: Uuid,
    pub kind: Kind,
    pub occurred_at: DateTime<Utc>,
    pub sent: Option<StoredSide>,
    pub received: Option<StoredSide>,
    pub fee: Option<StoredSide>,
    pub value_usd: Option<Decimal>,
    pub fee_value_usd: Option<Decimal>,
    pub income_kind: Option<String>,
    pub transfer_id: Option<Uuid>,
    pub source: String,
    pub external_id: String,
    pub note: Option<String>,
}

fn side_of(
    asset: Option<Uuid>,
    symbol: &Option<String>,
    q: &Option<DbDecimal>,
) -> Option<StoredSide> {
    Some(StoredSide {
        asset_id: asset,
        symbol: symbol.clone()?,
        quantity: q.as_ref()?.0,
    })
}

/// The sides of a stored entry: sent, received, fee.
pub fn sides(m: &Stored) -> [Option<StoredSide>; 3] {
    [
        side_of(m.sent_asset_id, &m.sent_symbol, &m.sent_quantity),
        side_of(
            m.received_asset_id,
            &m.received_symbol,
            &m.received_quantity,
        ),
        side_of(m.fee_asset_id, &m.fee_symbol, &m.fee_quantity),
    ]
}

/// A stored entry as the domain reads it.
pub fn to_domain(m: &Stored) -> Entry {
    let [sent, received, fee] = sides(m);
    Entry {
        id: m.id,
        account: m.account_id,
        at: m.occurred_at,
        kind: Kind::parse(&m.kind).unwrap_or(Kind::Trade),
        sent: sent.map(|s| s.domain()),
        received: received.map(|s| s.domain()),
        fee: fee.map(|s| s.domain()),
        value_usd: m.value_usd.map(|v| v.0),
        fee_value_usd: m.fee_value_usd.map(|v| v.0),
        income_kind: m.income_kind.clone(),
        transfer: m.transfer_id,
    }
}

/// A side's three columns: asset id, symbol, quantity.
type SideColumns = (
    sea_orm::ActiveValue<Option<Uuid>>,
    sea_orm::ActiveValue<Option<String>>,
    sea_orm::ActiveValue<Option<DbDecimal>>,
);

fn set_side(side: &Option<StoredSide>) -> SideColumns {
    (
        Set(side.as_ref().and_then(|s| s.asset_id)),
        Set(side.as_ref().map(|s| s.symbol.clone())),
        Set(side.as_ref().map(|s| DbDecimal(s.quantity.normalize()))),
    )
}

/// The row for `e`, owned by `user`.
pub fn row(user: Uuid, e: &NewEntry, id: Uuid, now: DateTime<Utc>) -> ledger_entries::ActiveModel {
    let (sa, ss, sq) = set_side(&e.sent);
    let (ra, rs, rq) = set_side(&e.received);
    let (fa, fs, fq) = set_side(&e.fee);
    ledger_entries::ActiveModel {
        id: Set(id),
        user_id: Set(user),
        account_id: Set(e.account_id),
        kind: Set(e.kind.as_str().to_string()),
        occurred_at: Set(e.occurred_at),
        sent_asset_id: sa,
        sent_symbol: ss,
        sent_quantity: sq,
        received_asset_id: ra,
        received_symbol: rs,
        received_quantity: rq,
        fee_asset_id: fa,
        fee_symbol: fs,
        fee_quantity: fq,
        value_usd: Set(e.value_usd.map(|v| DbDecimal(v.normalize()))),
        fee_value_usd: Set(e.fee_value_usd.map(|v| DbDecimal(v.normalize()))),
        income_kind: Set(e.income_kind.clone()),
        transfer_id: Set(e.transfer_id),
        source: Set(e.source.clone()),
        external_id: Set(e.external_id.clone()),
        note: Set(e.note.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn revision(
    entry: &Stored,
    action: &str,
    before: Option<&Stored>,
    at: DateTime<Utc>,
) -> ledger_revisions::ActiveModel {
    ledger_revisions::ActiveModel {
        id: Set(Uuid::new_v4()),
        entry_id: Set(entry.id),
        account_id: Set(entry.account_id),
        action: Set(action.to_string()),
        before: Set(before.map(snapshot)),
        at: Set(at),
    }
}

/// An entry as its history keeps it.
pub fn snapshot(m: &Stored) -> serde_json::Value {
    let side = |s: Option<StoredSide>| {
        s.map(|s| serde_json::json!({"asset_id": s.asset_id, "symbol": s.symbol, "quantity": s.quantity.to_string()}))
    };
    let [sent, received, fee] = sides(m);
    serde_json::json!({
        "kind": m.kind,
        "occurred_at": m.occurred_at,
        "sent": side(sent),
        "received": side(received),
        "fee": side(fee),
        "value_usd": m.value_usd.map(|v| v.0.to_string()),
        "fee_value_usd": m.fee_value_usd.map(|v| v.0.to_string()),
        "income_kind": m.income_kind,
        "note": m.note,
    })
}

/// Stores entries typed by hand (with a `created` revision each).
pub async fn insert(
    db: &impl ConnectionTrait,
    user: Uuid,
    entries: &[NewEntry],
    now: DateTime<Utc>,
) -> Result<Vec<Stored>, DbErr> {
    let mut out = Vec::new();
    for e in entries {
        let stored = row(user, e, Uuid::new_v4(), now).insert(db).await?;
        revision(&stored, "created", None, now).insert(db).await?;
        out.push(stored);
    }
    Ok(out)
}

/// Stores imported entries, skipping any whose `(account, source, external id)` is stored
/// already (a second import of the same file, or two imports at once): how many were added.
pub async fn insert_imported(
    db: &impl ConnectionTrait,
    user: Uuid,
    entries: &[NewEntry],
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut added = 0;
    // 23 columns a row: PostgreSQL and SQLite take at most 32,766 parameters a statement.
    for chunk in entries.chunks(1000) {
        let rows = chunk.iter().map(|e| row(user, e, Uuid::new_v4(), now));
        let result = ledger_entries::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    ledger_entries::Column::AccountId,
                    ledger_entries::Column::Source,
                    ledger_entries::Column::ExternalId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await;
        match result {
            Ok(n) => added += n,
            Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(added)
}

/// Which of `ids` an account already has from `source`.
pub async fn existing_external_ids(
    db: &impl ConnectionTrait,
    account: Uuid,
    source: &str,
    ids: &[String],
) -> Result<HashSet<String>, DbErr> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(500) {
        let found: Vec<String> = ledger_entries::Entity::find()
            .select_only()
            .column(ledger_entries::Column::ExternalId)
            .filter(ledger_entries::Column::AccountId.eq(account))
            .filter(ledger_entries::Column::Source.eq(source))
            .filter(ledger_entries::Column::ExternalId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(found);
    }
    Ok(out)
}

/// A user's entries, oldest first.
pub async fn all_for_user(db: &impl ConnectionTrait, user: Uuid) -> Result<Vec<Stored>, DbErr> {
    ledger_entries::Entity::find()
        .filter(ledger_entries::Column::UserId.eq(user))
        .order_by_asc(ledger_entries::Column::OccurredAt)
        .order_by_asc(ledger_entries::Column::Id)
        .all(db)
        .await
}

/// What a list asks for.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub account_id: Option<Uuid>,
    pub kind: Option<Kind>,
    pub asset_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A page of a user's entries, newest first, and how many match.
pub async fn page(
    db: &impl ConnectionTrait,
    user: Uuid,
    f: &Filter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<Stored>, u64), DbErr> {
    use ledger_entries::Column as C;
    let mut q = ledger_entries::Entity::find().filter(C::UserId.eq(user));
    if let Some(a) = f.account_id {
        q = q.filter(C::AccountId.eq(a));
    }
    if let Some(k) = f.kind {
        q = q.filter(C::Kind.eq(k.as_str()));
    }
    if let Some(asset) = f.asset_id {
        q = q.filter(
            sea_orm::Condition::any()
                .add(C::SentAssetId.eq(asset))
                .add(C::ReceivedAssetId.eq(asset))
                .add(C::FeeAssetId.eq(asset)),
        );
    }
    if let Some(from) = f.from {
        q = q.filter(C::OccurredAt.gte(from));
    }
    if let Some(to) = f.to {
        q = q.filter(C::OccurredAt.lt(to));
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(C::OccurredAt)
        .order_by_desc(C::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// One entry of this user.
pub async fn get_for_user(
    db: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
) -> Result<Option<Stored>, DbErr> {
    ledger_entries::Entity::find_by_id(id)
        .filter(ledger_entries::Column::UserId.eq(user))
        .one(db)
        .await
}

/// Both halves of a transfer.
pub async fn transfer_halves(
    db: &impl ConnectionTrait,
    transfer: Uuid,
) -> Result<Vec<Stored>, DbErr> {
    ledger_entries::Entity::find()
        .filter(ledger_entries::Column::TransferId.eq(transfer))
        .all(db)
        .await
}

/// Replaces an entry's fields with `e`'s (its id, source and external id stay), keeping the
/// old version in its history.
pub async fn update(
    db: &impl ConnectionTrait,
    old: &Stored,
    e: &NewEntry,
    now: DateTime<Utc>,
) -> Result<Stored, DbErr> {
    let mut m = row(old.user_id, e, old.id, now);
    m.source = Set(old.source.clone());
    m.external_id = Set(old.external_id.clone());
    m.created_at = Set(old.created_at);
    m.transfer_id = Set(old.transfer_id);
    let updated = m.update(db).await?;
    revision(&updated, "edited", Some(old), now)
        .insert(db)
        .await?;
    Ok(updated)
}

/// Deletes entries, keeping each one's last version in its history.
pub async fn delete(
    db: &impl ConnectionTrait,
    entries: &[Stored],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for e in entries {
        revision(e, "deleted", Some(e), now).insert(db).await?;
        ledger_entries::Entity::delete_by_id(e.id).exec(db).await?;
    }
    Ok(())
}

/// An entry's history, newest first.
pub async fn revisions(
    db: &impl ConnectionTrait,
    entry: Uuid,
) -> Result<Vec<ledger_revisions::Model>, DbErr> {
    ledger_revisions::Entity::find()
        .filter(ledger_revisions::Column::EntryId.eq(entry))
        .order_by_desc(ledger_revisions::Column::At)
        .order_by_desc(ledger_revisions::Column::Id)
        .all(db)
        .await
}

/// A user's method and pooling: FIFO and per-account pools unless they chose otherwise.
pub async fn settings(db: &impl ConnectionTrait, user: Uuid) -> Result<(Method, Pooling), DbErr> {
    let row = ledger_settings::Entity::find_by_id(user).one(db).await?;
    Ok(match row {
        Some(r) => (
            parse(&r.method).unwrap_or(Method::Fifo),
            parse(&r.pooling).unwrap_or(Pooling::PerAccount),
        ),
        None => (Method::Fifo, Pooling::PerAccount),
    })
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

fn name<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Saves a user's method and pooling.
pub async fn save_settings(
    db: &impl ConnectionTrait,
    user: Uuid,
    method: Method,
    pooling: Pooling,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = ledger_settings::ActiveModel {
        user_id: Set(user),
        method: Set(name(method)),
        pooling: Set(name(pooling)),
        updated_at: Set(now),
    };
    ledger_settings::Entity::insert(row)
        .on_conflict(
            OnConflict::column(ledger_settings::Column::UserId)
                .update_columns([
                    ledger_settings::Column::Method,
                    ledger_settings::Column::Pooling,
                    ledger_settings::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// An account's history cursors, by kind.
pub async fn cursors(
    db: &impl ConnectionTrait,
    account: Uuid,
) -> Result<std::collections::BTreeMap<String, String>, DbErr> {
    Ok(ledger_cursors::Entity::find()
        .filter(ledger_cursors::Column::AccountId.eq(account))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.kind, c.cursor))
        .collect())
}

/// Stores an account's cursor of one kind.
pub async fn save_cursor(
    db: &impl ConnectionTrait,
    account: Uuid,
    kind: &str,
    cursor: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = ledger_cursors::ActiveModel {
        account_id: Set(account),
        kind: Set(kind.to_string()),
        cursor: Set(cursor.to_string()),
        updated_at: Set(now),
    };
    ledger_cursors::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                ledger_cursors::Column::AccountId,
                ledger_cursors::Column::Kind,
            ])
            .update_columns([
                ledger_cursors::Column::Cursor,
                ledger_cursors::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
