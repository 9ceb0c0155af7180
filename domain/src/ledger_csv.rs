//! Ledger files users bring: the Butler's own format, Koinly's universal format and Binance's
//! transaction-history statement. Reading never stops at a bad line: every line is read, added
//! to an entry, skipped with a reason, or refused with a reason, so a preview can say which.
//! Assets stay as the file spells them (symbols); the API resolves them in the catalog.
//!
//! Each entry gets a stable external id: a hash of the format and of what the entry says
//! (time, kind, amounts, assets, value), with the count of identical entries before it in the
//! file, so importing the same file twice adds nothing and two identical trades in one file
//! stay two.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ledger::Kind;

/// The file formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The Butler's own: `date, kind, sent_quantity, sent_asset, received_quantity,
    /// received_asset, fee_quantity, fee_asset, value_usd, fee_value_usd, income_kind, note`.
    Generic,
    /// Koinly's universal format.
    Koinly,
    /// Binance's "Transaction History" statement.
    Binance,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Generic => "generic",
            Format::Koinly => "koinly",
            Format::Binance => "binance",
        }
    }
}

/// A quantity of an asset as the file names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub symbol: String,
    pub quantity: Decimal,
}

/// One entry read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The file's lines it was read from (the header is line 1).
    pub lines: Vec<usize>,
    pub external_id: String,
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub sent: Option<Amount>,
    pub received: Option<Amount>,
    pub fee: Option<Amount>,
    pub value_usd: Option<Decimal>,
    pub fee_value_usd: Option<Decimal>,
    pub income_kind: Option<String>,
    pub note: Option<String>,
}

/// A line not added, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineNote {
    pub line: usize,
    pub reason: String,
}

/// What a file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub rows: Vec<Row>,
    /// Lines that could not be read.
    pub errors: Vec<LineNote>,
    /// Lines read and deliberately left out (a move within the same account).
    pub skipped: Vec<LineNote>,
}

/// Reads a file. `Err` when the file itself cannot be read (not CSV, a required column
/// missing); line problems are in [`Parsed::errors`].
pub fn parse(format: Format, text: &str) -> Result<Parsed, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("the file is not CSV: {e}"))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if header.iter().all(|h| h.is_empty()) {
        return Err("the file is empty: the first line must name the columns".into());
    }
    let columns = Columns::new(format, &header)?;
    let mut lines = Vec::new();
    let mut parsed = Parsed::default();
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i + 2, |p| p.line() as usize);
        match record {
            Ok(r) if r.iter().all(str::is_empty) => {}
            Ok(r) => lines.push((line, columns.fields(&r))),
            Err(e) => parsed.errors.push(LineNote {
                line,
                reason: format!("not readable as CSV: {e}"),
            }),
        }
    }
    match format {
        Format::Generic => generic(lines, &mut parsed),
        Format::Koinly => koinly(lines, &mut parsed),
        Format::Binance => binance(lines, &mut parsed),
    }
    assign_ids(format, &mut parsed.rows);
    parsed.errors.sort_by_key(|n| n.line);
    Ok(parsed)
}

/// The columns a format reads, by name.
struct Columns {
    index: HashMap<&'static str, usize>,
}

