//! Exchange history by API (issue 27): the real Binance client against the signature-checking
//! fake Binance answering its history endpoints in the documented shapes, through
//! `POST /api/accounts/{id}/history/sync`: every kind imported with paging and Binance's
//! windows (requests counted), a second run adding nothing and asking only for what is new,
//! a failing endpoint leaving the other kinds imported, and another user's account not found.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::binance_connector::client;
use crate::fake_binance::{BinanceHistory, FakeBinance, FakeKey, Reply, Seen, DOC_KEY, DOC_SECRET};
use crate::helpers::{TestApp, TestResponse};
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

const DAY_MS: i64 = 86_400_000;
const DEPOSITS: &str = "/sapi/v1/capital/deposit/hisrec";
const WITHDRAWALS: &str = "/sapi/v1/capital/withdraw/history";
const CONVERTS: &str = "/sapi/v1/convert/tradeFlow";
const REWARDS: &str = "/sapi/v1/simple-earn/flexible/history/rewardsRecord";
const MY_TRADES: &str = "/api/v3/myTrades";
const EXCHANGE_INFO: &str = "/api/v3/exchangeInfo";

fn apply_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn trade(
    id: i64,
    at: i64,
    buyer: bool,
    qty: &str,
    quote: &str,
    fee: &str,
    fee_asset: &str,
) -> Value {
    json!({"symbol": "", "id": id, "orderId": id * 10, "orderListId": -1, "price": "0", "qty": qty,
           "quoteQty": quote, "commission": fee, "commissionAsset": fee_asset, "time": at,
           "isBuyer": buyer, "isMaker": false, "isBestMatch": true})
}

/// An account's history, `now` being the test's start (ms): three deposits in the first
/// 90-day window (two pages of two), one of AXS (not in the catalog) and one pending; a
/// withdrawal with its fee and a cancelled one; Convert trades that overflow one window's page
/// (`moreData`); rewards of USDT, SOL and BTC; spot trades of BTCUSDT (two pages) and ETHBTC.
fn history(now: i64) -> BinanceHistory {
    let ago = |days: i64| now - days * DAY_MS;
    BinanceHistory {
        deposits: vec![
            json!({"id": "d-1", "amount": "0.5", "coin": "BTC", "network": "BTC", "status": 1,
                   "address": "bc1q", "addressTag": "", "txId": "tx1", "insertTime": ago(190),
                   "transferType": 0, "confirmTimes": "2/2", "unlockConfirm": 2, "walletType": 0}),
            json!({"id": "d-2", "amount": "1000", "coin": "USDT", "network": "ETH", "status": 1,
                   "txId": "tx2", "insertTime": ago(185), "walletType": 0}),
            json!({"id": "d-3", "amount": "2.000000000000000001", "coin": "ETH", "network": "ETH",
                   "status": 1, "txId": "tx3", "insertTime": ago(180), "walletType": 0}),
            json!({"id": "d-4", "amount": "10", "coin": "AXS", "network": "ETH", "status": 1,
                   "txId": "tx4", "insertTime": ago(50), "walletType": 0}),
            json!({"id": "d-5", "amount": "0.1", "coin": "BTC", "network": "BTC", "status": 0,
                   "txId": "tx5", "insertTime": ago(10), "walletType": 0}),
        ],
        withdrawals: vec![
            json!({"id": "w-1", "amount": "100", "transactionFee": "1", "coin": "USDT",
                   "status": 6, "address": "0x94df", "txId": "0xb5ef", "applyTime": apply_time(ago(100)),
                   "network": "ETH", "transferType": 0, "walletType": 1}),
            json!({"id": "w-2", "amount": "5", "transactionFee": "1", "coin": "USDT",
                   "status": 1, "address": "0x94df", "txId": "", "applyTime": apply_time(ago(30)),
                   "network": "ETH", "transferType": 0, "walletType": 1}),
        ],
        converts: vec![
            json!({"quoteId": "q1", "orderId": 940708407462087195_i64, "orderStatus": "SUCCESS",
                   "fromAsset": "USDT", "fromAmount": "20", "toAsset": "BNB", "toAmount": "0.06154036",
                   "ratio": "0.00307702", "inverseRatio": "324.99", "createTime": ago(75)}),
            json!({"quoteId": "q2", "orderId": 940708407462087196_i64, "orderStatus": "FAIL",
                   "fromAsset": "USDT", "fromAmount": "20", "toAsset": "BNB", "toAmount": "0.06",
                   "ratio": "0.003", "inverseRatio": "333", "createTime": ago(74)}),
            json!({"quoteId": "q3", "orderId": 940708407462087197_i64, "orderStatus": "SUCCESS",
                   "fromAsset": "BNB", "fromAmount": "0.01", "toAsset": "USDT", "toAmount": "3.2",
                   "ratio": "320", "inverseRatio": "0.003125", "createTime": ago(56)}),
            json!({"quoteId": "q4", "orderId": 940708407462087198_i64, "orderStatus": "SUCCESS",
                   "fromAsset": "USDT", "fromAmount": "10", "toAsset": "ETH", "toAmount": "0.004",
                   "ratio": "0.0004", "inverseRatio": "2500", "createTime": ago(55)}),
        ],
        rewards: vec![
            json!({"asset": "USDT", "rewards": "0.00687654", "projectId": "USDT001", "type": "REALTIME", "time": ago(150)}),
            json!({"asset": "SOL", "rewards": "0.01", "projectId": "SOL001", "type": "BONUS", "time": ago(149)}),
            json!({"asset": "BTC", "rewards": "0.00001", "projectId": "BTC001", "type": "REALTIME", "time": ago(5)}),
        ],
        symbols: vec![
            ("BTCUSDT", "BTC", "USDT"),
            ("ETHUSDT", "ETH", "USDT"),
            ("ETHBTC", "ETH", "BTC"),
            ("BNBUSDT", "BNB", "USDT"),
            ("SOLUSDT", "SOL", "USDT"),
            ("XRPUSDT", "XRP", "USDT"),
        ],
        trades: vec![
            (
                "BTCUSDT",
                trade(11, ago(170), true, "0.01", "400", "0.00001", "BTC"),
            ),
            (
                "BTCUSDT",
                trade(12, ago(160), false, "0.005", "210", "0.21", "USDT"),
            ),
            (
                "BTCUSDT",
                trade(13, ago(20), true, "0.001", "42", "0.0005", "BNB"),
            ),
            ("ETHBTC", trade(5, ago(120), true, "1", "0.05", "0", "ETH")),
        ],
    }
}

