//! Admin-set RPC URLs: no redirects followed, no upstream text echoed, answers capped, and
//! private ranges refused where the policy says so. Each RPC here is a small server on
//! 127.0.0.1 that counts its hits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use api::config::{Config, EvmConfig, RpcNetworks, RpcSafetyConfig};
use api::connectors::evm::EvmClient;
use api::connectors::rpc_guard::GuardedChains;
use api::connectors::{ChainBalances, ChainTarget, ConnectorError};
use api::metrics::Metrics;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

const WALLET: &str = "0x00000000000000000000000000000000000b0b01";
const SECRET_TEXT: &str = "internal-detail-hunter2";

/// A server answering every POST with `answer`; returns its address and hit counter.
async fn rpc_server(
    answer: fn() -> Response,
) -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let app = Router::new().route(
        "/",
        post(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async move { answer() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/"), hits, task)
}

fn target(url: &str) -> ChainTarget {
    ChainTarget {
        chain_name: "testchain".into(),
        chain_id: 1,
        rpc_url: url.into(),
        native_symbol: "ETH".into(),
        native_decimals: 18,
        tokens: Vec::new(),
        multicall3_address: None,
    }
}

fn guarded(safety: RpcSafetyConfig) -> GuardedChains {
    let cfg = EvmConfig {
        multicall_chunk_size: 200,
        rpc_timeout: Duration::from_secs(5),
        rpc_retries: 0,
    };
    let client = EvmClient::with_safety(&cfg, &safety, Arc::new(Metrics::new()));
    GuardedChains::new(Arc::new(client), safety.allow)
}

async fn read_error(chains: &GuardedChains, url: &str) -> ConnectorError {
    chains.read(&target(url), WALLET).await.unwrap_err()
}

#[tokio::test]
async fn a_redirecting_rpc_is_not_followed_and_its_body_is_not_echoed() {
    let (landing, landing_hits, t1) =
        rpc_server(|| r#"{"jsonrpc":"2.0","id":0,"result":"0x"}"#.into_response()).await;
    static LANDING: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LANDING.set(landing).unwrap();
    let (redirecting, hits, t2) = rpc_server(|| {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, LANDING.get().unwrap().as_str())],
            format!("moved: {SECRET_TEXT}"),
        )
            .into_response()
    })
    .await;
    let err = read_error(&guarded(RpcSafetyConfig::default()), &redirecting).await;
    let text = err.to_string();
    assert!(
        matches!(err, ConnectorError::Upstream { status: 307, .. }),
        "{err:?}"
    );
    assert!(text.contains("redirect"), "{text}");
    assert!(!text.contains(SECRET_TEXT), "upstream text echoed: {text}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(
        landing_hits.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
    t1.abort();
    t2.abort();
}

#[tokio::test]
async fn an_rpc_error_body_is_reduced_to_its_status_and_json_rpc_code() {
    let (url, _, t1) = rpc_server(|| {
        (
            StatusCode::BAD_GATEWAY,
            format!("<html>{SECRET_TEXT}</html>"),
        )
            .into_response()
    })
    .await;
    let chains = guarded(RpcSafetyConfig::default());
    let text = read_error(&chains, &url).await.to_string();
    assert!(text.contains("HTTP 502"), "{text}");
    assert!(
        !text.contains(SECRET_TEXT) && !text.contains("html"),
        "{text}"
    );

    let (url, _, t2) = rpc_server(|| {
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":0,"error":{{"code":-32099,"message":"{SECRET_TEXT}"}}}}"#
        );
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    })
    .await;
    let text = read_error(&chains, &url).await.to_string();
    assert!(text.contains("JSON-RPC error -32099"), "{text}");
    assert!(!text.contains(SECRET_TEXT), "{text}");
    t1.abort();
    t2.abort();
}

#[tokio::test]
async fn an_answer_beyond_the_size_cap_fails_the_read() {
    let (url, _, t) = rpc_server(|| {
        let padding = "0".repeat(64 * 1024);
        format!(r#"{{"jsonrpc":"2.0","id":0,"result":"0x{padding}"}}"#).into_response()
    })
    .await;
    let chains = guarded(RpcSafetyConfig {
        max_response_bytes: 4096,
        ..RpcSafetyConfig::default()
    });
    let text = read_error(&chains, &url).await.to_string();
    assert!(text.contains("EVM_RPC_MAX_RESPONSE_BYTES"), "{text}");
    t.abort();
}

#[tokio::test]
async fn a_loopback_rpc_is_refused_without_a_request_when_only_public_addresses_are_allowed() {
    let (url, hits, t) =
        rpc_server(|| r#"{"jsonrpc":"2.0","id":0,"result":"0x1"}"#.into_response()).await;
    let chains = guarded(RpcSafetyConfig {
        allow: RpcNetworks::PUBLIC_ONLY,
        ..RpcSafetyConfig::default()
    });
    let err = read_error(&chains, &url).await;
    assert!(matches!(err, ConnectorError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("loopback"), "{err}");
    let by_name = url.replace("127.0.0.1", "localhost");
    let err = read_error(&chains, &by_name).await;
    assert!(err.to_string().contains("EVM_RPC_ALLOW_NETWORKS"), "{err}");
    let err = read_error(&chains, "http://169.254.169.254/latest/meta-data/").await;
    assert!(err.to_string().contains("link-local"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no request reached the RPC");
    t.abort();
}

#[test]
fn keycloak_mode_allows_only_public_rpc_addresses_unless_the_operator_says_otherwise() {
    let vars = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let kc = [
        ("KEYCLOAK_SERVER", "http://kc:8080"),
        ("KEYCLOAK_REALM", "butler"),
        ("KEYCLOAK_AUDIENCE", "butler-api"),
    ];
    let c = Config::from_vars(&vars(&kc)).unwrap();
    assert_eq!(c.rpc_safety.allow, RpcNetworks::PUBLIC_ONLY);
    let local = Config::from_vars(&vars(&[])).unwrap();
    assert!(local.rpc_safety.allow.loopback && !local.rpc_safety.allow.link_local);
    let mut set = kc.to_vec();
    set.push(("EVM_RPC_ALLOW_NETWORKS", "private, loopback"));
    let c = Config::from_vars(&vars(&set)).unwrap();
    assert!(c.rpc_safety.allow.private && c.rpc_safety.allow.loopback);
    assert!(!c.rpc_safety.allow.link_local);
    let err = Config::from_vars(&vars(&[("EVM_RPC_ALLOW_NETWORKS", "everything")])).unwrap_err();
    assert!(err.to_string().contains("EVM_RPC_ALLOW_NETWORKS"), "{err}");
}
