//! Bitcoin wallets: one mainnet address, or an extended public key (xpub/ypub/zpub or a
//! descriptor) scanned on its receive and change chains with the account's gap limit, read from
//! the admin-set Esplora API (`bitcoin_esplora`, see `connectors::esplora`). One location,
//! `bitcoin`.
//!
//! An extended key is a secret (it reveals every address of the wallet): it is stored sealed
//! in the account's `api_key_encrypted` column (the exchange credentials' cipher, so key
//! rotation re-encrypts it too), shown only as its hint, and `wallet_address` holds a public
//! stand-in (`zpub…tZYs 1a2b3c4d`: the hint and 4 bytes of the key's SHA-256, so one key is
//! one account). The scan's highest used indices are kept in `bitcoin_wallet_scans` after each
//! good read.
//!
//! The BTC holding's quantity is the confirmed balance (what totals count); the mempool's
//! pending change is kept apart in `details` (`unconfirmed_sats`, `unconfirmed_btc`), never
//! added. A failed read keeps the last good holding (`not_refreshed`) and the account is
//! `error`.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::Secret;
use crate::connectors::esplora::{read_wallet, EsploraTarget};
use crate::crypto::Cipher;
use crate::domain::amounts;
use crate::domain::bitcoin_wallet::{self, sats_to_btc, Wallet, DEFAULT_GAP_LIMIT};
use crate::domain::holdings::{Kept, RawHolding};
use crate::domain::locations::Outcome;
use crate::entities::accounts;
use crate::store::{assets as asset_store, bitcoin_esplora, bitcoin_wallet_scans, credentials};
use crate::sync::SyncContext;

use super::Reading;

/// The location (and chain name) of Bitcoin balances.
pub const LOCATION: &str = "bitcoin";
pub const SYMBOL: &str = "BTC";
pub const DECIMALS: u8 = 8;
/// The catalog asset BTC balances are valued as (seeded with the core assets).
pub const COINGECKO_ID: &str = "bitcoin";

/// A user's input checked: a single address in canonical form, or an extended key as typed
/// (trimmed; the caller seals it with [`seal_extended`] before anything stores it), or why it
/// is not accepted (shown on `wallet_address`, never quoting the input).
pub fn normalize_address(text: &str) -> Result<String, String> {
    match bitcoin_wallet::parse(text) {
        Ok(Wallet::Address { address, .. }) => Ok(address),
        Ok(Wallet::Extended(_)) => Ok(text.trim().to_string()),
        Err(e) => Err(format!(
            "not a Bitcoin mainnet address, extended public key or descriptor: it {e}"
        )),
    }
}

/// Whether a checked input is an extended key (a secret) rather than an address.
pub fn is_extended(checked: &str) -> bool {
    matches!(bitcoin_wallet::parse(checked), Ok(Wallet::Extended(_)))
}

/// An extended key sealed for account `account_id`: the encrypted columns, the hint to show
/// and the public stand-in stored as `wallet_address`.
pub fn seal_extended(
    cipher: &Cipher,
    account_id: uuid::Uuid,
    key: &str,
) -> (credentials::EncryptedCredentials, String, String) {
    let plain = credentials::Credentials {
        api_key: Some(Secret::new(key.to_string())),
        ..Default::default()
    };
    let sealed = credentials::encrypt_credentials(cipher, account_id, &plain);
    let hint = bitcoin_wallet::key_hint(key);
    let digest = Sha256::digest(key.as_bytes());
    let stand_in = format!(
        "{hint} {:02x}{:02x}{:02x}{:02x}",
        digest[0], digest[1], digest[2], digest[3]
    );
    (sealed, hint, stand_in)
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
    let wallet = if account.api_key_encrypted.is_some() {
        let stored = credentials::EncryptedCredentials::of(account);
        let plain = credentials::decrypt_credentials(&ctx.cipher, account.id, &stored)
            .map_err(|e| anyhow::anyhow!("the wallet's key cannot be decrypted: {e}"))?;
        let key = plain
            .api_key
            .ok_or_else(|| anyhow::anyhow!("the wallet's key is missing"))?;
        match bitcoin_wallet::parse(key.expose()) {
            Ok(w @ Wallet::Extended(_)) => w,
            // The parser's errors never quote the key.
            Ok(_) => anyhow::bail!("the wallet's stored key is not an extended key"),
            Err(e) => anyhow::bail!("the wallet's stored key {e}"),
        }
    } else {
        let text = account
            .wallet_address
            .clone()
            .ok_or_else(|| anyhow::anyhow!("the wallet has no address"))?;
        // Checked again here: a stored text that is not an address never reaches Esplora.
        match bitcoin_wallet::parse(&text) {
            Ok(w @ Wallet::Address { .. }) => w,
            Ok(_) => anyhow::bail!("the wallet's address is a key stored unsealed"),
            Err(e) => anyhow::bail!("not a Bitcoin mainnet address: it {e}"),
        }
    };
    let kind = match &wallet {
        Wallet::Address { kind, .. } => kind.as_str(),
        Wallet::Extended(k) => k.kind.as_str(),
    };
    let scan = match &wallet {
        Wallet::Extended(_) => bitcoin_wallet_scans::get(&ctx.db, account.id).await?,
        Wallet::Address { .. } => None,
    };
    let gap = scan
        .as_ref()
        .and_then(|s| u32::try_from(s.gap_limit).ok())
        .unwrap_or(DEFAULT_GAP_LIMIT);
    let known = scan
        .as_ref()
        .map(bitcoin_wallet_scans::used)
        .unwrap_or_default();
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
    let reading = match read_wallet(ctx.esplora.as_ref(), &target, &wallet, gap, known).await {
        Ok(r) => r,
        Err(e) => return Ok(not_read(Kept::default(), Outcome::Failed(e.to_string()))),
    };
    if let Some(used) = reading.used {
        bitcoin_wallet_scans::save(&ctx.db, account.id, gap, used).await?;
    }
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
            "addresses_used": reading.used_addresses,
            "http_requests": reading.http_requests,
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
