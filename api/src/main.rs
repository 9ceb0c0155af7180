//! Starts the Butler: configuration, logging, database and migrations, then the HTTP server.

use anyhow::Context;
use api::auth::Authenticator;
use api::config::{AuthMode, Config};
use api::state::AppState;

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("crypto-pocket-butler: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let _ = dotenvy::dotenv();
    let config = Config::from_env().map_err(|e| anyhow::anyhow!("{e}"))?;
    api::telemetry::init(&config);

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
    let db = api::db::connect(&config).await?;
    let applied = api::db::migrate(&db).await?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    let bind = config.bind_addr;
    let state = AppState::new(config, db);
    if let Authenticator::Keycloak(v) = &state.auth {
        if !v.ensure_keys().await {
            tracing::warn!(
                "signing keys could not be loaded yet; protected routes answer 503 until they are"
            );
        }
    }
    let _scheduler = api::jobs::scheduler::spawn(state.clone()).await?;
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
