//! Bitcoin wallets read from a stand-in Esplora on 127.0.0.1 serving `GET /address/:addr` in
//! Esplora's documented shape (`chain_stats` / `mempool_stats`), counting its requests: the
//! gap-limit scan of an extended key on a first and a later sync, a single address, faults,
//! pacing and the SSRF guard.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use api::config::{RpcNetworks, RpcSafetyConfig};
use api::connectors::esplora::{read_wallet, EsploraClient, EsploraTarget};
use api::connectors::ConnectorError;
use api::domain::bitcoin_wallet::{parse, Chain, UsedIndices, Wallet, DEFAULT_GAP_LIMIT};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::helpers::TestApp;

/// BIP-84's account key of the test mnemonic ("abandon … about").
const ZPUB: &str = "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs";
const SECRET_TEXT: &str = "internal-detail-hunter2";

#[derive(Clone, Copy, Default)]
struct Figures {
    funded: u64,
    spent: u64,
    txs: u64,
    mempool_funded: u64,
    mempool_spent: u64,
    mempool_txs: u64,
}

#[derive(Default)]
struct Chainstate {
    addresses: Mutex<HashMap<String, Figures>>,
    /// Addresses answered with this status instead.
    failing: Mutex<HashMap<String, u16>>,
    hits: AtomicUsize,
    delay: Mutex<Duration>,
    /// Answer every request for this address instead (a wrong server).
    answer_as: Mutex<Option<String>>,
}

async fn address(State(s): State<Arc<Chainstate>>, Path(addr): Path<String>) -> Response {
    s.hits.fetch_add(1, Ordering::SeqCst);
    let delay = *s.delay.lock().unwrap();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = s.failing.lock().unwrap().get(&addr) {
        let status = StatusCode::from_u16(*status).unwrap();
        return (status, SECRET_TEXT).into_response();
    }
    // Esplora answers an address it never saw with zeros.
    let f = s
        .addresses
        .lock()
        .unwrap()
        .get(&addr)
        .copied()
        .unwrap_or_default();
    let shown = s.answer_as.lock().unwrap().clone().unwrap_or(addr);
    Json(json!({
        "address": shown,
        "chain_stats": {
            "funded_txo_count": f.txs, "funded_txo_sum": f.funded,
            "spent_txo_count": 0, "spent_txo_sum": f.spent, "tx_count": f.txs
        },
        "mempool_stats": {
            "funded_txo_count": f.mempool_txs, "funded_txo_sum": f.mempool_funded,
            "spent_txo_count": 0, "spent_txo_sum": f.mempool_spent, "tx_count": f.mempool_txs
        }
    }))
    .into_response()
}

async fn esplora() -> (String, Arc<Chainstate>, tokio::task::JoinHandle<()>) {
    let state = Arc::new(Chainstate::default());
    let app = Router::new()
        .route("/api/address/{addr}", get(address))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}/api"), state, task)
}

fn target(url: &str, rps: u32) -> EsploraTarget {
    EsploraTarget {
        base_url: url.into(),
        requests_per_second: rps,
        timeout: Duration::from_secs(5),
    }
}

fn zpub() -> Wallet {
    parse(ZPUB).unwrap()
}

