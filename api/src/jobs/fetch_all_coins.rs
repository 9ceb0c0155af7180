//! `fetch-all-coins`: the asset registry from CoinGecko's and CoinPaprika's catalogs, merged
//! into one asset per real coin with its contracts per chain. Only differences are written,
//! so a run over unchanged upstream data changes no row.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use sea_orm::Set;
use serde_json::json;
use uuid::Uuid;

use super::JobContext;
use super::{Job, Outcome};
use crate::config::{Config, JobSchedule};
use crate::connectors::{ConnectorError, PlatformAddress};
use crate::domain::catalog::{self, ChainMap, Change, ExistingAsset, PlannedAsset};
use crate::entities::{asset_contracts, assets};
use crate::store::{assets as asset_store, evm_chains, solana_rpc};

pub struct FetchAllCoins;

pub const NAME: &str = "fetch-all-coins";

#[async_trait::async_trait]
impl Job for FetchAllCoins {
    fn name(&self) -> &'static str {
        NAME
    }

    fn schedule<'a>(&self, config: &'a Config) -> &'a JobSchedule {
        &config.market.fetch_all_coins
    }

    async fn run(&self, ctx: &JobContext, _trigger: super::Trigger) -> anyhow::Result<Outcome> {
        let m = &ctx.market;
        let mut failures = Vec::new();
        let platforms = m.gecko_platforms.platforms().await.unwrap_or_else(|e| {
            failures.push(format!("coingecko asset_platforms: {e}"));
            Vec::new()
        });
        let our_chains: Vec<(String, i64)> = evm_chains::list(&ctx.db, None)
            .await?
            .into_iter()
            .map(|c| (c.chain_name, c.chain_id))
            .collect();
        let chains = ChainMap::new(&platforms, &our_chains);
        let gecko = m.gecko_catalog.list_coins().await.unwrap_or_else(|e| {
            failures.push(format!("coingecko coins list: {e}"));
            Vec::new()
        });
        let paprika = m.paprika_catalog.list_coins().await.unwrap_or_else(|e| {
            failures.push(format!("coinpaprika coins: {e}"));
            Vec::new()
        });
        if gecko.is_empty() && paprika.is_empty() {
            anyhow::bail!(
                "no provider delivered its coin list: {}",
                failures.join("; ")
            );
        }

        let (rows, contract_rows) = asset_store::all_with_contracts(&ctx.db).await?;
        let existing = existing_assets(&rows, &contract_rows);

        let paprika_contracts =
            lookup_paprika_contracts(ctx, &paprika, &existing, &mut failures).await;
        let plan = catalog::merge(&existing, &gecko, &paprika, &paprika_contracts, &chains);

        let writes = apply(ctx, &plan, &rows, &contract_rows).await?;
        let native_linked = link_native_coins(ctx, &platforms).await?;
        ctx.asset_index.invalidate().await;
        let (new, updated, unchanged) = plan.counts();
        Ok(Outcome {
            items_processed: (gecko.len() + paprika.len()) as i64,
            failures,
            details: json!({
                "coingecko_coins": gecko.len(),
                "coinpaprika_coins": paprika.len(),
                "coinpaprika_contract_lookups": paprika_contracts.len(),
                "assets_new": new,
                "assets_updated": updated,
                "assets_unchanged": unchanged,
                "rows_written": writes.rows,
                "statements": writes.statements,
                "invalid_addresses_skipped": plan.invalid_addresses,
                "inactive_skipped": plan.skipped_inactive,
                "conflicts": plan.conflicts.len(),
                "native_coins_linked": native_linked,
            }),
        })
    }
}

