//! The Binance client against the fake Binance of `fake_binance`: balances of every location
//! exactly as the fixtures say, key permissions, error codes in words, clock skew, and the
//! weight, 429 and 418 rules.

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::config::{ProviderConfig, Secret};
use api::connectors::binance::{BinanceClient, WeightLimits, ACCOUNT, SERVER_TIME};
use api::connectors::{
    ConnectorError, ExchangeBalance, ExchangeBalances, ExchangeCredentials, ExchangeLocation,
};
use api::metrics::Metrics;

use crate::fake_binance::{FakeBinance, FakeKey, Reply, DOC_KEY, DOC_SECRET};

pub fn config(base_url: &str) -> ProviderConfig {
    ProviderConfig {
        base_url: base_url.to_string(),
        api_key: None,
        tier: "demo".into(),
        rate_per_minute: 60_000,
        burst: 1_000,
        timeout: Duration::from_secs(2),
        max_retries: 2,
        breaker_failures: 100,
        breaker_cooldown: Duration::from_secs(1),
    }
}

pub fn client(fake: &FakeBinance) -> BinanceClient {
    BinanceClient::new(&config(&fake.base_url), Arc::new(Metrics::new()))
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .with_retry_after_cap(Duration::from_secs(5))
}

pub fn creds(key: &str, secret: &str) -> ExchangeCredentials {
    ExchangeCredentials {
        api_key: Secret::new(key.into()),
        api_secret: Secret::new(secret.into()),
        passphrase: Secret::new(String::new()),
    }
}

fn good() -> ExchangeCredentials {
    creds(DOC_KEY, DOC_SECRET)
}

fn bal(ccy: &str, location: ExchangeLocation, total: &str) -> ExchangeBalance {
    ExchangeBalance {
        currency: ccy.into(),
        location,
        total: total.parse().unwrap(),
        free: None,
        total_text: None,
    }
}

