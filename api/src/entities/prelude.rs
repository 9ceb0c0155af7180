//! Entity types under their table names.

pub use super::accounts::Entity as Accounts;
pub use super::asset_contracts::Entity as AssetContracts;
pub use super::asset_prices::Entity as AssetPrices;
pub use super::assets::Entity as Assets;
pub use super::decimal::DbDecimal;
pub use super::evm_chains::Entity as EvmChains;
pub use super::evm_tokens::Entity as EvmTokens;
pub use super::job_runs::Entity as JobRuns;
pub use super::portfolio_accounts::Entity as PortfolioAccounts;
pub use super::portfolios::Entity as Portfolios;
pub use super::recommendations::Entity as Recommendations;
pub use super::snapshots::Entity as Snapshots;
pub use super::token_marks::Entity as TokenMarks;
pub use super::user_tokens::Entity as UserTokens;
pub use super::users::Entity as Users;