/// Points each chain row that has no native asset yet at its native coin, by the CoinGecko id
/// `/asset_platforms` gives (`native_coin_id`), matched on the EVM chain id (the Solana row on
/// platform `solana`); never by ticker. A row the admin (or the seed) set is left alone.
/// Returns how many rows were linked.
async fn link_native_coins(
    ctx: &JobContext,
    platforms: &[crate::connectors::AssetPlatform],
) -> anyhow::Result<usize> {
    let native_of = |found: Option<&crate::connectors::AssetPlatform>| {
        found.and_then(|p| p.native_coin_id.clone())
    };
    let mut wanted: Vec<(Option<Uuid>, String)> = Vec::new();
    for c in evm_chains::list(&ctx.db, None).await? {
        if c.native_asset_id.is_some() {
            continue;
        }
        let platform = platforms
            .iter()
            .find(|p| p.chain_identifier == Some(c.chain_id));
        if let Some(id) = native_of(platform) {
            wanted.push((Some(c.id), id));
        }
    }
    let solana = solana_rpc::get(&ctx.db, solana_rpc::MAINNET).await?;
    if solana.as_ref().is_some_and(|r| r.native_asset_id.is_none()) {
        if let Some(id) = native_of(platforms.iter().find(|p| p.id == "solana")) {
            wanted.push((None, id));
        }
    }
    if wanted.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = wanted.iter().map(|(_, id)| id.clone()).collect();
    let assets = asset_store::ids_by_coingecko(&ctx.db, &ids).await?;
    let mut linked = 0;
    for (chain, coingecko_id) in wanted {
        let Some(&asset_id) = assets.get(&coingecko_id) else {
            continue;
        };
        match chain {
            Some(chain) => evm_chains::set_native_asset(&ctx.db, chain, asset_id).await?,
            None => solana_rpc::set_native_asset(&ctx.db, solana_rpc::MAINNET, asset_id).await?,
        }
        linked += 1;
    }
    Ok(linked)
}

fn existing_assets(
    rows: &[assets::Model],
    contracts: &[asset_contracts::Model],
) -> Vec<ExistingAsset> {
    let mut by_asset: HashMap<Uuid, Vec<(String, String)>> = HashMap::new();
    for c in contracts {
        by_asset
            .entry(c.asset_id)
            .or_default()
            .push((c.chain.clone(), c.contract_address.clone()));
    }
    rows.iter()
        .map(|a| ExistingAsset {
            id: a.id,
            symbol: a.symbol.clone(),
            name: a.name.clone(),
            coingecko_id: a.coingecko_id.clone(),
            coinpaprika_id: a.coinpaprika_id.clone(),
            asset_type: a.asset_type.clone(),
            is_stablecoin: a.is_stablecoin,
            market_cap_rank: a.market_cap_rank,
            contracts: by_asset.remove(&a.id).unwrap_or_default(),
        })
        .collect()
}

/// CoinPaprika's list has no contracts: look up the best-ranked coins that have none yet,
/// capped per run (its free tier allows about 20,000 calls a month).
async fn lookup_paprika_contracts(
    ctx: &JobContext,
    paprika: &[crate::connectors::CoinListing],
    existing: &[ExistingAsset],
    failures: &mut Vec<String>,
) -> HashMap<String, Vec<PlatformAddress>> {
    let cap = ctx.config.market.paprika_contract_lookups;
    let covered: HashSet<&str> = existing
        .iter()
        .filter(|a| !a.contracts.is_empty())
        .filter_map(|a| a.coinpaprika_id.as_deref())
        .collect();
    let mut candidates: Vec<&crate::connectors::CoinListing> = paprika
        .iter()
        .filter(|c| c.is_active && c.rank.is_some() && !covered.contains(c.provider_id.as_str()))
        .collect();
    candidates.sort_by_key(|c| c.rank);
    let mut out = HashMap::new();
    for coin in candidates.into_iter().take(cap) {
        match ctx
            .market
            .paprika_contracts
            .coin_contracts(&coin.provider_id)
            .await
        {
            Ok(list) => {
                out.insert(coin.provider_id.clone(), list);
            }
            Err(e @ (ConnectorError::RateLimited { .. } | ConnectorError::CircuitOpen { .. })) => {
                failures.push(format!("coinpaprika contracts: {e}; stopped looking up"));
                break;
            }
            Err(e) => failures.push(format!(
                "coinpaprika contracts of {}: {e}",
                coin.provider_id
            )),
        }
    }
    out
}

struct Writes {
    rows: usize,
    statements: usize,
}

