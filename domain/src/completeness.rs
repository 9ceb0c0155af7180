//! The completeness rule: the Butler advises only on data it knows to be whole.
//!
//! A recommendation is computed only when
//! - every targeted asset has a price that is not stale, and
//! - every holding worth more than `min_trade_usd`, or whose value is unknown, is identified
//!   (one asset, not an ambiguous symbol) and has a price that is not stale, and
//! - every linked account's last sync succeeded for all its locations.
//!
//! Otherwise the recommendation is `incomplete`: no trades, and one [`Blocking`] entry per
//! asset (or account) with the reason and what to do. A price is stale when it is older than
//! the staleness limit (`PRICE_MAX_AGE_SECS`).

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::allocation::{PositionInput, ResolvedTarget};

/// Why a recommendation could not be computed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BlockingReason {
    /// No price is known for the asset.
    NoPrice,
    /// The newest price is older than the staleness limit.
    StalePrice,
    /// A holding whose symbol or contract matches no known asset.
    Unidentified,
    /// A holding whose symbol several assets share: the user must pick one.
    AmbiguousSymbol,
    /// A linked account's last sync failed (in whole or for some locations) or never ran.
    SyncFailed,
}

/// One thing that keeps a recommendation from being computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Blocking {
    pub asset_id: Option<Uuid>,
    /// The asset's symbol, or for `sync_failed` the account's name.
    pub symbol: String,
    pub reason: BlockingReason,
    /// What is wrong and what to do, in words.
    pub message: String,
    /// The accounts concerned (the holders, or the account that failed to sync).
    pub accounts: Vec<Uuid>,
    /// The price's time, for `stale_price`.
    pub price_at: Option<DateTime<Utc>>,
    /// For `sync_failed`: every account concerned holds nothing the Butler knows of (its last
    /// good read found nothing, or it was never read), so the user may ask for advice that
    /// leaves it out. Set by the caller, which knows the holdings.
    #[serde(default)]
    pub excludable: bool,
}

/// A linked account as far as completeness is concerned.
#[derive(Debug, Clone)]
pub struct AccountState {
    pub id: Uuid,
    pub name: String,
    /// `ok`, `partial`, `error`, or `None` when never synced.
    pub status: Option<String>,
    pub error: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

/// Whether a price observed at `at` is stale at `now`.
pub fn is_stale(at: DateTime<Utc>, now: DateTime<Utc>, max_age: Duration) -> bool {
    now - at > max_age
}

/// An age in the largest whole unit: "3 days", "1 hour", "12 minutes", "under a minute".
pub fn age_words(age: Duration) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if age.num_days() >= 1 {
        plural(age.num_days(), "day")
    } else if age.num_hours() >= 1 {
        plural(age.num_hours(), "hour")
    } else if age.num_minutes() >= 1 {
        plural(age.num_minutes(), "minute")
    } else {
        "under a minute".to_string()
    }
}

