//! Keycloak access-token validation: issuer, audience, expiry, algorithm and signature, with
//! a signing-key cache that follows key rotation and never hangs on a slow issuer.
//!
//! This replaces axum-keycloak-auth's validator (see docs/auth.md): that crate never re-runs
//! discovery, so rotated keys are refused until a restart, and its HTTP client has no timeout.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, KeyAlgorithm};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::KeycloakConfig;

/// Asymmetric algorithms Keycloak signs with; `none` and the HMAC family are never accepted.
const ALLOWED_ALGORITHMS: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token is invalid: {0}")]
    Invalid(String),
    #[error("the identity provider cannot be reached to check tokens")]
    Unavailable,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RoleList {
    #[serde(default)]
    pub roles: Vec<String>,
}

/// The claims the API reads from a Keycloak access token.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub realm_access: Option<RoleList>,
    #[serde(default)]
    pub resource_access: Option<HashMap<String, RoleList>>,
    /// The client the token was issued to.
    #[serde(default)]
    pub azp: Option<String>,
}

impl Claims {
    /// True for the realm role `admin`, or the role `admin` of the given client only.
    pub fn has_role(&self, role: &str, client_id: &str) -> bool {
        let realm = self
            .realm_access
            .as_ref()
            .is_some_and(|r| r.roles.iter().any(|x| x == role));
        let client = self
            .resource_access
            .as_ref()
            .and_then(|m| m.get(client_id))
            .is_some_and(|r| r.roles.iter().any(|x| x == role));
        realm || client
    }
}

struct KeyEntry {
    key: DecodingKey,
    alg: Option<Algorithm>,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, Arc<KeyEntry>>,
    fetched_at: Option<Instant>,
}

#[derive(Default)]
struct FetchState {
    last_attempt: Option<Instant>,
    last_failed: bool,
}

/// Validates tokens against the configured realm.
pub struct KeycloakValidator {
    cfg: KeycloakConfig,
    http: reqwest::Client,
    cache: RwLock<KeyCache>,
    fetch: tokio::sync::Mutex<FetchState>,
}

#[derive(Deserialize)]
struct Discovery {
    jwks_uri: String,
}

#[derive(Deserialize)]
struct RawJwkSet {
    keys: Vec<serde_json::Value>,
}

impl KeycloakValidator {
    pub fn new(cfg: KeycloakConfig) -> Arc<Self> {
        let http = reqwest::Client::builder()
            .timeout(cfg.http_timeout)
            .connect_timeout(cfg.http_timeout)
            .build()
            .expect("a reqwest client with rustls builds");
        Arc::new(Self {
            cfg,
            http,
            cache: RwLock::new(KeyCache::default()),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
        })
    }

    /// With `KEYCLOAK_ALLOWED_AZP` set, only tokens issued to one of those clients pass.
    fn azp_allowed(&self, claims: &Claims) -> bool {
        self.cfg.allowed_azp.is_empty()
            || claims
                .azp
                .as_ref()
                .is_some_and(|a| self.cfg.allowed_azp.contains(a))
    }

    pub fn config(&self) -> &KeycloakConfig {
        &self.cfg
    }

    /// Whether signing keys are loaded (for readiness).
    pub fn has_keys(&self) -> bool {
        !self.cache.read().expect("key cache lock").keys.is_empty()
    }

    /// Loads the keys now if none are loaded; true when keys are available afterwards.
    pub async fn ensure_keys(&self) -> bool {
        if self.has_keys() {
            return true;
        }
        self.refresh(None).await.is_ok() && self.has_keys()
    }

