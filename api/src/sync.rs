//! Syncing one account: read balances from OKX or the wallet's chains, identify and price
//! them, and store the holdings. A failure keeps what was stored: a failed location keeps its
//! previous holdings, and a sync that got nothing changes no holding.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::connectors::{ChainTarget, ConnectorError, ExchangeCredentials, TokenTarget};
use crate::domain::amounts;
use crate::domain::holdings::{self, Holding, Quote, RawHolding};
use crate::entities::accounts;
use crate::state::AppState;
use crate::store::accounts::{self as account_store, SyncRecord};
use crate::store::{credentials, evm_chains, evm_tokens, prices};

pub const STATUS_OK: &str = "ok";
/// Some locations (chains, or parts of an exchange account) failed; they keep their
/// previous holdings.
pub const STATUS_PARTIAL: &str = "partial";
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

/// What one read produced: balances, and the locations that failed with why.
struct Reading {
    raw: Vec<RawHolding>,
    failed: Vec<(String, String)>,
    /// Every location the account has, so a fully failed read is recognised.
    locations: Vec<String>,
    permission_warning: Option<Option<String>>,
}

/// Syncs one account now and returns it as stored afterwards.
pub async fn sync_account(
    state: &AppState,
    account: accounts::Model,
) -> Result<accounts::Model, SyncError> {
    let _held = state
        .syncing
        .take(account.id)
        .ok_or(SyncError::InProgress)?;
    let started = Utc::now();
    account_store::mark_sync_started(&state.db, account.id, started).await?;
    let reading = match account.account_type.as_str() {
        "exchange" => read_exchange(state, &account).await,
        _ => read_wallet(state, &account).await,
    };
    let reading = match reading {
        Ok(r) => r,
        Err(e) => {
            let msg = format!("{e:#}");
            tracing::warn!(account_id = %account.id, error = %msg, "account sync failed");
            return Ok(account_store::record_sync(
                &state.db,
                account.id,
                SyncRecord {
                    status: STATUS_ERROR,
                    error: Some(msg),
                    holdings: None,
                    synced_at: None,
                    permission_warning: None,
                },
            )
            .await?);
        }
    };
    let all_failed = !reading.locations.is_empty()
        && reading
            .locations
            .iter()
            .all(|l| reading.failed.iter().any(|(f, _)| f == l));
    let error = (!reading.failed.is_empty()).then(|| {
        reading
            .failed
            .iter()
            .map(|(loc, why)| format!("{loc}: {why}"))
            .collect::<Vec<_>>()
            .join("; ")
    });
    if all_failed {
        tracing::warn!(account_id = %account.id, error = error.as_deref().unwrap_or(""), "account sync got nothing");
        return Ok(account_store::record_sync(
            &state.db,
            account.id,
            SyncRecord {
                status: STATUS_ERROR,
                error,
                holdings: None,
                synced_at: None,
                permission_warning: reading.permission_warning,
            },
        )
        .await?);
    }
    let index = state.asset_index.get(&state.db).await?;
    let fresh = holdings::identify(reading.raw, &index);
    let ids: Vec<Uuid> = fresh.iter().filter_map(|h| h.asset_id).collect();
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
    let failed: Vec<String> = reading.failed.iter().map(|(l, _)| l.clone()).collect();
    let mut merged = holdings::merge_sync(&stored_holdings(&account), fresh, &failed);
    // Fresh holdings get today's prices; kept ones (failed locations) keep theirs unless a
    // newer price of the same asset is at hand.
    holdings::price(&mut merged, &quotes, state.config.sync.dust_threshold_usd);
    let status = if failed.is_empty() {
        STATUS_OK
    } else {
        STATUS_PARTIAL
    };
    Ok(account_store::record_sync(
        &state.db,
        account.id,
        SyncRecord {
            status,
            error,
            holdings: Some(serde_json::to_value(&merged).map_err(anyhow::Error::from)?),
            synced_at: Some(Utc::now()),
            permission_warning: reading.permission_warning,
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
        .filter(|b| !b.total.is_zero())
        .map(|b| RawHolding {
            symbol: b.currency,
            quantity: b.total,
            raw_amount: None,
            decimals: None,
            location: b.location.as_str().to_string(),
            chain: None,
            contract_address: None,
            known_asset: None,
        })
        .collect();
    Ok(Reading {
        raw,
        failed: Vec::new(),
        locations: Vec::new(),
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
    let chains: Vec<_> = evm_chains::list(&state.db, Some(true))
        .await?
        .into_iter()
        .filter(|c| wanted.contains(&c.chain_name))
        .collect();
    let mut targets = Vec::new();
    for c in &chains {
        let tokens = evm_tokens::active_for_chain(&state.db, c.id).await?;
        targets.push((c.clone(), tokens));
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
        };
        let wallet = wallet.clone();
        async move { (target.clone(), state.chains.read(&target, &wallet).await) }
    });
    let results = futures_util::future::join_all(reads).await;
    let mut raw = Vec::new();
    let mut failed = Vec::new();
    for ((chain, tokens), (target, result)) in targets.iter().zip(results) {
        let reading = match result {
            Ok(r) => r,
            Err(e) => {
                failed.push((chain.chain_name.clone(), e.to_string()));
                continue;
            }
        };
        if !amounts::is_zero_raw(&reading.native) {
            raw.push(chain_holding(
                &chain.native_symbol,
                &reading.native,
                target.native_decimals,
                &chain.chain_name,
                None,
                chain.native_asset_id,
            )?);
        }
        for ((address, amount), token) in reading.tokens.iter().zip(tokens) {
            let Some(amount) = amount else { continue };
            if amounts::is_zero_raw(amount) {
                continue;
            }
            raw.push(chain_holding(
                &token.symbol,
                amount,
                token.decimals.clamp(0, 255) as u8,
                &chain.chain_name,
                Some(address.clone()),
                token.asset_id,
            )?);
        }
    }
    Ok(Reading {
        raw,
        failed,
        locations: chains.iter().map(|c| c.chain_name.clone()).collect(),
        permission_warning: None,
    })
}

fn chain_holding(
    symbol: &str,
    raw: &str,
    decimals: u8,
    chain: &str,
    contract: Option<String>,
    known_asset: Option<Uuid>,
) -> anyhow::Result<RawHolding> {
    let quantity: Decimal = amounts::quantity_from_raw(raw, decimals)
        .map_err(|e| anyhow::anyhow!("{chain} {symbol}: {e}"))?;
    Ok(RawHolding {
        symbol: symbol.to_string(),
        quantity,
        raw_amount: Some(raw.to_string()),
        decimals: Some(decimals),
        location: chain.to_string(),
        chain: Some(chain.to_string()),
        contract_address: contract,
        known_asset,
    })
}
