//! SeaORM entities, one per table, mirroring the `migration` crate column for column.

pub mod decimal;
pub mod prelude;

pub mod accounts;
pub mod alert_channels;
pub mod alert_deliveries;
pub mod alert_rules;
pub mod alert_states;
pub mod alerts;
pub mod asset_contracts;
pub mod asset_prices;
pub mod assets;
pub mod audit_events;
pub mod bitcoin_esplora;
pub mod bitcoin_wallet_scans;
pub mod custom_assets;
pub mod daily_balances;
pub mod daily_prices;
pub mod evm_chains;
pub mod evm_tokens;
pub mod holdings;
pub mod job_runs;
pub mod ledger_cursors;
pub mod ledger_entries;
pub mod ledger_revisions;
pub mod ledger_settings;
pub mod manual_entries;
pub mod portfolio_accounts;
pub mod portfolios;
pub mod price_history_coverage;
pub mod recommendations;
pub mod snapshots;
pub mod solana_rpc;
pub mod token_marks;
pub mod user_tokens;
pub mod users;

pub use decimal::DbDecimal;

#[cfg(test)]
mod tests;