/// Writes the plan's differences in one transaction: releases first (so unique ids and
/// contracts can move between assets), then new assets in batches, changed assets, and
/// contracts in batches.
async fn apply(
    ctx: &JobContext,
    plan: &catalog::CatalogPlan,
    rows: &[assets::Model],
    contract_rows: &[asset_contracts::Model],
) -> anyhow::Result<Writes> {
    let now = Utc::now();
    let by_id: HashMap<Uuid, &assets::Model> = rows.iter().map(|a| (a.id, a)).collect();
    let stored_contracts: HashMap<(&str, &str), &asset_contracts::Model> = contract_rows
        .iter()
        .map(|c| ((c.chain.as_str(), c.contract_address.as_str()), c))
        .collect();
    let txn = crate::db::begin_write(&ctx.db).await?;
    let mut w = Writes {
        rows: 0,
        statements: 0,
    };

    // Releases: clear provider ids and move contracts away from rows that give them up.
    let mut released_contracts: HashSet<(String, String)> = HashSet::new();
    let mut cleared = Vec::new();
    for r in &plan.releases {
        if r.coingecko_id.is_some() || r.coinpaprika_id.is_some() {
            let mut am = assets::ActiveModel {
                id: Set(r.asset_id),
                updated_at: Set(now),
                ..Default::default()
            };
            if r.coingecko_id.is_some() {
                am.coingecko_id = Set(None);
            }
            if r.coinpaprika_id.is_some() {
                am.coinpaprika_id = Set(None);
            }
            cleared.push(am);
        }
        released_contracts.extend(r.contracts.iter().cloned());
    }
    w.statements += asset_store::update_each(&txn, cleared).await?;

    let mut new_assets = Vec::new();
    let mut changed = Vec::new();
    let mut new_contracts = Vec::new();
    let mut moved_contracts = Vec::new();
    for planned in &plan.assets {
        let id = planned.existing_id.unwrap_or_else(Uuid::new_v4);
        match planned.existing_id.and_then(|id| by_id.get(&id)) {
            None => new_assets.push(new_row(planned, id, now)),
            Some(row) if planned.change != Change::Unchanged || differs(row, planned) => {
                if differs(row, planned) || plan.releases.iter().any(|r| r.asset_id == id) {
                    changed.push(update_row(planned, id, now));
                }
            }
            Some(_) => {}
        }
        for c in &planned.contracts {
            match stored_contracts.get(&(c.chain.as_str(), c.address.as_str())) {
                None => new_contracts.push(asset_contracts::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    asset_id: Set(id),
                    chain: Set(c.chain.clone()),
                    contract_address: Set(c.address.clone()),
                    token_standard: Set(None),
                    decimals: Set(None),
                    is_verified: Set(false),
                    source: Set(c.source.map(|p| p.as_str().to_string())),
                    created_at: Set(now),
                    updated_at: Set(now),
                }),
                Some(stored) if stored.asset_id != id => {
                    moved_contracts.push(asset_contracts::ActiveModel {
                        id: Set(stored.id),
                        asset_id: Set(id),
                        updated_at: Set(now),
                        ..Default::default()
                    });
                }
                Some(_) => {}
            }
        }
    }
    w.rows += new_assets.len() + changed.len() + new_contracts.len() + moved_contracts.len();
    w.statements += asset_store::insert_many(&txn, new_assets).await?;
    w.statements += asset_store::update_each(&txn, changed).await?;
    w.statements += asset_store::update_contracts(&txn, moved_contracts).await?;
    w.statements += asset_store::insert_contracts(&txn, new_contracts).await?;
    txn.commit().await?;
    let _ = released_contracts;
    Ok(w)
}

/// Whether the stored row differs from the plan in what this job owns. The rank belongs to
/// `price-collection` and is only set when a row is created.
fn differs(row: &assets::Model, p: &PlannedAsset) -> bool {
    row.symbol != p.symbol
        || row.name != p.name
        || row.asset_type != p.asset_type
        || row.coingecko_id != p.coingecko_id
        || row.coinpaprika_id != p.coinpaprika_id
        || row.is_stablecoin != p.is_stablecoin
}

fn new_row(p: &PlannedAsset, id: Uuid, now: chrono::DateTime<Utc>) -> assets::ActiveModel {
    assets::ActiveModel {
        id: Set(id),
        symbol: Set(p.symbol.clone()),
        name: Set(p.name.clone()),
        asset_type: Set(p.asset_type.clone()),
        coingecko_id: Set(p.coingecko_id.clone()),
        coinpaprika_id: Set(p.coinpaprika_id.clone()),
        coinmarketcap_id: Set(None),
        is_stablecoin: Set(p.is_stablecoin),
        logo_url: Set(None),
        market_cap_rank: Set(p.market_cap_rank),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn update_row(p: &PlannedAsset, id: Uuid, now: chrono::DateTime<Utc>) -> assets::ActiveModel {
    assets::ActiveModel {
        id: Set(id),
        symbol: Set(p.symbol.clone()),
        name: Set(p.name.clone()),
        asset_type: Set(p.asset_type.clone()),
        coingecko_id: Set(p.coingecko_id.clone()),
        coinpaprika_id: Set(p.coinpaprika_id.clone()),
        is_stablecoin: Set(p.is_stablecoin),
        updated_at: Set(now),
        ..Default::default()
    }
}
