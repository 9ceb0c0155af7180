//! Wallets on EVM chains: native and token balances of every enabled chain, read through
//! Multicall3 batches, and token discovery (see docs/discovery.md).
//!
//! The tokens scanned on a chain are the admin registry (`evm_tokens`) ∪ the catalog's
//! contracts on that chain (`asset_contracts`, best market-cap rank first, at most
//! `DISCOVERY_MAX_TOKENS_PER_CHAIN`) ∪ the tokens the account's owner added by contract
//! (`user_tokens`). Only non-zero balances become holdings. Catalog contracts come without
//! decimals: a held one with unknown decimals costs one more batch (`decimals`, `symbol`,
//! `name` of all such tokens at once), and its decimals are cached on the catalog row.
//!
//! Valuation and spam: a registry token keeps the admin's link (or the catalog's, by
//! contract). Any other token is valued only when its contract maps to a catalog asset; else
//! [`spam::classify`] makes it `unverified` or `spam` (never valued, never in totals). The
//! owner's mark (`token_marks`) wins: `spam` hides any token, `trusted` lifts a spam verdict.

use std::collections::{HashMap, HashSet};

use futures_util::StreamExt;

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::connectors::{ChainReading, ChainTarget, ConnectorError, TokenRead, TokenTarget};
use crate::domain::amounts;
use crate::domain::catalog::KNOWN_GECKO_EVM;
use crate::domain::holdings::{flag, Kept, RawHolding};
use crate::domain::identity::{AssetQuery, Resolution};
use crate::domain::locations::Outcome;
use crate::domain::spam::{self, Known, Mark, Verdict};
use crate::entities::{accounts, evm_chains};
use crate::store::{assets, evm_chains as chain_store, evm_tokens, token_marks, user_tokens};
use crate::sync::SyncContext;

use super::{defi, Reading};
use crate::connectors::defi::{DefiReading, DefiTarget, ProtocolRead};

/// Enabled chains of a wallet account, as stored (`["ethereum", "base"]`).
pub fn enabled_chains(account: &accounts::Model) -> Vec<String> {
    account
        .enabled_chains
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// The keys a chain's catalog contracts may be stored under: its own name (what the catalog
/// job uses for every configured chain, matched by EVM chain id) and CoinGecko's platform id
/// for that chain id (contracts stored before the chain was configured).
pub fn catalog_keys(chain: &evm_chains::Model) -> Vec<String> {
    let mut keys = vec![chain.chain_name.clone()];
    for (platform, id) in KNOWN_GECKO_EVM {
        if id == chain.chain_id && !keys.iter().any(|k| k == platform) {
            keys.push(platform.to_string());
        }
    }
    keys
}

/// Where a scanned token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The admin registry: read failures count, and the admin's asset link is trusted.
    Registry,
    /// Added by the account's owner.
    Added,
    /// A catalog contract: failures and non-tokens are quiet (most catalog tokens are not held).
    Catalog,
}

/// One token scanned on a chain.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Lowercase `0x` + 40 hex.
    pub(crate) address: String,
    pub(crate) symbol: String,
    pub(crate) name: String,
    pub(crate) decimals: Option<u8>,
    /// The admin's link (registry) or the catalog asset of this contract.
    pub(crate) asset_id: Option<Uuid>,
    /// Whether `asset_id` is the catalog's (by contract).
    pub(crate) catalog: bool,
    pub(crate) origin: Origin,
}

/// What one chain scans: the tokens every wallet is read for, and each account's added ones.
pub(crate) struct ChainPlan {
    pub(crate) chain: evm_chains::Model,
    pub(crate) shared: Vec<Candidate>,
    pub(crate) added: HashMap<Uuid, Vec<Candidate>>,
    /// Normalised symbols a look-alike on this chain would imitate.
    pub(crate) known: HashSet<String>,
}

fn to_u8(d: i32) -> Option<u8> {
    u8::try_from(d).ok().filter(|d| *d <= 36)
}

