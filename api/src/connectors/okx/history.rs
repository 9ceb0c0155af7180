//! OKX history by API (see `docs/ledger.md`): deposit and withdrawal history paged by time,
//! spot fills (`fills-history`, `instType=SPOT`) paged by bill id, and the funding account's
//! bills (`asset/bills` for the last month, `asset/bills-history` before it) for earn, staking,
//! mining and airdrop rewards; newest first, `limit` 100. A first read pages back through
//! everything OKX keeps (`after` = older than); a later one asks only for what is newer than
//! its cursor (`before`). Requests go through the shared client and its per-key rate.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

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
/// The funding account's bills of the past month, newest first; `after`/`before` are times
/// (ms). 6 requests a second.
pub const ASSET_BILLS: &str = "/api/v5/asset/bills";
/// The funding account's bills since 1 February 2021, newest first; with `pagingType=2`,
/// `after` is a bill id. 1 request a second.
pub const ASSET_BILLS_HISTORY: &str = "/api/v5/asset/bills-history";
/// OKX's largest page.
pub const PAGE: usize = 100;
/// The least time between two `bills-history` requests.
pub const BILLS_HISTORY_GAP: Duration = Duration::from_secs(1);
/// How far back `asset/bills` is trusted to reach (OKX: "the past month"; less, to be safe):
/// a cursor older than this reads `bills-history` back to it.
pub const RECENT_BILLS_MS: i64 = 28 * 86_400_000;

