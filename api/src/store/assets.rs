//! The asset registry: coins, their contracts per chain, and look-ups by provider id.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Func, LikeExpr, NullOrdering, OnConflict, Order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{asset_contracts, assets};

/// A catalog asset and one of its contracts, as stored.
pub use crate::entities::{asset_contracts::Model as AssetContract, assets::Model as Asset};

/// Rows per multi-row INSERT.
pub const WRITE_CHUNK: usize = 1_000;

/// Assets whose symbol is `term` or whose name contains it (case-insensitive), best rank
/// first; all assets by rank without a term.
pub async fn search(
    db: &impl ConnectionTrait,
    term: Option<&str>,
    limit: u64,
) -> Result<Vec<assets::Model>, DbErr> {
    let mut q = assets::Entity::find()
        .filter(assets::Column::IsActive.eq(true))
        .filter(assets::Column::AssetType.ne(crate::domain::catalog::ASSET_TYPE_CUSTOM));
    if let Some(t) = term.map(str::trim).filter(|t| !t.is_empty()) {
        let lower = t.to_lowercase();
        let escaped = lower
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        q = q.filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(assets::Column::Symbol))).eq(lower.clone()))
                .add(
                    Expr::expr(Func::lower(Expr::col(assets::Column::Name)))
                        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
                ),
        );
    }
    q.order_by_with_nulls(
        assets::Column::MarketCapRank,
        Order::Asc,
        NullOrdering::Last,
    )
    .order_by_asc(assets::Column::Symbol)
    .order_by_asc(assets::Column::Id)
    .limit(limit)
    .all(db)
    .await
}

pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<assets::Model>, DbErr> {
    assets::Entity::find_by_id(id).one(db).await
}

pub async fn contracts_of(
    db: &impl ConnectionTrait,
    asset_id: Uuid,
) -> Result<Vec<asset_contracts::Model>, DbErr> {
    asset_contracts::Entity::find()
        .filter(asset_contracts::Column::AssetId.eq(asset_id))
        .order_by_asc(asset_contracts::Column::Chain)
        .all(db)
        .await
}

/// Every asset and every contract.
pub async fn all_with_contracts(
    db: &impl ConnectionTrait,
) -> Result<(Vec<assets::Model>, Vec<asset_contracts::Model>), DbErr> {
    let assets = assets::Entity::find().all(db).await?;
    let contracts = asset_contracts::Entity::find().all(db).await?;
    Ok((assets, contracts))
}

/// Inserts rows in multi-row statements of [`WRITE_CHUNK`], skipping rows that clash with
/// `conflict`; returns the number of statements.
async fn insert_chunked<A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    conflict: OnConflict,
) -> Result<usize, DbErr>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let mut statements = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(WRITE_CHUNK).collect();
        match A::Entity::insert_many(chunk)
            .on_conflict(conflict.clone())
            .exec_without_returning(db)
            .await
        {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
        statements += 1;
    }
    Ok(statements)
}

/// Updates rows one statement each (callers pass only rows that really changed).
async fn update_rows<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<usize, DbErr>
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
{
    let n = rows.len();
    for row in rows {
        row.update(db).await?;
    }
    Ok(n)
}

/// Inserts new assets in multi-row statements; returns the number of statements.
pub async fn insert_many(
    db: &impl ConnectionTrait,
    rows: Vec<assets::ActiveModel>,
) -> Result<usize, DbErr> {
    insert_chunked(db, rows, OnConflict::new().do_nothing().to_owned()).await
}

/// Updates changed assets, one statement each.
pub async fn update_each(
    db: &impl ConnectionTrait,
    rows: Vec<assets::ActiveModel>,
) -> Result<usize, DbErr> {
    update_rows(db, rows).await
}

/// Inserts contracts in multi-row statements; a (chain, address) already stored is kept.
pub async fn insert_contracts(
    db: &impl ConnectionTrait,
    rows: Vec<asset_contracts::ActiveModel>,
) -> Result<usize, DbErr> {
    let conflict = OnConflict::columns([
        asset_contracts::Column::Chain,
        asset_contracts::Column::ContractAddress,
    ])
    .do_nothing()
    .to_owned();
    insert_chunked(db, rows, conflict).await
}

