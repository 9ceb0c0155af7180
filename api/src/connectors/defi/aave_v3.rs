//! Aave v3: a wallet's supplies and debts on one chain, in three rounds:
//!
//! 1. `PoolAddressesProvider.getPool()` and `getPoolDataProvider()`.
//! 2. `Pool.getReservesList()` and `getUserAccountData(wallet)` (health factor).
//! 3. Per reserve `AaveProtocolDataProvider.getUserReserveData(asset, wallet)` (supplied =
//!    `aToken.balanceOf`, debts = the debt tokens' `balanceOf`), `getReserveTokensAddresses`
//!    (the receipt tokens, never counted again as plain tokens) and the asset's `decimals()` /
//!    `symbol()`.

use alloy::primitives::{Address, Bytes, U256};

use super::{
    configured, decode, lower, parse_address, Answers, DefiProtocol, DefiReading, DefiTarget,
    ProtocolRead, Round, Session,
};

mod abi {
    alloy::sol! {
        function getPool() external view returns (address);
        function getPoolDataProvider() external view returns (address);
        function getReservesList() external view returns (address[]);
        function getUserAccountData(address user) external view returns (
            uint256 totalCollateralBase, uint256 totalDebtBase, uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold, uint256 ltv, uint256 healthFactor);
        function getUserReserveData(address asset, address user) external view returns (
            uint256 currentATokenBalance, uint256 currentStableDebt, uint256 currentVariableDebt,
            uint256 principalStableDebt, uint256 scaledVariableDebt, uint256 stableBorrowRate,
            uint256 liquidityRate, uint40 stableRateLastUpdated, bool usageAsCollateralEnabled);
        function getReserveTokensAddresses(address asset) external view returns (
            address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress);
    }
}

const NAME: &str = "aave-v3";

/// A wallet's Aave v3 account on one chain. Raw integers as base-10 text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveAccount {
    pub pool: String,
    /// 18 decimals; `None` when the account has no debt (the pool answers 2^256 − 1).
    pub health_factor: Option<String>,
    /// The market's base currency (USD, 8 decimals on v3 markets).
    pub total_collateral_base: String,
    pub total_debt_base: String,
    /// Reserves with a supply or a debt of the wallet.
    pub reserves: Vec<AaveReserve>,
    /// Every reserve's aToken and debt tokens (lowercase): receipts, never plain holdings.
    pub receipt_tokens: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AaveReserve {
    /// The underlying asset's contract (lowercase).
    pub asset: String,
    pub symbol: Option<String>,
    pub decimals: Option<u8>,
    /// `aToken.balanceOf(wallet)`, in the asset's units.
    pub supplied: String,
    pub stable_debt: String,
    pub variable_debt: String,
    /// Whether the supply counts as collateral.
    pub collateral: bool,
    /// The reserve's aToken and debt tokens (lowercase), where set.
    pub a_token: Option<String>,
    pub stable_debt_token: Option<String>,
    pub variable_debt_token: Option<String>,
}

/// The protocol, registered in [`super::PROTOCOLS`].
pub struct AaveV3;

impl DefiProtocol for AaveV3 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn configured(&self, target: &DefiTarget) -> bool {
        configured(&target.aave_v3_addresses_provider).is_some()
    }

    fn begin(
        &self,
        target: &DefiTarget,
        wallets: usize,
        known_absent: &dyn Fn(Address) -> bool,
    ) -> Box<dyn Session> {
        let provider =
            configured(&target.aave_v3_addresses_provider).and_then(|t| t.parse::<Address>().ok());
        Box::new(AaveSession {
            provider,
            steps: (0..wallets).map(|_| start(target, known_absent)).collect(),
            asked: Vec::new(),
        })
    }
}

/// A call's slot; `usize` fields name the wallet (its index in the read), so wallets read
/// together keep their answers apart while sharing the calls that do not depend on them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    AavePool,
    AaveDataProvider,
    Reserves,
    AccountData(usize),
    ReserveData(usize, Address),
    ReserveTokens(Address),
    Decimals(Address),
    Symbol(Address),
}

