//! USD prices: batched writes, latest-price look-ups, and the short-lived cache in front of them.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::ArrayType;
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use uuid::Uuid;

use crate::entities::{asset_prices, DbDecimal};

/// One price point, as stored.
pub use crate::entities::asset_prices::Model as PricePoint;

/// Rows per multi-row INSERT: well under SQLite's and PostgreSQL's bind-parameter limits.
pub const WRITE_CHUNK: usize = 1_000;

/// A price to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrice {
    pub asset_id: Uuid,
    pub timestamp: DateTime<Utc>,
    pub price_usd: Decimal,
    pub volume_24h_usd: Option<Decimal>,
    pub market_cap_usd: Option<Decimal>,
    pub rank: Option<i32>,
    pub source: &'static str,
}

fn active(p: &NewPrice, now: DateTime<Utc>) -> asset_prices::ActiveModel {
    use sea_orm::Set;
    asset_prices::ActiveModel {
        id: Set(Uuid::new_v4()),
        asset_id: Set(p.asset_id),
        timestamp: Set(p.timestamp),
        price_usd: Set(DbDecimal(p.price_usd)),
        volume_24h_usd: Set(p.volume_24h_usd.map(DbDecimal)),
        market_cap_usd: Set(p.market_cap_usd.map(DbDecimal)),
        rank: Set(p.rank),
        source: Set(p.source.to_string()),
        created_at: Set(now),
    }
}

fn conflict() -> OnConflict {
    OnConflict::columns([
        asset_prices::Column::AssetId,
        asset_prices::Column::Timestamp,
        asset_prices::Column::Source,
    ])
    .do_nothing()
    .to_owned()
}

/// Rows per statement on PostgreSQL, where the rows travel as arrays (one bind per column).
pub const PG_WRITE_CHUNK: usize = 10_000;

/// Writes prices in a few statements; a price already stored for the same asset, time and
/// source is kept as it is. Returns the number of statements sent. On PostgreSQL the rows go
/// as column arrays through `UNNEST`; on SQLite as multi-row `VALUES`.
pub async fn insert_batched(
    db: &impl ConnectionTrait,
    prices: &[NewPrice],
) -> Result<usize, DbErr> {
    let now = Utc::now();
    if db.get_database_backend() == DbBackend::Postgres {
        return insert_unnest(db, prices, now).await;
    }
    let mut statements = 0;
    for chunk in prices.chunks(WRITE_CHUNK) {
        let res = asset_prices::Entity::insert_many(chunk.iter().map(|p| active(p, now)))
            .on_conflict(conflict())
            .exec_without_returning(db)
            .await;
        match res {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
        statements += 1;
    }
    Ok(statements)
}

async fn insert_unnest(
    db: &impl ConnectionTrait,
    prices: &[NewPrice],
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    const SQL: &str = r#"INSERT INTO asset_prices
        (id, asset_id, "timestamp", price_usd, volume_24h_usd, market_cap_usd, rank, source, created_at)
        SELECT v.id::uuid, v.asset_id::uuid, v.ts::timestamptz, v.price, NULLIF(v.vol, ''),
               NULLIF(v.cap, ''), NULLIF(v.rank, '')::int, v.source, $9::timestamptz
        FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                    $7::text[], $8::text[]) AS v(id, asset_id, ts, price, vol, cap, rank, source)
        ON CONFLICT (asset_id, "timestamp", source) DO NOTHING"#;
    let mut statements = 0;
    for chunk in prices.chunks(PG_WRITE_CHUNK) {
        let col = |f: &dyn Fn(&NewPrice) -> String| -> Value {
            Value::Array(
                ArrayType::String,
                Some(Box::new(
                    chunk
                        .iter()
                        .map(|p| Value::String(Some(Box::new(f(p)))))
                        .collect(),
                )),
            )
        };
        let opt = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
        let values = vec![
            col(&|_| Uuid::new_v4().to_string()),
            col(&|p| p.asset_id.to_string()),
            col(&|p| p.timestamp.to_rfc3339()),
            col(&|p| p.price_usd.to_string()),
            col(&|p| opt(p.volume_24h_usd)),
            col(&|p| opt(p.market_cap_usd)),
            col(&|p| p.rank.map(|r| r.to_string()).unwrap_or_default()),
            col(&|p| p.source.to_string()),
            Value::String(Some(Box::new(now.to_rfc3339()))),
        ];
        db.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            SQL,
            values,
        ))
        .await?;
        statements += 1;
    }
    Ok(statements)
}

