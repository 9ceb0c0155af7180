//! Daily prices and which days of each asset's history have been asked for.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::domain::performance::PriceGrid;
use crate::entities::{daily_prices, price_history_coverage, DbDecimal};

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// `YYYY-MM-DD` read without a format parser (a range's prices are many thousand rows).
fn fast_day(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return parse_day(s);
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// The prices of `assets` from `from` to `to` as a grid (one vector per asset, indexed by
/// day). A range of years is hundreds of thousands of prices: each asset's come back as one
/// row (`day:price,…`, aggregated by the database), not one row each, which is what made
/// reading them slow and memory-hungry.
pub async fn grid(
    db: &impl ConnectionTrait,
    assets: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<PriceGrid, DbErr> {
    let backend = db.get_database_backend();
    let joined = match backend {
        DbBackend::Postgres => "string_agg(day || ':' || price_usd, ',')",
        _ => "group_concat(day || ':' || price_usd, ',')",
    };
    let mut out = PriceGrid::new(from, to);
    for chunk in assets.chunks(200) {
        let query = Query::select()
            .column(daily_prices::Column::AssetId)
            .expr_as(Expr::cust(joined), Alias::new("closes"))
            .from(daily_prices::Entity)
            .and_where(Expr::col(daily_prices::Column::AssetId).is_in(chunk.iter().copied()))
            .and_where(Expr::col(daily_prices::Column::Day).gte(day_text(from)))
            .and_where(Expr::col(daily_prices::Column::Day).lte(day_text(to)))
            .group_by_col(daily_prices::Column::AssetId)
            .to_owned();
        for row in db.query_all(backend.build(&query)).await? {
            let asset: Uuid = row.try_get("", "asset_id")?;
            let closes: String = row.try_get("", "closes")?;
            for item in closes.split(',') {
                let parsed = item.split_once(':').and_then(|(day, price)| {
                    Some((fast_day(day)?, Decimal::from_str_exact(price).ok()?))
                });
                let Some((day, price)) = parsed else {
                    return Err(DbErr::Type(format!(
                        "daily price {item:?} is not day:price"
                    )));
                };
                out.insert(asset, day, price);
            }
        }
    }
    Ok(out)
}

/// The days already asked for of each of `assets` that has any.
pub async fn coverage_of(
    db: &impl ConnectionTrait,
    assets: &[Uuid],
) -> Result<HashMap<Uuid, (NaiveDate, NaiveDate)>, DbErr> {
    let mut out = HashMap::new();
    for chunk in assets.chunks(500) {
        let rows = price_history_coverage::Entity::find()
            .filter(price_history_coverage::Column::AssetId.is_in(chunk.iter().copied()))
            .all(db)
            .await?;
        out.extend(
            rows.into_iter().filter_map(|c| {
                Some((c.asset_id, (parse_day(&c.from_day)?, parse_day(&c.to_day)?)))
            }),
        );
    }
    Ok(out)
}

/// The days of an asset's history already asked for.
pub async fn coverage(
    db: &impl ConnectionTrait,
    asset: Uuid,
) -> Result<Option<(NaiveDate, NaiveDate)>, DbErr> {
    Ok(price_history_coverage::Entity::find_by_id(asset)
        .one(db)
        .await?
        .and_then(|c| Some((parse_day(&c.from_day)?, parse_day(&c.to_day)?))))
}

/// Stores an answer for `asked` (the days asked for) and widens the asset's coverage to
/// `covered` (what has now been asked for in all).
pub async fn save(
    db: &impl ConnectionTrait,
    asset: Uuid,
    source: &str,
    days: &[(NaiveDate, Decimal)],
    covered: (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in days.chunks(1000) {
        let rows = chunk.iter().map(|(d, p)| daily_prices::ActiveModel {
            id: Set(Uuid::new_v4()),
            asset_id: Set(asset),
            day: Set(day_text(*d)),
            price_usd: Set(DbDecimal(*p)),
            source: Set(source.to_string()),
            fetched_at: Set(now),
        });
        daily_prices::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([daily_prices::Column::AssetId, daily_prices::Column::Day])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    let row = price_history_coverage::ActiveModel {
        asset_id: Set(asset),
        from_day: Set(day_text(covered.0)),
        to_day: Set(day_text(covered.1)),
        updated_at: Set(now),
    };
    price_history_coverage::Entity::insert(row)
        .on_conflict(
            OnConflict::column(price_history_coverage::Column::AssetId)
                .update_columns([
                    price_history_coverage::Column::FromDay,
                    price_history_coverage::Column::ToDay,
                    price_history_coverage::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
