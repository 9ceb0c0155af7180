//! Integration tests: the real router, a fresh database per test (SQLite, or PostgreSQL when
//! `TEST_DATABASE_URL` names a server), and a real OIDC issuer for the auth tests.

mod helpers;
mod issuer;

mod auth;
mod chains;
mod errors;
mod health;
mod market_connectors;
mod market_jobs;
mod openapi;
mod startup;
