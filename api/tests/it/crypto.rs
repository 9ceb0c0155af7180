//! Credentials at rest: encryption bound to account and field, key rotation with
//! `reencrypt_all` and the `reencrypt-credentials` command, and the local-mode key file.

use std::collections::HashMap;
use std::process::Command;

use api::config::{Config, Secret};
use api::crypto::{key_version, Cipher, CryptoError, KeySource};
use api::entities::accounts;
use api::store::credentials::{
    decrypt_credentials, encrypt_credentials, reencrypt_all, Credentials, EncryptedCredentials,
    FIELD_API_KEY, FIELD_API_SECRET, FIELD_PASSPHRASE,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Database, EntityTrait, Set};
use uuid::Uuid;

use crate::helpers::TestApp;

const KEY_A: [u8; 32] = [0xa1; 32];
const KEY_B: [u8; 32] = [0xb2; 32];
const KEY_C: [u8; 32] = [0xc3; 32];

fn hex(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

fn creds(key: &str, secret: &str, passphrase: Option<&str>) -> Credentials {
    Credentials {
        api_key: Some(Secret::new(key.to_string())),
        api_secret: Some(Secret::new(secret.to_string())),
        passphrase: passphrase.map(|p| Secret::new(p.to_string())),
    }
}

async fn new_user(db: &impl ConnectionTrait) -> Uuid {
    let sub = format!("sub-{}", Uuid::new_v4());
    api::store::users::upsert_identity(db, &sub, None, Some("owner"))
        .await
        .expect("user")
        .id
}

/// An exchange account with `creds` sealed by `cipher`, or a wallet when `creds` is `None`.
async fn insert_account(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    cipher: &Cipher,
    creds: Option<&Credentials>,
) -> accounts::Model {
    let id = Uuid::new_v4();
    let now = Utc::now();
    let mut am = accounts::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        name: Set(format!("account {id}")),
        account_type: Set(if creds.is_some() {
            "exchange"
        } else {
            "wallet"
        }
        .into()),
        exchange_name: Set(creds.map(|_| "okx".to_string())),
        api_key_hint: Set(None),
        wallet_address: Set(None),
        enabled_chains: Set(None),
        holdings: Set(None),
        last_synced_at: Set(None),
        last_sync_started_at: Set(None),
        last_sync_status: Set(None),
        last_sync_error: Set(None),
        permission_warning: Set(None),
        exchange_uid: Set(None),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    encrypt_credentials(cipher, id, creds.unwrap_or(&Credentials::default())).apply(&mut am);
    am.insert(db).await.expect("account inserted")
}

async fn reload(db: &impl ConnectionTrait, id: Uuid) -> accounts::Model {
    accounts::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("query")
        .expect("account exists")
}

fn open(cipher: &Cipher, account: &accounts::Model) -> Result<Credentials, CryptoError> {
    decrypt_credentials(cipher, account.id, &EncryptedCredentials::of(account))
}

#[test]
fn a_value_decrypts_to_what_was_encrypted() {
    let c = Cipher::new(KEY_A, vec![]);
    let id = Uuid::new_v4();
    for plain in ["", "k3y-ünïcode-🔑", &"x".repeat(10_000)] {
        let s = c.encrypt(plain, id, FIELD_API_SECRET);
        assert_eq!(s.key_version, key_version(&KEY_A));
        assert!(s.ciphertext.starts_with("v1:"), "{}", s.ciphertext);
        if !plain.is_empty() {
            assert!(!s.ciphertext.contains(plain));
        }
        let back = c
            .decrypt(&s.ciphertext, &s.key_version, id, FIELD_API_SECRET)
            .unwrap();
        assert_eq!(back.expose(), plain);
    }
}

#[test]
fn two_encryptions_of_the_same_value_differ() {
    let c = Cipher::new(KEY_A, vec![]);
    let id = Uuid::new_v4();
    let a = c.encrypt("same-secret", id, FIELD_API_KEY);
    let b = c.encrypt("same-secret", id, FIELD_API_KEY);
    assert_ne!(a.ciphertext, b.ciphertext);
    let nonce = |s: &str| STANDARD.decode(&s[3..]).unwrap()[..12].to_vec();
    assert_ne!(nonce(&a.ciphertext), nonce(&b.ciphertext));
}

#[test]
fn a_ciphertext_opens_only_for_its_own_account_and_field() {
    let c = Cipher::new(KEY_A, vec![]);
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let s = c.encrypt("alice-secret", alice, FIELD_API_SECRET);
    let v = &s.key_version;
    assert!(c.decrypt(&s.ciphertext, v, alice, FIELD_API_SECRET).is_ok());
    for (account, field) in [
        (bob, FIELD_API_SECRET),
        (alice, FIELD_API_KEY),
        (alice, FIELD_PASSPHRASE),
        (bob, FIELD_API_KEY),
    ] {
        assert_eq!(
            c.decrypt(&s.ciphertext, v, account, field).unwrap_err(),
            CryptoError::Rejected,
            "{account} {field}"
        );
    }
}

#[test]
fn swapping_stored_columns_between_fields_or_accounts_is_refused() {
    let c = Cipher::new(KEY_A, vec![]);
    let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
    let a = encrypt_credentials(&c, alice, &creds("alice-key", "alice-secret", Some("pp")));
    let b = encrypt_credentials(&c, bob, &creds("bob-key", "bob-secret", None));
    let swapped_fields = EncryptedCredentials {
        api_key: a.api_secret.clone(),
        api_secret: a.api_key.clone(),
        ..a.clone()
    };
    assert_eq!(
        decrypt_credentials(&c, alice, &swapped_fields).unwrap_err(),
        CryptoError::Rejected
    );
    assert_eq!(
        decrypt_credentials(&c, bob, &a).unwrap_err(),
        CryptoError::Rejected
    );
    let alice_secret_in_bobs_row = EncryptedCredentials {
        api_secret: a.api_secret.clone(),
        ..b.clone()
    };
    assert!(decrypt_credentials(&c, bob, &alice_secret_in_bobs_row).is_err());
    assert_eq!(
        decrypt_credentials(&c, alice, &a).unwrap(),
        creds("alice-key", "alice-secret", Some("pp"))
    );
}

#[test]
fn a_tampered_or_malformed_ciphertext_fails_without_panicking() {
    let c = Cipher::new(KEY_A, vec![]);
    let id = Uuid::new_v4();
    let s = c.encrypt("secret-value", id, FIELD_API_KEY);
    let raw = STANDARD.decode(&s.ciphertext[3..]).unwrap();
    for i in [0, 12, raw.len() - 1] {
        let mut bad = raw.clone();
        bad[i] ^= 0x01;
        let text = format!("v1:{}", STANDARD.encode(&bad));
        assert_eq!(
            c.decrypt(&text, &s.key_version, id, FIELD_API_KEY)
                .unwrap_err(),
            CryptoError::Rejected,
            "byte {i}"
        );
    }
    let truncated = format!("v1:{}", STANDARD.encode(&raw[..raw.len() - 1]));
    let short = format!("v1:{}", STANDARD.encode(&raw[..20]));
    let v2 = format!("v2:{}", &s.ciphertext[3..]);
    for bad in [
        truncated.as_str(),
        short.as_str(),
        v2.as_str(),
        "",
        "v1:",
        "v1:not base64!",
        "plaintext",
    ] {
        let err = c
            .decrypt(bad, &s.key_version, id, FIELD_API_KEY)
            .unwrap_err();
        assert!(
            matches!(err, CryptoError::BadFormat | CryptoError::Rejected),
            "{bad:?}: {err:?}"
        );
    }
}

#[test]
fn an_unknown_key_version_fails_with_a_clear_error() {
    let under_c = Cipher::new(KEY_C, vec![]);
    let id = Uuid::new_v4();
    let s = under_c.encrypt("secret-value", id, FIELD_API_KEY);
    let c = Cipher::new(KEY_A, vec![KEY_B]);
    let err = c
        .decrypt(&s.ciphertext, &s.key_version, id, FIELD_API_KEY)
        .unwrap_err();
    assert_eq!(err, CryptoError::UnknownKeyVersion(key_version(&KEY_C)));
    let msg = err.to_string();
    assert!(msg.contains("ENCRYPTION_OLD_KEYS"), "{msg}");
    assert!(!msg.contains(&hex(&KEY_C)) && !msg.contains("secret-value"));
    // Right key, wrong version label: refused, not mis-decrypted.
    let mislabelled = c.decrypt(&s.ciphertext, &key_version(&KEY_B), id, FIELD_API_KEY);
    assert_eq!(mislabelled.unwrap_err(), CryptoError::Rejected);
}

#[tokio::test]
async fn reencrypt_all_moves_every_account_to_the_new_key_and_is_a_no_op_the_second_time() {
    let app = TestApp::local().await;
    let db = &app.db;
    let user = new_user(db).await;
    let a = Cipher::new(KEY_A, vec![]);
    let plain = [
        creds("key-one-0123456789", "secret-one", Some("pass-one")),
        creds("key-two-0123456789", "secret-two", None),
        Credentials {
            api_key: Some(Secret::new("only-a-key".into())),
            ..Default::default()
        },
    ];
    let mut ids = Vec::new();
    for c in &plain {
        ids.push(insert_account(db, user, &a, Some(c)).await.id);
    }
    let wallet = insert_account(db, user, &a, None).await;
    let before: Vec<_> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(reload(db, *id).await);
        }
        v
    };

    let b = Cipher::new(KEY_B, vec![KEY_A]);
    let report = reencrypt_all(db, &b).await.unwrap();
    assert_eq!(report.accounts_seen, 4, "{report:?}");
    assert_eq!(report.reencrypted, 3, "{report:?}");
    assert_eq!(report.already_current, 0);
    assert_eq!(report.without_credentials, 1);
    assert!(report.failed.is_empty(), "{:?}", report.failed);

    let only_b = Cipher::new(KEY_B, vec![]);
    let only_a = Cipher::new(KEY_A, vec![]);
    for ((id, want), old) in ids.iter().zip(&plain).zip(&before) {
        let row = reload(db, *id).await;
        assert_eq!(
            row.encryption_key_version.as_deref(),
            Some(key_version(&KEY_B).as_str())
        );
        assert_eq!(&open(&only_b, &row).unwrap(), want);
        assert!(matches!(
            open(&only_a, &row),
            Err(CryptoError::UnknownKeyVersion(_))
        ));
        assert_ne!(row.api_key_encrypted, old.api_key_encrypted);
        // Absent fields stay absent; the rest of the row is untouched.
        assert_eq!(
            row.passphrase_encrypted.is_some(),
            old.passphrase_encrypted.is_some()
        );
        assert_eq!(
            row.api_secret_encrypted.is_some(),
            old.api_secret_encrypted.is_some()
        );
        assert_eq!(
            (row.name.clone(), row.updated_at),
            (old.name.clone(), old.updated_at)
        );
    }
    assert_eq!(reload(db, wallet.id).await, wallet);

    let after_first: Vec<_> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(reload(db, *id).await);
        }
        v
    };
    let again = reencrypt_all(db, &b).await.unwrap();
    assert_eq!(again.reencrypted, 0, "{again:?}");
    assert_eq!(again.already_current, 3);
    assert!(again.failed.is_empty());
    for (id, first) in ids.iter().zip(&after_first) {
        assert_eq!(&reload(db, *id).await, first, "second run changed a row");
    }
}

