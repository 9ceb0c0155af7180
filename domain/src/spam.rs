//! Spam defence for discovered tokens: a wallet receives tokens nobody asked for, many of them
//! made to look like a known asset ("USDC" at another contract, "ＵＳＤＣ", Cyrillic look-alikes)
//! or to lure the holder to a site ("Visit claim-usdc.xyz"). Such a token is `spam`: hidden by
//! default and never valued. A token whose contract maps to a catalog asset is `verified`;
//! anything else is `unverified` (shown apart, never in totals). The user's own mark wins.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

/// How a discovered token is treated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// The contract is a catalog asset's: valued like any holding.
    Verified { asset_id: Uuid },
    /// Not in the catalog: listed apart, never valued or counted.
    Unverified,
    /// Hidden by default, never valued, with why.
    Spam { reason: SpamReason },
}

/// Why a token is taken for spam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpamReason {
    /// The user marked it.
    MarkedByUser,
    /// Its symbol is a catalog asset's (or the chain's native coin's) at another contract.
    ImitatesKnownAsset,
    /// Its symbol or name has non-ASCII letters after normalisation (look-alike scripts,
    /// invisible characters).
    SuspiciousCharacters,
    /// Its name or symbol carries a web address or a lure ("claim", "visit", "reward").
    Lure,
}

/// The user's mark on a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Spam,
    Trusted,
}

/// What the rules know of the chain's catalog.
pub struct Known<'a> {
    /// Upper-case symbols of catalog assets that have a contract on this chain, plus the
    /// chain's native coin.
    pub symbols: &'a HashSet<String>,
}

/// A symbol or name as compared: NFKC-normalised, trimmed, upper-case.
pub fn normalise(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_uppercase()
}

const LURES: [&str; 8] = [
    "HTTP", "WWW.", "CLAIM", "VISIT", "REWARD", "AIRDROP", "VOUCHER", "T.ME",
];
const TLDS: [&str; 9] = [
    ".COM", ".IO", ".XYZ", ".ORG", ".NET", ".APP", ".FINANCE", ".GIFT", ".CC",
];

fn lure(text: &str) -> bool {
    LURES.iter().any(|l| text.contains(l)) || TLDS.iter().any(|t| text.contains(t))
}

/// The verdict on a discovered token. `catalog_asset` is the catalog asset its contract maps
/// to, if any.
pub fn classify(
    symbol: &str,
    name: &str,
    catalog_asset: Option<Uuid>,
    mark: Option<Mark>,
    known: &Known,
) -> Verdict {
    if mark == Some(Mark::Spam) {
        return Verdict::Spam {
            reason: SpamReason::MarkedByUser,
        };
    }
    if let Some(asset_id) = catalog_asset {
        return Verdict::Verified { asset_id };
    }
    if mark == Some(Mark::Trusted) {
        return Verdict::Unverified;
    }
    let (sym, nm) = (normalise(symbol), normalise(name));
    let reason = if !sym.is_ascii() || !nm.is_ascii() || sym.chars().any(char::is_control) {
        Some(SpamReason::SuspiciousCharacters)
    } else if lure(&sym) || lure(&nm) {
        Some(SpamReason::Lure)
    } else if known.symbols.contains(&sym) {
        Some(SpamReason::ImitatesKnownAsset)
    } else {
        None
    };
    match reason {
        Some(reason) => Verdict::Spam { reason },
        None => Verdict::Unverified,
    }
}

