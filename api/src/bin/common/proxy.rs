//! A slow loopback HTTP proxy for the benchmarks: a realistic RPC round trip in front of a
//! local node (anvil on loopback only measures its own overhead).

use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

/// An HTTP proxy on loopback that waits `delay` before forwarding each request.
pub async fn spawn_proxy(upstream: String, delay: Duration) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let (http, upstream) = (http.clone(), upstream.clone());
        async move {
            tokio::time::sleep(delay).await;
            let forwarded = http
                .post(&upstream)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await;
            match forwarded {
                Ok(r) => {
                    let status = StatusCode::from_u16(r.status().as_u16())
                        .unwrap_or(StatusCode::BAD_GATEWAY);
                    let bytes = r.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                    (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
                }
                Err(_) => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(format!("http://{addr}"))
}
