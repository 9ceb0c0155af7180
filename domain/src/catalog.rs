//! The coin catalog: maps provider platforms to our chain names and merges CoinGecko's and
//! CoinPaprika's catalogs into one planned asset per real coin, matched to the existing rows
//! so asset ids stay stable across runs.
//!
//! Choices (see also the items' docs):
//! - Chain keys: a platform that is one of our chains (by EVM chain id) is stored under our chain
//!   name; the default chains keep their default names even when not configured. Other
//!   CoinGecko platforms are kept under CoinGecko's id verbatim; CoinPaprika platforms are
//!   translated to CoinGecko's id where [`PAPRIKA_PLATFORMS`] knows it, else kept as
//!   `coinpaprika:<id>`. CoinPaprika's Base is accepted as `base-base` and `base-base-mainnet`.
//! - Addresses on an EVM platform must be `0x` + 40 hex (stored lowercase), else the entry is
//!   skipped and counted in `invalid_addresses`. Other platforms keep the address verbatim
//!   (trimmed: Solana and Tron addresses are case-sensitive). Empty platform ids or addresses
//!   are "no contract", not counted. CoinPaprika's BEP2 entries (`USDT-6D8` under
//!   `bnb-binance-coin`) arrive without their type, so they fail as BSC addresses and are
//!   counted (BNB Beacon Chain is retired anyway).
//! - Inactive listings are skipped (counted in `skipped_inactive`); a CoinPaprika rank ≤ 0 means
//!   unranked.
//! - Stablecoins are marked only by curated provider ids, never by symbol: scam tokens reuse
//!   `USDT`. The catalog never unmarks an asset marked before (an admin may have marked it).
//! - What the providers do not say any more is kept: a matched row keeps its other provider id,
//!   rank and contracts unless another planned asset now claims them (then `releases` says
//!   what to clear first). CoinPaprika's per-coin contracts are fetched only once per coin, so
//!   dropping unlisted contracts would make them flap.
//!
//! The job applies a plan in two passes: first clear everything in `releases`, then insert or
//! update the assets whose `change` is not `Unchanged` (contracts upserted on
//! `(chain, contract_address)`). No unique constraint is then violated.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use uuid::Uuid;

use super::evm_address;
use super::market::{AssetPlatform, CoinListing, PlatformAddress, Provider};

/// The default chains (the seeded `evm_chains`): our name and EVM chain id.
pub const DEFAULT_CHAINS: [(&str, i64); 5] = [
    ("ethereum", 1),
    ("arbitrum", 42161),
    ("optimism", 10),
    ("base", 8453),
    ("bsc", 56),
];

/// CoinGecko platforms known to be EVM chains, for when `/asset_platforms` is unavailable or
/// lacks them. `/asset_platforms` wins where it answers.
pub const KNOWN_GECKO_EVM: [(&str, i64); 8] = [
    ("ethereum", 1),
    ("arbitrum-one", 42161),
    ("optimistic-ethereum", 10),
    ("base", 8453),
    ("binance-smart-chain", 56),
    ("polygon-pos", 137),
    ("huobi-token", 128),
    ("avalanche", 43114),
];

/// CoinPaprika platform id → CoinGecko platform id.
pub const PAPRIKA_PLATFORMS: [(&str, &str); 11] = [
    ("eth-ethereum", "ethereum"),
    ("arb-arbitrum", "arbitrum-one"),
    ("op-optimism", "optimistic-ethereum"),
    ("base-base", "base"),
    ("base-base-mainnet", "base"),
    ("bnb-binance-coin", "binance-smart-chain"),
    ("matic-polygon", "polygon-pos"),
    ("ht-huobi-token", "huobi-token"),
    ("avax-avalanche", "avalanche"),
    ("trx-tron", "tron"),
    ("sol-solana", "solana"),
];

/// CoinGecko ids of USD stablecoins.
pub const STABLECOINS_COINGECKO: [&str; 18] = [
    "tether",
    "usd-coin",
    "dai",
    "first-digital-usd",
    "ethena-usde",
    "paypal-usd",
    "true-usd",
    "frax",
    "usds",
    "binance-usd",
    "gemini-dollar",
    "paxos-standard",
    "liquity-usd",
    "usdd",
    "crvusd",
    "gho",
    "ripple-usd",
    "usd1-wlfi",
];

/// CoinPaprika ids of USD stablecoins.
pub const STABLECOINS_COINPAPRIKA: [&str; 12] = [
    "usdt-tether",
    "usdc-usd-coin",
    "dai-dai",
    "busd-binance-usd",
    "tusd-trueusd",
    "fdusd-first-digital-usd",
    "usde-ethena-usde",
    "pyusd-paypal-usd",
    "gusd-gemini-dollar",
    "frax-frax",
    "lusd-liquity-usd",
    "usdd-usdd",
];

pub const ASSET_TYPE_CRYPTOCURRENCY: &str = "cryptocurrency";
pub const ASSET_TYPE_TOKEN: &str = "token";
pub const ASSET_TYPE_STABLECOIN: &str = "stablecoin";
/// A user's own asset with a price they enter (no provider id; only its owner sees it).
pub const ASSET_TYPE_CUSTOM: &str = "custom";

/// Whether a provider id is a curated stablecoin.
pub fn is_stablecoin(provider: Provider, provider_id: &str) -> bool {
    match provider {
        Provider::CoinGecko => STABLECOINS_COINGECKO.contains(&provider_id),
        Provider::CoinPaprika => STABLECOINS_COINPAPRIKA.contains(&provider_id),
    }
}

/// Where a provider platform's contracts are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainKey {
    /// Our chain name, a CoinGecko platform id, or `coinpaprika:<id>`.
    pub chain: String,
    /// Addresses on this platform are EVM addresses.
    pub evm: bool,
}

/// One provider contract entry, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContractEntry {
    Valid {
        chain: String,
        address: String,
    },
    /// On an EVM platform but not an EVM address.
    Invalid,
    /// No platform or no address: no contract.
    Empty,
}

/// Maps provider platform ids to chain keys.
#[derive(Debug, Clone, Default)]
pub struct ChainMap {
    /// CoinGecko platform id → EVM chain id.
    gecko_evm: HashMap<String, i64>,
    /// EVM chain id → our chain name.
    names: HashMap<i64, String>,
}

impl ChainMap {
    /// `platforms` from CoinGecko's `/asset_platforms` (may be empty when it failed);
    /// `our_chains` as `(name, EVM chain id)` from `evm_chains`.
    pub fn new(platforms: &[AssetPlatform], our_chains: &[(String, i64)]) -> Self {
        let mut names: HashMap<i64, String> = DEFAULT_CHAINS
            .iter()
            .map(|(n, id)| (*id, n.to_string()))
            .collect();
        for (name, id) in our_chains {
            names.insert(*id, name.clone());
        }
        let mut gecko_evm: HashMap<String, i64> = KNOWN_GECKO_EVM
            .iter()
            .map(|(p, id)| (p.to_string(), *id))
            .collect();
        for p in platforms {
            if let Some(id) = p.chain_identifier {
                gecko_evm.insert(p.id.trim().to_string(), id);
            }
        }
        ChainMap { gecko_evm, names }
    }

    /// The chain key of a provider's platform id; `None` for an empty id.
    pub fn chain_key(&self, provider: Provider, platform_id: &str) -> Option<ChainKey> {
        let p = platform_id.trim();
        if p.is_empty() {
            return None;
        }
        let gecko_id = match provider {
            Provider::CoinGecko => p,
            Provider::CoinPaprika => match PAPRIKA_PLATFORMS.iter().find(|(pp, _)| *pp == p) {
                Some((_, g)) => g,
                None => {
                    return Some(ChainKey {
                        chain: format!("coinpaprika:{p}"),
                        evm: false,
                    })
                }
            },
        };
        Some(match self.gecko_evm.get(gecko_id) {
            Some(chain_id) => ChainKey {
                chain: self
                    .names
                    .get(chain_id)
                    .cloned()
                    .unwrap_or_else(|| gecko_id.to_string()),
                evm: true,
            },
            None => ChainKey {
                chain: gecko_id.to_string(),
                evm: false,
            },
        })
    }