impl ChainPlan {
    /// Registry ∪ catalog (capped by rank) ∪ the added tokens of these accounts.
    pub(crate) async fn load(
        ctx: &SyncContext,
        chain: evm_chains::Model,
        accounts: &[Uuid],
    ) -> Result<Self, sea_orm::DbErr> {
        let db = &ctx.db;
        let keys = catalog_keys(&chain);
        let limit = ctx.settings.max_tokens_per_chain as u64;
        let catalog = assets::catalog_contracts(db, &keys, limit).await?;
        let mut by_address: HashMap<String, usize> = HashMap::new();
        let mut shared: Vec<Candidate> = Vec::new();
        for t in evm_tokens::active_for_chain(db, chain.id).await? {
            let address = t.contract_address.to_ascii_lowercase();
            by_address.insert(address.clone(), shared.len());
            shared.push(Candidate {
                address,
                symbol: t.symbol.clone(),
                name: t.name.clone().unwrap_or_else(|| t.symbol.clone()),
                decimals: to_u8(t.decimals),
                asset_id: t.asset_id,
                catalog: false,
                origin: Origin::Registry,
            });
        }
        for c in catalog {
            match by_address.get(&c.contract_address) {
                Some(&i) => {
                    if shared[i].asset_id.is_none() {
                        shared[i].asset_id = Some(c.asset_id);
                        shared[i].catalog = true;
                    }
                }
                None => {
                    by_address.insert(c.contract_address.clone(), shared.len());
                    shared.push(Candidate {
                        address: c.contract_address,
                        symbol: c.symbol,
                        name: c.name,
                        decimals: c.decimals.and_then(to_u8),
                        asset_id: Some(c.asset_id),
                        catalog: true,
                        origin: Origin::Catalog,
                    });
                }
            }
        }
        let index = ctx.asset_index.get(db).await?;
        let mut added: HashMap<Uuid, Vec<Candidate>> = HashMap::new();
        for t in user_tokens::for_accounts_on_chain(db, accounts, &chain.chain_name).await? {
            let address = t.contract_address.to_ascii_lowercase();
            if by_address.contains_key(&address) {
                continue;
            }
            // A contract the catalog knows beyond the cap is still valued.
            let asset_id = keys.iter().find_map(|k| {
                match index.resolve(&AssetQuery {
                    chain: Some(k),
                    address: Some(&address),
                    symbol: None,
                    name: None,
                }) {
                    Resolution::Resolved { asset_id, .. } => Some(asset_id),
                    _ => None,
                }
            });
            added.entry(t.account_id).or_default().push(Candidate {
                address,
                symbol: t.symbol,
                name: t.name,
                decimals: to_u8(t.decimals),
                asset_id,
                catalog: asset_id.is_some(),
                origin: Origin::Added,
            });
        }
        let mut known: HashSet<String> = assets::catalog_symbols(db, &keys)
            .await?
            .iter()
            .map(|s| spam::normalise(s))
            .collect();
        known.insert(spam::normalise(&chain.native_symbol));
        Ok(ChainPlan {
            chain,
            shared,
            added,
            known,
        })
    }

    /// Every token of the plan (shared, then each account's added ones, once each).
    fn all_tokens(&self) -> Vec<&Candidate> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut out: Vec<&Candidate> = Vec::new();
        let mut ids: Vec<&Uuid> = self.added.keys().collect();
        ids.sort();
        for c in self
            .shared
            .iter()
            .chain(ids.into_iter().flat_map(|id| &self.added[id]))
        {
            if seen.insert(c.address.as_str()) {
                out.push(c);
            }
        }
        out
    }

    /// Decimals read on chain since the plan was loaded.
    fn learn_decimals(&mut self, found: &HashMap<String, u8>) {
        for c in self
            .shared
            .iter_mut()
            .chain(self.added.values_mut().flatten())
        {
            if c.decimals.is_none() {
                c.decimals = found.get(&c.address).copied();
            }
        }
    }

    /// The connector's view of the chain with every token of the plan.
    pub(crate) fn target(&self) -> ChainTarget {
        target_of(&self.chain, self.all_tokens())
    }
}