#[tokio::test]
async fn an_account_under_an_unknown_key_is_reported_and_left_as_it_was() {
    let app = TestApp::local().await;
    let db = &app.db;
    let user = new_user(db).await;
    let lost = insert_account(
        db,
        user,
        &Cipher::new(KEY_C, vec![]),
        Some(&creds("lost-key-0123456789", "lost-secret", None)),
    )
    .await;
    let fine = insert_account(
        db,
        user,
        &Cipher::new(KEY_A, vec![]),
        Some(&creds("fine-key-0123456789", "fine-secret", None)),
    )
    .await;
    let mut tampered = insert_account(
        db,
        user,
        &Cipher::new(KEY_A, vec![]),
        Some(&creds("tamp-key-0123456789", "tamp-secret", None)),
    )
    .await;
    // Its secret is the fine account's: sealed for another account, so it must not open.
    let mut am: accounts::ActiveModel = tampered.clone().into();
    am.api_secret_encrypted = Set(fine.api_secret_encrypted.clone());
    tampered = am.update(db).await.unwrap();

    let report = reencrypt_all(db, &Cipher::new(KEY_B, vec![KEY_A]))
        .await
        .unwrap();
    assert_eq!(report.reencrypted, 1, "{report:?}");
    let failed: HashMap<Uuid, String> = report.failed.into_iter().collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(
        failed[&lost.id].contains(&key_version(&KEY_C)),
        "{}",
        failed[&lost.id]
    );
    assert!(failed.contains_key(&tampered.id));
    for msg in failed.values() {
        assert!(!msg.contains("lost-") && !msg.contains("tamp-"), "{msg}");
    }
    assert_eq!(reload(db, lost.id).await, lost, "nothing lost");
    assert_eq!(reload(db, tampered.id).await, tampered);
    // Once the missing key is supplied, the account moves too.
    let report = reencrypt_all(db, &Cipher::new(KEY_B, vec![KEY_A, KEY_C]))
        .await
        .unwrap();
    assert_eq!(report.reencrypted, 1, "{report:?}");
    let row = reload(db, lost.id).await;
    assert_eq!(
        open(&Cipher::new(KEY_B, vec![]), &row).unwrap(),
        creds("lost-key-0123456789", "lost-secret", None)
    );
}

