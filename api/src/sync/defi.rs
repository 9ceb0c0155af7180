//! A wallet's DeFi positions on one chain as raw holdings and location outcomes (the rules are
//! in `domain::defi`; the reads in `connectors::defi`).
//!
//! Each protocol is its own location (`<chain>:aave-v3`, `<chain>:uniswap-v3`): a protocol
//! whose read fails keeps its previous positions (`not_refreshed`) while the chain's balances
//! and the other protocol refresh. So does one whose registry address has no code where the
//! wallet had positions (a typo, a moved provider): its positions, and with them the receipt
//! tokens they name, stay until it can be read again; for a wallet without positions there it
//! is only a note. An underlying token the Butler cannot tie to a known asset (registry link or
//! catalog contract) is `unverified`: shown, never valued.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use crate::connectors::defi::{
    AaveAccount, DefiReading, DefiTarget, ProtocolRead, UniswapPositions,
};
use crate::connectors::ChainTarget;
use crate::domain::amounts;
use crate::domain::defi::{self, AAVE_V3, UNISWAP_V3};
use crate::domain::holdings::{flag, kind, Kept, RawHolding};
use crate::domain::locations::Outcome;
use crate::entities::evm_chains;

/// The chain's protocols as the connector reads them, at the chain balance read's block.
pub(crate) fn target(
    chain: &evm_chains::Model,
    base: ChainTarget,
    block: Option<u64>,
) -> DefiTarget {
    DefiTarget {
        chain: ChainTarget {
            tokens: Vec::new(),
            ..base
        },
        aave_v3_addresses_provider: chain.aave_v3_addresses_provider.clone(),
        uniswap_v3_position_manager: chain.uniswap_v3_position_manager.clone(),
        uniswap_v3_factory: chain.uniswap_v3_factory.clone(),
        block,
    }
}

/// What one chain's DeFi read adds to a wallet's reading.
#[derive(Default)]
pub(crate) struct Added {
    pub(crate) raw: Vec<RawHolding>,
    pub(crate) outcomes: Vec<(String, Outcome)>,
    /// Notes for the chain's own location (a protocol not deployed at the registry address).
    pub(crate) chain_notes: Vec<String>,
}

/// How an underlying token is known on this chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Known {
    /// Linked to this asset (registry link, catalog contract).
    Asset(Uuid),
    /// In the admin's registry without a link, under this symbol: identified by contract,
    /// then the registry's symbol, as the registry's plain balances are.
    Registry(String),
}

/// Known tokens on this chain, by lowercase contract.
pub(crate) type KnownAssets = HashMap<String, Known>;

/// Turns a read (or its failure) into holdings and outcomes; failed protocols are kept.
/// `had_positions` tells whether the wallet holds positions at a protocol location from an
/// earlier read.
pub(crate) fn apply(
    chain: &str,
    read: Result<DefiReading, String>,
    known: &KnownAssets,
    had_positions: &dyn Fn(&str) -> bool,
    kept: &mut Kept,
) -> Added {
    let mut out = Added::default();
    let aave_at = defi::location(chain, AAVE_V3);
    let uni_at = defi::location(chain, UNISWAP_V3);
    let read = match read {
        Ok(r) => r,
        Err(why) => {
            // The whole read failed: both protocols keep what they had. A protocol never read
            // before gets no location (nothing to keep).
            kept.locations.push(aave_at.clone());
            kept.locations.push(uni_at.clone());
            out.outcomes.push((aave_at, Outcome::Failed(why.clone())));
            out.outcomes.push((uni_at, Outcome::Failed(why)));
            return out;
        }
    };
    protocol(
        read.aave,
        aave_at,
        "Aave v3",
        |at, account, raw| aave_holdings(chain, at, account, known, raw),
        had_positions,
        kept,
        &mut out,
    );
    protocol(
        read.uniswap,
        uni_at,
        "Uniswap v3",
        |at, positions, raw| uniswap_holdings(chain, at, positions, known, raw),
        had_positions,
        kept,
        &mut out,
    );
    out
}

/// One protocol's read at its location: holdings and an outcome, a failure kept (its previous
/// positions stay), a protocol not deployed at the registry's address a note on the chain, or
/// a failure where the wallet had positions (they cannot have vanished with the code).
fn protocol<T>(
    read: ProtocolRead<T>,
    location: String,
    name: &str,
    holdings: impl FnOnce(&str, &T, &mut Vec<RawHolding>) -> Vec<String>,
    had_positions: &dyn Fn(&str) -> bool,
    kept: &mut Kept,
    out: &mut Added,
) {
    let read = match read {
        ProtocolRead::NotDeployed(note) if had_positions(&location) => ProtocolRead::Failed(
            format!("{note}; the positions of the last good read are kept until it can be read"),
        ),
        other => other,
    };
    match read {
        ProtocolRead::NotConfigured => {}
        ProtocolRead::NotDeployed(note) => out.chain_notes.push(note),
        ProtocolRead::Failed(why) => {
            kept.locations.push(location.clone());
            out.outcomes
                .push((location, Outcome::Failed(format!("{name}: {why}"))));
        }
        ProtocolRead::Read(t) => {
            let notes = holdings(&location, &t, &mut out.raw);
            out.outcomes.push((
                location,
                Outcome::Read {
                    failures: Vec::new(),
                    notes,
                    kept_since: None,
                },
            ));
        }
    }
}

