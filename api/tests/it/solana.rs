//! Solana wallets through the API: the base58 address check, the admin's RPC settings (and
//! the SSRF guard on them), and syncs with the real `SolanaClient` against an in-test JSON-RPC
//! server answering with the node's answers recorded in `tests/fixtures/solana/` — one HTTP
//! request per wallet, one more per new Token-2022 mints, exact amounts, scaled balances,
//! unverified mints, and every fault keeping the previous holdings.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use api::config::RpcSafetyConfig;
use api::connectors::solana::SolanaClient;

use crate::helpers::TestApp;

pub const OWNER: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
const CLASSIC_MINT: &str = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const T22_MINT: &str = "54bMqSC4fB8Uc1Xn6mQ9YBv4ZtYKm1CpnMJKLsLuN2Gh";

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/solana/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

/// How the fake node answers.
#[derive(Clone)]
pub enum Mode {
    /// The recorded answers.
    Recorded,
    Status(u16),
    Garbage,
    RpcError,
    Hang,
    /// The owner batch as recorded, `getMultipleAccounts` answered 503.
    MintsFail,
}

/// A JSON-RPC server on 127.0.0.1 that answers the owner batch from `owner_batch.json` and
/// `getMultipleAccounts` from `mints.json` (the scaled Token-2022 mint first), counting
/// requests. Stopped when dropped.
pub struct FakeNode {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
    pub bodies: Arc<Mutex<Vec<Value>>>,
    pub mode: Arc<Mutex<Mode>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeNode {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeNode {
    pub async fn start() -> Self {
        let requests = Arc::new(AtomicUsize::new(0));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let mode = Arc::new(Mutex::new(Mode::Recorded));
        let (r, b, m) = (requests.clone(), bodies.clone(), mode.clone());
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(move |body: axum::body::Bytes| {
                let (r, b, m) = (r.clone(), b.clone(), m.clone());
                async move {
                    r.fetch_add(1, Ordering::SeqCst);
                    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    b.lock().unwrap().push(req.clone());
                    let mode = m.lock().unwrap().clone();
                    answer(mode, &req).await
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeNode {
            url,
            requests,
            bodies,
            mode,
            task,
        }
    }

    pub fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

async fn answer(mode: Mode, req: &Value) -> axum::response::Response {
    use axum::response::IntoResponse;
    match mode {
        Mode::Status(s) => (StatusCode::from_u16(s).unwrap(), "upstream text 10.0.0.7").into_response(),
        Mode::Garbage => (StatusCode::OK, "<html>not json</html>").into_response(),
        Mode::Hang => {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            StatusCode::OK.into_response()
        }
        Mode::RpcError => axum::Json(json!([
            {"jsonrpc": "2.0", "id": 0, "error": {"code": -32005, "message": "Node is behind by 42 slots <secret>"}},
            {"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": "x"}},
            {"jsonrpc": "2.0", "id": 2, "error": {"code": -32005, "message": "x"}}
        ]))
        .into_response(),
        Mode::MintsFail if !req.is_array() => StatusCode::SERVICE_UNAVAILABLE.into_response(),
        Mode::Recorded | Mode::MintsFail => {
            if req.is_array() {
                axum::Json(fixture("owner_batch.json")).into_response()
            } else {
                // Answer each asked mint: the scaled mint for the Token-2022 one, null else.
                let mints = fixture("mints.json");
                let scaled = mints["result"]["value"][0].clone();
                let keys = req["params"][0].as_array().cloned().unwrap_or_default();
                let values: Vec<Value> = keys
                    .iter()
                    .map(|k| if k == T22_MINT { scaled.clone() } else { Value::Null })
                    .collect();
                axum::Json(json!({"jsonrpc": "2.0", "id": req["id"],
                    "result": {"context": {"slot": 30}, "value": values}}))
                .into_response()
            }
        }
    }
}

/// An app whose Solana reader is the real client, its RPC row pointed at `url`.
pub async fn app_on(url: &str) -> TestApp {
    let app = TestApp::with_solana_reader(
        &[("EVM_RPC_ALLOW_NETWORKS", "loopback")],
        Arc::new(SolanaClient::new(&RpcSafetyConfig::default())),
    )
    .await;
    let r = app
        .send(
            Method::PUT,
            "/api/admin/solana-rpc",
            None,
            Some(json!({"rpc_url": url, "timeout_ms": 1000, "requests_per_second": 1000})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    app
}

pub async fn add_wallet(app: &TestApp, address: &str) -> String {
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(json!({"name": "Phantom", "account_type": "wallet",
                        "chain_family": "solana", "wallet_address": address})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["chain_family"], "solana");
    assert_eq!(v["enabled_chains"], json!([]));
    v["id"].as_str().unwrap().to_string()
}

pub async fn sync(app: &TestApp, id: &str) -> Value {
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

pub fn holding<'a>(account: &'a Value, contract: Option<&str>) -> &'a Value {
    account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["contract_address"].as_str() == contract)
        .unwrap_or_else(|| panic!("no holding {contract:?} in {account}"))
}

#[tokio::test]
async fn a_solana_wallet_needs_a_base58_public_key_and_no_chain_list() {
    let app = TestApp::local().await;
    for (address, why) in [
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "base58"),
        ("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYt", "not the 32"),
        ("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWMl", "base58"),
    ] {
        let r = app
            .send(
                Method::POST,
                "/api/accounts",
                None,
                Some(json!({"name": "w", "account_type": "wallet",
                            "chain_family": "solana", "wallet_address": address})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.error_code(), "validation_failed");
        let text = r.text();
        assert!(
            text.contains("wallet_address") && text.contains(why),
            "{text}"
        );
    }
    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            None,
            Some(
                json!({"name": "w", "account_type": "wallet", "chain_family": "solana",
                        "wallet_address": OWNER, "enabled_chains": ["ethereum"]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("enabled_chains"));
    // Nothing reached the Solana reader.
    assert!(app.fakes.solana.reads().is_empty());
    let id = add_wallet(&app, OWNER).await;
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
async fn the_admin_sets_the_solana_rpc_and_the_ssrf_guard_applies() {
    let app = TestApp::with_vars(&[("EVM_RPC_ALLOW_NETWORKS", "none")]).await;
    let seeded = app.get("/api/admin/solana-rpc", None).await.json();
    assert_eq!(seeded["network"], "solana");
    assert_eq!(seeded["rpc_url"], "https://api.mainnet-beta.solana.com");
    for (body, field) in [
        (json!({"rpc_url": "http://169.254.169.254/"}), "rpc_url"),
        (json!({"rpc_url": "http://127.0.0.1:8899"}), "rpc_url"),
        (json!({"rpc_url": "ftp://x"}), "rpc_url"),
        (json!({"requests_per_second": 0}), "requests_per_second"),
        (json!({"timeout_ms": 5}), "timeout_ms"),
    ] {
        let r = app
            .send(
                Method::PUT,
                "/api/admin/solana-rpc",
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
        assert!(r.text().contains(field), "{}", r.text());
    }
    let r = app
        .send(
            Method::PUT,
            "/api/admin/solana-rpc",
            None,
            Some(json!({"rpc_url": "https://solana.example.com/key", "requests_per_second": 20, "timeout_ms": 5000})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["requests_per_second"], 20);
    assert_eq!(v["timeout_ms"], 5000);
    // The client refuses a loopback literal too (a row changed in the database directly).
    let client = SolanaClient::new(&app.state.config.rpc_safety);
    let target = api::connectors::solana::SolanaTarget {
        rpc_url: "http://127.0.0.1:9/".into(),
        requests_per_second: 10,
        timeout: std::time::Duration::from_secs(1),
    };
    use api::connectors::solana::SolanaBalances;
    let e = client.read(&target, OWNER).await.unwrap_err();
    assert!(e.to_string().contains("EVM_RPC_ALLOW_NETWORKS"), "{e}");
}

#[tokio::test]
async fn a_wallet_syncs_in_one_request_plus_one_for_new_token_2022_mints_exactly() {
    let node = FakeNode::start().await;
    let app = app_on(&node.url).await;
    let id = add_wallet(&app, OWNER).await;
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "ok", "{v}");
    let sol = holding(&v, None);
    assert_eq!(sol["symbol"], "SOL");
    assert_eq!(sol["quantity"], "2.5");
    assert_eq!(sol["raw_amount"], "2500000000");
    assert_eq!(sol["location"], "solana");
    let classic = holding(&v, Some(CLASSIC_MINT));
    assert_eq!(classic["quantity"], "123.456789");
    assert_eq!(classic["raw_amount"], "123456789");
    assert_eq!(classic["decimals"], 6);
    assert_eq!(classic["chain"], "solana");
    assert!(classic["flags"]
        .as_array()
        .unwrap()
        .contains(&json!("unverified")));
    assert_eq!(classic["value_usd"], Value::Null);
    // The fixture's Token-2022 mint is answered as scaled ×1.5.
    let scaled = holding(&v, Some(T22_MINT));
    assert_eq!(scaled["raw_amount"], "42000000001");
    // 42000000001 × 1.5 = 63000000001.5 base units: the holder sees 63000000001.
    assert_eq!(scaled["quantity"], "63.000000001");
    assert_eq!(scaled["details"]["multiplier"], "1.5");
    assert_eq!(scaled["details"]["program"], "spl-token-2022");
    assert_eq!(node.requests.load(Ordering::SeqCst), 2);
    let first = node.bodies.lock().unwrap()[0].clone();
    assert_eq!(first.as_array().unwrap().len(), 3, "{first}");
    assert_eq!(first[1]["params"][2]["encoding"], "jsonParsed");
    assert_eq!(first[1]["params"][2]["commitment"], "confirmed");
    // The mint is cached: the second sync is one request.
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "ok");
    assert_eq!(node.requests.load(Ordering::SeqCst), 3);
}

/// Puts an asset with a contract on chain `solana` in the catalog.
pub async fn catalog_asset(app: &TestApp, symbol: &str, mint: &str) -> uuid::Uuid {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let id = uuid::Uuid::new_v4();
    let now = chrono::Utc::now();
    api::entities::assets::Model {
        id,
        symbol: symbol.into(),
        name: format!("{symbol} coin"),
        asset_type: "token".into(),
        coingecko_id: None,
        coinpaprika_id: None,
        coinmarketcap_id: None,
        is_stablecoin: false,
        logo_url: None,
        market_cap_rank: Some(5),
        is_active: true,
        created_at: now,
        updated_at: now,
    }
    .into_active_model()
    .insert(&app.db)
    .await
    .unwrap();
    api::entities::asset_contracts::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        asset_id: Set(id),
        chain: Set("solana".into()),
        contract_address: Set(mint.into()),
        token_standard: Set(Some("spl".into())),
        decimals: Set(Some(6)),
        is_verified: Set(true),
        source: Set(Some("coingecko".into())),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.db)
    .await
    .unwrap();
    app.state.asset_index.invalidate().await;
    id
}

#[tokio::test]
async fn a_catalog_mint_is_that_asset_and_an_unknown_one_never_matches_by_symbol() {
    let node = FakeNode::start().await;
    let app = app_on(&node.url).await;
    let usdc = catalog_asset(&app, "USDC", CLASSIC_MINT).await;
    // An asset with this symbol but no Solana contract: the unknown mint must not become it.
    let id = add_wallet(&app, OWNER).await;
    let v = sync(&app, &id).await;
    let classic = holding(&v, Some(CLASSIC_MINT));
    assert_eq!(classic["asset_id"], usdc.to_string());
    assert_eq!(classic["symbol"], "USDC");
    assert_eq!(classic["identified_by"], "registry");
    assert!(classic["flags"].as_array().unwrap().is_empty(), "{classic}");
    let scaled = holding(&v, Some(T22_MINT));
    assert_eq!(scaled["asset_id"], Value::Null);
    assert_eq!(scaled["flags"], json!(["unverified"]));
}

#[tokio::test]
async fn every_fault_keeps_the_previous_solana_holdings() {
    let node = FakeNode::start().await;
    let app = app_on(&node.url).await;
    let id = add_wallet(&app, OWNER).await;
    let good = sync(&app, &id).await;
    assert_eq!(good["last_sync_status"], "ok");
    let before: Vec<Value> = good["holdings"].as_array().unwrap().clone();
    for (mode, expect) in [
        (Mode::Status(429), "rate limiting"),
        (Mode::Status(502), "HTTP 502"),
        (Mode::Garbage, "unreadable"),
        (Mode::RpcError, "JSON-RPC error -32005"),
        (Mode::Hang, "did not answer in time"),
    ] {
        node.set(mode);
        let v = sync(&app, &id).await;
        assert_eq!(v["last_sync_status"], "error", "{v}");
        let err = v["last_sync_error"].as_str().unwrap();
        assert!(err.contains(expect), "{err}");
        assert!(
            !err.contains("10.0.0.7") && !err.contains("secret") && !err.contains("html"),
            "{err}"
        );
        let after = v["holdings"].as_array().unwrap();
        assert_eq!(after.len(), before.len(), "{v}");
        for h in after {
            assert!(
                h["flags"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("not_refreshed")),
                "{h}"
            );
            let old = before
                .iter()
                .find(|b| b["contract_address"] == h["contract_address"])
                .unwrap();
            assert_eq!(h["raw_amount"], old["raw_amount"]);
            assert_eq!(h["quantity"], old["quantity"]);
        }
    }
    node.set(Mode::Recorded);
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "ok");
}

#[tokio::test]
async fn a_failed_mint_read_keeps_that_token_only() {
    let node = FakeNode::start().await;
    let app = app_on(&node.url).await;
    let id = add_wallet(&app, OWNER).await;
    let good = sync(&app, &id).await;
    let old = holding(&good, Some(T22_MINT)).clone();
    // A fresh client (empty mint cache) whose getMultipleAccounts answers 503.
    let app = app_on(&node.url).await;
    let id = add_wallet(&app, OWNER).await;
    node.set(Mode::MintsFail);
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "partial", "{v}");
    assert_eq!(v["holdings"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(holding(&v, Some(CLASSIC_MINT))["quantity"], "123.456789");
    let loc = &v["locations"][0];
    assert!(loc.to_string().contains("getMultipleAccounts"), "{loc}");
    // Once read, the token is back at its exact value.
    node.set(Mode::Recorded);
    let v = sync(&app, &id).await;
    assert_eq!(holding(&v, Some(T22_MINT))["quantity"], old["quantity"]);
}

#[tokio::test]
async fn a_stored_address_that_is_not_one_never_reaches_the_rpc() {
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
    let node = FakeNode::start().await;
    let app = app_on(&node.url).await;
    let id = add_wallet(&app, OWNER).await;
    let good = sync(&app, &id).await;
    assert_eq!(good["last_sync_status"], "ok");
    let before = node.requests.load(Ordering::SeqCst);
    // A row changed behind the API's back.
    api::entities::accounts::Entity::update_many()
        .col_expr(
            api::entities::accounts::Column::WalletAddress,
            Expr::value("0OIl-not-base58"),
        )
        .filter(api::entities::accounts::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    let v = sync(&app, &id).await;
    assert_eq!(v["last_sync_status"], "error", "{v}");
    assert!(
        v["last_sync_error"]
            .as_str()
            .unwrap()
            .contains("not a Solana address"),
        "{v}"
    );
    assert_eq!(node.requests.load(Ordering::SeqCst), before);
    assert_eq!(
        v["holdings"].as_array().unwrap().len(),
        good["holdings"].as_array().unwrap().len()
    );
}
