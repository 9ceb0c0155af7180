//! Local mode's defences for a loopback API with no sign-in, where any web page the user opens
//! could otherwise talk to it through their browser:
//! - DNS rebinding: a request whose `Host` is not a loopback name or address with the bound
//!   port is refused (a rebinding page sends its own host name).
//! - CSRF: a state-changing request whose `Origin` is neither the dashboard's (`WEB_ORIGINS`)
//!   nor the API's own, or that the browser marks `Sec-Fetch-Site: cross-site`, is refused.
//!
//! Requests without these headers (curl, the web app's server-side proxy) pass: browsers always
//! send `Host`, and send `Origin` on every cross-origin `POST`, `PUT` and `DELETE`.

use std::net::IpAddr;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::{AuthContext, Authenticator};
use crate::error::error_response;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Host(String),
    Origin(String),
    CrossSite,
}

impl Refusal {
    fn message(&self) -> String {
        match self {
            Refusal::Host(h) => format!(
                "local mode only answers requests addressed to localhost or a loopback address with the API's port; Host {h:?} is not"
            ),
            Refusal::Origin(o) => format!(
                "local mode only accepts changes from the dashboard (WEB_ORIGINS); Origin {o:?} is not allowed"
            ),
            Refusal::CrossSite => {
                "local mode refuses changes sent by another site (Sec-Fetch-Site: cross-site)"
                    .into()
            }
        }
    }
}

/// Splits `host[:port]` (IPv6 in brackets) into a lower-case host and the port, if any.
fn split_host(value: &str) -> Option<(String, Option<u16>)> {
    let value = value.trim();
    if let Some(rest) = value.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        return Some((host.to_ascii_lowercase(), port));
    }
    match value.rsplit_once(':') {
        Some((h, p)) => Some((h.to_ascii_lowercase(), Some(p.parse().ok()?))),
        None => Some((value.to_ascii_lowercase(), None)),
    }
}

fn is_loopback_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    // RFC 6761: browsers resolve `localhost` and `*.localhost` to loopback themselves.
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `Host` names this API on loopback. A port of 0 in `BIND_ADDR` (an OS-chosen port)
/// accepts any port.
pub fn host_allowed(value: &str, bound_port: u16) -> bool {
    let Some((host, port)) = split_host(value) else {
        return false;
    };
    let port_ok = bound_port == 0 || port.unwrap_or(80) == bound_port;
    port_ok && is_loopback_name(&host)
}

/// Checks one request's method and headers.
pub fn check(
    method: &Method,
    headers: &HeaderMap,
    bound_port: u16,
    web_origins: &[String],
) -> Result<(), Refusal> {
    let host = headers
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("\u{fffd}").to_string());
    if let Some(h) = &host {
        if !host_allowed(h, bound_port) {
            return Err(Refusal::Host(h.clone()));
        }
    }
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("\u{fffd}").to_ascii_lowercase();
        let own = host.as_deref().is_some_and(|h| {
            let h = h.to_ascii_lowercase();
            origin == format!("http://{h}") || origin == format!("https://{h}")
        });
        if own || web_origins.contains(&origin) {
            return Ok(());
        }
        return Err(Refusal::Origin(origin));
    }
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"));
    if cross_site {
        return Err(Refusal::CrossSite);
    }
    Ok(())
}

/// The middleware: a no-op in Keycloak mode (tokens are the defence there).
pub async fn guard_local_requests(
    State(state): State<AuthContext>,
    req: Request,
    next: Next,
) -> Response {
    if !matches!(state.auth, Authenticator::Local) {
        return next.run(req).await;
    }
    match check(
        req.method(),
        req.headers(),
        state.config.bind_addr.port(),
        &state.config.web_origins,
    ) {
        Ok(()) => next.run(req).await,
        Err(refusal) => {
            tracing::warn!(?refusal, "refused a local-mode request");
            error_response(
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                refusal.message(),
                None,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Vec<String> {
        vec![
            "http://localhost:3001".into(),
            "http://127.0.0.1:3001".into(),
        ]
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn loopback_hosts_with_the_bound_port_pass_and_others_do_not() {
        for ok in [
            "localhost:3000",
            "127.0.0.1:3000",
            "127.1.2.3:3000",
            "[::1]:3000",
            "LOCALHOST:3000",
            "app.localhost:3000",
            "localhost.:3000",
        ] {
            assert!(host_allowed(ok, 3000), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "localhost:3001",
            "localhost",
            "127.0.0.1",
            "192.168.1.5:3000",
            "localhost.evil.example:3000",
            "[::2]:3000",
            "[::1]x:3000",
            "",
        ] {
            assert!(!host_allowed(bad, 3000), "{bad}");
        }
        assert!(host_allowed("localhost:49152", 0));
        assert!(host_allowed("localhost", 80));
    }

    #[test]
    fn cross_origin_changes_are_refused_and_reads_are_not() {
        let h = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example"),
        ]);
        assert_eq!(
            check(&Method::POST, &h, 3000, &origins()),
            Err(Refusal::Origin("https://evil.example".into()))
        );
        assert_eq!(check(&Method::GET, &h, 3000, &origins()), Ok(()));
        let h = headers(&[("origin", "null")]);
        assert!(check(&Method::DELETE, &h, 3000, &origins()).is_err());
        let h = headers(&[("sec-fetch-site", "cross-site")]);
        assert_eq!(
            check(&Method::PUT, &h, 3000, &origins()),
            Err(Refusal::CrossSite)
        );
    }

    #[test]
    fn the_dashboard_the_api_itself_and_header_less_clients_may_change_state() {
        let dash = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://localhost:3001"),
        ]);
        assert_eq!(check(&Method::POST, &dash, 3000, &origins()), Ok(()));
        let own = headers(&[
            ("host", "localhost:3000"),
            ("origin", "http://localhost:3000"),
        ]);
        assert_eq!(check(&Method::POST, &own, 3000, &origins()), Ok(()));
        let proxy = headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-mode", "cors")]);
        assert_eq!(check(&Method::POST, &proxy, 3000, &origins()), Ok(()));
        assert_eq!(
            check(&Method::POST, &HeaderMap::new(), 3000, &origins()),
            Ok(())
        );
    }
}