/// Updates changed contracts, one statement each.
pub async fn update_contracts(
    db: &impl ConnectionTrait,
    rows: Vec<asset_contracts::ActiveModel>,
) -> Result<usize, DbErr> {
    update_rows(db, rows).await
}

/// How many assets the catalog holds.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    assets::Entity::find().count(db).await
}

/// Whether `id` is an asset of the shared catalog (not a user's custom asset).
pub async fn is_catalog_asset(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(get(db, id)
        .await?
        .is_some_and(|a| a.asset_type != crate::domain::catalog::ASSET_TYPE_CUSTOM))
}

/// Whether the catalog holds any provider coin beyond the seeded core (see
/// `migration::CORE_ASSETS`); users' custom assets have no provider id and do not count.
pub async fn has_catalog_beyond_core(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let core = migration::CORE_ASSETS.iter().map(|a| a.coingecko_id);
    Ok(assets::Entity::find()
        .filter(
            Condition::any()
                .add(assets::Column::CoinpaprikaId.is_not_null())
                .add(
                    Condition::all()
                        .add(assets::Column::CoingeckoId.is_not_null())
                        .add(assets::Column::CoingeckoId.is_not_in(core)),
                ),
        )
        .one(db)
        .await?
        .is_some())
}

/// The assets with these ids (in batches, for long lists).
pub async fn by_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<assets::Model>, DbErr> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            assets::Entity::find()
                .filter(assets::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// Asset ids by CoinGecko id, for the ids given.
pub async fn ids_by_coingecko(
    db: &impl ConnectionTrait,
    coingecko_ids: &[String],
) -> Result<HashMap<String, Uuid>, DbErr> {
    ids_by(db, assets::Column::CoingeckoId, coingecko_ids).await
}

/// Asset ids by CoinPaprika id, for the ids given.
pub async fn ids_by_coinpaprika(
    db: &impl ConnectionTrait,
    coinpaprika_ids: &[String],
) -> Result<HashMap<String, Uuid>, DbErr> {
    ids_by(db, assets::Column::CoinpaprikaId, coinpaprika_ids).await
}

async fn ids_by(
    db: &impl ConnectionTrait,
    column: assets::Column,
    values: &[String],
) -> Result<HashMap<String, Uuid>, DbErr> {
    let mut out = HashMap::new();
    for chunk in values.chunks(500) {
        let rows: Vec<(Uuid, Option<String>)> = assets::Entity::find()
            .select_only()
            .column(assets::Column::Id)
            .column(column)
            .filter(column.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows.into_iter().filter_map(|(id, v)| v.map(|v| (v, id))));
    }
    Ok(out)
}

/// The stored market-cap rank of each given asset.
pub async fn ranks_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Option<i32>>, DbErr> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, Option<i32>)> = assets::Entity::find()
            .select_only()
            .column(assets::Column::Id)
            .column(assets::Column::MarketCapRank)
            .filter(assets::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// The `n` best-ranked active assets.
pub async fn top_ranked(db: &impl ConnectionTrait, n: u64) -> Result<Vec<assets::Model>, DbErr> {
    assets::Entity::find()
        .filter(assets::Column::IsActive.eq(true))
        .filter(assets::Column::MarketCapRank.is_not_null())
        .order_by_asc(assets::Column::MarketCapRank)
        .limit(n)
        .all(db)
        .await
}

/// Everything identity resolution needs about every active asset.
pub async fn index_inputs(
    db: &impl ConnectionTrait,
) -> Result<Vec<crate::domain::identity::IndexedAsset>, DbErr> {
    let (rows, contracts) = all_with_contracts(db).await?;
    let mut by_asset: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
    for c in contracts {
        by_asset
            .entry(c.asset_id)
            .or_default()
            .push((c.chain, c.contract_address));
    }
    Ok(rows
        .into_iter()
        // A custom asset is its owner's only (see `AssetIndexCache::for_user`).
        .filter(|a| a.is_active && a.asset_type != crate::domain::catalog::ASSET_TYPE_CUSTOM)
        .map(|a| crate::domain::identity::IndexedAsset {
            contracts: by_asset.remove(&a.id).unwrap_or_default(),
            id: a.id,
            symbol: a.symbol,
            name: a.name,
            market_cap_rank: a.market_cap_rank,
            market_cap_usd: None,
            is_stablecoin: a.is_stablecoin,
            logo_url: a.logo_url,
        })
        .collect())
}

type IndexSlot = Option<(
    std::time::Instant,
    std::sync::Arc<crate::domain::identity::AssetIndex>,
)>;

/// The identity index, rebuilt at most once per `ttl` and after each registry update.
#[derive(Clone)]
pub struct AssetIndexCache {
    ttl: std::time::Duration,
    slot: std::sync::Arc<tokio::sync::Mutex<IndexSlot>>,
}

impl AssetIndexCache {
    pub fn new(ttl: std::time::Duration) -> Self {
        Self {
            ttl,
            slot: Default::default(),
        }
    }

    /// The shared index plus `user_id`'s custom assets (the shared one when they have none).
    pub async fn for_user(
        &self,
        db: &impl ConnectionTrait,
        user_id: Uuid,
    ) -> Result<std::sync::Arc<crate::domain::identity::AssetIndex>, DbErr> {
        let shared = self.get(db).await?;
        let own = super::custom_assets::indexed_of(db, user_id).await?;
        if own.is_empty() {
            return Ok(shared);
        }
        Ok(std::sync::Arc::new(shared.with_extra(&own)))
    }

    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<std::sync::Arc<crate::domain::identity::AssetIndex>, DbErr> {
        let mut slot = self.slot.lock().await;
        if let Some((at, index)) = slot.as_ref() {
            if at.elapsed() < self.ttl {
                return Ok(index.clone());
            }
        }
        let index = std::sync::Arc::new(crate::domain::identity::AssetIndex::build(
            &index_inputs(db).await?,
        ));
        *slot = Some((std::time::Instant::now(), index.clone()));
        Ok(index)
    }

    pub async fn invalidate(&self) {
        *self.slot.lock().await = None;
    }
}

/// The asset a contract on a chain belongs to, if the registry knows it.
pub async fn by_contract(
    db: &impl ConnectionTrait,
    chain: &str,
    address: &str,
) -> Result<Option<Uuid>, DbErr> {
    Ok(asset_contracts::Entity::find()
        .filter(asset_contracts::Column::Chain.eq(chain))
        .filter(asset_contracts::Column::ContractAddress.eq(address))
        .one(db)
        .await?
        .map(|c| c.asset_id))
}

/// Sets market-cap ranks in a few statements: one `UPDATE … FROM UNNEST` on PostgreSQL, a
/// `CASE` per chunk of 500 on SQLite. Returns the number of statements sent.
pub async fn update_ranks(
    db: &impl ConnectionTrait,
    ranks: &[(Uuid, i32)],
) -> Result<usize, DbErr> {
    use sea_orm::{DbBackend, Statement, Value};
    let now = chrono::Utc::now();
    let mut statements = 0;
    if db.get_database_backend() == DbBackend::Postgres {
        for chunk in ranks.chunks(10_000) {
            let arr = |f: &dyn Fn(&(Uuid, i32)) -> String| {
                Value::Array(
                    sea_orm::sea_query::ArrayType::String,
                    Some(Box::new(
                        chunk
                            .iter()
                            .map(|r| Value::String(Some(Box::new(f(r)))))
                            .collect(),
                    )),
                )
            };
            db.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE assets AS a SET market_cap_rank = v.rank::int, updated_at = $3::timestamptz \
                 FROM UNNEST($1::text[], $2::text[]) AS v(id, rank) WHERE a.id = v.id::uuid",
                [arr(&|r| r.0.to_string()), arr(&|r| r.1.to_string()), Value::String(Some(Box::new(now.to_rfc3339())))],
            ))
            .await?;
            statements += 1;
        }
        return Ok(statements);
    }
    for chunk in ranks.chunks(500) {
        let mut sql = String::from("UPDATE assets SET market_cap_rank = CASE id");
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 3 + 1);
        for (id, rank) in chunk {
            sql.push_str(" WHEN ? THEN ?");
            values.push((*id).into());
            values.push((*rank).into());
        }
        sql.push_str(" END, updated_at = ? WHERE id IN (");
        values.push(now.into());
        sql.push_str(&vec!["?"; chunk.len()].join(", "));
        sql.push(')');
        values.extend(chunk.iter().map(|(id, _)| Value::from(*id)));
        db.execute(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await?;
        statements += 1;
    }
    Ok(statements)
}

