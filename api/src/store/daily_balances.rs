//! Daily balances per account and asset (written by the end-of-day job).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::domain::history::DayBalance;
use crate::entities::{daily_balances, DbDecimal};

/// One stored line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub account_id: Uuid,
    pub day: NaiveDate,
    pub balance: DayBalance,
}

/// Replaces an account's lines of `day` (a second run of the day keeps the latest).
pub async fn replace_day(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    user_id: Uuid,
    day: NaiveDate,
    lines: &[DayBalance],
) -> Result<usize, DbErr> {
    daily_balances::Entity::delete_many()
        .filter(daily_balances::Column::AccountId.eq(account_id))
        .filter(daily_balances::Column::Day.eq(day))
        .exec(db)
        .await?;
    let now = Utc::now();
    let rows: Vec<daily_balances::ActiveModel> = lines
        .iter()
        .map(|b| daily_balances::ActiveModel {
            id: Set(Uuid::new_v4()),
            account_id: Set(account_id),
            user_id: Set(user_id),
            day: Set(day),
            kind: Set(b.kind.clone()),
            symbol: Set(b.symbol.clone()),
            asset_id: Set(b.asset_id),
            quantity: Set(DbDecimal(b.quantity)),
            price_usd: Set(b.price_usd.map(DbDecimal)),
            value_usd: Set(b.value_usd.map(DbDecimal)),
            price_at: Set(b.price_at),
            synced_at: Set(b.synced_at),
            flags: Set(serde_json::json!(b.flags)),
            created_at: Set(now),
        })
        .collect();
    let mut statements = 1;
    for chunk in rows.chunks(500) {
        daily_balances::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
        statements += 1;
    }
    Ok(statements)
}

/// A user's lines between two days (inclusive), optionally of one account and/or one asset,
/// oldest day first.
pub async fn history(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    account_id: Option<Uuid>,
    asset_id: Option<Uuid>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Stored>, DbErr> {
    let mut q = daily_balances::Entity::find()
        .filter(daily_balances::Column::UserId.eq(user_id))
        .filter(daily_balances::Column::Day.gte(from))
        .filter(daily_balances::Column::Day.lte(to));
    if let Some(a) = account_id {
        q = q.filter(daily_balances::Column::AccountId.eq(a));
    }
    if let Some(a) = asset_id {
        q = q.filter(daily_balances::Column::AssetId.eq(a));
    }
    let rows = q
        .order_by_asc(daily_balances::Column::Day)
        .order_by_asc(daily_balances::Column::AccountId)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| Stored {
            account_id: m.account_id,
            day: m.day,
            balance: DayBalance {
                asset_id: m.asset_id,
                symbol: m.symbol,
                kind: m.kind,
                quantity: m.quantity.0,
                price_usd: m.price_usd.map(|p| p.0),
                value_usd: m.value_usd.map(|v| v.0),
                price_at: m.price_at,
                synced_at: m.synced_at,
                flags: serde_json::from_value(m.flags).unwrap_or_default(),
            },
        })
        .collect())
}

/// The first day stored for each of `accounts` that has any.
pub async fn first_days(
    db: &impl ConnectionTrait,
    accounts: &[Uuid],
) -> Result<HashMap<Uuid, NaiveDate>, DbErr> {
    let mut out = HashMap::new();
    for chunk in accounts.chunks(500) {
        let rows: Vec<(Uuid, Option<NaiveDate>)> = daily_balances::Entity::find()
            .select_only()
            .column(daily_balances::Column::AccountId)
            .column_as(daily_balances::Column::Day.min(), "first_day")
            .filter(daily_balances::Column::AccountId.is_in(chunk.iter().copied()))
            .group_by(daily_balances::Column::AccountId)
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows.into_iter().filter_map(|(a, d)| Some((a, d?))));
    }
    Ok(out)
}

/// One stored line as the value history reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldLine {
    pub account_id: Uuid,
    pub day: NaiveDate,
    pub asset_id: Option<Uuid>,
    pub quantity: Decimal,
    pub flags: Vec<String>,
}

/// The lines of `accounts` from `from` to `to` (inclusive), oldest day first.
pub async fn lines_between(
    db: &impl ConnectionTrait,
    accounts: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<HeldLine>, DbErr> {
    let mut out = Vec::new();
    for chunk in accounts.chunks(500) {
        let rows: Vec<(Uuid, NaiveDate, Option<Uuid>, DbDecimal, serde_json::Value)> =
            daily_balances::Entity::find()
                .select_only()
                .column(daily_balances::Column::AccountId)
                .column(daily_balances::Column::Day)
                .column(daily_balances::Column::AssetId)
                .column(daily_balances::Column::Quantity)
                .column(daily_balances::Column::Flags)
                .filter(daily_balances::Column::AccountId.is_in(chunk.iter().copied()))
                .filter(daily_balances::Column::Day.gte(from))
                .filter(daily_balances::Column::Day.lte(to))
                .into_tuple()
                .all(db)
                .await?;
        out.extend(
            rows.into_iter()
                .map(|(account_id, day, asset_id, quantity, flags)| HeldLine {
                    account_id,
                    day,
                    asset_id,
                    quantity: quantity.0,
                    flags: serde_json::from_value(flags).unwrap_or_default(),
                }),
        );
    }
    out.sort_by_key(|l| (l.day, l.account_id));
    Ok(out)
}