pub const KINDS: &[&str] = &["deposits", "withdrawals", "rewards", "trades"];

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
        ctx: &HistoryContext,
    ) -> Result<HistoryPart, ConnectorError> {
        let mut part = HistoryPart::default();
        let cursor = cursors.get(kind).copied();
        if kind == "rewards" {
            return self.rewards(creds, cursor, ctx.now).await;
        }
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

// ---------- funding-account bills: rewards ----------

/// What a funding-account bill type becomes in the ledger. Only types of OKX's documented
/// table (Funding Account, "Asset bills details") are listed; every other type is skipped:
/// deposits and withdrawals (and their fees) come from their own endpoints, subscriptions,
/// redemptions and transfers move assets between OKX's own wallets, and conversions, loans and
/// the rest are not imported yet (`docs/ledger.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillEntry {
    /// Income of this kind: `balChg` (more than 0) of `ccy` received.
    Income(&'static str),
    /// A fee: `-balChg` (balChg less than 0) of `ccy` paid.
    Fee,
}

/// The ledger entry a bill `type` makes, if any (see [`BillEntry`]).
pub fn bill_entry(bill_type: &str) -> Option<BillEntry> {
    use BillEntry::{Fee, Income};
    Some(match bill_type.trim() {
        // 83 Staking yield, 139 [ETH Staking] Earnings, 328 [SOL staking] Liquidity Staking
        // Token reward, 350 [BTC staking] Earnings.
        "83" | "139" | "328" | "350" => Income("staking"),
        // 85 PoW mining yield, 87 Cloud mining yield (OKX's earlier table of the same endpoint).
        "85" | "87" => Income("mining"),
        // 89 Deposit yield; Simple Earn Fixed interest: 343, 344 compensatory, and the retired
        // 307, 308, 309; 400 Auto lend interest; 408 Auto earn interest (USDG); the profit of
        // Dual Investment (162), Dual Investment Lite (209), Price Lock (204), Shark Fin (227),
        // Snowball (242) and Seagull (251).
        "89" | "343" | "344" | "307" | "308" | "309" | "400" | "408" | "162" | "209" | "204"
        | "227" | "242" | "251" => Income("interest"),
        // 28 Manually claimed Airdrop, 229 Airdrop, 48 Event Reward, 77 Jumpstart distribute,
        // 189 Mystery box bonus.
        "28" | "229" | "48" | "77" | "189" => Income("airdrop"),
        // 150 Affiliate commission, 151 Referral reward.
        "150" | "151" => Income("reward"),
        // 84 Violation fee (an early redemption's penalty).
        "84" => Fee,
        _ => return None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bill {
    bill_id: String,
    #[serde(default)]
    ccy: String,
    #[serde(default)]
    bal_chg: String,
    #[serde(rename = "type", default)]
    bill_type: String,
    ts: String,
}

impl Bill {
    fn ts(&self, path: &str) -> Result<i64, ConnectorError> {
        self.ts
            .trim()
            .parse()
            .map_err(|_| decode(format!("GET {path}: ts {:?}", self.ts)))
    }

    fn id(&self, path: &str) -> Result<i64, ConnectorError> {
        self.bill_id
            .trim()
            .parse()
            .map_err(|_| decode(format!("GET {path}: billId {:?}", self.bill_id)))
    }

    /// The entry this bill makes, or `None` for a type that makes none (or a change of the
    /// wrong sign: a reward that took something, a fee that gave something).
    fn record(&self, path: &str, pos: i64) -> Result<Option<HistoryRecord>, ConnectorError> {
        let Some(what) = bill_entry(&self.bill_type) else {
            return Ok(None);
        };
        let change = number(path, "balChg", &self.bal_chg)?;
        let (kind, sent, received, income_kind) = match what {
            BillEntry::Income(k) if change > Decimal::ZERO => (
                Kind::Income,
                None,
                Some(Amount::new(&self.ccy, change)),
                Some(k),
            ),
            BillEntry::Fee if change < Decimal::ZERO => {
                (Kind::Fee, Some(Amount::new(&self.ccy, -change)), None, None)
            }
            _ => return Ok(None),
        };
        Ok(Some(HistoryRecord {
            kind,
            at: at(path, &self.ts)?,
            sent,
            received,
            fee: None,
            income_kind,
            external_id: format!("bill:{}", self.bill_id.trim()),
            cursor_key: "rewards".into(),
            position: pos,
        }))
    }
}

impl OkxClient {
    /// The funding account's bills newer than `cursor` (a `ts`, ms), or all OKX keeps: the
    /// last month from `asset/bills` paged back by time, then, when the cursor is older than
    /// that (or there is none), `bills-history` paged back by bill id from the oldest bill
    /// already read, down to the cursor. The cursor becomes the newest `ts` read.
    async fn rewards(
        &self,
        creds: &ExchangeCredentials,
        cursor: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<HistoryPart, ConnectorError> {
        let mut part = HistoryPart::default();
        let limit = self.history_limit;
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut bills: Vec<(&'static str, Bill)> = Vec::new();

        // The past month by time. `after` is strictly older: a full page is followed from
        // just after its oldest `ts`, so bills sharing that ms across the boundary are read
        // (those already read are dropped by id); if that makes no progress, from the `ts`.
        let mut after: Option<i64> = None;
        loop {
            let mut query = format!("{ASSET_BILLS}?");
            if let Some(a) = after {
                query.push_str(&format!("after={a}&"));
            }
            if let Some(b) = cursor {
                query.push_str(&format!("before={b}&"));
            }
            query.push_str(&format!("limit={limit}"));
            let page: Vec<Bill> = self.get_signed(creds, &query).await?;
            part.requests += 1;
            let n = page.len();
            let mut oldest: Option<i64> = None;
            for b in page {
                let ts = b.ts(ASSET_BILLS)?;
                b.id(ASSET_BILLS)?;
                oldest = Some(oldest.map_or(ts, |o| o.min(ts)));
                if seen.insert(b.bill_id.trim().to_string()) {
                    bills.push((ASSET_BILLS, b));
                }
            }
            let Some(o) = oldest.filter(|_| n >= limit) else {
                break;
            };
            let next = match after {
                Some(a) if o + 1 >= a => o,
                _ => o + 1,
            };
            if after == Some(next) {
                break;
            }
            after = Some(next);
        }

        // Older than the past month: by bill id, from the oldest bill read, back to the cursor.
        let reach_back = cursor.is_none_or(|c| c < now.timestamp_millis() - RECENT_BILLS_MS);
        if reach_back {
            let mut after_id: Option<i64> = bills
                .iter()
                .filter_map(|(_, b)| b.id(ASSET_BILLS).ok())
                .min();
            let mut asked = false;
            loop {
                if asked {
                    tokio::time::sleep(self.bills_history_gap).await;
                }
                asked = true;
                let mut query = format!("{ASSET_BILLS_HISTORY}?pagingType=2&");
                if let Some(a) = after_id {
                    query.push_str(&format!("after={a}&"));
                }
                query.push_str(&format!("limit={limit}"));
                let page: Vec<Bill> = self.get_signed(creds, &query).await?;
                part.requests += 1;
                let n = page.len();
                let mut oldest: Option<i64> = None;
                let mut reached = false;
                for b in page {
                    let ts = b.ts(ASSET_BILLS_HISTORY)?;
                    let id = b.id(ASSET_BILLS_HISTORY)?;
                    oldest = Some(oldest.map_or(id, |o| o.min(id)));
                    if cursor.is_some_and(|c| ts <= c) {
                        reached = true;
                    } else if seen.insert(b.bill_id.trim().to_string()) {
                        bills.push((ASSET_BILLS_HISTORY, b));
                    }
                }
                match oldest {
                    Some(o) if n >= limit && !reached && after_id != Some(o) => after_id = Some(o),
                    _ => break,
                }
            }
        }

        let mut newest = cursor;
        for (path, b) in &bills {
            let ts = b.ts(path)?;
            newest = Some(newest.map_or(ts, |c| c.max(ts)));
            // An unresolved record holds the cursor to just before it (`before` is newer than).
            if let Some(r) = b.record(path, ts - 1)? {
                part.records.push(r);
            }
        }
        if let Some(c) = newest {
            part.cursors.insert("rewards".to_string(), c);
        }
        Ok(part)
    }
}
