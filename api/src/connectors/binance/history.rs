//! Binance history by API (see `docs/ledger.md`): deposits and withdrawals in 90-day windows,
//! Convert trades in 30-day windows, Simple Earn flexible rewards in 90-day windows, and spot
//! trades (`myTrades`) per symbol from the last trade id read. Every request goes through the
//! shared client, so Binance's weights, 429/418 and `Retry-After` are respected.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{decode, BinanceClient, Method};
use crate::connectors::history::{
    Amount, ExchangeHistory, HistoryContext, HistoryPart, HistoryRecord,
};
use crate::connectors::numbers::{self, Precision};
use crate::connectors::{ConnectorError, ExchangeCredentials};
use crate::domain::ledger::Kind;

/// Deposit history, 90-day windows, `offset`/`limit` ≤ 1000. Weight 1.
pub const DEPOSITS: &str = "/sapi/v1/capital/deposit/hisrec";
/// Withdrawal history, 90-day windows, `offset`/`limit` ≤ 1000. Weight 1 (IP).
pub const WITHDRAWALS: &str = "/sapi/v1/capital/withdraw/history";
/// Spot trades of one symbol, from `fromId`, `limit` ≤ 1000. Weight 20.
pub const MY_TRADES: &str = "/api/v3/myTrades";
/// The spot symbols, to know which pairs the account's assets make. Weight 20.
pub const EXCHANGE_INFO: &str = "/api/v3/exchangeInfo";
/// Convert trades, 30-day windows, `limit` ≤ 1000, `moreData` when cut.
pub const CONVERTS: &str = "/sapi/v1/convert/tradeFlow";
/// Simple Earn flexible rewards, 3-month windows, `current`/`size` ≤ 100. Weight 150.
pub const REWARDS: &str = "/sapi/v1/simple-earn/flexible/history/rewardsRecord";

const DAY_MS: i64 = 86_400_000;
/// "less than 90 days" between `startTime` and `endTime`.
pub const DEPOSIT_WINDOW_MS: i64 = 90 * DAY_MS - 1;
/// "The max interval between startTime and endTime is 30 days."
pub const CONVERT_WINDOW_MS: i64 = 30 * DAY_MS - 1;
/// "cannot be longer than 3 months": 90 days is always shorter.
pub const REWARD_WINDOW_MS: i64 = 90 * DAY_MS - 1;

/// The kinds, in the order a sync reads them.
pub const KINDS: &[&str] = &["deposits", "withdrawals", "converts", "rewards", "trades"];

/// Binance opened on 14 July 2017; no API says when an account was opened.
pub fn launch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2017, 7, 14, 0, 0, 0).unwrap()
}

#[async_trait::async_trait]
impl ExchangeHistory for BinanceClient {
    fn history_kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    fn history_start(&self) -> DateTime<Utc> {
        launch()
    }

    async fn history(
        &self,
        creds: &ExchangeCredentials,
        kind: &str,
        cursors: &BTreeMap<String, i64>,
        ctx: &HistoryContext,
    ) -> Result<HistoryPart, ConnectorError> {
        let mut part = HistoryPart::default();
        let from = cursors
            .get(kind)
            .copied()
            .unwrap_or_else(|| ctx.since.timestamp_millis());
        let now = ctx.now.timestamp_millis();
        match kind {
            "deposits" => self.deposits(creds, from, now, &mut part).await?,
            "withdrawals" => self.withdrawals(creds, from, now, &mut part).await?,
            "converts" => self.converts(creds, from, now, &mut part).await?,
            "rewards" => self.rewards(creds, from, now, &mut part).await?,
            "trades" => self.trades(creds, cursors, ctx, &mut part).await?,
            other => return Err(decode(format!("no history of kind {other}"))),
        }
        Ok(part)
    }
}

/// `[start, end]` windows of at most `span` + 1 ms from `from` to `now`.
fn windows(from: i64, now: i64, span: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= now {
        let end = (start + span).min(now);
        out.push((start, end));
        start = end + 1;
    }
    out
}

/// A time-windowed kind's cursor: past `now`, or back at the first record not final yet
/// (a pending deposit is asked for again next time).
fn windowed_cursor(part: &mut HistoryPart, kind: &str, now: i64, pending: Option<i64>) {
    let next = pending.map_or(now + 1, |p| p.min(now + 1));
    part.cursors.insert(kind.to_string(), next);
}

fn earliest(a: Option<i64>, b: i64) -> Option<i64> {
    Some(a.map_or(b, |a| a.min(b)))
}

