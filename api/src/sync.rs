//! Syncing one account: read balances from OKX or the wallet's chains, identify and price
//! them, and store the holdings and each location's sync state. A failure keeps what was
//! stored: a failed or disabled location, and a token whose read failed, keep their previous
//! holdings flagged `not_refreshed` (see `domain::locations` for the statuses).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{SubsecRound, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::connectors::{
    ChainTarget, ConnectorError, ExchangeCredentials, ExchangeLocation, TokenRead, TokenTarget,
};
use crate::domain::amounts;
use crate::domain::holdings::{self, flag, Holding, Kept, Quote, RawHolding};
use crate::domain::locations::{self, LocationSync, Outcome};
use crate::entities::accounts;
use crate::state::AppState;
use crate::store::accounts::{self as account_store, SyncRecord};
use crate::store::{credentials, evm_chains, evm_tokens, prices};

pub const STATUS_OK: &str = "ok";
/// Some locations (chains, or parts of an exchange account) failed; they keep their
/// previous holdings.
pub const STATUS_PARTIAL: &str = "partial";
/// Nothing could be read (every location failed or is not refreshed); holdings are kept.
pub const STATUS_ERROR: &str = "error";

/// Accounts being synced in this process (a second sync of one account waits its turn).
#[derive(Clone, Default)]
pub struct SyncGuard(Arc<Mutex<HashSet<Uuid>>>);

struct Held(SyncGuard, Uuid);

impl Drop for Held {
    fn drop(&mut self) {
        self.0 .0.lock().expect("sync guard").remove(&self.1);
    }
}

