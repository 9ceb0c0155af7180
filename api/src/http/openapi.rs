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
        http::exchanges::list_exchanges,
        http::chains::list_evm_chains,
        http::chains::get_evm_chain,
        http::chains::create_evm_chain,
        http::chains::update_evm_chain,
        http::chains::delete_evm_chain,
        http::solana::get_solana_rpc,
        http::solana::update_solana_rpc,
        http::bitcoin::get_bitcoin_esplora,
        http::bitcoin::update_bitcoin_esplora,
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
        http::manual::set_manual_holding,
        http::manual::manual_history,
        http::balances::balance_history,
        http::sync_progress::start_sync_all,
        http::sync_progress::get_sync_progress,
        http::tokens::list_account_tokens,
        http::tokens::add_account_token,
        http::tokens::delete_account_token,
        http::tokens::list_token_marks,
        http::tokens::set_token_mark,
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
        http::custom_assets::create_custom_asset,
        http::custom_assets::list_custom_assets,
        http::custom_assets::get_custom_asset,
        http::custom_assets::update_custom_asset,
        http::market::get_market_status,
        http::net_worth::get_net_worth,
        http::audit::list_audit_events,
        http::ledger::create_entry,
        http::ledger::list_entries,
        http::ledger::get_entry,
        http::ledger::update_entry,
        http::ledger::delete_entry,
        http::ledger::entry_history,
        http::ledger::import,
        http::ledger::sync_history,
        http::ledger_reports::get_settings,
        http::ledger_reports::put_settings,
        http::ledger_reports::get_gains,
        http::ledger_reports::get_pnl,
        http::ledger_reports::reconciliation,
        http::ledger_reports::tax_report,
        http::ledger_reports::income_report,
        http::performance::get_performance,
        http::alerts::create_alert_channel,
        http::alerts::list_alert_channels,
        http::alerts::get_alert_channel,
        http::alerts::update_alert_channel,
        http::alerts::delete_alert_channel,
        http::alerts::test_alert_channel,
        http::alerts::create_alert_rule,
        http::alerts::list_alert_rules,
        http::alerts::get_alert_rule,
        http::alerts::update_alert_rule,
        http::alerts::delete_alert_rule,
        http::alerts::list_alert_history,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, crate::error::FieldError, http::chains::ChainStatus)),
    modifiers(&BearerAuth, &CommonResponses),
    tags(
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "users", description = "The signed-in user"),
        (name = "chains", description = "Supported chains"),
        (name = "exchanges", description = "Supported exchanges and the credentials their keys need"),
        (name = "admin", description = "Admin-only registry and operations"),
        (name = "jobs", description = "Background jobs (admin)"),
        (name = "assets", description = "The asset registry and USD prices"),
        (name = "accounts", description = "Exchange accounts and wallets of the signed-in user"),
        (name = "tokens", description = "Tokens added to wallets by contract, and the user's spam / trusted marks"),
        (name = "portfolios", description = "Portfolios, targets, guardrails and allocation"),
        (name = "snapshots", description = "End-of-day and manual snapshots, value timeline"),
        (name = "recommendations", description = "Rebalancing trades"),
        (name = "audit", description = "The append-only record of changes"),
        (name = "ledger", description = "Trades, deposits, withdrawals and income; cost basis, gains, P&L and reconciliation"),
        (name = "alerts", description = "Alert channels (webhook, ntfy), rules and the history of alerts and deliveries"),
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

/// Answers any route can give besides its own: 400 and 413/415/422 where there is a body or
/// parameters, 403 `forbidden_origin` (local mode's Host/Origin checks), 429 `rate_limited` on
/// the per-user limited routes, 503 when the database (or, in Keycloak mode, the signing keys)
/// cannot be reached. Added here once, so no route can forget them.
struct CommonResponses;

fn error_answer(description: &str, retry_after: bool) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, ResponseBuilder};
    let mut b = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    );
    if retry_after {
        b = b.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer),
                )
                .description(Some("Seconds until a request can succeed"))
                .build(),
        );
    }
    b.build()
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let path_params = item.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let unlimited = path.starts_with("/health") || path == "/metrics";
            for op in [
                item.get.as_mut(),
                item.put.as_mut(),
                item.post.as_mut(),
                item.delete.as_mut(),
                item.patch.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let has_body = op.request_body.is_some();
                let has_params = path_params
                    || op.parameters.as_ref().is_some_and(|p| !p.is_empty())
                    || path.contains('{');
                let protected = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let responses = &mut op.responses.responses;
                let mut add = |status: &str, description: &str, retry_after: bool| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_answer(description, retry_after).into());
                };
                if has_body || has_params {
                    add("400", "Malformed body, path or query", false);
                }
                if has_body {
                    add(
                        "413",
                        "The body is larger than MAX_BODY_BYTES (`payload_too_large`)",
                        false,
                    );
                    add(
                        "415",
                        "The body is not sent as `content-type: application/json` (`unsupported_media_type`)",
                        false,
                    );
                    add(
                        "422",
                        "A field is missing, unknown or of the wrong type (`validation_failed`, naming the field)",
                        false,
                    );
                }
                add(
                    "403",
                    "Local mode: the Host is not loopback with the API's port, or the Origin is not the dashboard's (`forbidden_origin`)",
                    false,
                );
                if protected {
                    add(
                        "429",
                        "Over the caller's request limit (`rate_limited`)",
                        true,
                    );
                }
                if !unlimited {
                    add(
                        "503",
                        "The database or the identity provider cannot be reached right now",
                        false,
                    );
                }
            }
        }
    }
}