impl BinanceClient {
    async fn deposits(
        &self,
        creds: &ExchangeCredentials,
        from: i64,
        now: i64,
        part: &mut HistoryPart,
    ) -> Result<(), ConnectorError> {
        let mut pending = None;
        for (start, end) in windows(from, now, DEPOSIT_WINDOW_MS) {
            let mut offset = 0usize;
            loop {
                let rows: Vec<DepositRow> = self
                    .signed(
                        creds,
                        Method::Get,
                        DEPOSITS,
                        &[
                            ("startTime", start.to_string()),
                            ("endTime", end.to_string()),
                            ("offset", offset.to_string()),
                            ("limit", self.history_limit.to_string()),
                        ],
                        1,
                    )
                    .await?;
                part.requests += 1;
                let n = rows.len();
                for r in rows {
                    match r.status {
                        // 1 success, 6 credited but not yet withdrawable.
                        1 | 6 => part.records.push(r.record()?),
                        // 0 pending, 8 waiting for the user's confirmation.
                        0 | 8 => pending = earliest(pending, r.insert_time),
                        // 2 rejected, 7 wrong deposit: never credited.
                        _ => {}
                    }
                }
                if n < self.history_limit {
                    break;
                }
                offset += n;
            }
        }
        windowed_cursor(part, "deposits", now, pending);
        Ok(())
    }

    async fn withdrawals(
        &self,
        creds: &ExchangeCredentials,
        from: i64,
        now: i64,
        part: &mut HistoryPart,
    ) -> Result<(), ConnectorError> {
        let mut pending = None;
        for (start, end) in windows(from, now, DEPOSIT_WINDOW_MS) {
            let mut offset = 0usize;
            loop {
                let rows: Vec<WithdrawalRow> = self
                    .signed(
                        creds,
                        Method::Get,
                        WITHDRAWALS,
                        &[
                            ("startTime", start.to_string()),
                            ("endTime", end.to_string()),
                            ("offset", offset.to_string()),
                            ("limit", self.history_limit.to_string()),
                        ],
                        1,
                    )
                    .await?;
                part.requests += 1;
                let n = rows.len();
                for r in rows {
                    match r.status {
                        6 => part.records.push(r.record()?),
                        // 0 email sent, 2 awaiting approval, 4 processing.
                        0 | 2 | 4 => pending = earliest(pending, r.at()?.timestamp_millis()),
                        // 1 cancelled, 3 rejected, 5 failure: nothing left the account.
                        _ => {}
                    }
                }
                if n < self.history_limit {
                    break;
                }
                offset += n;
            }
        }
        windowed_cursor(part, "withdrawals", now, pending);
        Ok(())
    }

    async fn converts(
        &self,
        creds: &ExchangeCredentials,
        from: i64,
        now: i64,
        part: &mut HistoryPart,
    ) -> Result<(), ConnectorError> {
        let mut pending = None;
        // A window Binance cuts (`moreData`) is read again in halves.
        let mut todo: Vec<(i64, i64)> = windows(from, now, CONVERT_WINDOW_MS);
        todo.reverse();
        while let Some((start, end)) = todo.pop() {
            let page: ConvertPage = self
                .signed(
                    creds,
                    Method::Get,
                    CONVERTS,
                    &[
                        ("startTime", start.to_string()),
                        ("endTime", end.to_string()),
                        ("limit", self.history_limit.to_string()),
                    ],
                    1,
                )
                .await?;
            part.requests += 1;
            if page.more_data && end - start > 1000 {
                let mid = start + (end - start) / 2;
                todo.push((mid + 1, end));
                todo.push((start, mid));
                continue;
            }
            for r in page.list {
                match r.order_status.as_str() {
                    "SUCCESS" => part.records.push(r.record()?),
                    "PROCESS" | "ACCEPT_SUCCESS" => {
                        pending = earliest(pending, r.create_time);
                    }
                    _ => {}
                }
            }
        }
        windowed_cursor(part, "converts", now, pending);
        Ok(())
    }

    async fn rewards(
        &self,
        creds: &ExchangeCredentials,
        from: i64,
        now: i64,
        part: &mut HistoryPart,
    ) -> Result<(), ConnectorError> {
        let size = self.history_limit.min(100);
        for (start, end) in windows(from, now, REWARD_WINDOW_MS) {
            for current in 1..=10_000usize {
                let page: RewardPage = self
                    .signed(
                        creds,
                        Method::Get,
                        REWARDS,
                        &[
                            ("type", "ALL".to_string()),
                            ("startTime", start.to_string()),
                            ("endTime", end.to_string()),
                            ("current", current.to_string()),
                            ("size", size.to_string()),
                        ],
                        150,
                    )
                    .await?;
                part.requests += 1;
                let n = page.rows.len();
                for r in page.rows {
                    part.records.push(r.record()?);
                }
                if n < size {
                    break;
                }
            }
        }
        windowed_cursor(part, "rewards", now, None);
        Ok(())
    }

