//! Database migrations for Crypto Pocket Butler (PostgreSQL and SQLite).

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_users;
mod m20261122_000002_create_assets;
mod m20261122_000003_create_asset_contracts;
mod m20261122_000004_create_asset_prices;
mod m20261122_000005_create_evm_chains;
mod m20261122_000006_create_evm_tokens;
mod m20261122_000007_create_accounts;
mod m20261122_000008_create_portfolios;
mod m20261122_000009_create_portfolio_accounts;
mod m20261122_000010_create_snapshots;
mod m20261122_000011_create_recommendations;
mod m20261122_000012_create_job_runs;
mod m20261122_000013_seed_evm_chains;
mod m20261203_000101_add_account_location_syncs;
mod m20261203_000201_unique_wallet_per_user;
mod m20261203_000202_exchange_uid;
mod m20261203_000301_create_audit_events;
mod m20261203_000401_create_holdings;
mod m20261203_000402_create_daily_balances;
mod m20261203_000403_create_manual_entries;
mod m20261203_000404_account_chain_family;
mod m20261203_000501_create_user_tokens;
mod m20261203_000502_create_token_marks;
mod m20261203_000701_create_solana_rpc;
pub mod m20261203_000801_defi_protocols;
mod m20261207_000901_seed_core_assets;
mod m20261207_000902_create_custom_assets;
mod m20261207_001001_create_ledger;
mod m20261207_001002_create_daily_prices;
mod m20261207_001101_create_ledger_cursors;
mod m20261207_001201_create_alerts;
mod m20261207_001301_create_request_limits;
mod m20261207_001401_create_bitcoin_esplora;
mod m20261207_001402_create_bitcoin_wallet_scans;
pub mod util;

pub use m20261122_000008_create_portfolios::ONE_DEFAULT_INDEX;
pub use m20261122_000013_seed_evm_chains::{DefaultChain, DEFAULT_CHAINS, MULTICALL3_ADDRESS};
pub use m20261203_000201_unique_wallet_per_user::UNIQUE_WALLET_INDEX;
pub use m20261203_000202_exchange_uid::UNIQUE_EXCHANGE_UID_INDEX;
pub use m20261207_000901_seed_core_assets::{CoreAsset, CORE_ASSETS, NATIVE_COINS};

/// Default database URL when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/butler.db?mode=rwc";

/// All migrations, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_users::Migration),
            Box::new(m20261122_000002_create_assets::Migration),
            Box::new(m20261122_000003_create_asset_contracts::Migration),
            Box::new(m20261122_000004_create_asset_prices::Migration),
            Box::new(m20261122_000005_create_evm_chains::Migration),
            Box::new(m20261122_000006_create_evm_tokens::Migration),
            Box::new(m20261122_000007_create_accounts::Migration),
            Box::new(m20261122_000008_create_portfolios::Migration),
            Box::new(m20261122_000009_create_portfolio_accounts::Migration),
            Box::new(m20261122_000010_create_snapshots::Migration),
            Box::new(m20261122_000011_create_recommendations::Migration),
            Box::new(m20261122_000012_create_job_runs::Migration),
            Box::new(m20261122_000013_seed_evm_chains::Migration),
            Box::new(m20261203_000101_add_account_location_syncs::Migration),
            Box::new(m20261203_000201_unique_wallet_per_user::Migration),
            Box::new(m20261203_000202_exchange_uid::Migration),
            Box::new(m20261203_000301_create_audit_events::Migration),
            Box::new(m20261203_000401_create_holdings::Migration),
            Box::new(m20261203_000402_create_daily_balances::Migration),
            Box::new(m20261203_000403_create_manual_entries::Migration),
            Box::new(m20261203_000404_account_chain_family::Migration),
            Box::new(m20261203_000501_create_user_tokens::Migration),
            Box::new(m20261203_000502_create_token_marks::Migration),
            Box::new(m20261203_000701_create_solana_rpc::Migration),
            Box::new(m20261203_000801_defi_protocols::Migration),
            Box::new(m20261207_000901_seed_core_assets::Migration),
            Box::new(m20261207_000902_create_custom_assets::Migration),
            Box::new(m20261207_001001_create_ledger::Migration),
            Box::new(m20261207_001002_create_daily_prices::Migration),
            Box::new(m20261207_001101_create_ledger_cursors::Migration),
            Box::new(m20261207_001201_create_alerts::Migration),
            Box::new(m20261207_001301_create_request_limits::Migration),
            Box::new(m20261207_001401_create_bitcoin_esplora::Migration),
            Box::new(m20261207_001402_create_bitcoin_wallet_scans::Migration),
        ]
    }
}

/// Creates the parent directory of a SQLite file URL (`sqlite://path?...`), if any.
pub fn ensure_sqlite_dir(url: &str) -> std::io::Result<()> {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(());
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(());
    }
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir),
        _ => Ok(()),
    }
}
