//! SeaORM queries, one module per aggregate. Functions take `&impl ConnectionTrait`.

pub mod accounts;
pub mod alerts;
pub mod assets;
pub mod audit;
pub mod bitcoin_esplora;
pub mod bitcoin_wallet_scans;
pub mod counts;
pub mod credentials;
pub mod custom_assets;
pub mod daily_balances;
pub mod daily_prices;
pub mod evm_chains;
pub mod evm_tokens;
pub mod holdings;
pub mod job_runs;
pub mod ledger;
pub mod manual;
pub mod portfolios;
pub mod prices;
pub mod recommendations;
pub mod snapshots;
pub mod solana_rpc;
pub mod token_marks;
pub mod user_tokens;
pub mod users;
