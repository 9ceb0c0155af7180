//! Keycloak mode: every gap of axum-keycloak-auth listed in PLATFORM.md, closed and proven.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rsa::pkcs8::EncodePublicKey;
use serde_json::json;

use crate::helpers::TestApp;
use crate::issuer::{dead_url, keys, now, sign, HangingServer, TestIssuer, AUDIENCE, REALM};

async fn app_for(server: &str, extra: &[(&str, &str)]) -> TestApp {
    let mut vars = vec![
        ("KEYCLOAK_SERVER", server),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ];
    vars.extend_from_slice(extra);
    TestApp::with_vars(&vars).await
}

async fn app(issuer: &TestIssuer) -> TestApp {
    app_for(&issuer.base, &[]).await
}

async fn me_status(app: &TestApp, token: &str) -> (StatusCode, String) {
    let r = app.get("/api/me", Some(token)).await;
    let code = if r.status == StatusCode::OK {
        String::new()
    } else {
        r.error_code()
    };
    (r.status, code)
}

#[tokio::test]
async fn a_valid_token_is_accepted_and_creates_the_user() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let r = app.get("/api/me", Some(&issuer.user_token("alice"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let me = r.json();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["email"], "alice@example.com");
    assert_eq!(me["is_admin"], false);
    assert_eq!(me["auth_mode"], "keycloak");
    assert_eq!(app.count("users", "keycloak_user_id = 'alice'").await, 1);
}

#[tokio::test]
async fn no_token_or_a_non_bearer_header_is_401_with_a_challenge() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let r = app.get("/api/me", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "missing_token");
    assert_eq!(r.headers["www-authenticate"], "Bearer");
    let req = axum::http::Request::get("/api/me")
        .header("authorization", "Basic YWxpY2U6c2VjcmV0")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::UNAUTHORIZED);
    let (status, code) = me_status(&app, "not-a-jwt").await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
}

#[tokio::test]
async fn a_token_from_another_issuer_is_401_even_when_signed_by_a_known_key() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let mut claims = issuer.claims("mallory");
    claims["iss"] = json!("http://evil.example.com/realms/butler");
    let (status, code) = me_status(&app, &issuer.token(&claims)).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
    assert_eq!(app.count("users", "keycloak_user_id = 'mallory'").await, 0);
}

