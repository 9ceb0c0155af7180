//! Exchange accounts (OKX, Binance): key permissions, then every balance of every location,
//! through the account's exchange connector in the registry. A location that cannot be read
//! keeps its previous holdings and makes the account `partial`; a refused key fails it all.

use std::sync::Arc;

use crate::config::Secret;
use crate::connectors::{ConnectorError, ExchangeBalances, ExchangeCredentials, ExchangeLocation};
use crate::domain::holdings::{flag, Kept, RawHolding};
use crate::domain::locations::Outcome;
use crate::entities::accounts;
use crate::store::accounts as account_store;
use crate::store::credentials;
use crate::sync::SyncContext;

use super::Reading;

/// The connector of an account's exchange.
pub fn connector(
    ctx: &SyncContext,
    account: &accounts::Model,
) -> anyhow::Result<Arc<dyn ExchangeBalances>> {
    let name = account.exchange_name.as_deref().unwrap_or_default();
    ctx.exchanges
        .get(name)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("the Butler cannot read the exchange {name:?}"))
}

/// The location names a sync of this exchange account reads.
pub fn locations(ctx: &SyncContext, account: &accounts::Model) -> Vec<String> {
    let name = account.exchange_name.as_deref().unwrap_or_default();
    match ctx.exchanges.get(name) {
        Some(exchange) => exchange
            .info()
            .locations
            .iter()
            .map(|l| l.as_str().to_string())
            .collect(),
        None => Vec::new(),
    }
}

/// Decrypts an exchange account's credentials (never logged, never returned).
pub fn credentials(
    ctx: &SyncContext,
    account: &accounts::Model,
) -> anyhow::Result<ExchangeCredentials> {
    let stored = credentials::EncryptedCredentials::of(account);
    let plain = credentials::decrypt_credentials(&ctx.cipher, account.id, &stored)
        .map_err(|e| anyhow::anyhow!("the stored credentials cannot be decrypted: {e}"))?;
    let need = |v: Option<crate::config::Secret<String>>, name: &str| {
        v.ok_or_else(|| anyhow::anyhow!("the account has no stored {name}"))
    };
    let needs_passphrase = connector(ctx, account)
        .map(|e| e.info().needs("passphrase"))
        .unwrap_or(true);
    Ok(ExchangeCredentials {
        api_key: need(plain.api_key, "API key")?,
        api_secret: need(plain.api_secret, "API secret")?,
        passphrase: match plain.passphrase {
            Some(p) => p,
            None if !needs_passphrase => Secret::new(String::new()),
            None => need(None, "passphrase")?,
        },
    })
}

/// The warning shown on an account whose key can trade.
pub const TRADE_WARNING: &str =
    "this API key can trade; a read-only key is enough for the Butler and safer";

pub(super) async fn read(ctx: &SyncContext, account: &accounts::Model) -> anyhow::Result<Reading> {
    let exchange = connector(ctx, account)?;
    let creds = credentials(ctx, account)?;
    let perms = exchange.key_permissions(&creds).await.map_err(describe)?;
    if perms.withdraw {
        anyhow::bail!("this API key can withdraw funds; replace it with a read-only key");
    }
    if let (None, Some(uid)) = (&account.exchange_uid, &perms.account_uid) {
        remember_exchange_uid(ctx, account, uid).await;
    }
    let warning = perms.trade.then(|| TRADE_WARNING.to_string());
    let reading = exchange.balances(&creds).await.map_err(describe)?;
    let raw = reading
        .balances
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
    // A location that failed keeps its last good read (flagged `not_refreshed`) and says why.
    let why = |l: ExchangeLocation| {
        reading
            .failed
            .iter()
            .find(|(f, _)| *f == l)
            .map(|(_, e)| e.to_string())
    };
    let outcomes = exchange
        .info()
        .locations
        .iter()
        .map(|&l| {
            let outcome = match why(l) {
                Some(why) => Outcome::Failed(why),
                None => Outcome::read(),
            };
            (l.as_str().to_string(), outcome)
        })
        .collect();
    let kept = Kept {
        locations: reading
            .failed
            .iter()
            .map(|(l, _)| l.as_str().to_string())
            .collect(),
        tokens: Vec::new(),
    };
    Ok(Reading {
        raw,
        outcomes,
        kept,
        permission_warning: Some(warning),
    })
}

/// Stores the exchange uid of an account added before uids were kept. When another account
/// of the user already is this exchange account, the uid stays unset and a warning says so
/// (the user removes one of the two; both keep syncing meanwhile).
async fn remember_exchange_uid(ctx: &SyncContext, account: &accounts::Model, uid: &str) {
    match account_store::set_exchange_uid(&ctx.db, account.id, uid).await {
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