impl SyncGuard {
    fn take(&self, id: Uuid) -> Option<Held> {
        self.0
            .lock()
            .expect("sync guard")
            .insert(id)
            .then(|| Held(self.clone(), id))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this account is already syncing")]
    InProgress,
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// The stored holdings cannot be read: syncing over them would lose them.
    #[error(transparent)]
    Unreadable(#[from] crate::portfolio::Unreadable),
    #[error("{0}")]
    Other(#[from] anyhow::Error),
}

/// Stored holdings of an account (empty when never synced).
pub fn stored_holdings(account: &accounts::Model) -> Vec<Holding> {
    account
        .holdings
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Stored per-location sync state of an account (empty when never synced).
pub fn stored_locations(account: &accounts::Model) -> Vec<LocationSync> {
    account
        .location_syncs
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// What one read produced: balances, each location's outcome, and what to keep from before.
struct Reading {
    raw: Vec<RawHolding>,
    outcomes: Vec<(String, Outcome)>,
    kept: Kept,
    permission_warning: Option<Option<String>>,
}

/// The exchange's locations (all read together).
const EXCHANGE_LOCATIONS: [ExchangeLocation; 3] = [
    ExchangeLocation::Trading,
    ExchangeLocation::Funding,
    ExchangeLocation::Earn,
];

/// Syncs one account now and returns it as stored afterwards.
///
/// Nothing vanishes: a location that fails or is not read (its chain disabled), and a token
/// whose read fails, keep their previous holdings flagged `not_refreshed`. An account of
/// which nothing could be read is `error`; one of which something could not be read is
/// `partial`; `last_synced_at` is the oldest location's last good read.
pub async fn sync_account(
    state: &AppState,
    account: accounts::Model,
) -> Result<accounts::Model, SyncError> {
    let _held = state
        .syncing
        .take(account.id)
        .ok_or(SyncError::InProgress)?;
    // Never merged over as "nothing held": an unreadable document stops the sync untouched.
    let previous = crate::portfolio::holdings_of(&account)?;
    let started = Utc::now();
    account_store::mark_sync_started(&state.db, account.id, started).await?;
    let result = match account.account_type.as_str() {
        "exchange" => read_exchange(state, &account).await,
        _ => read_wallet(state, &account).await,
    };
    let reading = match result {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("{e:#}");
            tracing::warn!(account_id = %account.id, error = %msg, "account sync failed");
            let mut names: Vec<String> = if account.account_type == "exchange" {
                EXCHANGE_LOCATIONS
                    .iter()
                    .map(|l| l.as_str().to_string())
                    .collect()
            } else {
                enabled_chains(&account)
            };
            for h in &previous {
                if !names.contains(&h.location) {
                    names.push(h.location.clone());
                }
            }
            Reading {
                raw: Vec::new(),
                outcomes: names
                    .iter()
                    .map(|n| (n.clone(), Outcome::Failed(msg.clone())))
                    .collect(),
                kept: Kept {
                    locations: names,
                    tokens: Vec::new(),
                },
                permission_warning: None,
            }
        }
    };

    let index = state.asset_index.get(&state.db).await?;
    let fresh = holdings::identify(reading.raw, &index);
    // Microseconds, as PostgreSQL stores `last_synced_at`: the JSON times then agree with it.
    let now = Utc::now().trunc_subsecs(6);
    let mut merged =
        holdings::merge_sync(&previous, fresh, &reading.kept, now, account.last_synced_at);
    let ids: Vec<Uuid> = merged.iter().filter_map(|h| h.asset_id).collect();
    let quotes: HashMap<Uuid, Quote> = prices::latest_for_assets(&state.db, &ids)
        .await?
        .into_iter()
        .map(|(id, p)| {
            (
                id,
                Quote {
                    price_usd: p.price_usd.0,
                    source: p.source,
                    at: p.timestamp,
                },
            )
        })
        .collect();
    // Fresh holdings get today's prices; kept ones keep theirs unless a newer price of the
    // same asset is at hand.
    holdings::price(&mut merged, &quotes, state.config.sync.dust_threshold_usd);

    let before = stored_locations(&account);
    let locations: Vec<LocationSync> = reading
        .outcomes
        .into_iter()
        .map(|(name, outcome)| {
            let outcome = match outcome {
                Outcome::Read {
                    failures,
                    notes,
                    kept_since: _,
                } if !failures.is_empty() => {
                    // The oldest read behind the balances kept at this location.
                    let kept: Vec<Option<chrono::DateTime<Utc>>> = merged
                        .iter()
                        .filter(|h| h.location == name && h.has_flag(flag::NOT_REFRESHED))
                        .map(|h| h.synced_at)
                        .collect();
                    let kept_since = if kept.is_empty() {
                        None
                    } else if kept.iter().any(Option::is_none) {
                        Some(None)
                    } else {
                        Some(kept.into_iter().flatten().min())
                    };
                    Outcome::Read {
                        failures,
                        notes,
                        kept_since,
                    }
                }
                other => other,
            };
            let prev = before.iter().find(|l| l.location == name);
            locations::next(&name, prev, outcome, now, account.last_synced_at)
        })
        .collect();
    let problems: Vec<String> = locations
        .iter()
        .filter(|l| l.status != locations::OK)
        .map(|l| {
            format!(
                "{}: {}",
                l.location,
                l.error.as_deref().unwrap_or(&l.status)
            )
        })
        .collect();
    let (status, error) = if !locations::read_any(&locations) {
        let why = if locations.is_empty() {
            "the account has no location to read".to_string()
        } else {
            format!("nothing could be read: {}", problems.join("; "))
        };
        (STATUS_ERROR, Some(why))
    } else if problems.is_empty() {
        (STATUS_OK, None)
    } else {
        (STATUS_PARTIAL, Some(problems.join("; ")))
    };
    if status != STATUS_OK {
        tracing::warn!(account_id = %account.id, status, error = error.as_deref().unwrap_or(""), "account sync incomplete");
    }
    Ok(account_store::record_sync(
        &state.db,
        account.id,
        SyncRecord {
            status,
            error,
            holdings: Some(serde_json::to_value(&merged).map_err(anyhow::Error::from)?),
            synced_at: locations::oldest_read(&locations),
            permission_warning: reading.permission_warning,
            locations: Some(serde_json::to_value(&locations).map_err(anyhow::Error::from)?),
        },
    )
    .await?)
}

/// Decrypts an exchange account's credentials (never logged, never returned).
pub fn credentials(
    state: &AppState,
    account: &accounts::Model,
) -> anyhow::Result<ExchangeCredentials> {
    let stored = credentials::EncryptedCredentials::of(account);
    let plain = credentials::decrypt_credentials(&state.cipher, account.id, &stored)
        .map_err(|e| anyhow::anyhow!("the stored credentials cannot be decrypted: {e}"))?;
    let need = |v: Option<crate::config::Secret<String>>, name: &str| {
        v.ok_or_else(|| anyhow::anyhow!("the account has no stored {name}"))
    };
    Ok(ExchangeCredentials {
        api_key: need(plain.api_key, "API key")?,
        api_secret: need(plain.api_secret, "API secret")?,
        passphrase: need(plain.passphrase, "passphrase")?,
    })
}

/// The warning shown on an account whose key can trade.
pub const TRADE_WARNING: &str =
    "this API key can trade; a read-only key is enough for the Butler and safer";

async fn read_exchange(state: &AppState, account: &accounts::Model) -> anyhow::Result<Reading> {
    let creds = credentials(state, account)?;
    let perms = state
        .exchange
        .key_permissions(&creds)
        .await
        .map_err(describe)?;
    if perms.withdraw {
        anyhow::bail!("this API key can withdraw funds; replace it with a read-only key");
    }
    if let (None, Some(uid)) = (&account.exchange_uid, &perms.account_uid) {
        remember_exchange_uid(state, account, uid).await;
    }
    let warning = perms.trade.then(|| TRADE_WARNING.to_string());
    let balances = state.exchange.balances(&creds).await.map_err(describe)?;
    let raw = balances
        .into_iter()
        .filter(|b| !b.total.is_zero() || b.total_text.is_some())
        .map(|b| {
            let mut r = RawHolding::new(&b.currency, b.total, b.location.as_str());
            if let Some(text) = b.total_text {
                r.quantity_text = Some(text);
                r.flags.push(flag::OUT_OF_RANGE.to_string());
            }
            r
        })
        .collect();
    Ok(Reading {
        raw,
        outcomes: EXCHANGE_LOCATIONS
            .iter()
            .map(|l| (l.as_str().to_string(), Outcome::read()))
            .collect(),
        kept: Kept::default(),
        permission_warning: Some(warning),
    })
}

/// Stores the exchange uid of an account added before uids were kept. When another account
/// of the user already is this exchange account, the uid stays unset and a warning says so
/// (the user removes one of the two; both keep syncing meanwhile).
async fn remember_exchange_uid(state: &AppState, account: &accounts::Model, uid: &str) {
    match account_store::set_exchange_uid(&state.db, account.id, uid).await {
        Ok(()) => {}
        Err(e)
            if account_store::duplicate_of(&e)
                == Some(account_store::Duplicate::ExchangeAccount) =>
        {
            tracing::warn!(account_id = %account.id, "another account of this user is the same exchange account; remove one of them")
        }
        Err(e) => {
            tracing::warn!(account_id = %account.id, error = %e, "could not store the exchange account uid")
        }
    }
}

fn describe(e: ConnectorError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Enabled chains of a wallet account, as stored (`["ethereum", "base"]`).
pub fn enabled_chains(account: &accounts::Model) -> Vec<String> {
    account
        .enabled_chains
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

async fn read_wallet(state: &AppState, account: &accounts::Model) -> anyhow::Result<Reading> {
    let wallet = account
        .wallet_address
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the wallet has no address"))?;
    let wanted = enabled_chains(account);
    let registry = evm_chains::list(&state.db, None).await?;
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    let mut kept = Kept::default();
    let mut targets = Vec::new();
    for name in &wanted {
        match registry.iter().find(|c| &c.chain_name == name) {
            Some(c) if c.is_active => {
                let tokens = evm_tokens::active_for_chain(&state.db, c.id).await?;
                targets.push((c.clone(), tokens));
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
    let reads = targets.iter().map(|(chain, tokens)| {
        let target = ChainTarget {
            chain_name: chain.chain_name.clone(),
            chain_id: chain.chain_id,
            rpc_url: chain.rpc_url.clone(),
            native_symbol: chain.native_symbol.clone(),
            native_decimals: chain.native_decimals.clamp(0, 255) as u8,
            tokens: tokens
                .iter()
                .map(|t| TokenTarget {
                    address: t.contract_address.clone(),
                    symbol: t.symbol.clone(),
                    decimals: t.decimals.clamp(0, 255) as u8,
                })
                .collect(),
            multicall3_address: chain.multicall3_address.clone(),
        };
        let wallet = wallet.clone();
        async move { (target.clone(), state.chains.read(&target, &wallet).await) }
    });
    let results = futures_util::future::join_all(reads).await;
    let mut raw = Vec::new();
    for ((chain, tokens), (target, result)) in targets.iter().zip(results) {
        let name = &chain.chain_name;
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
                target.native_decimals,
                name,
                None,
                chain.native_asset_id,
            ));
        }
        let mut failures = Vec::new();
        let mut notes = Vec::new();
        for ((address, read), token) in reading.tokens.iter().zip(tokens) {
            let what = format!("{} ({address})", token.symbol);
            match read {
                TokenRead::Balance(amount) if amounts::is_zero_raw(amount) => {}
                TokenRead::Balance(amount) => raw.push(chain_holding(
                    &token.symbol,
                    amount,
                    token.decimals.clamp(0, 255) as u8,
                    name,
                    Some(address.clone()),
                    token.asset_id,
                )),
                TokenRead::NotAToken(why) => {
                    count_token_failure(state, name, "not_a_token");
                    notes.push(format!("{what} left out: {why}"));
                }
                TokenRead::Failed(why) => {
                    count_token_failure(state, name, "failed");
                    failures.push(format!("{what}: {why}; previous balance kept"));
                    kept.tokens.push((name.clone(), address.clone()));
                }
            }
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

fn count_token_failure(state: &AppState, chain: &str, reason: &str) {
    state
        .metrics
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
