//! Exchange credentials at rest: AES-256-GCM under the master key, each value bound to its
//! account and field, with the key's version stored beside it so keys can be rotated.

use std::fmt;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::Context;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::{AuthMode, Config, Secret};

/// Prefix of the stored text format: `v1:<base64(nonce || ciphertext || tag)>`.
const FORMAT_V1: &str = "v1:";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Name of the generated key file under `DATA_DIR` in local mode.
pub const LOCAL_KEY_FILE: &str = "encryption.key";

/// The version of a key: the first 8 hex characters of SHA-256("butler-key-version" || key).
/// Names the key without revealing it.
pub fn key_version(key: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"butler-key-version");
    h.update(key);
    to_hex(&h.finalize()[..4])
}

/// An encrypted value as stored: the text for the `*_encrypted` column and the version of the
/// key that sealed it (for `encryption_key_version`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: String,
    pub key_version: String,
}

/// Why a value could not be decrypted. Messages name key versions at most, never plaintext or
/// key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error(
        "no configured key has version {0}: add the key that encrypted it to ENCRYPTION_OLD_KEYS"
    )]
    UnknownKeyVersion(String),
    #[error("the stored value is not in the expected encrypted format")]
    BadFormat,
    #[error("decryption failed: the value was altered, or belongs to another account or field")]
    Rejected,
    #[error("the decrypted value is not UTF-8 text")]
    NotText,
}

/// Where the current key came from, so start-up can say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `ENCRYPTION_MASTER_KEY`.
    Configured,
    /// Local mode: read from this file under `DATA_DIR`.
    LocalFileLoaded(PathBuf),
    /// Local mode: no key was configured or stored, so one was generated into this file.
    LocalFileGenerated(PathBuf),
}

struct VersionedKey {
    version: String,
    aead: Aes256Gcm,
}

