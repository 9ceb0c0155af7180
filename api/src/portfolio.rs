//! What a portfolio holds and how it stands against its targets: positions from the linked
//! accounts' last good syncs, priced at the latest prices, and snapshots of that.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::Set;
use serde_json::json;
use uuid::Uuid;

use crate::domain::allocation::{self, Allocation, Guardrails, PositionInput, ResolvedTarget};
use crate::domain::holdings;
use crate::domain::identity::{AssetIndex, AssetQuery, Resolution};
use crate::entities::{accounts, portfolios, snapshots, DbDecimal};
use crate::state::AppState;
use crate::store::prices::LatestPrice;
use crate::sync::stored_holdings;

/// Turns a symbol or an asset id into `(asset id, symbol)`, or says why it cannot.
pub fn resolve_asset(index: &AssetIndex, s: &str) -> Result<(Option<Uuid>, String), String> {
    let s = s.trim();
    if let Ok(id) = Uuid::parse_str(s) {
        return index
            .get(id)
            .map(|a| (Some(id), a.symbol.clone()))
            .ok_or_else(|| "no asset has this id".to_string());
    }
    match index.resolve(&AssetQuery {
        symbol: Some(s),
        ..Default::default()
    }) {
        Resolution::Resolved { asset_id, .. } => Ok((
            Some(asset_id),
            index
                .get(asset_id)
                .map(|a| a.symbol.clone())
                .unwrap_or_default(),
        )),
        Resolution::Ambiguous { symbol, candidates } => Err(format!(
            "several assets use the symbol {symbol}; give one of their ids: {}",
            candidates
                .iter()
                .take(5)
                .map(|c| format!("{} ({})", c.asset_id, c.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Resolution::Unknown => Err(format!("no asset has the symbol {s}")),
    }
}

/// Stored targets of a portfolio.
pub fn targets_of(p: &portfolios::Model) -> Vec<ResolvedTarget> {
    serde_json::from_value(p.target_allocation.clone()).unwrap_or_default()
}

/// Stored guardrails of a portfolio (defaults for anything missing).
pub fn guardrails_of(p: &portfolios::Model) -> Guardrails {
    serde_json::from_value(p.guardrails.clone()).unwrap_or_default()
}

/// Positions of the accounts' stored holdings at these prices, plus an empty position for
/// each targeted asset nothing is held of (so a buy has a price).
pub fn positions(
    accounts: &[accounts::Model],
    targets: &[ResolvedTarget],
    index: &AssetIndex,
    prices: &HashMap<Uuid, LatestPrice>,
) -> Vec<PositionInput> {
    let mut out = Vec::new();
    let mut held: HashSet<Uuid> = HashSet::new();
    for a in accounts {
        // An `out_of_range` holding has no usable quantity: shown on its account only.
        for h in stored_holdings(a).into_iter().filter(|h| h.is_countable()) {
            let price = h
                .asset_id
                .and_then(|id| prices.get(&id))
                .map(|p| p.price_usd);
            if let Some(id) = h.asset_id {
                held.insert(id);
            }
            out.push(PositionInput {
                asset_id: h.asset_id,
                symbol: h.symbol,
                quantity: h.quantity,
                value_usd: price.and_then(|p| holdings::value_usd(h.quantity, p)),
                price_usd: price,
                is_stablecoin: h
                    .asset_id
                    .and_then(|id| index.get(id))
                    .is_some_and(|a| a.is_stablecoin),
                accounts: vec![a.id],
            });
        }
    }
    for t in targets {
        let Some(id) = t.asset_id.filter(|id| !held.contains(id)) else {
            continue;
        };
        if let Some(p) = prices.get(&id) {
            out.push(PositionInput {
                asset_id: Some(id),
                symbol: t.symbol.clone(),
                quantity: Decimal::ZERO,
                value_usd: Some(Decimal::ZERO),
                price_usd: Some(p.price_usd),
                is_stablecoin: index.get(id).is_some_and(|a| a.is_stablecoin),
                accounts: Vec::new(),
            });
        }
    }
    out
}

/// Every asset id the accounts hold or the targets name.
pub fn asset_ids(accounts: &[accounts::Model], targets: &[ResolvedTarget]) -> Vec<Uuid> {
    let mut ids: HashSet<Uuid> = targets.iter().filter_map(|t| t.asset_id).collect();
    for a in accounts {
        ids.extend(stored_holdings(a).into_iter().filter_map(|h| h.asset_id));
    }
    ids.into_iter().collect()
}

/// The portfolio against its targets now, and the prices used.
pub async fn allocation(
    state: &AppState,
    portfolio: &portfolios::Model,
    accounts: &[accounts::Model],
) -> anyhow::Result<(Allocation, HashMap<Uuid, LatestPrice>)> {
    let index = state.asset_index.get(&state.db).await?;
    let targets = targets_of(portfolio);
    let ids = asset_ids(accounts, &targets);
    let prices = state.price_cache.latest_many(&state.db, &ids).await?;
    let positions = positions(accounts, &targets, &index, &prices);
    let alloc = allocation::compute(
        &positions,
        &targets,
        &guardrails_of(portfolio),
        portfolio.stablecoins_as_cash,
    );
    Ok((alloc, prices))
}

/// A snapshot row: the lines (quantities, prices, values) and, in metadata, the unpriced
/// holdings, every price's source and time, and each account's last good sync.
pub fn snapshot_row(
    portfolio_id: Uuid,
    date: NaiveDate,
    snapshot_type: &str,
    alloc: &Allocation,
    prices: &HashMap<Uuid, LatestPrice>,
    accounts: &[accounts::Model],
    now: DateTime<Utc>,
) -> snapshots::ActiveModel {
    let used: serde_json::Map<String, serde_json::Value> = alloc
        .lines
        .iter()
        .filter_map(|l| l.asset_id)
        .filter_map(|id| prices.get(&id).map(|p| (id, p)))
        .map(|(id, p)| {
            (
                id.to_string(),
                json!({"price_usd": p.price_usd, "source": p.source, "at": p.timestamp}),
            )
        })
        .collect();
    snapshots::ActiveModel {
        id: Set(Uuid::new_v4()),
        portfolio_id: Set(portfolio_id),
        snapshot_date: Set(date),
        snapshot_type: Set(snapshot_type.to_string()),
        total_value_usd: Set(DbDecimal(alloc.total_value_usd)),
        holdings: Set(serde_json::to_value(&alloc.lines).unwrap_or_default()),
        metadata: Set(Some(json!({
            "unpriced": alloc.unpriced,
            "liabilities": alloc.liabilities,
            "net_value_usd": alloc.net_value_usd,
            "prices": used,
            "accounts": accounts.iter().map(|a| json!({
                "id": a.id, "name": a.name, "last_synced_at": a.last_synced_at,
            })).collect::<Vec<_>>(),
        }))),
        created_at: Set(now),
    }
}