/// Sets logo URLs, one `UPDATE … CASE` per 500 assets. Returns the number of statements.
pub async fn update_logos(
    db: &impl ConnectionTrait,
    logos: &[(Uuid, String)],
) -> Result<usize, DbErr> {
    use sea_orm::sea_query::{CaseStatement, Expr, Query};
    let mut statements = 0;
    for chunk in logos.chunks(500) {
        let mut case = CaseStatement::new();
        for (id, url) in chunk {
            case = case.case(
                Expr::col(assets::Column::Id).eq(*id),
                Expr::val(url.clone()),
            );
        }
        let case = case.finally(Expr::col(assets::Column::LogoUrl));
        let stmt = Query::update()
            .table(assets::Entity)
            .value(assets::Column::LogoUrl, case)
            .and_where(Expr::col(assets::Column::Id).is_in(chunk.iter().map(|(id, _)| *id)))
            .to_owned();
        db.execute(db.get_database_backend().build(&stmt)).await?;
        statements += 1;
    }
    Ok(statements)
}

/// A catalog contract to scan wallets for: the asset it belongs to and what the catalog knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogContract {
    pub contract_address: String,
    pub asset_id: Uuid,
    pub symbol: String,
    pub name: String,
    /// Read on chain once and cached here; `None` until a wallet held the token.
    pub decimals: Option<i32>,
}