fn binance_body() -> Value {
    json!({"name": "My Binance", "account_type": "exchange", "exchange_name": "binance",
           "api_key": DOC_KEY, "api_secret": DOC_SECRET})
}

/// A fake Binance with this history whose answers `fail` may replace.
async fn fake_with(
    history: BinanceHistory,
    fail: impl Fn(&Seen) -> Option<Reply> + Send + Sync + 'static,
) -> FakeBinance {
    FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 354_937_868)],
        None,
        move |seen, _| fail(seen).or_else(|| history.answer(seen)),
    )
    .await
}

async fn app_on(fake: &FakeBinance, vars: &[(&str, &str)]) -> TestApp {
    TestApp::with_exchange_and_vars(Arc::new(client(fake).with_history_page_size(2)), vars).await
}

/// A Binance account, synced once (its holdings are the assets whose pairs are read).
async fn account(app: &TestApp, token: Option<&str>) -> String {
    let r = app
        .send(Method::POST, "/api/accounts", token, Some(binance_body()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/sync"),
            token,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    id
}

fn since_param(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn sync_history(app: &TestApp, id: &str, since: &str) -> TestResponse {
    app.send(
        Method::POST,
        &format!("/api/accounts/{id}/history/sync?since={since}"),
        None,
        None,
    )
    .await
}

fn kind<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

fn added(report: &Value, name: &str) -> u64 {
    kind(report, name)["added"].as_u64().unwrap()
}

fn param(s: &Seen, name: &str) -> i64 {
    s.param(name).unwrap().parse().unwrap()
}

async fn entries(app: &TestApp, id: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/api/ledger/entries?account_id={id}&limit=500"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["entries"].as_array().unwrap().clone()
}

fn by_external<'a>(list: &'a [Value], external: &str) -> &'a Value {
    list.iter()
        .find(|e| e["external_id"] == external)
        .unwrap_or_else(|| panic!("no {external}"))
}

fn side(e: &Value, field: &str) -> (String, String) {
    (
        e[field]["symbol"].as_str().unwrap().to_string(),
        e[field]["quantity"].as_str().unwrap().to_string(),
    )
}

fn pair(symbol: &str, q: &str) -> (String, String) {
    (symbol.to_string(), q.to_string())
}

#[tokio::test]
async fn binance_history_imports_every_kind_in_windows_and_pages_and_a_second_run_asks_only_for_what_is_new(
) {
    let now = Utc::now().timestamp_millis();
    let fake = fake_with(history(now), |_| None).await;
    let app = app_on(&fake, &[]).await;
    let id = account(&app, None).await;
    let since_ms = (now - 200 * DAY_MS) / 1000 * 1000;
    let since = since_param(since_ms);

    let r = sync_history(&app, &id, &since).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    assert_eq!(report["source"], "binance");
    assert_eq!(added(&report, "deposits"), 3, "{report}");
    assert_eq!(added(&report, "withdrawals"), 1, "{report}");
    assert_eq!(added(&report, "converts"), 3, "{report}");
    assert_eq!(added(&report, "rewards"), 3, "{report}");
    assert_eq!(added(&report, "trades"), 4, "{report}");
    for k in report["kinds"].as_array().unwrap() {
        assert!(k["failed"].as_array().unwrap().is_empty(), "{report}");
    }
    // AXS is not in the catalog: reported, not stored, and read again next time.
    let unresolved = report["unresolved"].as_array().unwrap();
    assert_eq!(unresolved.len(), 1, "{report}");
    assert_eq!(unresolved[0]["external_id"], "deposit:d-4");
    assert!(unresolved[0]["reason"].as_str().unwrap().contains("AXS"));

    // Windows: 200 days are three deposit windows of less than 90 days (the first in two
    // pages of two), three of withdrawals (the second in two pages), seven Convert windows of 30 days (one cut by
    // `moreData` and read again in halves), three reward windows (the first in two pages).
    let deposits = fake.seen_on(DEPOSITS);
    assert_eq!(deposits.len(), 4);
    assert_eq!(param(&deposits[0], "startTime"), since_ms);
    assert_eq!(deposits[1].param("offset").as_deref(), Some("2"));
    for s in deposits.iter().chain(&fake.seen_on(WITHDRAWALS)) {
        assert!(param(s, "endTime") - param(s, "startTime") < 90 * DAY_MS);
        assert_eq!(s.auth, Ok(()));
    }
    assert_eq!(fake.seen_on(WITHDRAWALS).len(), 4);
    let converts = fake.seen_on(CONVERTS);
    assert_eq!(converts.len(), 9);
    assert!(converts
        .iter()
        .all(|s| param(s, "endTime") - param(s, "startTime") < 30 * DAY_MS));
    assert_eq!(fake.seen_on(REWARDS).len(), 4);
    assert_eq!(kind(&report, "deposits")["requests"], 4);
    assert_eq!(kind(&report, "converts")["requests"], 9);
    // Trades: the pairs of assets held or seen (BTC, USDT, ETH, BNB held; SOL from a reward),
    // not XRPUSDT; BTCUSDT in two pages.
    assert_eq!(fake.seen_on(EXCHANGE_INFO).len(), 1);
    let trades = fake.seen_on(MY_TRADES);
    let mut symbols: Vec<String> = trades.iter().map(|s| s.param("symbol").unwrap()).collect();
    symbols.dedup();
    assert_eq!(
        symbols,
        ["BNBUSDT", "BTCUSDT", "ETHBTC", "ETHUSDT", "SOLUSDT"]
    );
    assert_eq!(trades.len(), 6);
    assert!(trades
        .iter()
        .all(|s| s.param("fromId").as_deref() == Some("0")
            || s.param("fromId").as_deref() == Some("13")));

    let list = entries(&app, &id).await;
    assert_eq!(list.len(), 14);
    assert!(list.iter().all(|e| e["source"] == "binance"));
    let buy = by_external(&list, "trade:BTCUSDT:11");
    assert_eq!(buy["kind"], "trade");
    assert_eq!(side(buy, "sent"), pair("USDT", "400"));
    assert_eq!(side(buy, "received"), pair("BTC", "0.01"));
    assert_eq!(side(buy, "fee"), pair("BTC", "0.00001"));
    assert!(
        buy["value_usd"].is_null(),
        "a USDT quote is not dollars: no value is guessed"
    );
    let sale = by_external(&list, "trade:BTCUSDT:12");
    assert_eq!(side(sale, "sent"), pair("BTC", "0.005"));
    assert_eq!(side(sale, "received"), pair("USDT", "210"));
    assert_eq!(side(sale, "fee"), pair("USDT", "0.21"));
    assert!(by_external(&list, "trade:ETHBTC:5")["fee"].is_null());
    let w = by_external(&list, "withdrawal:w-1");
    assert_eq!(
        (side(w, "sent"), side(w, "fee")),
        (pair("USDT", "100"), pair("USDT", "1"))
    );
    assert_eq!(
        side(by_external(&list, "deposit:d-3"), "received"),
        pair("ETH", "2.000000000000000001")
    );
    let c = by_external(&list, "convert:940708407462087195");
    assert_eq!(
        (side(c, "sent"), side(c, "received")),
        (pair("USDT", "20"), pair("BNB", "0.06154036"))
    );
    let reward = list
        .iter()
        .find(|e| e["kind"] == "income" && e["received"]["symbol"] == "SOL")
        .unwrap();
    assert_eq!(reward["income_kind"], "interest");
    assert_eq!(
        app.count("ledger_entries", "external_id = 'withdrawal:w-2'")
            .await,
        0
    );
    assert_eq!(
        app.count("ledger_entries", "external_id = 'deposit:d-5'")
            .await,
        0
    );

    // A second run adds nothing and asks only for what is new: deposits from the unresolved
    // AXS deposit on, one window each, every pair from the id after the last one read.
    let before = fake.seen().len();
    let r = sync_history(&app, &id, &since).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let again = r.json();
    for k in ["deposits", "withdrawals", "converts", "rewards", "trades"] {
        assert_eq!(added(&again, k), 0, "{again}");
    }
    let seen: Vec<Seen> = fake.seen().into_iter().skip(before).collect();
    let on = |path: &str| {
        seen.iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect::<Vec<_>>()
    };
    // One window from the AXS deposit on; it and the pending one fill a page of two.
    assert_eq!(on(DEPOSITS).len(), 2);
    assert_eq!(param(&on(DEPOSITS)[0], "startTime"), now - 50 * DAY_MS);
    for path in [WITHDRAWALS, CONVERTS, REWARDS] {
        let s = on(path);
        assert_eq!(s.len(), 1, "{path}");
        assert!(
            param(&s[0], "startTime") > now,
            "{path} starts after the first run"
        );
    }
    let trades = on(MY_TRADES);
    assert_eq!(trades.len(), 5);
    let from = |sym: &str| {
        trades
            .iter()
            .find(|s| s.param("symbol").as_deref() == Some(sym))
            .unwrap()
            .param("fromId")
            .unwrap()
    };
    assert_eq!(from("BTCUSDT"), "14");
    assert_eq!(from("ETHBTC"), "6");
    assert_eq!(entries(&app, &id).await.len(), 14);
}

#[tokio::test]
async fn a_failing_binance_history_endpoint_leaves_the_other_kinds_imported_and_the_balances_synced(
) {
    let now = Utc::now().timestamp_millis();
    let failing = Arc::new(AtomicBool::new(true));
    let f = failing.clone();
    let fake = fake_with(history(now), move |seen| {
        (f.load(Ordering::SeqCst) && seen.path == WITHDRAWALS).then(|| {
            Reply::code(
                400,
                -1000,
                "An unknown error occurred while processing the request.",
            )
        })
    })
    .await;
    let app = app_on(&fake, &[]).await;
    let id = account(&app, None).await;
    let since = since_param((now - 200 * DAY_MS) / 1000 * 1000);

    let r = sync_history(&app, &id, &since).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let report = r.json();
    let w = kind(&report, "withdrawals");
    assert_eq!(w["added"], 0);
    assert_eq!(w["failed"][0]["part"], "withdrawals", "{report}");
    assert!(w["failed"][0]["reason"].as_str().unwrap().contains("-1000"));
    assert!(!report.to_string().contains(DOC_SECRET) && !report.to_string().contains(DOC_KEY));
    assert_eq!(added(&report, "deposits"), 3);
    assert_eq!(added(&report, "trades"), 4);
    assert_eq!(entries(&app, &id).await.len(), 13);
    assert_eq!(app.count("ledger_cursors", "kind = 'withdrawals'").await, 0);
    // The balances still sync.
    let r = app
        .send(
            Method::POST,
            &format!("/api/accounts/{id}/sync"),
            None,
            None,
        )
        .await;
    assert_eq!(r.json()["last_sync_status"], "ok", "{}", r.text());

    // Once it answers, the withdrawals come from the start; nothing else is added twice.
    failing.store(false, Ordering::SeqCst);
    let before = fake.seen_on(WITHDRAWALS).len();
    let again = sync_history(&app, &id, &since).await.json();
    assert_eq!(added(&again, "withdrawals"), 1, "{again}");
    assert_eq!(fake.seen_on(WITHDRAWALS).len() - before, 4);
    for k in ["deposits", "converts", "rewards", "trades"] {
        assert_eq!(added(&again, k), 0, "{again}");
    }
    assert_eq!(entries(&app, &id).await.len(), 14);
}

#[tokio::test]
async fn a_binance_429_during_history_is_waited_out_after_its_retry_after() {
    let now = Utc::now().timestamp_millis();
    let history = history(now);
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 354_937_868)],
        None,
        move |seen, index| {
            if seen.path == DEPOSITS && index == 0 {
                return Some(
                    Reply::code(
                        429,
                        -1003,
                        "Too many requests; please use the websocket for live updates.",
                    )
                    .header("Retry-After", "1"),
                );
            }
            history.answer(seen)
        },
    )
    .await;
    let app = app_on(&fake, &[]).await;
    let id = account(&app, None).await;
    let since = since_param((now - 200 * DAY_MS) / 1000 * 1000);
    let started = std::time::Instant::now();
    let report = sync_history(&app, &id, &since).await.json();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_eq!(added(&report, "deposits"), 3, "{report}");
    assert!(kind(&report, "deposits")["failed"]
        .as_array()
        .unwrap()
        .is_empty());
    // The refused request was sent again: four deposit requests and the retry.
    assert_eq!(fake.seen_on(DEPOSITS).len(), 5);
}

