//! Alerts: channels and rules owned by their user, a webhook receiver on loopback that checks
//! the signature and refuses replays, retries that end in exactly one accepted delivery, a
//! channel marked failing, and rules triggered (and cleared) by real syncs and price runs.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use api::connectors::fake::{balance, quote};
use api::connectors::{ConnectorError, ExchangeLocation, Provider};
use api::jobs::{self, Trigger};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{TestApp, TestResponse};
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

/// One request a receiver saw.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    headers: HeaderMap,
    body: Vec<u8>,
    accepted: bool,
}

/// A webhook receiver on 127.0.0.1 that verifies `X-Butler-Signature` with the channel's
/// secret, refuses a timestamp more than 5 minutes off and a signature it has seen (a replay),
/// and answers 503 to its first `fail_first` valid requests.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    secret: Arc<Mutex<String>>,
    fail_first: Arc<Mutex<usize>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    signatures: Arc<Mutex<HashSet<String>>>,
}

fn verify(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let ts = headers["x-butler-timestamp"].to_str().unwrap_or("");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() <= 300);
    fresh && headers["x-butler-signature"].to_str().ok() == Some(expected.as_str())
}

async fn receive(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let secret = r.secret.lock().unwrap().clone();
    let status = if !verify(&secret, &headers, &body) {
        StatusCode::UNAUTHORIZED
    } else if !r
        .signatures
        .lock()
        .unwrap()
        .insert(headers["x-butler-signature"].to_str().unwrap().to_string())
    {
        StatusCode::CONFLICT
    } else {
        let mut left = r.fail_first.lock().unwrap();
        if *left > 0 {
            *left -= 1;
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        }
    };
    r.seen.lock().unwrap().push(Seen {
        headers,
        body: body.to_vec(),
        accepted: status == StatusCode::OK,
    });
    status
}

impl Receiver {
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/hook")
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub(crate) fn accepted(&self) -> Vec<Value> {
        self.seen()
            .into_iter()
            .filter(|s| s.accepted)
            .map(|s| serde_json::from_slice(&s.body).unwrap())
            .collect()
    }
}

pub(crate) async fn post(app: &TestApp, path: &str, body: Value) -> TestResponse {
    app.send(Method::POST, path, None, Some(body)).await
}

