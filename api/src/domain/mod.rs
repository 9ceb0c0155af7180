//! Pure business rules: no I/O, no SeaORM.

pub mod catalog;
pub mod chains;
pub mod evm_address;
pub mod identity;
