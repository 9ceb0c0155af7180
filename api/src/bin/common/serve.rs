//! The API served on loopback for a benchmark, and latency percentiles.

use std::time::Duration;

use api::state::AppState;

/// The router of `state` served on `listener` until [`Served::stop`].
pub struct Served {
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serves the API on `listener` (bound by the caller, whose port `BIND_ADDR` names, so local
/// mode's Host guard lets the benchmark's requests in).
pub fn serve(listener: tokio::net::TcpListener, state: AppState) -> anyhow::Result<Served> {
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = api::router(state);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    Ok(Served { base, stop, task })
}

impl Served {
    /// Stops the server and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// The `p` percentile (0 to 1) of sorted latencies, in milliseconds.
#[allow(dead_code)]
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}