#[tokio::test]
async fn a_token_for_another_audience_or_with_no_audience_is_401() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let mut other = issuer.claims("bob");
    other["aud"] = json!("account");
    assert_eq!(
        me_status(&app, &issuer.token(&other)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let mut none = issuer.claims("bob");
    none.as_object_mut().unwrap().remove("aud");
    assert_eq!(
        me_status(&app, &issuer.token(&none)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let mut single = issuer.claims("bob");
    single["aud"] = json!(AUDIENCE);
    assert_eq!(
        me_status(&app, &issuer.token(&single)).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_expired_token_is_401_token_expired() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let mut claims = issuer.claims("carol");
    claims["exp"] = json!(now() - 600);
    let (status, code) = me_status(&app, &issuer.token(&claims)).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "token_expired")
    );
}

#[tokio::test]
async fn a_token_signed_by_a_key_the_issuer_does_not_publish_is_401() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let claims = issuer.claims("dave");
    let unknown_kid = sign(&keys()[2], "rogue", &claims);
    assert_eq!(
        me_status(&app, &unknown_kid).await.0,
        StatusCode::UNAUTHORIZED
    );
    let forged_kid = sign(&keys()[2], "k1", &claims);
    assert_eq!(
        me_status(&app, &forged_kid).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn alg_none_and_hs256_tokens_are_401() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let claims = issuer.claims("eve");
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"k1"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    assert_eq!(me_status(&app, &none).await.0, StatusCode::UNAUTHORIZED);
    // The classic confusion: HMAC keyed with the issuer's public key.
    let public_pem = keys()[0]
        .to_public_key()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("k1".into());
    let hs = encode(
        &header,
        &claims,
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    assert_eq!(me_status(&app, &hs).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("users", "keycloak_user_id = 'eve'").await, 0);
}

#[tokio::test]
async fn a_service_account_token_without_email_or_username_is_accepted() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let claims = json!({
        "iss": issuer.issuer(), "aud": AUDIENCE, "sub": "svc-1", "exp": now() + 300,
        "azp": "butler-cron", "typ": "Bearer"
    });
    let r = app.get("/api/me", Some(&issuer.token(&claims))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["username"], serde_json::Value::Null);
}

#[tokio::test]
async fn claims_of_the_wrong_type_are_401_not_500() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let mut claims = issuer.claims("frank");
    claims["email"] = json!(12345);
    claims["realm_access"] = json!("admin");
    assert_eq!(
        me_status(&app, &issuer.token(&claims)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn after_the_issuer_rotates_its_key_new_tokens_are_accepted_without_a_restart() {
    let issuer = TestIssuer::start().await;
    let app = app_for(&issuer.base, &[("KEYCLOAK_KEY_REFETCH_MIN_SECS", "1")]).await;
    let old = issuer.user_token("grace");
    assert_eq!(me_status(&app, &old).await.0, StatusCode::OK);
    issuer.rotate();
    let new = issuer.user_token("grace");
    let started = Instant::now();
    loop {
        if me_status(&app, &new).await.0 == StatusCode::OK {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "rotated key never accepted"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // The retired key is no longer published, so its tokens stop working.
    assert_eq!(me_status(&app, &old).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_key_ids_do_not_hammer_the_issuer() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    assert_eq!(
        me_status(&app, &issuer.user_token("h")).await.0,
        StatusCode::OK
    );
    let hits = issuer.jwks_hits();
    for i in 0..20 {
        let t = sign(&keys()[2], &format!("rogue-{i}"), &issuer.claims("h"));
        assert_eq!(me_status(&app, &t).await.0, StatusCode::UNAUTHORIZED);
    }
    assert!(issuer.jwks_hits() - hits <= 1, "refetches are rate-limited");
}

#[tokio::test]
async fn an_issuer_that_is_down_gives_503_quickly_while_public_routes_work() {
    let url = dead_url().await;
    let app = app_for(&url, &[]).await;
    let token = sign(
        &keys()[0],
        "k1",
        &json!({"sub": "x", "iss": format!("{url}/realms/{REALM}"), "aud": AUDIENCE, "exp": now() + 300}),
    );
    let started = Instant::now();
    let (status, code) = me_status(&app, &token).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "auth_unavailable")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/chains", None).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/health/ready", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn an_issuer_that_never_answers_gives_503_within_a_few_seconds() {
    let hanging = HangingServer::start().await;
    let app = app_for(&hanging.base, &[]).await;
    let token = sign(
        &keys()[0],
        "k1",
        &json!({"sub": "x", "iss": format!("{}/realms/{REALM}", hanging.base), "aud": AUDIENCE, "exp": now() + 300}),
    );
    let started = Instant::now();
    let (a, b) = tokio::join!(me_status(&app, &token), me_status(&app, &token));
    assert_eq!(a.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(b.0, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert_eq!(app.get("/health", None).await.status, StatusCode::OK);
    assert_eq!(app.get("/api/chains", None).await.status, StatusCode::OK);
    // Waiting on the issuer would cost at least its 3 s HTTP timeout; in-process these answer
    // in milliseconds, so a busy machine has room below that line.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn admin_routes_need_the_realm_admin_role_or_the_apis_own_client_role() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let path = "/api/admin/evm-chains";
    let user = issuer.user_token("ivan");
    let r = app.get(path, Some(&user)).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );

    let mut realm_admin = issuer.claims("judy");
    realm_admin["realm_access"] = json!({"roles": ["user", "admin"]});
    assert_eq!(
        app.get(path, Some(&issuer.token(&realm_admin)))
            .await
            .status,
        StatusCode::OK
    );

    let mut client_admin = issuer.claims("ken");
    client_admin["resource_access"] = json!({AUDIENCE: {"roles": ["admin"]}});
    assert_eq!(
        app.get(path, Some(&issuer.token(&client_admin)))
            .await
            .status,
        StatusCode::OK
    );

    let mut other_client = issuer.claims("leo");
    other_client["resource_access"] =
        json!({"grafana": {"roles": ["admin"]}, "account": {"roles": ["admin"]}});
    let token = issuer.token(&other_client);
    assert_eq!(
        app.get(path, Some(&token)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .send(Method::POST, "/api/migrations", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(path, None).await.status, StatusCode::UNAUTHORIZED);
    let me = app
        .get("/api/me", Some(&issuer.token(&client_admin)))
        .await
        .json();
    assert_eq!(me["is_admin"], true);
}

#[tokio::test]
async fn concurrent_first_requests_of_a_new_sub_create_exactly_one_user() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let token = issuer.user_token("newcomer");
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let router = app.router.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::get("/api/me")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap();
            router.oneshot(req).await.unwrap().status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(app.count("users", "keycloak_user_id = 'newcomer'").await, 1);
}

#[tokio::test]
async fn email_and_username_follow_the_identity_provider() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    assert_eq!(
        me_status(&app, &issuer.user_token("mia")).await.0,
        StatusCode::OK
    );
    let mut claims = issuer.claims("mia");
    claims["email"] = json!("mia@new.example.com");
    claims["preferred_username"] = json!("mia.r");
    let me = app
        .get("/api/me", Some(&issuer.token(&claims)))
        .await
        .json();
    assert_eq!(me["email"], "mia@new.example.com");
    assert_eq!(me["username"], "mia.r");
    assert_eq!(app.count("users", "keycloak_user_id = 'mia'").await, 1);
}

#[tokio::test]
async fn readiness_reports_loaded_signing_keys() {
    let issuer = TestIssuer::start().await;
    let app = app(&issuer).await;
    let r = app.get("/health/ready", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["auth"], "ok");
}