fn target_of<'a>(
    chain: &evm_chains::Model,
    tokens: impl IntoIterator<Item = &'a Candidate>,
) -> ChainTarget {
    ChainTarget {
        chain_name: chain.chain_name.clone(),
        chain_id: chain.chain_id,
        rpc_url: chain.rpc_url.clone(),
        native_symbol: chain.native_symbol.clone(),
        native_decimals: chain.native_decimals.clamp(0, 255) as u8,
        tokens: tokens
            .into_iter()
            .map(|t| TokenTarget {
                address: t.address.clone(),
                symbol: t.symbol.clone(),
                decimals: t.decimals.unwrap_or(0),
            })
            .collect(),
        multicall3_address: chain.multicall3_address.clone(),
    }
}

/// Readings fetched before the sync (the account-sync job reads many wallets of a chain in
/// shared batches), by account and chain name.
#[derive(Default)]
pub struct Prefetched {
    pub(crate) readings: HashMap<(Uuid, String), Result<ChainReading, ConnectorError>>,
    pub(crate) plans: HashMap<String, std::sync::Arc<ChainPlan>>,
    /// DeFi positions read with the same wallets at the same block, by account and chain name
    /// (a failed shared read leaves its wallets out: each is then read on its own).
    pub(crate) defi: HashMap<(Uuid, String), DefiReading>,
    /// Requests of each shared read.
    batches: Vec<usize>,
}

impl Prefetched {
    /// Forgets failed shared reads, so each of those wallets is read on its own (one bad
    /// batch does not fail a hundred wallets).
    pub fn drop_failed(&mut self) {
        self.readings.retain(|_, r| r.is_ok());
    }

    /// JSON-RPC requests the shared reads took (each batch counted once).
    pub fn requests(&self) -> usize {
        self.batches.iter().sum()
    }
}

/// Reads `wallets` (account id, address) on every chain they enable, sharing Multicall3
/// batches between wallets of one chain (`group` wallets per shared read).
pub async fn prefetch(
    ctx: &SyncContext,
    wallets: &[(Uuid, String, Vec<String>)],
    group: usize,
) -> anyhow::Result<Prefetched> {
    let registry = chain_store::list(&ctx.db, Some(true)).await?;
    let mut out = Prefetched::default();
    let mut reads = Vec::new();
    for chain in registry {
        let on_chain: Vec<&(Uuid, String, Vec<String>)> = wallets
            .iter()
            .filter(|(_, _, chains)| chains.contains(&chain.chain_name))
            .filter(|(_, address, _)| address.parse::<alloy::primitives::Address>().is_ok())
            .collect();
        if on_chain.is_empty() {
            continue;
        }
        let ids: Vec<Uuid> = on_chain.iter().map(|w| w.0).collect();
        let name = chain.chain_name.clone();
        let plan = std::sync::Arc::new(ChainPlan::load(ctx, chain, &ids).await?);
        out.plans.insert(name.clone(), plan.clone());
        for part in on_chain.chunks(group.max(1)) {
            let plan = plan.clone();
            let name = name.clone();
            let part: Vec<(Uuid, String)> = part.iter().map(|w| (w.0, w.1.clone())).collect();
            reads.push(async move {
                let addresses: Vec<String> = part.iter().map(|w| w.1.clone()).collect();
                let result = ctx.chains.read_wallets(&plan.target(), &addresses).await;
                let positions = match &result {
                    Ok(readings) => defi_of(ctx, &plan.chain, readings, &addresses).await,
                    Err(_) => None,
                };
                (name, part, result, positions)
            });
        }
    }
    let limit = ctx.settings.concurrency.max(1) * 2;
    let results: Vec<_> = futures_util::stream::iter(reads)
        .buffer_unordered(limit)
        .collect()
        .await;
    for (name, part, result, positions) in results {
        match positions {
            Some(Ok(readings)) => {
                out.batches.push(readings.first().map_or(0, |r| r.requests));
                for ((id, _), r) in part.iter().zip(readings) {
                    out.defi.insert((*id, name.clone()), r);
                }
            }
            Some(Err(e)) => {
                tracing::warn!(chain = %name, error = %e, "a shared DeFi read failed; its wallets are read one by one")
            }
            None => {}
        }
        match result {
            Ok(readings) => {
                out.batches.push(readings.first().map_or(0, |r| r.requests));
                for ((id, _), mut r) in part.into_iter().zip(readings) {
                    // Held in memory for the whole job: keep only what is held.
                    r.tokens.retain(
                        |(_, t)| !matches!(t, TokenRead::Balance(b) if amounts::is_zero_raw(b)),
                    );
                    out.readings.insert((id, name.clone()), Ok(r));
                }
            }
            Err(e) => {
                for (id, _) in part {
                    out.readings.insert((id, name.clone()), Err(e.clone()));
                }
            }
        }
    }
    // One metadata batch per chain for every held token of unknown decimals, so the syncs
    // that follow need none.
    for (name, plan) in out.plans.iter_mut() {
        let held: HashSet<&str> = out
            .readings
            .iter()
            .filter(|((_, chain), _)| chain == name)
            .filter_map(|(_, r)| r.as_ref().ok())
            .flat_map(|r| r.tokens.iter())
            .filter(|(_, t)| matches!(t, TokenRead::Balance(_)))
            .map(|(a, _)| a.as_str())
            .collect();
        let Some(plan) = std::sync::Arc::get_mut(plan) else {
            continue;
        };
        let unknown: Vec<(&Candidate, &str)> = plan
            .all_tokens()
            .into_iter()
            .filter(|t| t.decimals.is_none() && held.contains(t.address.as_str()))
            .map(|t| (t, ""))
            .collect();
        match decimals_of(ctx, plan, &unknown).await {
            Ok(found) => plan.learn_decimals(&found),
            Err(e) => {
                tracing::warn!(chain = %name, error = %e, "token decimals could not be read; each sync asks again")
            }
        }
    }
    Ok(out)
}