    /// `myTrades` of every spot symbol whose base and quote are both assets the account holds
    /// or has been seen with, each from the id after the last one read (0 the first time).
    async fn trades(
        &self,
        creds: &ExchangeCredentials,
        cursors: &BTreeMap<String, i64>,
        ctx: &HistoryContext,
        part: &mut HistoryPart,
    ) -> Result<(), ConnectorError> {
        let info: ExchangeInfo = self.public(EXCHANGE_INFO, 20).await?;
        part.requests += 1;
        let assets: std::collections::HashSet<&str> =
            ctx.assets.iter().map(String::as_str).collect();
        let mut symbols: Vec<SymbolInfo> = info
            .symbols
            .into_iter()
            .filter(|s| {
                assets.contains(s.base_asset.as_str()) && assets.contains(s.quote_asset.as_str())
            })
            .collect();
        symbols.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        for s in symbols {
            let key = format!("trades:{}", s.symbol);
            let mut from_id = cursors.get(&key).copied().unwrap_or(0);
            let mut records = Vec::new();
            let result: Result<(), ConnectorError> = async {
                loop {
                    let rows: Vec<TradeRow> = self
                        .signed(
                            creds,
                            Method::Get,
                            MY_TRADES,
                            &[
                                ("symbol", s.symbol.clone()),
                                ("fromId", from_id.to_string()),
                                ("limit", self.history_limit.to_string()),
                            ],
                            20,
                        )
                        .await?;
                    part.requests += 1;
                    let n = rows.len();
                    for r in rows {
                        from_id = from_id.max(r.id + 1);
                        records.push(r.record(&s, &key)?);
                    }
                    if n < self.history_limit {
                        return Ok(());
                    }
                }
            }
            .await;
            match result {
                Ok(()) => {
                    part.records.extend(records);
                    part.cursors.insert(key, from_id);
                }
                Err(e) => part.failed.push((key, e)),
            }
        }
        Ok(())
    }

    async fn public<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        weight: u32,
    ) -> Result<T, ConnectorError> {
        let body = self.send(None, Method::Get, path, &[], weight).await?;
        serde_json::from_slice(&body).map_err(|e| decode(format!("{path}: {e}")))
    }
}

fn number(path: &str, field: &str, raw: &RawValue) -> Result<Decimal, ConnectorError> {
    numbers::from_raw(raw, Precision::Exact)
        .map_err(|e| decode(format!("{path}: {field} {e}")))?
        .ok_or_else(|| decode(format!("{path}: {field} is null")))
}

/// The text of a string or number id.
fn id_text(raw: &RawValue) -> String {
    let text = raw.get().trim();
    serde_json::from_str::<String>(text).unwrap_or_else(|_| text.to_string())
}

fn at_ms(path: &str, ms: i64) -> Result<DateTime<Utc>, ConnectorError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| decode(format!("{path}: time {ms}")))
}