    /// Whether a chain key (as [`ChainMap::chain_key`] returns) is an EVM chain.
    pub fn is_evm_chain(&self, chain: &str) -> bool {
        self.gecko_evm.contains_key(chain) || self.names.values().any(|n| n == chain)
    }

    /// Checks and normalises one provider contract entry.
    pub fn contract(&self, provider: Provider, entry: &PlatformAddress) -> ContractEntry {
        let address = entry.address.trim();
        let Some(key) = self.chain_key(provider, &entry.platform) else {
            return ContractEntry::Empty;
        };
        if address.is_empty() {
            return ContractEntry::Empty;
        }
        if key.evm {
            match evm_address::normalize(address) {
                Some(address) => ContractEntry::Valid {
                    chain: key.chain,
                    address,
                },
                None => ContractEntry::Invalid,
            }
        } else {
            ContractEntry::Valid {
                chain: key.chain,
                address: address.to_string(),
            }
        }
    }
}

/// An `assets` row with its contracts, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingAsset {
    pub id: Uuid,
    pub symbol: String,
    pub name: String,
    pub coingecko_id: Option<String>,
    pub coinpaprika_id: Option<String>,
    pub asset_type: String,
    pub is_stablecoin: bool,
    pub market_cap_rank: Option<i32>,
    /// `(chain, contract_address)`.
    pub contracts: Vec<(String, String)>,
}

/// A contract of a planned asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedContract {
    pub chain: String,
    pub address: String,
    /// The provider that lists it; `None` when it is only kept from the existing row (leave the
    /// stored source as it is).
    pub source: Option<Provider>,
}

/// How a planned asset differs from its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    New,
    Updated,
    Unchanged,
}

/// One asset as the catalog should be after this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAsset {
    /// The row this asset updates; `None` inserts a new one.
    pub existing_id: Option<Uuid>,
    /// Uppercase.
    pub symbol: String,
    pub name: String,
    /// `stablecoin` when stable, else `token` when it has contracts, else `cryptocurrency`.
    pub asset_type: String,
    pub coingecko_id: Option<String>,
    pub coinpaprika_id: Option<String>,
    pub is_stablecoin: bool,
    pub market_cap_rank: Option<i32>,
    /// Sorted by `(chain, address)`.
    pub contracts: Vec<PlannedContract>,
    pub change: Change,
}

impl PlannedAsset {
    /// The row this plan writes, with `id` (its `existing_id` or the id given to a new row).
    pub fn to_existing(&self, id: Uuid) -> ExistingAsset {
        ExistingAsset {
            id,
            symbol: self.symbol.clone(),
            name: self.name.clone(),
            coingecko_id: self.coingecko_id.clone(),
            coinpaprika_id: self.coinpaprika_id.clone(),
            asset_type: self.asset_type.clone(),
            is_stablecoin: self.is_stablecoin,
            market_cap_rank: self.market_cap_rank,
            contracts: self
                .contracts
                .iter()
                .map(|c| (c.chain.clone(), c.address.clone()))
                .collect(),
        }
    }
}

/// What an existing row must give up (clear before writing the planned assets), because
/// another planned asset now holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub asset_id: Uuid,
    pub coingecko_id: Option<String>,
    pub coinpaprika_id: Option<String>,
    /// `(chain, contract_address)` as stored in the row.
    pub contracts: Vec<(String, String)>,
}

/// The result of [`merge`]. Every list is sorted, so equal inputs give equal plans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogPlan {
    /// Sorted: assets with a CoinGecko id first, by CoinGecko id, then by CoinPaprika id.
    pub assets: Vec<PlannedAsset>,
    /// Sorted by asset id.
    pub releases: Vec<Release>,
    /// Existing rows no listing matched (left as they are), sorted.
    pub unmatched_existing: Vec<Uuid>,
    /// Contract entries on EVM platforms that are not EVM addresses (skipped).
    pub invalid_addresses: usize,
    /// Inactive listings (skipped).
    pub skipped_inactive: usize,
    /// Human-readable notes on contested contracts and refused merges, sorted.
    pub conflicts: Vec<String>,
}

impl CatalogPlan {
    /// How many planned assets are new, updated and unchanged.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |c| self.assets.iter().filter(|a| a.change == c).count();
        (
            count(Change::New),
            count(Change::Updated),
            count(Change::Unchanged),
        )
    }
}

type Contract = (String, String);

/// One active listing with its checked contracts (sorted, deduplicated).
struct Listed<'a> {
    listing: &'a CoinListing,
    contracts: Vec<Contract>,
    rank: Option<i32>,
}

fn collect<'a>(
    provider: Provider,
    listings: &'a [CoinListing],
    extra: Option<&HashMap<String, Vec<PlatformAddress>>>,
    chains: &ChainMap,
    plan: &mut CatalogPlan,
) -> Vec<Listed<'a>> {
    let mut sorted: Vec<&CoinListing> = listings.iter().collect();
    sorted.sort_by(|a, b| a.provider_id.cmp(&b.provider_id));
    sorted.dedup_by(|a, b| a.provider_id == b.provider_id);
    let mut out = Vec::with_capacity(sorted.len());
    for listing in sorted {
        if !listing.is_active {
            plan.skipped_inactive += 1;
            continue;
        }
        let extra_entries = extra
            .and_then(|m| m.get(&listing.provider_id))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let raw: BTreeSet<(&str, &str)> = listing
            .platforms
            .iter()
            .chain(extra_entries)
            .map(|p| (p.platform.trim(), p.address.trim()))
            .collect();
        let mut contracts = BTreeSet::new();
        for (platform, address) in raw {
            let entry = PlatformAddress {
                platform: platform.to_string(),
                address: address.to_string(),
            };
            match chains.contract(provider, &entry) {
                ContractEntry::Valid { chain, address } => {
                    contracts.insert((chain, address));
                }
                ContractEntry::Invalid => plan.invalid_addresses += 1,
                ContractEntry::Empty => {}
            }
        }
        out.push(Listed {
            listing,
            contracts: contracts.into_iter().collect(),
            rank: listing.rank.filter(|r| *r > 0),
        });
    }
    out
}

