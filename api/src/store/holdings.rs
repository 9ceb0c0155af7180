//! Holdings rows: what each account holds, one row per location × kind × asset, in the order
//! the sync produced them. A sync replaces an account's rows in one transaction.
//!
//! Accounts last synced before rows existed and whose document the migration could not read
//! still carry it in `accounts.holdings`: such an account is [`Unreadable`] (never "holds
//! nothing") until it is synced again or its document is fixed.

use std::collections::HashMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::domain::holdings::Holding;
use crate::entities::{accounts, holdings, DbDecimal};

/// A stored document (targets, guardrails, holdings) that cannot be read. Never replaced by
/// defaults: an empty `never_sell` or no holdings would be advice on made-up data.
#[derive(Debug, thiserror::Error)]
#[error("the stored {what} of {owner} {id} cannot be read ({why}); set them again")]
pub struct Unreadable {
    pub what: &'static str,
    pub owner: &'static str,
    pub id: Uuid,
    pub why: String,
}

/// Why holdings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Unreadable(#[from] Unreadable),
}

fn unreadable(account: Uuid, why: impl ToString) -> Unreadable {
    Unreadable {
        what: "holdings",
        owner: "account",
        id: account,
        why: why.to_string(),
    }
}

fn to_holding(m: holdings::Model) -> Result<Holding, Unreadable> {
    let flags: Vec<String> =
        serde_json::from_value(m.flags).map_err(|e| unreadable(m.account_id, e))?;
    let decimals = match m.decimals {
        None => None,
        Some(d) => Some(u8::try_from(d).map_err(|e| unreadable(m.account_id, e))?),
    };
    Ok(Holding {
        asset_id: m.asset_id,
        symbol: m.symbol,
        quantity: m.quantity.0,
        raw_amount: m.raw_amount,
        decimals,
        location: m.location,
        chain: m.chain,
        contract_address: m.contract_address,
        price_usd: m.price_usd.map(|p| p.0),
        value_usd: m.value_usd.map(|v| v.0),
        price_source: m.price_source,
        price_at: m.price_at,
        is_dust: m.is_dust,
        identified_by: m.identified_by,
        kind: m.kind,
        flags,
        synced_at: m.synced_at,
        quantity_text: m.quantity_text,
        details: m.details,
        unvalued_reason: None,
    })
}

fn to_row(account: Uuid, position: usize, h: &Holding) -> holdings::ActiveModel {
    holdings::ActiveModel {
        id: Set(Uuid::new_v4()),
        account_id: Set(account),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        location: Set(h.location.clone()),
        kind: Set(h.kind.clone()),
        symbol: Set(h.symbol.clone()),
        asset_id: Set(h.asset_id),
        chain: Set(h.chain.clone()),
        contract_address: Set(h.contract_address.clone()),
        quantity: Set(DbDecimal(h.quantity)),
        quantity_text: Set(h.quantity_text.clone()),
        raw_amount: Set(h.raw_amount.clone()),
        decimals: Set(h.decimals.map(i32::from)),
        price_usd: Set(h.price_usd.map(DbDecimal)),
        value_usd: Set(h.value_usd.map(DbDecimal)),
        price_source: Set(h.price_source.clone()),
        price_at: Set(h.price_at),
        is_dust: Set(h.is_dust),
        identified_by: Set(h.identified_by.clone()),
        flags: Set(serde_json::json!(h.flags)),
        synced_at: Set(h.synced_at),
        details: Set(h.details.clone()),
    }
}

