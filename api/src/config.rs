//! Configuration from the environment, validated at start with every problem reported at once.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A value that must never be printed: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }
    /// The wrapped value; call sites that need it are easy to find.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Where tokens come from and how they are checked.
#[derive(Debug, Clone)]
pub enum AuthMode {
    /// No identity provider: one built-in local user with admin rights (loopback only).
    Local,
    Keycloak(KeycloakConfig),
}

#[derive(Debug, Clone)]
pub struct KeycloakConfig {
    /// Where discovery and keys are fetched, e.g. `http://keycloak:8080`.
    pub server: String,
    pub realm: String,
    /// The API's client id: required in `aud`, and whose client role `admin` grants admin.
    pub audience: String,
    /// The `iss` tokens carry (what the browser saw).
    pub issuer: String,
    /// Keys older than this are refreshed in the background.
    pub jwks_refresh: Duration,
    /// At most one refetch per this interval when a token names an unknown key.
    pub key_refetch_min: Duration,
    /// Deadline for one whole discovery + JWKS fetch.
    pub http_timeout: Duration,
    /// Extra attempts within that deadline after a connection error.
    pub http_retries: u32,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: Secret<String>,
    pub db_max_connections: u32,
    pub bind_addr: SocketAddr,
    pub data_dir: PathBuf,
    pub auth: AuthMode,
    /// 32-byte AES-256-GCM key for credentials at rest.
    pub encryption_master_key: Option<Secret<[u8; 32]>>,
    /// Earlier keys, so credentials can be re-encrypted under the current one.
    pub encryption_old_keys: Vec<Secret<[u8; 32]>>,
    pub rust_log: String,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
}

/// Every problem found in the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration ({} problem(s)):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl Config {
    /// Reads the process environment (after a `.env` file, if any, was loaded by the caller).
    pub fn from_env() -> Result<Self, ConfigErrors> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_vars(&vars)
    }

    /// Builds the configuration from a map of variables; empty values count as unset.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigErrors> {
        let mut r = Reader {
            vars,
            errors: Vec::new(),
        };
        let data_dir = PathBuf::from(r.get("DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = r
            .get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/butler.db?mode=rwc", data_dir.display()));
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            r.errors
                .push("DATABASE_URL must start with sqlite:, postgres:// or postgresql://".into());
        }
        let db_max_connections = r.parse_in("DB_MAX_CONNECTIONS", 10u32, 1..=1000);
        let bind_addr = r
            .parse::<SocketAddr>("BIND_ADDR", "an IP:port such as 127.0.0.1:3000")
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
        let rust_log = r.get("RUST_LOG").unwrap_or_else(|| "info".into());
        let log_format = match r.get("LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                r.errors
                    .push(format!("LOG_FORMAT must be json or pretty, got {other:?}"));
                LogFormat::Pretty
            }
        };
        let max_body_bytes = r.parse_in("MAX_BODY_BYTES", 1_048_576usize, 1024..=64 * 1_048_576);

        let auth = match r.get("KEYCLOAK_SERVER") {
            None => {
                for v in ["KEYCLOAK_REALM", "KEYCLOAK_AUDIENCE", "KEYCLOAK_ISSUER"] {
                    if r.get(v).is_some() {
                        r.errors.push(format!(
                            "{v} is set but KEYCLOAK_SERVER is not: set KEYCLOAK_SERVER for Keycloak mode, or unset {v} for local mode"
                        ));
                    }
                }
                if !bind_addr.ip().is_loopback() {
                    r.errors.push(format!(
                        "BIND_ADDR {bind_addr} is not a loopback address: without KEYCLOAK_SERVER the Butler runs in local single-user mode, where every request acts as the admin user, so it only listens on 127.0.0.1 or ::1. Set KEYCLOAK_SERVER to serve other machines."
                    ));
                }
                AuthMode::Local
            }
            Some(server) => {
                let server = server.trim_end_matches('/').to_string();
                if !(server.starts_with("http://") || server.starts_with("https://")) {
                    r.errors
                        .push("KEYCLOAK_SERVER must be an http:// or https:// URL".into());
                }
                let realm = r.required("KEYCLOAK_REALM");
                let audience = r.required("KEYCLOAK_AUDIENCE");
                let issuer = r
                    .get("KEYCLOAK_ISSUER")
                    .map(|s| s.trim_end_matches('/').to_string())
                    .unwrap_or_else(|| format!("{server}/realms/{realm}"));
                AuthMode::Keycloak(KeycloakConfig {
                    server,
                    realm,
                    audience,
                    issuer,
                    jwks_refresh: Duration::from_secs(r.parse_in(
                        "KEYCLOAK_JWKS_REFRESH_SECS",
                        60u64,
                        1..=86_400,
                    )),
                    key_refetch_min: Duration::from_secs(r.parse_in(
                        "KEYCLOAK_KEY_REFETCH_MIN_SECS",
                        5u64,
                        0..=3_600,
                    )),
                    http_timeout: Duration::from_millis(r.parse_in(
                        "KEYCLOAK_HTTP_TIMEOUT_MS",
                        3_000u64,
                        100..=60_000,
                    )),
                    http_retries: r.parse_in("KEYCLOAK_HTTP_RETRIES", 2u32, 0..=10),
                })
            }
        };

        let encryption_master_key = r.get("ENCRYPTION_MASTER_KEY").and_then(|v| {
            parse_key(&v)
                .map_err(|e| r.errors.push(format!("ENCRYPTION_MASTER_KEY {e}")))
                .ok()
        });
        let encryption_old_keys = r
            .get("ENCRYPTION_OLD_KEYS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .enumerate()
                    .filter_map(|(i, k)| {
                        parse_key(k)
                            .map_err(|e| {
                                r.errors
                                    .push(format!("ENCRYPTION_OLD_KEYS entry {} {e}", i + 1))
                            })
                            .ok()
                    })
                    .collect()
            })
            .unwrap_or_default();

        if !r.errors.is_empty() {
            return Err(ConfigErrors(r.errors));
        }
        Ok(Config {
            database_url: Secret::new(database_url),
            db_max_connections,
            bind_addr,
            data_dir,
            auth,
            encryption_master_key,
            encryption_old_keys,
            rust_log,
            log_format,
            max_body_bytes,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }
}