/// Everything that blocks a recommendation (empty: the data is complete). `target_price_at`
/// gives the time of the latest price of a targeted asset, if it has one. Entries are ordered
/// accounts first, then by symbol, and each asset and reason appears once.
pub fn blocking(
    positions: &[PositionInput],
    targets: &[ResolvedTarget],
    target_price_at: impl Fn(Uuid) -> Option<DateTime<Utc>>,
    accounts: &[AccountState],
    min_trade_usd: Decimal,
    now: DateTime<Utc>,
    max_age: Duration,
) -> Vec<Blocking> {
    let mut out: Vec<Blocking> = Vec::new();
    let mut push = |b: Blocking| {
        if let Some(e) = out
            .iter_mut()
            .find(|e| e.reason == b.reason && e.asset_id == b.asset_id && e.symbol == b.symbol)
        {
            for a in b.accounts {
                if !e.accounts.contains(&a) {
                    e.accounts.push(a);
                }
            }
        } else {
            out.push(b);
        }
    };
    let stale_message = |symbol: &str, at: DateTime<Utc>| {
        format!(
            "the price of {symbol} is {} old; prices older than {} are not traded on: check that the price job runs",
            age_words(now - at),
            age_words(max_age)
        )
    };

    for a in accounts {
        let message = match (a.status.as_deref(), a.last_synced_at) {
            (_, None) | (None, _) => Some(format!(
                "{} has not been synced yet: sync it, then ask again",
                a.name
            )),
            (Some("ok"), Some(_)) => None,
            (Some(status), Some(at)) => Some(format!(
                "the last sync of {} {} ({}); its last good data is {} old: sync it again",
                a.name,
                if status == "partial" {
                    "failed for some locations"
                } else {
                    "failed"
                },
                a.error.as_deref().unwrap_or("no reason given"),
                age_words(now - at)
            )),
        };
        if let Some(message) = message {
            push(Blocking {
                asset_id: None,
                symbol: a.name.clone(),
                reason: BlockingReason::SyncFailed,
                message,
                accounts: vec![a.id],
                price_at: None,
                excludable: false,
            });
        }
    }

    for t in targets {
        let Some(id) = t.asset_id else { continue };
        let (reason, message, price_at) = match target_price_at(id) {
            None => (
                BlockingReason::NoPrice,
                format!(
                    "{} is a target but has no price yet: wait for the price job, or check the asset",
                    t.symbol
                ),
                None,
            ),
            Some(at) if is_stale(at, now, max_age) => (
                BlockingReason::StalePrice,
                stale_message(&t.symbol, at),
                Some(at),
            ),
            Some(_) => continue,
        };
        push(Blocking {
            asset_id: Some(id),
            symbol: t.symbol.clone(),
            reason,
            message,
            accounts: Vec::new(),
            price_at,
            excludable: false,
        });
    }

    for p in positions.iter().filter(|p| !p.quantity.is_zero()) {
        if p.value_usd.is_some_and(|v| v.abs() <= min_trade_usd) {
            continue;
        }
        let (reason, message, price_at) = if p.ambiguous {
            (
                BlockingReason::AmbiguousSymbol,
                format!(
                    "several assets use the symbol {}: pick the asset for symbol {}",
                    p.symbol, p.symbol
                ),
                None,
            )
        } else if p.asset_id.is_none() {
            (
                BlockingReason::Unidentified,
                format!(
                    "{} matches no known asset: pick the asset it is, or wait for the asset list to include it",
                    p.symbol
                ),
                None,
            )
        } else if p.price_usd.is_none() {
            (
                BlockingReason::NoPrice,
                format!(
                    "{} is held but has no price yet: wait for the price job, or check the asset",
                    p.symbol
                ),
                None,
            )
        } else if p.price_stale {
            let at = p.price_at.unwrap_or(now);
            (
                BlockingReason::StalePrice,
                stale_message(&p.symbol, at),
                Some(at),
            )
        } else if p.value_usd.is_none() {
            // Priced, identified, yet no value: quantity × price overflowed.
            (
                BlockingReason::NoPrice,
                format!("the value of {} cannot be computed", p.symbol),
                None,
            )
        } else {
            continue;
        };
        push(Blocking {
            asset_id: p.asset_id,
            symbol: p.symbol.clone(),
            reason,
            message,
            accounts: p.accounts.clone(),
            price_at,
            excludable: false,
        });
    }
    let accounts_first = |b: &Blocking| b.reason != BlockingReason::SyncFailed;
    out.sort_by(|a, b| {
        accounts_first(a)
            .cmp(&accounts_first(b))
            .then_with(|| a.symbol.cmp(&b.symbol))
            .then_with(|| a.reason.cmp(&b.reason))
    });
    for b in &mut out {
        b.accounts.sort();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BTC: Uuid = Uuid::from_u128(1);
    const XYZ: Uuid = Uuid::from_u128(2);
    const ACC: Uuid = Uuid::from_u128(100);

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-12-03T12:00:00Z".parse().unwrap()
    }

    fn held(id: Option<Uuid>, symbol: &str, value: Option<&str>) -> PositionInput {
        PositionInput {
            asset_id: id,
            symbol: symbol.into(),
            quantity: d("1"),
            value_usd: value.map(d),
            price_usd: value.map(d),
            price_at: value.map(|_| now()),
            accounts: vec![ACC],
            ..Default::default()
        }
    }

    fn target(id: Uuid, symbol: &str) -> ResolvedTarget {
        ResolvedTarget {
            asset_id: Some(id),
            symbol: symbol.into(),
            target_pct: d("50"),
        }
    }

    fn ok_account() -> AccountState {
        AccountState {
            id: ACC,
            name: "OKX".into(),
            status: Some("ok".into()),
            error: None,
            last_synced_at: Some(now()),
        }
    }

    fn run(
        positions: &[PositionInput],
        targets: &[ResolvedTarget],
        prices: &[(Uuid, DateTime<Utc>)],
        accounts: &[AccountState],
    ) -> Vec<(String, BlockingReason)> {
        blocking(
            positions,
            targets,
            |id| prices.iter().find(|(i, _)| *i == id).map(|(_, at)| *at),
            accounts,
            d("10"),
            now(),
            Duration::hours(2),
        )
        .into_iter()
        .map(|b| (b.symbol, b.reason))
        .collect()
    }

    #[test]
    fn a_targeted_asset_without_a_price_blocks() {
        let positions = [held(Some(BTC), "BTC", Some("100000"))];
        let targets = [target(BTC, "BTC"), target(XYZ, "XYZ")];
        let out = run(&positions, &targets, &[(BTC, now())], &[ok_account()]);
        assert_eq!(out, vec![("XYZ".to_string(), BlockingReason::NoPrice)]);
    }

    #[test]
    fn a_price_older_than_the_limit_is_stale_and_blocks() {
        let three_days_ago = now() - Duration::days(3);
        let targets = [target(BTC, "BTC")];
        let out = blocking(
            &[],
            &targets,
            |_| Some(three_days_ago),
            &[],
            d("10"),
            now(),
            Duration::hours(2),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].reason, BlockingReason::StalePrice);
        assert!(out[0].message.contains("3 days old"), "{}", out[0].message);
        assert_eq!(out[0].price_at, Some(three_days_ago));
        // Exactly at the limit is still fresh.
        let at_limit = now() - Duration::hours(2);
        assert!(run(&[], &targets, &[(BTC, at_limit)], &[]).is_empty());
    }

    #[test]
    fn unidentified_and_ambiguous_holdings_block_unless_worth_less_than_the_minimum_trade() {
        let mut ambiguous = held(None, "XYZ", None);
        ambiguous.ambiguous = true;
        let positions = [
            held(None, "NOPE", None),
            ambiguous,
            held(Some(BTC), "BTC", Some("5")),
        ];
        let out = run(&positions, &[], &[], &[ok_account()]);
        assert_eq!(
            out,
            vec![
                ("NOPE".to_string(), BlockingReason::Unidentified),
                ("XYZ".to_string(), BlockingReason::AmbiguousSymbol),
            ],
            "BTC worth 5 USD is under min_trade_usd 10 and does not block"
        );
    }

    #[test]
    fn a_held_asset_without_price_or_with_a_stale_one_blocks() {
        let mut stale = held(Some(BTC), "BTC", Some("50000"));
        stale.price_stale = true;
        stale.price_at = Some(now() - Duration::hours(5));
        let mut unpriced = held(Some(XYZ), "XYZ", None);
        unpriced.price_usd = None;
        let out = run(&[stale, unpriced], &[], &[], &[ok_account()]);
        assert_eq!(
            out,
            vec![
                ("BTC".to_string(), BlockingReason::StalePrice),
                ("XYZ".to_string(), BlockingReason::NoPrice),
            ]
        );
    }

    #[test]
    fn failed_partial_and_never_synced_accounts_block() {
        let mut failed = ok_account();
        failed.status = Some("error".into());
        failed.error = Some("OKX is down".into());
        let mut partial = ok_account();
        partial.id = Uuid::from_u128(101);
        partial.name = "Wallet".into();
        partial.status = Some("partial".into());
        let mut never = ok_account();
        never.id = Uuid::from_u128(102);
        never.name = "New".into();
        never.status = None;
        never.last_synced_at = None;
        let out = blocking(
            &[],
            &[],
            |_| None,
            &[failed, partial, never, {
                let mut a = ok_account();
                a.id = Uuid::from_u128(103);
                a
            }],
            d("10"),
            now(),
            Duration::hours(2),
        );
        let reasons: Vec<_> = out.iter().map(|b| (b.symbol.as_str(), b.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                ("New", BlockingReason::SyncFailed),
                ("OKX", BlockingReason::SyncFailed),
                ("Wallet", BlockingReason::SyncFailed),
            ]
        );
        assert!(out[1].message.contains("OKX is down"));
        assert!(out[0].message.contains("not been synced yet"));
    }

    #[test]
    fn complete_data_blocks_nothing() {
        let positions = [held(Some(BTC), "BTC", Some("100000"))];
        let targets = [target(BTC, "BTC")];
        assert!(run(&positions, &targets, &[(BTC, now())], &[ok_account()]).is_empty());
    }

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        assert_eq!(age_words(Duration::days(3)), "3 days");
        assert_eq!(age_words(Duration::minutes(61)), "1 hour");
        assert_eq!(age_words(Duration::minutes(12)), "12 minutes");
        assert_eq!(age_words(Duration::seconds(5)), "under a minute");
    }
}