/// The DeFi positions of a group of wallets at their balance read's block, in one shared read
/// (`None` when no protocol is configured on the chain).
async fn defi_of(
    ctx: &SyncContext,
    chain: &evm_chains::Model,
    readings: &[ChainReading],
    wallets: &[String],
) -> Option<Result<Vec<DefiReading>, ConnectorError>> {
    let target = defi::target(chain, target_of(chain, []), None);
    if !target.any() || wallets.is_empty() {
        return None;
    }
    let target = DefiTarget {
        block: readings.first().and_then(|r| r.block),
        ..target
    };
    Some(ctx.chains.defi_positions_wallets(&target, wallets).await)
}

pub(super) async fn read(
    ctx: &SyncContext,
    account: &accounts::Model,
    prefetched: &Prefetched,
) -> anyhow::Result<Reading> {
    let wallet = account
        .wallet_address
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the wallet has no address"))?;
    let wanted = enabled_chains(account);
    let registry = chain_store::list(&ctx.db, None).await?;
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    let mut kept = Kept::default();
    let mut plans = Vec::new();
    for name in &wanted {
        match registry.iter().find(|c| &c.chain_name == name) {
            Some(c) if c.is_active => {
                let plan = match prefetched.plans.get(name) {
                    Some(p) => p.clone(),
                    None => {
                        std::sync::Arc::new(ChainPlan::load(ctx, c.clone(), &[account.id]).await?)
                    }
                };
                plans.push(plan);
            }
            found => {
                let why = if found.is_some() {
                    "the chain is disabled by the administrator; balances kept from the last read"
                } else {
                    "the chain is no longer configured; balances kept from the last read"
                };
                outcomes.push((name.clone(), Outcome::NotRefreshed(why.to_string())));
                kept.locations.push(name.clone());
            }
        }
    }
    let reads = plans.iter().map(|plan| {
        let wallet = wallet.clone();
        let key = (account.id, plan.chain.chain_name.clone());
        async move {
            let (was_prefetched, read) = match prefetched.readings.get(&key) {
                Some(r) => (true, r.clone()),
                None => {
                    let own = plan.added.get(&account.id).into_iter().flatten();
                    let target = target_of(&plan.chain, plan.shared.iter().chain(own));
                    (false, ctx.chains.read(&target, &wallet).await)
                }
            };
            // DeFi positions at the balances' block, after them (the chain answered).
            let target = defi::target(&plan.chain, target_of(&plan.chain, []), None);
            let positions = match &read {
                _ if !target.any() => None,
                Ok(_) if was_prefetched && prefetched.defi.contains_key(&key) => {
                    prefetched.defi.get(&key).cloned().map(Ok)
                }
                Ok(r) => {
                    let target = DefiTarget {
                        block: r.block,
                        ..target
                    };
                    Some(
                        ctx.chains
                            .defi_positions(&target, &wallet)
                            .await
                            .map_err(|e| e.to_string()),
                    )
                }
                Err(e) => Some(Err(format!("the chain could not be read ({e})"))),
            };
            ((was_prefetched, read), positions)
        }
    });
    let results = futures_util::future::join_all(reads).await;
    let with_positions = locations_with_positions(ctx, account, &results).await?;
    let had_positions = |location: &str| with_positions.contains(location);
    let index = ctx.asset_index.get(&ctx.db).await?;
    let mut raw = Vec::new();
    let marks = marks_of(ctx, account.user_id).await?;
    for (plan, ((was_prefetched, result), positions)) in plans.iter().zip(results) {
        let chain = &plan.chain;
        let name = &chain.chain_name;
        let mut chain_notes = Vec::new();
        if let Some(read) = positions {
            let known = known_assets(plan, account.id, &index, &read);
            let added = defi::apply(name, read, &known, &had_positions, &mut kept);
            raw.extend(added.raw);
            outcomes.extend(added.outcomes);
            chain_notes = added.chain_notes;
        }
        let reading = match result {
            Ok(r) => r,
            Err(e) => {
                outcomes.push((name.clone(), Outcome::Failed(e.to_string())));
                kept.locations.push(name.clone());
                continue;
            }
        };
        if !amounts::is_zero_raw(&reading.native) {
            raw.push(chain_holding(
                &chain.native_symbol,
                &reading.native,
                chain.native_decimals.clamp(0, 255) as u8,
                name,
                None,
                chain.native_asset_id,
            ));
        }
        let reads: HashMap<&str, &TokenRead> = reading
            .tokens
            .iter()
            .map(|(a, r)| (a.as_str(), r))
            .collect();
        let empty = HashMap::new();
        let chain_marks = marks.get(name).unwrap_or(&empty);
        let own = plan.added.get(&account.id).into_iter().flatten();
        let mut failures = Vec::new();
        let mut notes = Vec::new();
        let mut catalog_failed = 0usize;
        let mut held: Vec<(&Candidate, &str)> = Vec::new();
        for token in plan.shared.iter().chain(own) {
            let what = format!("{} ({})", token.symbol, token.address);
            // A prefetched reading keeps only non-zero balances.
            let read = match reads.get(token.address.as_str()) {
                Some(r) => (*r).clone(),
                None if was_prefetched => TokenRead::Balance("0".into()),
                None => TokenRead::Failed("no answer for this token".into()),
            };
            match (read, token.origin) {
                (TokenRead::Balance(amount), _) if amounts::is_zero_raw(&amount) => {}
                (TokenRead::Balance(_), _) => {
                    let amount = reads[token.address.as_str()].balance().unwrap_or_default();
                    held.push((token, amount));
                }
                (TokenRead::NotAToken(_), Origin::Catalog) => {}
                (TokenRead::NotAToken(why), _) => {
                    count_token_failure(ctx, name, "not_a_token");
                    notes.push(format!("{what} left out: {why}"));
                }
                (TokenRead::Failed(_), Origin::Catalog) => {
                    count_token_failure(ctx, name, "failed");
                    catalog_failed += 1;
                    kept.tokens.push((name.clone(), token.address.clone()));
                }
                (TokenRead::Failed(why), _) => {
                    count_token_failure(ctx, name, "failed");
                    failures.push(format!("{what}: {why}; previous balance kept"));
                    kept.tokens.push((name.clone(), token.address.clone()));
                }
            }
        }
        notes.extend(chain_notes);
        if catalog_failed > 0 {
            notes.push(format!(
                "{catalog_failed} catalog token(s) could not be read; any earlier balance of them is kept"
            ));
        }
        let decimals = decimals_of(ctx, plan, &held).await;
        for (token, amount) in held {
            let decimals = match (token.decimals, &decimals) {
                (Some(d), _) => d,
                (None, Ok(found)) => match found.get(&token.address) {
                    Some(&d) => d,
                    None => {
                        notes.push(format!(
                            "{} ({}) left out: it answers no decimals()",
                            token.symbol, token.address
                        ));
                        continue;
                    }
                },
                (None, Err(e)) => {
                    failures.push(format!(
                        "{} ({}): its decimals could not be read ({e}); previous balance kept",
                        token.symbol, token.address
                    ));
                    kept.tokens.push((name.clone(), token.address.clone()));
                    continue;
                }
            };
            let mut h = chain_holding(
                &token.symbol,
                amount,
                decimals,
                name,
                Some(token.address.clone()),
                None,
            );
            let mark = chain_marks.get(&token.address).copied();
            match verdict(token, mark, &plan.known) {
                Verdict::Verified { asset_id } => h.known_asset = Some(asset_id),
                // The admin's registry without a link: identified by contract, then symbol.
                Verdict::Unverified if token.origin == Origin::Registry => {}
                Verdict::Unverified => h.flags.push(flag::UNVERIFIED.to_string()),
                Verdict::Spam { .. } => h.flags.push(flag::SPAM.to_string()),
            }
            raw.push(h);
        }
        outcomes.push((
            name.clone(),
            Outcome::Read {
                failures,
                notes,
                kept_since: None,
            },
        ));
    }
    Ok(Reading {
        raw,
        outcomes,
        kept,
        permission_warning: None,
    })
}