fn text_key(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Canonical form of a stored contract, for comparisons: EVM addresses lowercase.
fn canonical(chains: &ChainMap, contract: &Contract) -> Contract {
    let (chain, address) = (contract.0.trim(), contract.1.trim());
    let address = if chains.is_evm_chain(chain) {
        evm_address::normalize(address).unwrap_or_else(|| address.to_string())
    } else {
        address.to_string()
    };
    (chain.to_string(), address)
}

/// Ranks compare with "unranked" last.
fn rank_key(rank: Option<i32>) -> (bool, i32) {
    (rank.is_none(), rank.unwrap_or(0))
}

/// A merged coin: at most one listing of each provider.
struct Coin {
    gecko: Option<usize>,
    paprika: Option<usize>,
}

/// Merges both providers' catalogs with the existing rows into one plan.
///
/// A CoinPaprika coin joins a CoinGecko coin when (in this order): an existing row already holds
/// both their ids; they share a `(chain, address)` (the CoinGecko coin sharing most contracts;
/// better-ranked CoinPaprika coins choose first); or their trimmed, case-insensitive
/// `(symbol, name)` is unique on both sides and they have no chain in common (a common chain
/// with different addresses means different tokens). Otherwise it stays its own asset.
///
/// A contract claimed by several coins goes to a coin whose CoinGecko listing has it, then to
/// the better-ranked, then to the smaller provider id; the others are noted in `conflicts`.
///
/// Planned assets are matched to rows by CoinGecko id, then CoinPaprika id, then contract.
///
/// The steps, each its own function: [`pair_by_existing`], [`pair_by_contracts`],
/// [`pair_by_name`] (pairing), [`coins_of`], [`assign_contracts`], [`match_rows`],
/// [`planned_assets`], [`releases`].
pub fn merge(
    existing: &[ExistingAsset],
    gecko: &[CoinListing],
    paprika: &[CoinListing],
    paprika_contracts: &HashMap<String, Vec<PlatformAddress>>,
    chains: &ChainMap,
) -> CatalogPlan {
    let mut plan = CatalogPlan::default();
    let mut conflicts = BTreeSet::new();
    let g = collect(Provider::CoinGecko, gecko, None, chains, &mut plan);
    let p = collect(
        Provider::CoinPaprika,
        paprika,
        Some(paprika_contracts),
        chains,
        &mut plan,
    );
    let sides = Sides { g: &g, p: &p };

    // --- Pair CoinPaprika coins with CoinGecko coins.
    let mut pairs = Pairs {
        of_g: vec![None; g.len()],
        of_p: vec![None; p.len()],
    };
    pair_by_existing(existing, sides, &mut pairs);
    // Noted only if the CoinPaprika coin ends up unmerged, so a rerun notes the same.
    let refused = pair_by_contracts(sides, &mut pairs);
    pair_by_name(sides, &mut pairs, &mut conflicts);
    for (pi, gi, other) in refused {
        if pairs.of_p[pi].is_none() {
            conflicts.insert(format!(
                "coinpaprika:{} shares contracts with coingecko:{}, already merged with \
                 coinpaprika:{}; kept apart",
                p[pi].listing.provider_id, g[gi].listing.provider_id, p[other].listing.provider_id
            ));
        }
    }
    let coins = coins_of(&pairs);

    // --- Give each contract to one coin.
    let assigned = assign_contracts(sides, &coins, &mut conflicts);

    // --- Match coins to existing rows: CoinGecko id, then CoinPaprika id, then contract.
    let (row_of, taken) = match_rows(existing, sides, &coins, &assigned.of_coin, chains);

    // --- Build the planned assets, keeping what the row knows and nobody else claims.
    plan.assets = planned_assets(
        existing,
        sides,
        &coins,
        assigned,
        &row_of,
        chains,
        &mut conflicts,
    );

    // --- What rows must give up, and which rows nothing matched.
    plan.releases = releases(existing, &plan.assets, chains);
    let mut unmatched: Vec<Uuid> = existing
        .iter()
        .zip(&taken)
        .filter(|(_, t)| !**t)
        .map(|(e, _)| e.id)
        .collect();
    unmatched.sort();
    unmatched.dedup();
    plan.unmatched_existing = unmatched;
    plan.conflicts = conflicts.into_iter().collect();
    plan
}

/// Both providers' listings, sorted by provider id (indices into them name the coins).
#[derive(Clone, Copy)]
struct Sides<'s, 'a> {
    g: &'s [Listed<'a>],
    p: &'s [Listed<'a>],
}

impl Sides<'_, '_> {
    /// The coin's name in notes: its CoinGecko id, else its CoinPaprika id.
    fn label(&self, c: &Coin) -> String {
        match (c.gecko, c.paprika) {
            (Some(gi), _) => format!("coingecko:{}", self.g[gi].listing.provider_id),
            (None, Some(pi)) => format!("coinpaprika:{}", self.p[pi].listing.provider_id),
            (None, None) => unreachable!("a coin has a listing"),
        }
    }

    /// The coin's rank: CoinGecko's, else CoinPaprika's.
    fn rank(&self, c: &Coin) -> Option<i32> {
        c.gecko
            .and_then(|gi| self.g[gi].rank)
            .or_else(|| c.paprika.and_then(|pi| self.p[pi].rank))
    }
}

fn index_by_id<'a>(listed: &[Listed<'a>]) -> HashMap<&'a str, usize> {
    listed
        .iter()
        .enumerate()
        .map(|(i, l)| (l.listing.provider_id.as_str(), i))
        .collect()
}

/// Pairing, first rule: an existing row holding both ids keeps them together.
fn pair_by_existing(existing: &[ExistingAsset], sides: Sides, pairs: &mut Pairs) {
    let g_by_id = index_by_id(sides.g);
    let p_by_id = index_by_id(sides.p);
    for e in existing {
        if let (Some(gid), Some(pid)) = (&e.coingecko_id, &e.coinpaprika_id) {
            if let (Some(&gi), Some(&pi)) = (g_by_id.get(gid.as_str()), p_by_id.get(pid.as_str())) {
                if pairs.of_g[gi].is_none() && pairs.of_p[pi].is_none() {
                    pairs.pair(gi, pi);
                }
            }
        }
    }
}

/// Pairing, second rule: a CoinPaprika coin joins the CoinGecko coin sharing most of its
/// contracts (better-ranked CoinPaprika coins choose first). Returns the refusals (the CoinGecko
/// coin was taken): (CoinPaprika coin, CoinGecko coin, the CoinPaprika coin that has it).
fn pair_by_contracts(sides: Sides, pairs: &mut Pairs) -> Vec<(usize, usize, usize)> {
    let (g, p) = (sides.g, sides.p);
    let mut g_by_contract: HashMap<&Contract, Vec<usize>> = HashMap::new();
    for (gi, l) in g.iter().enumerate() {
        for c in &l.contracts {
            g_by_contract.entry(c).or_default().push(gi);
        }
    }
    let mut refused = Vec::new();
    let mut p_order: Vec<usize> = (0..p.len()).collect();
    p_order.sort_by_key(|&pi| (rank_key(p[pi].rank), pi));
    for &pi in &p_order {
        if pairs.of_p[pi].is_some() {
            continue;
        }
        let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
        for c in &p[pi].contracts {
            for &gi in g_by_contract.get(c).into_iter().flatten() {
                *shared.entry(gi).or_default() += 1;
            }
        }
        // Most shared contracts, then the smaller CoinGecko id (BTreeMap order).
        let Some((&gi, _)) = shared
            .iter()
            .max_by(|(ga, na), (gb, nb)| na.cmp(nb).then(gb.cmp(ga)))
        else {
            continue;
        };
        match pairs.of_g[gi] {
            None => pairs.pair(gi, pi),
            Some(other) => refused.push((pi, gi, other)),
        }
    }
    refused
}

/// Pairing, third rule: a `(symbol, name)` unique on both sides, when the two list no contract
/// on a common chain (noted as a conflict when they do).
fn pair_by_name(sides: Sides, pairs: &mut Pairs, conflicts: &mut BTreeSet<String>) {
    let (g, p) = (sides.g, sides.p);
    let name_key = |l: &Listed| (text_key(&l.listing.symbol), text_key(&l.listing.name));
    let mut g_by_name: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (gi, l) in g.iter().enumerate() {
        g_by_name.entry(name_key(l)).or_default().push(gi);
    }
    let mut p_name_count: HashMap<(String, String), usize> = HashMap::new();
    for l in p {
        *p_name_count.entry(name_key(l)).or_default() += 1;
    }
    for (pi, pl) in p.iter().enumerate() {
        if pairs.of_p[pi].is_some() {
            continue;
        }
        let key = name_key(pl);
        let (Some([gi]), Some(1)) = (
            g_by_name.get(&key).map(Vec::as_slice),
            p_name_count.get(&key),
        ) else {
            continue;
        };
        let gi = *gi;
        if pairs.of_g[gi].is_some() {
            continue;
        }
        let g_chains: HashSet<&str> = g[gi].contracts.iter().map(|c| c.0.as_str()).collect();
        if pl.contracts.iter().any(|c| g_chains.contains(c.0.as_str())) {
            conflicts.insert(format!(
                "coinpaprika:{} and coingecko:{} share symbol and name but list different \
                 contracts on one chain; kept apart",
                pl.listing.provider_id, g[gi].listing.provider_id
            ));
            continue;
        }
        pairs.pair(gi, pi);
    }
}

/// The merged coins: every CoinGecko coin (with its CoinPaprika pair), then every unpaired
/// CoinPaprika coin.
fn coins_of(pairs: &Pairs) -> Vec<Coin> {
    let mut coins: Vec<Coin> = (0..pairs.of_g.len())
        .map(|gi| Coin {
            gecko: Some(gi),
            paprika: pairs.of_g[gi],
        })
        .collect();
    coins.extend(
        (0..pairs.of_p.len())
            .filter(|&pi| pairs.of_p[pi].is_none())
            .map(|pi| Coin {
                gecko: None,
                paprika: Some(pi),
            }),
    );
    coins
}

/// Which coin has which contract.
struct Assignment {
    /// Each coin's contracts, by coin index.
    of_coin: Vec<Vec<PlannedContract>>,
    /// Each contract's coin.
    owner: HashMap<Contract, usize>,
}

