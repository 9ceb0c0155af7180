//! `price-collection`: USD price, volume, market cap and rank of the top N assets, and of every
//! asset an account holds or a portfolio targets whatever its rank, from CoinGecko, with
//! CoinPaprika for what CoinGecko could not deliver. Batched writes.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use sea_orm::Set;
use serde_json::json;
use uuid::Uuid;

use super::JobContext;
use super::{Job, Outcome};
use crate::config::{Config, JobSchedule};
use crate::connectors::{MarketQuote, Provider};
use crate::entities::assets;
use crate::store::prices::{self, NewPrice};
use crate::store::{assets as asset_store, portfolios as portfolio_store};

pub struct PriceCollection;

pub const NAME: &str = "price-collection";

#[async_trait::async_trait]
impl Job for PriceCollection {
    fn name(&self) -> &'static str {
        NAME
    }

    fn schedule<'a>(&self, config: &'a Config) -> &'a JobSchedule {
        &config.market.price_collection
    }

    async fn run(&self, ctx: &JobContext, _trigger: super::Trigger) -> anyhow::Result<Outcome> {
        let db = &ctx.db;
        let n = ctx.config.market.price_top_n;
        let now = Utc::now().trunc_subsecs(0);
        let mut failures = Vec::new();
        let mut invalid = 0usize;

        let gecko = ctx.market.gecko_prices.top_quotes(n).await;
        failures.extend(gecko.failures.iter().map(|e| format!("coingecko: {e}")));
        let gecko_quotes: Vec<MarketQuote> = gecko
            .items
            .into_iter()
            .filter(|q| {
                sane(q) || {
                    invalid += 1;
                    false
                }
            })
            .collect();

        let gecko_ids: Vec<String> = gecko_quotes.iter().map(|q| q.provider_id.clone()).collect();
        let mut by_gecko = asset_store::ids_by_coingecko(db, &gecko_ids).await?;
        let missing: Vec<&MarketQuote> = gecko_quotes
            .iter()
            .filter(|q| !by_gecko.contains_key(&q.provider_id))
            .collect();
        let created = missing.len();
        if !missing.is_empty() {
            asset_store::insert_many(db, missing.iter().map(|q| new_asset(q, now)).collect())
                .await?;
            by_gecko = asset_store::ids_by_coingecko(db, &gecko_ids).await?;
        }

        let mut rows: Vec<NewPrice> = Vec::new();
        let mut priced: HashSet<Uuid> = HashSet::new();
        let mut ranks: HashMap<Uuid, i32> = HashMap::new();
        let mut logos: HashMap<Uuid, String> = HashMap::new();
        for q in &gecko_quotes {
            if let Some(&asset_id) = by_gecko.get(&q.provider_id) {
                if priced.insert(asset_id) {
                    rows.push(price_row(asset_id, q, now));
                    if let Some(r) = q.rank {
                        ranks.insert(asset_id, r);
                    }
                    if let Some(url) = &q.image_url {
                        logos.insert(asset_id, url.clone());
                    }
                }
            }
        }
        let from_gecko = rows.len();

        // CoinPaprika fills in: the whole top list when CoinGecko fell short, else only the
        // top-ranked assets CoinGecko did not price this run.
        let top = asset_store::top_ranked(db, n as u64).await?;
        let lacking: Vec<&assets::Model> = top
            .iter()
            .filter(|a| !priced.contains(&a.id) && a.coinpaprika_id.is_some())
            .collect();
        let paprika = if gecko_quotes.len() < n {
            Some(ctx.market.paprika_prices.top_quotes(n).await)
        } else if !lacking.is_empty() {
            let ids: Vec<String> = lacking
                .iter()
                .filter_map(|a| a.coinpaprika_id.clone())
                .collect();
            Some(ctx.market.paprika_prices.quotes_for(&ids).await)
        } else {
            None
        };
        if let Some(p) = paprika {
            failures.extend(p.failures.iter().map(|e| format!("coinpaprika: {e}")));
            let paprika_ids: Vec<String> = p.items.iter().map(|q| q.provider_id.clone()).collect();
            let by_paprika = asset_store::ids_by_coinpaprika(db, &paprika_ids).await?;
            take(
                &mut rows,
                &mut priced,
                &mut invalid,
                &p.items,
                &by_paprika,
                now,
            );
        }
        // Every held or targeted asset outside the top list: CoinGecko `/simple/price` by id
        // (batched in the client), then CoinPaprika for what it did not price.
        let wanted = held_and_targeted(ctx).await?;
        let beyond: Vec<assets::Model> = asset_store::by_ids(
            db,
            &wanted
                .into_iter()
                .filter(|id| !priced.contains(id))
                .collect::<Vec<_>>(),
        )
        .await?
        .into_iter()
        // Custom assets carry their owner's price; no provider knows them.
        .filter(|a| a.asset_type != crate::domain::catalog::ASSET_TYPE_CUSTOM)
        .collect();
        let mut held_priced = 0usize;
        let gecko_wanted: Vec<String> = beyond
            .iter()
            .filter_map(|a| a.coingecko_id.clone())
            .collect();
        if !gecko_wanted.is_empty() {
            let got = ctx.market.gecko_prices.quotes_for(&gecko_wanted).await;
            failures.extend(got.failures.iter().map(|e| format!("coingecko: {e}")));
            let by_id = asset_store::ids_by_coingecko(db, &gecko_wanted).await?;
            held_priced += take(
                &mut rows,
                &mut priced,
                &mut invalid,
                &got.items,
                &by_id,
                now,
            );
        }
        let paprika_wanted: Vec<String> = beyond
            .iter()
            .filter(|a| !priced.contains(&a.id))
            .filter_map(|a| a.coinpaprika_id.clone())
            .collect();
        if !paprika_wanted.is_empty() {
            let got = ctx.market.paprika_prices.quotes_for(&paprika_wanted).await;
            failures.extend(got.failures.iter().map(|e| format!("coinpaprika: {e}")));
            let by_id = asset_store::ids_by_coinpaprika(db, &paprika_wanted).await?;
            held_priced += take(
                &mut rows,
                &mut priced,
                &mut invalid,
                &got.items,
                &by_id,
                now,
            );
        }
        let still_unpriced = beyond.iter().filter(|a| !priced.contains(&a.id)).count();
        let from_paprika = rows.len() - from_gecko - held_priced;

        if rows.is_empty() && !failures.is_empty() {
            anyhow::bail!("no prices delivered: {}", failures.join("; "));
        }
        let statements = prices::insert_batched(db, &rows).await?;
        let reranked = update_ranks(ctx, &ranks).await?;
        let logos_updated = update_logos(ctx, logos).await?;
        ctx.price_cache.invalidate_all();
        ctx.sync.alerts.after_price_run().await;

        Ok(Outcome {
            items_processed: rows.len() as i64,
            failures,
            details: json!({
                "coingecko_prices": from_gecko,
                "coinpaprika_prices": from_paprika,
                "held_or_targeted_beyond_top": beyond.len(),
                "held_or_targeted_priced": held_priced,
                "held_or_targeted_unpriced": still_unpriced,
                "assets_created": created,
                "ranks_updated": reranked,
                "logos_updated": logos_updated,
                "invalid_quotes_skipped": invalid,
                "price_statements": statements,
            }),
        })
    }
}

