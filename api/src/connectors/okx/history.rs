//! OKX history by API (see `docs/ledger.md`): deposit and withdrawal history paged by time and
//! spot fills (`fills-history`, `instType=SPOT`) paged by bill id, newest first, `limit` 100.
//! A first read pages back through everything OKX keeps (`after` = older than); a later one
//! asks only for what is newer than its cursor (`before`). Requests go through the shared
//! client and its per-key rate.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{decode, OkxClient};
use crate::connectors::history::{
    Amount, ExchangeHistory, HistoryContext, HistoryPart, HistoryRecord,
};
use crate::connectors::numbers::{self, Precision};
use crate::connectors::{ConnectorError, ExchangeCredentials};
use crate::domain::ledger::Kind;

/// Deposits, newest first; `after`/`before` are times (ms). 6 requests a second.
pub const DEPOSIT_HISTORY: &str = "/api/v5/asset/deposit-history";
/// Withdrawals, newest first; `after`/`before` are times (ms). 6 requests a second.
pub const WITHDRAWAL_HISTORY: &str = "/api/v5/asset/withdrawal-history";
/// Fills of the last 3 months, newest first; `after`/`before` are bill ids.
pub const FILLS_HISTORY: &str = "/api/v5/trade/fills-history";
/// OKX's largest page.
pub const PAGE: usize = 100;

pub const KINDS: &[&str] = &["deposits", "withdrawals", "trades"];

#[async_trait::async_trait]
impl ExchangeHistory for OkxClient {
    fn history_kinds(&self) -> &'static [&'static str] {
        KINDS
    }

    /// OKX keeps its own horizon (fills: three months); a first read takes all it has.
    fn history_start(&self) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH
    }

    async fn history(
        &self,
        creds: &ExchangeCredentials,
        kind: &str,
        cursors: &BTreeMap<String, i64>,
        _ctx: &HistoryContext,
    ) -> Result<HistoryPart, ConnectorError> {
        let mut part = HistoryPart::default();
        let cursor = cursors.get(kind).copied();
        let (path, extra) = match kind {
            "deposits" => (DEPOSIT_HISTORY, ""),
            "withdrawals" => (WITHDRAWAL_HISTORY, ""),
            "trades" => (FILLS_HISTORY, "instType=SPOT&"),
            other => return Err(decode(format!("no history of kind {other}"))),
        };
        let limit = self.history_limit;
        let mut rows: Vec<Box<RawValue>> = Vec::new();
        let mut after: Option<i64> = None;
        loop {
            let mut query = format!("{path}?{extra}");
            if let Some(a) = after {
                query.push_str(&format!("after={a}&"));
            }
            if let Some(b) = cursor {
                query.push_str(&format!("before={b}&"));
            }
            query.push_str(&format!("limit={limit}"));
            let page: Vec<Box<RawValue>> = self.get_signed(creds, &query).await?;
            part.requests += 1;
            let n = page.len();
            let mut oldest: Option<i64> = None;
            for raw in page {
                let pos = position(kind, &raw)?;
                oldest = Some(oldest.map_or(pos, |o: i64| o.min(pos)));
                rows.push(raw);
            }
            match oldest {
                Some(o) if n >= limit && after != Some(o) => after = Some(o),
                _ => break,
            }
        }
        let mut newest = cursor;
        let mut pending: Option<i64> = None;
        for raw in rows {
            let pos = position(kind, &raw)?;
            newest = Some(newest.map_or(pos, |c| c.max(pos)));
            match kind {
                "deposits" => {
                    let r: Deposit = parse(path, &raw)?;
                    match r.state.as_str() {
                        // 1 credited, 2 successful.
                        "1" | "2" => part.records.push(r.record(pos)?),
                        // 0 waiting for confirmation, 8 suspended for now.
                        "0" | "8" => pending = Some(pending.map_or(pos, |p| p.min(pos))),
                        // 11-14: blacklisted, frozen, intercepted, KYC limit.
                        _ => {}
                    }
                }
                "withdrawals" => {
                    let r: Withdrawal = parse(path, &raw)?;
                    match r.state.as_str() {
                        "2" => part.records.push(r.record(pos)?),
                        // -3 canceling, -2 canceled, -1 failed: nothing left the account.
                        "-1" | "-2" | "-3" => {}
                        _ => pending = Some(pending.map_or(pos, |p| p.min(pos))),
                    }
                }
                _ => {
                    let r: Fill = parse(path, &raw)?;
                    part.records.push(r.record(pos)?);
                }
            }
        }
        // `before` asks for what is newer than the cursor: a pending record is asked again.
        let next = match (newest, pending) {
            (_, Some(p)) => Some(p - 1),
            (n, None) => n,
        };
        if let Some(c) = next {
            part.cursors.insert(kind.to_string(), c);
        }
        // Unresolved records hold the cursor back to just before them.
        for r in &mut part.records {
            r.position -= 1;
        }
        Ok(part)
    }
}

