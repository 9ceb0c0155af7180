//! The Butler's pure business rules: no I/O, no SeaORM, no axum, no tokio. Its own crate, so
//! a wrong import cannot compile and the rules build once and stay cached while the API changes.

pub mod allocation;
pub mod amounts;
pub mod bitcoin_wallet;
pub mod catalog;
pub mod chains;
pub mod completeness;
pub mod cost_basis;
pub mod defi;
pub mod evm_address;
pub mod exact;
pub mod history;
pub mod holdings;
pub mod identity;
pub mod ledger;
pub mod ledger_csv;
pub mod locations;
pub mod market;
pub mod net_worth;
pub mod performance;
pub mod rebalance;
pub mod returns;
pub mod solana_address;
pub mod spam;
pub mod uniswap_v3;
pub mod validation;
