//! What a portfolio holds and how it stands against its targets: positions from the linked
//! accounts' last good syncs, priced at the latest prices, and snapshots of that.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::Set;
use serde_json::json;
use uuid::Uuid;

use crate::config::MarketConfig;
use crate::domain::allocation::{self, Allocation, Guardrails, PositionInput, ResolvedTarget};
use crate::domain::completeness::{self, AccountState, Blocking, BlockingReason};
use crate::domain::holdings::{self, Holding};
use crate::domain::identity::{AssetIndex, AssetQuery, Resolution};
use crate::entities::{accounts, portfolios, snapshots, DbDecimal};
use crate::error::ApiError;
use crate::store::assets::AssetIndexCache;
use crate::store::prices::LatestPrice;
use crate::store::prices::PriceCache;

pub use crate::store::holdings::{LoadError, Unreadable};

impl From<Unreadable> for ApiError {
    fn from(e: Unreadable) -> Self {
        tracing::error!(error = %e, "stored document unreadable");
        ApiError::Conflict {
            code: "stored_data_unreadable",
            message: e.to_string(),
        }
    }
}

/// What valuing a portfolio reads: the database, the asset index, the price cache and how old
/// a price may be. Built from the app state on the top floor (`state.rs`).
#[derive(Clone)]
pub struct PortfolioContext {
    pub db: sea_orm::DatabaseConnection,
    pub asset_index: AssetIndexCache,
    pub price_cache: PriceCache,
    pub price_max_age: std::time::Duration,
}

/// When prices count as fresh.
#[derive(Debug, Clone, Copy)]
pub struct PriceRule {
    pub now: DateTime<Utc>,
    pub max_age: chrono::Duration,
}

impl PriceRule {
    /// Prices younger than `PRICE_MAX_AGE` are fresh, from now.
    pub fn of(market: &MarketConfig) -> Self {
        Self::within(market.price_max_age)
    }

    /// Prices younger than `max_age` are fresh, from now.
    pub fn within(max_age: std::time::Duration) -> Self {
        PriceRule {
            now: Utc::now(),
            max_age: chrono::Duration::from_std(max_age).unwrap_or(chrono::Duration::hours(2)),
        }
    }

    pub fn is_stale(&self, at: DateTime<Utc>) -> bool {
        completeness::is_stale(at, self.now, self.max_age)
    }

    /// Whether a price from `source` set at `at` is stale; a price the user entered for a
    /// custom asset (`manual`) stays valid until they change it.
    pub fn is_stale_from(&self, source: &str, at: DateTime<Utc>) -> bool {
        source != crate::store::custom_assets::MANUAL_SOURCE && self.is_stale(at)
    }
}

/// Holdings valued at the latest prices, by the same rule as portfolios (so an account's total
/// and a portfolio's agree); a holding whose asset has no price keeps the one it synced with.
pub fn reprice(holdings: &mut [Holding], prices: &HashMap<Uuid, LatestPrice>, dust: Decimal) {
    let quotes: HashMap<Uuid, holdings::Quote> = prices
        .iter()
        .map(|(id, p)| {
            (
                *id,
                holdings::Quote {
                    price_usd: p.price_usd,
                    source: p.source.clone(),
                    at: p.timestamp,
                },
            )
        })
        .collect();
    holdings::price(holdings, &quotes, dust);
}

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

/// Marks holdings whose price is older than the staleness limit (`stale`), and clears the mark
/// where the price is fresh again.
pub fn flag_stale(holdings: &mut [Holding], rule: &PriceRule) {
    use crate::domain::holdings::flag;
    for h in holdings {
        h.flags.retain(|f| f != flag::STALE);
        let source = h.price_source.as_deref().unwrap_or_default();
        if h.price_at.is_some_and(|at| rule.is_stale_from(source, at)) {
            h.flags.push(flag::STALE.to_string());
        }
    }
}

/// Stored targets of a portfolio; an unreadable document is an error.
pub fn targets_of(p: &portfolios::Model) -> Result<Vec<ResolvedTarget>, Unreadable> {
    serde_json::from_value(p.target_allocation.clone()).map_err(|e| Unreadable {
        what: "target allocation",
        owner: "portfolio",
        id: p.id,
        why: e.to_string(),
    })
}

/// Stored guardrails of a portfolio (defaults for fields a document lacks, since older
/// versions stored fewer; a document that cannot be read at all is an error).
pub fn guardrails_of(p: &portfolios::Model) -> Result<Guardrails, Unreadable> {
    serde_json::from_value(p.guardrails.clone()).map_err(|e| Unreadable {
        what: "guardrails",
        owner: "portfolio",
        id: p.id,
        why: e.to_string(),
    })
}