impl VersionedKey {
    fn new(key: &[u8; 32]) -> Self {
        Self {
            version: key_version(key),
            aead: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }
}

/// Encrypts under the current key; decrypts under the current or any old key. `Debug` shows
/// key versions only.
pub struct Cipher {
    current: VersionedKey,
    old: Vec<VersionedKey>,
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher")
            .field("current_version", &self.current.version)
            .field(
                "old_versions",
                &self.old.iter().map(|k| &k.version).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Cipher {
    /// A cipher sealing with `current` and also opening values sealed with any of `old`.
    pub fn new(current: [u8; 32], old: Vec<[u8; 32]>) -> Self {
        let current = VersionedKey::new(&current);
        let mut olds: Vec<VersionedKey> = Vec::with_capacity(old.len());
        for k in &old {
            let k = VersionedKey::new(k);
            if k.version != current.version && olds.iter().all(|o| o.version != k.version) {
                olds.push(k);
            }
        }
        Self { current, old: olds }
    }

    /// The version recorded with everything this cipher encrypts.
    pub fn current_version(&self) -> &str {
        &self.current.version
    }

    /// Whether values sealed under `version` can be opened.
    pub fn knows_version(&self, version: &str) -> bool {
        self.key(version).is_some()
    }

    fn key(&self, version: &str) -> Option<&VersionedKey> {
        std::iter::once(&self.current)
            .chain(&self.old)
            .find(|k| k.version == version)
    }

    /// Seals `plaintext` for `field` of account `account_id` under a fresh random nonce.
    pub fn encrypt(&self, plaintext: &str, account_id: Uuid, field: &str) -> Sealed {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = associated_data(account_id, field);
        let sealed = self
            .current
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            // Only inputs beyond 64 GiB fail.
            .expect("AES-GCM seals any credential-sized value");
        let mut raw = Vec::with_capacity(NONCE_LEN + sealed.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        Sealed {
            ciphertext: format!("{FORMAT_V1}{}", STANDARD.encode(raw)),
            key_version: self.current.version.clone(),
        }
    }

    /// Opens a value sealed by [`Cipher::encrypt`] for the same account and field.
    pub fn decrypt(
        &self,
        ciphertext: &str,
        key_version: &str,
        account_id: Uuid,
        field: &str,
    ) -> Result<Secret<String>, CryptoError> {
        let key = self
            .key(key_version)
            .ok_or_else(|| CryptoError::UnknownKeyVersion(printable_version(key_version)))?;
        let raw = ciphertext
            .strip_prefix(FORMAT_V1)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|r| r.len() >= NONCE_LEN + TAG_LEN)
            .ok_or(CryptoError::BadFormat)?;
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let aad = associated_data(account_id, field);
        let plain = key
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Rejected)?;
        String::from_utf8(plain)
            .map(Secret::new)
            .map_err(|_| CryptoError::NotText)
    }

    /// The cipher the configuration asks for: `ENCRYPTION_MASTER_KEY` if set; otherwise, in
    /// local mode, the key in `<DATA_DIR>/encryption.key` (generated on first start). Keycloak
    /// mode without `ENCRYPTION_MASTER_KEY` is an error. `ENCRYPTION_OLD_KEYS` are old keys.
    pub fn from_config(config: &Config) -> anyhow::Result<(Cipher, KeySource)> {
        let old: Vec<[u8; 32]> = config
            .encryption_old_keys
            .iter()
            .map(|k| *k.expose())
            .collect();
        if let Some(key) = &config.encryption_master_key {
            return Ok((Cipher::new(*key.expose(), old), KeySource::Configured));
        }
        match config.auth {
            AuthMode::Keycloak(_) => anyhow::bail!(
                "ENCRYPTION_MASTER_KEY is not set: a multi-user server (KEYCLOAK_SERVER is set) must set it to 64 hex characters, e.g. the output of `openssl rand -hex 32`, kept outside the database and its backups. Exchange credentials are encrypted with it."
            ),
            AuthMode::Local => {
                let path = config.data_dir.join(LOCAL_KEY_FILE);
                let (key, source) = load_or_generate_key_file(&path)?;
                Ok((Cipher::new(*key.expose(), old), source))
            }
        }
    }
}

/// Reads the key file at `path`, or creates it with a new random key (mode 0600). The file
/// appears complete or not at all, so two processes starting together end up with one key.
pub fn load_or_generate_key_file(path: &Path) -> anyhow::Result<(Secret<[u8; 32]>, KeySource)> {
    if let Some(key) = read_key_file(path)? {
        return Ok((key, KeySource::LocalFileLoaded(path.to_path_buf())));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key: [u8; 32] = Aes256Gcm::generate_key(OsRng).into();
    let text = format!("{}\n", to_hex(&key));

    let tmp = dir.join(format!(".{LOCAL_KEY_FILE}.{}.tmp", Uuid::new_v4().simple()));
    write_private_file(&tmp, text.as_bytes())
        .with_context(|| format!("writing a new encryption key to {}", tmp.display()))?;
    // A hard link publishes the complete file and, like create_new, never replaces one.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let key = read_key_file(path)?.with_context(|| {
                format!("{} disappeared while it was being read", path.display())
            })?;
            return Ok((key, KeySource::LocalFileLoaded(path.to_path_buf())));
        }
        // File systems without hard links: create the file itself, exclusively.
        Err(_) => match write_private_file(path, text.as_bytes()) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let key = read_key_file(path)?.with_context(|| {
                    format!("{} disappeared while it was being read", path.display())
                })?;
                return Ok((key, KeySource::LocalFileLoaded(path.to_path_buf())));
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("writing a new encryption key to {}", path.display()))
            }
        },
    }
    Ok((
        Secret::new(key),
        KeySource::LocalFileGenerated(path.to_path_buf()),
    ))
}

/// Creates `path` exclusively, owner-only, and only then writes `bytes` to it.
fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts.open(path)?;
    // The umask can only narrow the mode; set it explicitly anyway before any key byte lands.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    let written = file.write_all(bytes).and_then(|_| file.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

/// `None` when the file does not exist. Tightens a file others can read to 0600.
fn read_key_file(path: &Path) -> anyhow::Result<Option<Secret<[u8; 32]>>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => Secret::new(t),
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("reading the permissions of {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).with_context(
                || {
                    format!(
                        "{} is readable by others and could not be restricted to 0600",
                        path.display()
                    )
                },
            )?;
            tracing::warn!(
                path = %path.display(),
                old_mode = format!("{:o}", mode & 0o777),
                "the encryption key file was readable by other users; restricted it to 0600 (consider rotating the key)"
            );
        }
    }
    let key = parse_hex_key(text.expose().trim()).with_context(|| {
        format!(
            "{} must hold 64 hexadecimal characters (the key encrypting stored credentials); restore it from a backup",
            path.display()
        )
    })?;
    Ok(Some(key))
}

fn parse_hex_key(s: &str) -> anyhow::Result<Secret<[u8; 32]>> {
    anyhow::ensure!(
        s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()),
        "not 64 hexadecimal characters"
    );
    let mut key = [0u8; 32];
    for (i, pair) in s.as_bytes().chunks(2).enumerate() {
        key[i] = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
    }
    Ok(Secret::new(key))
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn associated_data(account_id: Uuid, field: &str) -> String {
    format!("{account_id}:{field}")
}

