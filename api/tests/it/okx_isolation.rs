//! OKX limits are per API key: one key's rate limits or refusals open only that key's breaker,
//! while a 5xx storm from OKX itself still pauses everyone.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use api::config::{ProviderConfig, Secret};
use api::connectors::okx::OkxClient;
use api::connectors::{ConnectorError, ExchangeBalances, ExchangeCredentials};
use api::metrics::Metrics;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const CONFIG: &str = r#"{"code":"0","msg":"","data":[{"perm":"read_only","uid":"1"}]}"#;

/// A fake OKX: key `limited` always gets OKX's rate-limit answer, `wrong` is refused, any
/// other key is served; with `down` set every answer is a 503.
async fn fake_okx(down: Arc<AtomicBool>) -> (String, tokio::task::JoinHandle<()>) {
    let app = Router::new().route(
        "/api/v5/account/config",
        get(move |headers: HeaderMap| {
            let down = down.load(Ordering::SeqCst);
            async move {
                let key = headers
                    .get("ok-access-key")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let r: Response = if down {
                    (StatusCode::SERVICE_UNAVAILABLE, "down").into_response()
                } else if key == "limited" {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        r#"{"code":"50011","msg":"Too Many Requests","data":[]}"#,
                    )
                        .into_response()
                } else if key == "wrong" {
                    (
                        StatusCode::UNAUTHORIZED,
                        r#"{"code":"50111","msg":"Invalid OK-ACCESS-KEY","data":[]}"#,
                    )
                        .into_response()
                } else {
                    CONFIG.into_response()
                };
                r
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), task)
}

fn creds(key: &str) -> ExchangeCredentials {
    ExchangeCredentials {
        api_key: Secret::new(key.to_string()),
        api_secret: Secret::new("secret".into()),
        passphrase: Secret::new("pass".into()),
    }
}

fn client(base_url: &str) -> OkxClient {
    let cfg = ProviderConfig {
        base_url: base_url.into(),
        api_key: None,
        tier: "demo".into(),
        rate_per_minute: 60_000,
        burst: 1_000,
        timeout: Duration::from_secs(2),
        max_retries: 0,
        breaker_failures: 2,
        breaker_cooldown: Duration::from_secs(60),
    };
    OkxClient::new(&cfg, false, Arc::new(Metrics::new()))
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

#[tokio::test]
async fn one_keys_rate_limits_and_refusals_leave_another_users_key_working() {
    let (url, task) = fake_okx(Arc::new(AtomicBool::new(false))).await;
    let okx = client(&url);
    for _ in 0..2 {
        let err = okx.key_permissions(&creds("limited")).await.unwrap_err();
        assert!(matches!(err, ConnectorError::RateLimited { .. }), "{err:?}");
    }
    let err = okx.key_permissions(&creds("limited")).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::CircuitOpen { .. }),
        "the limited key's own breaker opened: {err:?}"
    );
    for _ in 0..4 {
        let err = okx.key_permissions(&creds("wrong")).await.unwrap_err();
        assert!(
            err.to_string().contains("50111"),
            "a refused key keeps saying why, and opens nothing: {err:?}"
        );
    }
    let ok = okx.key_permissions(&creds("good-key")).await;
    assert!(ok.is_ok(), "another user's key still works: {ok:?}");
    task.abort();
}

#[tokio::test]
async fn a_5xx_storm_from_okx_itself_still_pauses_every_key() {
    let down = Arc::new(AtomicBool::new(true));
    let (url, task) = fake_okx(down.clone()).await;
    let okx = client(&url);
    for _ in 0..2 {
        let err = okx.key_permissions(&creds("first")).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::Upstream { status: 503, .. }),
            "{err:?}"
        );
    }
    let err = okx.key_permissions(&creds("second")).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::CircuitOpen { .. }),
        "the shared breaker is open: {err:?}"
    );
    task.abort();
}
