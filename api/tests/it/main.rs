//! Integration tests: the real router, a fresh database per test (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` names a server), and a real OIDC issuer for the auth tests.

mod anvil;
mod fake_binance;
mod helpers;
mod issuer;

mod accounts;
mod audit;
mod auth;
mod binance_ccxt;
mod binance_connector;
mod caps;
mod chains;
mod concurrency;
mod core_assets;
mod crypto;
mod custom_assets;
mod defi;
mod discovery;
mod duplicates;
mod errors;
mod evm_connector;
mod exchanges;
mod faults;
mod health;
mod holdings_model;
mod keycloak_real;
mod limits;
mod local_guard;
mod market_connectors;
mod market_jobs;
mod native_coins;
mod okx_connector;
mod okx_isolation;
mod openapi;
mod outage;
mod portfolios;
mod protection;
mod realm;
mod rpc_guard;
mod solana;
mod solana_real;
mod startup;
mod sync_progress;
mod token_valuation;
mod trust;
