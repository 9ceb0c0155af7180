//! Keycloak mode against a real Keycloak (scripts/keycloak.sh, the project's realm imported):
//! tokens Keycloak itself issues, its audience mapper, key rotation through its admin API, and
//! `keycloak/init.sh` run with its own `kcadm.sh`. The forging issuer (auth.rs) stays for what a
//! real Keycloak will not do.
//!
//! Runs when `KEYCLOAK_TEST_URL` names a running server (scripts/test.sh starts one and sets it);
//! with `KEYCLOAK_TEST_REQUIRED=1` (set by scripts/test.sh) a missing server fails the test.
//! The tests share one server and change its realm, so they take turns.

use std::process::Command;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const REALM: &str = "butler";
const API_CLIENT: &str = "butler-api";
const WEB_CLIENT: &str = "butler-web";
/// Made by these tests in the running server only, never in realm-butler.json.
const OTHER_CLIENT: &str = "butler-test-other-app";

const KCADM_JVM_OPTS: &str = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData";

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The running Keycloak and an admin session on it.
struct Kc {
    url: String,
    admin_user: String,
    admin_password: String,
    home: String,
    control: String,
    http: reqwest::Client,
    /// Keycloak hashes the admin password on every login (slow on 2 cores): reuse the token.
    admin_session: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl Kc {
    /// None (and a note) when no Keycloak is configured and none is required.
    fn from_env() -> Option<Self> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        match get("KEYCLOAK_TEST_URL") {
            Some(url) => Some(Self {
                url,
                admin_user: get("KEYCLOAK_TEST_ADMIN").unwrap_or_else(|| "admin".into()),
                admin_password: get("KEYCLOAK_TEST_ADMIN_PASSWORD")
                    .expect("KEYCLOAK_TEST_ADMIN_PASSWORD beside KEYCLOAK_TEST_URL"),
                home: get("KEYCLOAK_TEST_HOME").unwrap_or_default(),
                control: get("KEYCLOAK_TEST_CONTROL").unwrap_or_default(),
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(20))
                    .build()
                    .unwrap(),
                admin_session: tokio::sync::Mutex::new(None),
            }),
            None => {
                assert!(
                    get("KEYCLOAK_TEST_REQUIRED").is_none(),
                    "KEYCLOAK_TEST_REQUIRED is set but KEYCLOAK_TEST_URL is not: run scripts/keycloak.sh start"
                );
                eprintln!(
                    "no real Keycloak (KEYCLOAK_TEST_URL unset): scripts/test.sh runs this test"
                );
                None
            }
        }
    }

    async fn app(&self, extra: &[(&str, &str)]) -> TestApp {
        let mut vars = vec![
            ("KEYCLOAK_SERVER", self.url.as_str()),
            ("KEYCLOAK_REALM", REALM),
            ("KEYCLOAK_AUDIENCE", API_CLIENT),
        ];
        vars.extend_from_slice(extra);
        TestApp::with_vars(&vars).await
    }

    /// An admin access token (master realm tokens live 60 s: renewed after 30).
    async fn admin_token(&self) -> String {
        let mut session = self.admin_session.lock().await;
        if let Some((token, at)) = session.as_ref() {
            if at.elapsed() < Duration::from_secs(30) {
                return token.clone();
            }
        }
        let r = self
            .http
            .post(format!(
                "{}/realms/master/protocol/openid-connect/token",
                self.url
            ))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "admin-cli"),
                ("username", &self.admin_user),
                ("password", &self.admin_password),
            ])
            .send()
            .await
            .expect("admin login");
        let body: Value = r.json().await.unwrap();
        let token = body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("admin login failed: {body}"))
            .to_string();
        *session = Some((token.clone(), Instant::now()));
        token
    }

    /// One admin REST call on the realm; the body of the answer (Null when empty).
    async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/admin/realms/{REALM}{path}", self.url);
        let mut req = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(self.admin_token().await);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("admin call");
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    async fn client_uuid(&self, client_id: &str) -> Option<String> {
        let found = self
            .admin(
                reqwest::Method::GET,
                &format!("/clients?clientId={client_id}"),
                None,
            )
            .await;
        found[0]["id"].as_str().map(str::to_string)
    }

    /// The realm's web client, allowed the password grant in this test server only (the realm
    /// file allows the code flow alone); its current secret.
    async fn web_client_for_password_grant(&self) -> String {
        let id = self
            .client_uuid(WEB_CLIENT)
            .await
            .expect("butler-web exists");
        let mut rep = self
            .admin(reqwest::Method::GET, &format!("/clients/{id}"), None)
            .await;
        if rep["directAccessGrantsEnabled"] != true {
            rep["directAccessGrantsEnabled"] = json!(true);
            self.admin(reqwest::Method::PUT, &format!("/clients/{id}"), Some(rep))
                .await;
        }
        self.secret(&id).await
    }

    async fn secret(&self, client_uuid: &str) -> String {
        self.admin(
            reqwest::Method::GET,
            &format!("/clients/{client_uuid}/client-secret"),
            None,
        )
        .await["value"]
            .as_str()
            .expect("client secret")
            .to_string()
    }

    /// Another application of the same realm (no audience mapper for the API); its secret.
    async fn other_client(&self) -> String {
        let id = match self.client_uuid(OTHER_CLIENT).await {
            Some(id) => id,
            None => {
                self.admin(
                    reqwest::Method::POST,
                    "/clients",
                    Some(json!({
                        "clientId": OTHER_CLIENT, "enabled": true, "publicClient": false,
                        "directAccessGrantsEnabled": true, "standardFlowEnabled": false,
                    })),
                )
                .await;
                self.client_uuid(OTHER_CLIENT).await.expect("created")
            }
        };
        self.secret(&id).await
    }

    /// A new user with a password and the given realm roles (beside the default `user`).
    async fn user(&self, realm_roles: &[&str], api_client_roles: &[&str]) -> (String, String) {
        let name = format!("it-{}", uuid::Uuid::new_v4().simple());
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        self.admin(
            reqwest::Method::POST,
            "/users",
            Some(json!({
                "username": name, "email": format!("{name}@example.com"),
                "firstName": "Integration", "lastName": "Test",
                "enabled": true, "emailVerified": true,
                "credentials": [{"type": "password", "value": password, "temporary": false}],
            })),
        )
        .await;
        let uid = self
            .admin(
                reqwest::Method::GET,
                &format!("/users?username={name}&exact=true"),
                None,
            )
            .await[0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let mut roles = Vec::new();
        for r in realm_roles {
            roles.push(
                self.admin(reqwest::Method::GET, &format!("/roles/{r}"), None)
                    .await,
            );
        }
        if !roles.is_empty() {
            self.admin(
                reqwest::Method::POST,
                &format!("/users/{uid}/role-mappings/realm"),
                Some(Value::Array(roles)),
            )
            .await;
        }
        if !api_client_roles.is_empty() {
            let api = self.client_uuid(API_CLIENT).await.expect("butler-api");
            let mut roles = Vec::new();
            for r in api_client_roles {
                roles.push(
                    self.admin(
                        reqwest::Method::GET,
                        &format!("/clients/{api}/roles/{r}"),
                        None,
                    )
                    .await,
                );
            }
            self.admin(
                reqwest::Method::POST,
                &format!("/users/{uid}/role-mappings/clients/{api}"),
                Some(Value::Array(roles)),
            )
            .await;
        }
        (name, password)
    }

    /// An access token from Keycloak's token endpoint (password grant).
    async fn password_token(&self, client: &str, secret: &str, user: &str, pw: &str) -> String {
        let r = self
            .http
            .post(format!(
                "{}/realms/{REALM}/protocol/openid-connect/token",
                self.url
            ))
            .form(&[
                ("grant_type", "password"),
                ("client_id", client),
                ("client_secret", secret),
                ("username", user),
                ("password", pw),
                ("scope", "openid"),
            ])
            .send()
            .await
            .expect("token endpoint");
        let body: Value = r.json().await.unwrap();
        body["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token for {user} from {client}: {body}"))
            .to_string()
    }

    async fn web_token(&self, user: &str, pw: &str) -> String {
        let secret = self.web_client_for_password_grant().await;
        self.password_token(WEB_CLIENT, &secret, user, pw).await
    }

    /// Runs scripts/keycloak.sh with `cmd` (the tests own the process they stop).
    fn control(&self, cmd: &str) {
        assert!(!self.control.is_empty(), "KEYCLOAK_TEST_CONTROL is unset");
        let out = Command::new("bash")
            .arg(&self.control)
            .arg(cmd)
            .output()
            .expect("scripts/keycloak.sh runs");
        assert!(
            out.status.success(),
            "keycloak.sh {cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Header and payload of a JWT, unverified.
fn jwt_parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let mut part = || {
        let raw = URL_SAFE_NO_PAD
            .decode(it.next().expect("jwt part"))
            .unwrap();
        serde_json::from_slice::<Value>(&raw).unwrap()
    };
    (part(), part())
}

fn audiences(claims: &Value) -> Vec<String> {
    match &claims["aud"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

async fn status(app: &TestApp, path: &str, token: &str) -> StatusCode {
    app.get(path, Some(token)).await.status
}

#[tokio::test]
async fn a_token_keycloak_issues_to_the_web_client_is_accepted_and_names_the_user() {
    let Some(kc) = Kc::from_env() else { return };
    let _turn = TURN.lock().await;
    let app = kc.app(&[]).await;
    let (name, pw) = kc.user(&[], &[]).await;
    let token = kc.web_token(&name, &pw).await;
    let (header, claims) = jwt_parts(&token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], format!("{}/realms/{REALM}", kc.url));

    let r = app.get("/api/me", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let me = r.json();
    assert_eq!(me["username"], name.as_str());
    assert_eq!(me["email"], format!("{name}@example.com"));
    assert_eq!(me["is_admin"], false);
    assert_eq!(me["auth_mode"], "keycloak");
    // The realm's default roles reach the token.
    let roles = claims["realm_access"]["roles"].as_array().unwrap();
    assert!(roles.contains(&json!("user")), "{claims}");
    assert_eq!(
        status(&app, "/api/portfolios", &token).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_realms_audience_mapper_puts_the_api_in_aud_and_other_clients_tokens_are_401() {
    let Some(kc) = Kc::from_env() else { return };
    let _turn = TURN.lock().await;
    let app = kc.app(&[]).await;
    let (name, pw) = kc.user(&[], &[]).await;

    let web = kc.web_token(&name, &pw).await;
    let (_, claims) = jwt_parts(&web);
    assert!(
        audiences(&claims).contains(&API_CLIENT.to_string()),
        "aud of a butler-web token: {claims}"
    );
    assert_eq!(claims["azp"], WEB_CLIENT);
    assert_eq!(status(&app, "/api/me", &web).await, StatusCode::OK);

    // Same user, same realm, same signing key: only the audience differs.
    let secret = kc.other_client().await;
    let other = kc.password_token(OTHER_CLIENT, &secret, &name, &pw).await;
    let (_, claims) = jwt_parts(&other);
    assert!(
        !audiences(&claims).contains(&API_CLIENT.to_string()),
        "{claims}"
    );
    let r = app.get("/api/me", Some(&other)).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
}

#[tokio::test]
async fn keycloaks_admin_roles_open_the_admin_routes_and_the_user_role_does_not() {
    let Some(kc) = Kc::from_env() else { return };
    let _turn = TURN.lock().await;
    let app = kc.app(&[]).await;
    let path = "/api/admin/evm-chains";

    let (user, pw) = kc.user(&[], &[]).await;
    let token = kc.web_token(&user, &pw).await;
    let r = app.get(path, Some(&token)).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );

    let (realm_admin, pw) = kc.user(&["admin"], &[]).await;
    let token = kc.web_token(&realm_admin, &pw).await;
    assert_eq!(status(&app, path, &token).await, StatusCode::OK);
    assert_eq!(
        app.get("/api/me", Some(&token)).await.json()["is_admin"],
        true
    );

    let (client_admin, pw) = kc.user(&[], &["admin"]).await;
    let token = kc.web_token(&client_admin, &pw).await;
    let (_, claims) = jwt_parts(&token);
    assert_eq!(
        claims["resource_access"][API_CLIENT]["roles"],
        json!(["admin"]),
        "{claims}"
    );
    assert_eq!(status(&app, path, &token).await, StatusCode::OK);
}

#[tokio::test]
async fn a_signing_key_rotated_in_keycloak_is_accepted_by_a_running_api_without_restart() {
    let Some(kc) = Kc::from_env() else { return };
    let _turn = TURN.lock().await;
    let app = kc
        .app(&[
            ("KEYCLOAK_KEY_REFETCH_MIN_SECS", "1"),
            ("KEYCLOAK_JWKS_REFRESH_SECS", "1"),
        ])
        .await;
    let (name, pw) = kc.user(&[], &[]).await;
    let old = kc.web_token(&name, &pw).await;
    let old_kid = jwt_parts(&old).0["kid"].as_str().unwrap().to_string();
    assert_eq!(status(&app, "/api/me", &old).await, StatusCode::OK);

    // A new RSA key provider that outranks every other, then the old ones disabled.
    let realm_id = kc.admin(reqwest::Method::GET, "", None).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let providers = kc
        .admin(
            reqwest::Method::GET,
            "/components?type=org.keycloak.keys.KeyProvider",
            None,
        )
        .await;
    let rsa: Vec<Value> = providers
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["providerId"] == "rsa-generated" || c["providerId"] == "rsa")
        .cloned()
        .collect();
    let top = rsa
        .iter()
        .filter_map(|c| c["config"]["priority"][0].as_str()?.parse::<i64>().ok())
        .max()
        .unwrap_or(100);
    let new_name = format!("rsa-rotated-{}", uuid::Uuid::new_v4().simple());
    kc.admin(
        reqwest::Method::POST,
        "/components",
        Some(json!({
            "name": new_name, "providerId": "rsa-generated",
            "providerType": "org.keycloak.keys.KeyProvider", "parentId": realm_id,
            "config": {"priority": [(top + 10).to_string()], "enabled": ["true"],
                       "active": ["true"], "keySize": ["2048"], "algorithm": ["RS256"]},
        })),
    )
    .await;
    for mut c in rsa {
        c["config"]["enabled"] = json!(["false"]);
        c["config"]["active"] = json!(["false"]);
        let id = c["id"].as_str().unwrap().to_string();
        kc.admin(reqwest::Method::PUT, &format!("/components/{id}"), Some(c))
            .await;
    }

    let new = kc.web_token(&name, &pw).await;
    let new_kid = jwt_parts(&new).0["kid"].as_str().unwrap().to_string();
    assert_ne!(new_kid, old_kid, "Keycloak signs with the new key");
    let started = Instant::now();
    while status(&app, "/api/me", &new).await != StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the rotated key was never accepted"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Keycloak no longer publishes the disabled key, so its tokens stop working.
    let started = Instant::now();
    while status(&app, "/api/me", &old).await != StatusCode::UNAUTHORIZED {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "tokens of the disabled key still pass"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Starts Keycloak again when the test that stopped it ends, even by a panic.
struct RestartOnDrop<'a>(&'a Kc);

impl Drop for RestartOnDrop<'_> {
    fn drop(&mut self) {
        let out = Command::new("bash")
            .arg(&self.0.control)
            .arg("restart")
            .output();
        if !matches!(&out, Ok(o) if o.status.success()) {
            eprintln!("could not restart Keycloak: {out:?}");
        }
    }
}

#[tokio::test]
async fn with_keycloak_stopped_protected_routes_are_503_quickly_and_public_routes_work() {
    let Some(kc) = Kc::from_env() else { return };
    let _turn = TURN.lock().await;
    let running = kc.app(&[("KEYCLOAK_JWKS_REFRESH_SECS", "1")]).await;
    let (name, pw) = kc.user(&[], &[]).await;
    let token = kc.web_token(&name, &pw).await;
    assert_eq!(status(&running, "/api/me", &token).await, StatusCode::OK);

    kc.control("stop");
    let restart = RestartOnDrop(&kc);

    // An API that has no keys yet cannot check any token: 503, fast, while public routes answer.
    let fresh = kc.app(&[]).await;
    let started = Instant::now();
    let r = fresh.get("/api/me", Some(&token)).await;
    assert_eq!(
        (r.status, r.error_code().as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "auth_unavailable")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fresh.get("/health", None).await.status, StatusCode::OK);
    assert_eq!(fresh.get("/api/chains", None).await.status, StatusCode::OK);
    assert_eq!(
        fresh.get("/health/ready", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    // An API that already holds the keys keeps serving the tokens they verify.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let started = Instant::now();
    assert_eq!(status(&running, "/api/me", &token).await, StatusCode::OK);
    // The 200 is the proof; the bound only catches a wait on the stopped Keycloak's retry
    // cycle (3 attempts of up to 3 s each), with room for a busy machine.
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );

    drop(restart);
    // Back up: the API that saw it down recovers without a restart.
    let started = Instant::now();
    while status(&fresh, "/api/me", &token).await != StatusCode::OK {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no recovery after Keycloak came back"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn keycloak_init_sets_the_web_clients_secret_and_urls_and_deletes_the_demo_users() {
    let Some(kc) = Kc::from_env() else { return };
    let _turn = TURN.lock().await;
    assert!(!kc.home.is_empty(), "KEYCLOAK_TEST_HOME is unset");
    // The realm file's demo users (recreated when an earlier run deleted them).
    for name in ["demo", "demo-admin"] {
        let found = kc
            .admin(
                reqwest::Method::GET,
                &format!("/users?username={name}&exact=true"),
                None,
            )
            .await;
        if found.as_array().unwrap().is_empty() {
            kc.admin(
                reqwest::Method::POST,
                "/users",
                Some(json!({"username": name, "enabled": true})),
            )
            .await;
        }
    }
    let secret = format!("s{}", uuid::Uuid::new_v4().simple());
    let web_url = "https://butler.example.com";
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../keycloak/init.sh");
    let run = |secret: &str| {
        Command::new("bash")
            .arg(script)
            .env("KCADM", format!("{}/bin/kcadm.sh", kc.home))
            // Each kcadm call is a short-lived JVM: skip the optimizing compiler (a third faster).
            .env("KC_OPTS", KCADM_JVM_OPTS)
            .env("KEYCLOAK_URL", &kc.url)
            .env("KEYCLOAK_ADMIN", &kc.admin_user)
            .env("KEYCLOAK_ADMIN_PASSWORD", &kc.admin_password)
            .env("KEYCLOAK_CLIENT_SECRET", secret)
            .env("WEB_URL", web_url)
            .env_remove("KEYCLOAK_DEMO_USERS")
            .output()
            .expect("init.sh runs")
    };
    let out = run(&secret);
    let log =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "init.sh failed: {log}");
    assert!(!log.contains(&secret), "init.sh printed the secret: {log}");

    let id = kc.client_uuid(WEB_CLIENT).await.unwrap();
    assert_eq!(kc.secret(&id).await, secret);
    let client = kc
        .admin(reqwest::Method::GET, &format!("/clients/{id}"), None)
        .await;
    assert_eq!(
        client["redirectUris"],
        json!([format!("{web_url}/api/auth/callback/keycloak")])
    );
    assert_eq!(client["webOrigins"], json!([web_url]));
    assert_eq!(client["rootUrl"], web_url);
    assert_eq!(
        client["attributes"]["post.logout.redirect.uris"],
        format!("{web_url}/*")
    );
    // Merged, not replaced: the audience mapper and PKCE survive.
    assert_eq!(client["attributes"]["pkce.code.challenge.method"], "S256");
    assert!(
        client["protocolMappers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["protocolMapper"] == "oidc-audience-mapper"),
        "{client}"
    );
    for name in ["demo", "demo-admin"] {
        let found = kc
            .admin(
                reqwest::Method::GET,
                &format!("/users?username={name}&exact=true"),
                None,
            )
            .await;
        assert_eq!(found, json!([]), "{name} still exists");
    }
    // Safe to run again; a placeholder secret is refused and changes nothing.
    assert!(run(&secret).status.success());
    let out = run("change-me-change-me-change-me");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("KEYCLOAK_CLIENT_SECRET"));
    assert_eq!(kc.secret(&id).await, secret);
}