/// One wallet's read between rounds.
enum Step {
    Off(ProtocolRead<AaveAccount>),
    Provider(Address),
    Pool {
        pool: Address,
        data_provider: Address,
    },
    Reserves {
        pool: Address,
        data_provider: Address,
        reserves: Vec<Address>,
        account: abi::getUserAccountDataReturn,
    },
}

struct AaveSession {
    /// The registry's PoolAddressesProvider (to remember when it has no code).
    provider: Option<Address>,
    steps: Vec<Step>,
    /// The slots of the calls asked this round.
    asked: Vec<Key>,
}

/// A wallet's first step: off, or the provider to ask.
fn start(target: &DefiTarget, known_absent: &dyn Fn(Address) -> bool) -> Step {
    match configured(&target.aave_v3_addresses_provider) {
        None => Step::Off(ProtocolRead::NotConfigured),
        Some(t) => match parse_address(t, "Aave v3 PoolAddressesProvider") {
            Ok(p) if known_absent(p) => Step::Off(ProtocolRead::NotDeployed(absent(p))),
            Ok(p) => Step::Provider(p),
            Err(e) => Step::Off(ProtocolRead::Failed(e)),
        },
    }
}

fn absent(provider: Address) -> String {
    format!(
        "no Aave v3 PoolAddressesProvider at {} on this chain",
        lower(provider)
    )
}

impl Session for AaveSession {
    fn done(&self) -> bool {
        self.steps.iter().all(|s| matches!(s, Step::Off(_)))
    }

    fn calls(&mut self, owners: &[Address]) -> Vec<(Address, Bytes)> {
        let mut r = Round::new();
        for (w, step) in self.steps.iter().enumerate() {
            calls_of(&mut r, w, owners[w], step);
        }
        let (calls, keys) = r.into_parts();
        self.asked = keys;
        calls
    }

    fn advance(&mut self, answers: Vec<Option<Bytes>>) {
        let answers: Answers<Key> = std::mem::take(&mut self.asked)
            .into_iter()
            .zip(answers)
            .collect();
        for (w, step) in self.steps.iter_mut().enumerate() {
            let s = std::mem::replace(step, Step::Off(ProtocolRead::NotConfigured));
            *step = next(&answers, w, s);
        }
    }

    fn not_deployed(&self) -> Option<Address> {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::Off(ProtocolRead::NotDeployed(_))))
            .then_some(self.provider)
            .flatten()
    }

    fn finish(self: Box<Self>, readings: &mut [DefiReading]) {
        for (reading, step) in readings.iter_mut().zip(self.steps) {
            reading.aave = match step {
                Step::Off(r) => r,
                _ => ProtocolRead::Failed("the Aave read stopped early".into()),
            };
        }
    }
}

/// The calls of one wallet's next round.
fn calls_of(r: &mut Round<Key>, w: usize, owner: Address, step: &Step) {
    match step {
        // Round 1: where the pool is.
        Step::Provider(p) => {
            r.push(Key::AavePool, *p, abi::getPoolCall {});
            r.push(Key::AaveDataProvider, *p, abi::getPoolDataProviderCall {});
        }
        // Round 2: the reserves and the wallet's health factor.
        Step::Pool { pool, .. } => {
            r.push(Key::Reserves, *pool, abi::getReservesListCall {});
            r.push(
                Key::AccountData(w),
                *pool,
                abi::getUserAccountDataCall { user: owner },
            );
        }
        // Round 3: each reserve's balances (per wallet) and receipt tokens.
        Step::Reserves {
            data_provider,
            reserves,
            ..
        } => {
            for &asset in reserves {
                r.push(
                    Key::ReserveData(w, asset),
                    *data_provider,
                    abi::getUserReserveDataCall { asset, user: owner },
                );
                r.push(
                    Key::ReserveTokens(asset),
                    *data_provider,
                    abi::getReserveTokensAddressesCall { asset },
                );
                r.push_token(asset, Key::Decimals(asset), Key::Symbol(asset));
            }
        }
        Step::Off(_) => {}
    }
}