/// The holdings of these accounts, by account id (an account with none maps to an empty
/// list). One query for the rows, in chunks of 500 accounts.
pub async fn of_accounts(
    db: &impl ConnectionTrait,
    accounts: &[accounts::Model],
) -> Result<HashMap<Uuid, Vec<Holding>>, LoadError> {
    let mut out: HashMap<Uuid, Vec<Holding>> =
        accounts.iter().map(|a| (a.id, Vec::new())).collect();
    for a in accounts {
        // A document the migration left in place: it could not be read then either.
        if let Some(doc) = &a.holdings {
            let list: Vec<Holding> =
                serde_json::from_value(doc.clone()).map_err(|e| unreadable(a.id, e))?;
            out.insert(a.id, list);
        }
    }
    let ids: Vec<Uuid> = accounts
        .iter()
        .filter(|a| a.holdings.is_none())
        .map(|a| a.id)
        .collect();
    for chunk in ids.chunks(500) {
        let rows = holdings::Entity::find()
            .filter(holdings::Column::AccountId.is_in(chunk.iter().copied()))
            .order_by_asc(holdings::Column::AccountId)
            .order_by_asc(holdings::Column::Position)
            .all(db)
            .await?;
        for r in rows {
            let account = r.account_id;
            out.entry(account).or_default().push(to_holding(r)?);
        }
    }
    // The owners' token marks show at once, not only after the next sync.
    let mut users: Vec<Uuid> = accounts.iter().map(|a| a.user_id).collect();
    users.sort();
    users.dedup();
    for user in users {
        let marks: HashMap<(String, String), crate::domain::spam::Mark> =
            super::token_marks::list_for_user(db, user)
                .await?
                .into_iter()
                .filter_map(|m| {
                    super::token_marks::parse_mark(&m.mark)
                        .map(|k| ((m.chain, m.contract_address.to_lowercase()), k))
                })
                .collect();
        if marks.is_empty() {
            continue;
        }
        for a in accounts.iter().filter(|a| a.user_id == user) {
            if let Some(list) = out.get_mut(&a.id) {
                crate::domain::spam::apply_marks(list, &marks);
            }
        }
    }
    Ok(out)
}

/// One account's holdings.
pub async fn of_account(
    db: &impl ConnectionTrait,
    account: &accounts::Model,
) -> Result<Vec<Holding>, LoadError> {
    Ok(of_accounts(db, std::slice::from_ref(account))
        .await?
        .remove(&account.id)
        .unwrap_or_default())
}

/// Replaces an account's rows with `list` (call inside the sync's transaction) and clears a
/// leftover document.
pub async fn replace(
    db: &impl ConnectionTrait,
    account: Uuid,
    list: &[Holding],
) -> Result<(), DbErr> {
    holdings::Entity::delete_many()
        .filter(holdings::Column::AccountId.eq(account))
        .exec(db)
        .await?;
    insert_rows(db, rows(account, list)).await
}

/// The rows of an account's holdings, in order.
pub fn rows(account: Uuid, list: &[Holding]) -> Vec<holdings::ActiveModel> {
    list.iter()
        .enumerate()
        .map(|(i, h)| to_row(account, i, h))
        .collect()
}

/// Inserts rows (of any accounts) in batches.
pub async fn insert_rows(
    db: &impl ConnectionTrait,
    rows: Vec<holdings::ActiveModel>,
) -> Result<(), DbErr> {
    // 22 columns a row: stay well under SQLite's 32,766 bound parameters per statement.
    for chunk in rows.chunks(500) {
        holdings::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Every asset id that an active account holds (rows, and readable leftover documents).
pub async fn held_asset_ids(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    use sea_orm::{JoinType, QuerySelect, RelationTrait};
    let mut ids: Vec<Uuid> = holdings::Entity::find()
        .select_only()
        .column(holdings::Column::AssetId)
        .distinct()
        .join(JoinType::InnerJoin, holdings::Relation::Account.def())
        .filter(accounts::Column::IsActive.eq(true))
        .filter(holdings::Column::AssetId.is_not_null())
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    let legacy = accounts::Entity::find()
        .filter(accounts::Column::IsActive.eq(true))
        .filter(accounts::Column::Holdings.is_not_null())
        .all(db)
        .await?;
    for a in legacy {
        if let Some(Ok(list)) = a.holdings.map(serde_json::from_value::<Vec<Holding>>) {
            ids.extend(list.into_iter().filter_map(|h| h.asset_id));
        }
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}