/// The locations where the account holds positions from an earlier read, asked of the store
/// only when a protocol answered "not deployed" (otherwise nothing depends on it).
async fn locations_with_positions<T>(
    ctx: &SyncContext,
    account: &accounts::Model,
    results: &[(T, Option<Result<DefiReading, String>>)],
) -> anyhow::Result<HashSet<String>> {
    let not_deployed = results.iter().any(|(_, positions)| {
        matches!(positions, Some(Ok(r)) if matches!(r.aave, ProtocolRead::NotDeployed(_))
            || matches!(r.uniswap, ProtocolRead::NotDeployed(_)))
    });
    if !not_deployed {
        return Ok(HashSet::new());
    }
    let previous = crate::store::holdings::of_account(&ctx.db, account)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(previous
        .into_iter()
        .filter(|h| crate::domain::defi::protocol_of(h).is_some())
        .map(|h| h.location)
        .collect())
}

/// The assets the underlying tokens of `read`'s positions are known as: the chain plan's
/// candidates (registry links, catalog contracts, the owner's added tokens), then the catalog
/// by contract beyond the scan cap.
fn known_assets(
    plan: &ChainPlan,
    account: Uuid,
    index: &crate::domain::identity::AssetIndex,
    read: &Result<DefiReading, String>,
) -> defi::KnownAssets {
    let Ok(read) = read else {
        return HashMap::new();
    };
    let mut contracts: Vec<&str> = Vec::new();
    if let Some(a) = read.aave.read() {
        contracts.extend(a.reserves.iter().map(|r| r.asset.as_str()));
    }
    if let Some(u) = read.uniswap.read() {
        for p in &u.positions {
            contracts.push(&p.token0);
            contracts.push(&p.token1);
        }
    }
    let keys = catalog_keys(&plan.chain);
    let candidates: Vec<&Candidate> = plan
        .shared
        .iter()
        .chain(plan.added.get(&account).into_iter().flatten())
        .collect();
    let mut out = HashMap::new();
    for c in contracts {
        let candidate = candidates.iter().find(|t| t.address == c);
        let found = candidate.and_then(|t| t.asset_id).or_else(|| {
            keys.iter().find_map(|k| {
                match index.resolve(&AssetQuery {
                    chain: Some(k),
                    address: Some(c),
                    symbol: None,
                    name: None,
                }) {
                    Resolution::Resolved { asset_id, .. } => Some(asset_id),
                    _ => None,
                }
            })
        });
        match found {
            Some(id) => {
                out.insert(c.to_string(), defi::Known::Asset(id));
            }
            None => {
                if let Some(t) = candidate.filter(|t| t.origin == Origin::Registry) {
                    out.insert(c.to_string(), defi::Known::Registry(t.symbol.clone()));
                }
            }
        }
    }
    out
}