/// Parses 64 hex characters into a 32-byte key.
fn parse_key(v: &str) -> Result<Secret<[u8; 32]>, String> {
    if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("must be 64 hexadecimal characters (32 bytes)".into());
    }
    let mut key = [0u8; 32];
    for (i, chunk) in v.as_bytes().chunks(2).enumerate() {
        let s = std::str::from_utf8(chunk).map_err(|_| "is not ASCII".to_string())?;
        key[i] = u8::from_str_radix(s, 16).map_err(|_| "is not hexadecimal".to_string())?;
    }
    Ok(Secret::new(key))
}

struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    errors: Vec<String>,
}

impl Reader<'_> {
    fn get(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn required(&mut self, name: &str) -> String {
        self.get(name).unwrap_or_else(|| {
            self.errors
                .push(format!("{name} is required when KEYCLOAK_SERVER is set"));
            String::new()
        })
    }

    fn parse<T: std::str::FromStr>(&mut self, name: &str, expected: &str) -> Option<T> {
        let raw = self.get(name)?;
        match raw.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.errors
                    .push(format!("{name} must be {expected}, got {raw:?}"));
                None
            }
        }
    }

    fn parse_in<T>(&mut self, name: &str, default: T, range: std::ops::RangeInclusive<T>) -> T
    where
        T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    {
        let expected = format!("a number from {} to {}", range.start(), range.end());
        match self.parse::<T>(name, &expected) {
            Some(v) if range.contains(&v) => v,
            Some(v) => {
                self.errors
                    .push(format!("{name} must be {expected}, got {v}"));
                default
            }
            None => default,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_give_local_mode_on_sqlite_under_data() {
        let c = Config::from_vars(&vars(&[])).unwrap();
        assert!(matches!(c.auth, AuthMode::Local));
        assert_eq!(
            c.database_url.expose(),
            "sqlite://./data/butler.db?mode=rwc"
        );
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Pretty);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = Config::from_vars(&vars(&[
            ("DB_MAX_CONNECTIONS", "zero"),
            ("BIND_ADDR", "nowhere"),
            ("LOG_FORMAT", "xml"),
            ("ENCRYPTION_MASTER_KEY", "abc"),
            ("KEYCLOAK_SERVER", "http://kc:8080"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "DB_MAX_CONNECTIONS",
            "BIND_ADDR",
            "LOG_FORMAT",
            "ENCRYPTION_MASTER_KEY",
            "KEYCLOAK_REALM",
            "KEYCLOAK_AUDIENCE",
        ] {
            assert!(text.contains(needle), "{needle} missing from:\n{text}");
        }
        assert_eq!(err.0.len(), 6, "{text}");
    }

    #[test]
    fn local_mode_refuses_a_non_loopback_bind_address_and_says_why() {
        let err = Config::from_vars(&vars(&[("BIND_ADDR", "0.0.0.0:3000")])).unwrap_err();
        assert!(err.to_string().contains("local single-user mode"), "{err}");
        let ok = Config::from_vars(&vars(&[
            ("BIND_ADDR", "0.0.0.0:3000"),
            ("KEYCLOAK_SERVER", "http://kc:8080"),
            ("KEYCLOAK_REALM", "butler"),
            ("KEYCLOAK_AUDIENCE", "butler-api"),
        ]))
        .unwrap();
        match ok.auth {
            AuthMode::Keycloak(k) => assert_eq!(k.issuer, "http://kc:8080/realms/butler"),
            AuthMode::Local => panic!("expected keycloak mode"),
        }
        assert!(Config::from_vars(&vars(&[("BIND_ADDR", "[::1]:3000")])).is_ok());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let key = "ab".repeat(32);
        let c = Config::from_vars(&vars(&[
            ("ENCRYPTION_MASTER_KEY", &key),
            ("DATABASE_URL", "postgres://u:hunter2@db/x"),
        ]))
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2") && !dbg.contains("171"), "{dbg}");
        assert_eq!(c.encryption_master_key.unwrap().expose()[0], 0xab);
    }
}