/// The same writes one row per statement: only for the benchmark's comparison.
pub async fn insert_row_by_row(
    db: &impl ConnectionTrait,
    prices: &[NewPrice],
) -> Result<usize, DbErr> {
    let now = Utc::now();
    for p in prices {
        match asset_prices::Entity::insert(active(p, now))
            .on_conflict(conflict())
            .exec_without_returning(db)
            .await
        {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(prices.len())
}

/// The newest price of each asset (any source; CoinGecko first on a tie).
pub async fn latest_for_assets(
    db: &impl ConnectionTrait,
    asset_ids: &[Uuid],
) -> Result<HashMap<Uuid, asset_prices::Model>, DbErr> {
    let mut out: HashMap<Uuid, asset_prices::Model> = HashMap::new();
    for ids in asset_ids.chunks(500) {
        let p2 = Alias::new("p2");
        let newest = Query::select()
            .expr(Expr::col((p2.clone(), asset_prices::Column::Timestamp)).max())
            .from_as(asset_prices::Entity, p2.clone())
            .and_where(
                Expr::col((p2.clone(), asset_prices::Column::AssetId))
                    .equals((asset_prices::Entity, asset_prices::Column::AssetId)),
            )
            .to_owned();
        let rows = asset_prices::Entity::find()
            .filter(asset_prices::Column::AssetId.is_in(ids.iter().copied()))
            .filter(
                Expr::col((asset_prices::Entity, asset_prices::Column::Timestamp))
                    .in_subquery(newest),
            )
            .all(db)
            .await?;
        for row in rows {
            let keep = match out.get(&row.asset_id) {
                None => true,
                Some(cur) => {
                    row.timestamp > cur.timestamp
                        || (row.timestamp == cur.timestamp && row.source == "coingecko")
                }
            };
            if keep {
                out.insert(row.asset_id, row);
            }
        }
    }
    Ok(out)
}

/// The newest price of each asset observed at or before `at` (and no older than `window`
/// before it): what an asset was worth then.
pub async fn prices_at(
    db: &impl ConnectionTrait,
    asset_ids: &[Uuid],
    at: DateTime<Utc>,
    window: chrono::Duration,
) -> Result<HashMap<Uuid, Decimal>, DbErr> {
    let mut newest: HashMap<Uuid, (DateTime<Utc>, Decimal)> = HashMap::new();
    for ids in asset_ids.chunks(500) {
        let rows = asset_prices::Entity::find()
            .filter(asset_prices::Column::AssetId.is_in(ids.iter().copied()))
            .filter(asset_prices::Column::Timestamp.lte(at))
            .filter(asset_prices::Column::Timestamp.gte(at - window))
            .all(db)
            .await?;
        for r in rows {
            let keep = newest
                .get(&r.asset_id)
                .is_none_or(|(t, _)| r.timestamp > *t);
            if keep {
                newest.insert(r.asset_id, (r.timestamp, r.price_usd.0));
            }
        }
    }
    Ok(newest.into_iter().map(|(id, (_, p))| (id, p)).collect())
}

/// The newest price of one asset from each source.
pub async fn latest_per_source(
    db: &impl ConnectionTrait,
    asset_id: Uuid,
) -> Result<Vec<asset_prices::Model>, DbErr> {
    let mut latest: Vec<asset_prices::Model> = Vec::new();
    for source in ["coingecko", "coinpaprika"] {
        if let Some(p) = asset_prices::Entity::find()
            .filter(asset_prices::Column::AssetId.eq(asset_id))
            .filter(asset_prices::Column::Source.eq(source))
            .order_by_desc(asset_prices::Column::Timestamp)
            .limit(1)
            .one(db)
            .await?
        {
            latest.push(p);
        }
    }
    Ok(latest)
}

/// A price as the rest of the Butler uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestPrice {
    pub price_usd: Decimal,
    pub source: String,
    pub timestamp: DateTime<Utc>,
}

impl From<asset_prices::Model> for LatestPrice {
    fn from(m: asset_prices::Model) -> Self {
        Self {
            price_usd: m.price_usd.0,
            source: m.source,
            timestamp: m.timestamp,
        }
    }
}

/// "Latest price of this asset", cached for a short TTL; emptied after each price collection.
#[derive(Clone)]
pub struct PriceCache {
    cache: moka::future::Cache<Uuid, Option<LatestPrice>>,
    /// Bumped on every invalidation, so results computed from older prices can be told apart.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl PriceCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            cache: moka::future::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(ttl)
                .build(),
            generation: Default::default(),
        }
    }

    pub async fn latest(
        &self,
        db: &impl ConnectionTrait,
        asset_id: Uuid,
    ) -> Result<Option<LatestPrice>, DbErr> {
        if let Some(hit) = self.cache.get(&asset_id).await {
            return Ok(hit);
        }
        let found = latest_for_assets(db, &[asset_id])
            .await?
            .remove(&asset_id)
            .map(LatestPrice::from);
        self.cache.insert(asset_id, found.clone()).await;
        Ok(found)
    }

    /// The latest price of each asset, from the cache where it has them and one batched query
    /// for the rest.
    pub async fn latest_many(
        &self,
        db: &impl ConnectionTrait,
        asset_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, LatestPrice>, DbErr> {
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        for id in asset_ids {
            match self.cache.get(id).await {
                Some(Some(p)) => {
                    out.insert(*id, p);
                }
                Some(None) => {}
                None => missing.push(*id),
            }
        }
        if !missing.is_empty() {
            let mut found = latest_for_assets(db, &missing).await?;
            for id in missing {
                let p = found.remove(&id).map(LatestPrice::from);
                self.cache.insert(id, p.clone()).await;
                if let Some(p) = p {
                    out.insert(id, p);
                }
            }
        }
        Ok(out)
    }

    /// Changes whenever the cached prices are dropped.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn invalidate_all(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.cache.invalidate_all();
    }
}

/// How many assets have a price, and the newest price's time.
pub async fn coverage(db: &impl ConnectionTrait) -> Result<(u64, Option<DateTime<Utc>>), DbErr> {
    use sea_orm::{PaginatorTrait, QueryOrder, QuerySelect};
    let priced = asset_prices::Entity::find()
        .select_only()
        .column(asset_prices::Column::AssetId)
        .distinct()
        .count(db)
        .await?;
    let newest = asset_prices::Entity::find()
        .order_by_desc(asset_prices::Column::Timestamp)
        .one(db)
        .await?
        .map(|p| p.timestamp);
    Ok((priced, newest))
}