fn config(pairs: &[(&str, &str)]) -> Config {
    let vars: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_vars(&vars).expect("valid config")
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn local_mode_generates_a_private_key_file_once_and_loads_it_on_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    let cfg = config(&[("DATA_DIR", data.to_str().unwrap())]);
    let (first, source) = Cipher::from_config(&cfg).unwrap();
    let file = data.join("encryption.key");
    assert_eq!(source, KeySource::LocalFileGenerated(file.clone()));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.trim().len(), 64);
    assert!(text.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["encryption.key"], "no temporary files left");

    let (second, source) = Cipher::from_config(&cfg).unwrap();
    assert_eq!(source, KeySource::LocalFileLoaded(file.clone()));
    assert_eq!(first.current_version(), second.current_version());
    let id = Uuid::new_v4();
    let s = first.encrypt("survives-a-restart", id, FIELD_API_KEY);
    assert_eq!(
        second
            .decrypt(&s.ciphertext, &s.key_version, id, FIELD_API_KEY)
            .unwrap()
            .expose(),
        "survives-a-restart"
    );
    assert!(!format!("{second:?}").contains(text.trim()));
}

#[cfg(unix)]
#[test]
fn a_key_file_readable_by_others_is_tightened_and_a_corrupt_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&[("DATA_DIR", dir.path().to_str().unwrap())]);
    let file = dir.path().join("encryption.key");
    std::fs::write(&file, format!("{}\n", hex(&KEY_A))).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (c, source) = Cipher::from_config(&cfg).unwrap();
    assert_eq!(source, KeySource::LocalFileLoaded(file.clone()));
    assert_eq!(c.current_version(), key_version(&KEY_A));
    assert_eq!(mode(&file), 0o600);

    std::fs::write(&file, "not a key").unwrap();
    let err = format!("{:#}", Cipher::from_config(&cfg).unwrap_err());
    assert!(err.contains("64 hexadecimal"), "{err}");
    assert!(!err.contains("not a key"), "{err}");
}