#[tokio::test]
async fn another_users_exchange_history_is_not_found_and_a_manual_account_has_none() {
    let issuer = TestIssuer::start().await;
    let fake = fake_with(BinanceHistory::default(), |_| None).await;
    let app = app_on(
        &fake,
        &[
            ("KEYCLOAK_SERVER", &issuer.base),
            ("KEYCLOAK_REALM", REALM),
            ("KEYCLOAK_AUDIENCE", AUDIENCE),
        ],
    )
    .await;
    let alice = issuer.user_token("alice");
    let bob = issuer.user_token("bob");
    let id = account(&app, Some(&alice)).await;
    let path = format!("/api/accounts/{id}/history/sync");
    let r = app.send(Method::POST, &path, Some(&bob), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    assert_eq!(r.error_code(), "not_found");
    let r = app.send(Method::POST, &path, None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(fake.seen_on(DEPOSITS).is_empty());

    let r = app
        .send(
            Method::POST,
            "/api/accounts",
            Some(&alice),
            Some(json!({"name": "Cash", "account_type": "manual"})),
        )
        .await;
    let manual = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            &format!("/api/accounts/{manual}/history/sync"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.error_code(), "history_not_supported");
}

// ---------- OKX ----------

mod okx {
    use std::sync::Arc;

    use axum::http::{Method, StatusCode};
    use chrono::Utc;
    use serde_json::{json, Value};

    use super::{added, by_external, entries, kind, pair, side, DAY_MS};
    use crate::helpers::TestApp;
    use crate::okx_connector::{
        client, okx_answers, FakeOkx, Reply, Seen, KEY, PASSPHRASE, SECRET,
    };

    const DEPOSITS: &str = "/api/v5/asset/deposit-history";
    const WITHDRAWALS: &str = "/api/v5/asset/withdrawal-history";
    const FILLS: &str = "/api/v5/trade/fills-history";
    const BILLS: &str = "/api/v5/asset/bills";
    const BILLS_HISTORY: &str = "/api/v5/asset/bills-history";

    fn query(s: &Seen, name: &str) -> Option<String> {
        s.path_and_query
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    /// OKX's paging: newest first, `after` older than, `before` newer than (`ts` for deposits
    /// and withdrawals, `billId` for fills), at most `limit` (≤ 100) rows.
    fn page(s: &Seen, rows: &[Value], by: &str) -> Reply {
        let key = |v: &Value| v[by].as_str().unwrap().parse::<i64>().unwrap();
        let num = |n: &str| query(s, n).map(|v| v.parse::<i64>().unwrap());
        let limit = num("limit").unwrap_or(100).min(100) as usize;
        let mut out: Vec<Value> = rows
            .iter()
            .filter(|v| num("after").is_none_or(|a| key(v) < a))
            .filter(|v| num("before").is_none_or(|b| key(v) > b))
            .cloned()
            .collect();
        out.sort_by_key(|v| std::cmp::Reverse(key(v)));
        out.truncate(limit);
        Reply::ok(json!({"code": "0", "msg": "", "data": out}).to_string())
    }

    fn ms(v: i64) -> String {
        v.to_string()
    }

    /// The funding account's bills as OKX pages them: `asset/bills` only the past month (30
    /// days), `after`/`before` by `ts`; `bills-history` everything, `after` by `billId` with
    /// `pagingType=2` (by `ts` otherwise), `before` by `ts`; newest first, at most `limit`.
    fn bills_page(s: &Seen, rows: &[Value], now: i64) -> Reply {
        let field = |v: &Value, f: &str| v[f].as_str().unwrap().parse::<i64>().unwrap();
        let num = |n: &str| query(s, n).map(|v| v.parse::<i64>().unwrap());
        let recent = s.path() == BILLS;
        let by_id = !recent && query(s, "pagingType").as_deref() == Some("2");
        let after_key = if by_id { "billId" } else { "ts" };
        let limit = num("limit").unwrap_or(100).min(100) as usize;
        let mut out: Vec<Value> = rows
            .iter()
            .filter(|v| !recent || field(v, "ts") >= now - 30 * DAY_MS)
            .filter(|v| num("after").is_none_or(|a| field(v, after_key) < a))
            .filter(|v| num("before").is_none_or(|b| field(v, "ts") > b))
            .cloned()
            .collect();
        out.sort_by_key(|v| std::cmp::Reverse((field(v, "ts"), field(v, "billId"))));
        out.truncate(limit);
        Reply::ok(json!({"code": "0", "msg": "", "data": out}).to_string())
    }

    /// Funding-account bills in OKX's documented shape: rewards of each mapped kind, a
    /// violation fee, and bills that make no entry (a deposit and a withdrawal, which come
    /// from their own endpoints, and a Simple Earn redemption). The interest of 1070 shares
    /// its `ts` with the redemption 1080 across a page boundary; five are older than the past
    /// month (`bills-history` only).
    fn bills(now: i64) -> Vec<Value> {
        let ago = |d: i64| ms(now - d * DAY_MS);
        let bill = |id: &str, ty: &str, ccy: &str, chg: &str, ts: String| {
            json!({"billId": id, "ccy": ccy, "clientId": "", "balChg": chg, "bal": "1",
                   "type": ty, "ts": ts, "notes": ""})
        };
        vec![
            bill("1010", "83", "ETH", "0.001", ago(200)),
            bill("1030", "343", "USDT", "0.5", ago(120)),
            bill("1040", "1", "BTC", "1", ago(90)),
            bill("1050", "229", "SOL", "3", ago(60)),
            bill("1055", "151", "USDT", "2", ago(35)),
            bill("1060", "139", "ETH", "0.002", ago(20)),
            bill("1070", "89", "USDT", "0.01", ago(10)),
            bill("1080", "76", "USDT", "100", ago(10)),
            bill("1090", "84", "USDT", "-0.1", ago(5)),
            bill("1100", "2", "USDT", "-100", ago(3)),
            bill("1110", "85", "BTC", "0.0001", ago(2)),
        ]
    }

    /// Deposits (one credited, one pending), a withdrawal with its fee and a cancelled one,
    /// and spot fills (one against USD), in the shapes of OKX's v5 documentation.
    fn answers(now: i64) -> impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static {
        let ago = move |d: i64| ms(now - d * DAY_MS);
        let dep = |id: &str, ccy: &str, amt: &str, ts: String, state: &str| {
            json!({"actualDepBlkConfirm": "2", "amt": amt, "areaCodeFrom": "", "ccy": ccy,
                   "chain": format!("{ccy}-Chain"), "depId": id, "from": "", "fromWdId": "",
                   "state": state, "to": "addr", "ts": ts, "txId": format!("tx-{id}")})
        };
        let deposits = vec![
            dep("dep1", "BTC", "1", ago(30), "2"),
            dep("dep2", "USDT", "500", ago(20), "2"),
            dep("dep3", "ETH", "3.000000000000000001", ago(10), "1"),
            dep("dep4", "BTC", "0.2", ago(5), "0"),
        ];
        let wd = |id: &str, state: &str, ts: String| {
            json!({"chain": "USDT-ERC20", "fee": "1", "feeCcy": "USDT", "ccy": "USDT",
                   "clientId": "", "amt": "100", "txId": "0xabc", "from": "", "to": "0xdef",
                   "areaCodeFrom": "", "areaCodeTo": "", "state": state, "ts": ts,
                   "nonTradableAsset": false, "wdId": id, "note": ""})
        };
        let withdrawals = vec![wd("wd1", "2", ago(15)), wd("wd2", "-2", ago(12))];
        let fill = |bill: &str,
                    inst: &str,
                    side: &str,
                    px: &str,
                    sz: &str,
                    fee: &str,
                    fee_ccy: &str,
                    ts: String| {
            json!({"instType": "SPOT", "instId": inst, "tradeId": format!("t{bill}"),
                   "ordId": format!("o{bill}"), "clOrdId": "", "billId": bill, "subType": "1",
                   "tag": "", "fillPx": px, "fillSz": sz, "fillIdxPx": "", "fillPnl": "0",
                   "fillPxVol": "", "fillPxUsd": "", "fillMarkVol": "", "fillFwdPx": "",
                   "fillMarkPx": "", "side": side, "posSide": "net", "execType": "T",
                   "feeCcy": fee_ccy, "fee": fee, "ts": ts.clone(), "fillTime": ts, "feeRate": "-0.001"})
        };
        let fills = vec![
            fill(
                "1001",
                "BTC-USDT",
                "buy",
                "40000",
                "0.01",
                "-0.00001",
                "BTC",
                ago(25),
            ),
            fill(
                "1002",
                "ETH-USDT",
                "sell",
                "2500",
                "1",
                "-2.5",
                "USDT",
                ago(9),
            ),
            fill(
                "1003",
                "BTC-USD",
                "buy",
                "60000",
                "0.001",
                "-0.06",
                "USD",
                ago(2),
            ),
        ];
        let bills = bills(now);
        move |s: &Seen, i: usize| match s.path() {
            BILLS | BILLS_HISTORY => bills_page(s, &bills, now),
            DEPOSITS => page(s, &deposits, "ts"),
            WITHDRAWALS => page(s, &withdrawals, "ts"),
            FILLS if query(s, "instType").as_deref() == Some("SPOT") => page(s, &fills, "billId"),
            FILLS => Reply::code(400, "51000", "Parameter instType error"),
            _ => okx_answers(s, i),
        }
    }

    async fn okx_account(app: &TestApp) -> String {
        let r = app
            .send(
                Method::POST,
                "/api/accounts",
                None,
                Some(
                    json!({"name": "My OKX", "account_type": "exchange", "exchange_name": "okx",
                            "api_key": KEY, "api_secret": SECRET, "passphrase": PASSPHRASE}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    }

    #[tokio::test]
    async fn okx_failing_fills_leave_deposits_and_withdrawals_imported() {
        let now = Utc::now().timestamp_millis();
        let ok = answers(now);
        let fake = FakeOkx::start(move |s: &Seen, i| match s.path() {
            FILLS => Reply::code(200, "50026", "System error. Try again later."),
            _ => ok(s, i),
        })
        .await;
        let app = TestApp::with_exchange(Arc::new(client(&fake).with_history_page_size(2))).await;
        let id = okx_account(&app).await;
        let r = app
            .send(
                Method::POST,
                &format!("/api/accounts/{id}/history/sync"),
                None,
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        assert_eq!(added(&report, "deposits"), 3, "{report}");
        assert_eq!(added(&report, "withdrawals"), 1, "{report}");
        let t = kind(&report, "trades");
        assert_eq!(t["added"], 0);
        assert_eq!(t["failed"][0]["part"], "trades", "{report}");
        assert!(!report.to_string().contains(SECRET) && !report.to_string().contains(PASSPHRASE));
        assert_eq!(added(&report, "rewards"), 8, "{report}");
        assert_eq!(entries(&app, &id).await.len(), 12);
        assert_eq!(app.count("ledger_cursors", "kind = 'trades'").await, 0);
    }

    #[tokio::test]
    async fn okx_history_pages_back_once_then_asks_only_for_what_is_newer() {
        let now = Utc::now().timestamp_millis();
        let fake = FakeOkx::start(answers(now)).await;
        let app = TestApp::with_exchange(Arc::new(client(&fake).with_history_page_size(2))).await;
        let id = okx_account(&app).await;
        let path = format!("/api/accounts/{id}/history/sync");

        let r = app.send(Method::POST, &path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        assert_eq!(report["source"], "okx");
        assert_eq!(added(&report, "deposits"), 3, "{report}");
        assert_eq!(added(&report, "withdrawals"), 1, "{report}");
        assert_eq!(added(&report, "trades"), 3, "{report}");
        assert!(
            report["unresolved"].as_array().unwrap().is_empty(),
            "{report}"
        );
        // Pages of two, back with `after` until a short page.
        assert_eq!(kind(&report, "deposits")["requests"], 3);
        assert_eq!(kind(&report, "withdrawals")["requests"], 2);
        assert_eq!(kind(&report, "trades")["requests"], 2);
        let deposits = fake.seen_on(DEPOSITS);
        assert_eq!(query(&deposits[1], "after"), Some(ms(now - 10 * DAY_MS)));
        assert!(fake.seen().iter().all(|s| s.auth.is_ok()));
        assert!(fake
            .seen_on(FILLS)
            .iter()
            .all(|s| query(s, "instType").as_deref() == Some("SPOT")));

        let list = entries(&app, &id).await;
        assert_eq!(list.len(), 15);
        let buy = by_external(&list, "fill:1001");
        assert_eq!(side(buy, "sent"), pair("USDT", "400"));
        assert_eq!(side(buy, "received"), pair("BTC", "0.01"));
        assert_eq!(side(buy, "fee"), pair("BTC", "0.00001"));
        let sale = by_external(&list, "fill:1002");
        assert_eq!(
            (side(sale, "sent"), side(sale, "received")),
            (pair("ETH", "1"), pair("USDT", "2500"))
        );
        // Against USD: the dollar side is US dollars (no catalog asset), so it values the trade.
        let usd = by_external(&list, "fill:1003");
        assert_eq!(side(usd, "sent"), pair("USD", "60"));
        assert!(usd["sent"]["asset_id"].is_null());
        let w = by_external(&list, "withdrawal:wd1");
        assert_eq!(
            (side(w, "sent"), side(w, "fee")),
            (pair("USDT", "100"), pair("USDT", "1"))
        );
        assert_eq!(
            side(by_external(&list, "deposit:dep3"), "received"),
            pair("ETH", "3.000000000000000001")
        );
        assert_eq!(
            app.count("ledger_entries", "external_id = 'deposit:dep4'")
                .await,
            0
        );

        // Again: nothing added; `before` the newest read (the pending deposit asked again).
        let before = fake.seen().len();
        let again = app.send(Method::POST, &path, None, None).await.json();
        for k in ["deposits", "withdrawals", "trades"] {
            assert_eq!(added(&again, k), 0, "{again}");
            assert_eq!(kind(&again, k)["requests"], 1, "{again}");
        }
        let seen: Vec<Seen> = fake.seen().into_iter().skip(before).collect();
        let q = |p: &str, n: &str| query(seen.iter().find(|s| s.path() == p).unwrap(), n);
        assert_eq!(q(DEPOSITS, "before"), Some(ms(now - 5 * DAY_MS - 1)));
        assert_eq!(q(WITHDRAWALS, "before"), Some(ms(now - 12 * DAY_MS)));
        assert_eq!(q(FILLS, "before"), Some("1003".into()));
        assert_eq!(q(FILLS, "after"), None);
        assert_eq!(entries(&app, &id).await.len(), 15);
    }

    #[tokio::test]
    async fn okx_rewards_come_from_the_funding_bills_of_both_endpoints_and_a_second_run_asks_only_for_what_is_new(
    ) {
        let now = Utc::now().timestamp_millis();
        let fake = FakeOkx::start(answers(now)).await;
        let app = TestApp::with_exchange(Arc::new(client(&fake).with_history_page_size(2))).await;
        let id = okx_account(&app).await;
        let path = format!("/api/accounts/{id}/history/sync");

        let started = std::time::Instant::now();
        let r = app.send(Method::POST, &path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        let rewards = kind(&report, "rewards");
        assert_eq!(rewards["added"], 8, "{report}");
        assert!(rewards["failed"].as_array().unwrap().is_empty(), "{report}");
        assert!(
            report["unresolved"].as_array().unwrap().is_empty(),
            "{report}"
        );
        // The past month from `asset/bills` in pages of two by `ts`: after a full page, from
        // just after its oldest `ts` (the two bills of one ms across a boundary are both read),
        // then strictly older; five requests. Then `bills-history` by bill id from the oldest
        // bill read (1060) back to the start: three pages, at most one a second.
        assert_eq!(rewards["requests"], 8, "{report}");
        let recent = fake.seen_on(BILLS);
        assert_eq!(recent.len(), 5);
        assert_eq!(query(&recent[0], "after"), None);
        assert_eq!(query(&recent[1], "after"), Some(ms(now - 3 * DAY_MS + 1)));
        assert_eq!(query(&recent[3], "after"), Some(ms(now - 10 * DAY_MS + 1)));
        assert_eq!(query(&recent[4], "after"), Some(ms(now - 10 * DAY_MS)));
        let older = fake.seen_on(BILLS_HISTORY);
        let afters: Vec<Option<String>> = older.iter().map(|s| query(s, "after")).collect();
        assert_eq!(
            afters,
            [
                Some("1060".into()),
                Some("1050".into()),
                Some("1030".into())
            ]
        );
        assert!(older
            .iter()
            .all(|s| query(s, "pagingType").as_deref() == Some("2")));
        assert!(started.elapsed() >= std::time::Duration::from_secs(2));
        assert!(fake.seen().iter().all(|s| s.auth.is_ok()));

        let list = entries(&app, &id).await;
        let income = |bill: &str, income_kind: &str, symbol: &str, q: &str| {
            let e = by_external(&list, bill);
            assert_eq!(e["kind"], "income", "{e}");
            assert_eq!(e["income_kind"], income_kind, "{e}");
            assert_eq!(e["source"], "okx");
            assert_eq!(side(e, "received"), pair(symbol, q));
            assert!(
                e["sent"].is_null() && e["value_usd"].is_null(),
                "no value is guessed: {e}"
            );
        };
        income("bill:1010", "staking", "ETH", "0.001");
        income("bill:1060", "staking", "ETH", "0.002");
        income("bill:1110", "mining", "BTC", "0.0001");
        income("bill:1030", "interest", "USDT", "0.5");
        income("bill:1070", "interest", "USDT", "0.01");
        income("bill:1050", "airdrop", "SOL", "3");
        income("bill:1055", "reward", "USDT", "2");
        let fee = by_external(&list, "bill:1090");
        assert_eq!(fee["kind"], "fee");
        assert_eq!(side(fee, "sent"), pair("USDT", "0.1"));
        // A deposit, a withdrawal and a Simple Earn redemption make no entry: the first two
        // come from their own endpoints (once), the last moves USDT between OKX's wallets.
        for skipped in ["bill:1040", "bill:1080", "bill:1100"] {
            let n = app
                .count("ledger_entries", &format!("external_id = '{skipped}'"))
                .await;
            assert_eq!(n, 0, "{skipped}");
        }
        assert_eq!(list.iter().filter(|e| e["kind"] == "deposit").count(), 3);

        // Again: one request for what is newer than the newest bill read; nothing added.
        let before = fake.seen().len();
        let again = app.send(Method::POST, &path, None, None).await.json();
        assert_eq!(added(&again, "rewards"), 0, "{again}");
        assert_eq!(kind(&again, "rewards")["requests"], 1, "{again}");
        let seen: Vec<Seen> = fake.seen().into_iter().skip(before).collect();
        let bills: Vec<&Seen> = seen.iter().filter(|s| s.path() == BILLS).collect();
        assert_eq!(bills.len(), 1);
        assert_eq!(query(bills[0], "before"), Some(ms(now - 2 * DAY_MS)));
        assert_eq!(query(bills[0], "after"), None);
        assert!(seen.iter().all(|s| s.path() != BILLS_HISTORY));
        assert_eq!(entries(&app, &id).await.len(), 15);
    }

    #[tokio::test]
    async fn okx_a_rewards_cursor_older_than_the_past_month_reads_bills_history_back_to_it() {
        use sea_orm::ConnectionTrait;

        let now = Utc::now().timestamp_millis();
        let fake = FakeOkx::start(answers(now)).await;
        let app = TestApp::with_exchange(Arc::new(client(&fake).with_history_page_size(2))).await;
        let id = okx_account(&app).await;
        let path = format!("/api/accounts/{id}/history/sync");
        let r = app.send(Method::POST, &path, None, None).await;
        assert_eq!(added(&r.json(), "rewards"), 8);

        // As if the last import was 40 days ago and the referral reward of 35 days ago came
        // after it: the past month alone would miss it.
        let cursor = now - 40 * DAY_MS;
        for sql in [
            format!("UPDATE ledger_cursors SET cursor = '{cursor}' WHERE kind = 'rewards'"),
            "DELETE FROM ledger_entries WHERE external_id = 'bill:1055'".to_string(),
        ] {
            app.db.execute_unprepared(&sql).await.unwrap();
        }
        let before = fake.seen().len();
        let again = app.send(Method::POST, &path, None, None).await.json();
        assert_eq!(added(&again, "rewards"), 1, "{again}");
        let seen: Vec<Seen> = fake.seen().into_iter().skip(before).collect();
        let older: Vec<&Seen> = seen.iter().filter(|s| s.path() == BILLS_HISTORY).collect();
        // From the oldest bill of the past month back to the cursor: one page reaches it.
        assert_eq!(older.len(), 1);
        assert_eq!(query(older[0], "after").as_deref(), Some("1060"));
        let recent: Vec<&Seen> = seen.iter().filter(|s| s.path() == BILLS).collect();
        assert!(recent
            .iter()
            .all(|s| query(s, "before") == Some(ms(cursor))));
        assert_eq!(
            app.count("ledger_entries", "external_id = 'bill:1050'")
                .await,
            1
        );
        assert_eq!(entries(&app, &id).await.len(), 15);
    }

    #[tokio::test]
    async fn okx_failing_bills_leave_deposits_withdrawals_and_fills_imported() {
        let now = Utc::now().timestamp_millis();
        let ok = answers(now);
        let fake = FakeOkx::start(move |s: &Seen, i| match s.path() {
            BILLS => Reply::code(200, "50026", "System error. Try again later."),
            _ => ok(s, i),
        })
        .await;
        let app = TestApp::with_exchange(Arc::new(client(&fake).with_history_page_size(2))).await;
        let id = okx_account(&app).await;
        let path = format!("/api/accounts/{id}/history/sync");
        let r = app.send(Method::POST, &path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        let rewards = kind(&report, "rewards");
        assert_eq!(rewards["added"], 0);
        assert_eq!(rewards["failed"][0]["part"], "rewards", "{report}");
        assert!(rewards["failed"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("50026"));
        assert!(!report.to_string().contains(SECRET) && !report.to_string().contains(PASSPHRASE));
        assert_eq!(added(&report, "deposits"), 3, "{report}");
        assert_eq!(added(&report, "withdrawals"), 1, "{report}");
        assert_eq!(added(&report, "trades"), 3, "{report}");
        assert_eq!(entries(&app, &id).await.len(), 7);
        assert_eq!(app.count("ledger_cursors", "kind = 'rewards'").await, 0);
        assert!(fake.seen_on(BILLS_HISTORY).is_empty());
    }
}
