//! Bitcoin wallets: the confirmed balance of one mainnet address, read from the admin-set
//! Esplora API (`bitcoin_esplora`, see `connectors::esplora`). One location, `bitcoin`.
//!
//! The BTC holding's quantity is the confirmed balance (what totals count); the mempool's
//! pending change is kept apart in `details` (`unconfirmed_sats`, `unconfirmed_btc`), never
//! added. A failed read keeps the last good holding (`not_refreshed`) and the account is
//! `error`. Extended public keys are parsed and scanned by the connector but not accepted on
//! accounts yet (they need encryption at rest): see docs/bitcoin.md.

use serde_json::json;

use crate::connectors::esplora::{read_wallet, EsploraTarget};
use crate::domain::amounts;
use crate::domain::bitcoin_wallet::{self, sats_to_btc, UsedIndices, Wallet, DEFAULT_GAP_LIMIT};
use crate::domain::holdings::{Kept, RawHolding};
use crate::domain::locations::Outcome;
use crate::entities::accounts;
use crate::store::{assets as asset_store, bitcoin_esplora};
use crate::sync::SyncContext;

use super::Reading;

/// The location (and chain name) of Bitcoin balances.
pub const LOCATION: &str = "bitcoin";
pub const SYMBOL: &str = "BTC";
pub const DECIMALS: u8 = 8;
/// The catalog asset BTC balances are valued as (seeded with the core assets).
pub const COINGECKO_ID: &str = "bitcoin";

/// The stored form of a user's input, or why it is not accepted (shown on `wallet_address`).
pub fn normalize_address(text: &str) -> Result<String, String> {
    match bitcoin_wallet::parse(text) {
        Ok(Wallet::Address { address, .. }) => Ok(address),
        Ok(Wallet::Extended(_)) => Err(
            "extended public keys (xpub, ypub, zpub, descriptors) are not accepted yet: enter a single address"
                .to_string(),
        ),
        Err(e) => Err(format!("not a Bitcoin mainnet address: it {e}")),
    }
}

fn not_read(mut kept: Kept, outcome: Outcome) -> Reading {
    kept.locations.push(LOCATION.to_string());
    Reading {
        raw: Vec::new(),
        outcomes: vec![(LOCATION.to_string(), outcome)],
        kept,
        permission_warning: None,
    }
}

pub(super) async fn read(ctx: &SyncContext, account: &accounts::Model) -> anyhow::Result<Reading> {
    let text = account
        .wallet_address
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the wallet has no address"))?;
    // Checked again here: a stored text that is not an address never reaches Esplora.
    let address = normalize_address(&text).map_err(|why| anyhow::anyhow!("{why}"))?;
    let wallet = bitcoin_wallet::parse(&address).map_err(|e| anyhow::anyhow!("{e}"))?;
    let kind = match &wallet {
        Wallet::Address { kind, .. } => kind.as_str(),
        Wallet::Extended(_) => unreachable!("normalize_address accepts single addresses only"),
    };
    let row = match bitcoin_esplora::get(&ctx.db, bitcoin_esplora::MAINNET).await? {
        Some(r) if r.is_active => r,
        found => {
            let why = if found.is_some() {
                "Bitcoin is disabled by the administrator; balances kept from the last read"
            } else {
                "no Esplora endpoint is configured; balances kept from the last read"
            };
            return Ok(not_read(Kept::default(), Outcome::NotRefreshed(why.into())));
        }
    };
    let target = EsploraTarget {
        base_url: row.base_url.clone(),
        requests_per_second: u32::try_from(row.requests_per_second.max(1)).unwrap_or(1),
        timeout: std::time::Duration::from_millis(
            u64::try_from(row.timeout_ms.max(100)).unwrap_or(15_000),
        ),
    };
    let reading = match read_wallet(
        ctx.esplora.as_ref(),
        &target,
        &wallet,
        DEFAULT_GAP_LIMIT,
        UsedIndices::default(),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return Ok(not_read(Kept::default(), Outcome::Failed(e.to_string()))),
    };
    let mut raw = Vec::new();
    if reading.confirmed_sats != 0 || reading.unconfirmed_sats != 0 {
        let btc = asset_store::ids_by_coingecko(&ctx.db, &[COINGECKO_ID.to_string()]).await?;
        let quantity = amounts::quantity_from_raw(&reading.confirmed_sats.to_string(), DECIMALS)?;
        let mut h = RawHolding::new(SYMBOL, quantity, LOCATION);
        h.raw_amount = Some(reading.confirmed_sats.to_string());
        h.decimals = Some(DECIMALS);
        h.chain = Some(LOCATION.to_string());
        h.known_asset = btc.get(COINGECKO_ID).copied();
        h.details = Some(json!({
            "address_type": kind,
            "confirmed_sats": reading.confirmed_sats,
            "unconfirmed_sats": reading.unconfirmed_sats,
            "unconfirmed_btc": sats_to_btc(reading.unconfirmed_sats).to_string(),
        }));
        raw.push(h);
    }
    Ok(Reading {
        raw,
        outcomes: vec![(LOCATION.to_string(), Outcome::read())],
        kept: Kept::default(),
        permission_warning: None,
    })
}