#[test]
fn a_configured_key_wins_and_old_keys_still_open_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&[
        ("DATA_DIR", dir.path().to_str().unwrap()),
        ("ENCRYPTION_MASTER_KEY", &hex(&KEY_B)),
        (
            "ENCRYPTION_OLD_KEYS",
            &format!("{}, {}", hex(&KEY_A), hex(&KEY_C)),
        ),
    ]);
    let (c, source) = Cipher::from_config(&cfg).unwrap();
    assert_eq!(source, KeySource::Configured);
    assert_eq!(c.current_version(), key_version(&KEY_B));
    assert!(c.knows_version(&key_version(&KEY_A)) && c.knows_version(&key_version(&KEY_C)));
    assert!(
        !dir.path().join("encryption.key").exists(),
        "no key file when a key is configured"
    );
}

#[test]
fn keycloak_mode_without_a_master_key_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&[
        ("DATA_DIR", dir.path().to_str().unwrap()),
        ("KEYCLOAK_SERVER", "http://127.0.0.1:9"),
        ("KEYCLOAK_REALM", "butler"),
        ("KEYCLOAK_AUDIENCE", "butler-api"),
    ]);
    let err = Cipher::from_config(&cfg).unwrap_err().to_string();
    assert!(
        err.contains("ENCRYPTION_MASTER_KEY") && err.contains("multi-user"),
        "{err}"
    );
    assert!(!dir.path().join("encryption.key").exists());
}