/// Each contract to one coin: one whose CoinGecko listing has it, then the better-ranked, then
/// the smaller label (the others are noted).
fn assign_contracts(sides: Sides, coins: &[Coin], conflicts: &mut BTreeSet<String>) -> Assignment {
    let mut claims: BTreeMap<&Contract, Vec<(usize, Provider)>> = BTreeMap::new();
    for (ci, coin) in coins.iter().enumerate() {
        let mut mine: BTreeMap<&Contract, Provider> = BTreeMap::new();
        if let Some(pi) = coin.paprika {
            for c in &sides.p[pi].contracts {
                mine.insert(c, Provider::CoinPaprika);
            }
        }
        if let Some(gi) = coin.gecko {
            for c in &sides.g[gi].contracts {
                mine.insert(c, Provider::CoinGecko);
            }
        }
        for (c, source) in mine {
            claims.entry(c).or_default().push((ci, source));
        }
    }
    let mut coin_contracts: Vec<Vec<PlannedContract>> = coins.iter().map(|_| Vec::new()).collect();
    let mut contract_owner: HashMap<Contract, usize> = HashMap::new();
    for (c, mut claimants) in claims {
        claimants.sort_by_cached_key(|(ci, source)| {
            (
                *source != Provider::CoinGecko,
                rank_key(sides.rank(&coins[*ci])),
                sides.label(&coins[*ci]),
            )
        });
        let (winner, source) = claimants[0];
        if claimants.len() > 1 {
            let others: Vec<String> = claimants[1..]
                .iter()
                .map(|(ci, _)| sides.label(&coins[*ci]))
                .collect();
            conflicts.insert(format!(
                "contract {} {} is claimed by {} and {}; kept for {}",
                c.0,
                c.1,
                sides.label(&coins[winner]),
                others.join(", "),
                sides.label(&coins[winner]),
            ));
        }
        coin_contracts[winner].push(PlannedContract {
            chain: c.0.clone(),
            address: c.1.clone(),
            source: Some(source),
        });
        contract_owner.insert(c.clone(), winner);
    }
    Assignment {
        of_coin: coin_contracts,
        owner: contract_owner,
    }
}

/// Each coin's existing row (by CoinGecko id, then CoinPaprika id, then contract; a row goes
/// to one coin), and which rows were taken.
fn match_rows(
    existing: &[ExistingAsset],
    sides: Sides,
    coins: &[Coin],
    coin_contracts: &[Vec<PlannedContract>],
    chains: &ChainMap,
) -> (Vec<Option<usize>>, Vec<bool>) {
    let mut ex_by_gecko: HashMap<&str, usize> = HashMap::new();
    let mut ex_by_paprika: HashMap<&str, usize> = HashMap::new();
    let mut ex_by_contract: BTreeMap<Contract, usize> = BTreeMap::new();
    for (ei, e) in existing.iter().enumerate() {
        if let Some(id) = &e.coingecko_id {
            ex_by_gecko.entry(id.as_str()).or_insert(ei);
        }
        if let Some(id) = &e.coinpaprika_id {
            ex_by_paprika.entry(id.as_str()).or_insert(ei);
        }
        for c in &e.contracts {
            ex_by_contract.entry(canonical(chains, c)).or_insert(ei);
        }
    }
    let mut row_of: Vec<Option<usize>> = vec![None; coins.len()];
    let mut taken = vec![false; existing.len()];
    for (ci, coin) in coins.iter().enumerate() {
        if let Some(&ei) = coin
            .gecko
            .and_then(|gi| ex_by_gecko.get(sides.g[gi].listing.provider_id.as_str()))
        {
            if !taken[ei] {
                taken[ei] = true;
                row_of[ci] = Some(ei);
            }
        }
    }
    for (ci, coin) in coins.iter().enumerate() {
        if row_of[ci].is_some() {
            continue;
        }
        if let Some(&ei) = coin
            .paprika
            .and_then(|pi| ex_by_paprika.get(sides.p[pi].listing.provider_id.as_str()))
        {
            if !taken[ei] {
                taken[ei] = true;
                row_of[ci] = Some(ei);
            }
        }
    }
    for ci in 0..coins.len() {
        if row_of[ci].is_some() {
            continue;
        }
        let found = coin_contracts[ci].iter().find_map(|pc| {
            ex_by_contract
                .get(&(pc.chain.clone(), pc.address.clone()))
                .copied()
                .filter(|&ei| !taken[ei])
        });
        if let Some(ei) = found {
            taken[ei] = true;
            row_of[ci] = Some(ei);
        }
    }
    (row_of, taken)
}

/// The planned assets, one per coin, keeping what its row knows and nobody else claims;
/// sorted by CoinGecko id (unlisted last), then CoinPaprika id.
fn planned_assets(
    existing: &[ExistingAsset],
    sides: Sides,
    coins: &[Coin],
    mut assigned: Assignment,
    row_of: &[Option<usize>],
    chains: &ChainMap,
    conflicts: &mut BTreeSet<String>,
) -> Vec<PlannedAsset> {
    let (g, p) = (sides.g, sides.p);
    let claimed_paprika: HashSet<&str> = coins
        .iter()
        .filter_map(|c| c.paprika.map(|pi| p[pi].listing.provider_id.as_str()))
        .collect();
    let mut carried: HashSet<Contract> = HashSet::new();
    let mut assets = Vec::with_capacity(coins.len());
    for (ci, coin) in coins.iter().enumerate() {
        let gl = coin.gecko.map(|gi| &g[gi]);
        let pl = coin.paprika.map(|pi| &p[pi]);
        let row = row_of[ci].map(|ei| &existing[ei]);
        let lead = gl.or(pl).expect("a coin has a listing").listing;

        let mut coingecko_id = gl.map(|l| l.listing.provider_id.clone());
        let mut coinpaprika_id = pl.map(|l| l.listing.provider_id.clone());
        let mut market_cap_rank = sides.rank(coin);
        let mut is_stablecoin = gl
            .is_some_and(|l| is_stablecoin(Provider::CoinGecko, &l.listing.provider_id))
            || pl.is_some_and(|l| is_stablecoin(Provider::CoinPaprika, &l.listing.provider_id));
        let mut contracts = std::mem::take(&mut assigned.of_coin[ci]);
        if let Some(row) = row {
            if coingecko_id.is_none() {
                coingecko_id = row.coingecko_id.clone();
            }
            if coinpaprika_id.is_none() {
                coinpaprika_id = row
                    .coinpaprika_id
                    .clone()
                    .filter(|id| !claimed_paprika.contains(id.as_str()));
            }
            market_cap_rank = market_cap_rank.or(row.market_cap_rank);
            is_stablecoin |= row.is_stablecoin;
            contracts.extend(carried_contracts(
                row,
                &assigned.owner,
                &mut carried,
                chains,
                conflicts,
            ));
        }
        contracts.sort_by(|a, b| (&a.chain, &a.address).cmp(&(&b.chain, &b.address)));
        let asset_type = if is_stablecoin {
            ASSET_TYPE_STABLECOIN
        } else if contracts.is_empty() {
            ASSET_TYPE_CRYPTOCURRENCY
        } else {
            ASSET_TYPE_TOKEN
        };
        let mut asset = PlannedAsset {
            existing_id: row.map(|r| r.id),
            symbol: lead.symbol.trim().to_uppercase(),
            name: lead.name.trim().to_string(),
            asset_type: asset_type.to_string(),
            coingecko_id,
            coinpaprika_id,
            is_stablecoin,
            market_cap_rank,
            contracts,
            change: Change::New,
        };
        asset.change = match row {
            None => Change::New,
            Some(row) if asset.to_existing(row.id).same_as(row) => Change::Unchanged,
            Some(_) => Change::Updated,
        };
        assets.push(asset);
    }
    assets.sort_by(|a, b| {
        (a.coingecko_id.is_none(), &a.coingecko_id, &a.coinpaprika_id).cmp(&(
            b.coingecko_id.is_none(),
            &b.coingecko_id,
            &b.coinpaprika_id,
        ))
    });
    assets
}

