//! Rules for the EVM chain registry an admin edits.

use crate::validation::FieldError;

/// The lowest and highest token decimals the Butler accepts.
pub const MAX_DECIMALS: i32 = 36;

/// A chain name is how accounts refer to a chain: lowercase letters, digits and dashes.
pub fn check_chain_name(name: &str, errors: &mut Vec<FieldError>) {
    let ok = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-');
    if !ok {
        errors.push(FieldError::new(
            "chain_name",
            "must be 1-32 lowercase letters, digits or dashes",
        ));
    }
}

pub fn check_chain_id(chain_id: i64, errors: &mut Vec<FieldError>) {
    if chain_id <= 0 {
        errors.push(FieldError::new("chain_id", "must be a positive integer"));
    }
}

/// An RPC URL must be http or https with a host.
pub fn check_rpc_url(url: &str, errors: &mut Vec<FieldError>) {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
        _ => errors.push(FieldError::new(
            "rpc_url",
            "must be an http:// or https:// URL",
        )),
    }
}

/// The form two RPC URLs share when they name the same endpoint: scheme and host lowercase,
/// default port dropped, no trailing slash. Unparsable URLs compare as written.
pub fn rpc_identity(url: &str) -> String {
    match url::Url::parse(url.trim()) {
        Ok(u) => {
            let mut out = format!("{}://{}", u.scheme(), u.host_str().unwrap_or_default());
            if let Some(port) = u.port() {
                out.push_str(&format!(":{port}"));
            }
            out.push_str(u.path().trim_end_matches('/'));
            if let Some(q) = u.query() {
                out.push('?');
                out.push_str(q);
            }
            out
        }
        Err(_) => url.trim().to_string(),
    }
}

pub fn check_symbol(field: &str, symbol: &str, errors: &mut Vec<FieldError>) {
    if symbol.trim().is_empty() || symbol.len() > 16 {
        errors.push(FieldError::new(field, "must be 1-16 characters"));
    }
}

pub fn check_decimals(field: &str, decimals: i32, errors: &mut Vec<FieldError>) {
    if !(0..=MAX_DECIMALS).contains(&decimals) {
        errors.push(FieldError::new(field, "must be from 0 to 36"));
    }
}

pub fn check_display_name(name: &str, errors: &mut Vec<FieldError>) {
    if name.trim().is_empty() || name.len() > 64 {
        errors.push(FieldError::new("display_name", "must be 1-64 characters"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_endpoint_written_two_ways_has_one_rpc_identity() {
        assert_eq!(
            rpc_identity("HTTPS://RPC.Example.com:443/v1/"),
            rpc_identity("https://rpc.example.com/v1")
        );
        assert_ne!(
            rpc_identity("http://127.0.0.1:8545"),
            rpc_identity("http://127.0.0.1:8546")
        );
        assert_ne!(
            rpc_identity("https://rpc.example.com/?key=a"),
            rpc_identity("https://rpc.example.com/?key=b")
        );
    }

    fn errors(f: impl FnOnce(&mut Vec<FieldError>)) -> Vec<String> {
        let mut e = Vec::new();
        f(&mut e);
        e.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn rpc_urls_must_be_http_or_https() {
        assert!(errors(|e| check_rpc_url("https://mainnet.base.org", e)).is_empty());
        assert!(errors(|e| check_rpc_url("http://127.0.0.1:8545", e)).is_empty());
        assert_eq!(errors(|e| check_rpc_url("ws://node:8546", e)), ["rpc_url"]);
        assert_eq!(errors(|e| check_rpc_url("not a url", e)), ["rpc_url"]);
    }

    #[test]
    fn chain_names_and_numbers_are_checked() {
        assert!(errors(|e| check_chain_name("arbitrum-nova", e)).is_empty());
        assert_eq!(errors(|e| check_chain_name("Arbitrum", e)), ["chain_name"]);
        assert_eq!(errors(|e| check_chain_name("", e)), ["chain_name"]);
        assert_eq!(errors(|e| check_chain_id(0, e)), ["chain_id"]);
        assert!(errors(|e| check_decimals("d", 36, e)).is_empty());
        assert_eq!(errors(|e| check_decimals("d", 37, e)), ["d"]);
        assert_eq!(errors(|e| check_decimals("d", -1, e)), ["d"]);
    }
}
