//! Starts the Butler: configuration, logging, database and migrations, then the HTTP server.
//! `api reencrypt-credentials` instead re-encrypts stored credentials under the current key.

use anyhow::Context;
use api::auth::Authenticator;
use api::config::{AuthMode, Config};
use api::crypto::{Cipher, KeySource};
use api::state::AppState;

const USAGE: &str = "usage: api [reencrypt-credentials]

  (no command)            run the HTTP server
  reencrypt-credentials   re-encrypt every account's credentials under ENCRYPTION_MASTER_KEY,
                          reading older ones with ENCRYPTION_OLD_KEYS; exits 1 if any failed";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => run().await.map(|()| 0),
        ["reencrypt-credentials"] => reencrypt_credentials().await,
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            Ok(0)
        }
        _ => {
            eprintln!("{USAGE}");
            Ok(2)
        }
    };
    match outcome {
        Ok(0) => {}
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("crypto-pocket-butler: {e:#}");
            std::process::exit(1);
        }
    }
}

fn load_config() -> anyhow::Result<Config> {
    let _ = dotenvy::dotenv();
    let config = Config::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    api::telemetry::init(&config);
    Ok(config)
}

/// Builds the cipher (before anything touches the database) and says where its key came from.
fn cipher(config: &Config) -> anyhow::Result<Cipher> {
    let (cipher, source) = Cipher::from_config(config)?;
    match source {
        KeySource::Configured => tracing::info!(
            key_version = cipher.current_version(),
            "encryption key from ENCRYPTION_MASTER_KEY"
        ),
        KeySource::LocalFileLoaded(path) => tracing::info!(
            path = %path.display(),
            key_version = cipher.current_version(),
            "encryption key loaded"
        ),
        KeySource::LocalFileGenerated(path) => tracing::warn!(
            path = %path.display(),
            key_version = cipher.current_version(),
            "generated a new encryption key for stored credentials; back this file up with the database, without it they cannot be read"
        ),
    }
    Ok(cipher)
}

async fn reencrypt_credentials() -> anyhow::Result<i32> {
    let config = load_config()?;
    let cipher = cipher(&config)?;
    let db = api::db::connect(&config).await?;
    api::db::migrate(&db).await?;
    let report = api::store::credentials::reencrypt_all(&db, &cipher)
        .await
        .context("re-encrypting credentials")?;
    println!(
        "re-encrypted credentials under key version {}: {} account(s) seen, {} re-encrypted, {} already current, {} without credentials, {} failed",
        cipher.current_version(),
        report.accounts_seen,
        report.reencrypted,
        report.already_current,
        report.without_credentials,
        report.failed.len()
    );
    for (id, reason) in &report.failed {
        println!("  failed: account {id}: {reason}");
    }
    Ok(if report.failed.is_empty() { 0 } else { 1 })
}

async fn run() -> anyhow::Result<()> {
    let config = load_config()?;

    match &config.auth {
        AuthMode::Local => tracing::warn!(
            bind = %config.bind_addr,
            "LOCAL MODE: no KEYCLOAK_SERVER is set, so there is no sign-in and every request acts as the built-in admin user. Listening on loopback only."
        ),
        AuthMode::Keycloak(k) => tracing::info!(
            issuer = %k.issuer,
            audience = %k.audience,
            "Keycloak mode: access tokens are required"
        ),
    }
    // Before the database, so a server without a usable key fails without touching it.
    let cipher = cipher(&config)?;
    let db = api::db::connect(&config).await?;
    let applied = api::db::migrate(&db).await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    let bind = config.bind_addr;
    let state = AppState::new(config, db, cipher);
    if let Authenticator::Keycloak(v) = &state.auth {
        if !v.ensure_keys().await {
            tracing::warn!(
                "signing keys could not be loaded yet; protected routes answer 503 until they are"
            );
        }
    }
    let _scheduler = api::jobs::scheduler::spawn(state.clone()).await?;
    // A new install gets its coin list and prices now, not at midnight.
    let _first_run = api::jobs::bootstrap_if_empty(state.clone());
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    axum::serve(listener, api::router(state))
        .with_graceful_shutdown(shutdown())
        .await
        .context("serving HTTP")
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