fn key_addresses(chain: Chain, n: u32) -> Vec<String> {
    match zpub() {
        Wallet::Extended(k) => k.addresses(chain, 0, n),
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn a_200_address_zpub_is_scanned_to_the_gap_limit_and_a_later_sync_starts_from_what_it_remembered(
) {
    let (url, chain, task) = esplora().await;
    // 150 receive addresses used (each received 1,000 sats and spent 400 of them; 100..115 never
    // used), 50 change addresses used (each holds 10,000 sats), one waiting deposit of 7 sats
    // and one waiting spend of 3 sats.
    let receive = key_addresses(Chain::Receive, 200);
    let change = key_addresses(Chain::Change, 100);
    let mut expected_used = 0;
    {
        let mut a = chain.addresses.lock().unwrap();
        for (i, r) in receive.iter().enumerate().take(150) {
            if (100..115).contains(&i) {
                continue;
            }
            a.insert(
                r.clone(),
                Figures {
                    funded: 1_000,
                    spent: 400,
                    txs: 2,
                    ..Default::default()
                },
            );
            expected_used += 1;
        }
        for c in change.iter().take(50) {
            a.insert(
                c.clone(),
                Figures {
                    funded: 10_000,
                    txs: 1,
                    ..Default::default()
                },
            );
            expected_used += 1;
        }
        a.get_mut(&receive[3]).unwrap().mempool_funded = 7;
        a.get_mut(&receive[3]).unwrap().mempool_txs = 1;
        a.get_mut(&change[0]).unwrap().mempool_spent = 3;
        a.get_mut(&change[0]).unwrap().mempool_txs = 1;
    }
    let client = EsploraClient::new(&RpcSafetyConfig::default());
    let t = target(&url, 1_000);

    let started = Instant::now();
    let first = read_wallet(
        &client,
        &t,
        &zpub(),
        DEFAULT_GAP_LIMIT,
        UsedIndices::default(),
    )
    .await
    .unwrap();
    let first_took = started.elapsed();
    assert_eq!(first.confirmed_sats, 135 * 600 + 50 * 10_000);
    assert_eq!(first.unconfirmed_sats, 7 - 3);
    assert_eq!(first.used_addresses, expected_used);
    let remembered = first.used.unwrap();
    assert_eq!(
        remembered,
        UsedIndices {
            receive: Some(149),
            change: Some(49)
        }
    );
    // Every address up to the last used one plus 20 per chain: (150 + 20) + (50 + 20).
    assert_eq!((first.http_requests, first.waves), (240, 9));
    assert_eq!(chain.hits.load(Ordering::SeqCst), 240);
    assert_eq!(client.requests_sent(), 240);

    let started = Instant::now();
    let later = read_wallet(&client, &t, &zpub(), DEFAULT_GAP_LIMIT, remembered)
        .await
        .unwrap();
    let later_took = started.elapsed();
    assert_eq!((later.http_requests, later.waves), (240, 1));
    assert_eq!(later.confirmed_sats, first.confirmed_sats);
    assert_eq!(chain.hits.load(Ordering::SeqCst), 480);

    // A payment to the 10th address after the last used one is found, and remembered.
    chain.addresses.lock().unwrap().insert(
        receive[159].clone(),
        Figures {
            funded: 5,
            txs: 1,
            ..Default::default()
        },
    );
    let grown = read_wallet(&client, &t, &zpub(), DEFAULT_GAP_LIMIT, remembered)
        .await
        .unwrap();
    assert_eq!(grown.confirmed_sats, first.confirmed_sats + 5);
    assert_eq!(grown.used.unwrap().receive, Some(159));
    assert_eq!((grown.http_requests, grown.waves), (250, 2));

    // A smaller gap limit misses a payment beyond it: the limit is the user's to raise.
    let narrow = read_wallet(&client, &t, &zpub(), 5, UsedIndices::default())
        .await
        .unwrap();
    assert_eq!(narrow.used.unwrap().receive, Some(99));
    eprintln!(
        "200-address zpub: first sync {} requests in {} waves ({first_took:?}), later sync {} requests in {} wave ({later_took:?})",
        first.http_requests, first.waves, later.http_requests, later.waves
    );
    task.abort();
}

#[tokio::test]
async fn a_single_address_costs_one_request_with_unconfirmed_apart() {
    let (url, chain, task) = esplora().await;
    let a = "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr";
    chain.addresses.lock().unwrap().insert(
        a.into(),
        Figures {
            funded: 250_000_000,
            spent: 100_000_001,
            txs: 3,
            mempool_funded: 0,
            mempool_spent: 20_000,
            mempool_txs: 1,
        },
    );
    let client = EsploraClient::new(&RpcSafetyConfig::default());
    let r = read_wallet(
        &client,
        &target(&url, 10),
        &parse(a).unwrap(),
        DEFAULT_GAP_LIMIT,
        UsedIndices::default(),
    )
    .await
    .unwrap();
    assert_eq!(r.confirmed_sats, 149_999_999);
    assert_eq!(r.unconfirmed_sats, -20_000);
    assert_eq!(
        api::domain::bitcoin_wallet::sats_to_btc(r.confirmed_sats).to_string(),
        "1.49999999"
    );
    assert_eq!((r.http_requests, r.used), (1, None));
    assert_eq!(chain.hits.load(Ordering::SeqCst), 1);
    task.abort();
}

async fn read_error(client: &EsploraClient, t: &EsploraTarget) -> ConnectorError {
    read_wallet(
        client,
        t,
        &zpub(),
        DEFAULT_GAP_LIMIT,
        UsedIndices::default(),
    )
    .await
    .unwrap_err()
}

#[tokio::test]
async fn one_failed_address_fails_the_whole_reading_without_upstream_text_or_addresses() {
    let (url, chain, task) = esplora().await;
    let receive = key_addresses(Chain::Receive, 20);
    chain.addresses.lock().unwrap().insert(
        receive[0].clone(),
        Figures {
            funded: 9,
            txs: 1,
            ..Default::default()
        },
    );
    let client = EsploraClient::new(&RpcSafetyConfig::default());
    let t = target(&url, 1_000);
    let leaks = |e: &ConnectorError| {
        let text = format!("{e} {e:?}");
        text.contains(SECRET_TEXT) || receive.iter().any(|a| text.contains(a.as_str()))
    };

    chain
        .failing
        .lock()
        .unwrap()
        .insert(receive[7].clone(), 500);
    let e = read_error(&client, &t).await;
    assert!(
        matches!(e, ConnectorError::Upstream { status: 500, .. }),
        "{e:?}"
    );
    assert!(!leaks(&e), "{e}");

    chain
        .failing
        .lock()
        .unwrap()
        .insert(receive[7].clone(), 429);
    let e = read_error(&client, &t).await;
    assert!(matches!(e, ConnectorError::RateLimited { .. }), "{e:?}");

    chain.failing.lock().unwrap().clear();
    *chain.answer_as.lock().unwrap() = Some(receive[0].clone());
    let e = read_error(&client, &t).await;
    assert!(matches!(e, ConnectorError::Decode { .. }), "{e:?}");
    assert!(!leaks(&e), "{e}");
    *chain.answer_as.lock().unwrap() = None;

    // Spent above funded is not a balance.
    chain.addresses.lock().unwrap().insert(
        receive[1].clone(),
        Figures {
            funded: 1,
            spent: 2,
            txs: 1,
            ..Default::default()
        },
    );
    let e = read_error(&client, &t).await;
    assert!(matches!(e, ConnectorError::Decode { .. }), "{e:?}");
    chain.addresses.lock().unwrap().remove(&receive[1]);

    *chain.delay.lock().unwrap() = Duration::from_millis(800);
    let slow = EsploraTarget {
        timeout: Duration::from_millis(200),
        ..t.clone()
    };
    let e = read_error(&client, &slow).await;
    assert!(matches!(e, ConnectorError::Timeout { .. }), "{e:?}");
    *chain.delay.lock().unwrap() = Duration::ZERO;

    // And with the server healthy again, the same client reads it.
    let ok = read_wallet(
        &client,
        &t,
        &zpub(),
        DEFAULT_GAP_LIMIT,
        UsedIndices::default(),
    )
    .await
    .unwrap();
    assert_eq!(ok.confirmed_sats, 9);
    task.abort();
}

#[tokio::test]
async fn requests_are_paced_by_the_endpoints_rate() {
    let (url, chain, task) = esplora().await;
    let client = EsploraClient::new(&RpcSafetyConfig::default());
    // An empty wallet: 20 addresses per chain, 40 requests at 50 a second.
    let started = Instant::now();
    let r = read_wallet(
        &client,
        &target(&url, 50),
        &zpub(),
        20,
        UsedIndices::default(),
    )
    .await
    .unwrap();
    let took = started.elapsed();
    assert_eq!(r.http_requests, 40);
    assert_eq!(chain.hits.load(Ordering::SeqCst), 40);
    assert!(took >= Duration::from_millis(760), "{took:?}");
    task.abort();
}

#[tokio::test]
async fn a_loopback_esplora_is_refused_without_a_request_when_only_public_addresses_are_allowed() {
    let (url, chain, task) = esplora().await;
    let client = EsploraClient::new(&RpcSafetyConfig {
        allow: RpcNetworks::PUBLIC_ONLY,
        ..RpcSafetyConfig::default()
    });
    let e = read_error(&client, &target(&url, 1_000)).await;
    assert!(matches!(e, ConnectorError::Refused { .. }), "{e:?}");
    assert!(e.to_string().contains("loopback"), "{e}");
    let by_name = url.replace("127.0.0.1", "localhost");
    let e = read_error(&client, &target(&by_name, 1_000)).await;
    assert!(e.to_string().contains("EVM_RPC_ALLOW_NETWORKS"), "{e}");
    assert_eq!(chain.hits.load(Ordering::SeqCst), 0);
    let seen: HashSet<_> = [e.to_string()].into_iter().collect();
    assert!(!seen.iter().any(|t| t.contains("bc1q")));
    task.abort();
}

#[tokio::test]
async fn the_admin_sets_the_esplora_endpoint_and_the_ssrf_guard_applies() {
    let app = TestApp::with_vars(&[("EVM_RPC_ALLOW_NETWORKS", "none")]).await;
    let seeded = app.get("/api/admin/bitcoin-esplora", None).await.json();
    assert_eq!(seeded["network"], "bitcoin");
    assert_eq!(seeded["base_url"], "https://blockstream.info/api");
    assert_eq!(seeded["requests_per_second"], 5);
    assert_eq!(seeded["timeout_ms"], 15000);
    assert_eq!(seeded["is_active"], true);
    for (body, field) in [
        (
            json!({"base_url": "http://169.254.169.254/api"}),
            "base_url",
        ),
        (json!({"base_url": "http://127.0.0.1:3002"}), "base_url"),
        (json!({"base_url": "http://[::1]:3002"}), "base_url"),
        (json!({"base_url": "ftp://x"}), "base_url"),
        (
            json!({"base_url": "https://mempool.space/api?key=1"}),
            "base_url",
        ),
        (json!({"requests_per_second": 0}), "requests_per_second"),
        (json!({"requests_per_second": 1001}), "requests_per_second"),
        (json!({"timeout_ms": 5}), "timeout_ms"),
        (json!({"display_name": ""}), "display_name"),
    ] {
        let r = app
            .send(
                Method::PUT,
                "/api/admin/bitcoin-esplora",
                None,
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text()
        );
        assert_eq!(r.error_code(), "validation_failed");
        assert!(r.text().contains(field), "{}", r.text());
    }
    let r = app
        .send(
            Method::PUT,
            "/api/admin/bitcoin-esplora",
            None,
            Some(json!({"rps": 3})),
        )
        .await;
    assert_eq!(r.status.as_u16() / 100, 4, "{}", r.text());
    let r = app
        .send(
            Method::PUT,
            "/api/admin/bitcoin-esplora",
            None,
            Some(json!({"base_url": " https://mempool.space/api/ ", "requests_per_second": 20, "timeout_ms": 5000, "is_active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = app.get("/api/admin/bitcoin-esplora", None).await.json();
    assert_eq!(v["base_url"], "https://mempool.space/api");
    assert_eq!(v["requests_per_second"], 20);
    assert_eq!(v["timeout_ms"], 5000);
    assert_eq!(v["is_active"], false);
    // The change is audited by its own kind.
    let r = app.get("/api/audit?kind=bitcoin_esplora", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.json()["events"].as_array().unwrap().len(),
        1,
        "{}",
        r.text()
    );
    // The client refuses a loopback literal too (a row changed in the database directly).
    let client = EsploraClient::new(&app.state.config.rpc_safety);
    let e = read_error(&client, &target("http://127.0.0.1:9/api", 10)).await;
    assert!(e.to_string().contains("EVM_RPC_ALLOW_NETWORKS"), "{e}");
}

/// An app reading Bitcoin wallets from the stand-in Esplora at `url`.
async fn app_on(url: &str) -> TestApp {
    let app = TestApp::with_vars(&[("EVM_RPC_ALLOW_NETWORKS", "loopback")]).await;
    let r = app
        .send(
            Method::PUT,
            "/api/admin/bitcoin-esplora",
            None,
            Some(json!({"base_url": url, "requests_per_second": 100, "timeout_ms": 2000})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    app
}

async fn add_wallet(app: &TestApp, address: &str) -> axum::response::Result<String, String> {
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Cold storage", "account_type": "wallet",
                        "chain_family": "bitcoin", "wallet_address": address})),
        )
        .await;
    if r.status != StatusCode::CREATED {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.error_code(), "validation_failed");
        return Err(r.text());
    }
    let v = r.json();
    assert_eq!(v["chain_family"], "bitcoin");
    Ok(v["id"].as_str().unwrap().to_string())
}

async fn sync(app: &TestApp, id: &str) -> serde_json::Value {
    let r = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/sync"),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

const ADDRESS: &str = "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu";

#[tokio::test]
async fn a_bitcoin_address_account_says_why_an_input_is_refused() {
    let app = TestApp::local().await;
    for (input, why) in [
        ("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyv", "bad checksum"),
        ("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabB", "bad checksum"),
        (
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            "not Bitcoin mainnet",
        ),
        (
            "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
            "P2WSH",
        ),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "not a Bitcoin mainnet address"),
        (
            "xprv9xpXFhFpqdQK3TmytPBqXtGSwS3DLjojFhTGht8gwAAii8py5X6pxeBnQ6ehJiyJ6nDjWGJfZ95WxByFXVkDxHXrqu53WCRGypk2ttuqncb",
            "private key",
        ),
    ] {
        let text = add_wallet(&app, input).await.unwrap_err();
        assert!(text.contains("wallet_address") && text.contains(why), "{input}: {text}");
        // A refused key is not echoed back.
        assert!(!text.contains(&input[4..30]), "{text}");
    }
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(
                json!({"name": "w", "account_type": "wallet", "chain_family": "bitcoin",
                        "wallet_address": ADDRESS, "enabled_chains": ["ethereum"]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("enabled_chains"), "{}", r.text());
    // Upper-case bech32 is stored in its canonical lower case.
    let id = add_wallet(&app, &ADDRESS.to_uppercase()).await.unwrap();
    let v = app.get(&format!("/api/accounts/{id}"), None).await.json();
    assert_eq!(v["wallet_address"], ADDRESS);
    let r = app
        .send(
            Method::PUT,
            &format!("/api/accounts/{id}"),
            None,
            Some(json!({"enabled_chains": ["ethereum"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
}

#[tokio::test]
async fn a_bitcoin_address_syncs_its_confirmed_balance_with_unconfirmed_apart_and_faults_keep_it() {
    let (url, chain, task) = esplora().await;
    chain.addresses.lock().unwrap().insert(
        ADDRESS.into(),
        Figures {
            funded: 150_000_000,
            spent: 25_000_000,
            txs: 4,
            mempool_funded: 10_000,
            mempool_spent: 0,
            mempool_txs: 1,
        },
    );
    let app = app_on(&url).await;
    let id = add_wallet(&app, ADDRESS).await.unwrap();
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "ok", "{v}");
    let holdings = v["holdings"].as_array().unwrap().clone();
    assert_eq!(holdings.len(), 1, "{v}");
    let btc = &holdings[0];
    assert_eq!(btc["symbol"], "BTC");
    assert_eq!(btc["quantity"], "1.25");
    assert_eq!(btc["raw_amount"], "125000000");
    assert_eq!(btc["details"]["unconfirmed_sats"], 10_000);
    assert_eq!(btc["details"]["unconfirmed_btc"], "0.00010000");
    assert_eq!(btc["details"]["address_type"], "p2wpkh");
    assert!(btc["asset_id"].is_string(), "the seeded BTC asset: {btc}");
    assert_eq!(chain.hits.load(Ordering::SeqCst), 1);

    // Faults keep the last good read, flagged, and say what failed.
    chain.failing.lock().unwrap().insert(ADDRESS.into(), 502);
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "error", "{v}");
    let err = v["last_sync_error"].as_str().unwrap();
    assert!(
        err.contains("HTTP 502") && !err.contains(SECRET_TEXT),
        "{err}"
    );
    let kept = &v["holdings"].as_array().unwrap()[0];
    assert_eq!(kept["quantity"], "1.25");
    assert!(
        kept["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("not_refreshed")),
        "{kept}"
    );
    chain.failing.lock().unwrap().clear();

    // Disabled by the admin: not read, kept.
    let r = app
        .send(
            Method::PUT,
            "/api/admin/bitcoin-esplora",
            None,
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let hits = chain.hits.load(Ordering::SeqCst);
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "error", "{v}");
    assert!(
        v["last_sync_error"].as_str().unwrap().contains("disabled"),
        "{v}"
    );
    assert_eq!(chain.hits.load(Ordering::SeqCst), hits);
    assert_eq!(v["holdings"].as_array().unwrap()[0]["quantity"], "1.25");

    // Back on, spent: read fresh.
    app.send(
        Method::PUT,
        "/api/admin/bitcoin-esplora",
        None,
        Some(json!({"is_active": true})),
    )
    .await;
    chain
        .addresses
        .lock()
        .unwrap()
        .get_mut(ADDRESS)
        .unwrap()
        .spent = 150_000_000;
    chain
        .addresses
        .lock()
        .unwrap()
        .get_mut(ADDRESS)
        .unwrap()
        .mempool_funded = 0;
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "ok", "{v}");
    assert!(v["holdings"].as_array().unwrap().is_empty(), "{v}");
    task.abort();
}

#[tokio::test]
async fn a_zpub_account_is_sealed_shown_as_a_hint_and_scanned_from_where_it_left_off() {
    let (url, chain, task) = esplora().await;
    // Receive 0..30 used (1,000 sats each), change 0..5 (50 sats each).
    let receive = key_addresses(Chain::Receive, 60);
    let change = key_addresses(Chain::Change, 20);
    {
        let mut a = chain.addresses.lock().unwrap();
        for r in &receive[..30] {
            a.insert(
                r.clone(),
                Figures {
                    funded: 1_000,
                    txs: 1,
                    ..Default::default()
                },
            );
        }
        for c in &change[..5] {
            a.insert(
                c.clone(),
                Figures {
                    funded: 50,
                    txs: 1,
                    ..Default::default()
                },
            );
        }
    }
    let app = app_on(&url).await;
    let secret_part = &ZPUB[10..60];

    // gap_limit: only for extended keys, 1-200.
    for (body, why) in [
        (
            json!({"wallet_address": ADDRESS, "gap_limit": 10}),
            "only to Bitcoin wallets of an extended",
        ),
        (json!({"wallet_address": ZPUB, "gap_limit": 0}), "1-200"),
        (json!({"wallet_address": ZPUB, "gap_limit": 201}), "1-200"),
    ] {
        let mut body = body;
        body["name"] = json!("w");
        body["account_type"] = json!("wallet");
        body["chain_family"] = json!("bitcoin");
        let r = app
            .send(Method::POST, "/api/accounts", None, Some(body))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(
            r.text().contains("gap_limit") && r.text().contains(why),
            "{}",
            r.text()
        );
        assert!(!r.text().contains(secret_part), "{}", r.text());
    }

    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Hardware wallet", "account_type": "wallet",
                        "chain_family": "bitcoin", "wallet_address": ZPUB, "gap_limit": 10})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(
        !r.text().contains(secret_part),
        "the key came back: {}",
        r.text()
    );
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["api_key_hint"], "zpub…tZYs");
    let stand_in = created["wallet_address"].as_str().unwrap();
    assert!(stand_in.starts_with("zpub…tZYs "), "{stand_in}");
    // Stored sealed: nowhere in the row in clear.
    assert_eq!(
        app.count("accounts", "api_key_encrypted IS NOT NULL").await,
        1
    );
    let clear = format!(
        "wallet_address LIKE '%{secret_part}%' OR api_key_encrypted LIKE '%{secret_part}%'"
    );
    assert_eq!(app.count("accounts", &clear).await, 0);
    // The same key again is the same wallet.
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Again", "account_type": "wallet",
                        "chain_family": "bitcoin", "wallet_address": format!(" {ZPUB} ")})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());

    // First sync: (30 + 10) receive + (5 + 10) change requests, in 10-address waves.
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "ok", "{v}");
    assert!(!v.to_string().contains(secret_part));
    let btc = &v["holdings"].as_array().unwrap()[0];
    assert_eq!(btc["quantity"], "0.0003025");
    assert_eq!(btc["details"]["addresses_used"], 35);
    assert_eq!(btc["details"]["http_requests"], 55);
    assert_eq!(btc["details"]["address_type"], "p2wpkh");
    assert_eq!(chain.hits.load(Ordering::SeqCst), 55);
    assert_eq!(
        app.count(
            "bitcoin_wallet_scans",
            "receive_used = 29 AND change_used = 4 AND gap_limit = 10"
        )
        .await,
        1
    );

    // A later sync asks the same 55 addresses at once; a payment to receive 35 is found.
    chain.addresses.lock().unwrap().insert(
        receive[35].clone(),
        Figures {
            funded: 7,
            txs: 1,
            ..Default::default()
        },
    );
    let v = sync(&app, &id).await;
    let btc = &v["holdings"].as_array().unwrap()[0];
    assert_eq!(btc["quantity"], "0.00030257");
    assert_eq!(btc["details"]["http_requests"], 55 + 6);
    assert_eq!(
        app.count("bitcoin_wallet_scans", "receive_used = 35").await,
        1
    );

    // A fault keeps the last good read and the remembered indices.
    chain.failing.lock().unwrap().insert(change[2].clone(), 503);
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "error", "{v}");
    let err = v["last_sync_error"].as_str().unwrap();
    assert!(
        !err.contains(&change[2]) && !err.contains(secret_part),
        "{err}"
    );
    let kept = &v["holdings"].as_array().unwrap()[0];
    assert_eq!(kept["quantity"], "0.00030257");
    assert!(
        kept["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("not_refreshed")),
        "{kept}"
    );
    assert_eq!(
        app.count("bitcoin_wallet_scans", "receive_used = 35").await,
        1
    );

    // The gap limit can be changed; the remembered indices stay. Not on an address wallet.
    chain.failing.lock().unwrap().clear();
    let r = app
        .send(
            Method::PUT,
            &format!("/api/accounts/{id}"),
            None,
            Some(json!({"gap_limit": 25})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        app.count(
            "bitcoin_wallet_scans",
            "gap_limit = 25 AND receive_used = 35 AND change_used = 4"
        )
        .await,
        1
    );
    let r = app
        .send(
            Method::PUT,
            &format!("/api/accounts/{id}"),
            None,
            Some(json!({"gap_limit": 500})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let hits = chain.hits.load(Ordering::SeqCst);
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "ok", "{v}");
    // (35 + 1 + 25) receive + (4 + 1 + 25) change, one wave.
    assert_eq!(chain.hits.load(Ordering::SeqCst) - hits, 61 + 30);
    let single = add_wallet(&app, ADDRESS).await.unwrap();
    let r = app
        .send(
            Method::PUT,
            &format!("/api/accounts/{single}"),
            None,
            Some(json!({"gap_limit": 25})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("only to Bitcoin wallets of an extended"),
        "{}",
        r.text()
    );

    // Nor does the list carry the key.
    let list = app.get("/api/accounts", None).await;
    assert!(!list.text().contains(secret_part));
    task.abort();
}
