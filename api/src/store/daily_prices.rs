//! Daily prices and which days of each asset's history have been asked for.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::{daily_prices, price_history_coverage, DbDecimal};

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The prices of `assets` from `from` to `to`, by asset and day.
pub async fn between(
    db: &impl ConnectionTrait,
    assets: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<HashMap<(Uuid, NaiveDate), Decimal>, DbErr> {
    let mut out = HashMap::new();
    for chunk in assets.chunks(200) {
        let rows = daily_prices::Entity::find()
            .filter(daily_prices::Column::AssetId.is_in(chunk.iter().copied()))
            .filter(daily_prices::Column::Day.gte(day_text(from)))
            .filter(daily_prices::Column::Day.lte(day_text(to)))
            .all(db)
            .await?;
        for r in rows {
            if let Some(d) = parse_day(&r.day) {
                out.insert((r.asset_id, d), r.price_usd.0);
            }
        }
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