/// Positions of the accounts' stored holdings at these prices, plus an empty position for
/// each targeted asset nothing is held of (so a buy has a price).
pub fn positions(
    accounts: &[(Uuid, Vec<Holding>)],
    targets: &[ResolvedTarget],
    index: &AssetIndex,
    prices: &HashMap<Uuid, LatestPrice>,
    rule: &PriceRule,
) -> Vec<PositionInput> {
    let mut out = Vec::new();
    let mut held: HashSet<Uuid> = HashSet::new();
    for (account_id, holdings) in accounts {
        // An `out_of_range` holding has no usable quantity: shown on its account only.
        for h in holdings.iter().filter(|h| h.is_countable()) {
            let price = h.asset_id.and_then(|id| prices.get(&id));
            if let Some(id) = h.asset_id {
                held.insert(id);
            }
            out.push(PositionInput {
                asset_id: h.asset_id,
                symbol: h.symbol.clone(),
                quantity: h.quantity,
                value_usd: price.and_then(|p| holdings::value_usd(h.quantity, p.price_usd)),
                price_usd: price.map(|p| p.price_usd),
                is_stablecoin: h
                    .asset_id
                    .and_then(|id| index.get(id))
                    .is_some_and(|a| a.is_stablecoin),
                accounts: vec![*account_id],
                price_source: price.map(|p| p.source.clone()),
                price_at: price.map(|p| p.timestamp),
                price_stale: price.is_some_and(|p| rule.is_stale_from(&p.source, p.timestamp)),
                quantity_dp: h.decimals.map(u32::from),
                ambiguous: h.asset_id.is_none() && h.identified_by == "ambiguous",
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
                price_source: Some(p.source.clone()),
                price_at: Some(p.timestamp),
                price_stale: rule.is_stale_from(&p.source, p.timestamp),
                quantity_dp: None,
                ambiguous: false,
            });
        }
    }
    out
}

/// Every linked account's holdings, read from storage in the accounts' order (an unreadable
/// document is an error).
pub async fn account_holdings(
    db: &impl sea_orm::ConnectionTrait,
    accounts: &[accounts::Model],
) -> Result<Vec<(Uuid, Vec<Holding>)>, LoadError> {
    let mut by_id = crate::store::holdings::of_accounts(db, accounts).await?;
    Ok(accounts
        .iter()
        .map(|a| (a.id, by_id.remove(&a.id).unwrap_or_default()))
        .collect())
}

impl From<LoadError> for ApiError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Db(e) => e.into(),
            LoadError::Unreadable(e) => e.into(),
        }
    }
}

/// Every asset id the holdings hold or the targets name.
pub fn asset_ids(accounts: &[(Uuid, Vec<Holding>)], targets: &[ResolvedTarget]) -> Vec<Uuid> {
    let mut ids: HashSet<Uuid> = targets.iter().filter_map(|t| t.asset_id).collect();
    for (_, holdings) in accounts {
        ids.extend(holdings.iter().filter_map(|h| h.asset_id));
    }
    ids.into_iter().collect()
}

/// What completeness needs of the linked accounts. A manual account is left out: its holdings
/// are what the user entered, stored as they are entered, so it has no read that can fail or
/// be missing.
pub fn account_states(accounts: &[accounts::Model]) -> Vec<AccountState> {
    accounts
        .iter()
        .filter(|a| a.account_type != "manual")
        .map(|a| AccountState {
            id: a.id,
            name: a.name.clone(),
            status: a.last_sync_status.clone(),
            error: a.last_sync_error.clone(),
            last_synced_at: a.last_synced_at,
        })
        .collect()
}

/// A portfolio valued now: the allocation, the prices used, and what keeps a recommendation
/// from being computed on it (empty when the data is complete).
pub struct Valued {
    pub allocation: Allocation,
    pub prices: HashMap<Uuid, LatestPrice>,
    pub guardrails: Guardrails,
    pub blocking: Vec<Blocking>,
}

/// The portfolio against its targets now, the prices used, and its completeness.
pub async fn allocation(
    ctx: &PortfolioContext,
    portfolio: &portfolios::Model,
    accounts: &[accounts::Model],
) -> Result<Valued, ApiError> {
    let index = ctx.asset_index.for_user(&ctx.db, portfolio.user_id).await?;
    let targets = targets_of(portfolio)?;
    let guardrails = guardrails_of(portfolio)?;
    let held = account_holdings(&ctx.db, accounts).await?;
    let ids = asset_ids(&held, &targets);
    let prices = ctx.price_cache.latest_many(&ctx.db, &ids).await?;
    let rule = PriceRule::within(ctx.price_max_age);
    let positions = positions(&held, &targets, &index, &prices, &rule);
    let alloc = allocation::compute(
        &positions,
        &targets,
        &guardrails,
        portfolio.stablecoins_as_cash,
    );
    let mut blocking = completeness::blocking(
        &positions,
        &targets,
        |id| prices.get(&id).map(|p| p.timestamp),
        &account_states(accounts),
        guardrails.min_trade_usd,
        rule.now,
        rule.max_age,
    );
    mark_excludable(&mut blocking, &held);
    Ok(Valued {
        allocation: alloc,
        prices,
        guardrails,
        blocking,
    })
}

