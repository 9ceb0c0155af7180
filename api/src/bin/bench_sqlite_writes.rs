//! Benchmark of concurrent writes on the embedded SQLite file (docs/benchmarks.md, "SQLite
//! under concurrent writers"): `BENCH_WRITERS` clients (16) each create `BENCH_WRITES`
//! portfolios (100) at once through the API served on 127.0.0.1 in local mode. Fails unless
//! every write answers 201 and every portfolio is stored; prints p50 / p99 / max latency and
//! the writes per second.
//!
//! `cargo run --release -p api --bin bench_sqlite_writes` (a scratch SQLite file in a temporary
//! folder, removed at the end).

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use api::config::Config;
use api::state::AppState;

#[path = "common/serve.rs"]
mod serve;
#[path = "common/sizes.rs"]
mod sizes;

use serve::percentile;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let writers = sizes::env_size("BENCH_WRITERS", 16);
    let writes = sizes::env_size("BENCH_WRITES", 100);
    let dir = std::env::temp_dir().join(format!("butler-bench-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir, writers, writes).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(dir: &std::path::Path, writers: usize, writes: usize) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let total = writers * writes;
    let vars: HashMap<String, String> = [
        (
            "DATABASE_URL",
            format!("sqlite://{}/butler.db?mode=rwc", dir.display()),
        ),
        // Local mode's Host guard compares with the port actually bound.
        ("BIND_ADDR", addr.to_string()),
        ("MAX_PORTFOLIOS_PER_USER", (total + 1).to_string()),
        ("RATE_LIMIT_ENABLED", "false".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let config = Config::from_vars(&vars).map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = api::db::connect(&config).await?;
    api::db::migrate(&db).await?;
    let state = AppState::new(config, db, api::crypto::Cipher::new([9u8; 32], Vec::new()));
    let server = serve::serve(listener, state.clone())?;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(writers)
        .build()?;

    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (client, url) = (client.clone(), format!("{base}/api/portfolios"));
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::with_capacity(writes);
            for i in 0..writes {
                let s = Instant::now();
                let r = client
                    .post(&url)
                    .json(&serde_json::json!({"name": format!("writer {w} portfolio {i}")}))
                    .send()
                    .await;
                let status = r.map(|r| r.status().as_u16()).unwrap_or(0);
                out.push((status, s.elapsed()));
            }
            out
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for task in tasks {
        for (status, took) in task.await? {
            *statuses.entry(status).or_default() += 1;
            latencies.push(took);
        }
    }
    let wall = t.elapsed();
    latencies.sort();
    let stored = client
        .get(format!("{base}/api/portfolios"))
        .send()
        .await?
        .error_for_status()?
        .json::<serde_json::Value>()
        .await?
        .as_array()
        .map_or(0, |a| a.len());
    server.stop().await;

    let errors = total - statuses.get(&201).copied().unwrap_or(0);
    println!("{writers} writers x {writes} writes = {total} POST /api/portfolios on SQLite");
    println!("answers by status: {statuses:?}");
    println!(
        "latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {:.0} writes/s over {:.2} s",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        total as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    );
    println!("stored: {stored} of {total}; errors: {errors}");
    anyhow::ensure!(errors == 0, "{errors} writes did not answer 201");
    anyhow::ensure!(stored == total, "{stored} of {total} portfolios stored");
    Ok(())
}
