//! Asset identity: which asset a balance is (an OKX balance has only a symbol; an EVM token has
//! chain and address, maybe a symbol). A shared symbol is resolved only when one asset clearly
//! dominates; otherwise the candidates are reported, never guessed.

use std::collections::HashMap;

use rust_decimal::Decimal;
use uuid::Uuid;

use super::evm_address;

/// How much a symbol's top asset must lead the others: every other candidate ranks at least
/// this many times worse and has at most 1/this of its market cap.
pub const DOMINANCE_FACTOR: i32 = 10;

/// An asset as the index needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedAsset {
    pub id: Uuid,
    pub symbol: String,
    pub name: String,
    pub market_cap_rank: Option<i32>,
    pub market_cap_usd: Option<Decimal>,
    pub is_stablecoin: bool,
    /// `(chain, contract_address)`.
    pub contracts: Vec<(String, String)>,
    /// The catalog's logo URL, when a provider gave one.
    pub logo_url: Option<String>,
}

/// What is known about a balance's asset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssetQuery<'a> {
    pub chain: Option<&'a str>,
    pub address: Option<&'a str>,
    pub symbol: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// Which rule resolved a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Contract,
    /// The only asset with this symbol and name.
    SymbolName,
    /// The only asset with this symbol.
    Symbol,
    /// The dominant one of several assets sharing this symbol (see [`DOMINANCE_FACTOR`]).
    DominantSymbol,
}

/// One of several assets a symbol could mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub asset_id: Uuid,
    pub name: String,
    pub market_cap_rank: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Resolved {
        asset_id: Uuid,
        by: MatchedBy,
    },
    /// Several assets share the symbol and none dominates. Candidates best-ranked first.
    Ambiguous {
        symbol: String,
        candidates: Vec<Candidate>,
    },
    Unknown,
}

/// Look-ups over the asset catalog.
#[derive(Debug, Clone, Default)]
pub struct AssetIndex {
    assets: Vec<IndexedAsset>,
    by_id: HashMap<Uuid, usize>,
    by_contract: HashMap<(String, String), usize>,
    by_symbol: HashMap<String, Vec<usize>>,
}

fn text_key(s: &str) -> String {
    s.trim().to_lowercase()
}

fn chain_key(chain: &str) -> String {
    chain.trim().to_lowercase()
}

/// EVM addresses compare lowercase; others (Solana, Tron) verbatim.
fn address_key(address: &str) -> String {
    evm_address::normalize(address).unwrap_or_else(|| address.trim().to_string())
}

fn rank(a: &IndexedAsset) -> Option<i32> {
    a.market_cap_rank.filter(|r| *r > 0)
}

impl AssetIndex {
    /// Indexes the assets. A contract listed on several assets (the schema forbids it) stays
    /// with the first.
    pub fn build(assets: &[IndexedAsset]) -> Self {
        let mut by_contract = HashMap::new();
        let mut by_symbol: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in assets.iter().enumerate() {
            for (chain, address) in &a.contracts {
                by_contract
                    .entry((chain_key(chain), address_key(address)))
                    .or_insert(i);
            }
            by_symbol.entry(text_key(&a.symbol)).or_default().push(i);
        }
        AssetIndex {
            by_id: assets.iter().enumerate().map(|(i, a)| (a.id, i)).collect(),
            assets: assets.to_vec(),
            by_contract,
            by_symbol,
        }
    }

    /// This index plus `extra` (a user's own custom assets).
    pub fn with_extra(&self, extra: &[IndexedAsset]) -> Self {
        let mut all = self.assets.clone();
        all.extend_from_slice(extra);
        AssetIndex::build(&all)
    }

    /// Upper-case symbols of the assets that have a contract on `chain` (what a discovered
    /// token there may imitate).
    pub fn symbols_on_chain(&self, chain: &str) -> std::collections::HashSet<String> {
        let key = chain_key(chain);
        self.assets
            .iter()
            .filter(|a| a.contracts.iter().any(|(c, _)| chain_key(c) == key))
            .map(|a| a.symbol.trim().to_uppercase())
            .collect()
    }

    /// The indexed asset with this id.
    pub fn get(&self, id: Uuid) -> Option<&IndexedAsset> {
        self.by_id.get(&id).map(|&i| &self.assets[i])
    }

