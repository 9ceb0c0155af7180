//! The OpenAPI document served at `/api-docs/openapi.json`.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::http;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Crypto Pocket Butler API",
        description = "Self-hosted crypto portfolio manager. Decimal numbers travel as strings; ids are UUIDs; every error has the shape {error:{code,message,fields?},request_id}."
    ),
    paths(
        http::health::health,
        http::health::ready,
        http::health::metrics,
        http::me::get_me,
        http::chains::list_chains,
        http::chains::list_evm_chains,
        http::chains::get_evm_chain,
        http::chains::create_evm_chain,
        http::chains::update_evm_chain,
        http::chains::delete_evm_chain,
        http::admin_tokens::list_evm_tokens,
        http::admin_tokens::get_evm_token,
        http::admin_tokens::create_evm_token,
        http::admin_tokens::update_evm_token,
        http::admin_tokens::delete_evm_token,
        http::migrations::run_migrations,
        http::jobs::list_jobs,
        http::jobs::trigger_job,
        http::jobs::get_job_run,
        http::accounts::list_accounts,
        http::accounts::get_account,
        http::accounts::create_account,
        http::accounts::update_account,
        http::accounts::delete_account,
        http::accounts::sync_account,
        http::accounts::sync_all_accounts,
        http::portfolios::list_portfolios,
        http::portfolios::get_portfolio,
        http::portfolios::create_portfolio,
        http::portfolios::update_portfolio,
        http::portfolios::delete_portfolio,
        http::portfolios::link_account,
        http::portfolios::unlink_account,
        http::portfolios::get_allocation,
        http::snapshots::create_snapshot,
        http::snapshots::list_snapshots,
        http::snapshots::get_timeline,
        http::recommendations::create_recommendation,
        http::recommendations::list_recommendations,
        http::assets::list_assets,
        http::assets::get_asset,
        http::market::get_market_status,
        http::net_worth::get_net_worth,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, crate::error::FieldError, http::chains::ChainStatus)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "users", description = "The signed-in user"),
        (name = "chains", description = "Supported chains"),
        (name = "admin", description = "Admin-only registry and operations"),
        (name = "jobs", description = "Background jobs (admin)"),
        (name = "assets", description = "The asset registry and USD prices"),
        (name = "accounts", description = "Exchange accounts and wallets of the signed-in user"),
        (name = "portfolios", description = "Portfolios, targets, guardrails and allocation"),
        (name = "snapshots", description = "End-of-day and manual snapshots, value timeline"),
        (name = "recommendations", description = "Rebalancing trades"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        scheme.description = Some("A Keycloak access token whose aud includes the API's client id. Not needed in local mode.".into());
        components.add_security_scheme("bearer_auth", SecurityScheme::Http(scheme));
    }
}