#[test]
fn the_binary_refuses_a_keycloak_start_without_a_master_key_before_touching_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_api"))
        .current_dir(dir.path())
        .env_clear()
        .env("KEYCLOAK_SERVER", "http://127.0.0.1:9")
        .env("KEYCLOAK_REALM", "butler")
        .env("KEYCLOAK_AUDIENCE", "butler-api")
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ENCRYPTION_MASTER_KEY"), "{err}");
    assert!(!dir.path().join("data").exists());
}

#[test]
fn the_binary_rejects_an_unknown_command_with_its_usage() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_api"))
        .arg("reencrypt-everything")
        .current_dir(dir.path())
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("usage") && err.contains("reencrypt-credentials"),
        "{err}"
    );
    assert!(!dir.path().join("data").exists());
}

#[tokio::test]
async fn the_reencrypt_credentials_command_rotates_a_sqlite_database_and_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    // The binary's defaults: ./data/butler.db under its working directory.
    let url = format!("sqlite://{}/data/butler.db?mode=rwc", dir.path().display());
    let cfg = config(&[("DATABASE_URL", &url), ("DB_MAX_CONNECTIONS", "2")]);
    let db = api::db::connect(&cfg).await.unwrap();
    api::db::migrate(&db).await.unwrap();
    let user = new_user(&db).await;
    let a = Cipher::new(KEY_A, vec![]);
    let one = insert_account(
        &db,
        user,
        &a,
        Some(&creds("key-1-abcdefgh", "s1", Some("p1"))),
    )
    .await;
    let two = insert_account(&db, user, &a, Some(&creds("key-2-abcdefgh", "s2", None))).await;
    db.close().await.unwrap();

    let run = || {
        Command::new(env!("CARGO_BIN_EXE_api"))
            .arg("reencrypt-credentials")
            .current_dir(dir.path())
            .env_clear()
            .env("ENCRYPTION_MASTER_KEY", hex(&KEY_B))
            .env("ENCRYPTION_OLD_KEYS", hex(&KEY_A))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("2 re-encrypted"), "{stdout}");
    assert!(!stdout.contains(&hex(&KEY_B)) && !stdout.contains(&hex(&KEY_A)));

    let db = Database::connect(&url).await.unwrap();
    let only_b = Cipher::new(KEY_B, vec![]);
    assert_eq!(
        open(&only_b, &reload(&db, one.id).await).unwrap(),
        creds("key-1-abcdefgh", "s1", Some("p1"))
    );
    assert_eq!(
        open(&only_b, &reload(&db, two.id).await).unwrap(),
        creds("key-2-abcdefgh", "s2", None)
    );
    let lost = insert_account(
        &db,
        user,
        &Cipher::new(KEY_C, vec![]),
        Some(&creds("key-3-abcdefgh", "s3", None)),
    )
    .await;
    db.close().await.unwrap();

    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("2 already current"), "{stdout}");
    assert!(stdout.contains(&lost.id.to_string()), "{stdout}");
    assert!(!dir.path().join("data/encryption.key").exists());
}