impl Columns {
    fn new(format: Format, header: &[String]) -> Result<Self, String> {
        let (required, optional): (&[&'static str], &[&'static str]) = match format {
            Format::Generic => (
                &["date", "kind"],
                &[
                    "sent_quantity",
                    "sent_asset",
                    "received_quantity",
                    "received_asset",
                    "fee_quantity",
                    "fee_asset",
                    "value_usd",
                    "fee_value_usd",
                    "income_kind",
                    "note",
                ],
            ),
            Format::Koinly => (
                &["date"],
                &[
                    "sent amount",
                    "sent currency",
                    "received amount",
                    "received currency",
                    "fee amount",
                    "fee currency",
                    "net worth amount",
                    "net worth currency",
                    "label",
                    "description",
                    "txhash",
                ],
            ),
            Format::Binance => (
                &["utc_time", "operation", "coin", "change"],
                &["account", "remark"],
            ),
        };
        let mut index = HashMap::new();
        for name in required.iter().chain(optional) {
            if let Some(i) = header.iter().position(|h| h == name) {
                index.insert(*name, i);
            }
        }
        let missing: Vec<&str> = required
            .iter()
            .filter(|n| !index.contains_key(*n))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "this is not a {} file: the first line has no column {}",
                format.as_str(),
                missing.join(", ")
            ));
        }
        Ok(Columns { index })
    }

    fn fields(&self, r: &csv::StringRecord) -> Fields {
        Fields(
            self.index
                .iter()
                .filter_map(|(name, i)| {
                    let v = r.get(*i)?.trim();
                    (!v.is_empty()).then(|| (*name, v.to_string()))
                })
                .collect(),
        )
    }
}

/// A line's non-empty fields by column name.
struct Fields(HashMap<&'static str, String>);

impl Fields {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn decimal(&self, name: &str) -> Result<Option<Decimal>, String> {
        self.get(name)
            .map(|v| {
                crate::exact::parse_plain(v.strip_prefix('+').unwrap_or(v))
                    .map_err(|why| format!("{name} {why}"))
            })
            .transpose()
    }

    /// A quantity and its asset, both or neither.
    fn amount(&self, quantity: &str, asset: &str) -> Result<Option<Amount>, String> {
        match (self.decimal(quantity)?, self.get(asset)) {
            (None, None) => Ok(None),
            (Some(q), Some(s)) => Ok(Some(Amount {
                symbol: s.to_uppercase(),
                quantity: q,
            })),
            (Some(_), None) => Err(format!("{quantity} is given without {asset}")),
            (None, Some(_)) => Err(format!("{asset} is given without {quantity}")),
        }
    }
}

/// Dates as files write them, all UTC: RFC 3339, `2024-03-01 14:25:00`, `2024-03-01 14:25`,
/// Koinly's `… UTC` suffix, Binance's two-digit years, or a bare day (midnight).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let plain = s.strip_suffix("UTC").unwrap_or(s).trim();
    // A two-digit year (older Binance statements) would read as the year 24 with `%Y`.
    let formats: &[&str] = if plain.find('-') == Some(2) {
        &["%y-%m-%d %H:%M:%S"]
    } else {
        &["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
    };
    for f in formats {
        if let Ok(t) = NaiveDateTime::parse_from_str(plain, f) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(plain, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc());
    }
    Err(format!(
        "date \"{s}\" is not a UTC time such as 2024-03-01 14:25:00 or 2024-03-01T14:25:00Z"
    ))
}

fn generic(lines: Vec<(usize, Fields)>, parsed: &mut Parsed) {
    for (line, f) in lines {
        match generic_row(line, &f) {
            Ok(row) => parsed.rows.push(row),
            Err(reason) => parsed.errors.push(LineNote { line, reason }),
        }
    }
}

fn generic_row(line: usize, f: &Fields) -> Result<Row, String> {
    let at = parse_time(f.get("date").unwrap_or_default())?;
    let kind_text = f.get("kind").unwrap_or_default();
    let kind = Kind::parse(kind_text).ok_or_else(|| {
        format!(
            "kind \"{kind_text}\" is not one of {}",
            Kind::ALL.map(Kind::as_str).join(", ")
        )
    })?;
    Ok(Row {
        lines: vec![line],
        external_id: String::new(),
        at,
        kind,
        sent: f.amount("sent_quantity", "sent_asset")?,
        received: f.amount("received_quantity", "received_asset")?,
        fee: f.amount("fee_quantity", "fee_asset")?,
        value_usd: f.decimal("value_usd")?,
        fee_value_usd: f.decimal("fee_value_usd")?,
        income_kind: f.get("income_kind").map(str::to_lowercase),
        note: f.get("note").map(str::to_string),
    })
}

fn koinly(lines: Vec<(usize, Fields)>, parsed: &mut Parsed) {
    for (line, f) in lines {
        match koinly_row(line, &f) {
            Ok(row) => parsed.rows.push(row),
            Err(reason) => parsed.errors.push(LineNote { line, reason }),
        }
    }
}

/// Koinly's labels that make a received amount income, and the kind they are.
fn koinly_income(label: &str) -> Option<&'static str> {
    Some(match label {
        "airdrop" => "airdrop",
        "staking" | "stake" => "staking",
        "mining" => "mining",
        "lending interest" | "interest" => "interest",
        "reward" | "income" | "other income" | "fork" => "reward",
        _ => return None,
    })
}

