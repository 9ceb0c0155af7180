//! A Solana wallet synced through the API against a real SVM: the `surfnet-harness` binary
//! (tools/surfnet-harness: surfpool, offline, on a free 127.0.0.1 port). Mints (a classic SPL
//! mint and a Token-2022 mint with a ScaledUiAmount extension) and token accounts are made with
//! surfpool's cheatcodes; every balance must come back to the last base unit.
//!
//! Runs when `SURFNET_BIN` names the harness binary (scripts/test.sh builds it and sets it).
//! With `CI=true` or `SOLANA_TEST_REQUIRED=1` a missing binary fails the test instead of
//! skipping it. With `SOLANA_RECORD_FIXTURES=1` it rewrites the node's answers into
//! `tests/fixtures/solana/recorded_*.json`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Value};

use api::connectors::solana::{owner_batch, TOKEN_2022_PROGRAM, TOKEN_PROGRAM};
use api::domain::solana_address::encode;

use crate::anvil::free_port;
use crate::solana::{add_wallet, app_on, holding, sync};

const SYSTEM_PROGRAM: &str = "11111111111111111111111111111111";

/// The harness, stopped (killed, then reaped) when dropped; its stdin closes with it too.
struct Surfnet {
    child: Child,
    url: String,
}

impl Drop for Surfnet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn required() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CI") || set("SOLANA_TEST_REQUIRED")
}