/// An account that cannot be read but holds nothing the Butler knows of may be left out of
/// advice at the user's request: its `sync_failed` entry says so.
fn mark_excludable(blocking: &mut [Blocking], held: &[(Uuid, Vec<Holding>)]) {
    let holds_nothing = |id: &Uuid| {
        held.iter()
            .find(|(a, _)| a == id)
            .is_none_or(|(_, h)| h.iter().all(|x| x.quantity.is_zero()))
    };
    for b in blocking
        .iter_mut()
        .filter(|b| b.reason == BlockingReason::SyncFailed)
    {
        b.excludable = !b.accounts.is_empty() && b.accounts.iter().all(holds_nothing);
    }
}

/// Whether an account's content is known: a manual account always is (what the user entered,
/// possibly nothing); an exchange or wallet account once a first read has succeeded.
pub fn has_been_read(a: &accounts::Model) -> bool {
    a.account_type == "manual" || a.last_synced_at.is_some()
}

/// Linked accounts whose content is not known yet (see [`has_been_read`]).
pub fn accounts_not_read(accounts: &[accounts::Model]) -> Vec<Uuid> {
    accounts
        .iter()
        .filter(|a| !has_been_read(a))
        .map(|a| a.id)
        .collect()
}

/// Whether a snapshot would value nothing: accounts are linked, and none has been read yet
/// (a portfolio without accounts is empty, and worth a known 0).
pub fn nothing_valued(accounts: &[accounts::Model]) -> bool {
    !accounts.is_empty() && !accounts.iter().any(has_been_read)
}

/// A snapshot row: `total_value_usd` is the net value (assets − liabilities); the lines
/// (quantities, prices, values) and, in metadata, the gross assets and the liabilities, the
/// unpriced holdings, every price's source and time, each account's last good sync and the
/// accounts not read yet (which make the snapshot incomplete).
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
        total_value_usd: Set(DbDecimal(alloc.net_value_usd)),
        holdings: Set(serde_json::to_value(&alloc.lines).unwrap_or_default()),
        metadata: Set(Some(json!({
            "unpriced": alloc.unpriced,
            "liabilities": alloc.liabilities,
            "net_value_usd": alloc.net_value_usd,
            "assets_usd": alloc.total_value_usd,
            "liabilities_usd": alloc.total_value_usd.saturating_sub(alloc.net_value_usd),
            "accounts_not_read": accounts_not_read(accounts),
            "prices": used,
            "accounts": accounts.iter().map(|a| json!({
                "id": a.id, "name": a.name, "last_synced_at": a.last_synced_at,
            })).collect::<Vec<_>>(),
        }))),
        created_at: Set(now),
    }
}

/// What a stored snapshot was worth: net, gross assets, liabilities (positive), and how many
/// linked accounts had not been read yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotValues {
    pub net_value_usd: Decimal,
    pub assets_usd: Decimal,
    pub liabilities_usd: Decimal,
    pub accounts_not_read: usize,
}

/// The values of a stored snapshot. Rows written before snapshots recorded the net value kept
/// the gross assets in `total_value_usd` and the net value (when there was a borrow) only in
/// metadata: those are read by that older rule, so every answer is net.
pub fn snapshot_values(s: &snapshots::Model) -> SnapshotValues {
    let meta = s.metadata.as_ref();
    let dec = |key: &str| -> Option<Decimal> {
        meta.and_then(|m| m.get(key))
            .and_then(|v| serde_json::from_value::<Decimal>(v.clone()).ok())
    };
    let accounts_not_read = meta
        .and_then(|m| m.get("accounts_not_read"))
        .and_then(|v| v.as_array())
        .map_or(0, Vec::len);
    let column = s.total_value_usd.0;
    let (net, assets) = match dec("assets_usd") {
        Some(assets) => (column, assets),
        None => (dec("net_value_usd").unwrap_or(column), column),
    };
    SnapshotValues {
        net_value_usd: net,
        assets_usd: assets,
        liabilities_usd: assets.saturating_sub(net),
        accounts_not_read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(total: &str, metadata: serde_json::Value) -> snapshots::Model {
        snapshots::Model {
            id: Uuid::nil(),
            portfolio_id: Uuid::nil(),
            snapshot_date: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
            snapshot_type: "eod".into(),
            total_value_usd: DbDecimal(total.parse().unwrap()),
            holdings: json!([]),
            metadata: Some(metadata),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_snapshot_stored_before_net_values_is_read_as_net_with_its_gross_beside_it() {
        let old = snapshot_values(&row("63000", json!({"net_value_usd": "60000"})));
        assert_eq!(
            (old.net_value_usd, old.assets_usd, old.liabilities_usd),
            (
                Decimal::from(60000),
                Decimal::from(63000),
                Decimal::from(3000)
            )
        );
        let older = snapshot_values(&row("500", json!({"unpriced": []})));
        assert_eq!(
            (older.net_value_usd, older.assets_usd),
            (500.into(), 500.into())
        );
        let new = snapshot_values(&row(
            "60000",
            json!({"net_value_usd": "60000", "assets_usd": "63000", "accounts_not_read": ["a", "b"]}),
        ));
        assert_eq!(
            (
                new.net_value_usd,
                new.liabilities_usd,
                new.accounts_not_read
            ),
            (Decimal::from(60000), Decimal::from(3000), 2)
        );
    }
}