fn refusal(result: Result<impl std::fmt::Debug, ConnectorError>) -> String {
    match result {
        Err(ConnectorError::Refused { provider, reason }) => {
            assert_eq!(provider, "binance");
            reason
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A key of 64 alphanumerics, as Binance issues them.
fn key_like(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

// ---------- balances ----------

#[tokio::test]
async fn binance_spot_funding_and_earn_total_exactly_as_the_fixture() {
    use ExchangeLocation::{Earn, Funding, Spot};
    let fake = FakeBinance::start().await;
    let got = client(&fake).balances(&good()).await.unwrap();
    assert_eq!(got.failed, vec![]);
    let mut got = got.balances;
    got.sort_by(|a, b| (a.location.as_str(), &a.currency).cmp(&(b.location.as_str(), &b.currency)));
    assert_eq!(
        got,
        vec![
            // Flexible USDT 75.46 + locked USDT 24.54; SOL at zero dropped.
            bal("AXS", Earn, "122.09202928"),
            bal("BTC", Earn, "0.1"),
            bal("USDT", Earn, "100.00000000"),
            // free + locked + freeze + withdrawing; DOGE at zero dropped.
            bal("BNB", Funding, "0.85"),
            bal("USDT", Funding, "1"),
            bal("BTC", Spot, "4723846.89208129"),
            bal("ETH", Spot, "2"),
            // LDO is Lido, a real asset; LDUSDT mirrors the flexible USDT and is skipped.
            bal("LDO", Spot, "12.5"),
            bal("USDT", Spot, "12345678901235.12345678"),
        ]
    );
    let usdt = got
        .iter()
        .find(|b| b.currency == "USDT" && b.location == Spot)
        .unwrap();
    // 22 significant digits, every one kept.
    assert_eq!(usdt.total.to_string(), "12345678901235.12345678");
    assert!(got.iter().all(|b| b.currency != "LDUSDT"));
    assert!(
        fake.seen().iter().all(|s| s.auth.is_ok()),
        "{:?}",
        fake.seen()
    );
}

#[tokio::test]
async fn binance_earn_is_paged_until_an_empty_page() {
    let fake = FakeBinance::start().await;
    client(&fake).earn_balances(&good()).await.unwrap();
    let pages = |path: &str| -> Vec<String> {
        fake.seen_on(path)
            .iter()
            .map(|s| s.param("current").unwrap())
            .collect()
    };
    let mut flexible = pages("/sapi/v1/simple-earn/flexible/position");
    flexible.sort();
    assert_eq!(flexible, ["1", "2", "3"]);
    assert_eq!(pages("/sapi/v1/simple-earn/locked/position"), ["1", "2"]);
    assert!(fake
        .seen()
        .iter()
        .all(|s| s.param("size").as_deref() == Some("100")));
}

#[tokio::test]
async fn binance_funding_is_a_signed_form_post() {
    let fake = FakeBinance::start().await;
    client(&fake).funding_balances(&good()).await.unwrap();
    let seen = fake.seen_on("/sapi/v1/asset/get-funding-asset");
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[0].query, "");
    assert!(seen[0].body.contains("&signature="), "{}", seen[0].body);
    assert_eq!(
        seen[0].headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(seen[0].api_key(), DOC_KEY);
}

#[tokio::test]
async fn binance_an_unreadable_amount_fails_its_location_naming_the_asset() {
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        |seen, _| {
            (seen.path == "/sapi/v1/asset/get-funding-asset").then(|| {
                Reply::ok(r#"[{"asset":"XRP","free":"lots","locked":"0","freeze":"0","withdrawing":"0"}]"#)
            })
        },
    )
    .await;
    let got = client(&fake).balances(&good()).await.unwrap();
    match &got.failed[..] {
        [(ExchangeLocation::Funding, ConnectorError::Decode { message, .. })] => {
            assert!(message.contains("XRP"), "{message}")
        }
        other => panic!("expected funding to fail to decode, got {other:?}"),
    }
    assert!(got
        .balances
        .iter()
        .all(|b| b.location != ExchangeLocation::Funding));
    assert!(got
        .balances
        .iter()
        .any(|b| b.location == ExchangeLocation::Spot));
}

/// The reading with locked Simple Earn answering `reply` (flexible and the rest as the fixture).
async fn with_locked_earn(reply: fn() -> Reply) -> api::connectors::ExchangeReading {
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        move |seen, _| (seen.path == "/sapi/v1/simple-earn/locked/position").then(reply),
    )
    .await;
    client(&fake).balances(&good()).await.unwrap()
}

#[tokio::test]
async fn binance_a_failing_locked_earn_read_fails_only_the_earn_location() {
    use ExchangeLocation::{Earn, Funding, Spot};
    for (reply, says) in [
        (
            (|| {
                Reply::code(
                    400,
                    -1002,
                    "You are not authorized to execute this request.",
                )
            }) as fn() -> Reply,
            "locked Simple Earn positions: Binance code -1002",
        ),
        (
            || Reply::status(503, "<html>Service Unavailable</html>"),
            "HTTP 503: /sapi/v1/simple-earn/locked/position",
        ),
    ] {
        let got = with_locked_earn(reply).await;
        match &got.failed[..] {
            [(Earn, e)] => assert!(e.to_string().contains(says), "{e}"),
            other => panic!("expected earn to fail, got {other:?}"),
        }
        // Flexible earn alone would understate the location: none of earn is reported.
        assert!(got.balances.iter().all(|b| b.location != Earn), "{got:?}");
        for location in [Spot, Funding] {
            assert!(
                got.balances.iter().any(|b| b.location == location),
                "{got:?}"
            );
        }
    }
}

// ---------- keys ----------

#[tokio::test]
async fn binance_key_permissions_read_withdraw_trade_and_the_uid() {
    let keys = vec![
        FakeKey::read_only(&key_like('r'), "s-r", 11),
        FakeKey {
            trade: true,
            ..FakeKey::read_only(&key_like('t'), "s-t", 22)
        },
        FakeKey {
            withdraw: true,
            ..FakeKey::read_only(&key_like('w'), "s-w", 33)
        },
    ];
    let fake = FakeBinance::with(keys, None, |_, _| None).await;
    let c = client(&fake);
    let p = c
        .key_permissions(&creds(&key_like('r'), "s-r"))
        .await
        .unwrap();
    assert_eq!(
        (p.read, p.trade, p.withdraw, p.account_uid.as_deref()),
        (true, false, false, Some("11"))
    );
    let p = c
        .key_permissions(&creds(&key_like('t'), "s-t"))
        .await
        .unwrap();
    assert_eq!((p.trade, p.withdraw), (true, false));
    let p = c
        .key_permissions(&creds(&key_like('w'), "s-w"))
        .await
        .unwrap();
    assert_eq!((p.withdraw, p.account_uid.as_deref()), (true, Some("33")));
}

#[tokio::test]
async fn binance_an_unknown_key_is_refused_as_invalid_key_ip_or_permissions() {
    let fake = FakeBinance::start().await;
    let reason = refusal(
        client(&fake)
            .key_permissions(&creds(&key_like('u'), DOC_SECRET))
            .await,
    );
    assert!(reason.contains("-2015"), "{reason}");
    assert!(
        reason.contains("invalid key, IP or permissions"),
        "{reason}"
    );
    // A refusal of a key never seen working is not retried.
    assert_eq!(fake.seen().len(), 2, "one call per endpoint");
}

#[tokio::test]
async fn binance_a_wrong_secret_is_refused_as_an_invalid_signature() {
    let fake = FakeBinance::start().await;
    let reason = refusal(client(&fake).balances(&creds(DOC_KEY, "not-it")).await);
    assert!(reason.contains("-1022"), "{reason}");
    assert!(reason.contains("signature"), "{reason}");
}

#[tokio::test]
async fn binance_a_malformed_key_is_refused_as_malformed() {
    let fake = FakeBinance::start().await;
    let reason = refusal(
        client(&fake)
            .balances(&creds("short key", DOC_SECRET))
            .await,
    );
    assert!(reason.contains("-2014"), "{reason}");
    assert!(reason.contains("malformed"), "{reason}");
}

#[tokio::test]
async fn binance_errors_never_show_the_key_or_secret() {
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        |_, _| {
            Some(Reply::code(
                400,
                -1100,
                &format!("Illegal characters in {DOC_KEY} and {DOC_SECRET}"),
            ))
        },
    )
    .await;
    let err = client(&fake).balances(&good()).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains(DOC_KEY), "{text}");
    assert!(!text.contains(DOC_SECRET), "{text}");
    assert!(text.contains("-1100"), "{text}");
}

// ---------- clock ----------

#[tokio::test]
async fn binance_a_clock_skew_is_resynced_with_server_time_and_retried_once() {
    let fake = FakeBinance::start().await;
    fake.set_skew_ms(-30_000);
    let got = client(&fake).spot_balances(&good()).await.unwrap();
    assert!(!got.is_empty());
    let codes: Vec<(String, Result<(), i64>)> =
        fake.seen().into_iter().map(|s| (s.path, s.auth)).collect();
    assert_eq!(
        codes,
        vec![
            (ACCOUNT.to_string(), Err(-1021)),
            (SERVER_TIME.to_string(), Ok(())),
            (ACCOUNT.to_string(), Ok(())),
        ]
    );
}

#[tokio::test]
async fn binance_a_clock_that_stays_off_is_refused_naming_the_clock() {
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        |seen, _| {
            // A time endpoint that lies: the resync cannot help.
            (seen.path == SERVER_TIME).then(|| Reply::ok(r#"{"serverTime":1000}"#))
        },
    )
    .await;
    fake.set_skew_ms(-30_000);
    let reason = refusal(client(&fake).spot_balances(&good()).await);
    assert!(
        reason.contains("-1021") && reason.contains("clock"),
        "{reason}"
    );
    assert_eq!(fake.seen_on(ACCOUNT).len(), 2, "retried once only");
}

// ---------- limits ----------

#[tokio::test]
async fn binance_429_is_retried_after_its_retry_after() {
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        |seen, i| {
            (seen.path == ACCOUNT && i == 0).then(|| {
                Reply::code(429, -1003, "Too much request weight used").header("retry-after", "1")
            })
        },
    )
    .await;
    let started = Instant::now();
    client(&fake).spot_balances(&good()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(fake.seen_on(ACCOUNT).len(), 2);
}

#[tokio::test]
async fn binance_418_stops_every_request_until_retry_after() {
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        |seen, _| {
            (seen.path == ACCOUNT).then(|| {
                Reply::code(418, -1003, "Way too much request weight used; IP banned")
                    .header("retry-after", "120")
            })
        },
    )
    .await;
    let c = client(&fake);
    match c.spot_balances(&good()).await {
        Err(ConnectorError::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(120)))
        }
        other => panic!("expected rate limited, got {other:?}"),
    }
    let before = fake.seen().len();
    // Every later call, to any endpoint, stops here without asking Binance.
    match c.funding_balances(&good()).await {
        Err(ConnectorError::RateLimited { retry_after, .. }) => {
            assert!(retry_after.unwrap() > Duration::from_secs(100))
        }
        other => panic!("expected rate limited, got {other:?}"),
    }
    assert_eq!(fake.seen().len(), before, "nothing sent during the ban");
}

