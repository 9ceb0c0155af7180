//! Crypto Pocket Butler's API: a self-hosted crypto portfolio manager.

pub mod alerts;
pub mod auth;
pub mod clock;
pub mod config;
pub mod connectors;
pub mod crypto;
pub mod db;
/// The pure rules, in their own crate (`domain/`); re-exported so `crate::domain::…` reads as before.
pub use domain;
pub mod entities;
pub mod error;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod portfolio;
pub mod schedule;
pub mod state;
pub mod store;
pub mod sync;
pub mod telemetry;

/// The OpenAPI document (`http/openapi.rs`), at the crate root as before.
pub use http::openapi;
pub use http::router;