impl Surfnet {
    fn start() -> Option<Surfnet> {
        let bin = match std::env::var("SURFNET_BIN").ok().filter(|b| !b.is_empty()) {
            Some(b) => b,
            None => {
                assert!(
                    !required(),
                    "SURFNET_BIN is not set but CI / SOLANA_TEST_REQUIRED is: scripts/test.sh builds tools/surfnet-harness and sets it"
                );
                eprintln!(
                    "no real Solana node (SURFNET_BIN unset): scripts/test.sh runs this test"
                );
                return None;
            }
        };
        assert!(
            std::path::Path::new(&bin).is_file(),
            "SURFNET_BIN={bin} is not a file: build tools/surfnet-harness"
        );
        let port = free_port();
        let mut child = Command::new(&bin)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("READY") {
                    let _ = tx.send(line);
                }
            }
        });
        let started = Instant::now();
        let ready = rx.recv_timeout(Duration::from_secs(60));
        let mut node = Surfnet {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        match ready {
            Ok(_) => {
                eprintln!("surfnet ready in {:?}", started.elapsed());
                Some(node)
            }
            Err(_) => {
                let status = node.child.try_wait();
                panic!("the harness did not print READY within 60 s (exit: {status:?})");
            }
        }
    }

    async fn rpc(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let v: Value = reqwest::Client::new()
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(v.get("error").is_none(), "{method}: {v}");
        v["result"].clone()
    }

    async fn set_account(&self, pubkey: &str, lamports: u64, owner: &str, data: &[u8]) {
        self.rpc(
            "surfnet_setAccount",
            json!([pubkey, {"lamports": lamports, "owner": owner, "data": hex(data)}]),
        )
        .await;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn key() -> (String, [u8; 32]) {
    let mut b = [0u8; 32];
    b[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    b[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    (encode(&b), b)
}

/// The 82-byte SPL mint layout: no authorities, `supply`, `decimals`, initialized.
fn mint_base(supply: u64, decimals: u8) -> Vec<u8> {
    let mut d = vec![0u8; 82];
    d[36..44].copy_from_slice(&supply.to_le_bytes());
    d[44] = decimals;
    d[45] = 1;
    d
}

/// A Token-2022 mint with a ScaledUiAmount extension (TLV type 25, 56 bytes: authority none,
/// multiplier, new-multiplier time, new multiplier).
fn scaled_mint(supply: u64, decimals: u8, multiplier: f64) -> Vec<u8> {
    let mut d = mint_base(supply, decimals);
    d.resize(165, 0);
    d.push(1); // account type: mint
    d.extend_from_slice(&25u16.to_le_bytes());
    d.extend_from_slice(&56u16.to_le_bytes());
    d.extend_from_slice(&[0u8; 32]);
    d.extend_from_slice(&multiplier.to_le_bytes());
    d.extend_from_slice(&0i64.to_le_bytes());
    d.extend_from_slice(&multiplier.to_le_bytes());
    d
}

/// A 165-byte SPL token account (initialized, no delegate, not native).
fn token_account(mint: &[u8; 32], owner: &[u8; 32], amount: u64) -> Vec<u8> {
    let mut d = vec![0u8; 165];
    d[..32].copy_from_slice(mint);
    d[32..64].copy_from_slice(owner);
    d[64..72].copy_from_slice(&amount.to_le_bytes());
    d[108] = 1;
    d
}

#[tokio::test]
async fn a_solana_wallet_syncs_from_a_real_svm_to_the_last_base_unit() {
    let Some(node) = Surfnet::start() else {
        return;
    };
    let (owner, owner_bytes) = key();
    let (classic, classic_bytes) = key();
    let (scaled, _) = key();
    let (aux, _) = key();
    let (empty_mint, _) = key();

    node.set_account(&owner, 2_500_000_001, SYSTEM_PROGRAM, &[])
        .await;
    node.set_account(&classic, 1_461_600, TOKEN_PROGRAM, &mint_base(u64::MAX, 6))
        .await;
    node.set_account(&empty_mint, 1_461_600, TOKEN_PROGRAM, &mint_base(0, 9))
        .await;
    node.set_account(
        &scaled,
        2_000_000,
        TOKEN_2022_PROGRAM,
        &scaled_mint(10_000_000_000, 6, 1.5),
    )
    .await;
    // Classic: the associated account holds u64::MAX, an auxiliary account 1 more: 2^64.
    node.rpc(
        "surfnet_setTokenAccount",
        json!([owner, classic, {"amount": u64::MAX}, TOKEN_PROGRAM]),
    )
    .await;
    node.set_account(
        &aux,
        2_039_280,
        TOKEN_PROGRAM,
        &token_account(&classic_bytes, &owner_bytes, 1),
    )
    .await;
    // An empty account is no holding.
    node.rpc(
        "surfnet_setTokenAccount",
        json!([owner, empty_mint, {"amount": 0}, TOKEN_PROGRAM]),
    )
    .await;
    // Token-2022 ×1.5: 2000001 base units are shown as floor(3000001.5) = 3000001.
    node.rpc(
        "surfnet_setTokenAccount",
        json!([owner, scaled, {"amount": 2_000_001}, TOKEN_2022_PROGRAM]),
    )
    .await;

    if std::env::var("SOLANA_RECORD_FIXTURES").is_ok_and(|v| v == "1") {
        let client = reqwest::Client::new();
        let batch: Value = client
            .post(&node.url)
            .json(&owner_batch(&owner))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mints = node
            .rpc(
                "getMultipleAccounts",
                json!([[scaled, classic], {"encoding": "jsonParsed", "commitment": "confirmed"}]),
            )
            .await;
        let dir = format!("{}/tests/fixtures/solana", env!("CARGO_MANIFEST_DIR"));
        for (name, v) in [
            ("recorded_owner_batch.json", batch),
            (
                "recorded_mints.json",
                json!({"jsonrpc": "2.0", "id": 0, "result": mints}),
            ),
        ] {
            std::fs::write(
                format!("{dir}/{name}"),
                serde_json::to_string_pretty(&v).unwrap(),
            )
            .unwrap();
        }
    }

    let app = app_on(&node.url).await;
    let id = add_wallet(&app, &owner).await;
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "ok", "{v}");
    let holdings = v["holdings"].as_array().unwrap();
    assert_eq!(holdings.len(), 3, "SOL, classic, scaled: {v}");

    let sol = holding(&v, None);
    assert_eq!(sol["symbol"], "SOL");
    assert_eq!(sol["raw_amount"], "2500000001");
    assert_eq!(sol["quantity"], "2.500000001");

    let c = holding(&v, Some(&classic));
    assert_eq!(c["raw_amount"], "18446744073709551616");
    assert_eq!(c["quantity"], "18446744073709.551616");
    assert_eq!(c["decimals"], 6);
    assert_eq!(c["details"]["token_accounts"], 2);
    assert_eq!(c["flags"], json!(["unverified"]));

    let s = holding(&v, Some(&scaled));
    assert_eq!(s["raw_amount"], "2000001");
    assert_eq!(s["quantity"], "3.000001");
    assert_eq!(s["details"]["multiplier"], "1.5");
    assert_eq!(s["details"]["program"], "spl-token-2022");
    assert_eq!(s["details"]["scaling"], "scaled_ui_amount");

    // A changed balance is read again exactly; the node going away keeps it.
    node.rpc(
        "surfnet_setTokenAccount",
        json!([owner, scaled, {"amount": 7}, TOKEN_2022_PROGRAM]),
    )
    .await;
    let v = sync(&app, &id).await;
    assert_eq!(holding(&v, Some(&scaled))["quantity"], "0.00001", "{v}");
    drop(node);
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "error", "{v}");
    assert_eq!(
        holding(&v, Some(&classic))["raw_amount"],
        "18446744073709551616"
    );
    let r = app.get(&format!("/api/accounts/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
}
