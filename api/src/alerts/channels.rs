//! Channel kinds: a `webhook` (JSON, signed with the channel's secret), `ntfy` (an HTTP push
//! to a topic URL, self-hostable), both passing the SSRF policy of RPC URLs, and `email`
//! (`mailto:` through the admin's SMTP server, `email.rs`).

use std::net::IpAddr;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::config::RpcNetworks;
use crate::connectors::rpc_guard::check_ip;

pub const WEBHOOK: &str = "webhook";
pub const NTFY: &str = "ntfy";
pub const EMAIL: &str = "email";
pub const KINDS: [&str; 3] = [WEBHOOK, NTFY, EMAIL];

/// The field name binding a channel's sealed secret (AES-GCM associated data).
pub const SECRET_FIELD: &str = "alert_channel_secret";

pub const SIGNATURE_HEADER: &str = "X-Butler-Signature";
pub const TIMESTAMP_HEADER: &str = "X-Butler-Timestamp";
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Why a channel URL is refused (the message is shown to the user).
pub fn check_url(raw: &str, allow: RpcNetworks) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| "must be an absolute URL".to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials (use the channel's token)".into());
    }
    let Some(host) = url.host_str() else {
        return Err("must name a host".into());
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let literal = if host.eq_ignore_ascii_case("localhost") {
        Some(IpAddr::from([127, 0, 0, 1]))
    } else {
        host.parse::<IpAddr>().ok()
    };
    if let Some(ip) = literal {
        check_ip(ip, allow).map_err(|class| {
            format!("points to a {class} address, which EVM_RPC_ALLOW_NETWORKS does not allow")
        })?;
    }
    Ok(url)
}

/// A new webhook signing secret: 32 random bytes, hex, prefixed `whsec_`.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", hex(&bytes))
}

/// `X-Butler-Signature`: hex HMAC-SHA256, keyed with the secret's text, of
/// `"{timestamp}.{body}"`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An ntfy topic URL split into the server (where JSON is published) and the topic.
pub fn ntfy_parts(url: &reqwest::Url) -> Option<(reqwest::Url, String)> {
    let segs: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let (topic, prefix) = segs.split_last()?;
    if !topic
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let mut server = url.clone();
    server.set_path(&format!("/{}", prefix.join("/")));
    server.set_query(None);
    Some((server, topic.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_timestamp_and_body() {
        let s = sign("whsec_k", 1_700_000_000, b"{\"a\":1}");
        assert_eq!(s.len(), 64);
        assert_ne!(s, sign("whsec_k", 1_700_000_001, b"{\"a\":1}"));
        assert_ne!(s, sign("whsec_k", 1_700_000_000, b"{\"a\":2}"));
        assert_ne!(s, sign("whsec_j", 1_700_000_000, b"{\"a\":1}"));
    }

    #[test]
    fn urls_follow_the_rpc_network_policy() {
        assert!(check_url("http://127.0.0.1:9/x", RpcNetworks::PUBLIC_ONLY).is_err());
        assert!(check_url("http://localhost:9/x", RpcNetworks::PUBLIC_ONLY).is_err());
        assert!(check_url("http://169.254.169.254/", RpcNetworks::PUBLIC_ONLY).is_err());
        assert!(check_url("http://10.0.0.1/", RpcNetworks::PUBLIC_ONLY).is_err());
        assert!(check_url("https://hooks.example.com/x", RpcNetworks::PUBLIC_ONLY).is_ok());
        assert!(check_url("http://127.0.0.1:9/x", RpcNetworks::ANY).is_ok());
        assert!(check_url("ftp://example.com/", RpcNetworks::ANY).is_err());
        assert!(check_url("https://u:p@example.com/", RpcNetworks::ANY).is_err());
    }

    #[test]
    fn an_ntfy_url_names_server_and_topic() {
        let u = reqwest::Url::parse("https://ntfy.example.com/base/my_topic").unwrap();
        let (server, topic) = ntfy_parts(&u).unwrap();
        assert_eq!(server.as_str(), "https://ntfy.example.com/base");
        assert_eq!(topic, "my_topic");
        assert!(ntfy_parts(&reqwest::Url::parse("https://ntfy.example.com/").unwrap()).is_none());
    }
}