    /// Resolves a query, in order: chain + address; symbol + name (when exactly one asset has
    /// both); symbol (when one asset has it, or one dominates, see [`dominant`]).
    ///
    /// A query with chain and address whose contract is unknown never resolves by symbol to an
    /// asset that has a different contract on that chain: a token reusing a known symbol
    /// (scam `USDT`) is not that asset.
    pub fn resolve(&self, q: &AssetQuery) -> Resolution {
        let chain = q.chain.map(str::trim).filter(|s| !s.is_empty());
        let address = q.address.map(str::trim).filter(|s| !s.is_empty());
        if let (Some(chain), Some(address)) = (chain, address) {
            if let Some(&i) = self
                .by_contract
                .get(&(chain_key(chain), address_key(address)))
            {
                return Resolution::Resolved {
                    asset_id: self.assets[i].id,
                    by: MatchedBy::Contract,
                };
            }
        }
        let Some(symbol) = q.symbol.map(str::trim).filter(|s| !s.is_empty()) else {
            return Resolution::Unknown;
        };
        let excluded_chain = address.and(chain).map(chain_key);
        let candidates: Vec<&IndexedAsset> = self
            .by_symbol
            .get(&text_key(symbol))
            .into_iter()
            .flatten()
            .map(|&i| &self.assets[i])
            .filter(|a| {
                excluded_chain
                    .as_ref()
                    .is_none_or(|ch| !a.contracts.iter().any(|(c, _)| chain_key(c) == *ch))
            })
            .collect();

        if let Some(name) = q.name.map(text_key).filter(|s| !s.is_empty()) {
            let named: Vec<&&IndexedAsset> = candidates
                .iter()
                .filter(|a| text_key(&a.name) == name)
                .collect();
            if let [only] = named.as_slice() {
                return Resolution::Resolved {
                    asset_id: only.id,
                    by: MatchedBy::SymbolName,
                };
            }
        }
        match candidates.as_slice() {
            [] => Resolution::Unknown,
            [only] => Resolution::Resolved {
                asset_id: only.id,
                by: MatchedBy::Symbol,
            },
            several => match dominant(several) {
                Some(top) => Resolution::Resolved {
                    asset_id: top.id,
                    by: MatchedBy::DominantSymbol,
                },
                None => {
                    let mut sorted = several.to_vec();
                    sorted.sort_by(|a, b| {
                        (rank(a).is_none(), rank(a), &a.name, a.id).cmp(&(
                            rank(b).is_none(),
                            rank(b),
                            &b.name,
                            b.id,
                        ))
                    });
                    Resolution::Ambiguous {
                        symbol: symbol.to_uppercase(),
                        candidates: sorted
                            .into_iter()
                            .map(|a| Candidate {
                                asset_id: a.id,
                                name: a.name.clone(),
                                market_cap_rank: rank(a),
                            })
                            .collect(),
                    }
                }
            },
        }
    }
}

