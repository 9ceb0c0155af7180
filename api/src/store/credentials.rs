//! Exchange credentials of accounts: sealing and opening the three encrypted columns, and
//! re-encrypting every account under the current key after a key rotation.

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::config::Secret;
use crate::crypto::{Cipher, CryptoError};
use crate::entities::accounts;

/// Associated-data field names of the three encrypted columns.
pub const FIELD_API_KEY: &str = "api_key";
pub const FIELD_API_SECRET: &str = "api_secret";
pub const FIELD_PASSPHRASE: &str = "passphrase";

const PAGE: u64 = 200;
/// Attempts per account when a concurrent write changes it between read and update.
const ATTEMPTS: usize = 3;

/// Plaintext credentials of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub api_key: Option<Secret<String>>,
    pub api_secret: Option<Secret<String>>,
    pub passphrase: Option<Secret<String>>,
}

/// The stored form of [`Credentials`]: values for the account's encrypted columns.
/// `key_version` is `None` when there is nothing to encrypt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncryptedCredentials {
    pub api_key: Option<String>,
    pub api_secret: Option<String>,
    pub passphrase: Option<String>,
    pub key_version: Option<String>,
}

impl EncryptedCredentials {
    /// The columns of `account`.
    pub fn of(account: &accounts::Model) -> Self {
        Self {
            api_key: account.api_key_encrypted.clone(),
            api_secret: account.api_secret_encrypted.clone(),
            passphrase: account.passphrase_encrypted.clone(),
            key_version: account.encryption_key_version.clone(),
        }
    }

    /// Sets the four columns on `am` (the hint is the caller's: see `crypto::mask_api_key`).
    pub fn apply(self, am: &mut accounts::ActiveModel) {
        am.api_key_encrypted = Set(self.api_key);
        am.api_secret_encrypted = Set(self.api_secret);
        am.passphrase_encrypted = Set(self.passphrase);
        am.encryption_key_version = Set(self.key_version);
    }

    fn is_empty(&self) -> bool {
        self.api_key.is_none() && self.api_secret.is_none() && self.passphrase.is_none()
    }
}

/// Seals each present credential of account `account_id` under the current key.
pub fn encrypt_credentials(
    cipher: &Cipher,
    account_id: Uuid,
    creds: &Credentials,
) -> EncryptedCredentials {
    let seal = |v: &Option<Secret<String>>, field: &str| {
        v.as_ref()
            .map(|s| cipher.encrypt(s.expose(), account_id, field).ciphertext)
    };
    let out = EncryptedCredentials {
        api_key: seal(&creds.api_key, FIELD_API_KEY),
        api_secret: seal(&creds.api_secret, FIELD_API_SECRET),
        passphrase: seal(&creds.passphrase, FIELD_PASSPHRASE),
        key_version: None,
    };
    let key_version = (!out.is_empty()).then(|| cipher.current_version().to_string());
    EncryptedCredentials { key_version, ..out }
}

/// Opens the stored credentials of account `account_id`.
pub fn decrypt_credentials(
    cipher: &Cipher,
    account_id: Uuid,
    stored: &EncryptedCredentials,
) -> Result<Credentials, CryptoError> {
    if stored.is_empty() {
        return Ok(Credentials::default());
    }
    let version = stored
        .key_version
        .as_deref()
        .ok_or(CryptoError::BadFormat)?;
    let open = |v: &Option<String>, field: &str| {
        v.as_deref()
            .map(|c| cipher.decrypt(c, version, account_id, field))
            .transpose()
    };
    Ok(Credentials {
        api_key: open(&stored.api_key, FIELD_API_KEY)?,
        api_secret: open(&stored.api_secret, FIELD_API_SECRET)?,
        passphrase: open(&stored.passphrase, FIELD_PASSPHRASE)?,
    })
}

/// What [`reencrypt_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReencryptReport {
    /// Every account read.
    pub accounts_seen: u64,
    /// Re-encrypted under the current key.
    pub reencrypted: u64,
    /// Already under the current key.
    pub already_current: u64,
    /// Holding no credentials (wallets, DeFi accounts).
    pub without_credentials: u64,
    /// Left untouched, with the reason (an unknown key version, a value that does not open).
    pub failed: Vec<(Uuid, String)>,
}

/// Re-encrypts the credentials of every account not under the cipher's current key: each
/// account's columns are replaced in one statement, and only if nobody changed them since
/// they were read. An account whose values cannot be opened is reported and left as it was.
pub async fn reencrypt_all(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
) -> Result<ReencryptReport, DbErr> {
    let mut report = ReencryptReport::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = accounts::Entity::find()
            .order_by_asc(accounts::Column::Id)
            .limit(PAGE);
        if let Some(last) = after {
            q = q.filter(accounts::Column::Id.gt(last));
        }
        let page = q.all(db).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for account in page {
            report.accounts_seen += 1;
            reencrypt_one(db, cipher, account, &mut report).await?;
        }
    }
    Ok(report)
}

async fn reencrypt_one(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    mut account: accounts::Model,
    report: &mut ReencryptReport,
) -> Result<(), DbErr> {
    for _ in 0..ATTEMPTS {
        let stored = EncryptedCredentials::of(&account);
        if stored.is_empty() {
            report.without_credentials += 1;
            return Ok(());
        }
        if stored.key_version.as_deref() == Some(cipher.current_version()) {
            report.already_current += 1;
            return Ok(());
        }
        let creds = match decrypt_credentials(cipher, account.id, &stored) {
            Ok(c) => c,
            Err(e) => {
                let reason = match (&e, &stored.key_version) {
                    (CryptoError::BadFormat, None) => {
                        "encrypted credentials without a key version".to_string()
                    }
                    _ => e.to_string(),
                };
                report.failed.push((account.id, reason));
                return Ok(());
            }
        };
        let fresh = encrypt_credentials(cipher, account.id, &creds);
        let updated = accounts::Entity::update_many()
            .col_expr(
                accounts::Column::ApiKeyEncrypted,
                Expr::value(fresh.api_key),
            )
            .col_expr(
                accounts::Column::ApiSecretEncrypted,
                Expr::value(fresh.api_secret),
            )
            .col_expr(
                accounts::Column::PassphraseEncrypted,
                Expr::value(fresh.passphrase),
            )
            .col_expr(
                accounts::Column::EncryptionKeyVersion,
                Expr::value(fresh.key_version),
            )
            .filter(accounts::Column::Id.eq(account.id))
            .filter(unchanged(
                accounts::Column::ApiKeyEncrypted,
                &stored.api_key,
            ))
            .filter(unchanged(
                accounts::Column::ApiSecretEncrypted,
                &stored.api_secret,
            ))
            .filter(unchanged(
                accounts::Column::PassphraseEncrypted,
                &stored.passphrase,
            ))
            .filter(unchanged(
                accounts::Column::EncryptionKeyVersion,
                &stored.key_version,
            ))
            .exec(db)
            .await?;
        if updated.rows_affected == 1 {
            report.reencrypted += 1;
            return Ok(());
        }
        // Changed (or deleted) since it was read: look again.
        match accounts::Entity::find_by_id(account.id).one(db).await? {
            Some(now) => account = now,
            None => {
                report.accounts_seen -= 1;
                return Ok(());
            }
        }
    }
    report.failed.push((
        account.id,
        "changed concurrently on every attempt; run the command again".to_string(),
    ));
    Ok(())
}

fn unchanged(col: accounts::Column, value: &Option<String>) -> SimpleExpr {
    match value {
        Some(v) => col.eq(v.clone()),
        None => col.is_null(),
    }
}