/// One wallet's step after a round's answers.
fn next(answers: &Answers<Key>, w: usize, step: Step) -> Step {
    match step {
        Step::Provider(p) => round1(answers, p),
        Step::Pool {
            pool,
            data_provider,
        } => round2(answers, w, pool, data_provider),
        Step::Reserves {
            pool,
            reserves,
            account,
            ..
        } => Step::Off(account_of(answers, w, pool, &reserves, &account)),
        off @ Step::Off(_) => off,
    }
}

fn round1(a1: &Answers<Key>, p: Address) -> Step {
    match (
        super::answer(a1, &Key::AavePool),
        decode::<abi::getPoolDataProviderCall, _>(a1, &Key::AaveDataProvider),
    ) {
        (Err(None), _) => Step::Off(ProtocolRead::NotDeployed(absent(p))),
        (_, Err(e)) => Step::Off(ProtocolRead::Failed(e)),
        (Err(Some(e)), _) => Step::Off(ProtocolRead::Failed(e)),
        (Ok(_), Ok(data_provider)) => match decode::<abi::getPoolCall, _>(a1, &Key::AavePool) {
            Ok(pool) => Step::Pool {
                pool,
                data_provider,
            },
            Err(e) => Step::Off(ProtocolRead::Failed(e)),
        },
    }
}

fn round2(a2: &Answers<Key>, w: usize, pool: Address, data_provider: Address) -> Step {
    match (
        decode::<abi::getReservesListCall, _>(a2, &Key::Reserves),
        decode::<abi::getUserAccountDataCall, _>(a2, &Key::AccountData(w)),
    ) {
        (Ok(reserves), Ok(account)) => Step::Reserves {
            pool,
            data_provider,
            reserves,
            account,
        },
        (Err(e), _) | (_, Err(e)) => Step::Off(ProtocolRead::Failed(e)),
    }
}

/// Round 3's answers as the wallet's account.
fn account_of(
    a3: &Answers<Key>,
    w: usize,
    pool: Address,
    reserves: &[Address],
    account: &abi::getUserAccountDataReturn,
) -> ProtocolRead<AaveAccount> {
    let mut out = Vec::new();
    let mut receipts = Vec::new();
    for &asset in reserves {
        let data = match decode::<abi::getUserReserveDataCall, _>(a3, &Key::ReserveData(w, asset)) {
            Ok(d) => d,
            Err(e) => return ProtocolRead::Failed(e),
        };
        let tokens =
            match decode::<abi::getReserveTokensAddressesCall, _>(a3, &Key::ReserveTokens(asset)) {
                Ok(t) => [
                    t.aTokenAddress,
                    t.stableDebtTokenAddress,
                    t.variableDebtTokenAddress,
                ]
                .map(|a| (a != Address::ZERO).then(|| lower(a))),
                Err(e) => return ProtocolRead::Failed(e),
            };
        receipts.extend(tokens.iter().flatten().cloned());
        let held = !data.currentATokenBalance.is_zero()
            || !data.currentStableDebt.is_zero()
            || !data.currentVariableDebt.is_zero();
        if !held {
            continue;
        }
        out.push(AaveReserve {
            asset: lower(asset),
            symbol: super::symbol_of(a3, &Key::Symbol(asset)),
            decimals: super::decimals_of(a3, &Key::Decimals(asset)),
            supplied: data.currentATokenBalance.to_string(),
            stable_debt: data.currentStableDebt.to_string(),
            variable_debt: data.currentVariableDebt.to_string(),
            collateral: data.usageAsCollateralEnabled,
            a_token: tokens[0].clone(),
            stable_debt_token: tokens[1].clone(),
            variable_debt_token: tokens[2].clone(),
        });
    }
    ProtocolRead::Read(AaveAccount {
        pool: lower(pool),
        health_factor: (account.healthFactor != U256::MAX)
            .then(|| account.healthFactor.to_string()),
        total_collateral_base: account.totalCollateralBase.to_string(),
        total_debt_base: account.totalDebtBase.to_string(),
        reserves: out,
        receipt_tokens: receipts,
    })
}