/// The asset that clearly dominates assets sharing a symbol, if one does.
///
/// The best-ranked candidate (a rank ≤ 0 counts as unranked) dominates when it has a rank,
/// no other candidate shares that rank, and every other candidate
/// - is unranked or ranked at least [`DOMINANCE_FACTOR`] times worse, and
/// - has no known market cap, or one at most 1/[`DOMINANCE_FACTOR`] of the top's (a known cap
///   beside an unknown top cap blocks).
pub fn dominant<'a>(candidates: &[&'a IndexedAsset]) -> Option<&'a IndexedAsset> {
    let top = *candidates
        .iter()
        .filter(|a| rank(a).is_some())
        .min_by_key(|a| rank(a))?;
    let top_rank = rank(top)?;
    let factor = Decimal::from(DOMINANCE_FACTOR);
    let dominates = candidates.iter().filter(|a| a.id != top.id).all(|other| {
        let rank_ok = rank(other)
            .is_none_or(|r| i64::from(r) >= i64::from(top_rank) * i64::from(DOMINANCE_FACTOR));
        let cap_ok = match (other.market_cap_usd, top.market_cap_usd) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(o), Some(t)) => o * factor <= t,
        };
        rank_ok && cap_ok
    });
    dominates.then_some(top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn asset(n: u128, symbol: &str, name: &str, rank: Option<i32>) -> IndexedAsset {
        IndexedAsset {
            id: Uuid::from_u128(n),
            symbol: symbol.into(),
            name: name.into(),
            market_cap_rank: rank,
            market_cap_usd: None,
            is_stablecoin: false,
            logo_url: None,
            contracts: vec![],
        }
    }

    fn sym(s: &str) -> AssetQuery<'_> {
        AssetQuery {
            symbol: Some(s),
            ..Default::default()
        }
    }

    const USDT_ETH: &str = "0xdac17f958d2ee523a2206206994597c13d831ec7";

    fn catalog() -> Vec<IndexedAsset> {
        let mut usdt = asset(1, "USDT", "Tether", Some(3));
        usdt.is_stablecoin = true;
        usdt.contracts = vec![("ethereum".into(), USDT_ETH.into())];
        let mut scam = asset(2, "USDT", "Tether", None);
        scam.contracts = vec![(
            "ethereum".into(),
            "0x1111111111111111111111111111111111111111".into(),
        )];
        vec![
            usdt,
            scam,
            asset(3, "ETH", "Ethereum", Some(2)),
            asset(4, "BTC", "Bitcoin", Some(1)),
            // UNI: the dominant Uniswap and a far smaller namesake.
            asset(5, "UNI", "Uniswap", Some(25)),
            asset(6, "UNI", "Universe", Some(900)),
            // SOL-like clash: two ranked close together.
            asset(7, "ZZZ", "Zeta", Some(40)),
            asset(8, "ZZZ", "Zulu", Some(55)),
            asset(9, "ZZZ", "Zorro", None),
        ]
    }

    #[test]
    fn contract_beats_symbol() {
        let idx = AssetIndex::build(&catalog());
        // A token named ETH at USDT's address is USDT.
        let q = AssetQuery {
            chain: Some("ethereum"),
            address: Some(USDT_ETH),
            symbol: Some("ETH"),
            name: None,
        };
        assert_eq!(
            idx.resolve(&q),
            Resolution::Resolved {
                asset_id: Uuid::from_u128(1),
                by: MatchedBy::Contract
            }
        );
    }

    #[test]
    fn mixed_case_address_resolves() {
        let idx = AssetIndex::build(&catalog());
        let q = AssetQuery {
            chain: Some("Ethereum"),
            address: Some(" 0xdAC17F958D2ee523a2206206994597C13D831ec7"),
            ..Default::default()
        };
        assert_eq!(
            idx.resolve(&q),
            Resolution::Resolved {
                asset_id: Uuid::from_u128(1),
                by: MatchedBy::Contract
            }
        );
    }

    #[test]
    fn unique_symbol_resolves_case_insensitively() {
        let idx = AssetIndex::build(&catalog());
        assert_eq!(
            idx.resolve(&sym("btc")),
            Resolution::Resolved {
                asset_id: Uuid::from_u128(4),
                by: MatchedBy::Symbol
            }
        );
    }

    #[test]
    fn symbol_and_name_pick_one_of_a_shared_symbol() {
        let idx = AssetIndex::build(&catalog());
        let q = AssetQuery {
            symbol: Some("zzz"),
            name: Some(" zulu "),
            ..Default::default()
        };
        assert_eq!(
            idx.resolve(&q),
            Resolution::Resolved {
                asset_id: Uuid::from_u128(8),
                by: MatchedBy::SymbolName
            }
        );
    }

    #[test]
    fn shared_symbol_with_a_dominant_coin_resolves() {
        let idx = AssetIndex::build(&catalog());
        assert_eq!(
            idx.resolve(&sym("UNI")),
            Resolution::Resolved {
                asset_id: Uuid::from_u128(5),
                by: MatchedBy::DominantSymbol
            }
        );
        // Same symbol and name on two assets: the name does not decide, dominance does.
        let q = AssetQuery {
            symbol: Some("USDT"),
            name: Some("Tether"),
            ..Default::default()
        };
        assert_eq!(
            idx.resolve(&q),
            Resolution::Resolved {
                asset_id: Uuid::from_u128(1),
                by: MatchedBy::DominantSymbol
            }
        );
    }

    #[test]
    fn shared_symbol_without_dominance_is_ambiguous() {
        let idx = AssetIndex::build(&catalog());
        let Resolution::Ambiguous { symbol, candidates } = idx.resolve(&sym("zzz")) else {
            panic!("expected ambiguity");
        };
        assert_eq!(symbol, "ZZZ");
        let ids: Vec<Uuid> = candidates.iter().map(|c| c.asset_id).collect();
        assert_eq!(ids, [7, 8, 9].map(Uuid::from_u128));
        assert_eq!(candidates[0].name, "Zeta");
        assert_eq!(candidates[2].market_cap_rank, None);
    }

    #[test]
    fn unknown_symbol_or_contract_is_unknown() {
        let idx = AssetIndex::build(&catalog());
        assert_eq!(idx.resolve(&sym("NOPE")), Resolution::Unknown);
        assert!(idx.get(Uuid::from_u128(1)).is_some_and(|a| a.is_stablecoin));
        assert_eq!(idx.get(Uuid::from_u128(99)), None);
        assert_eq!(idx.resolve(&AssetQuery::default()), Resolution::Unknown);
        let q = AssetQuery {
            chain: Some("ethereum"),
            address: Some("0x2222222222222222222222222222222222222222"),
            ..Default::default()
        };
        assert_eq!(idx.resolve(&q), Resolution::Unknown);
    }

    #[test]
    fn unknown_contract_reusing_a_symbol_is_not_that_asset() {
        let idx = AssetIndex::build(&catalog());
        // Another "USDT" on ethereum: both known USDTs have other contracts there.
        let q = AssetQuery {
            chain: Some("ethereum"),
            address: Some("0x3333333333333333333333333333333333333333"),
            symbol: Some("USDT"),
            name: Some("Tether"),
        };
        assert_eq!(idx.resolve(&q), Resolution::Unknown);
        // On a chain where USDT has no known contract, the symbol rules still apply.
        let q = AssetQuery {
            chain: Some("base"),
            ..q
        };
        assert_eq!(
            idx.resolve(&q),
            Resolution::Resolved {
                asset_id: Uuid::from_u128(1),
                by: MatchedBy::DominantSymbol
            }
        );
        // A native coin has no contract, so a symbol still finds it.
        let q = AssetQuery {
            chain: Some("base"),
            address: Some("0x3333333333333333333333333333333333333333"),
            symbol: Some("ETH"),
            name: None,
        };
        assert_eq!(
            idx.resolve(&q),
            Resolution::Resolved {
                asset_id: Uuid::from_u128(3),
                by: MatchedBy::Symbol
            }
        );
    }

    #[test]
    fn dominance_rule_edges() {
        let a = |n, r| asset(n, "X", "x", r);
        let top = a(1, Some(5));
        // Exactly 10× worse dominates; 9× does not.
        assert_eq!(
            dominant(&[&top, &a(2, Some(50))]).map(|x| x.id),
            Some(top.id)
        );
        assert_eq!(dominant(&[&top, &a(2, Some(49))]), None);
        // Only ranked one dominates unranked ones.
        assert_eq!(
            dominant(&[&top, &a(2, None), &a(3, Some(0))]).map(|x| x.id),
            Some(top.id)
        );
        // Nobody ranked: nobody dominates. Equal ranks: nobody dominates.
        assert_eq!(dominant(&[&a(1, None), &a(2, None)]), None);
        assert_eq!(dominant(&[&a(1, Some(7)), &a(2, Some(7))]), None);
        // A far-ranked coin with a large cap blocks; with a small one it does not.
        let mut rich = a(1, Some(5));
        rich.market_cap_usd = Some(Decimal::from(1_000_000_000));
        let mut other = a(2, None);
        other.market_cap_usd = Some(Decimal::from(100_000_001));
        assert_eq!(dominant(&[&rich, &other]), None);
        other.market_cap_usd = Some(Decimal::from(100_000_000));
        assert_eq!(dominant(&[&rich, &other]).map(|x| x.id), Some(rich.id));
        // A known cap beside an unknown top cap blocks.
        assert_eq!(dominant(&[&a(1, Some(5)), &other]), None);
    }

    fn arb_asset() -> impl Strategy<Value = IndexedAsset> {
        (
            any::<u8>(),
            prop::sample::select(vec!["A", "b", "B", "c"]),
            prop::sample::select(vec!["n", "N", "m"]),
            prop::option::of(-1i32..30),
            prop::option::of(0u32..1000),
            prop::collection::vec(
                (
                    prop::sample::select(vec!["ethereum", "base"]),
                    prop::sample::select(vec![
                        "0x00000000000000000000000000000000000000aa",
                        "0x00000000000000000000000000000000000000AB",
                        "Es9v",
                    ]),
                ),
                0..3,
            ),
        )
            .prop_map(|(n, s, name, rank, cap, contracts)| IndexedAsset {
                id: Uuid::from_u128(n.into()),
                symbol: s.into(),
                name: name.into(),
                market_cap_rank: rank,
                market_cap_usd: cap.map(Decimal::from),
                is_stablecoin: false,
                logo_url: None,
                contracts: contracts
                    .into_iter()
                    .map(|(c, a)| (c.to_string(), a.to_string()))
                    .collect(),
            })
    }

    proptest! {
        #[test]
        fn resolution_only_names_indexed_assets(
            assets in prop::collection::vec(arb_asset(), 0..8),
            chain in prop::option::of(prop::sample::select(vec!["ethereum", "BASE", "bsc"])),
            address in prop::option::of(prop::sample::select(vec![
                "0x00000000000000000000000000000000000000AA",
                "0x00000000000000000000000000000000000000ab",
                "Es9v",
                "es9v",
            ])),
            symbol in prop::option::of(prop::sample::select(vec!["a", "B", "c", "d"])),
            name in prop::option::of(prop::sample::select(vec!["n", "m", "o"])),
        ) {
            let idx = AssetIndex::build(&assets);
            let q = AssetQuery { chain, address, symbol, name };
            let known = |id: Uuid| assets.iter().any(|a| a.id == id);
            match idx.resolve(&q) {
                Resolution::Resolved { asset_id, .. } => prop_assert!(known(asset_id)),
                Resolution::Ambiguous { candidates, .. } => {
                    prop_assert!(candidates.len() >= 2);
                    for c in candidates {
                        prop_assert!(known(c.asset_id));
                    }
                }
                Resolution::Unknown => {}
            }
        }
    }
}
