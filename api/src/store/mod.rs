//! SeaORM queries, one module per aggregate. Functions take `&impl ConnectionTrait`.

pub mod assets;
pub mod evm_chains;
pub mod job_runs;
pub mod prices;
pub mod users;