/// The contracts of active catalog assets stored under any of `chains` (a chain's name and
/// the provider platform ids it is known by), best market-cap rank first, at most `limit`.
pub async fn catalog_contracts(
    db: &impl ConnectionTrait,
    chains: &[String],
    limit: u64,
) -> Result<Vec<CatalogContract>, DbErr> {
    if chains.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let rows = asset_contracts::Entity::find()
        .find_also_related(assets::Entity)
        .filter(asset_contracts::Column::Chain.is_in(chains.iter().cloned()))
        .filter(assets::Column::IsActive.eq(true))
        .order_by_with_nulls(
            assets::Column::MarketCapRank,
            Order::Asc,
            NullOrdering::Last,
        )
        .order_by_asc(asset_contracts::Column::ContractAddress)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, a)| {
            a.map(|a| CatalogContract {
                contract_address: c.contract_address.to_ascii_lowercase(),
                asset_id: a.id,
                symbol: a.symbol,
                name: a.name,
                decimals: c.decimals,
            })
        })
        .collect())
}

/// Caches a contract's on-chain decimals on its catalog row(s) under any of `chains`.
pub async fn set_contract_decimals(
    db: &impl ConnectionTrait,
    chains: &[String],
    address: &str,
    decimals: i32,
) -> Result<(), DbErr> {
    asset_contracts::Entity::update_many()
        .col_expr(asset_contracts::Column::Decimals, Expr::value(decimals))
        .col_expr(
            asset_contracts::Column::UpdatedAt,
            Expr::value(chrono::Utc::now()),
        )
        .filter(asset_contracts::Column::Chain.is_in(chains.iter().cloned()))
        .filter(asset_contracts::Column::ContractAddress.eq(address))
        .filter(asset_contracts::Column::Decimals.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Symbols (upper case) of active catalog assets with a contract under any of `chains`: what a
/// look-alike token on that chain would imitate.
pub async fn catalog_symbols(
    db: &impl ConnectionTrait,
    chains: &[String],
) -> Result<Vec<String>, DbErr> {
    if chains.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<String> = assets::Entity::find()
        .select_only()
        .column(assets::Column::Symbol)
        .distinct()
        .inner_join(asset_contracts::Entity)
        .filter(asset_contracts::Column::Chain.is_in(chains.iter().cloned()))
        .filter(assets::Column::IsActive.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|s| s.trim().to_uppercase()).collect())
}
