//! An in-memory [`SolanaBalances`] for handler, sync and benchmark tests: balances set per
//! owner, failures set per owner or for every owner, and a count of reads.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use super::solana::{
    MintRead, SolanaBalances, SolanaReading, SolanaTarget, SolanaToken, TokenProgram,
};
use super::ConnectorError;

#[derive(Default)]
pub struct FakeSolana {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    lamports: HashMap<String, u64>,
    tokens: HashMap<String, BTreeMap<String, SolanaToken>>,
    fail: Option<ConnectorError>,
    reads: Vec<(String, String)>,
}

impl FakeSolana {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_lamports(&self, owner: &str, lamports: u64) {
        self.state().lamports.insert(owner.to_string(), lamports);
    }

    /// Sets a classic SPL token balance (raw base units).
    pub fn set_token(&self, owner: &str, mint: &str, raw: u128, decimals: u8) {
        self.set(
            owner,
            SolanaToken {
                mint: mint.to_string(),
                program: TokenProgram::Token,
                raw_amount: raw,
                decimals,
                accounts: 1,
                ui_amount: None,
                mint_info: MintRead::Classic,
            },
        );
    }

    /// Sets any token reading (Token-2022 with extensions, a failed mint read...).
    pub fn set(&self, owner: &str, token: SolanaToken) {
        let mut s = self.state();
        let list = s.tokens.entry(owner.to_string()).or_default();
        if token.raw_amount == 0 {
            list.remove(&token.mint);
        } else {
            list.insert(token.mint.clone(), token);
        }
    }

    /// Makes every read fail with this error (`None` heals).
    pub fn fail(&self, error: Option<ConnectorError>) {
        self.state().fail = error;
    }

    /// `(rpc_url, owner)` of every read, in order.
    pub fn reads(&self) -> Vec<(String, String)> {
        self.state().reads.clone()
    }
}

#[async_trait::async_trait]
impl SolanaBalances for FakeSolana {
    async fn read(
        &self,
        target: &SolanaTarget,
        owner: &str,
    ) -> Result<SolanaReading, ConnectorError> {
        let mut s = self.state();
        s.reads.push((target.rpc_url.clone(), owner.to_string()));
        if let Some(e) = &s.fail {
            return Err(e.clone());
        }
        Ok(SolanaReading {
            lamports: s.lamports.get(owner).copied().unwrap_or(0),
            tokens: s
                .tokens
                .get(owner)
                .map(|m| m.values().cloned().collect())
                .unwrap_or_default(),
            http_requests: 1,
        })
    }
}
