//! SeaORM queries, one module per aggregate. Functions take `&impl ConnectionTrait`.

pub mod evm_chains;
pub mod users;
