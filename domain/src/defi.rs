//! DeFi positions as holdings (see docs/defi.md).
//!
//! - Aave v3: each reserve the wallet supplies is a `supplied` holding of the underlying asset;
//!   each debt (stable + variable) a `borrowed` holding with a negative quantity (subtracted
//!   from net worth, listed apart from the allocation as a liability). Location
//!   `<chain>:aave-v3`. Their `details` carry the protocol, the account's health factor, the
//!   collateral flag and the reserve's receipt tokens.
//! - Uniswap v3: each open position is one `lp` holding per token with a non-zero amount
//!   (principal + uncollected fees, both owned by the wallet). Location `<chain>:uniswap-v3`;
//!   `details.position_id` tells positions apart.
//! - Look-through: positions are holdings of their underlying assets, so an ETH/USDC position
//!   adds to ETH and USDC exposure by the same rules as spot balances.
//! - Receipts: a plain token balance whose contract is a receipt of a position on the same
//!   chain (aToken, debt token) is dropped: the position already counts it.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use serde::Serialize;

use super::holdings::{kind, Holding};

pub const AAVE_V3: &str = "aave-v3";
pub const UNISWAP_V3: &str = "uniswap-v3";

/// The location of a protocol's positions on a chain.
pub fn location(chain: &str, protocol: &str) -> String {
    format!("{chain}:{protocol}")
}

/// The protocol a holding's details name, if it is a DeFi position.
pub fn protocol_of(h: &Holding) -> Option<&str> {
    h.details.as_ref()?.get("protocol")?.as_str()
}

/// The position a holding belongs to (an LP NFT id), so two positions in one pool stay apart.
pub fn position_of(details: &Option<serde_json::Value>) -> Option<&str> {
    details.as_ref()?.get("position_id")?.as_str()
}

/// Drops plain balances that are receipts of positions on the same chain.
pub fn drop_receipts(holdings: &mut Vec<Holding>) {
    let mut receipts: HashMap<String, HashSet<String>> = HashMap::new();
    for h in holdings.iter() {
        let (Some(chain), Some(list)) = (
            h.chain.as_ref(),
            h.details
                .as_ref()
                .and_then(|d| d.get("receipt_tokens"))
                .and_then(|v| v.as_array()),
        ) else {
            continue;
        };
        let set = receipts.entry(chain.clone()).or_default();
        for r in list.iter().filter_map(|v| v.as_str()) {
            set.insert(r.to_ascii_lowercase());
        }
    }
    if receipts.is_empty() {
        return;
    }
    holdings.retain(|h| {
        if h.kind != kind::SPOT {
            return true;
        }
        match (&h.chain, &h.contract_address) {
            (Some(chain), Some(contract)) => !receipts
                .get(chain)
                .is_some_and(|set| set.contains(&contract.to_ascii_lowercase())),
            _ => true,
        }
    });
}

/// One protocol on one chain of an account, as the account page heads its group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProtocolSummary {
    /// `aave-v3` or `uniswap-v3`.
    pub protocol: String,
    pub chain: String,
    /// The holdings' location (`<chain>:<protocol>`).
    pub location: String,
    /// Aave: the account's health factor (liquidation below 1); `null` without debt or for
    /// Uniswap.
    #[schema(value_type = Option<String>)]
    pub health_factor: Option<Decimal>,
    /// The health factor is below the configured warning level.
    pub health_warning: bool,
    /// Net value of the priced positions (debts subtracted); `null` when some part is
    /// unpriced (never an understated or overstated figure).
    #[schema(value_type = Option<String>)]
    pub net_value_usd: Option<Decimal>,
    /// Holdings in the group (an LP position counts once per token).
    pub holdings: usize,
    /// Distinct positions (LP NFTs; Aave reserves).
    pub positions: usize,
}