/// The contracts a row keeps that no coin claims (each kept for the first row that has it;
/// the others are noted).
fn carried_contracts(
    row: &ExistingAsset,
    contract_owner: &HashMap<Contract, usize>,
    carried: &mut HashSet<Contract>,
    chains: &ChainMap,
    conflicts: &mut BTreeSet<String>,
) -> Vec<PlannedContract> {
    let mut out = Vec::new();
    for c in &row.contracts {
        let c = canonical(chains, c);
        if contract_owner.contains_key(&c) {
            continue;
        }
        if !carried.insert(c.clone()) {
            conflicts.insert(format!(
                "contract {} {} is stored on several assets; kept for the first",
                c.0, c.1
            ));
            continue;
        }
        out.push(PlannedContract {
            chain: c.0,
            address: c.1,
            source: None,
        });
    }
    out
}

/// What rows must give up: ids and contracts the plan gives to another asset (by row id).
fn releases(
    existing: &[ExistingAsset],
    assets: &[PlannedAsset],
    chains: &ChainMap,
) -> Vec<Release> {
    let owner_row = |k: usize| assets[k].existing_id;
    let mut gecko_owner: HashMap<&str, usize> = HashMap::new();
    let mut paprika_owner: HashMap<&str, usize> = HashMap::new();
    let mut planned_contract_owner: HashMap<(&str, &str), usize> = HashMap::new();
    for (k, a) in assets.iter().enumerate() {
        if let Some(id) = &a.coingecko_id {
            gecko_owner.insert(id, k);
        }
        if let Some(id) = &a.coinpaprika_id {
            paprika_owner.insert(id, k);
        }
        for c in &a.contracts {
            planned_contract_owner.insert((&c.chain, &c.address), k);
        }
    }
    let mut releases = Vec::new();
    for e in existing {
        let elsewhere = |k: Option<&usize>| k.is_some_and(|&k| owner_row(k) != Some(e.id));
        let release = Release {
            asset_id: e.id,
            coingecko_id: e
                .coingecko_id
                .clone()
                .filter(|id| elsewhere(gecko_owner.get(id.as_str()))),
            coinpaprika_id: e
                .coinpaprika_id
                .clone()
                .filter(|id| elsewhere(paprika_owner.get(id.as_str()))),
            contracts: e
                .contracts
                .iter()
                .filter(|c| {
                    let (chain, address) = canonical(chains, c);
                    elsewhere(planned_contract_owner.get(&(chain.as_str(), address.as_str())))
                })
                .cloned()
                .collect(),
        };
        if release.coingecko_id.is_some()
            || release.coinpaprika_id.is_some()
            || !release.contracts.is_empty()
        {
            releases.push(release);
        }
    }
    releases.sort_by_key(|r| r.asset_id);
    releases
}

/// CoinGecko index ↔ CoinPaprika index, one-to-one.
struct Pairs {
    of_g: Vec<Option<usize>>,
    of_p: Vec<Option<usize>>,
}

impl Pairs {
    fn pair(&mut self, gi: usize, pi: usize) {
        self.of_g[gi] = Some(pi);
        self.of_p[pi] = Some(gi);
    }
}