/// A positive amount, or none for zero (a free withdrawal, a trade without commission).
fn amount(symbol: &str, q: Decimal) -> Option<Amount> {
    (q > Decimal::ZERO).then(|| Amount::new(symbol, q))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DepositRow {
    id: Option<Box<RawValue>>,
    amount: Box<RawValue>,
    coin: String,
    status: i64,
    #[serde(default)]
    tx_id: Option<String>,
    insert_time: i64,
}

impl DepositRow {
    fn record(&self) -> Result<HistoryRecord, ConnectorError> {
        let id = match (&self.id, &self.tx_id) {
            (Some(id), _) => id_text(id),
            (None, Some(tx)) if !tx.is_empty() => tx.clone(),
            _ => return Err(decode(format!("{DEPOSITS}: a deposit without id or txId"))),
        };
        Ok(HistoryRecord {
            kind: Kind::Deposit,
            at: at_ms(DEPOSITS, self.insert_time)?,
            sent: None,
            received: Some(Amount::new(
                &self.coin,
                number(DEPOSITS, "amount", &self.amount)?,
            )),
            fee: None,
            income_kind: None,
            external_id: format!("deposit:{id}"),
            cursor_key: "deposits".into(),
            position: self.insert_time,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WithdrawalRow {
    id: String,
    amount: Box<RawValue>,
    transaction_fee: Option<Box<RawValue>>,
    coin: String,
    status: i64,
    /// `2019-10-12 11:12:02`, UTC.
    apply_time: String,
}

impl WithdrawalRow {
    fn at(&self) -> Result<DateTime<Utc>, ConnectorError> {
        NaiveDateTime::parse_from_str(self.apply_time.trim(), "%Y-%m-%d %H:%M:%S")
            .map(|t| t.and_utc())
            .map_err(|_| {
                decode(format!(
                    "{WITHDRAWALS}: applyTime {:?} is not a time",
                    self.apply_time
                ))
            })
    }

    fn record(&self) -> Result<HistoryRecord, ConnectorError> {
        let at = self.at()?;
        let fee = match &self.transaction_fee {
            Some(f) => number(WITHDRAWALS, "transactionFee", f)?,
            None => Decimal::ZERO,
        };
        Ok(HistoryRecord {
            kind: Kind::Withdrawal,
            at,
            sent: Some(Amount::new(
                &self.coin,
                number(WITHDRAWALS, "amount", &self.amount)?,
            )),
            received: None,
            fee: amount(&self.coin, fee),
            income_kind: None,
            external_id: format!("withdrawal:{}", self.id),
            cursor_key: "withdrawals".into(),
            position: at.timestamp_millis(),
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConvertPage {
    #[serde(default)]
    list: Vec<ConvertRow>,
    #[serde(default)]
    more_data: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConvertRow {
    order_id: Box<RawValue>,
    order_status: String,
    from_asset: String,
    from_amount: Box<RawValue>,
    to_asset: String,
    to_amount: Box<RawValue>,
    create_time: i64,
}

impl ConvertRow {
    fn record(&self) -> Result<HistoryRecord, ConnectorError> {
        Ok(HistoryRecord {
            kind: Kind::Trade,
            at: at_ms(CONVERTS, self.create_time)?,
            sent: Some(Amount::new(
                &self.from_asset,
                number(CONVERTS, "fromAmount", &self.from_amount)?,
            )),
            received: Some(Amount::new(
                &self.to_asset,
                number(CONVERTS, "toAmount", &self.to_amount)?,
            )),
            fee: None,
            income_kind: None,
            external_id: format!("convert:{}", id_text(&self.order_id)),
            cursor_key: "converts".into(),
            position: self.create_time,
        })
    }
}

#[derive(Deserialize)]
struct RewardPage {
    #[serde(default)]
    rows: Vec<RewardRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RewardRow {
    asset: String,
    rewards: Box<RawValue>,
    #[serde(default)]
    project_id: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    time: i64,
}

impl RewardRow {
    fn record(&self) -> Result<HistoryRecord, ConnectorError> {
        let q = number(REWARDS, "rewards", &self.rewards)?;
        // Rewards have no id: their type, product, asset, time and amount are one.
        let external_id = format!(
            "reward:{}:{}:{}:{}:{}",
            self.kind.as_deref().unwrap_or(""),
            self.project_id.as_deref().unwrap_or(""),
            self.asset,
            self.time,
            q.normalize()
        );
        Ok(HistoryRecord {
            kind: Kind::Income,
            at: at_ms(REWARDS, self.time)?,
            sent: None,
            received: Some(Amount::new(&self.asset, q)),
            fee: None,
            income_kind: Some("interest"),
            external_id,
            cursor_key: "rewards".into(),
            position: self.time,
        })
    }
}

#[derive(Deserialize)]
struct ExchangeInfo {
    #[serde(default)]
    symbols: Vec<SymbolInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SymbolInfo {
    symbol: String,
    base_asset: String,
    quote_asset: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TradeRow {
    id: i64,
    qty: Box<RawValue>,
    quote_qty: Box<RawValue>,
    commission: Box<RawValue>,
    commission_asset: String,
    time: i64,
    is_buyer: bool,
}

impl TradeRow {
    /// A buy sends the quote and receives the base; a sale the other way; the commission is
    /// the fee, in whatever asset Binance took it.
    fn record(&self, s: &SymbolInfo, key: &str) -> Result<HistoryRecord, ConnectorError> {
        let base = Amount::new(&s.base_asset, number(MY_TRADES, "qty", &self.qty)?);
        let quote = Amount::new(
            &s.quote_asset,
            number(MY_TRADES, "quoteQty", &self.quote_qty)?,
        );
        let (sent, received) = if self.is_buyer {
            (quote, base)
        } else {
            (base, quote)
        };
        let commission = number(MY_TRADES, "commission", &self.commission)?;
        Ok(HistoryRecord {
            kind: Kind::Trade,
            at: at_ms(MY_TRADES, self.time)?,
            sent: Some(sent),
            received: Some(received),
            fee: amount(&self.commission_asset, commission),
            income_kind: None,
            external_id: format!("trade:{}:{}", s.symbol, self.id),
            cursor_key: key.to_string(),
            position: self.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_range_without_overlap_and_stay_under_the_limit() {
        let w = windows(0, 200 * DAY_MS, DEPOSIT_WINDOW_MS);
        assert_eq!(w.len(), 3);
        assert_eq!(w[0], (0, 90 * DAY_MS - 1));
        assert_eq!(w[1].0, 90 * DAY_MS);
        assert_eq!(w[2].1, 200 * DAY_MS);
        assert!(w.iter().all(|(s, e)| e - s < 90 * DAY_MS));
        assert!(windows(5, 4, DEPOSIT_WINDOW_MS).is_empty());
    }
}
