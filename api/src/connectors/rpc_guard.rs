//! Admin-set RPC URLs are requests the server makes on an admin's behalf (SSRF): this module
//! keeps them to the address ranges the operator allows (`EVM_RPC_ALLOW_NETWORKS`), checked
//! on every connection by the HTTP client's resolver (so a name that re-resolves to 127.0.0.1
//! later is still refused) and on IP literals before a request; caps what an answer may
//! weigh; and reduces an RPC's error answers to a fixed message (HTTP status, JSON-RPC code),
//! so no upstream text reaches `last_sync_error`, the logs or API answers.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::config::RpcNetworks;
use crate::connectors::{ChainBalances, ChainReading, ChainTarget, ConnectorError, TokenMeta};

/// The kind of address an IP is, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    Loopback,
    Private,
    LinkLocal,
}

impl AddressClass {
    fn name(self) -> &'static str {
        match self {
            AddressClass::Public => "public",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
        }
    }
}

pub fn classify(ip: IpAddr) -> AddressClass {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() || a == 0 {
                AddressClass::Loopback
            } else if v4.is_link_local() {
                AddressClass::LinkLocal
            } else if v4.is_private()
                || (a == 100 && (64..128).contains(&b))
                || v4.is_multicast()
                || v4.is_broadcast()
                || a >= 240
            {
                AddressClass::Private
            } else {
                AddressClass::Public
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() || v6.is_unspecified() {
                AddressClass::Loopback
            } else if first & 0xffc0 == 0xfe80 {
                AddressClass::LinkLocal
            } else if first & 0xfe00 == 0xfc00 || v6.is_multicast() {
                AddressClass::Private
            } else {
                AddressClass::Public
            }
        }
    }
}

/// `Err` names the class of an address the policy refuses.
pub fn check_ip(ip: IpAddr, allow: RpcNetworks) -> Result<(), &'static str> {
    let class = classify(ip);
    let allowed = match class {
        AddressClass::Public => true,
        AddressClass::Loopback => allow.loopback,
        AddressClass::Private => allow.private,
        AddressClass::LinkLocal => allow.link_local,
    };
    if allowed {
        Ok(())
    } else {
        Err(class.name())
    }
}

fn refusal_text(class: &str) -> String {
    format!("the RPC URL points to a {class} address, which EVM_RPC_ALLOW_NETWORKS does not allow")
}

/// The HTTP client's resolver: the system's, minus the addresses the policy refuses.
pub struct GuardedResolver {
    allow: RpcNetworks,
}

impl GuardedResolver {
    pub fn new(allow: RpcNetworks) -> Self {
        Self { allow }
    }
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match check_ip(a.ip(), allow) {
                    Ok(()) => true,
                    Err(class) => {
                        refused = Some(class);
                        false
                    }
                })
                .collect();
            if kept.is_empty() {
                let text = match refused {
                    Some(class) => refusal_text(class),
                    None => "the RPC host name has no address".to_string(),
                };
                return Err(text.into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An answer larger than the cap.
#[derive(Debug)]
pub struct TooLarge;

/// Reads a body, giving up as soon as it passes `max` bytes.
pub async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Result<Vec<u8>, TooLarge>, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Ok(Err(TooLarge));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max {
            return Ok(Err(TooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(body))
}

/// The body of a guarded endpoint's answer (Solana RPC, Esplora): 429 is `RateLimited` with its
/// `Retry-After` in seconds, another non-2xx is `Upstream` saying `refused`, a body over `max`
/// bytes is `Network`, and `transport` words a failed read in the caller's own terms.
pub async fn checked_body(
    sent: reqwest::Response,
    provider: &'static str,
    max: usize,
    refused: String,
    transport: impl FnOnce(reqwest::Error) -> ConnectorError,
) -> Result<Vec<u8>, ConnectorError> {
    let status = sent.status().as_u16();
    if status == 429 {
        let retry_after = sent
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_secs);
        return Err(ConnectorError::RateLimited {
            provider,
            retry_after,
        });
    }
    if !(200..300).contains(&status) {
        return Err(ConnectorError::Upstream {
            provider,
            status,
            message: refused,
        });
    }
    match read_capped(sent, max).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(TooLarge)) => Err(ConnectorError::Network {
            provider,
            message: "the answer exceeded EVM_RPC_MAX_RESPONSE_BYTES".into(),
        }),
        Err(e) => Err(transport(e)),
    }
}

