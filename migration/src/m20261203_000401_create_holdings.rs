//! `holdings`: one row per account × location × kind × asset, replacing the JSON list in
//! `accounts.holdings`, so queries (net worth by chain, one asset across accounts, daily
//! balances) can use them.
//!
//! Existing data is moved, never dropped: every entry of every readable `accounts.holdings`
//! document becomes a row (missing newer fields get their defaults: kind `spot`, no flags),
//! and the document is cleared. A document that cannot be read is left where it is, so the API
//! keeps refusing to advise on it (409 `stored_data_unreadable`) rather than showing nothing.
//! `down` writes the rows back into the JSON column in the old shape, then drops the table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, JsonValue, Statement};

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
pub enum Holdings {
    Table,
    Id,
    AccountId,
    Position,
    Location,
    Kind,
    Symbol,
    AssetId,
    Chain,
    ContractAddress,
    Quantity,
    QuantityText,
    RawAmount,
    Decimals,
    PriceUsd,
    ValueUsd,
    PriceSource,
    PriceAt,
    IsDust,
    IdentifiedBy,
    Flags,
    SyncedAt,
    Details,
}

/// The old document's fields, as the API wrote them (`domain::holdings::Holding`).
struct Entry {
    asset_id: Option<uuid::Uuid>,
    symbol: String,
    quantity: String,
    raw_amount: Option<String>,
    decimals: Option<i32>,
    location: String,
    chain: Option<String>,
    contract_address: Option<String>,
    price_usd: Option<String>,
    value_usd: Option<String>,
    price_source: Option<String>,
    price_at: Option<chrono::DateTime<chrono::Utc>>,
    is_dust: bool,
    identified_by: String,
    kind: String,
    flags: JsonValue,
    synced_at: Option<chrono::DateTime<chrono::Utc>>,
    quantity_text: Option<String>,
}

fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let mut parts = body.splitn(2, '.');
    let int = parts.next().unwrap_or_default();
    let frac = parts.next();
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// Reads one entry of an old document; `None` when it is not one the API could have written.
fn entry(v: &JsonValue) -> Option<Entry> {
    let o = v.as_object()?;
    let text = |k: &str| -> Option<String> {
        match o.get(k) {
            Some(JsonValue::String(s)) => Some(s.clone()),
            _ => None,
        }
    };
    let decimal = |k: &str| -> Result<Option<String>, ()> {
        match o.get(k) {
            None | Some(JsonValue::Null) => Ok(None),
            Some(JsonValue::String(s)) if is_decimal(s) => Ok(Some(s.clone())),
            Some(JsonValue::Number(n)) if is_decimal(&n.to_string()) => Ok(Some(n.to_string())),
            _ => Err(()),
        }
    };
    let time = |k: &str| -> Result<Option<chrono::DateTime<chrono::Utc>>, ()> {
        match o.get(k) {
            None | Some(JsonValue::Null) => Ok(None),
            Some(JsonValue::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| Some(t.with_timezone(&chrono::Utc)))
                .map_err(|_| ()),
            _ => Err(()),
        }
    };
    let asset_id = match o.get("asset_id") {
        None | Some(JsonValue::Null) => None,
        Some(JsonValue::String(s)) => Some(uuid::Uuid::parse_str(s).ok()?),
        _ => return None,
    };
    let raw_amount = text("raw_amount");
    if raw_amount
        .as_deref()
        .is_some_and(|r| r.is_empty() || !r.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let flags = match o.get("flags") {
        None | Some(JsonValue::Null) => JsonValue::Array(Vec::new()),
        Some(JsonValue::Array(a)) if a.iter().all(JsonValue::is_string) => {
            JsonValue::Array(a.clone())
        }
        _ => return None,
    };
    Some(Entry {
        asset_id,
        symbol: text("symbol")?,
        quantity: decimal("quantity").ok()??,
        raw_amount,
        decimals: match o.get("decimals") {
            None | Some(JsonValue::Null) => None,
            Some(v) => Some(<i32 as TryFrom<u64>>::try_from(v.as_u64()?).ok()?),
        },
        location: text("location")?,
        chain: text("chain"),
        contract_address: text("contract_address"),
        price_usd: decimal("price_usd").ok()?,
        value_usd: decimal("value_usd").ok()?,
        price_source: text("price_source"),
        price_at: time("price_at").ok()?,
        is_dust: o
            .get("is_dust")
            .and_then(JsonValue::as_bool)
            .unwrap_or(false),
        identified_by: text("identified_by").unwrap_or_else(|| "unknown".to_string()),
        kind: text("kind").unwrap_or_else(|| "spot".to_string()),
        flags,
        synced_at: time("synced_at").ok()?,
        quantity_text: text("quantity_text"),
    })
}

/// Every entry of a document, or `None` when any entry cannot be read (the whole document is
/// then left in place).
fn entries(doc: &JsonValue) -> Option<Vec<Entry>> {
    doc.as_array()?.iter().map(entry).collect()
}

fn insert_row(account: uuid::Uuid, position: i32, e: Entry) -> InsertStatement {
    Query::insert()
        .into_table(Holdings::Table)
        .columns([
            Holdings::Id,
            Holdings::AccountId,
            Holdings::Position,
            Holdings::Location,
            Holdings::Kind,
            Holdings::Symbol,
            Holdings::AssetId,
            Holdings::Chain,
            Holdings::ContractAddress,
            Holdings::Quantity,
            Holdings::QuantityText,
            Holdings::RawAmount,
            Holdings::Decimals,
            Holdings::PriceUsd,
            Holdings::ValueUsd,
            Holdings::PriceSource,
            Holdings::PriceAt,
            Holdings::IsDust,
            Holdings::IdentifiedBy,
            Holdings::Flags,
            Holdings::SyncedAt,
        ])
        .values_panic([
            uuid::Uuid::new_v4().into(),
            account.into(),
            position.into(),
            e.location.into(),
            e.kind.into(),
            e.symbol.into(),
            e.asset_id.into(),
            e.chain.into(),
            e.contract_address.into(),
            e.quantity.into(),
            e.quantity_text.into(),
            e.raw_amount.into(),
            e.decimals.into(),
            e.price_usd.into(),
            e.value_usd.into(),
            e.price_source.into(),
            e.price_at.into(),
            e.is_dust.into(),
            e.identified_by.into(),
            e.flags.into(),
            e.synced_at.into(),
        ])
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        manager
            .create_table(
                Table::create()
                    .table(Holdings::Table)
                    .col(uuid_col(Holdings::Id))
                    .primary_key(&mut pk(Holdings::Table, Holdings::Id))
                    .col(uuid_col(Holdings::AccountId))
                    .col(integer(Holdings::Position))
                    .col(text(Holdings::Location))
                    .col(text(Holdings::Kind))
                    .col(text(Holdings::Symbol))
                    .col(uuid_null(Holdings::AssetId))
                    .col(text_null(Holdings::Chain))
                    .col(text_null(Holdings::ContractAddress))
                    .col(decimal_text(
                        backend,
                        Holdings::Table,
                        Holdings::Quantity,
                        false,
                    ))
                    .col(text_null(Holdings::QuantityText))
                    .col(raw_integer_text(
                        backend,
                        Holdings::Table,
                        Holdings::RawAmount,
                        true,
                    ))
                    .col(integer_null(Holdings::Decimals))
                    .col(decimal_text(
                        backend,
                        Holdings::Table,
                        Holdings::PriceUsd,
                        true,
                    ))
                    .col(decimal_text(
                        backend,
                        Holdings::Table,
                        Holdings::ValueUsd,
                        true,
                    ))
                    .col(text_null(Holdings::PriceSource))
                    .col(timestamptz_null(Holdings::PriceAt))
                    .col(boolean(Holdings::IsDust, false))
                    .col(text(Holdings::IdentifiedBy))
                    .col(json(Holdings::Flags))
                    .col(timestamptz_null(Holdings::SyncedAt))
                    .col(json_null(Holdings::Details))
                    .foreign_key(&mut fk(
                        Holdings::Table,
                        Holdings::AccountId,
                        Accounts::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        create_indexes(
            manager,
            vec![
                index(
                    Holdings::Table,
                    [Holdings::AccountId, Holdings::Position],
                    false,
                ),
                index(Holdings::Table, [Holdings::AssetId], false),
            ],
        )
        .await?;

        let db = manager.get_connection();
        let select = Query::select()
            .columns([Accounts::Id, Accounts::Holdings])
            .from(Accounts::Table)
            .and_where(Expr::col(Accounts::Holdings).is_not_null())
            .to_owned();
        let rows = db.query_all(backend.build(&select)).await?;
        for row in rows {
            let id: uuid::Uuid = row.try_get("", "id")?;
            // SQLite keeps JSON as text: text that is not JSON is an unreadable document.
            let Ok(Some(doc)) = row.try_get::<Option<JsonValue>>("", "holdings") else {
                continue;
            };
            let Some(list) = entries(&doc) else {
                continue;
            };
            for (i, e) in list.into_iter().enumerate() {
                db.execute(backend.build(&insert_row(id, i as i32, e)))
                    .await?;
            }
            let clear = Query::update()
                .table(Accounts::Table)
                .value(Accounts::Holdings, Expr::value(Option::<JsonValue>::None))
                .and_where(Expr::col(Accounts::Id).eq(id))
                .to_owned();
            db.execute(backend.build(&clear)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        let sql = "SELECT account_id, location, kind, symbol, asset_id, chain, contract_address, \
                   quantity, quantity_text, raw_amount, decimals, price_usd, value_usd, \
                   price_source, price_at, is_dust, identified_by, flags, synced_at \
                   FROM holdings ORDER BY account_id, position";
        let rows = db.query_all(Statement::from_string(backend, sql)).await?;
        let mut docs: Vec<(uuid::Uuid, Vec<JsonValue>)> = Vec::new();
        for r in rows {
            let account: uuid::Uuid = r.try_get("", "account_id")?;
            let t = |k: &str| r.try_get::<Option<String>>("", k);
            let time = |k: &str| {
                r.try_get::<Option<chrono::DateTime<chrono::Utc>>>("", k)
                    .map(|v| v.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)))
            };
            let mut o = serde_json::Map::new();
            o.insert(
                "asset_id".into(),
                r.try_get::<Option<uuid::Uuid>>("", "asset_id")?
                    .map(|u| u.to_string())
                    .into(),
            );
            for k in [
                "symbol",
                "quantity",
                "raw_amount",
                "location",
                "chain",
                "contract_address",
                "price_usd",
                "value_usd",
                "price_source",
                "identified_by",
                "kind",
                "quantity_text",
            ] {
                o.insert(k.into(), t(k)?.into());
            }
            o.insert(
                "decimals".into(),
                r.try_get::<Option<i32>>("", "decimals")?.into(),
            );
            o.insert("price_at".into(), time("price_at")?.into());
            o.insert("synced_at".into(), time("synced_at")?.into());
            o.insert("is_dust".into(), r.try_get::<bool>("", "is_dust")?.into());
            o.insert("flags".into(), r.try_get::<JsonValue>("", "flags")?);
            match docs.last_mut() {
                Some((a, list)) if *a == account => list.push(JsonValue::Object(o)),
                _ => docs.push((account, vec![JsonValue::Object(o)])),
            }
        }
        for (account, list) in docs {
            let set = Query::update()
                .table(Accounts::Table)
                .value(Accounts::Holdings, JsonValue::Array(list))
                .and_where(Expr::col(Accounts::Id).eq(account))
                .to_owned();
            db.execute(backend.build(&set)).await?;
        }
        drop_table(manager, Holdings::Table).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_old_shape_with_defaults() {
        let doc = serde_json::json!([
            {"asset_id": null, "symbol": "ETH", "quantity": "1.5", "raw_amount": "1500000000000000000",
             "decimals": 18, "location": "ethereum", "chain": "ethereum", "contract_address": null,
             "price_usd": "2000", "value_usd": "3000.00000000", "price_source": "coingecko",
             "price_at": "2026-12-01T10:00:00Z", "is_dust": false, "identified_by": "registry"},
            {"asset_id": "8e4f5a3c-3b7a-4d7e-9a55-2f3f8c3c1d11", "symbol": "BTC", "quantity": "-0.25",
             "location": "trading", "is_dust": false, "identified_by": "symbol", "kind": "borrowed",
             "flags": ["not_refreshed"], "synced_at": "2026-12-01T09:00:00.123456Z"}
        ]);
        let list = entries(&doc).expect("readable");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].kind, "spot");
        assert_eq!(list[0].flags, serde_json::json!([]));
        assert_eq!(list[0].raw_amount.as_deref(), Some("1500000000000000000"));
        assert_eq!(list[1].quantity, "-0.25");
        assert_eq!(list[1].kind, "borrowed");
        assert!(list[1].synced_at.is_some());
    }

    #[test]
    fn an_unreadable_entry_keeps_the_whole_document() {
        for bad in [
            serde_json::json!({"not": "a list"}),
            serde_json::json!([{"symbol": "ETH", "quantity": 1e23, "location": "x"}]),
            serde_json::json!([{"symbol": "ETH", "quantity": "1,5", "location": "x"}]),
            serde_json::json!([{"symbol": "ETH", "quantity": "1", "location": "x", "raw_amount": "-1"}]),
            serde_json::json!([{"quantity": "1", "location": "x"}]),
        ] {
            assert!(entries(&bad).is_none(), "{bad}");
        }
    }
}
