//! Pure business rules: no I/O, no SeaORM.

pub mod chains;
