//! Alert e-mail through a real SMTP server (aiosmtpd, `scripts/install-aiosmtpd.sh`) on
//! loopback: STARTTLS with a private CA and a login, implicit TLS, and a server whose
//! certificate is not trusted is refused. Skips without aiosmtpd, or fails under
//! `AIOSMTPD_REQUIRED=1`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use api::connectors::ConnectorError;
use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::alerts::{age_account, history, okx_account, post, rule, sync};
use crate::helpers::TestApp;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn aiosmtpd_available() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .env("PYTHONPATH", workspace().join(".tools/python"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let reason = "aiosmtpd is not installed in .tools/python: run scripts/install-aiosmtpd.sh";
        assert!(
            std::env::var("AIOSMTPD_REQUIRED").as_deref() != Ok("1"),
            "{reason}"
        );
        eprintln!("skipping the SMTP test: {reason}");
    }
    found
}

/// A private CA and a certificate for 127.0.0.1 it signed, made with openssl.
fn certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Butler Test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "srv.key",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "srv.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
}

/// aiosmtpd on 127.0.0.1, stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    messages: mpsc::Receiver<Value>,
}

impl SmtpServer {
    fn start(mode: &str, dir: &Path) -> Self {
        let mut child = Command::new("python3")
            .arg(workspace().join("api/tests/smtp_server.py"))
            .args([mode, "srv.pem", "srv.key", "butler", "mail-password"])
            .current_dir(dir)
            .env("PYTHONPATH", workspace().join(".tools/python"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = lines.next().expect("a first line").expect("readable");
        let port = ready
            .strip_prefix("READY ")
            .expect("READY <port>")
            .parse()
            .unwrap();
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        Self {
            child,
            port,
            messages,
        }
    }

    fn next_message(&self) -> Value {
        self.messages
            .recv_timeout(Duration::from_secs(10))
            .expect("the SMTP server received a message")
    }

    fn nothing_received(&self) -> bool {
        self.messages
            .recv_timeout(Duration::from_millis(300))
            .is_err()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn app_for(server: &SmtpServer, dir: &Path, extra: &[(&str, &str)]) -> TestApp {
    let port = server.port.to_string();
    let ca = dir.join("ca.pem").display().to_string();
    let mut vars: Vec<(&str, &str)> = vec![
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", &port),
        ("SMTP_FROM", "Butler <butler@example.com>"),
        ("SMTP_USERNAME", "butler"),
        ("SMTP_PASSWORD", "mail-password"),
        ("SMTP_CA_CERT_FILE", &ca),
        ("ALERT_RETRY_BASE_MS", "20"),
    ];
    for (k, v) in extra {
        vars.retain(|(name, _)| name != k);
        if !v.is_empty() {
            vars.push((k, v));
        }
    }
    TestApp::with_vars(&vars).await
}

async fn email_channel(app: &TestApp) -> String {
    let r = post(
        app,
        "/api/alerts/channels",
        json!({"name": "Mail", "kind": "email", "url": "mailto:alice@example.com"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["secret"], Value::Null);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn test_send(app: &TestApp, channel: &str) -> Value {
    let r = post(
        app,
        &format!("/api/alerts/channels/{channel}/test"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn an_alert_email_goes_through_starttls_with_a_private_ca_and_a_login() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());
    let server = SmtpServer::start("starttls", dir.path());
    let app = app_for(&server, dir.path(), &[]).await;
    let channel = email_channel(&app).await;

    let r = test_send(&app, &channel).await;
    assert_eq!(r["delivered"], true, "{r}");
    let mail = server.next_message();
    assert_eq!(mail["to"], json!(["alice@example.com"]));
    assert_eq!(mail["from"], "butler@example.com");
    assert_eq!(mail["login"], "butler");
    let data = mail["data"].as_str().unwrap();
    assert!(data.contains("Subject: Test alert for Mail"), "{data}");
    assert!(
        data.contains("http://localhost:3001/alerts?alert="),
        "{data}"
    );

    // A rule triggered by a real failing sync sends its alert in plain words.
    let account = okx_account(&app).await;
    rule(&app, "sync_failing", json!({"hours": 1}), &[&channel]).await;
    app.fakes
        .exchange
        .fail_with(Some(ConnectorError::Timeout { provider: "okx" }));
    age_account(&app, &account, 4).await;
    sync(&app, &account).await;
    let h = history(&app).await;
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(h[0]["deliveries"][0]["status"], "delivered", "{h:?}");
    let data = server.next_message()["data"].as_str().unwrap().to_string();
    assert!(data.contains("My OKX is failing to sync"), "{data}");
    assert!(data.contains("has not synced completely since"), "{data}");
}

#[tokio::test]
async fn implicit_tls_works_and_an_untrusted_certificate_or_a_wrong_login_is_refused() {
    if !aiosmtpd_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());

    let implicit = SmtpServer::start("tls", dir.path());
    let app = app_for(&implicit, dir.path(), &[("SMTP_SECURITY", "tls")]).await;
    let channel = email_channel(&app).await;
    assert_eq!(test_send(&app, &channel).await["delivered"], true);
    assert_eq!(implicit.next_message()["login"], "butler");

    // Without the private CA the server's certificate is not trusted: nothing is sent.
    let server = SmtpServer::start("starttls", dir.path());
    let app = app_for(&server, dir.path(), &[("SMTP_CA_CERT_FILE", "")]).await;
    let channel = email_channel(&app).await;
    let r = test_send(&app, &channel).await;
    assert_eq!(r["delivered"], false, "{r}");
    assert!(r["error"].as_str().unwrap().contains("TLS"), "{r}");
    assert!(server.nothing_received());

    let app = app_for(&server, dir.path(), &[("SMTP_PASSWORD", "wrong")]).await;
    let channel = email_channel(&app).await;
    let r = test_send(&app, &channel).await;
    assert_eq!(r["delivered"], false, "{r}");
    assert!(r["error"].as_str().unwrap().contains("535"), "{r}");
    assert!(server.nothing_received());
}

#[tokio::test]
async fn an_email_channel_needs_a_configured_server_and_one_address() {
    let app = TestApp::local().await;
    let r = post(
        &app,
        "/api/alerts/channels",
        json!({"name": "Mail", "kind": "email", "url": "mailto:alice@example.com"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "kind");
}