/// The verdict on a held token: registry links and catalog contracts are verified (unless the
/// owner marked them spam); anything else goes through the spam rules.
fn verdict(token: &Candidate, mark: Option<Mark>, known: &HashSet<String>) -> Verdict {
    if token.origin == Origin::Registry && mark != Some(Mark::Spam) {
        if let Some(asset_id) = token.asset_id {
            return Verdict::Verified { asset_id };
        }
        return Verdict::Unverified;
    }
    let catalog = token.asset_id.filter(|_| token.catalog);
    spam::classify(
        &token.symbol,
        &token.name,
        catalog,
        mark,
        &Known { symbols: known },
    )
}

/// The owner's marks, by chain then lowercase contract.
async fn marks_of(
    ctx: &SyncContext,
    user_id: Uuid,
) -> Result<HashMap<String, HashMap<String, Mark>>, sea_orm::DbErr> {
    let mut out: HashMap<String, HashMap<String, Mark>> = HashMap::new();
    for m in token_marks::list_for_user(&ctx.db, user_id).await? {
        if let Some(mark) = token_marks::parse_mark(&m.mark) {
            out.entry(m.chain)
                .or_default()
                .insert(m.contract_address, mark);
        }
    }
    Ok(out)
}

/// Decimals of held tokens whose decimals are unknown, read in one batch and cached on their
/// catalog rows. A token that answers none is missing from the map.
async fn decimals_of(
    ctx: &SyncContext,
    plan: &ChainPlan,
    held: &[(&Candidate, &str)],
) -> Result<HashMap<String, u8>, ConnectorError> {
    let unknown: Vec<String> = held
        .iter()
        .filter(|(t, _)| t.decimals.is_none())
        .map(|(t, _)| t.address.clone())
        .collect();
    if unknown.is_empty() {
        return Ok(HashMap::new());
    }
    let target = target_of(&plan.chain, []);
    let metas = ctx.chains.token_metadata(&target, &unknown).await?;
    let keys = catalog_keys(&plan.chain);
    let mut out = HashMap::new();
    for (address, meta) in unknown.into_iter().zip(metas) {
        let Some(d) = meta.decimals.filter(|d| *d <= 36) else {
            continue;
        };
        if let Err(e) = assets::set_contract_decimals(&ctx.db, &keys, &address, d.into()).await {
            tracing::warn!(token = %address, error = %e, "could not cache a token's decimals");
        }
        out.insert(address, d);
    }
    Ok(out)
}

