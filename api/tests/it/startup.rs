//! The real binary, as the README runs it.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_binary_starts_on_an_empty_sqlite_database_under_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_api"))
        .current_dir(dir.path())
        .env_clear()
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let url = format!("http://127.0.0.1:{port}/health");
    let client = reqwest::Client::new();
    let mut ok = false;
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(r) = client.get(&url).send().await {
            ok = r.status().is_success();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let chains = client
        .get(format!("http://127.0.0.1:{port}/api/chains"))
        .send()
        .await
        .map(|r| r.status().as_u16());
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "no /health answer");
    assert_eq!(chains.unwrap(), 200);
    assert!(
        dir.path().join("data/butler.db").exists(),
        "the SQLite file lives under ./data"
    );
}

#[test]
fn local_mode_refuses_a_non_loopback_address_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_api"))
        .current_dir(dir.path())
        .env_clear()
        .env("BIND_ADDR", "0.0.0.0:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("loopback") && err.contains("KEYCLOAK_SERVER"),
        "{err}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created before config is valid"
    );
}