impl ExistingAsset {
    /// Equal as stored, contracts compared as sets.
    fn same_as(&self, other: &ExistingAsset) -> bool {
        let set = |a: &ExistingAsset| a.contracts.iter().cloned().collect::<BTreeSet<_>>();
        self.symbol == other.symbol
            && self.name == other.name
            && self.asset_type == other.asset_type
            && self.coingecko_id == other.coingecko_id
            && self.coinpaprika_id == other.coinpaprika_id
            && self.is_stablecoin == other.is_stablecoin
            && self.market_cap_rank == other.market_cap_rank
            && set(self) == set(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pa(platform: &str, address: &str) -> PlatformAddress {
        PlatformAddress {
            platform: platform.into(),
            address: address.into(),
        }
    }

    fn listing(
        provider: Provider,
        id: &str,
        symbol: &str,
        name: &str,
        rank: Option<i32>,
        platforms: Vec<PlatformAddress>,
    ) -> CoinListing {
        CoinListing {
            provider,
            provider_id: id.into(),
            symbol: symbol.into(),
            name: name.into(),
            rank,
            is_active: true,
            platforms,
        }
    }

    fn cg(id: &str, symbol: &str, name: &str, platforms: Vec<PlatformAddress>) -> CoinListing {
        listing(Provider::CoinGecko, id, symbol, name, None, platforms)
    }

    fn cp(id: &str, symbol: &str, name: &str, rank: Option<i32>) -> CoinListing {
        listing(Provider::CoinPaprika, id, symbol, name, rank, vec![])
    }

    fn default_chains() -> ChainMap {
        let ours: Vec<(String, i64)> = DEFAULT_CHAINS
            .iter()
            .map(|(n, id)| (n.to_string(), *id))
            .collect();
        ChainMap::new(&[], &ours)
    }

    fn key(chains: &ChainMap, provider: Provider, platform: &str) -> (String, bool) {
        let k = chains.chain_key(provider, platform).unwrap();
        (k.chain, k.evm)
    }

    const USDT_ETH: &str = "0xdac17f958d2ee523a2206206994597c13d831ec7";
    const USDT_BSC: &str = "0x55d398326f99059ff775485246999027b3197955";
    const USDT_ARB: &str = "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9";

    /// Paths the job takes: apply the releases, then write every planned asset.
    fn apply(
        existing: &[ExistingAsset],
        plan: &CatalogPlan,
        next: &mut u128,
    ) -> Vec<ExistingAsset> {
        let mut rows: BTreeMap<Uuid, ExistingAsset> =
            existing.iter().map(|e| (e.id, e.clone())).collect();
        for r in &plan.releases {
            let row = rows.get_mut(&r.asset_id).expect("release of a known row");
            if r.coingecko_id.is_some() {
                assert_eq!(row.coingecko_id, r.coingecko_id);
                row.coingecko_id = None;
            }
            if r.coinpaprika_id.is_some() {
                assert_eq!(row.coinpaprika_id, r.coinpaprika_id);
                row.coinpaprika_id = None;
            }
            row.contracts.retain(|c| !r.contracts.contains(c));
        }
        for a in &plan.assets {
            let id = a.existing_id.unwrap_or_else(|| {
                *next += 1;
                Uuid::from_u128(*next)
            });
            rows.insert(id, a.to_existing(id));
        }
        let rows: Vec<ExistingAsset> = rows.into_values().collect();
        let mut gecko = HashSet::new();
        let mut paprika = HashSet::new();
        let mut contracts = HashSet::new();
        for r in &rows {
            if let Some(id) = &r.coingecko_id {
                assert!(gecko.insert(id.clone()), "coingecko_id {id} twice");
            }
            if let Some(id) = &r.coinpaprika_id {
                assert!(paprika.insert(id.clone()), "coinpaprika_id {id} twice");
            }
            for c in &r.contracts {
                assert!(contracts.insert(c.clone()), "contract {c:?} twice");
            }
        }
        rows
    }

    /// Runs `merge` on the rows a first run left and checks nothing changes.
    fn assert_idempotent(
        first: &CatalogPlan,
        rows: &[ExistingAsset],
        gecko: &[CoinListing],
        paprika: &[CoinListing],
        contracts: &HashMap<String, Vec<PlatformAddress>>,
        chains: &ChainMap,
    ) {
        let second = merge(rows, gecko, paprika, contracts, chains);
        assert!(second.releases.is_empty(), "{:?}", second.releases);
        assert_eq!(second.counts(), (0, 0, first.assets.len()));
        assert_eq!(second.invalid_addresses, first.invalid_addresses);
        assert_eq!(second.conflicts, first.conflicts);
        let by_id: HashMap<Uuid, &ExistingAsset> = rows.iter().map(|r| (r.id, r)).collect();
        for a in &second.assets {
            let id = a.existing_id.expect("every asset matched");
            assert_eq!(&a.to_existing(id), by_id[&id]);
        }
        // Same input, same plan.
        assert_eq!(second, merge(rows, gecko, paprika, contracts, chains));
    }

    #[test]
    fn platforms_map_to_our_chains() {
        let c = default_chains();
        use Provider::*;
        for (provider, platform, chain) in [
            (CoinGecko, "ethereum", "ethereum"),
            (CoinGecko, "arbitrum-one", "arbitrum"),
            (CoinGecko, "optimistic-ethereum", "optimism"),
            (CoinGecko, "base", "base"),
            (CoinGecko, "binance-smart-chain", "bsc"),
            (CoinPaprika, "eth-ethereum", "ethereum"),
            (CoinPaprika, "arb-arbitrum", "arbitrum"),
            (CoinPaprika, "op-optimism", "optimism"),
            (CoinPaprika, "base-base", "base"),
            (CoinPaprika, "base-base-mainnet", "base"),
            (CoinPaprika, "bnb-binance-coin", "bsc"),
        ] {
            assert_eq!(
                key(&c, provider, platform),
                (chain.into(), true),
                "{platform}"
            );
        }
        // Known EVM platforms that are not ours keep CoinGecko's id.
        assert_eq!(
            key(&c, CoinPaprika, "matic-polygon"),
            ("polygon-pos".into(), true)
        );
        assert_eq!(
            key(&c, CoinPaprika, "ht-huobi-token"),
            ("huobi-token".into(), true)
        );
        // Non-EVM platforms.
        assert_eq!(key(&c, CoinGecko, "solana"), ("solana".into(), false));
        assert_eq!(key(&c, CoinPaprika, "sol-solana"), ("solana".into(), false));
        assert_eq!(key(&c, CoinPaprika, "trx-tron"), ("tron".into(), false));
        assert_eq!(
            key(&c, CoinPaprika, "omni-omni"),
            ("coinpaprika:omni-omni".into(), false)
        );
        assert_eq!(c.chain_key(CoinGecko, " "), None);
    }

    #[test]
    fn asset_platforms_and_our_chains_derive_the_mapping() {
        let platforms = [
            AssetPlatform {
                id: "polygon-pos".into(),
                name: "Polygon POS".into(),
                chain_identifier: Some(137),
                native_coin_id: None,
            },
            AssetPlatform {
                id: "new-l2".into(),
                name: "New L2".into(),
                chain_identifier: Some(777),
                native_coin_id: None,
            },
            AssetPlatform {
                id: "solana".into(),
                name: "Solana".into(),
                chain_identifier: None,
                native_coin_id: None,
            },
        ];
        let ours = [("polygon".to_string(), 137), ("bnb".to_string(), 56)];
        let c = ChainMap::new(&platforms, &ours);
        use Provider::*;
        assert_eq!(key(&c, CoinGecko, "polygon-pos"), ("polygon".into(), true));
        assert_eq!(
            key(&c, CoinPaprika, "matic-polygon"),
            ("polygon".into(), true)
        );
        // An admin's name for chain 56 wins over the default `bsc`.
        assert_eq!(
            key(&c, CoinGecko, "binance-smart-chain"),
            ("bnb".into(), true)
        );
        assert_eq!(
            key(&c, CoinPaprika, "bnb-binance-coin"),
            ("bnb".into(), true)
        );
        // Default chains keep their names when not configured.
        assert_eq!(key(&c, CoinGecko, "base"), ("base".into(), true));
        assert_eq!(key(&c, CoinGecko, "new-l2"), ("new-l2".into(), true));
        assert_eq!(key(&c, CoinGecko, "solana"), ("solana".into(), false));
        assert!(c.is_evm_chain("polygon") && c.is_evm_chain("new-l2"));
        assert!(!c.is_evm_chain("solana") && !c.is_evm_chain("coinpaprika:omni-omni"));
    }

    #[test]
    fn contract_entries_are_checked() {
        let c = default_chains();
        let valid = |chain: &str, address: &str| ContractEntry::Valid {
            chain: chain.into(),
            address: address.into(),
        };
        use Provider::*;
        assert_eq!(
            c.contract(CoinPaprika, &pa("arb-arbitrum", USDT_ARB)),
            valid("arbitrum", &USDT_ARB.to_lowercase())
        );
        // BEP2 symbol under the BSC platform, a number on an EVM chain.
        assert_eq!(
            c.contract(CoinPaprika, &pa("bnb-binance-coin", "USDT-6D8")),
            ContractEntry::Invalid
        );
        assert_eq!(
            c.contract(CoinGecko, &pa("ethereum", "31")),
            ContractEntry::Invalid
        );
        // Non-EVM addresses are kept verbatim (trimmed).
        assert_eq!(
            c.contract(CoinPaprika, &pa("omni-omni", "31")),
            valid("coinpaprika:omni-omni", "31")
        );
        assert_eq!(
            c.contract(
                CoinGecko,
                &pa("tron", " TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t ")
            ),
            valid("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")
        );
        assert_eq!(
            c.contract(CoinGecko, &pa("ethereum", "")),
            ContractEntry::Empty
        );
        assert_eq!(c.contract(CoinGecko, &pa("", "")), ContractEntry::Empty);
    }

    /// Shaped like CoinPaprika's `/coins/usdt-tether` contracts and CoinGecko's
    /// `/coins/list?include_platform=true`, values chosen for the test.
    fn usdt_fixture() -> (
        Vec<CoinListing>,
        Vec<CoinListing>,
        HashMap<String, Vec<PlatformAddress>>,
    ) {
        let gecko = vec![
            cg(
                "tether",
                "usdt",
                "Tether",
                vec![
                    pa("ethereum", USDT_ETH),
                    pa("binance-smart-chain", USDT_BSC),
                    pa("tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
                    pa("", ""),
                ],
            ),
            cg("bitcoin", "btc", "Bitcoin", vec![]),
            // A scam reusing the symbol: never a stablecoin.
            cg(
                "tether-scam",
                "usdt",
                "Tether Gold Plus",
                vec![pa("ethereum", "0x1111111111111111111111111111111111111111")],
            ),
        ];
        let paprika = vec![
            cp("usdt-tether", "USDT", "Tether", Some(3)),
            cp("btc-bitcoin", "BTC", "Bitcoin", Some(1)),
            cp("dead-coin", "DEAD", "Dead", Some(0)),
            CoinListing {
                is_active: false,
                ..cp("gone-gone", "GONE", "Gone", Some(0))
            },
        ];
        let contracts = HashMap::from([(
            "usdt-tether".to_string(),
            vec![
                pa("eth-ethereum", "0xdAC17F958D2ee523a2206206994597C13D831ec7"),
                pa("bnb-binance-coin", USDT_BSC),
                pa("bnb-binance-coin", "USDT-6D8"),
                pa("trx-tron", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
                pa("omni-omni", "31"),
                pa("arb-arbitrum", USDT_ARB),
            ],
        )]);
        (gecko, paprika, contracts)
    }

    #[test]
    fn merges_both_providers_into_one_asset_per_coin() {
        let chains = default_chains();
        let (gecko, paprika, contracts) = usdt_fixture();
        let plan = merge(&[], &gecko, &paprika, &contracts, &chains);
        assert_eq!(plan.invalid_addresses, 1, "USDT-6D8");
        assert_eq!(plan.skipped_inactive, 1);
        assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
        let ids: Vec<(Option<&str>, Option<&str>)> = plan
            .assets
            .iter()
            .map(|a| (a.coingecko_id.as_deref(), a.coinpaprika_id.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                (Some("bitcoin"), Some("btc-bitcoin")),
                (Some("tether"), Some("usdt-tether")),
                (Some("tether-scam"), None),
                (None, Some("dead-coin")),
            ]
        );
        let btc = &plan.assets[0];
        assert_eq!((btc.symbol.as_str(), btc.name.as_str()), ("BTC", "Bitcoin"));
        assert_eq!(btc.asset_type, ASSET_TYPE_CRYPTOCURRENCY);
        assert_eq!(btc.market_cap_rank, Some(1));
        let usdt = &plan.assets[1];
        assert_eq!(usdt.symbol, "USDT");
        assert!(usdt.is_stablecoin);
        assert_eq!(usdt.asset_type, ASSET_TYPE_STABLECOIN);
        assert_eq!(usdt.market_cap_rank, Some(3));
        let got: Vec<(&str, &str, Option<Provider>)> = usdt
            .contracts
            .iter()
            .map(|c| (c.chain.as_str(), c.address.as_str(), c.source))
            .collect();
        let arb = USDT_ARB.to_lowercase();
        use Provider::*;
        assert_eq!(
            got,
            [
                ("arbitrum", arb.as_str(), Some(CoinPaprika)),
                ("bsc", USDT_BSC, Some(CoinGecko)),
                ("coinpaprika:omni-omni", "31", Some(CoinPaprika)),
                ("ethereum", USDT_ETH, Some(CoinGecko)),
                (
                    "tron",
                    "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                    Some(CoinGecko)
                ),
            ]
        );
        let scam = &plan.assets[2];
        assert!(!scam.is_stablecoin);
        assert_eq!(scam.asset_type, ASSET_TYPE_TOKEN);
        // CoinPaprika's rank 0 means unranked.
        assert_eq!(plan.assets[3].market_cap_rank, None);
        assert!(plan.assets.iter().all(|a| a.change == Change::New));
    }

    #[test]
    fn merge_is_idempotent() {
        let chains = default_chains();
        let (gecko, paprika, contracts) = usdt_fixture();
        let first = merge(&[], &gecko, &paprika, &contracts, &chains);
        let rows = apply(&[], &first, &mut 0);
        assert_idempotent(&first, &rows, &gecko, &paprika, &contracts, &chains);
        // Input order does not matter.
        let mut g2 = gecko.clone();
        g2.reverse();
        let mut p2 = paprika.clone();
        p2.reverse();
        let again = merge(&rows, &g2, &p2, &contracts, &chains);
        assert_eq!(again, merge(&rows, &gecko, &paprika, &contracts, &chains));
    }

    #[test]
    fn symbol_and_name_merge_only_when_unique_on_both_sides() {
        let chains = default_chains();
        let gecko = vec![
            cg("solana", "sol", "Solana", vec![]),
            cg("uni-a", "uni", "Uni", vec![]),
            cg("uni-b", "uni", "Uni", vec![]),
            cg(
                "foo",
                "foo",
                "Foo",
                vec![pa("ethereum", "0x00000000000000000000000000000000000000f1")],
            ),
        ];
        let paprika = vec![
            cp("sol-solana", " SOL", "solana ", Some(5)),
            cp("uni-uni", "UNI", "Uni", Some(30)),
            // Same symbol and name, but another contract on the same chain: another token.
            cp("foo-foo", "FOO", "Foo", Some(900)),
        ];
        let contracts = HashMap::from([(
            "foo-foo".to_string(),
            vec![pa(
                "eth-ethereum",
                "0x00000000000000000000000000000000000000f2",
            )],
        )]);
        let plan = merge(&[], &gecko, &paprika, &contracts, &chains);
        let ids: Vec<(Option<&str>, Option<&str>)> = plan
            .assets
            .iter()
            .map(|a| (a.coingecko_id.as_deref(), a.coinpaprika_id.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [
                (Some("foo"), None),
                (Some("solana"), Some("sol-solana")),
                (Some("uni-a"), None),
                (Some("uni-b"), None),
                (None, Some("foo-foo")),
                (None, Some("uni-uni")),
            ]
        );
        assert_eq!(plan.conflicts.len(), 1);
        assert!(
            plan.conflicts[0].contains("foo-foo"),
            "{:?}",
            plan.conflicts
        );
    }

    #[test]
    fn a_contract_goes_to_one_asset_only() {
        let chains = default_chains();
        let shared = "0x00000000000000000000000000000000000000c1";
        let gecko = vec![
            cg("wrapped-a", "wa", "Wrapped A", vec![pa("base", shared)]),
            cg("wrapped-b", "wb", "Wrapped B", vec![pa("base", shared)]),
        ];
        // Both paprika coins share the contract with wrapped-a; the better-ranked merges.
        let paprika = vec![
            cp("wa-wrapped-a", "WA", "Wrapped A", Some(50)),
            cp("wa2-wrapped-a-old", "WA", "Wrapped A (old)", Some(40)),
        ];
        let contracts = HashMap::from([
            ("wa-wrapped-a".to_string(), vec![pa("base-base", shared)]),
            (
                "wa2-wrapped-a-old".to_string(),
                vec![pa("base-base", shared)],
            ),
        ]);
        let plan = merge(&[], &gecko, &paprika, &contracts, &chains);
        let owners: Vec<(Option<&str>, Option<&str>, usize)> = plan
            .assets
            .iter()
            .map(|a| {
                (
                    a.coingecko_id.as_deref(),
                    a.coinpaprika_id.as_deref(),
                    a.contracts.len(),
                )
            })
            .collect();
        assert_eq!(
            owners,
            [
                (Some("wrapped-a"), Some("wa2-wrapped-a-old"), 1),
                (Some("wrapped-b"), None, 0),
                (None, Some("wa-wrapped-a"), 0),
            ]
        );
        // The contract stays with the CoinGecko coin that lists it, not with a symbol twin.
        assert_eq!(
            plan.assets[0].contracts[0].source,
            Some(Provider::CoinGecko)
        );
        assert_eq!(plan.conflicts.len(), 2, "{:#?}", plan.conflicts);
        let rows = apply(&[], &plan, &mut 0);
        assert_idempotent(&plan, &rows, &gecko, &paprika, &contracts, &chains);
    }

    #[test]
    fn the_pairing_steps_pair_by_contract_best_rank_first_then_by_unique_name() {
        let chains = default_chains();
        let shared = "0x00000000000000000000000000000000000000c1";
        let gecko = vec![
            cg("wrapped-a", "wa", "Wrapped A", vec![pa("base", shared)]),
            cg("zeta", "zt", "Zeta", vec![]),
        ];
        let paprika = vec![
            cp("wa-old", "WA", "Wrapped A (old)", Some(40)),
            cp("wa-new", "WA", "Wrapped A", Some(50)),
            cp("zt-zeta", "ZT", "Zeta", Some(9)),
        ];
        let contracts = HashMap::from([
            ("wa-old".to_string(), vec![pa("base-base", shared)]),
            ("wa-new".to_string(), vec![pa("base-base", shared)]),
        ]);
        let mut plan = CatalogPlan::default();
        let g = collect(Provider::CoinGecko, &gecko, None, &chains, &mut plan);
        let p = collect(
            Provider::CoinPaprika,
            &paprika,
            Some(&contracts),
            &chains,
            &mut plan,
        );
        let sides = Sides { g: &g, p: &p };
        let mut pairs = Pairs {
            of_g: vec![None; g.len()],
            of_p: vec![None; p.len()],
        };
        // Sorted by provider id: wa-new 0, wa-old 1, zt-zeta 2; wrapped-a 0, zeta 1.
        let refused = pair_by_contracts(sides, &mut pairs);
        assert_eq!(
            pairs.of_g[0],
            Some(1),
            "the better-ranked (40) chooses first"
        );
        assert_eq!(refused, vec![(0, 0, 1)]);
        let mut conflicts = BTreeSet::new();
        pair_by_name(sides, &mut pairs, &mut conflicts);
        assert_eq!(pairs.of_g[1], Some(2), "a unique symbol and name pair");
        assert_eq!(pairs.of_p[0], None);
        let coins = coins_of(&pairs);
        assert_eq!(coins.len(), 3);
        assert_eq!(sides.label(&coins[2]), "coinpaprika:wa-new");
        assert_eq!(sides.rank(&coins[1]), Some(9));
    }

    fn row(
        n: u128,
        gecko: Option<&str>,
        paprika: Option<&str>,
        contracts: &[(&str, &str)],
    ) -> ExistingAsset {
        ExistingAsset {
            id: Uuid::from_u128(n),
            symbol: "OLD".into(),
            name: "Old".into(),
            coingecko_id: gecko.map(Into::into),
            coinpaprika_id: paprika.map(Into::into),
            asset_type: ASSET_TYPE_TOKEN.into(),
            is_stablecoin: false,
            market_cap_rank: None,
            contracts: contracts
                .iter()
                .map(|(c, a)| (c.to_string(), a.to_string()))
                .collect(),
        }
    }

    #[test]
    fn existing_rows_are_matched_by_gecko_paprika_then_contract() {
        let chains = default_chains();
        let c1 = "0x00000000000000000000000000000000000000c1";
        let gecko = vec![
            cg("alpha", "a", "Alpha", vec![]),
            cg("gamma", "g", "Gamma", vec![pa("ethereum", c1)]),
        ];
        let paprika = vec![cp("b-beta", "B", "Beta", Some(7))];
        let existing = [
            row(1, Some("alpha"), None, &[]),
            row(2, None, Some("b-beta"), &[]),
            // Created for an unknown token (mixed case stored), now listed by CoinGecko.
            row(
                3,
                None,
                None,
                &[("ethereum", "0x00000000000000000000000000000000000000C1")],
            ),
            row(4, Some("delisted"), None, &[]),
        ];
        let plan = merge(&existing, &gecko, &paprika, &HashMap::new(), &chains);
        let matched: Vec<_> = plan
            .assets
            .iter()
            .map(|a| {
                (
                    a.coingecko_id.as_deref(),
                    a.coinpaprika_id.as_deref(),
                    a.existing_id,
                    a.change,
                )
            })
            .collect();
        assert_eq!(
            matched,
            [
                (
                    Some("alpha"),
                    None,
                    Some(Uuid::from_u128(1)),
                    Change::Updated
                ),
                (
                    Some("gamma"),
                    None,
                    Some(Uuid::from_u128(3)),
                    Change::Updated
                ),
                (
                    None,
                    Some("b-beta"),
                    Some(Uuid::from_u128(2)),
                    Change::Updated
                ),
            ]
        );
        assert_eq!(
            plan.assets[1].contracts.len(),
            1,
            "stored address canonicalised"
        );
        assert_eq!(plan.unmatched_existing, [Uuid::from_u128(4)]);
        assert!(plan.releases.is_empty());
        let rows = apply(&existing, &plan, &mut 100);
        assert_idempotent(&plan, &rows, &gecko, &paprika, &HashMap::new(), &chains);
    }

    #[test]
    fn rows_keep_what_providers_stopped_saying_unless_claimed() {
        let chains = default_chains();
        let c1 = "0x00000000000000000000000000000000000000c1";
        let c2 = "0x00000000000000000000000000000000000000c2";
        // Row 1: merged before, CoinPaprika's per-coin contracts fetched on an earlier run.
        let mut r1 = row(1, Some("alpha"), Some("a-alpha"), &[("base", c1)]);
        r1.is_stablecoin = true;
        r1.market_cap_rank = Some(9);
        // Row 2 holds a paprika id that now merges with CoinGecko's beta, and a contract
        // that beta now lists.
        let r2 = row(2, None, Some("b-beta"), &[("base", c2)]);
        let r3 = row(3, Some("beta"), None, &[]);
        let existing = [r1, r2, r3];
        let gecko = vec![
            cg("alpha", "a", "Alpha", vec![]),
            cg("beta", "b", "Beta", vec![pa("base", c2)]),
        ];
        let paprika = vec![cp("b-beta", "B", "Beta", None)];
        let plan = merge(&existing, &gecko, &paprika, &HashMap::new(), &chains);
        let alpha = &plan.assets[0];
        assert_eq!(alpha.existing_id, Some(Uuid::from_u128(1)));
        assert_eq!(alpha.coinpaprika_id.as_deref(), Some("a-alpha"));
        assert_eq!(alpha.market_cap_rank, Some(9));
        assert!(alpha.is_stablecoin);
        assert_eq!(
            alpha.contracts,
            [PlannedContract {
                chain: "base".into(),
                address: c1.into(),
                source: None
            }]
        );
        let beta = &plan.assets[1];
        assert_eq!(beta.existing_id, Some(Uuid::from_u128(3)));
        assert_eq!(beta.coinpaprika_id.as_deref(), Some("b-beta"));
        assert_eq!(
            plan.releases,
            [Release {
                asset_id: Uuid::from_u128(2),
                coingecko_id: None,
                coinpaprika_id: Some("b-beta".into()),
                contracts: vec![("base".into(), c2.into())],
            }]
        );
        assert_eq!(plan.unmatched_existing, [Uuid::from_u128(2)]);
        let rows = apply(&existing, &plan, &mut 100);
        assert_idempotent(&plan, &rows, &gecko, &paprika, &HashMap::new(), &chains);
    }

    #[test]
    fn stablecoins_come_from_curated_ids_only() {
        assert!(is_stablecoin(Provider::CoinGecko, "tether"));
        assert!(is_stablecoin(Provider::CoinGecko, "usd-coin"));
        assert!(is_stablecoin(Provider::CoinPaprika, "usdt-tether"));
        assert!(is_stablecoin(Provider::CoinPaprika, "usdc-usd-coin"));
        assert!(!is_stablecoin(Provider::CoinGecko, "usdt"));
        assert!(!is_stablecoin(Provider::CoinPaprika, "tether"));
        let plan = merge(
            &[],
            &[cg("usdt-on-fake-chain", "usdt", "Tether USD", vec![])],
            &[cp("usdc-fake", "USDC", "USD Coin", None)],
            &HashMap::new(),
            &default_chains(),
        );
        assert!(plan.assets.iter().all(|a| !a.is_stablecoin));
    }

    fn arb_listing(provider: Provider) -> impl Strategy<Value = CoinListing> {
        let platforms = match provider {
            Provider::CoinGecko => vec!["ethereum", "base", "solana", "binance-smart-chain"],
            Provider::CoinPaprika => vec!["eth-ethereum", "base-base", "sol-solana", "omni-omni"],
        };
        let ids = match provider {
            Provider::CoinGecko => vec!["g1", "g2", "g3", "g4", "g5", "g6"],
            Provider::CoinPaprika => vec!["p1", "p2", "p3", "p4", "p5", "p6"],
        };
        (
            prop::sample::select(ids),
            prop::sample::select(vec!["a", "B", "c"]),
            prop::sample::select(vec!["x", "Y"]),
            prop::option::of(-1i32..6),
            any::<u8>(),
            prop::collection::vec(
                (
                    prop::sample::select(platforms),
                    prop::sample::select(vec![
                        "0x00000000000000000000000000000000000000a1",
                        "0x00000000000000000000000000000000000000A2",
                        "0x00000000000000000000000000000000000000a3",
                        "31",
                        "",
                    ]),
                ),
                0..3,
            ),
        )
            .prop_map(
                move |(id, symbol, name, rank, flags, platforms)| CoinListing {
                    provider,
                    provider_id: id.into(),
                    symbol: symbol.into(),
                    name: name.into(),
                    rank,
                    is_active: flags % 8 != 0,
                    platforms: platforms.into_iter().map(|(p, a)| pa(p, a)).collect(),
                },
            )
    }

    fn arb_catalog() -> impl Strategy<
        Value = (
            Vec<CoinListing>,
            Vec<CoinListing>,
            HashMap<String, Vec<PlatformAddress>>,
        ),
    > {
        (
            prop::collection::vec(arb_listing(Provider::CoinGecko), 0..6),
            prop::collection::vec(arb_listing(Provider::CoinPaprika), 0..6),
        )
            .prop_map(|(gecko, mut paprika)| {
                // CoinPaprika's per-coin contracts arrive separately.
                let mut contracts = HashMap::new();
                for l in &mut paprika {
                    if l.symbol != "c" {
                        contracts.insert(l.provider_id.clone(), std::mem::take(&mut l.platforms));
                    }
                }
                (gecko, paprika, contracts)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Two catalog states in a row, then the second again: applying every plan keeps the
        /// unique constraints, and re-running on its result changes nothing.
        #[test]
        fn merge_keeps_constraints_and_is_idempotent(a in arb_catalog(), b in arb_catalog()) {
            let chains = default_chains();
            let mut next = 0;
            let plan_a = merge(&[], &a.0, &a.1, &a.2, &chains);
            let rows_a = apply(&[], &plan_a, &mut next);
            assert_idempotent(&plan_a, &rows_a, &a.0, &a.1, &a.2, &chains);
            let plan_b = merge(&rows_a, &b.0, &b.1, &b.2, &chains);
            let rows_b = apply(&rows_a, &plan_b, &mut next);
            assert_idempotent(&plan_b, &rows_b, &b.0, &b.1, &b.2, &chains);
            for asset in &plan_b.assets {
                prop_assert_eq!(asset.symbol.clone(), asset.symbol.to_uppercase());
                prop_assert!(asset.coingecko_id.is_some() || asset.coinpaprika_id.is_some());
            }
        }
    }
}
