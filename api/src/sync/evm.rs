//! Wallets on EVM chains: native and token balances of every enabled chain, one Multicall3
//! batch per chain.

use rust_decimal::Decimal;
use uuid::Uuid;

use crate::connectors::{ChainTarget, TokenRead, TokenTarget};
use crate::domain::amounts;
use crate::domain::holdings::{flag, Kept, RawHolding};
use crate::domain::locations::Outcome;
use crate::entities::accounts;
use crate::state::AppState;
use crate::store::{evm_chains, evm_tokens};

use super::Reading;

/// Enabled chains of a wallet account, as stored (`["ethereum", "base"]`).
pub fn enabled_chains(account: &accounts::Model) -> Vec<String> {
    account
        .enabled_chains
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

pub(super) async fn read(state: &AppState, account: &accounts::Model) -> anyhow::Result<Reading> {
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