/// A position's token as a raw holding: quantity from the raw integer (negative for a debt),
/// identified only through a known asset.
#[allow(clippy::too_many_arguments)]
fn position_holding(
    chain: &str,
    location: &str,
    contract: &str,
    symbol: Option<&str>,
    decimals: u8,
    raw: &str,
    holding_kind: &'static str,
    known: &KnownAssets,
    details: serde_json::Value,
) -> RawHolding {
    let symbol = match known.get(contract) {
        Some(Known::Registry(s)) => s.as_str(),
        _ => symbol.unwrap_or("?"),
    };
    let mut h = RawHolding::new(symbol, Decimal::ZERO, location);
    match amounts::quantity_from_raw(raw, decimals) {
        Ok(q) if holding_kind == kind::BORROWED => h.quantity = -q,
        Ok(q) => h.quantity = q,
        Err(_) => {
            h.flags.push(flag::OUT_OF_RANGE.to_string());
            h.quantity_text = amounts::exact_text(raw, decimals);
        }
    }
    h.raw_amount = Some(raw.to_string());
    h.decimals = Some(decimals);
    h.chain = Some(chain.to_string());
    h.contract_address = Some(contract.to_string());
    h.kind = Some(holding_kind);
    match known.get(contract) {
        Some(Known::Asset(id)) => h.known_asset = Some(*id),
        Some(Known::Registry(_)) => {}
        // Never matched by symbol: a pool can pair any token that calls itself "USDC".
        None => h.flags.push(flag::UNVERIFIED.to_string()),
    }
    h.details = Some(details);
    h
}

fn aave_holdings(
    chain: &str,
    location: &str,
    account: &AaveAccount,
    known: &KnownAssets,
    raw: &mut Vec<RawHolding>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let health = account
        .health_factor
        .as_deref()
        .and_then(|hf| amounts::quantity_from_raw(hf, 18).ok())
        .map(|d| d.normalize().to_string());
    for r in &account.reserves {
        let Some(decimals) = r.decimals else {
            notes.push(format!(
                "Aave reserve {} left out: it answers no decimals()",
                r.asset
            ));
            continue;
        };
        let receipts: Vec<&str> = [&r.a_token, &r.stable_debt_token, &r.variable_debt_token]
            .into_iter()
            .filter_map(|a| a.as_deref())
            .collect();
        let details = |part: &str| {
            json!({
                "protocol": AAVE_V3,
                "pool": account.pool,
                "part": part,
                "health_factor": health,
                "collateral": r.collateral,
                "receipt_tokens": receipts,
            })
        };
        if !amounts::is_zero_raw(&r.supplied) {
            raw.push(position_holding(
                chain,
                location,
                &r.asset,
                r.symbol.as_deref(),
                decimals,
                &r.supplied,
                kind::SUPPLIED,
                known,
                details("supplied"),
            ));
        }
        let debt = amounts::add_raw(&r.stable_debt, &r.variable_debt);
        match debt {
            Some(d) if !amounts::is_zero_raw(&d) => {
                let mut det = details("borrowed");
                det["stable_debt_raw"] = json!(r.stable_debt);
                det["variable_debt_raw"] = json!(r.variable_debt);
                raw.push(position_holding(
                    chain,
                    location,
                    &r.asset,
                    r.symbol.as_deref(),
                    decimals,
                    &d,
                    kind::BORROWED,
                    known,
                    det,
                ));
            }
            Some(_) => {}
            None => notes.push(format!(
                "Aave reserve {}: its debt does not fit 256 bits",
                r.asset
            )),
        }
    }
    notes
}

fn uniswap_holdings(
    chain: &str,
    location: &str,
    read: &UniswapPositions,
    known: &KnownAssets,
    raw: &mut Vec<RawHolding>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if read.not_read > 0 {
        notes.push(format!(
            "{} more position NFTs are held than are read ({}); the rest are not shown",
            read.not_read,
            crate::connectors::defi::MAX_POSITIONS
        ));
    }
    for p in &read.positions {
        let sides = [
            (
                &p.token0,
                &p.symbol0,
                p.decimals0,
                &p.amount0,
                &p.fees0,
                "token0",
            ),
            (
                &p.token1,
                &p.symbol1,
                p.decimals1,
                &p.amount1,
                &p.fees1,
                "token1",
            ),
        ];
        for (token, symbol, decimals, principal, fees, side) in sides {
            let Some(total) = amounts::add_raw(principal, fees) else {
                notes.push(format!(
                    "position #{}: {side} amount does not fit 256 bits",
                    p.token_id
                ));
                continue;
            };
            if amounts::is_zero_raw(&total) {
                continue;
            }
            let Some(decimals) = decimals else {
                notes.push(format!(
                    "position #{}: {token} left out: it answers no decimals()",
                    p.token_id
                ));
                continue;
            };
            let details = json!({
                "protocol": UNISWAP_V3,
                "position_id": p.token_id,
                "pool": p.pool,
                "side": side,
                "fee_tier": p.fee,
                "tick_lower": p.tick_lower,
                "tick_upper": p.tick_upper,
                "tick": p.tick,
                "in_range": p.in_range,
                "liquidity": p.liquidity,
                "principal_raw": principal,
                "fees_raw": fees,
                "receipt_tokens": [read.position_manager],
            });
            raw.push(position_holding(
                chain,
                location,
                token,
                symbol.as_deref(),
                decimals,
                &total,
                kind::LP,
                known,
                details,
            ));
        }
    }
    notes
}