/// Every asset id an active account holds or a portfolio targets. A holdings or targets
/// document that cannot be read adds nothing here (the portfolio routes report it).
async fn held_and_targeted(ctx: &JobContext) -> anyhow::Result<HashSet<Uuid>> {
    let mut ids = HashSet::new();
    ids.extend(crate::store::holdings::held_asset_ids(&ctx.db).await?);
    let mut after = None;
    loop {
        let page = portfolio_store::page(&ctx.db, after, 1_000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for p in &page {
            if let Ok(t) = crate::portfolio::targets_of(p) {
                ids.extend(t.into_iter().filter_map(|t| t.asset_id));
            }
        }
    }
    Ok(ids)
}

/// Adds a price row for each sane quote of an asset not priced yet in this run; counts the
/// insane ones in `invalid`. Returns how many rows it added.
fn take(
    rows: &mut Vec<NewPrice>,
    priced: &mut HashSet<Uuid>,
    invalid: &mut usize,
    quotes: &[MarketQuote],
    asset_of: &HashMap<String, Uuid>,
    now: DateTime<Utc>,
) -> usize {
    let before = rows.len();
    for q in quotes {
        if !sane(q) {
            *invalid += 1;
            continue;
        }
        if let Some(&asset_id) = asset_of.get(&q.provider_id) {
            if priced.insert(asset_id) {
                rows.push(price_row(asset_id, q, now));
            }
        }
    }
    rows.len() - before
}

/// A quote is only stored when its price is positive and its optional numbers not negative.
fn sane(q: &MarketQuote) -> bool {
    q.price_usd > Decimal::ZERO
        && q.market_cap_usd.is_none_or(|m| m >= Decimal::ZERO)
        && q.volume_24h_usd.is_none_or(|v| v >= Decimal::ZERO)
}

fn price_row(asset_id: Uuid, q: &MarketQuote, now: DateTime<Utc>) -> NewPrice {
    NewPrice {
        asset_id,
        // The provider's own update time, so a re-run before it changes stores nothing new.
        timestamp: q.last_updated.map(|t| t.trunc_subsecs(0)).unwrap_or(now),
        price_usd: q.price_usd,
        volume_24h_usd: q.volume_24h_usd,
        market_cap_usd: q.market_cap_usd,
        rank: q.rank,
        source: q.provider.as_str(),
    }
}

fn new_asset(q: &MarketQuote, now: DateTime<Utc>) -> assets::ActiveModel {
    let stable = crate::domain::catalog::is_stablecoin(Provider::CoinGecko, &q.provider_id);
    assets::ActiveModel {
        id: Set(Uuid::new_v4()),
        symbol: Set(q.symbol.trim().to_uppercase()),
        name: Set(q.name.trim().to_string()),
        asset_type: Set(if stable {
            "stablecoin"
        } else {
            "cryptocurrency"
        }
        .to_string()),
        coingecko_id: Set(Some(q.provider_id.clone())),
        coinpaprika_id: Set(None),
        coinmarketcap_id: Set(None),
        is_stablecoin: Set(stable),
        logo_url: Set(None),
        market_cap_rank: Set(q.rank),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Stores the logos that changed (the catalog's index knows the current ones); the index is
/// reloaded when any did.
async fn update_logos(ctx: &JobContext, logos: HashMap<Uuid, String>) -> anyhow::Result<usize> {
    let index = ctx.asset_index.get(&ctx.db).await?;
    let mut changed: Vec<(Uuid, String)> = logos
        .into_iter()
        .filter(|(id, url)| {
            index
                .get(*id)
                .is_some_and(|a| a.logo_url.as_ref() != Some(url))
        })
        .collect();
    changed.sort();
    if !changed.is_empty() {
        asset_store::update_logos(&ctx.db, &changed).await?;
        ctx.asset_index.invalidate().await;
    }
    Ok(changed.len())
}

async fn update_ranks(ctx: &JobContext, ranks: &HashMap<Uuid, i32>) -> anyhow::Result<usize> {
    let ids: Vec<Uuid> = ranks.keys().copied().collect();
    let current = asset_store::ranks_of(&ctx.db, &ids).await?;
    let mut changed: Vec<(Uuid, i32)> = ranks
        .iter()
        .filter(|(id, r)| current.get(id).copied().flatten() != Some(**r))
        .map(|(id, r)| (*id, *r))
        .collect();
    changed.sort();
    asset_store::update_ranks(&ctx.db, &changed).await?;
    Ok(changed.len())
}