fn count_token_failure(ctx: &SyncContext, chain: &str, reason: &str) {
    ctx.metrics
        .token_read_failures
        .with_label_values(&[chain, reason])
        .inc();
}

/// A chain balance as a raw holding. One whose quantity does not fit a `Decimal` (2^256 − 1,
/// or a registry with wrong decimals) is kept with its raw integer, quantity 0, flagged
/// `out_of_range`, so the rest of the wallet still syncs.
fn chain_holding(
    symbol: &str,
    raw: &str,
    decimals: u8,
    chain: &str,
    contract: Option<String>,
    known_asset: Option<Uuid>,
) -> RawHolding {
    let mut h = RawHolding::new(symbol, Decimal::ZERO, chain);
    match amounts::quantity_from_raw(raw, decimals) {
        Ok(q) => h.quantity = q,
        Err(e) => {
            tracing::warn!(chain, symbol, raw, error = %e, "a balance is out of range; kept as its raw integer");
            h.flags.push(flag::OUT_OF_RANGE.to_string());
            h.quantity_text = amounts::exact_text(raw, decimals);
        }
    }
    h.raw_amount = Some(raw.to_string());
    h.decimals = Some(decimals);
    h.chain = Some(chain.to_string());
    h.contract_address = contract;
    h.known_asset = known_asset;
    h
}
