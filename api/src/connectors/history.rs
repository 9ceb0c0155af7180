//! Exchange history by API: what an exchange connector reads of an account's past (deposits,
//! withdrawals, trades, converts, earn rewards) in an exchange-neutral shape, and the cursors
//! that make the next read ask only for what is new. Symbols are the exchange's own; the sync
//! (`crate::sync::history`) resolves them through the catalog and stores ledger entries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{ConnectorError, ExchangeCredentials};
use crate::domain::ledger::Kind;

/// An amount of one asset as the exchange names it (`BTC`, `USDT`, `USD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub symbol: String,
    pub quantity: Decimal,
}

impl Amount {
    pub fn new(symbol: &str, quantity: Decimal) -> Self {
        Self {
            symbol: symbol.trim().to_string(),
            quantity,
        }
    }
}

/// One record of an account's history, ready to become a ledger entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRecord {
    pub kind: Kind,
    pub at: DateTime<Utc>,
    pub sent: Option<Amount>,
    pub received: Option<Amount>,
    pub fee: Option<Amount>,
    /// For income: `interest`, `staking`, …
    pub income_kind: Option<&'static str>,
    /// The exchange's own id, prefixed with what it is (`deposit:…`, `trade:BTCUSDT:…`): unique
    /// per account, so a second import adds nothing.
    pub external_id: String,
    /// The cursor this record was read under, and the position that reads it again (a time in
    /// ms or an id): a record that cannot be stored holds its cursor back to there.
    pub cursor_key: String,
    pub position: i64,
}

/// What one kind of history read: its records, the cursors to store, and the parts (e.g. one
/// symbol's trades) that failed, each with why.
#[derive(Debug, Default)]
pub struct HistoryPart {
    pub records: Vec<HistoryRecord>,
    pub cursors: BTreeMap<String, i64>,
    pub failed: Vec<(String, ConnectorError)>,
    /// How many requests this kind made.
    pub requests: u32,
}

/// What a history read knows besides the cursors.
#[derive(Debug, Clone)]
pub struct HistoryContext {
    pub now: DateTime<Utc>,
    /// Where to start a kind that has no cursor yet.
    pub since: DateTime<Utc>,
    /// The assets the account holds or has been seen with (exchange symbols, upper case).
    pub assets: Vec<String>,
}

/// An exchange connector that can read an account's history.
#[async_trait::async_trait]
pub trait ExchangeHistory: Send + Sync {
    /// The kinds, in the order a sync reads them (trades last: they read the assets the others
    /// found).
    fn history_kinds(&self) -> &'static [&'static str];

    /// Where this exchange's history starts when nothing says otherwise.
    fn history_start(&self) -> DateTime<Utc>;

    /// Reads one kind from its cursors (keys starting with the kind's name; absent: from
    /// `ctx.since`). An error fails the whole kind and changes no cursor.
    async fn history(
        &self,
        creds: &ExchangeCredentials,
        kind: &str,
        cursors: &BTreeMap<String, i64>,
        ctx: &HistoryContext,
    ) -> Result<HistoryPart, ConnectorError>;
}