/// A stored version echoed in an error: short and printable, whatever the column held.
fn printable_version(v: &str) -> String {
    v.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(16)
        .collect()
}

/// The hint shown for an API key: `abcd…wxyz` for keys of 12 characters or more, `…yz` for
/// keys of 6 to 11, `…` for shorter ones. Never more than 8 characters of the key.
pub fn mask_api_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let n = chars.len();
    if n >= 12 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[n - 4..].iter().collect();
        format!("{head}…{tail}")
    } else if n >= 6 {
        let tail: String = chars[n - 2..].iter().collect();
        format!("…{tail}")
    } else {
        "…".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_version_is_a_short_stable_hash_that_differs_per_key() {
        let a = key_version(&[1; 32]);
        assert_eq!(a.len(), 8);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a, key_version(&[1; 32]));
        assert_ne!(a, key_version(&[2; 32]));
        assert!(!to_hex(&[1; 32]).contains(&a));
    }

    #[test]
    fn debug_output_of_cipher_and_sealed_never_shows_key_bytes() {
        let key = [0xab; 32];
        let old = [0xcd; 32];
        let c = Cipher::new(key, vec![old]);
        let sealed = c.encrypt("hunter2-secret", Uuid::new_v4(), "api_secret");
        let out = format!("{c:?} {sealed:?} {c:#?}");
        for needle in ["abab", "cdcd", "171", "205", "hunter2"] {
            assert!(!out.contains(needle), "{needle} in {out}");
        }
        assert!(out.contains(c.current_version()), "{out}");
    }

    #[test]
    fn error_messages_never_carry_plaintext_or_keys() {
        let key = [0x42; 32];
        let c = Cipher::new(key, vec![]);
        let id = Uuid::new_v4();
        let s = c.encrypt("plain-secret-value", id, "api_key");
        let errors = [
            c.decrypt(&s.ciphertext, "deadbeef", id, "api_key"),
            c.decrypt(&s.ciphertext, &s.key_version, id, "api_secret"),
            c.decrypt("v1:!!!", &s.key_version, id, "api_key"),
        ];
        for e in errors {
            let msg = e.unwrap_err().to_string();
            assert!(
                !msg.contains("plain-secret") && !msg.contains("4242"),
                "{msg}"
            );
        }
    }

    #[test]
    fn a_hostile_stored_version_is_not_echoed_verbatim() {
        let c = Cipher::new([1; 32], vec![]);
        let err = c
            .decrypt(
                "v1:AAAA",
                "x\n<script>aaaaaaaaaaaaaaaaaaaaaa",
                Uuid::nil(),
                "f",
            )
            .unwrap_err();
        assert_eq!(
            err,
            CryptoError::UnknownKeyVersion("xscriptaaaaaaaaa".into())
        );
    }

    #[test]
    fn old_keys_equal_to_the_current_one_or_each_other_are_kept_once() {
        let c = Cipher::new([1; 32], vec![[1; 32], [2; 32], [2; 32]]);
        assert_eq!(c.old.len(), 1);
        assert!(c.knows_version(&key_version(&[2; 32])));
        assert!(!c.knows_version(&key_version(&[3; 32])));
    }

    #[test]
    fn hex_keys_parse_in_either_case() {
        let k = parse_hex_key(&"aB".repeat(32)).unwrap();
        assert_eq!(*k.expose(), [0xab; 32]);
        assert!(parse_hex_key(&"ab".repeat(31)).is_err());
        assert!(parse_hex_key(&"zz".repeat(32)).is_err());
        assert_eq!(to_hex(&[0x0f, 0xa0]), "0fa0");
    }

    #[test]
    fn mask_shows_at_most_four_and_four_characters_of_a_long_key() {
        assert_eq!(mask_api_key("abcdefghijklmnop"), "abcd…mnop");
        assert_eq!(mask_api_key("abcdefghijkl"), "abcd…ijkl");
        assert_eq!(mask_api_key("abcdefghijk"), "…jk");
        assert_eq!(mask_api_key("abcdef"), "…ef");
        assert_eq!(mask_api_key("abcde"), "…");
        assert_eq!(mask_api_key(""), "…");
        // Characters, not bytes: never splits a multi-byte character.
        assert_eq!(mask_api_key("ééééééééééééé"), "éééé…éééé");
        let long = "0123456789".repeat(10);
        let shown = mask_api_key(&long).chars().filter(|c| *c != '…').count();
        assert_eq!(shown, 8);
    }
}
