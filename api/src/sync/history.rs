//! Exchange history into the ledger: each kind the account's exchange reads (deposits,
//! withdrawals, converts, rewards, trades), from its stored cursors, resolved through the
//! user's catalog like a file import, stored once per `(account, source, external id)`, and
//! the cursors moved in the same transaction. A kind that fails stores nothing and keeps its
//! cursor; the others go on. A record whose asset cannot be resolved is reported, not stored,
//! and holds its cursor back so a later sync (after the asset is added) reads it again.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::connectors::history::{Amount, HistoryContext, HistoryRecord};
use crate::domain::identity::AssetIndex;
use crate::domain::ledger as rules;
use crate::entities::{accounts, holdings};
use crate::store::ledger::{self as store, NewEntry, StoredSide};

/// What one kind of history did.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindReport {
    /// `deposits`, `withdrawals`, `converts`, `rewards`, `trades`.
    pub kind: String,
    /// Records the exchange sent that are final (a pending deposit is read again next time).
    pub fetched: usize,
    /// Entries stored now (the others were stored by an earlier sync).
    pub added: u64,
    /// Requests made to the exchange.
    pub requests: u32,
    /// Why the kind, or a part of it (`trades:BTCUSDT`), could not be read: nothing of that
    /// part was stored and its cursor did not move.
    pub failed: Vec<PartFailure>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartFailure {
    pub part: String,
    pub reason: String,
}