    /// Checks a compact JWS and returns its claims.
    pub async fn validate(self: &Arc<Self>, token: &str) -> Result<Claims, TokenError> {
        let header =
            decode_header(token).map_err(|e| TokenError::Invalid(format!("bad header: {e}")))?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(TokenError::Invalid(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| TokenError::Invalid("no key id (kid)".into()))?;
        let entry = self.key_for(&kid).await?;
        if entry.alg.is_some_and(|a| a != header.alg) {
            return Err(TokenError::Invalid(
                "algorithm does not match the signing key".into(),
            ));
        }
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[self.cfg.issuer.as_str()]);
        v.set_audience(&[self.cfg.audience.as_str()]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.validate_nbf = true;
        v.leeway = 30;
        match decode::<Claims>(token, &entry.key, &v) {
            Ok(data) if !self.azp_allowed(&data.claims) => Err(TokenError::Invalid(
                "the token was issued to a client this API does not accept (azp)".into(),
            )),
            Ok(data) => Ok(data.claims),
            Err(e) => Err(match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                    TokenError::Invalid("wrong issuer".into())
                }
                jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                    TokenError::Invalid("the token is not meant for this API (aud)".into())
                }
                jsonwebtoken::errors::ErrorKind::MissingRequiredClaim(c) => {
                    TokenError::Invalid(format!("missing claim {c}"))
                }
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    TokenError::Invalid("bad signature".into())
                }
                _ => TokenError::Invalid("malformed token".into()),
            }),
        }
    }

    async fn key_for(self: &Arc<Self>, kid: &str) -> Result<Arc<KeyEntry>, TokenError> {
        let (hit, stale, seen_at) = {
            let c = self.cache.read().expect("key cache lock");
            let stale = c
                .fetched_at
                .is_none_or(|t| t.elapsed() >= self.cfg.jwks_refresh);
            (c.keys.get(kid).cloned(), stale, c.fetched_at)
        };
        if let Some(entry) = hit {
            if stale {
                let me = Arc::clone(self);
                tokio::spawn(async move {
                    let _ = me.refresh(seen_at).await;
                });
            }
            return Ok(entry);
        }
        let fetched = self.refresh(seen_at).await;
        if let Some(entry) = self.cache.read().expect("key cache lock").keys.get(kid) {
            return Ok(entry.clone());
        }
        match fetched {
            Err(()) => Err(TokenError::Unavailable),
            Ok(()) => Err(TokenError::Invalid(
                "signed by a key the issuer does not publish".into(),
            )),
        }
    }

    /// Fetches the key set once for everyone waiting. `seen_at` is the cache time the caller
    /// saw: if the cache changed since, the caller's refresh already happened. Err means the
    /// issuer could not be reached (now or in the last attempt, inside the refetch interval).
    async fn refresh(&self, seen_at: Option<Instant>) -> Result<(), ()> {
        let mut state = self.fetch.lock().await;
        let current = self.cache.read().expect("key cache lock").fetched_at;
        if current.is_some() && current != seen_at {
            return Ok(());
        }
        if let Some(last) = state.last_attempt {
            if last.elapsed() < self.cfg.key_refetch_min {
                return if state.last_failed { Err(()) } else { Ok(()) };
            }
        }
        state.last_attempt = Some(Instant::now());
        let result = tokio::time::timeout(self.cfg.http_timeout, self.fetch_keys()).await;
        match result {
            Ok(Ok(keys)) => {
                let mut c = self.cache.write().expect("key cache lock");
                c.keys = keys;
                c.fetched_at = Some(Instant::now());
                state.last_failed = false;
                tracing::info!(keys = c.keys.len(), "loaded identity provider signing keys");
                Ok(())
            }
            Ok(Err(e)) => {
                state.last_failed = true;
                tracing::warn!(error = %e, "could not load identity provider signing keys");
                Err(())
            }
            Err(_) => {
                state.last_failed = true;
                tracing::warn!(
                    timeout_ms = self.cfg.http_timeout.as_millis() as u64,
                    "identity provider did not answer in time"
                );
                Err(())
            }
        }
    }

    async fn fetch_keys(&self) -> Result<HashMap<String, Arc<KeyEntry>>, String> {
        let discovery_url = format!(
            "{}/realms/{}/.well-known/openid-configuration",
            self.cfg.server, self.cfg.realm
        );
        let discovery: Discovery = self.get_json(&discovery_url).await?;
        let jwks_url = rebase_on_server(&discovery.jwks_uri, &self.cfg.server);
        let set: RawJwkSet = self.get_json(&jwks_url).await?;
        let mut keys = HashMap::new();
        for raw in set.keys {
            if raw.get("use").and_then(|u| u.as_str()) == Some("enc") {
                continue;
            }
            let Ok(jwk) = serde_json::from_value::<Jwk>(raw) else {
                continue;
            };
            let Some(kid) = jwk.common.key_id.clone() else {
                continue;
            };
            let alg = jwk.common.key_algorithm.and_then(signing_algorithm);
            if let Ok(key) = DecodingKey::from_jwk(&jwk) {
                keys.insert(kid, Arc::new(KeyEntry { key, alg }));
            }
        }
        if keys.is_empty() {
            return Err("the issuer publishes no usable signing key".into());
        }
        Ok(keys)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let mut attempt = 0;
        loop {
            match self.http.get(url).send().await {
                Ok(resp) if resp.status().is_success() => {
                    return resp
                        .json::<T>()
                        .await
                        .map_err(|e| format!("{url}: unreadable answer: {e}"));
                }
                Ok(resp) => return Err(format!("{url}: HTTP {}", resp.status())),
                Err(e) if e.is_connect() && attempt < self.cfg.http_retries => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;
                }
                Err(e) => return Err(format!("{url}: {e}")),
            }
        }
    }
}

