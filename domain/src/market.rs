//! Market-data types the domain works with: providers and their catalogs, as the connectors
//! map the providers' answers into them.

/// Market-data providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    CoinGecko,
    CoinPaprika,
}

impl Provider {
    /// The name stored in `asset_prices.source` and used in metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::CoinGecko => "coingecko",
            Provider::CoinPaprika => "coinpaprika",
        }
    }
}

impl From<Provider> for &'static str {
    fn from(provider: Provider) -> Self {
        provider.as_str()
    }
}

/// A provider's platform id (e.g. `ethereum`, `eth-ethereum`) and the address it lists there,
/// both exactly as the provider sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformAddress {
    pub platform: String,
    pub address: String,
}

/// One coin of a provider's catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoinListing {
    pub provider: Provider,
    /// The provider's id (`bitcoin`, `btc-bitcoin`).
    pub provider_id: String,
    pub symbol: String,
    pub name: String,
    /// Market-cap rank when the catalog carries one (CoinPaprika's `/coins` does).
    pub rank: Option<i32>,
    pub is_active: bool,
    pub platforms: Vec<PlatformAddress>,
}

/// A provider's platform that is an EVM chain (CoinGecko's `/asset_platforms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetPlatform {
    pub id: String,
    pub name: String,
    /// EVM chain id when the platform is an EVM chain.
    pub chain_identifier: Option<i64>,
    /// The CoinGecko id of the platform's native coin (`ethereum`, `solana`, `matic-network`).
    pub native_coin_id: Option<String>,
}