#[tokio::test]
async fn binance_used_weight_near_the_budget_holds_requests_back() {
    // Both clocks frozen 30 s into a minute, so the next minute is 30 s away.
    const AT: i64 = 1_499_827_290_000;
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        Some(AT),
        |_, _| None,
    )
    .await;
    // A budget of 30 on /api: the first account call (weight 20) passes and Binance reports
    // 20 used, so a second one must wait 30 s for the next minute: longer than the 1 s cap.
    let c = BinanceClient::new(&config(&fake.base_url), Arc::new(Metrics::new()))
        .with_clock(|| AT)
        .with_weight_limits(WeightLimits {
            api: 30,
            sapi: 12_000,
        })
        .with_retry_after_cap(Duration::from_secs(1));
    c.spot_balances(&good()).await.unwrap();
    match c.spot_balances(&good()).await {
        Err(ConnectorError::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        other => panic!("expected rate limited, got {other:?}"),
    }
    assert_eq!(
        fake.seen_on(ACCOUNT).len(),
        1,
        "the second call was held back"
    );
    // /sapi has its own budget: funding still goes.
    c.funding_balances(&good()).await.unwrap();
}

#[tokio::test]
async fn binance_2015_for_a_key_that_worked_before_is_retried_as_a_temporary_block() {
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        |seen, i| {
            (seen.path == ACCOUNT && i > 0).then(|| {
                Reply::code(
                    401,
                    -2015,
                    "Invalid API-key, IP, or permissions for action.",
                )
            })
        },
    )
    .await;
    let c = client(&fake);
    c.spot_balances(&good()).await.unwrap();
    let reason = refusal(c.spot_balances(&good()).await);
    assert!(reason.contains("worked before"), "{reason}");
    // One success, then the call and its two retries.
    assert_eq!(fake.seen_on(ACCOUNT).len(), 4);
}

#[tokio::test]
async fn binance_5xx_is_retried_until_it_succeeds() {
    let fake = FakeBinance::with(
        vec![FakeKey::read_only(DOC_KEY, DOC_SECRET, 1)],
        None,
        |seen, i| (seen.path == ACCOUNT && i < 2).then(|| Reply::status(502, "bad gateway")),
    )
    .await;
    client(&fake).spot_balances(&good()).await.unwrap();
    assert_eq!(fake.seen_on(ACCOUNT).len(), 3);
}