/// Applies the owner's marks to stored holdings, so a mark shows at once (the next sync judges
/// the same way): `spam` hides a token whatever it is; `trusted` turns a spam verdict into
/// `unverified` (or lifts it from a catalog token, which is then valued again). Marks are keyed
/// by `(chain, lowercase contract)`.
pub fn apply_marks(
    holdings: &mut [super::holdings::Holding],
    marks: &std::collections::HashMap<(String, String), Mark>,
) {
    use super::holdings::flag;
    for h in holdings.iter_mut() {
        let (Some(chain), Some(contract)) = (&h.chain, &h.contract_address) else {
            continue;
        };
        match marks.get(&(chain.clone(), contract.to_lowercase())) {
            Some(Mark::Spam) => {
                h.flags.retain(|f| f != flag::UNVERIFIED);
                h.flag(flag::SPAM);
                h.value_usd = None;
                h.is_dust = false;
            }
            Some(Mark::Trusted) if h.has_flag(flag::SPAM) => {
                h.flags.retain(|f| f != flag::SPAM);
                if h.asset_id.is_none() {
                    h.flag(flag::UNVERIFIED);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> HashSet<String> {
        ["USDC", "WETH", "ETH"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn verdict(symbol: &str, name: &str) -> Verdict {
        classify(symbol, name, None, None, &Known { symbols: &known() })
    }

    fn spam(reason: SpamReason) -> Verdict {
        Verdict::Spam { reason }
    }

    #[test]
    fn a_catalog_contract_is_verified_whatever_its_name() {
        let id = Uuid::from_u128(7);
        let v = classify(
            "USDC",
            "USD Coin",
            Some(id),
            None,
            &Known { symbols: &known() },
        );
        assert_eq!(v, Verdict::Verified { asset_id: id });
    }

    #[test]
    fn look_alikes_of_catalog_assets_and_the_native_coin_are_spam() {
        assert_eq!(
            verdict("USDC", "USD Coin"),
            spam(SpamReason::ImitatesKnownAsset)
        );
        assert_eq!(
            verdict("usdc ", "USD Coin"),
            spam(SpamReason::ImitatesKnownAsset)
        );
        assert_eq!(
            verdict("ETH", "Ether"),
            spam(SpamReason::ImitatesKnownAsset)
        );
        // Fullwidth letters fold to ASCII under NFKC: still USDC.
        assert_eq!(
            verdict("ＵＳＤＣ", "USD Coin"),
            spam(SpamReason::ImitatesKnownAsset)
        );
        // Cyrillic Ѕ (U+0405) and a zero-width space do not fold: suspicious.
        assert_eq!(
            verdict("UЅDC", "USD Coin"),
            spam(SpamReason::SuspiciousCharacters)
        );
        assert_eq!(
            verdict("US\u{200b}DC", "x"),
            spam(SpamReason::SuspiciousCharacters)
        );
    }

    #[test]
    fn lures_in_names_are_spam() {
        assert_eq!(
            verdict("GIFT", "Visit usdc-gift.xyz to claim"),
            spam(SpamReason::Lure)
        );
        assert_eq!(
            verdict("RWD", "https://rewards.example"),
            spam(SpamReason::Lure)
        );
        assert_eq!(verdict("FREE", "t.me/airdrops"), spam(SpamReason::Lure));
    }

    #[test]
    fn an_unknown_plain_token_is_unverified_and_the_users_mark_wins() {
        assert_eq!(verdict("ABC", "Alphabet Coin"), Verdict::Unverified);
        let k = known();
        let k = Known { symbols: &k };
        assert_eq!(
            classify("USDC", "USD Coin", None, Some(Mark::Trusted), &k),
            Verdict::Unverified,
            "trusted: shown, still not valued without a catalog asset"
        );
        assert_eq!(
            classify(
                "ABC",
                "Alphabet",
                Some(Uuid::from_u128(1)),
                Some(Mark::Spam),
                &k
            ),
            spam(SpamReason::MarkedByUser)
        );
    }

    #[test]
    fn marks_show_at_once_on_stored_holdings() {
        use crate::holdings::{flag, Holding};
        let h = |contract: &str, asset: Option<Uuid>, flags: &[&str]| Holding {
            asset_id: asset,
            symbol: "T".into(),
            quantity: rust_decimal::Decimal::ONE,
            raw_amount: Some("1".into()),
            decimals: Some(0),
            location: "ethereum".into(),
            chain: Some("ethereum".into()),
            contract_address: Some(contract.into()),
            price_usd: None,
            value_usd: asset.map(|_| rust_decimal::Decimal::ONE),
            price_source: None,
            price_at: None,
            is_dust: false,
            identified_by: "contract".into(),
            kind: "spot".into(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            synced_at: None,
            quantity_text: None,
            details: None,
            unvalued_reason: None,
        };
        let asset = Uuid::from_u128(7);
        let mut list = vec![
            h("0xaa", Some(asset), &[]),
            h("0xbb", None, &[flag::SPAM]),
            h("0xcc", None, &[flag::UNVERIFIED]),
        ];
        let marks = std::collections::HashMap::from([
            (("ethereum".to_string(), "0xaa".to_string()), Mark::Spam),
            (("ethereum".to_string(), "0xbb".to_string()), Mark::Trusted),
        ]);
        apply_marks(&mut list, &marks);
        assert!(list[0].has_flag(flag::SPAM) && list[0].value_usd.is_none());
        assert_eq!(list[1].flags, vec![flag::UNVERIFIED.to_string()]);
        assert_eq!(list[2].flags, vec![flag::UNVERIFIED.to_string()]);
    }
}