fn parse<T: serde::de::DeserializeOwned>(path: &str, raw: &RawValue) -> Result<T, ConnectorError> {
    serde_json::from_str(raw.get()).map_err(|e| decode(format!("GET {path}: {e}")))
}

/// Where a row sits in OKX's paging: `ts` of deposits and withdrawals, `billId` of fills.
fn position(kind: &str, raw: &RawValue) -> Result<i64, ConnectorError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Pos {
        ts: Option<String>,
        bill_id: Option<String>,
    }
    let p: Pos = parse(kind, raw)?;
    let text = if kind == "trades" { p.bill_id } else { p.ts };
    text.as_deref()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| decode(format!("{kind}: a row without its ts or billId")))
}

fn number(path: &str, field: &str, text: &str) -> Result<Decimal, ConnectorError> {
    numbers::parse(text, Precision::Exact).map_err(|e| decode(format!("GET {path}: {field} {e}")))
}

fn at(path: &str, ts: &str) -> Result<DateTime<Utc>, ConnectorError> {
    ts.trim()
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .ok_or_else(|| decode(format!("GET {path}: ts {ts:?}")))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Deposit {
    ccy: String,
    amt: String,
    ts: String,
    state: String,
    #[serde(default)]
    dep_id: String,
}

impl Deposit {
    fn record(&self, pos: i64) -> Result<HistoryRecord, ConnectorError> {
        Ok(HistoryRecord {
            kind: Kind::Deposit,
            at: at(DEPOSIT_HISTORY, &self.ts)?,
            sent: None,
            received: Some(Amount::new(
                &self.ccy,
                number(DEPOSIT_HISTORY, "amt", &self.amt)?,
            )),
            fee: None,
            income_kind: None,
            external_id: format!("deposit:{}", self.dep_id),
            cursor_key: "deposits".into(),
            position: pos,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Withdrawal {
    ccy: String,
    amt: String,
    ts: String,
    state: String,
    wd_id: String,
    #[serde(default)]
    fee: String,
    #[serde(default)]
    fee_ccy: String,
}

impl Withdrawal {
    fn record(&self, pos: i64) -> Result<HistoryRecord, ConnectorError> {
        let fee = if self.fee.trim().is_empty() {
            Decimal::ZERO
        } else {
            number(WITHDRAWAL_HISTORY, "fee", &self.fee)?
        };
        let fee_ccy = if self.fee_ccy.trim().is_empty() {
            &self.ccy
        } else {
            &self.fee_ccy
        };
        Ok(HistoryRecord {
            kind: Kind::Withdrawal,
            at: at(WITHDRAWAL_HISTORY, &self.ts)?,
            sent: Some(Amount::new(
                &self.ccy,
                number(WITHDRAWAL_HISTORY, "amt", &self.amt)?,
            )),
            received: None,
            fee: (fee > Decimal::ZERO).then(|| Amount::new(fee_ccy, fee)),
            income_kind: None,
            external_id: format!("withdrawal:{}", self.wd_id),
            cursor_key: "withdrawals".into(),
            position: pos,
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fill {
    inst_id: String,
    bill_id: String,
    side: String,
    fill_px: String,
    fill_sz: String,
    #[serde(default)]
    fee: String,
    #[serde(default)]
    fee_ccy: String,
    ts: String,
}

impl Fill {
    /// `BTC-USDT`: a buy receives `fillSz` BTC and sends `fillSz × fillPx` USDT, a sale the
    /// reverse; a negative `fee` is what OKX took (a positive one, a rebate, is left out).
    fn record(&self, pos: i64) -> Result<HistoryRecord, ConnectorError> {
        let (base, quote) = self
            .inst_id
            .split_once('-')
            .ok_or_else(|| decode(format!("GET {FILLS_HISTORY}: instId {:?}", self.inst_id)))?;
        let size = number(FILLS_HISTORY, "fillSz", &self.fill_sz)?;
        let price = number(FILLS_HISTORY, "fillPx", &self.fill_px)?;
        let value = size
            .checked_mul(price)
            .ok_or_else(|| decode(format!("GET {FILLS_HISTORY}: fillSz × fillPx overflows")))?;
        let (sent, received) = match self.side.as_str() {
            "buy" => (Amount::new(quote, value), Amount::new(base, size)),
            "sell" => (Amount::new(base, size), Amount::new(quote, value)),
            other => return Err(decode(format!("GET {FILLS_HISTORY}: side {other:?}"))),
        };
        let fee = if self.fee.trim().is_empty() {
            Decimal::ZERO
        } else {
            number(FILLS_HISTORY, "fee", &self.fee)?
        };
        Ok(HistoryRecord {
            kind: Kind::Trade,
            at: at(FILLS_HISTORY, &self.ts)?,
            sent: Some(sent),
            received: Some(received),
            fee: (fee < Decimal::ZERO).then(|| Amount::new(&self.fee_ccy, -fee)),
            income_kind: None,
            external_id: format!("fill:{}", self.bill_id),
            cursor_key: "trades".into(),
            position: pos,
        })
    }
}