fn signing_algorithm(a: KeyAlgorithm) -> Option<Algorithm> {
    Some(match a {
        KeyAlgorithm::RS256 => Algorithm::RS256,
        KeyAlgorithm::RS384 => Algorithm::RS384,
        KeyAlgorithm::RS512 => Algorithm::RS512,
        KeyAlgorithm::PS256 => Algorithm::PS256,
        KeyAlgorithm::PS384 => Algorithm::PS384,
        KeyAlgorithm::PS512 => Algorithm::PS512,
        KeyAlgorithm::ES256 => Algorithm::ES256,
        KeyAlgorithm::ES384 => Algorithm::ES384,
        _ => return None,
    })
}

/// Keycloak advertises URLs under its public hostname, which the API may not reach (inside
/// compose it talks to `http://keycloak:8080`): keep the path, use the configured server.
fn rebase_on_server(url: &str, server: &str) -> String {
    match url
        .find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| i + 3 + j))
    {
        Some(path) if url.starts_with("http") => format!("{}{}", origin(server), &url[path..]),
        _ => url.to_string(),
    }
}

fn origin(server: &str) -> &str {
    match server.find("://") {
        Some(i) => match server[i + 3..].find('/') {
            Some(j) => &server[..i + 3 + j],
            None => server,
        },
        None => server,
    }
}

/// Roles a token holds, flattened (used in logs and `/api/me`).
pub fn role_names(claims: &Claims) -> HashSet<String> {
    let mut out: HashSet<String> = claims
        .realm_access
        .iter()
        .flat_map(|r| r.roles.iter().cloned())
        .collect();
    if let Some(m) = &claims.resource_access {
        for (client, r) in m {
            out.extend(r.roles.iter().map(|x| format!("{client}:{x}")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advertised_jwks_url_is_rebased_on_the_configured_server() {
        assert_eq!(
            rebase_on_server(
                "http://localhost:8080/realms/butler/protocol/openid-connect/certs",
                "http://keycloak:8080"
            ),
            "http://keycloak:8080/realms/butler/protocol/openid-connect/certs"
        );
        assert_eq!(
            rebase_on_server(
                "https://id.example.com/realms/b/certs",
                "https://id.example.com/auth"
            ),
            "https://id.example.com/realms/b/certs"
        );
    }

    #[test]
    fn admin_comes_from_the_realm_or_the_apis_own_client_only() {
        let claims = |json: serde_json::Value| serde_json::from_value::<Claims>(json).unwrap();
        let realm = claims(serde_json::json!({"sub":"a","realm_access":{"roles":["admin"]}}));
        assert!(realm.has_role("admin", "butler-api"));
        let own = claims(
            serde_json::json!({"sub":"a","resource_access":{"butler-api":{"roles":["admin"]}}}),
        );
        assert!(own.has_role("admin", "butler-api"));
        let other = claims(
            serde_json::json!({"sub":"a","resource_access":{"grafana":{"roles":["admin"]}}}),
        );
        assert!(!other.has_role("admin", "butler-api"));
        let service = claims(serde_json::json!({"sub":"svc"}));
        assert!(!service.has_role("admin", "butler-api"));
        assert!(role_names(&other).contains("grafana:admin"));
    }
}
