//! An OIDC issuer in Keycloak's URL layout with RSA keys made in the test, plus an issuer
//! that is down and one that accepts connections and never answers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

pub const REALM: &str = "butler";
pub const AUDIENCE: &str = "butler-api";

/// Three RSA keys per test run: two the issuer publishes in turn, one it never publishes.
pub fn keys() -> &'static [RsaPrivateKey] {
    static KEYS: OnceLock<Vec<RsaPrivateKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rand::thread_rng();
        (0..3)
            .map(|_| RsaPrivateKey::new(&mut rng, 2048).expect("rsa key"))
            .collect()
    })
}

fn jwk(kid: &str, key: &RsaPrivateKey) -> Value {
    let public = key.to_public_key();
    json!({
        "kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    })
}

pub fn sign(key: &RsaPrivateKey, kid: &str, claims: &Value) -> String {
    let der = key.to_pkcs1_der().expect("der");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    encode(&header, claims, &EncodingKey::from_rsa_der(der.as_bytes())).expect("sign")
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

struct Published {
    /// (kid, index into keys())
    keys: Vec<(String, usize)>,
    jwks_hits: usize,
}

pub struct TestIssuer {
    pub base: String,
    published: Arc<Mutex<Published>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestIssuer {
    /// Serves discovery and a JWKS publishing key 0 as `k1`.
    pub async fn start() -> Self {
        let published = Arc::new(Mutex::new(Published {
            keys: vec![("k1".into(), 0)],
            jwks_hits: 0,
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let base = format!("http://127.0.0.1:{}", addr.port());
        let app = Router::new()
            .route(
                &format!("/realms/{REALM}/.well-known/openid-configuration"),
                get(discovery),
            )
            .route(
                &format!("/realms/{REALM}/protocol/openid-connect/certs"),
                get(certs),
            )
            .with_state((base.clone(), published.clone()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Self {
            base,
            published,
            stop: Some(tx),
        }
    }

    pub fn issuer(&self) -> String {
        format!("{}/realms/{REALM}", self.base)
    }

    /// Claims of a valid token for `sub` (an ordinary user).
    pub fn claims(&self, sub: &str) -> Value {
        json!({
            "iss": self.issuer(), "aud": [AUDIENCE, "account"], "sub": sub,
            "exp": now() + 300, "iat": now(), "typ": "Bearer", "azp": "butler-web",
            "email": format!("{sub}@example.com"), "preferred_username": sub,
            "realm_access": {"roles": ["user", "offline_access"]},
        })
    }

    /// Signs with the key the issuer currently publishes first.
    pub fn token(&self, claims: &Value) -> String {
        let (kid, idx) = self.published.lock().unwrap().keys[0].clone();
        sign(&keys()[idx], &kid, claims)
    }

    /// A valid token for `sub`.
    pub fn user_token(&self, sub: &str) -> String {
        self.token(&self.claims(sub))
    }

    /// Replaces the published key: key 1 as `k2`.
    pub fn rotate(&self) {
        self.published.lock().unwrap().keys = vec![("k2".into(), 1)];
    }

    pub fn jwks_hits(&self) -> usize {
        self.published.lock().unwrap().jwks_hits
    }
}

impl Drop for TestIssuer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

type IssuerState = (String, Arc<Mutex<Published>>);

async fn discovery(State((base, _)): State<IssuerState>) -> Json<Value> {
    Json(json!({
        "issuer": format!("{base}/realms/{REALM}"),
        "jwks_uri": format!("{base}/realms/{REALM}/protocol/openid-connect/certs"),
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

async fn certs(State((_, published)): State<IssuerState>) -> Json<Value> {
    let mut p = published.lock().unwrap();
    p.jwks_hits += 1;
    let mut published: Vec<Value> = p
        .keys
        .iter()
        .map(|(kid, i)| jwk(kid, &keys()[*i]))
        .collect();
    // Keycloak also publishes an encryption key; it must be ignored, not break parsing.
    let mut enc = jwk("enc-1", &keys()[2]);
    enc["use"] = json!("enc");
    enc["alg"] = json!("RSA-OAEP");
    published.push(enc);
    Json(json!({ "keys": published }))
}

/// A URL where nothing listens.
pub async fn dead_url() -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

/// Accepts connections and never answers; stops when dropped.
pub struct HangingServer {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl HangingServer {
    pub async fn start() -> Self {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", l.local_addr().unwrap().port());
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((sock, _)) = l.accept().await {
                held.push(sock);
            }
        });
        Self { base, task }
    }
}

impl Drop for HangingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