/// `ChainBalances` over another, refusing URLs whose IP literal the policy refuses and
/// replacing upstream text in errors by a fixed message.
pub struct GuardedChains {
    inner: Arc<dyn ChainBalances>,
    allow: RpcNetworks,
}

impl GuardedChains {
    pub fn new(inner: Arc<dyn ChainBalances>, allow: RpcNetworks) -> Self {
        Self { inner, allow }
    }
}

/// The JSON-RPC error code in an error message, if one is quoted (`JSON-RPC error -32000`).
fn json_rpc_code(message: &str) -> Option<i64> {
    let rest = message.split("JSON-RPC error ").nth(1)?;
    let end = rest
        .find(|c: char| !(c == '-' || c.is_ascii_digit()))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// What the method was (`eth_call aggregate3`), the text before the first colon, when it is
/// one of ours rather than the upstream's.
fn operation(message: &str) -> Option<&str> {
    let (head, _) = message.split_once(':')?;
    head.starts_with("eth_").then_some(head)
}

/// The error with every piece of upstream-controlled text replaced by a fixed description.
pub fn sanitize(e: ConnectorError) -> ConnectorError {
    match e {
        ConnectorError::Upstream {
            provider,
            status,
            message,
        } => {
            let what = operation(&message)
                .map(|w| format!("{w}: "))
                .unwrap_or_default();
            let message = match (json_rpc_code(&message), status) {
                (Some(code), _) => format!("{what}JSON-RPC error {code}"),
                (None, 300..=399) => {
                    format!("{what}the RPC answered with a redirect, which is not followed")
                }
                (None, _) => format!("{what}the RPC answered with an error"),
            };
            ConnectorError::Upstream {
                provider,
                status,
                message,
            }
        }
        ConnectorError::Decode { provider, message } => {
            let what = operation(&message)
                .map(|w| format!("{w}: "))
                .unwrap_or_default();
            ConnectorError::Decode {
                provider,
                message: format!("{what}the answer is not a valid JSON-RPC response"),
            }
        }
        ConnectorError::Network { provider, message } => {
            let message = if message.contains("EVM_RPC_ALLOW_NETWORKS") {
                let class = ["loopback", "private", "link-local"]
                    .into_iter()
                    .find(|c| message.contains(&format!("a {c} address")))
                    .unwrap_or("private");
                refusal_text(class)
            } else if message.contains("exceeded the size cap") {
                "the answer exceeded EVM_RPC_MAX_RESPONSE_BYTES".to_string()
            } else {
                message
            };
            ConnectorError::Network { provider, message }
        }
        other => other,
    }
}

#[async_trait::async_trait]
impl ChainBalances for GuardedChains {
    async fn read(
        &self,
        chain: &ChainTarget,
        wallet: &str,
    ) -> Result<ChainReading, ConnectorError> {
        self.refuse_literal(&chain.chain_name, &chain.rpc_url)?;
        self.inner.read(chain, wallet).await.map_err(sanitize)
    }

    async fn read_wallets(
        &self,
        chain: &ChainTarget,
        wallets: &[String],
    ) -> Result<Vec<ChainReading>, ConnectorError> {
        self.refuse_literal(&chain.chain_name, &chain.rpc_url)?;
        self.inner
            .read_wallets(chain, wallets)
            .await
            .map_err(sanitize)
    }

    async fn token_metadata(
        &self,
        chain: &ChainTarget,
        tokens: &[String],
    ) -> Result<Vec<TokenMeta>, ConnectorError> {
        self.refuse_literal(&chain.chain_name, &chain.rpc_url)?;
        self.inner
            .token_metadata(chain, tokens)
            .await
            .map_err(sanitize)
    }

    async fn chain_id(&self, chain_name: &str, rpc_url: &str) -> Result<u64, ConnectorError> {
        self.refuse_literal(chain_name, rpc_url)?;
        self.inner
            .chain_id(chain_name, rpc_url)
            .await
            .map_err(sanitize)
    }

    async fn defi_positions(
        &self,
        target: &super::defi::DefiTarget,
        wallet: &str,
    ) -> Result<super::defi::DefiReading, ConnectorError> {
        self.refuse_literal(&target.chain.chain_name, &target.chain.rpc_url)?;
        self.inner
            .defi_positions(target, wallet)
            .await
            .map_err(sanitize)
    }

    async fn defi_positions_wallets(
        &self,
        target: &super::defi::DefiTarget,
        wallets: &[String],
    ) -> Result<Vec<super::defi::DefiReading>, ConnectorError> {
        self.refuse_literal(&target.chain.chain_name, &target.chain.rpc_url)?;
        self.inner
            .defi_positions_wallets(target, wallets)
            .await
            .map_err(sanitize)
    }
}

impl GuardedChains {
    /// Refuses an RPC URL whose host is an IP literal outside the allowed networks, before
    /// any request (names are checked by the resolver on every connection).
    fn refuse_literal(&self, chain_name: &str, rpc_url: &str) -> Result<(), ConnectorError> {
        let literal = reqwest::Url::parse(rpc_url).ok().and_then(|u| {
            let host = u.host_str()?.trim_start_matches('[').trim_end_matches(']');
            host.parse::<IpAddr>().ok()
        });
        if let Some(ip) = literal {
            if let Err(class) = check_ip(ip, self.allow) {
                return Err(ConnectorError::Refused {
                    provider: crate::connectors::evm::provider_label(chain_name),
                    reason: refusal_text(class),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_fall_into_the_policy_classes() {
        for (a, class) in [
            ("8.8.8.8", AddressClass::Public),
            ("2606:4700::1111", AddressClass::Public),
            ("127.0.0.1", AddressClass::Loopback),
            ("0.0.0.0", AddressClass::Loopback),
            ("::1", AddressClass::Loopback),
            ("::ffff:127.0.0.1", AddressClass::Loopback),
            ("10.1.2.3", AddressClass::Private),
            ("172.16.0.1", AddressClass::Private),
            ("192.168.1.1", AddressClass::Private),
            ("100.64.0.1", AddressClass::Private),
            ("fd00::1", AddressClass::Private),
            ("169.254.169.254", AddressClass::LinkLocal),
            ("::ffff:169.254.169.254", AddressClass::LinkLocal),
            ("fe80::1", AddressClass::LinkLocal),
        ] {
            assert_eq!(classify(ip(a)), class, "{a}");
        }
    }

    #[test]
    fn public_only_refuses_metadata_and_loopback_and_any_allows_them() {
        assert_eq!(
            check_ip(ip("169.254.169.254"), RpcNetworks::PUBLIC_ONLY),
            Err("link-local")
        );
        assert_eq!(
            check_ip(ip("127.0.0.1"), RpcNetworks::PUBLIC_ONLY),
            Err("loopback")
        );
        assert_eq!(check_ip(ip("1.1.1.1"), RpcNetworks::PUBLIC_ONLY), Ok(()));
        assert_eq!(check_ip(ip("169.254.169.254"), RpcNetworks::ANY), Ok(()));
    }

    #[test]
    fn sanitized_errors_keep_status_and_json_rpc_code_but_no_upstream_text() {
        let e = sanitize(ConnectorError::Upstream {
            provider: "evm:x",
            status: 200,
            message: "eth_call aggregate3: JSON-RPC error -32000: <script>secret body</script>"
                .into(),
        });
        assert_eq!(
            e.to_string(),
            "evm:x answered HTTP 200: eth_call aggregate3: JSON-RPC error -32000"
        );
        let e = sanitize(ConnectorError::Upstream {
            provider: "evm:x",
            status: 502,
            message: "eth_getBalance: upstream says hello from 10.0.0.7".into(),
        });
        assert_eq!(
            e.to_string(),
            "evm:x answered HTTP 502: eth_getBalance: the RPC answered with an error"
        );
        let e = sanitize(ConnectorError::Decode {
            provider: "evm:x",
            message: "eth_getCode: expected value at line 1 column 1: <html>".into(),
        });
        assert!(!e.to_string().contains("html"), "{e}");
    }
}
