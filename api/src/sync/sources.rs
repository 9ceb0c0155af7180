//! The account sources, registered in one place. A source turns one account into raw holdings
//! and per-location outcomes; the common flow (`sync::sync_account`) identifies, prices, merges
//! and stores them. Wallets name a chain family (`evm`; `solana` next), exchange accounts an
//! exchange. Adding a source is one module behind [`Source`] plus one line in [`source_of`]
//! (and, for a wallet family, one in [`WALLET_FAMILIES`]): no handler changes.

use crate::domain::evm_address::{self, AddressError};
use crate::entities::accounts;
use crate::sync::SyncContext;

use super::{bitcoin, evm, exchange, manual, solana, Prefetched, Reading};

/// One kind of account source.
#[async_trait::async_trait]
pub trait Source: Send + Sync {
    /// What the account's `account_type` (or a wallet's chain family) says: `exchange`,
    /// `evm`, `manual`.
    fn name(&self) -> &'static str;
    /// The locations an account of this source has, to mark when a read fails as a whole.
    fn locations(&self, ctx: &SyncContext, account: &accounts::Model) -> Vec<String>;
    /// Reads the account's balances now (`prefetched`: readings the account-sync job already
    /// made in batches shared between accounts; sources that share none ignore it).
    async fn read(
        &self,
        ctx: &SyncContext,
        account: &accounts::Model,
        prefetched: &Prefetched,
    ) -> anyhow::Result<Reading>;
}

/// A wallet family: how its addresses are written, checked and stored.
pub struct WalletFamily {
    pub name: &'static str,
    /// The stored form of a user's address, or why it is not one (shown on the field).
    pub normalize_address: fn(&str) -> Result<String, String>,
}

fn evm_address(s: &str) -> Result<String, String> {
    evm_address::validate_user_address(s).map_err(|e| match e {
        AddressError::BadChecksum => {
            "the mixed-case checksum (EIP-55) is wrong: check for a typo".to_string()
        }
        _ => "must be 0x followed by 40 hex characters".to_string(),
    })
}

fn solana_address(s: &str) -> Result<String, String> {
    crate::domain::solana_address::validate(s).map_err(|e| format!("not a Solana address: it {e}"))
}

/// Wallet families the Butler reads.
pub const WALLET_FAMILIES: [WalletFamily; 3] = [
    WalletFamily {
        name: "evm",
        normalize_address: evm_address,
    },
    WalletFamily {
        name: "solana",
        normalize_address: solana_address,
    },
    WalletFamily {
        name: "bitcoin",
        normalize_address: bitcoin::normalize_address,
    },
];

/// The family of this name.
pub fn wallet_family(name: &str) -> Option<&'static WalletFamily> {
    WALLET_FAMILIES.iter().find(|f| f.name == name)
}

/// The default wallet family (accounts created before families existed are EVM wallets).
pub const DEFAULT_WALLET_FAMILY: &str = "evm";

struct Exchange;
struct Evm;
struct Solana;
struct Bitcoin;
struct Manual;

#[async_trait::async_trait]
impl Source for Exchange {
    fn name(&self) -> &'static str {
        "exchange"
    }
    fn locations(&self, ctx: &SyncContext, account: &accounts::Model) -> Vec<String> {
        exchange::locations(ctx, account)
    }
    async fn read(
        &self,
        ctx: &SyncContext,
        account: &accounts::Model,
        _: &Prefetched,
    ) -> anyhow::Result<Reading> {
        exchange::read(ctx, account).await
    }
}

#[async_trait::async_trait]
impl Source for Evm {
    fn name(&self) -> &'static str {
        "evm"
    }
    fn locations(&self, _: &SyncContext, account: &accounts::Model) -> Vec<String> {
        evm::enabled_chains(account)
    }
    async fn read(
        &self,
        ctx: &SyncContext,
        account: &accounts::Model,
        prefetched: &Prefetched,
    ) -> anyhow::Result<Reading> {
        evm::read(ctx, account, prefetched).await
    }
}

#[async_trait::async_trait]
impl Source for Solana {
    fn name(&self) -> &'static str {
        "solana"
    }
    fn locations(&self, _: &SyncContext, _: &accounts::Model) -> Vec<String> {
        vec![solana::LOCATION.to_string()]
    }
    async fn read(
        &self,
        ctx: &SyncContext,
        account: &accounts::Model,
        _: &Prefetched,
    ) -> anyhow::Result<Reading> {
        solana::read(ctx, account).await
    }
}