/// The account's protocol groups, in location order.
pub fn summaries(holdings: &[Holding], warn_below: Decimal) -> Vec<ProtocolSummary> {
    let mut out: Vec<ProtocolSummary> = Vec::new();
    let mut positions: HashMap<String, HashSet<String>> = HashMap::new();
    for h in holdings {
        let Some(protocol) = protocol_of(h) else {
            continue;
        };
        let chain = h.chain.clone().unwrap_or_default();
        let i = match out.iter().position(|s| s.location == h.location) {
            Some(i) => i,
            None => {
                out.push(ProtocolSummary {
                    protocol: protocol.to_string(),
                    chain,
                    location: h.location.clone(),
                    health_factor: None,
                    health_warning: false,
                    net_value_usd: Some(Decimal::ZERO),
                    holdings: 0,
                    positions: 0,
                });
                out.len() - 1
            }
        };
        let s = &mut out[i];
        s.holdings += 1;
        let key = position_of(&h.details)
            .map(str::to_string)
            .or_else(|| h.contract_address.clone())
            .unwrap_or_else(|| h.symbol.clone());
        positions.entry(h.location.clone()).or_default().insert(key);
        if let Some(hf) = h
            .details
            .as_ref()
            .and_then(|d| d.get("health_factor"))
            .and_then(|v| v.as_str())
            .and_then(|t| t.parse::<Decimal>().ok())
        {
            s.health_factor = Some(hf);
        }
        s.net_value_usd = match (s.net_value_usd, h.value_usd) {
            (Some(sum), Some(v)) if h.is_countable() => sum.checked_add(v),
            _ => None,
        };
    }
    for s in &mut out {
        s.positions = positions.get(&s.location).map_or(0, HashSet::len);
        s.health_warning = s.health_factor.is_some_and(|hf| hf < warn_below);
    }
    out.sort_by(|a, b| a.location.cmp(&b.location));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn h(
        kind: &str,
        location: &str,
        contract: &str,
        value: Option<&str>,
        details: serde_json::Value,
    ) -> Holding {
        Holding {
            asset_id: None,
            symbol: "X".into(),
            quantity: Decimal::ONE,
            raw_amount: None,
            decimals: None,
            location: location.into(),
            chain: Some("ethereum".into()),
            contract_address: Some(contract.into()),
            price_usd: None,
            value_usd: value.map(|v| v.parse().unwrap()),
            price_source: None,
            price_at: None,
            is_dust: false,
            identified_by: "registry".into(),
            kind: kind.into(),
            flags: vec![],
            synced_at: None,
            quantity_text: None,
            details: (!details.is_null()).then_some(details),
            unvalued_reason: None,
        }
    }

    #[test]
    fn a_receipt_token_is_not_counted_next_to_its_position() {
        let supply = h(
            kind::SUPPLIED,
            "ethereum:aave-v3",
            "0xusdc",
            Some("250"),
            json!({"protocol": "aave-v3", "receipt_tokens": ["0xAUSDC", "0xvdebt"]}),
        );
        let a_token = h(
            kind::SPOT,
            "ethereum",
            "0xausdc",
            Some("250"),
            serde_json::Value::Null,
        );
        let other = h(
            kind::SPOT,
            "ethereum",
            "0xweth",
            Some("10"),
            serde_json::Value::Null,
        );
        let mut on_base = a_token.clone();
        on_base.chain = Some("base".into());
        let mut all = vec![supply.clone(), a_token, other.clone(), on_base.clone()];
        drop_receipts(&mut all);
        assert_eq!(all, vec![supply, other, on_base]);
    }

    #[test]
    fn summaries_group_by_protocol_with_the_health_warning() {
        let aave = json!({"protocol": "aave-v3", "health_factor": "1.2"});
        let lp = |id: &str| json!({"protocol": "uniswap-v3", "position_id": id});
        let all = vec![
            h(
                kind::SUPPLIED,
                "ethereum:aave-v3",
                "0xweth",
                Some("20000"),
                aave.clone(),
            ),
            h(
                kind::BORROWED,
                "ethereum:aave-v3",
                "0xusdc",
                Some("-5000"),
                aave,
            ),
            h(
                kind::LP,
                "ethereum:uniswap-v3",
                "0xweth",
                Some("100"),
                lp("1"),
            ),
            h(kind::LP, "ethereum:uniswap-v3", "0xusdc", None, lp("1")),
            h(
                kind::LP,
                "ethereum:uniswap-v3",
                "0xusdc",
                Some("3"),
                lp("2"),
            ),
            h(
                kind::SPOT,
                "ethereum",
                "0xweth",
                Some("1"),
                serde_json::Value::Null,
            ),
        ];
        let s = summaries(&all, "1.5".parse().unwrap());
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].protocol, AAVE_V3);
        assert_eq!(s[0].health_factor, Some("1.2".parse().unwrap()));
        assert!(s[0].health_warning);
        assert_eq!(s[0].net_value_usd, Some("15000".parse().unwrap()));
        assert_eq!((s[0].holdings, s[0].positions), (2, 2));
        assert_eq!(s[1].protocol, UNISWAP_V3);
        assert!(!s[1].health_warning && s[1].health_factor.is_none());
        // One unpriced token: no net value rather than an understated one.
        assert_eq!(s[1].net_value_usd, None);
        assert_eq!((s[1].holdings, s[1].positions), (3, 2));
        assert!(!summaries(&all, "1.1".parse().unwrap())[0].health_warning);
    }
}