/// A record that was read but not stored, and why (an asset missing from the catalog).
#[derive(Debug, Serialize, ToSchema)]
pub struct Unresolved {
    pub kind: String,
    pub external_id: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryReport {
    pub account_id: Uuid,
    /// `okx`, `binance`: the entries' `source`.
    pub source: String,
    pub kinds: Vec<KindReport>,
    pub unresolved: Vec<Unresolved>,
}

/// Why a history sync could not start.
#[derive(Debug)]
pub enum HistoryError {
    /// Not an exchange account, or its exchange reads no history.
    NotSupported(String),
    Other(anyhow::Error),
}

impl From<sea_orm::DbErr> for HistoryError {
    fn from(e: sea_orm::DbErr) -> Self {
        HistoryError::Other(e.into())
    }
}

/// Reads and stores the history of an exchange account of `user`.
pub async fn sync(
    state: &super::SyncContext,
    user: Uuid,
    account: &accounts::Model,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<HistoryReport, HistoryError> {
    if account.account_type != "exchange" {
        return Err(HistoryError::NotSupported(
            "only exchange accounts have a history to import; enter or import a file for this account".into(),
        ));
    }
    let exchange = super::exchange::connector(state, account)
        .map_err(|e| HistoryError::NotSupported(e.to_string()))?;
    let Some(reader) = exchange.history() else {
        return Err(HistoryError::NotSupported(format!(
            "the Butler cannot read {}'s history yet",
            exchange.info().display_name
        )));
    };
    let source = exchange.info().name.to_string();
    let creds = super::exchange::credentials(state, account).map_err(HistoryError::Other)?;
    let index = state.asset_index.for_user(&state.db, user).await?;
    let stored = store::cursors(&state.db, account.id).await?;
    let mut cursors: BTreeMap<String, i64> = stored
        .iter()
        .filter_map(|(k, v)| v.parse().ok().map(|v| (k.clone(), v)))
        .collect();
    let mut ctx = HistoryContext {
        now,
        since: since.unwrap_or_else(|| reader.history_start()),
        assets: seen_assets(state, account.id).await?,
    };
    let mut report = HistoryReport {
        account_id: account.id,
        source: source.clone(),
        kinds: Vec::new(),
        unresolved: Vec::new(),
    };
    for kind in reader.history_kinds() {
        let mut k = KindReport {
            kind: kind.to_string(),
            fetched: 0,
            added: 0,
            requests: 0,
            failed: Vec::new(),
        };
        match reader.history(&creds, kind, &cursors, &ctx).await {
            Err(e) => {
                tracing::warn!(account_id = %account.id, kind, error = %e, "exchange history not read");
                k.failed.push(PartFailure {
                    part: kind.to_string(),
                    reason: e.to_string(),
                });
            }
            Ok(part) => {
                k.requests = part.requests;
                k.fetched = part.records.len();
                for (p, e) in part.failed {
                    k.failed.push(PartFailure {
                        part: p,
                        reason: e.to_string(),
                    });
                }
                let mut next = part.cursors;
                let mut entries = Vec::new();
                for r in &part.records {
                    for a in [&r.sent, &r.received, &r.fee].into_iter().flatten() {
                        let s = a.symbol.to_uppercase();
                        if !ctx.assets.contains(&s) {
                            ctx.assets.push(s);
                        }
                    }
                    match entry(&index, account.id, &source, r) {
                        Ok(e) => entries.push(e),
                        Err(reason) => {
                            // Read again next time, once the asset is in the catalog.
                            if let Some(c) = next.get_mut(&r.cursor_key) {
                                *c = (*c).min(r.position);
                            }
                            report.unresolved.push(Unresolved {
                                kind: kind.to_string(),
                                external_id: r.external_id.clone(),
                                reason,
                            });
                        }
                    }
                }
                match store_part(state, user, account.id, &entries, &next, now).await {
                    Ok(added) => {
                        k.added = added;
                        cursors.extend(next);
                    }
                    Err(e) => {
                        tracing::warn!(account_id = %account.id, kind, error = %e, "exchange history not stored");
                        k.failed.push(PartFailure {
                            part: kind.to_string(),
                            reason: "the entries could not be stored".into(),
                        });
                    }
                }
            }
        }
        report.kinds.push(k);
    }
    tracing::info!(account_id = %account.id, source, "exchange history synced");
    Ok(report)
}

async fn store_part(
    state: &super::SyncContext,
    user: Uuid,
    account: Uuid,
    entries: &[NewEntry],
    cursors: &BTreeMap<String, i64>,
    now: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    let txn = crate::db::begin_write(&state.db).await?;
    let added = store::insert_imported(&txn, user, entries, now).await?;
    for (kind, c) in cursors {
        store::save_cursor(&txn, account, kind, &c.to_string(), now).await?;
    }
    txn.commit().await?;
    Ok(added)
}

/// The exchange symbols of what the account holds and of what its ledger has moved.
async fn seen_assets(
    state: &super::SyncContext,
    account: Uuid,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let mut out = BTreeSet::new();
    for h in holdings::Entity::find()
        .filter(holdings::Column::AccountId.eq(account))
        .all(&state.db)
        .await?
    {
        out.insert(h.symbol.to_uppercase());
    }
    let entries = crate::entities::ledger_entries::Entity::find()
        .filter(crate::entities::ledger_entries::Column::AccountId.eq(account))
        .all(&state.db)
        .await?;
    for e in &entries {
        for s in [&e.sent_symbol, &e.received_symbol, &e.fee_symbol]
            .into_iter()
            .flatten()
        {
            out.insert(s.to_uppercase());
        }
    }
    Ok(out.into_iter().collect())
}

/// `USD` is US dollars (only a trade has a dollar side); anything else is resolved in the
/// catalog as a file import does.
fn side(index: &AssetIndex, field: &str, a: &Amount) -> Result<StoredSide, String> {
    if a.symbol.eq_ignore_ascii_case("USD") {
        return Ok(StoredSide {
            asset_id: None,
            symbol: "USD".into(),
            quantity: a.quantity,
        });
    }
    match crate::portfolio::resolve_asset(index, &a.symbol) {
        Ok((Some(id), symbol)) => Ok(StoredSide {
            asset_id: Some(id),
            symbol,
            quantity: a.quantity,
        }),
        Ok((None, _)) => Err(format!("{field} {}: not in the asset catalog", a.symbol)),
        Err(why) => Err(format!("{field} {}: {why}", a.symbol)),
    }
}

/// A record as a ledger entry, or why it cannot be one.
fn entry(
    index: &AssetIndex,
    account: Uuid,
    source: &str,
    r: &HistoryRecord,
) -> Result<NewEntry, String> {
    let mut problems = Vec::new();
    let mut resolve = |field: &str, a: &Option<Amount>| {
        a.as_ref()
            .and_then(|a| side(index, field, a).map_err(|e| problems.push(e)).ok())
    };
    let e = NewEntry {
        account_id: account,
        kind: r.kind,
        occurred_at: r.at,
        sent: resolve("sent", &r.sent),
        received: resolve("received", &r.received),
        fee: resolve("fee", &r.fee),
        value_usd: None,
        fee_value_usd: None,
        income_kind: r.income_kind.map(str::to_string),
        transfer_id: None,
        source: source.to_string(),
        external_id: r.external_id.clone(),
        note: None,
    };
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    let probe = rules::Entry {
        id: Uuid::nil(),
        account,
        at: e.occurred_at,
        kind: e.kind,
        sent: e.sent.as_ref().map(StoredSide::domain),
        received: e.received.as_ref().map(StoredSide::domain),
        fee: e.fee.as_ref().map(StoredSide::domain),
        value_usd: None,
        fee_value_usd: None,
        income_kind: e.income_kind.clone(),
        transfer: None,
    };
    let errors = rules::check(&probe);
    if errors.is_empty() {
        Ok(e)
    } else {
        Err(errors
            .into_iter()
            .map(|(f, m)| format!("{f} {m}"))
            .collect::<Vec<_>>()
            .join("; "))
    }
}