#[async_trait::async_trait]
impl Source for Bitcoin {
    fn name(&self) -> &'static str {
        "bitcoin"
    }
    fn locations(&self, _: &SyncContext, _: &accounts::Model) -> Vec<String> {
        vec![bitcoin::LOCATION.to_string()]
    }
    async fn read(
        &self,
        ctx: &SyncContext,
        account: &accounts::Model,
        _: &Prefetched,
    ) -> anyhow::Result<Reading> {
        bitcoin::read(ctx, account).await
    }
}

#[async_trait::async_trait]
impl Source for Manual {
    fn name(&self) -> &'static str {
        "manual"
    }
    fn locations(&self, _: &SyncContext, _: &accounts::Model) -> Vec<String> {
        vec![manual::LOCATION.to_string()]
    }
    async fn read(
        &self,
        ctx: &SyncContext,
        account: &accounts::Model,
        _: &Prefetched,
    ) -> anyhow::Result<Reading> {
        manual::read(ctx, account).await
    }
}

/// The source that reads this account.
pub fn source_of(account: &accounts::Model) -> Result<&'static dyn Source, String> {
    match account.account_type.as_str() {
        "exchange" => Ok(&Exchange),
        "manual" => Ok(&Manual),
        "wallet" => match account
            .chain_family
            .as_deref()
            .unwrap_or(DEFAULT_WALLET_FAMILY)
        {
            "evm" => Ok(&Evm),
            "solana" => Ok(&Solana),
            "bitcoin" => Ok(&Bitcoin),
            other => Err(format!(
                "wallets of the chain family {other:?} cannot be read"
            )),
        },
        other => Err(format!("accounts of type {other:?} cannot be read")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wallet_family_has_a_source() {
        for f in WALLET_FAMILIES {
            let mut a = crate::entities::accounts::Model {
                id: uuid::Uuid::nil(),
                user_id: uuid::Uuid::nil(),
                name: "w".into(),
                account_type: "wallet".into(),
                exchange_name: None,
                api_key_encrypted: None,
                api_secret_encrypted: None,
                passphrase_encrypted: None,
                encryption_key_version: None,
                api_key_hint: None,
                wallet_address: None,
                enabled_chains: None,
                holdings: None,
                last_synced_at: None,
                last_sync_started_at: None,
                last_sync_status: None,
                last_sync_error: None,
                permission_warning: None,
                location_syncs: None,
                exchange_uid: None,
                chain_family: Some(f.name.to_string()),
                is_active: true,
                created_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
            };
            assert_eq!(source_of(&a).unwrap().name(), f.name);
            a.chain_family = None;
            assert_eq!(source_of(&a).unwrap().name(), DEFAULT_WALLET_FAMILY);
            a.chain_family = Some(f.name.to_string());
            a.chain_family = Some("cosmos".into());
            assert!(source_of(&a).is_err());
        }
    }

    #[test]
    fn evm_addresses_are_checked_as_before() {
        let f = wallet_family("evm").unwrap();
        assert!((f.normalize_address)("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").is_ok());
        assert!(
            (f.normalize_address)("0x5AAeb6053f3e94c9b9a09f33669435e7ef1beaed")
                .unwrap_err()
                .contains("checksum")
        );
        assert!((f.normalize_address)("0x12").is_err());
    }

    #[test]
    fn solana_addresses_are_base58_public_keys() {
        let f = wallet_family("solana").unwrap();
        let a = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
        assert_eq!((f.normalize_address)(&format!(" {a} ")).unwrap(), a);
        let why = (f.normalize_address)("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").unwrap_err();
        assert!(why.contains("base58"), "{why}");
        let why = (f.normalize_address)(&a[..40]).unwrap_err();
        assert!(why.contains("not the 32"), "{why}");
    }

    #[test]
    fn bitcoin_wallets_take_a_mainnet_address_or_an_extended_key() {
        let f = wallet_family("bitcoin").unwrap();
        let a = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu";
        assert_eq!(
            (f.normalize_address)(&format!(" {} ", a.to_uppercase())).unwrap(),
            a
        );
        let why = (f.normalize_address)("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyv").unwrap_err();
        assert!(why.contains("bad checksum"), "{why}");
        let zpub = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
        // Returned as typed: the account handler seals it before anything stores it.
        assert_eq!((f.normalize_address)(&format!(" {zpub} ")).unwrap(), zpub);
        let bad = format!("{}X", &zpub[..zpub.len() - 1]);
        let why = (f.normalize_address)(&bad).unwrap_err();
        assert!(
            why.contains("bad checksum") && !why.contains(&zpub[4..40]),
            "{why}"
        );
    }
}