/// A webhook channel on a fresh receiver; returns the receiver and the channel's id.
pub(crate) async fn webhook(app: &TestApp, private: bool) -> (Receiver, String) {
    let receiver = Receiver::default();
    let url = receiver.start().await;
    let r = post(
        app,
        "/api/alerts/channels",
        json!({"name": "Hook", "kind": "webhook", "url": url, "private": private}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    *receiver.secret.lock().unwrap() = v["secret"].as_str().unwrap().to_string();
    (receiver, v["id"].as_str().unwrap().to_string())
}

pub(crate) async fn rule(app: &TestApp, kind: &str, params: Value, channels: &[&str]) -> String {
    let r = post(
        app,
        "/api/alerts/rules",
        json!({"name": format!("{kind} rule"), "kind": kind, "params": params, "channel_ids": channels}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

pub(crate) async fn history(app: &TestApp) -> Vec<Value> {
    app.state.alerts.settled().await;
    let r = app.get("/api/alerts/history", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

fn statuses(alert: &Value) -> Vec<String> {
    alert["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap().to_string())
        .collect()
}

/// An OKX account holding 2 BTC, failing to sync from its first sync on.
pub(crate) async fn okx_account(app: &TestApp) -> String {
    app.fakes.exchange.set_balances(vec![balance(
        "BTC",
        ExchangeLocation::Trading,
        Decimal::from(2),
        None,
    )]);
    let r = post(
        app,
        "/api/accounts",
        json!({"name": "My OKX", "account_type": "exchange", "exchange_name": "okx",
               "api_key": "key-1234567890abcd", "api_secret": "SECRET-very-private", "passphrase": "Pass-phrase-9"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_string()
}

pub(crate) async fn sync(app: &TestApp, account: &str) -> Value {
    let r = post(app, &format!("/api/accounts/{account}/sync"), json!({})).await;
    r.json()
}

/// Dates the account's creation `hours` back (it has never synced well since).
pub(crate) async fn age_account(app: &TestApp, account: &str, hours: i64) {
    let id: uuid::Uuid = account.parse().unwrap();
    let a = api::entities::accounts::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut am: api::entities::accounts::ActiveModel = a.into();
    am.created_at = Set(chrono::Utc::now() - chrono::Duration::hours(hours));
    am.update(&app.db).await.unwrap();
}

/// A price run with BTC at `btc` USD and USDT at 1. Prices are stored per second (a second
/// price in one second is not stored), so each run starts in a new second.
async fn btc_at(app: &TestApp, btc: &str) -> api::entities::job_runs::Model {
    tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    app.fakes.gecko.set_quotes(vec![
        quote(
            Provider::CoinGecko,
            "bitcoin",
            "btc",
            btc.parse().unwrap(),
            Some(1),
        ),
        quote(Provider::CoinGecko, "tether", "usdt", Decimal::ONE, Some(3)),
    ]);
    jobs::run_to_end(&app.state, "price-collection", Trigger::Manual)
        .await
        .unwrap()
}

#[tokio::test]
async fn channels_and_rules_belong_to_their_user_and_the_secret_is_shown_once() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
        ("EVM_RPC_ALLOW_NETWORKS", "loopback"),
    ])
    .await;
    let (alice, bob) = (issuer.user_token("alice"), issuer.user_token("bob"));
    let r = app
        .send(
            Method::POST,
            "/api/alerts/channels",
            Some(&alice),
            Some(json!({"name": "Hook", "kind": "webhook", "url": "http://127.0.0.1:9/hook"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let secret = r.json()["secret"].as_str().unwrap().to_string();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    let id = r.json()["id"].as_str().unwrap().to_string();
    let stored = api::entities::alert_channels::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let sealed = stored[0].secret_encrypted.clone().unwrap();
    assert!(
        !sealed.contains(&secret[6..]),
        "the secret is stored in clear"
    );
    let listed = app.get("/api/alerts/channels", Some(&alice)).await;
    assert!(!listed.text().contains(&secret[6..]));
    assert_eq!(listed.json()[0]["has_secret"], true);

    let r = app
        .send(
            Method::POST,
            "/api/alerts/rules",
            Some(&alice),
            Some(json!({"name": "Stale", "kind": "sync_failing", "params": {"hours": 6}, "channel_ids": [id]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let rule_id = r.json()["id"].as_str().unwrap().to_string();

    for path in [
        format!("/api/alerts/channels/{id}"),
        format!("/api/alerts/rules/{rule_id}"),
    ] {
        assert_eq!(
            app.get(&path, Some(&bob)).await.status,
            StatusCode::NOT_FOUND
        );
        let r = app.send(Method::DELETE, &path, Some(&bob), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.error_code(), "not_found");
    }
    let r = app
        .send(
            Method::POST,
            &format!("/api/alerts/channels/{id}/test"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Bob cannot send his alerts to Alice's channel.
    let r = app
        .send(
            Method::POST,
            "/api/alerts/rules",
            Some(&bob),
            Some(json!({"name": "x", "kind": "sync_failing", "params": {"hours": 6}, "channel_ids": [id]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "channel_ids[0]");
    assert_eq!(
        app.get("/api/alerts/rules", Some(&bob)).await.json(),
        json!([])
    );
    assert_eq!(
        app.get("/api/alerts/history", Some(&bob)).await.json(),
        json!([])
    );
}

#[tokio::test]
async fn bad_rules_and_refused_urls_get_field_errors() {
    let app = TestApp::with_vars(&[("EVM_RPC_ALLOW_NETWORKS", "none")]).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/x",
        "http://169.254.169.254/latest",
        "http://10.0.0.2/x",
        "file:///etc/passwd",
    ] {
        let r = post(
            &app,
            "/api/alerts/channels",
            json!({"name": "h", "kind": "webhook", "url": url}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(r.error_code(), "validation_failed");
        assert_eq!(r.json()["error"]["fields"][0]["field"], "url", "{url}");
    }
    let r = post(
        &app,
        "/api/alerts/channels",
        json!({"name": "h", "kind": "pager", "url": "https://example.com/"}),
    )
    .await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "kind");
    let r = post(&app, "/api/alerts/channels", json!({"name": "n", "kind": "ntfy", "url": "https://ntfy.example.com/alerts-topic", "token": "tk_abc"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["secret"], Value::Null);
    let ch = r.json()["id"].as_str().unwrap().to_string();
    for (params, field) in [
        (json!({"hours": 0}), "params.hours"),
        (json!({"threshold_pct": "5"}), "params"),
        (
            json!({"hours": 6, "account_id": uuid::Uuid::new_v4()}),
            "params.account_id",
        ),
    ] {
        let r = post(
            &app,
            "/api/alerts/rules",
            json!({"name": "r", "kind": "sync_failing", "params": params, "channel_ids": [ch]}),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{params}");
        assert_eq!(
            r.json()["error"]["fields"][0]["field"],
            field,
            "{}",
            r.text()
        );
    }
    let r = post(&app, "/api/alerts/rules", json!({"name": "r", "kind": "price_move", "params": {"threshold_pct": "-1"}, "channel_ids": [ch]})).await;
    assert_eq!(
        r.json()["error"]["fields"][0]["field"],
        "params.threshold_pct"
    );
    let r = post(&app, "/api/alerts/rules", json!({"name": "r", "kind": "price_move", "params": {"threshold_pct": "5"}, "channel_ids": []})).await;
    assert_eq!(r.json()["error"]["fields"][0]["field"], "channel_ids");
}

#[tokio::test]
async fn a_test_send_is_signed_and_a_replayed_request_is_refused_by_the_receiver() {
    let app = TestApp::local().await;
    let (receiver, channel) = webhook(&app, false).await;
    let r = post(
        &app,
        &format!("/api/alerts/channels/{channel}/test"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["delivered"], true, "{}", r.text());
    let seen = receiver.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].accepted, "the receiver refused the signature");
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["type"], "alert.test");
    assert!(body["link"]
        .as_str()
        .unwrap()
        .starts_with("http://localhost:3001/alerts?alert="));
    assert_eq!(
        seen[0].headers["idempotency-key"].to_str().unwrap(),
        body["delivery"]["idempotency_key"].as_str().unwrap()
    );

    // The same request sent again (a replay) is refused; so is a changed body.
    let client = reqwest::Client::new();
    let url = app
        .get(&format!("/api/alerts/channels/{channel}"), None)
        .await
        .json()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let resend = |body: Vec<u8>| {
        let mut req = client.post(&url).body(body);
        for h in [
            "x-butler-timestamp",
            "x-butler-signature",
            "idempotency-key",
            "content-type",
        ] {
            req = req.header(h, seen[0].headers[h].clone());
        }
        req.send()
    };
    assert_eq!(resend(seen[0].body.clone()).await.unwrap().status(), 409);
    let mut tampered = seen[0].body.clone();
    tampered.extend_from_slice(b" ");
    assert_eq!(resend(tampered).await.unwrap().status(), 401);

    let h = history(&app).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["state"], "test");
    assert_eq!(statuses(&h[0]), ["delivered"]);
}

#[tokio::test]
async fn an_account_failing_to_sync_alerts_once_through_retries_and_then_clears() {
    let app = TestApp::with_vars(&[("ALERT_RETRY_BASE_MS", "20")]).await;
    let (receiver, channel) = webhook(&app, false).await;
    let account = okx_account(&app).await;
    rule(
        &app,
        "sync_failing",
        json!({"hours": 2, "account_id": account}),
        &[&channel],
    )
    .await;
    app.fakes
        .exchange
        .fail_with(Some(ConnectorError::Timeout { provider: "okx" }));

    // Failing, but for less than 2 hours: nothing.
    assert_eq!(sync(&app, &account).await["last_sync_status"], "error");
    assert!(history(&app).await.is_empty());

    // Failing for 3 hours: one alert, through a receiver that fails 3 times first.
    *receiver.fail_first.lock().unwrap() = 3;
    age_account(&app, &account, 3).await;
    sync(&app, &account).await;
    let h = history(&app).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(h[0]["data"]["account_name"], "My OKX");
    assert_eq!(statuses(&h[0]), ["failed", "failed", "failed", "delivered"]);
    let seen = receiver.seen();
    assert_eq!(seen.len(), 4);
    assert_eq!(
        receiver.accepted().len(),
        1,
        "exactly one delivery is accepted"
    );
    let keys: HashSet<_> = seen
        .iter()
        .map(|s| s.headers["idempotency-key"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        keys.len(),
        1,
        "every attempt carries the same idempotency key"
    );

    // Still failing: no second alert.
    sync(&app, &account).await;
    assert_eq!(history(&app).await.len(), 1);

    // Fixed: one "cleared" alert.
    app.fakes.exchange.fail_with(None);
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    let h = history(&app).await;
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["state"], "cleared");
    assert_eq!(statuses(&h[0]), ["delivered"]);
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 2);
    assert_eq!(accepted[1]["type"], "alert.cleared");
    assert_eq!(channel_status(&app, &channel).await, "ok");
}

async fn channel_status(app: &TestApp, channel: &str) -> String {
    app.get(&format!("/api/alerts/channels/{channel}"), None)
        .await
        .json()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_channel_failing_repeatedly_is_marked_failing_and_no_longer_tried() {
    let app = TestApp::with_vars(&[
        ("ALERT_RETRY_BASE_MS", "10"),
        ("ALERT_DELIVERY_ATTEMPTS", "2"),
        ("ALERT_CHANNEL_FAIL_AFTER", "2"),
    ])
    .await;
    let (receiver, channel) = webhook(&app, false).await;
    *receiver.fail_first.lock().unwrap() = usize::MAX;
    let account = okx_account(&app).await;
    let r = post(
        &app,
        "/api/alerts/rules",
        json!({"name": "Stale", "kind": "sync_failing", "params": {"hours": 1}, "channel_ids": [channel], "cooldown_secs": 0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    age_account(&app, &account, 5).await;
    let fail = |on: bool| {
        app.fakes
            .exchange
            .fail_with(on.then_some(ConnectorError::Timeout { provider: "okx" }))
    };

    // Triggered, then cleared: both exhaust their 2 attempts, and the channel is failing.
    fail(true);
    sync(&app, &account).await;
    history(&app).await;
    assert_eq!(channel_status(&app, &channel).await, "ok");
    fail(false);
    sync(&app, &account).await;
    history(&app).await;
    assert_eq!(channel_status(&app, &channel).await, "failing");
    assert_eq!(receiver.seen().len(), 4);
    let ch = app
        .get(&format!("/api/alerts/channels/{channel}"), None)
        .await
        .json();
    assert_eq!(ch["consecutive_failures"], 2);
    assert_eq!(ch["last_error"], "the receiver answered HTTP 503");

    // Triggered again (no cooldown, the account's last good sync is old): not sent, recorded as skipped.
    age_account(&app, &account, 5).await;
    app.db
        .execute_unprepared("UPDATE accounts SET last_synced_at = NULL, location_syncs = NULL")
        .await
        .unwrap();
    fail(true);
    sync(&app, &account).await;
    let h = history(&app).await;
    assert_eq!(h.len(), 3, "{h:?}");
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(statuses(&h[0]), ["skipped"]);
    assert_eq!(receiver.seen().len(), 4, "a failing channel is not tried");

    // A successful test send brings it back.
    *receiver.fail_first.lock().unwrap() = 0;
    let r = post(
        &app,
        &format!("/api/alerts/channels/{channel}/test"),
        json!({}),
    )
    .await;
    assert_eq!(r.json()["delivered"], true, "{}", r.text());
    assert_eq!(r.json()["channel"]["status"], "ok");
}

#[tokio::test]
async fn a_price_move_of_a_held_asset_alerts_after_a_price_run_and_keeps_holdings_to_private_channels(
) {
    let app = TestApp::local().await;
    let (public, public_id) = webhook(&app, false).await;
    let (private, private_id) = webhook(&app, true).await;
    let account = okx_account(&app).await;
    assert_eq!(btc_at(&app, "100").await.status, "succeeded");
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    rule(
        &app,
        "price_move",
        json!({"threshold_pct": "10"}),
        &[&public_id, &private_id],
    )
    .await;

    // No price 24 h back: unknown, nothing raised.
    assert_eq!(btc_at(&app, "120").await.status, "succeeded");
    assert!(history(&app).await.is_empty());

    let btc = api::entities::assets::Entity::find()
        .filter(api::entities::assets::Column::CoingeckoId.eq("bitcoin"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let day_ago = chrono::Utc::now() - chrono::Duration::minutes(24 * 60 + 30);
    let old = api::entities::asset_prices::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        asset_id: Set(btc.id),
        timestamp: Set(day_ago),
        price_usd: Set("100".parse().unwrap()),
        volume_24h_usd: Set(None),
        market_cap_usd: Set(None),
        rank: Set(None),
        source: Set("coingecko".into()),
        created_at: Set(day_ago),
    }
    .insert(&app.db)
    .await
    .unwrap();

    assert_eq!(btc_at(&app, "125").await.status, "succeeded");
    let h = history(&app).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(h[0]["data"]["symbol"], "BTC");
    assert_eq!(h[0]["data"]["change_pct"], "25");
    assert_eq!(statuses(&h[0]), ["delivered", "delivered"]);
    let to_private = &private.accepted()[0];
    assert_eq!(to_private["private"]["quantity"], "2");
    assert_eq!(to_private["private"]["value_usd"], "250");
    let to_public = &public.accepted()[0];
    assert_eq!(to_public["data"]["change_pct"], "25");
    assert!(to_public.get("private").is_none(), "{to_public}");
    let text = to_public.to_string();
    assert!(
        !text.contains("quantity") && !text.contains("value_usd"),
        "{text}"
    );

    // Still up 25 %: nothing new. Back within 10 %: cleared.
    assert_eq!(btc_at(&app, "125").await.status, "succeeded");
    assert_eq!(history(&app).await.len(), 1);
    let mut am: api::entities::asset_prices::ActiveModel = old.into();
    am.price_usd = Set("120".parse().unwrap());
    am.update(&app.db).await.unwrap();
    assert_eq!(btc_at(&app, "125").await.status, "succeeded");
    let h = history(&app).await;
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["state"], "cleared");
    assert_eq!(public.accepted()[1]["type"], "alert.cleared");
}

#[tokio::test]
async fn a_portfolio_drifting_out_of_band_alerts_after_a_price_run_and_clears() {
    let app = TestApp::local().await;
    let (receiver, channel) = webhook(&app, false).await;
    let account = okx_account(&app).await;
    app.fakes.exchange.set_balances(vec![
        balance("BTC", ExchangeLocation::Trading, Decimal::from(2), None),
        balance("USDT", ExchangeLocation::Trading, Decimal::from(200), None),
    ]);
    assert_eq!(btc_at(&app, "100").await.status, "succeeded");
    let r = post(
        &app,
        "/api/portfolios",
        json!({"name": "Main", "target_allocation": [
            {"asset": "BTC", "target_pct": "50"}, {"asset": "USDT", "target_pct": "50"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let portfolio = r.json()["id"].as_str().unwrap().to_string();
    let r = post(
        &app,
        &format!("/api/portfolios/{portfolio}/accounts"),
        json!({"account_id": account}),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
    rule(
        &app,
        "drift",
        json!({"portfolio_id": portfolio}),
        &[&channel],
    )
    .await;

    // 50 / 50 after the sync: within the bands.
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    assert!(history(&app).await.is_empty());

    // BTC triples: 75 % against a 50 % target.
    assert_eq!(btc_at(&app, "300").await.status, "succeeded");
    let h = history(&app).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(h[0]["data"]["lines"][0]["symbol"], "BTC");
    assert_eq!(h[0]["data"]["lines"][0]["current_pct"], "75");
    let sent = &receiver.accepted()[0];
    let text = sent.to_string();
    assert!(
        sent.get("private").is_none() && !text.contains("quantity") && !text.contains("value_usd"),
        "{text}"
    );

    // Back to 50 / 50.
    assert_eq!(btc_at(&app, "100").await.status, "succeeded");
    let h = history(&app).await;
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["state"], "cleared");
}

/// What an ntfy stand-in received: headers and JSON body of each publish.
type Published = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

#[tokio::test]
async fn an_ntfy_channel_publishes_the_alert_as_json_with_its_token() {
    let app = TestApp::local().await;
    let seen: Published = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = axum::Router::new()
        .route(
            "/",
            axum::routing::post(
                |State(seen): State<Published>,
                 headers: HeaderMap,
                 axum::Json(body): axum::Json<Value>| async move {
                    seen.lock().unwrap().push((headers, body));
                    StatusCode::OK
                },
            ),
        )
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, server).await.unwrap() });
    let r = post(
        &app,
        "/api/alerts/channels",
        json!({"name": "Phone", "kind": "ntfy", "url": format!("http://{addr}/butler-alerts"), "token": "tk_secret_1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert!(!r.text().contains("tk_secret_1"));
    let channel = r.json()["id"].as_str().unwrap().to_string();
    let r = post(
        &app,
        &format!("/api/alerts/channels/{channel}/test"),
        json!({}),
    )
    .await;
    assert_eq!(r.json()["delivered"], true, "{}", r.text());
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (headers, body) = &seen[0];
    assert_eq!(headers["authorization"], "Bearer tk_secret_1");
    assert_eq!(body["topic"], "butler-alerts");
    assert_eq!(body["title"], "Test alert for Phone");
    assert!(body["click"].as_str().unwrap().contains("/alerts?alert="));
}

#[tokio::test]
async fn a_portfolio_missing_from_the_end_of_day_snapshot_alerts_and_clears_when_it_is_taken() {
    let app = TestApp::local().await;
    let (receiver, channel) = webhook(&app, false).await;
    let account = okx_account(&app).await;
    let r = post(&app, "/api/portfolios", json!({"name": "Main"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let portfolio = r.json()["id"].as_str().unwrap().to_string();
    let r = post(
        &app,
        &format!("/api/portfolios/{portfolio}/accounts"),
        json!({"account_id": account}),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
    rule(
        &app,
        "snapshot_failed",
        json!({"portfolio_id": null}),
        &[&channel],
    )
    .await;
    let eod = || jobs::run_to_end(&app.state, "eod-snapshot", Trigger::Manual);

    // Its only account was never read: no snapshot, one alert.
    assert_eq!(eod().await.unwrap().status, "succeeded");
    let h = history(&app).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(h[0]["data"]["portfolio_id"], portfolio.as_str());
    assert!(h[0]["message"]
        .as_str()
        .unwrap()
        .contains("none of its accounts has been read"));
    assert_eq!(eod().await.unwrap().status, "succeeded");
    assert_eq!(
        history(&app).await.len(),
        1,
        "a snapshot that keeps failing alerts once"
    );

    // Read now: the next snapshot is taken, and the alert clears.
    btc_at(&app, "100").await;
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    assert_eq!(eod().await.unwrap().status, "succeeded");
    let h = history(&app).await;
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["state"], "cleared");
    assert_eq!(receiver.accepted()[1]["type"], "alert.cleared");
}

#[tokio::test]
async fn channels_and_rules_can_be_edited_and_deleted() {
    let app = TestApp::local().await;
    let (_receiver, channel) = webhook(&app, false).await;
    let rule_id = rule(
        &app,
        "price_move",
        json!({"threshold_pct": "10"}),
        &[&channel],
    )
    .await;
    let path = format!("/api/alerts/rules/{rule_id}");
    let r = app
        .send(
            Method::PUT,
            &path,
            None,
            Some(
                json!({"name": "Big", "kind": "price_move", "params": {"threshold_pct": "20.5"},
                        "channel_ids": [channel], "cooldown_secs": 60, "enabled": false}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let got = app.get(&path, None).await.json();
    assert_eq!(got["params"]["threshold_pct"], "20.5");
    assert_eq!(got["cooldown_secs"], 60);
    assert_eq!(got["enabled"], false);

    let cpath = format!("/api/alerts/channels/{channel}");
    let r = app
        .send(
            Method::PUT,
            &cpath,
            None,
            Some(json!({"name": "Renamed", "url": "ftp://x/", "private": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let url = app.get(&cpath, None).await.json()["url"].clone();
    let r = app
        .send(
            Method::PUT,
            &cpath,
            None,
            Some(json!({"name": "Renamed", "url": url, "private": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["private"], true);
    assert_eq!(
        r.json()["has_secret"],
        true,
        "an edit keeps the webhook's secret"
    );

    assert_eq!(
        app.send(Method::DELETE, &path, None, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.send(Method::DELETE, &cpath, None, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/alerts/channels", None).await.json(),
        json!([])
    );
}

#[tokio::test]
async fn health_factor_and_outflow_rules_get_field_errors() {
    let app = TestApp::local().await;
    let (_receiver, ch) = webhook(&app, false).await;
    let exchange = okx_account(&app).await;
    let r = post(
        &app,
        "/api/accounts",
        json!({"name": "Cold", "account_type": "manual"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let manual = r.json()["id"].as_str().unwrap().to_string();
    let nobody = uuid::Uuid::new_v4().to_string();
    for (kind, params, field) in [
        (
            "health_factor",
            json!({"threshold": "0"}),
            "params.threshold",
        ),
        (
            "health_factor",
            json!({"threshold": "-1.5"}),
            "params.threshold",
        ),
        ("health_factor", json!({"threshold": "abc"}), "params"),
        ("health_factor", json!({}), "params"),
        (
            "health_factor",
            json!({"threshold": "1.5", "account_id": exchange}),
            "params.account_id",
        ),
        (
            "health_factor",
            json!({"threshold": "1.5", "account_id": nobody}),
            "params.account_id",
        ),
        ("outflow", json!({"min_amount_usd": "100"}), "params"),
        (
            "outflow",
            json!({"account_id": exchange, "min_amount_usd": "0"}),
            "params.min_amount_usd",
        ),
        (
            "outflow",
            json!({"account_id": nobody, "min_amount_usd": "100"}),
            "params.account_id",
        ),
        (
            "outflow",
            json!({"account_id": manual, "min_amount_usd": "100"}),
            "params.account_id",
        ),
    ] {
        let r = post(
            &app,
            "/api/alerts/rules",
            json!({"name": "r", "kind": kind, "params": params, "channel_ids": [ch]}),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind} {params}"
        );
        assert_eq!(r.error_code(), "validation_failed");
        assert_eq!(
            r.json()["error"]["fields"][0]["field"],
            field,
            "{kind} {params}: {}",
            r.text()
        );
    }
    // Well-formed: stored as given, decimals as strings.
    let id = rule(
        &app,
        "outflow",
        json!({"account_id": exchange, "min_amount_usd": "250.50"}),
        &[&ch],
    )
    .await;
    let got = app
        .get(&format!("/api/alerts/rules/{id}"), None)
        .await
        .json();
    assert_eq!(got["params"]["min_amount_usd"], "250.50");
    let id = rule(&app, "health_factor", json!({"threshold": "1.5"}), &[&ch]).await;
    let got = app
        .get(&format!("/api/alerts/rules/{id}"), None)
        .await
        .json();
    assert_eq!(
        got["params"],
        json!({"threshold": "1.5", "account_id": null})
    );
}

#[tokio::test]
async fn a_manual_snapshot_alerts_when_it_cannot_be_taken_and_clears_when_it_is() {
    let app = TestApp::local().await;
    let (receiver, channel) = webhook(&app, false).await;
    let account = okx_account(&app).await;
    let mut portfolios = Vec::new();
    for name in ["Main", "Other"] {
        let r = post(&app, "/api/portfolios", json!({"name": name})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        portfolios.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let portfolio = portfolios[0].clone();
    let r = post(
        &app,
        &format!("/api/portfolios/{portfolio}/accounts"),
        json!({"account_id": account}),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text());
    rule(
        &app,
        "snapshot_failed",
        json!({"portfolio_id": null}),
        &[&channel],
    )
    .await;
    let path = format!("/api/portfolios/{portfolio}/snapshots");
    let snapshot = || post(&app, &path, json!({}));

    // Its only account was never read: refused, and one alert about this portfolio only.
    let r = snapshot().await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "nothing_valued");
    let h = history(&app).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["kind"], "snapshot_failed");
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(h[0]["data"]["portfolio_id"], portfolio.as_str());
    assert_eq!(h[0]["data"]["manual"], true);
    let message = h[0]["message"].as_str().unwrap();
    assert!(
        message.contains("manual snapshot") && message.contains("none of its accounts"),
        "{message}"
    );
    assert_eq!(snapshot().await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        history(&app).await.len(),
        1,
        "a refusal that repeats alerts once"
    );

    // Read now: taken, and the alert clears.
    btc_at(&app, "100").await;
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    assert_eq!(snapshot().await.status, StatusCode::CREATED);
    let h = history(&app).await;
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[0]["state"], "cleared");
    assert_eq!(h[0]["subject"], portfolio.as_str());
    let types: Vec<Value> = receiver
        .accepted()
        .iter()
        .map(|b| b["type"].clone())
        .collect();
    assert_eq!(types, [json!("alert.triggered"), json!("alert.cleared")]);
}

/// ERC-20 `transfer(to, amount)` calldata.
fn transfer_call(to: &str, amount: alloy::primitives::U256) -> String {
    let to: alloy::primitives::Address = to.parse().unwrap();
    let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
    data.extend_from_slice(&[0u8; 12]);
    data.extend_from_slice(to.as_slice());
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    alloy::hex::encode_prefixed(data)
}

/// `n` whole tokens of 18 decimals.
fn tokens(n: u64) -> alloy::primitives::U256 {
    alloy::primitives::U256::from(n)
        * alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18))
}

/// Points the `ethereum` chain at `url`.
async fn chain_rpc(app: &TestApp, url: &str) {
    use sea_orm::sea_query::Expr;
    api::entities::evm_chains::Entity::update_many()
        .col_expr(api::entities::evm_chains::Column::RpcUrl, Expr::value(url))
        .filter(api::entities::evm_chains::Column::ChainName.eq("ethereum"))
        .exec(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_token_transfer_out_of_an_anvil_wallet_alerts_once_with_the_amount_only_to_private_channels(
) {
    use crate::anvil::{Anvil, DEV_ACCOUNT};
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let token = anvil
        .deploy_named_token(18, "Butler Test Token", "BTT")
        .await;
    anvil.mint(&token, DEV_ACCOUNT, tokens(1000)).await;
    let app = crate::discovery::app_on(&anvil, &[]).await;
    crate::discovery::catalog_asset(&app, "BTT", "Butler Test Token", 50, &token, "2").await;
    let (private_rx, private_ch) = webhook(&app, true).await;
    let (public_rx, public_ch) = webhook(&app, false).await;
    let account = crate::discovery::wallet(&app, DEV_ACCOUNT, None).await;
    rule(
        &app,
        "outflow",
        json!({"account_id": account, "min_amount_usd": "100"}),
        &[&private_ch, &public_ch],
    )
    .await;
    let thief = "0x000000000000000000000000000000000000dead";

    // The first read has nothing to compare with.
    let a = sync(&app, &account).await;
    assert_eq!(a["last_sync_status"], "ok", "{a:#}");
    assert!(
        a["holdings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["symbol"] == "BTT" && h["quantity"] == "1000"),
        "{a:#}"
    );
    assert!(history(&app).await.is_empty());

    // 60 BTT ($120) leave: one alert; the amount only to the private channel.
    anvil
        .send(Some(&token), &transfer_call(thief, tokens(60)))
        .await;
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    let h = history(&app).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["kind"], "outflow");
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(h[0]["data"]["account_id"], account.as_str());
    assert_eq!(h[0]["data"]["min_amount_usd"], "100");
    let private = private_rx.accepted();
    assert_eq!(private.len(), 1);
    let assets = private[0]["private"]["assets"].as_array().unwrap();
    assert_eq!(
        assets.len(),
        1,
        "the gas paid in unpriced ETH is not counted: {assets:?}"
    );
    assert_eq!(assets[0]["symbol"], "BTT");
    assert_eq!(assets[0]["quantity"], "60");
    assert_eq!(assets[0]["quantity_after"], "940");
    assert_eq!(assets[0]["value_usd"], "120");
    assert_eq!(private[0]["private"]["total_value_usd"], "120");
    let public = public_rx.seen();
    assert_eq!(public.len(), 1);
    let text = String::from_utf8(public[0].body.clone()).unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert!(body.get("private").is_none(), "{text}");
    // (Not a bare substring: "940" turns up in random ids and times, e.g. "16:34:53.940015Z".)
    assert!(!text.contains("BTT") && !text.contains("\"940\""), "{text}");
    for field in ["title", "message"] {
        let words = body[field].as_str().unwrap();
        assert!(!words.contains("940"), "{field}: {words}");
    }
    assert!(
        body["title"]
            .as_str()
            .unwrap()
            .contains("an outflow above your threshold from"),
        "{text}"
    );

    // Syncing again sees no new fall; 10 BTT ($20) is below the threshold.
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    anvil
        .send(Some(&token), &transfer_call(thief, tokens(10)))
        .await;
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    assert_eq!(history(&app).await.len(), 1, "no alert below the threshold");

    // 200 BTT leave while the RPC is down: a failed read is no outflow...
    anvil
        .send(Some(&token), &transfer_call(thief, tokens(200)))
        .await;
    let dead = format!("http://127.0.0.1:{}", crate::anvil::free_port());
    chain_rpc(&app, &dead).await;
    assert_eq!(sync(&app, &account).await["last_sync_status"], "error");
    assert_eq!(history(&app).await.len(), 1, "a failed read raises nothing");
    // ...and the next good read sees the fall since the last good one.
    chain_rpc(&app, &anvil.url).await;
    assert_eq!(sync(&app, &account).await["last_sync_status"], "ok");
    let h = history(&app).await;
    assert_eq!(h.len(), 2, "{h:?}");
    let private = private_rx.accepted();
    assert_eq!(private[1]["private"]["assets"][0]["quantity"], "200");
    assert_eq!(private[1]["private"]["assets"][0]["quantity_before"], "930");
    assert_eq!(private[1]["private"]["total_value_usd"], "400");
    assert_eq!(public_rx.accepted().len(), 2);
}

/// The web's form offers the rule and channel kinds the OpenAPI document lists: they are the
/// kinds the API accepts, so a kind added to the API reaches the web's generated types.
#[test]
fn the_openapi_document_lists_the_rule_and_channel_kinds_the_api_accepts() {
    use utoipa::OpenApi;
    let doc: Value =
        serde_json::from_str(&api::openapi::ApiDoc::openapi().to_json().unwrap()).unwrap();
    let listed = |schema: &str| -> Vec<String> {
        doc["components"]["schemas"][schema]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} lists no values"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(listed("AlertRuleKind"), api::alerts::rules::KINDS);
    assert_eq!(listed("AlertChannelKind"), api::alerts::channels::KINDS);
    let rule = &doc["components"]["schemas"]["RuleRequest"]["properties"]["kind"]["$ref"];
    assert_eq!(rule, "#/components/schemas/AlertRuleKind");
    let channel =
        &doc["components"]["schemas"]["CreateChannelRequest"]["properties"]["kind"]["$ref"];
    assert_eq!(channel, "#/components/schemas/AlertChannelKind");
}