fn koinly_row(line: usize, f: &Fields) -> Result<Row, String> {
    let at = parse_time(f.get("date").unwrap_or_default())?;
    let sent = f.amount("sent amount", "sent currency")?;
    let received = f.amount("received amount", "received currency")?;
    let fee = f.amount("fee amount", "fee currency")?;
    let value_usd = match (f.decimal("net worth amount")?, f.get("net worth currency")) {
        (None, _) => None,
        (Some(v), Some(c)) if c.eq_ignore_ascii_case("USD") => Some(v),
        (Some(_), c) => {
            return Err(format!(
                "net worth in {} is not read: give it in USD or leave it empty",
                c.unwrap_or("an unnamed currency")
            ))
        }
    };
    let label = f.get("label").map(str::to_lowercase).unwrap_or_default();
    let (kind, income_kind) = match (&sent, &received) {
        (Some(_), Some(_)) => (Kind::Trade, None),
        (None, Some(_)) => match koinly_income(&label) {
            Some(k) => (Kind::Income, Some(k.to_string())),
            None => (Kind::Deposit, None),
        },
        (Some(_), None) => match label.as_str() {
            "cost" | "fee" | "margin fee" => (Kind::Fee, None),
            _ => (Kind::Withdrawal, None),
        },
        (None, None) => return Err("has neither a sent nor a received amount".into()),
    };
    let note = [f.get("description"), f.get("txhash")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    Ok(Row {
        lines: vec![line],
        external_id: String::new(),
        at,
        kind,
        sent,
        received,
        fee,
        // A trade with a dollar side is valued by it (convention 2); Koinly's net worth
        // values the rest.
        value_usd,
        fee_value_usd: None,
        income_kind,
        note: (!note.is_empty()).then_some(note),
    })
}

/// What a Binance statement's operation is.
enum BinanceOp {
    Deposit,
    Withdrawal,
    TradePart {
        fee: bool,
    },
    Income(&'static str),
    /// Moves between the account's own wallets (spot, funding, earn): no change to what the
    /// account holds.
    Internal,
}

fn binance_op(op: &str) -> Option<BinanceOp> {
    let o = op.to_ascii_lowercase();
    Some(match o.as_str() {
        "deposit" => BinanceOp::Deposit,
        "withdraw" | "withdrawal" => BinanceOp::Withdrawal,
        "transaction fee" | "fee" => BinanceOp::TradePart { fee: true },
        "buy"
        | "sell"
        | "transaction buy"
        | "transaction spend"
        | "transaction sold"
        | "transaction revenue"
        | "transaction related"
        | "binance convert"
        | "small assets exchange bnb"
        | "large otc trading" => BinanceOp::TradePart { fee: false },
        _ if o.contains("transfer")
            || o.contains("subscription")
            || o.contains("redemption")
            || o.contains("purchase") =>
        {
            BinanceOp::Internal
        }
        _ if o.contains("airdrop") || o.contains("distribution") => BinanceOp::Income("airdrop"),
        _ if o.contains("staking") || o.contains("locked rewards") => BinanceOp::Income("staking"),
        _ if o.contains("interest") => BinanceOp::Income("interest"),
        _ if o.contains("mining") => BinanceOp::Income("mining"),
        _ => return None,
    })
}

fn binance(lines: Vec<(usize, Fields)>, parsed: &mut Parsed) {
    // The parts of a trade share their second: group them, in the file's order.
    let mut trades: BTreeMap<DateTime<Utc>, Vec<(usize, bool, Amount)>> = BTreeMap::new();
    for (line, f) in lines {
        let read = || -> Result<(DateTime<Utc>, BinanceOp, String, Decimal), String> {
            let at = parse_time(f.get("utc_time").unwrap_or_default())?;
            let op_text = f.get("operation").unwrap_or_default();
            let op = binance_op(op_text)
                .ok_or_else(|| format!("operation \"{op_text}\" is not read yet"))?;
            let coin = f.get("coin").ok_or("has no coin")?.to_uppercase();
            let change = f.decimal("change")?.ok_or("has no change")?;
            Ok((at, op, coin, change))
        };
        let (at, op, coin, change) = match read() {
            Ok(r) => r,
            Err(reason) => {
                parsed.errors.push(LineNote { line, reason });
                continue;
            }
        };
        let amount = Amount {
            symbol: coin,
            quantity: change.abs(),
        };
        let single = |kind, sent: bool, income: Option<&str>| Row {
            lines: vec![line],
            external_id: String::new(),
            at,
            kind,
            sent: sent.then(|| amount.clone()),
            received: (!sent).then(|| amount.clone()),
            fee: None,
            value_usd: None,
            fee_value_usd: None,
            income_kind: income.map(str::to_string),
            note: f.get("remark").map(str::to_string),
        };
        match op {
            BinanceOp::Internal => parsed.skipped.push(LineNote {
                line,
                reason: format!(
                    "a move between this account's own wallets ({}): what the account holds does not change",
                    f.get("operation").unwrap_or_default()
                ),
            }),
            _ if change.is_zero() => parsed.skipped.push(LineNote {
                line,
                reason: "changes nothing (0)".into(),
            }),
            BinanceOp::Deposit if change > Decimal::ZERO => {
                parsed.rows.push(single(Kind::Deposit, false, None))
            }
            BinanceOp::Withdrawal if change < Decimal::ZERO => {
                parsed.rows.push(single(Kind::Withdrawal, true, None))
            }
            BinanceOp::Income(k) if change > Decimal::ZERO => {
                parsed.rows.push(single(Kind::Income, false, Some(k)))
            }
            BinanceOp::TradePart { fee } => {
                trades.entry(at).or_default().push((line, fee, {
                    let mut a = amount;
                    // Keep the sign in the quantity while grouping.
                    a.quantity = change;
                    a
                }))
            }
            _ => parsed.errors.push(LineNote {
                line,
                reason: format!(
                    "a {} of {change} has the wrong sign",
                    f.get("operation").unwrap_or_default()
                ),
            }),
        }
    }
    for (at, parts) in trades {
        match binance_trade(at, &parts) {
            Ok(row) => parsed.rows.push(row),
            Err(reason) => {
                for (line, _, _) in parts {
                    parsed.errors.push(LineNote {
                        line,
                        reason: reason.clone(),
                    });
                }
            }
        }
    }
    parsed.rows.sort_by_key(|r| r.lines[0]);
}

/// One trade from its parts at one second: what left, what came in, the fee (each summed per
/// coin; one coin each).
fn binance_trade(at: DateTime<Utc>, parts: &[(usize, bool, Amount)]) -> Result<Row, String> {
    let mut sent: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut received: BTreeMap<&str, Decimal> = BTreeMap::new();
    let mut fee: BTreeMap<&str, Decimal> = BTreeMap::new();
    for (_, is_fee, a) in parts {
        let side = if *is_fee {
            &mut fee
        } else if a.quantity < Decimal::ZERO {
            &mut sent
        } else {
            &mut received
        };
        *side.entry(a.symbol.as_str()).or_default() += a.quantity.abs();
    }
    let one = |m: &BTreeMap<&str, Decimal>, what: &str| -> Result<Option<Amount>, String> {
        match m.len() {
            0 => Ok(None),
            1 => Ok(m.iter().next().map(|(s, q)| Amount {
                symbol: s.to_string(),
                quantity: *q,
            })),
            _ => Err(format!(
                "the trade at {at} {what} several coins ({}): split it into one trade per line group",
                m.keys().copied().collect::<Vec<_>>().join(", ")
            )),
        }
    };
    let (s, r, f) = (
        one(&sent, "sent")?,
        one(&received, "received")?,
        one(&fee, "paid fees in")?,
    );
    if s.is_none() || r.is_none() {
        return Err(format!(
            "the trade at {at} has no {} part at the same second",
            if s.is_none() {
                "sent (negative)"
            } else {
                "received (positive)"
            }
        ));
    }
    Ok(Row {
        lines: parts.iter().map(|(l, _, _)| *l).collect(),
        external_id: String::new(),
        at,
        kind: Kind::Trade,
        sent: s,
        received: r,
        fee: f,
        value_usd: None,
        fee_value_usd: None,
        income_kind: None,
        note: None,
    })
}

/// Stable ids: the content's hash and its occurrence among identical entries.
fn assign_ids(format: Format, rows: &mut [Row]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let amount = |a: &Option<Amount>| {
            a.as_ref()
                .map(|a| format!("{}:{}", a.symbol, a.quantity.normalize()))
                .unwrap_or_default()
        };
        let key = format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            format.as_str(),
            row.at.to_rfc3339(),
            row.kind.as_str(),
            amount(&row.sent),
            amount(&row.received),
            amount(&row.fee),
            row.value_usd
                .map(|v| v.normalize().to_string())
                .unwrap_or_default(),
            row.fee_value_usd
                .map(|v| v.normalize().to_string())
                .unwrap_or_default(),
            row.income_kind.as_deref().unwrap_or_default(),
        );
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let n = seen.entry(hex.clone()).or_default();
        row.external_id = format!("{hex}-{n}");
        *n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn generic_lines_are_read_or_refused_each_with_a_reason() {
        let text = "date,kind,sent_quantity,sent_asset,received_quantity,received_asset,fee_quantity,fee_asset,value_usd,income_kind\n\
            2024-01-05 10:00:00,trade,40000,USD,1,btc,10,USD,,\n\
            2024-02-01,income,,,0.01,ETH,,,25.10,staking\n\
            2024-02-30,trade,1,BTC,,,,,,\n\
            2024-03-01T00:00:00Z,swap,1,BTC,2,ETH,,,,\n\
            2024-03-02,trade,1.5.2,BTC,20,ETH,,,,\n\
            2024-01-05 10:00:00,trade,40000,USD,1,BTC,10,USD,,\n";
        let p = parse(Format::Generic, text).unwrap();
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.rows[0].lines, vec![2]);
        assert_eq!(
            p.rows[0].received,
            Some(Amount {
                symbol: "BTC".into(),
                quantity: d("1")
            })
        );
        assert_eq!(p.rows[1].income_kind.as_deref(), Some("staking"));
        // Two identical trades stay two, with different ids, the same on every read.
        assert_ne!(p.rows[0].external_id, p.rows[2].external_id);
        assert_eq!(
            parse(Format::Generic, text).unwrap().rows[2].external_id,
            p.rows[2].external_id
        );
        let errors: Vec<_> = p
            .errors
            .iter()
            .map(|e| (e.line, e.reason.as_str()))
            .collect();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors[0].0, 4);
        assert!(errors[0].1.contains("2024-02-30"));
        assert!(errors[1].1.contains("\"swap\""));
        assert!(errors[2].1.contains("1.5.2"));
    }

    #[test]
    fn a_file_without_the_columns_is_refused_as_a_whole() {
        let e = parse(Format::Koinly, "when,what\n1,2\n").unwrap_err();
        assert!(e.contains("no column date"), "{e}");
        assert!(parse(Format::Generic, "").is_err());
    }

    #[test]
    fn koinly_rows_become_trades_deposits_withdrawals_and_income() {
        let text = "Date,Sent Amount,Sent Currency,Received Amount,Received Currency,Fee Amount,Fee Currency,Net Worth Amount,Net Worth Currency,Label,Description,TxHash\n\
            2018-01-01 14:25 UTC,,,20,BTC,,,,,mining,pool payout,\n\
            2018-01-02 14:25 UTC,1,BTC,15,ETH,0.01,ETH,13500,USD,,,0xabc\n\
            2018-01-03 00:00 UTC,5,ETH,,,,,,,,,\n\
            2018-01-04 00:00 UTC,,,1,ETH,,,900,EUR,,,\n";
        let p = parse(Format::Koinly, text).unwrap();
        let kinds: Vec<_> = p
            .rows
            .iter()
            .map(|r| (r.kind, r.income_kind.clone()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (Kind::Income, Some("mining".into())),
                (Kind::Trade, None),
                (Kind::Withdrawal, None)
            ]
        );
        assert_eq!(p.rows[1].value_usd, Some(d("13500")));
        assert_eq!(p.rows[1].fee.as_ref().unwrap().quantity, d("0.01"));
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].reason.contains("EUR"));
    }

    #[test]
    fn binance_statement_rows_of_one_second_make_one_trade() {
        let text = "User_ID,UTC_Time,Account,Operation,Coin,Change,Remark\n\
            1,2021-03-14 12:01:02,Spot,Deposit,USDT,1000.00000000,\n\
            1,2021-03-14 12:05:00,Spot,Transaction Spend,USDT,-600.00000000,\n\
            1,2021-03-14 12:05:00,Spot,Transaction Buy,BTC,0.01000000,\n\
            1,2021-03-14 12:05:00,Spot,Transaction Fee,BNB,-0.00100000,\n\
            1,2021-03-14 12:05:00,Spot,Transaction Buy,BTC,0.00200000,\n\
            1,2021-03-15 00:00:00,Spot,Simple Earn Flexible Interest,USDT,0.01000000,\n\
            1,2021-03-15 00:01:00,Spot,Transfer Between Main and Funding Wallet,USDT,-10,\n\
            1,2021-03-16 00:00:00,Spot,Futures Liquidation,BTC,-1,\n";
        let p = parse(Format::Binance, text).unwrap();
        assert_eq!(p.rows.len(), 3);
        let trade = &p.rows[1];
        assert_eq!(trade.kind, Kind::Trade);
        assert_eq!(trade.lines, vec![3, 4, 5, 6]);
        assert_eq!(
            trade.sent,
            Some(Amount {
                symbol: "USDT".into(),
                quantity: d("600")
            })
        );
        assert_eq!(
            trade.received,
            Some(Amount {
                symbol: "BTC".into(),
                quantity: d("0.012")
            })
        );
        assert_eq!(
            trade.fee,
            Some(Amount {
                symbol: "BNB".into(),
                quantity: d("0.001")
            })
        );
        assert_eq!(p.rows[2].income_kind.as_deref(), Some("interest"));
        assert_eq!(p.skipped.len(), 1);
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].reason.contains("Futures Liquidation"));
    }

    #[test]
    fn times_are_read_in_every_shape_files_use() {
        for s in [
            "2024-03-01 14:25:00",
            "2024-03-01 14:25:00 UTC",
            "2024-03-01T14:25:00Z",
            "24-03-01 14:25:00",
        ] {
            assert_eq!(
                parse_time(s).unwrap().to_rfc3339(),
                "2024-03-01T14:25:00+00:00",
                "{s}"
            );
        }
        assert!(parse_time("01/03/2024").is_err());
    }
}
