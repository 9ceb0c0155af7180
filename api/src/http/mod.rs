//! HTTP routes: one module per resource, and the router every test and the server use.

pub mod accounts;
pub mod admin_tokens;
pub mod alerts;
pub mod assets;
pub mod audit;
pub mod balances;
pub mod bitcoin;
pub mod caps;
pub mod chains;
pub mod custom_assets;
pub mod exchanges;
pub mod health;
pub mod jobs;
pub mod ledger;
pub mod ledger_reports;
pub mod limits;
pub mod manual;
pub mod market;
pub mod me;
pub mod migrations;
pub mod net_worth;
pub mod openapi;
pub mod performance;
pub mod portfolios;
pub mod recommendations;
pub mod snapshots;
pub mod solana;
pub mod sync_progress;
pub mod tokens;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{require_admin, require_user};
use crate::error::ApiError;
use crate::state::AppState;
use crate::telemetry::request_context;
use openapi::ApiDoc;

/// The whole application: public routes, protected routes, admin routes, Swagger UI.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .route("/health", get(health::health))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/api/chains", get(chains::list_chains));

    let admin = Router::new()
        .route(
            "/api/admin/evm-chains",
            get(chains::list_evm_chains).post(chains::create_evm_chain),
        )
        .route(
            "/api/admin/evm-chains/{id}",
            get(chains::get_evm_chain)
                .put(chains::update_evm_chain)
                .delete(chains::delete_evm_chain),
        )
        .route(
            "/api/admin/evm-tokens",
            get(admin_tokens::list_evm_tokens).post(admin_tokens::create_evm_token),
        )
        .route(
            "/api/admin/evm-tokens/{id}",
            get(admin_tokens::get_evm_token)
                .put(admin_tokens::update_evm_token)
                .delete(admin_tokens::delete_evm_token),
        )
        .route(
            "/api/admin/solana-rpc",
            get(solana::get_solana_rpc).put(solana::update_solana_rpc),
        )
        .route(
            "/api/admin/bitcoin-esplora",
            get(bitcoin::get_bitcoin_esplora).put(bitcoin::update_bitcoin_esplora),
        )
        .route("/api/migrations", post(migrations::run_migrations))
        .route("/api/jobs", get(jobs::list_jobs))
        .route("/api/jobs/{name}", post(jobs::trigger_job))
        .route("/api/jobs/runs/{id}", get(jobs::get_job_run))
        .route_layer(from_fn(require_admin));

    let protected = Router::new()
        .route("/api/me", get(me::get_me))
        .route("/api/exchanges", get(exchanges::list_exchanges))
        .route(
            "/api/accounts",
            get(accounts::list_accounts).post(accounts::create_account),
        )
        .route("/api/accounts/sync-all", post(accounts::sync_all_accounts))
        .route(
            "/api/accounts/sync-all/start",
            post(sync_progress::start_sync_all),
        )
        .route(
            "/api/accounts/sync-progress",
            get(sync_progress::get_sync_progress),
        )
        .route(
            "/api/accounts/{id}",
            get(accounts::get_account)
                .put(accounts::update_account)
                .delete(accounts::delete_account),
        )
        .route("/api/accounts/{id}/sync", post(accounts::sync_account))
        .route(
            "/api/accounts/{id}/history/sync",
            post(ledger::sync_history),
        )
        .route(
            "/api/accounts/{id}/manual-holdings",
            axum::routing::put(manual::set_manual_holding),
        )
        .route(
            "/api/accounts/{id}/manual-holdings/history",
            get(manual::manual_history),
        )
        .route("/api/balances/history", get(balances::balance_history))
        .route(
            "/api/accounts/{id}/tokens",
            get(tokens::list_account_tokens).post(tokens::add_account_token),
        )
        .route(
            "/api/accounts/{id}/tokens/{token_id}",
            axum::routing::delete(tokens::delete_account_token),
        )
        .route(
            "/api/tokens/marks",
            get(tokens::list_token_marks).put(tokens::set_token_mark),
        )
        .route(
            "/api/portfolios",
            get(portfolios::list_portfolios).post(portfolios::create_portfolio),
        )
        .route(
            "/api/portfolios/{id}",
            get(portfolios::get_portfolio)
                .put(portfolios::update_portfolio)
                .delete(portfolios::delete_portfolio),
        )
        .route(
            "/api/portfolios/{id}/accounts",
            post(portfolios::link_account),
        )
        .route(
            "/api/portfolios/{id}/accounts/{account_id}",
            axum::routing::delete(portfolios::unlink_account),
        )
        .route(
            "/api/portfolios/{id}/allocation",
            get(portfolios::get_allocation),
        )
        .route(
            "/api/portfolios/{id}/snapshots",
            get(snapshots::list_snapshots).post(snapshots::create_snapshot),
        )
        .route(
            "/api/portfolios/{id}/snapshots/timeline",
            get(snapshots::get_timeline),
        )
        .route(
            "/api/portfolios/{id}/recommendations",
            get(recommendations::list_recommendations).post(recommendations::create_recommendation),
        )
        .route("/api/audit", get(audit::list_audit_events))
        .route("/api/assets", get(assets::list_assets))
        .route("/api/assets/{id}", get(assets::get_asset))
        .route(
            "/api/assets/custom",
            get(custom_assets::list_custom_assets).post(custom_assets::create_custom_asset),
        )
        .route(
            "/api/assets/custom/{id}",
            get(custom_assets::get_custom_asset).put(custom_assets::update_custom_asset),
        )
        .route("/api/market/status", get(market::get_market_status))
        .route("/api/net-worth", get(net_worth::get_net_worth))
        .route(
            "/api/ledger/entries",
            get(ledger::list_entries).post(ledger::create_entry),
        )
        .route(
            "/api/ledger/entries/{id}",
            get(ledger::get_entry)
                .put(ledger::update_entry)
                .delete(ledger::delete_entry),
        )
        .route(
            "/api/ledger/entries/{id}/history",
            get(ledger::entry_history),
        )
        .route(
            "/api/ledger/import",
            post(ledger::import).layer(DefaultBodyLimit::max(ledger::MAX_IMPORT_BYTES)),
        )
        .route(
            "/api/ledger/settings",
            get(ledger_reports::get_settings).put(ledger_reports::put_settings),
        )
        .route("/api/ledger/gains", get(ledger_reports::get_gains))
        .route("/api/performance", get(performance::get_performance))
        .route("/api/ledger/pnl", get(ledger_reports::get_pnl))
        .route(
            "/api/ledger/reconciliation",
            get(ledger_reports::reconciliation),
        )
        .route(
            "/api/ledger/tax-report.csv",
            get(ledger_reports::tax_report),
        )
        .route(
            "/api/ledger/income-report.csv",
            get(ledger_reports::income_report),
        )
        .route(
            "/api/alerts/channels",
            get(alerts::list_alert_channels).post(alerts::create_alert_channel),
        )
        .route(
            "/api/alerts/channels/{id}",
            get(alerts::get_alert_channel)
                .put(alerts::update_alert_channel)
                .delete(alerts::delete_alert_channel),
        )
        .route(
            "/api/alerts/channels/{id}/test",
            post(alerts::test_alert_channel),
        )
        .route(
            "/api/alerts/rules",
            get(alerts::list_alert_rules).post(alerts::create_alert_rule),
        )
        .route(
            "/api/alerts/rules/{id}",
            get(alerts::get_alert_rule)
                .put(alerts::update_alert_rule)
                .delete(alerts::delete_alert_rule),
        )
        .route("/api/alerts/history", get(alerts::list_alert_history))
        .merge(admin)
        .route_layer(from_fn_with_state(state.clone(), audit::record_changes))
        .route_layer(from_fn_with_state(
            std::sync::Arc::new(limits::RequestLimits::on_database(
                &state.config.limits,
                &state.db,
            )),
            limits::limit_requests,
        ))
        .route_layer(from_fn_with_state(state.clone(), require_user));

    Router::new()
        .merge(public)
        .merge(protected)
        .merge(SwaggerUi::new("/swagger-ui").url("/api-docs/openapi.json", ApiDoc::openapi()))
        .fallback(unknown_route)
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(from_fn_with_state(
            state.clone(),
            crate::auth::local_guard::guard_local_requests,
        ))
        .layer(CatchPanicLayer::new())
        .layer(from_fn_with_state(state.clone(), request_context))
        .with_state(state)
}

async fn unknown_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}
