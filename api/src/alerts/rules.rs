//! Rule kinds, their parameters, and how each is evaluated.
//!
//! 1. `sync_failing` (after each sync of an account): the account's last sync did not read
//!    everything (`error` or `partial`) and its last good read is at least `hours` old.
//! 2. `price_move` (after each price run): a held asset's price moved by at least
//!    `threshold_pct` against its price 24 hours before the newest one (the newest stored at
//!    or before then, at most 2 hours older). No price 24 hours back: unknown, no change.
//! 3. `drift` (after each sync of an account the portfolio links, and after each price run):
//!    some line of the portfolio is out of its band (the allocation's `over` / `under`). A
//!    portfolio whose allocation is incomplete (anything `blocking`: a price missing or stale,
//!    an account not read) is unknown: no figure is computed from incomplete data.
//! 4. `snapshot_failed` (after each end-of-day snapshot run, and after a snapshot taken by
//!    hand for its one portfolio): the portfolio has no snapshot from that run (nothing of it
//!    could be read, or the run failed as a whole).
//! 5. `health_factor` (after each sync of a wallet): the health factor of an Aave v3 account
//!    (one per chain) that this sync read is below `threshold`. An Aave location the sync could
//!    not read is unknown: no change.
//! 6. `outflow` (after each sync of the account): an event, not a state. The account's
//!    holdings of an asset fell between the last good read and this one, and the falls, valued
//!    at the asset's newest price, add up to at least `min_amount_usd`. An asset held anywhere
//!    the sync did not read (a failed location or token) is not compared, and an unpriced one
//!    cannot be valued: both are left out.
//!
//! A subject's state changes only on news (`store::alerts::transition`): a condition starting
//! to hold raises a `triggered` alert unless the rule triggered for that subject within its
//! cooldown; a condition stopping raises a `cleared` alert. An outflow is raised once, as it is
//! seen (each fall is seen by exactly one sync), and never cleared: it has no cooldown.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{deliver, Inner, SyncChange};
use crate::domain::holdings::{flag, Holding};
use crate::domain::locations::{self, LocationSync};
use crate::entities::{accounts, alert_rules, alerts};
use crate::error::FieldError;
use crate::store::alerts::{self as store, Transition};

pub const SYNC_FAILING: &str = "sync_failing";
pub const PRICE_MOVE: &str = "price_move";
pub const DRIFT: &str = "drift";
pub const SNAPSHOT_FAILED: &str = "snapshot_failed";
pub const HEALTH_FACTOR: &str = "health_factor";
pub const OUTFLOW: &str = "outflow";
pub const KINDS: [&str; 6] = [
    SYNC_FAILING,
    PRICE_MOVE,
    DRIFT,
    SNAPSHOT_FAILED,
    HEALTH_FACTOR,
    OUTFLOW,
];

/// `health_factor`: an Aave v3 health factor of a wallet (or of any of the user's) below
/// `threshold`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthFactorParams {
    /// A decimal string above 0 (Aave liquidates below 1, so above 1 is the useful range).
    #[serde(
        serialize_with = "rust_decimal::serde::str::serialize",
        deserialize_with = "crate::domain::exact::decimal"
    )]
    #[schema(value_type = String)]
    pub threshold: Decimal,
    /// One wallet; absent or `null`: every wallet of the user.
    #[serde(default)]
    pub account_id: Option<Uuid>,
}

/// `outflow`: holdings worth at least `min_amount_usd` leaving one account between two reads.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutflowParams {
    /// A wallet or exchange account of the user.
    pub account_id: Uuid,
    /// A decimal string above 0.
    #[serde(
        serialize_with = "rust_decimal::serde::str::serialize",
        deserialize_with = "crate::domain::exact::decimal"
    )]
    #[schema(value_type = String)]
    pub min_amount_usd: Decimal,
}

/// `snapshot_failed`: a portfolio (or any of the user's) missing from an end-of-day snapshot run.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotFailedParams {
    #[serde(default)]
    pub portfolio_id: Option<Uuid>,
}

/// `drift`: a portfolio with a line out of its band.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DriftParams {
    pub portfolio_id: Uuid,
}

/// `sync_failing`: an account (or any of the user's accounts) failing to sync for `hours`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncFailingParams {
    /// One account; absent or `null`: every account of the user.
    #[serde(default)]
    pub account_id: Option<Uuid>,
    /// 1 to 720.
    pub hours: u32,
}

/// `price_move`: a held asset's 24 h price move of at least `threshold_pct` percent (either way).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceMoveParams {
    /// A decimal string above 0 and at most 1000.
    #[serde(
        serialize_with = "rust_decimal::serde::str::serialize",
        deserialize_with = "crate::domain::exact::decimal"
    )]
    #[schema(value_type = String)]
    pub threshold_pct: Decimal,
}

/// A rule's parameters, by kind.
#[derive(Debug, Clone)]
pub enum Params {
    SyncFailing(SyncFailingParams),
    PriceMove(PriceMoveParams),
    Drift(DriftParams),
    SnapshotFailed(SnapshotFailedParams),
    HealthFactor(HealthFactorParams),
    Outflow(OutflowParams),
}

impl Params {
    /// Reads and checks `params` for `kind`; errors name fields under `params`.
    pub fn parse(kind: &str, params: &Value) -> Result<Self, Vec<FieldError>> {
        let bad = |m: String| vec![FieldError::new("params", m)];
        match kind {
            SYNC_FAILING => {
                let p: SyncFailingParams =
                    serde_json::from_value(params.clone()).map_err(|e| bad(e.to_string()))?;
                if !(1..=720).contains(&p.hours) {
                    return Err(vec![FieldError::new("params.hours", "must be 1 to 720")]);
                }
                Ok(Params::SyncFailing(p))
            }
            PRICE_MOVE => {
                let p: PriceMoveParams =
                    serde_json::from_value(params.clone()).map_err(|e| bad(e.to_string()))?;
                if p.threshold_pct <= Decimal::ZERO || p.threshold_pct > Decimal::from(1000) {
                    return Err(vec![FieldError::new(
                        "params.threshold_pct",
                        "must be above 0 and at most 1000",
                    )]);
                }
                Ok(Params::PriceMove(p))
            }
            DRIFT => serde_json::from_value(params.clone())
                .map(Params::Drift)
                .map_err(|e| bad(e.to_string())),
            SNAPSHOT_FAILED => serde_json::from_value(params.clone())
                .map(Params::SnapshotFailed)
                .map_err(|e| bad(e.to_string())),
            HEALTH_FACTOR => {
                let p: HealthFactorParams =
                    serde_json::from_value(params.clone()).map_err(|e| bad(e.to_string()))?;
                if p.threshold <= Decimal::ZERO {
                    return Err(vec![FieldError::new("params.threshold", "must be above 0")]);
                }
                Ok(Params::HealthFactor(p))
            }
            OUTFLOW => {
                let p: OutflowParams =
                    serde_json::from_value(params.clone()).map_err(|e| bad(e.to_string()))?;
                if p.min_amount_usd <= Decimal::ZERO {
                    return Err(vec![FieldError::new(
                        "params.min_amount_usd",
                        "must be above 0",
                    )]);
                }
                Ok(Params::Outflow(p))
            }
            _ => Err(vec![FieldError::new(
                "kind",
                format!("must be one of {}", KINDS.join(", ")),
            )]),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Params::SyncFailing(p) => serde_json::to_value(p),
            Params::PriceMove(p) => serde_json::to_value(p),
            Params::Drift(p) => serde_json::to_value(p),
            Params::SnapshotFailed(p) => serde_json::to_value(p),
            Params::HealthFactor(p) => serde_json::to_value(p),
            Params::Outflow(p) => serde_json::to_value(p),
        }
        .expect("params serialize")
    }
}

/// What an evaluation found for one subject.
#[derive(Debug, Clone)]
pub struct Finding {
    pub subject: String,
    pub holds: bool,
    /// What the subject is, for people (`My OKX`, `BTC`).
    pub label: String,
    /// What was measured, in plain words.
    pub detail: String,
    /// What every channel may receive.
    pub payload: Value,
    /// Holdings details, for private channels only.
    pub private: Option<Value>,
}

/// The rule's channel ids (unknown or malformed entries are dropped).
pub fn channel_ids(rule: &alert_rules::Model) -> Vec<Uuid> {
    serde_json::from_value(rule.channel_ids.clone()).unwrap_or_default()
}

/// Records the news in `findings` for `rule` and sends it on.
async fn apply(
    inner: &Arc<Inner>,
    rule: &alert_rules::Model,
    findings: Vec<Finding>,
) -> Result<(), sea_orm::DbErr> {
    let cooldown = chrono::Duration::seconds(i64::from(rule.cooldown_secs.max(0)));
    for f in findings {
        let Some(t) = store::transition(&inner.db, rule.id, &f.subject, f.holds, cooldown).await?
        else {
            continue;
        };
        let (state, title, message) = match t {
            Transition::Triggered => (
                "triggered",
                format!("{}: {}", rule.name, f.label),
                f.detail.clone(),
            ),
            Transition::Cleared => (
                "cleared",
                format!("Cleared: {}: {}", rule.name, f.label),
                format!("No longer true. {}", f.detail),
            ),
        };
        raise(inner, rule, state, f, title, message).await?;
    }
    Ok(())
}

/// Stores an alert of `rule` about `f` and delivers it to the rule's channels.
async fn raise(
    inner: &Arc<Inner>,
    rule: &alert_rules::Model,
    state: &str,
    f: Finding,
    title: String,
    message: String,
) -> Result<(), sea_orm::DbErr> {
    let alert = store::insert_alert(
        &inner.db,
        alerts::Model {
            id: Uuid::new_v4(),
            user_id: rule.user_id,
            rule_id: Some(rule.id),
            kind: rule.kind.clone(),
            state: state.into(),
            subject: f.subject,
            title,
            message,
            payload: f.payload,
            private_details: f.private,
            created_at: store::now(),
        },
    )
    .await?;
    tracing::info!(alert_id = %alert.id, rule_id = %rule.id, state, "alert raised");
    deliver::spawn(inner, alert, rule.name.clone(), channel_ids(rule));
    Ok(())
}

// 1. sync_failing

pub(super) async fn after_account_sync(
    inner: &Arc<Inner>,
    account: &accounts::Model,
    change: SyncChange<'_>,
) -> Result<(), sea_orm::DbErr> {
    let rules = store::enabled_rules(&inner.db, Some(account.user_id), &[SYNC_FAILING]).await?;
    let now = Utc::now();
    for rule in rules {
        let Ok(Params::SyncFailing(p)) = Params::parse(&rule.kind, &rule.params) else {
            continue;
        };
        if p.account_id.is_some_and(|id| id != account.id) {
            continue;
        }
        apply(inner, &rule, vec![sync_finding(account, p.hours, now)]).await?;
    }
    let drift = store::enabled_rules(&inner.db, Some(account.user_id), &[DRIFT]).await?;
    for rule in drift {
        let Ok(Params::Drift(p)) = Params::parse(&rule.kind, &rule.params) else {
            continue;
        };
        let linked = crate::store::portfolios::account_ids(&inner.db, p.portfolio_id).await?;
        if linked.contains(&account.id) {
            evaluate_drift(inner, &rule, p.portfolio_id).await?;
        }
    }
    evaluate_health(inner, account, change.after).await?;
    evaluate_outflow(inner, account, change).await
}

/// Whether `account` has been failing to sync for `hours` at `now`.
pub fn sync_finding(account: &accounts::Model, hours: u32, now: DateTime<Utc>) -> Finding {
    let status = account.last_sync_status.as_deref();
    let failing = matches!(
        status,
        // `sync::STATUS_ERROR` and `STATUS_PARTIAL` (`sync` calls this module, not the reverse).
        Some("error" | "partial")
    );
    let good_since = account.last_synced_at.unwrap_or(account.created_at);
    let hours_failing = (now - good_since).num_minutes() / 60;
    let holds = account.is_active
        && failing
        && now - good_since >= chrono::Duration::hours(i64::from(hours));
    let detail = if failing {
        format!(
            "{} has not synced completely since {} ({} h): {}",
            account.name,
            good_since.format("%Y-%m-%d %H:%M UTC"),
            hours_failing,
            account
                .last_sync_error
                .as_deref()
                .unwrap_or("no reason given")
        )
    } else {
        format!(
            "{} synced at {}.",
            account.name,
            good_since.format("%Y-%m-%d %H:%M UTC")
        )
    };
    Finding {
        subject: account.id.to_string(),
        holds,
        label: format!("{} is failing to sync", account.name),
        detail,
        payload: json!({
            "account_id": account.id,
            "account_name": account.name,
            "sync_status": status,
            "last_good_sync_at": account.last_synced_at,
            "hours_without_good_sync": hours_failing,
            "error": if failing { account.last_sync_error.clone() } else { None },
        }),
        private: None,
    }
}

// 2. price_move

pub(super) async fn after_price_run(inner: &Arc<Inner>) -> Result<(), sea_orm::DbErr> {
    for rule in store::enabled_rules(&inner.db, None, &[DRIFT]).await? {
        if let Ok(Params::Drift(p)) = Params::parse(&rule.kind, &rule.params) {
            evaluate_drift(inner, &rule, p.portfolio_id).await?;
        }
    }
    let rules = store::enabled_rules(&inner.db, None, &[PRICE_MOVE]).await?;
    let mut by_user: BTreeMap<Uuid, Vec<alert_rules::Model>> = BTreeMap::new();
    for r in rules {
        by_user.entry(r.user_id).or_default().push(r);
    }
    for (user_id, rules) in by_user {
        let moves = held_moves(inner, user_id).await?;
        for rule in rules {
            let Ok(Params::PriceMove(p)) = Params::parse(&rule.kind, &rule.params) else {
                continue;
            };
            let mut findings: Vec<Finding> =
                moves.iter().map(|m| m.finding(p.threshold_pct)).collect();
            // A subject no longer held clears.
            for subject in store::firing_subjects(&inner.db, rule.id).await? {
                if !moves.iter().any(|m| m.asset_id.to_string() == subject) {
                    findings.push(Finding {
                        subject,
                        holds: false,
                        label: "an asset no longer held".into(),
                        detail: "The asset is no longer held.".into(),
                        payload: json!({}),
                        private: None,
                    });
                }
            }
            apply(inner, &rule, findings).await?;
        }
    }
    Ok(())
}

/// One held asset's 24 h move.
#[derive(Debug, Clone)]
pub struct Move {
    pub asset_id: Uuid,
    pub symbol: String,
    pub price: Decimal,
    pub price_at: DateTime<Utc>,
    pub before: Decimal,
    /// Percent, rounded to 2 decimals (trailing zeros dropped).
    pub change_pct: Decimal,
    pub quantity: Decimal,
}

impl Move {
    fn finding(&self, threshold: Decimal) -> Finding {
        let sign = if self.change_pct > Decimal::ZERO {
            "+"
        } else {
            ""
        };
        Finding {
            subject: self.asset_id.to_string(),
            holds: self.change_pct.abs() >= threshold,
            label: format!("{} moved {sign}{}% in 24 h", self.symbol, self.change_pct),
            detail: format!(
                "{} is at {} USD, {} USD 24 hours earlier ({sign}{}%; the rule's threshold is {}%).",
                self.symbol,
                self.price.normalize(),
                self.before.normalize(),
                self.change_pct,
                threshold.normalize()
            ),
            payload: json!({
                "asset_id": self.asset_id,
                "symbol": self.symbol,
                "change_pct": self.change_pct.to_string(),
                "threshold_pct": threshold.normalize().to_string(),
                "price_usd": self.price.normalize().to_string(),
                "price_24h_ago_usd": self.before.normalize().to_string(),
                "price_at": self.price_at,
            }),
            private: Some(json!({
                "quantity": self.quantity.normalize().to_string(),
                "value_usd": (self.quantity * self.price).round_dp(2).to_string(),
            })),
        }
    }
}

/// The 24 h moves of the assets `user_id` holds in active accounts (spam and unidentified
/// holdings aside); assets with no price 24 hours back are left out (unknown).
pub async fn held_moves(inner: &Inner, user_id: Uuid) -> Result<Vec<Move>, sea_orm::DbErr> {
    let accounts: Vec<accounts::Model> = crate::store::accounts::list_for_user(&inner.db, user_id)
        .await?
        .into_iter()
        .filter(|a| a.is_active)
        .collect();
    let holdings = match crate::store::holdings::of_accounts(&inner.db, &accounts).await {
        Ok(h) => h,
        Err(crate::store::holdings::LoadError::Db(e)) => return Err(e),
        Err(crate::store::holdings::LoadError::Unreadable(e)) => {
            tracing::warn!(error = %e, "holdings unreadable; price-move rules skip this user");
            return Ok(Vec::new());
        }
    };
    let mut held: HashMap<Uuid, (String, Decimal)> = HashMap::new();
    for h in holdings.values().flatten() {
        let Some(id) = h.asset_id else { continue };
        if h.flags.iter().any(|f| f == "spam") || h.quantity.is_zero() {
            continue;
        }
        let e = held
            .entry(id)
            .or_insert_with(|| (h.symbol.clone(), Decimal::ZERO));
        e.1 += h.quantity;
    }
    let ids: Vec<Uuid> = held.keys().copied().collect();
    let latest = crate::store::prices::latest_for_assets(&inner.db, &ids).await?;
    let mut by_time: BTreeMap<DateTime<Utc>, Vec<Uuid>> = BTreeMap::new();
    for (id, p) in &latest {
        by_time.entry(p.timestamp).or_default().push(*id);
    }
    let mut out = Vec::new();
    for (at, ids) in by_time {
        let before = crate::store::prices::prices_at(
            &inner.db,
            &ids,
            at - chrono::Duration::hours(24),
            chrono::Duration::hours(2),
        )
        .await?;
        for id in ids {
            let (Some(now), Some(&then)) = (latest.get(&id), before.get(&id)) else {
                continue;
            };
            if then <= Decimal::ZERO {
                continue;
            }
            let (symbol, quantity) = held[&id].clone();
            let price = now.price_usd.0;
            out.push(Move {
                asset_id: id,
                symbol,
                price,
                price_at: now.timestamp,
                before: then,
                change_pct: ((price - then) / then * Decimal::from(100))
                    .round_dp(2)
                    .normalize(),
                quantity,
            });
        }
    }
    out.sort_by(|a, b| a.symbol.cmp(&b.symbol));
    Ok(out)
}

// 3. drift

async fn evaluate_drift(
    inner: &Arc<Inner>,
    rule: &alert_rules::Model,
    portfolio_id: Uuid,
) -> Result<(), sea_orm::DbErr> {
    let Some(ctx) = &inner.portfolio else {
        return Ok(());
    };
    let Some(portfolio) =
        crate::store::portfolios::get_for_user(&inner.db, rule.user_id, portfolio_id).await?
    else {
        return Ok(());
    };
    let accounts = crate::store::portfolios::linked_accounts(&inner.db, portfolio_id).await?;
    let valued = match crate::portfolio::allocation(ctx, &portfolio, &accounts).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(%portfolio_id, error = %e, "drift rule: the allocation could not be computed");
            return Ok(());
        }
    };
    if !valued.blocking.is_empty() {
        return Ok(());
    }
    let finding = drift_finding(&portfolio, &valued.allocation);
    apply(inner, rule, vec![finding]).await
}

/// Whether a line of `portfolio` is out of its band.
pub fn drift_finding(
    portfolio: &crate::entities::portfolios::Model,
    allocation: &crate::domain::allocation::Allocation,
) -> Finding {
    use crate::domain::allocation::LineStatus;
    let out: Vec<&crate::domain::allocation::AllocationLine> = allocation
        .lines
        .iter()
        .filter(|l| matches!(l.status, LineStatus::Over | LineStatus::Under))
        .collect();
    let describe = |l: &crate::domain::allocation::AllocationLine| {
        format!(
            "{} at {}% (target {}%)",
            l.symbol,
            l.current_pct.round_dp(2),
            l.target_pct
                .map(|t| t.normalize().to_string())
                .unwrap_or_default()
        )
    };
    let detail = if out.is_empty() {
        format!("Every line of {} is within its band.", portfolio.name)
    } else {
        format!(
            "{} is out of band: {}.",
            portfolio.name,
            out.iter()
                .map(|l| describe(l))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Finding {
        subject: portfolio.id.to_string(),
        holds: !out.is_empty(),
        label: format!("{} drifted out of band", portfolio.name),
        detail,
        payload: json!({
            "portfolio_id": portfolio.id,
            "portfolio_name": portfolio.name,
            "lines": out.iter().map(|l| json!({
                "asset_id": l.asset_id,
                "symbol": l.symbol,
                "status": l.status,
                "current_pct": l.current_pct.round_dp(2).to_string(),
                "target_pct": l.target_pct.map(|t| t.normalize().to_string()),
                "drift_pct_points": l.drift_pct_points.map(|d| d.round_dp(2).to_string()),
            })).collect::<Vec<_>>(),
        }),
        private: Some(json!({
            "total_value_usd": allocation.total_value_usd.round_dp(2).to_string(),
            "lines": out.iter().map(|l| json!({
                "symbol": l.symbol,
                "quantity": l.quantity.normalize().to_string(),
                "value_usd": l.value_usd.round_dp(2).to_string(),
            })).collect::<Vec<_>>(),
        })),
    }
}

// 4. snapshot_failed

pub(super) async fn after_snapshot_run(
    inner: &Arc<Inner>,
    run: Result<&super::SnapshotRun, ()>,
) -> Result<(), sea_orm::DbErr> {
    for rule in store::enabled_rules(&inner.db, None, &[SNAPSHOT_FAILED]).await? {
        let Ok(Params::SnapshotFailed(p)) = Params::parse(&rule.kind, &rule.params) else {
            continue;
        };
        let portfolios = match p.portfolio_id {
            Some(id) => crate::store::portfolios::get_for_user(&inner.db, rule.user_id, id)
                .await?
                .into_iter()
                .collect(),
            None => crate::store::portfolios::list_for_user(&inner.db, rule.user_id).await?,
        };
        let findings = portfolios
            .iter()
            .map(|portfolio| snapshot_finding(portfolio, run))
            .collect();
        apply(inner, &rule, findings).await?;
    }
    Ok(())
}

/// A snapshot taken by hand of `portfolio`: its rules (its own, and those watching every
/// portfolio of its owner) see that one portfolio only.
pub(super) async fn after_manual_snapshot(
    inner: &Arc<Inner>,
    portfolio: &crate::entities::portfolios::Model,
    run: &super::SnapshotRun,
) -> Result<(), sea_orm::DbErr> {
    for rule in store::enabled_rules(&inner.db, Some(portfolio.user_id), &[SNAPSHOT_FAILED]).await?
    {
        let Ok(Params::SnapshotFailed(p)) = Params::parse(&rule.kind, &rule.params) else {
            continue;
        };
        if p.portfolio_id.is_some_and(|id| id != portfolio.id) {
            continue;
        }
        apply(inner, &rule, vec![snapshot_finding(portfolio, Ok(run))]).await?;
    }
    Ok(())
}

/// Whether `portfolio` is missing from the snapshot run.
pub fn snapshot_finding(
    portfolio: &crate::entities::portfolios::Model,
    run: Result<&super::SnapshotRun, ()>,
) -> Finding {
    let (holds, detail, date) = match run {
        Err(()) => (
            true,
            format!(
                "The end-of-day snapshot run failed: {} has no snapshot from it.",
                portfolio.name
            ),
            None,
        ),
        Ok(r) if r.taken.contains(&portfolio.id) => (
            false,
            format!(
                "The {} snapshot of {} for {} was taken.",
                which(r),
                portfolio.name,
                r.date
            ),
            Some(r.date),
        ),
        Ok(r) => {
            let why = if r.nothing_read.contains(&portfolio.id) {
                "none of its accounts has been read yet"
            } else if r.manual {
                "its allocation could not be computed"
            } else {
                "part of its data could not be read (see the eod-snapshot run)"
            };
            (
                true,
                format!(
                    "The {} snapshot of {} for {} was not taken: {why}.",
                    which(r),
                    portfolio.name,
                    r.date
                ),
                Some(r.date),
            )
        }
    };
    Finding {
        subject: portfolio.id.to_string(),
        holds,
        label: format!("the snapshot of {} failed", portfolio.name),
        detail,
        payload: json!({
            "portfolio_id": portfolio.id,
            "portfolio_name": portfolio.name,
            "date": date,
            "manual": run.is_ok_and(|r| r.manual),
        }),
        private: None,
    }
}

fn which(run: &super::SnapshotRun) -> &'static str {
    if run.manual {
        "manual"
    } else {
        "end-of-day"
    }
}

/// The locations of the account's last sync, by name (an unreadable document: none).
fn locations_of(account: &accounts::Model) -> Vec<LocationSync> {
    account
        .location_syncs
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

// 5. health_factor

async fn evaluate_health(
    inner: &Arc<Inner>,
    account: &accounts::Model,
    after: &[Holding],
) -> Result<(), sea_orm::DbErr> {
    if account.account_type != "wallet" {
        return Ok(());
    }
    let rules = store::enabled_rules(&inner.db, Some(account.user_id), &[HEALTH_FACTOR]).await?;
    if rules.is_empty() {
        return Ok(());
    }
    let readings = aave_health(&locations_of(account), after);
    for rule in rules {
        let Ok(Params::HealthFactor(p)) = Params::parse(&rule.kind, &rule.params) else {
            continue;
        };
        if p.account_id.is_some_and(|id| id != account.id) {
            continue;
        }
        let findings = readings
            .iter()
            .map(|r| r.finding(account, p.threshold))
            .collect();
        apply(inner, &rule, findings).await?;
    }
    Ok(())
}

/// One Aave v3 account (one chain) as a sync read it.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthReading {
    /// `<chain>:aave-v3`.
    pub location: String,
    /// `None`: no debt (the pool answers 2^256 − 1), or no position at all.
    pub health_factor: Option<Decimal>,
    /// (symbol, kind, quantity, value) of its positions.
    pub positions: Vec<(String, String, Decimal, Option<Decimal>)>,
}

/// The Aave v3 locations the sync read in full, with their health factor. A location it did
/// not read (failed, or not refreshed) is left out: its health factor is unknown, not a value.
pub fn aave_health(locations: &[LocationSync], after: &[Holding]) -> Vec<HealthReading> {
    let suffix = format!(":{}", crate::domain::defi::AAVE_V3);
    locations
        .iter()
        .filter(|l| l.location.ends_with(&suffix) && l.status == locations::OK)
        .map(|l| {
            let held: Vec<&Holding> = after
                .iter()
                .filter(|h| h.location == l.location && !h.has_flag(flag::NOT_REFRESHED))
                .collect();
            let health_factor = held.iter().find_map(|h| {
                h.details
                    .as_ref()?
                    .get("health_factor")?
                    .as_str()?
                    .parse::<Decimal>()
                    .ok()
            });
            HealthReading {
                location: l.location.clone(),
                health_factor,
                positions: held
                    .iter()
                    .map(|h| (h.symbol.clone(), h.kind.clone(), h.quantity, h.value_usd))
                    .collect(),
            }
        })
        .collect()
}

impl HealthReading {
    fn finding(&self, account: &accounts::Model, threshold: Decimal) -> Finding {
        let chain = self
            .location
            .split(':')
            .next()
            .unwrap_or(&self.location)
            .to_string();
        let shown = self
            .health_factor
            // Cut, never rounded up into safety (1.49996 is not "1.5").
            .map(|hf| {
                hf.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::ToZero)
                    .normalize()
                    .to_string()
            });
        let threshold = threshold.normalize();
        let (label, detail) = match &shown {
            Some(hf) => (
                format!("the Aave v3 health factor of {} is {hf}", account.name),
                format!(
                    "The Aave v3 health factor of {} on {chain} is {hf} (the rule's threshold is \
                     {threshold}; Aave liquidates below 1).",
                    account.name
                ),
            ),
            None => (
                format!("{} has no Aave v3 debt", account.name),
                format!(
                    "{} has no Aave v3 debt on {chain}: no health factor to watch.",
                    account.name
                ),
            ),
        };
        Finding {
            subject: format!("{}:{}", account.id, self.location),
            holds: self.health_factor.is_some_and(|hf| hf < threshold),
            label,
            detail,
            payload: json!({
                "account_id": account.id,
                "account_name": account.name,
                "chain": chain,
                "protocol": crate::domain::defi::AAVE_V3,
                "health_factor": self.health_factor.map(|hf| hf.normalize().to_string()),
                "threshold": threshold.to_string(),
            }),
            private: Some(json!({
                "positions": self.positions.iter().map(|(symbol, kind, q, v)| json!({
                    "symbol": symbol,
                    "kind": kind,
                    "quantity": q.normalize().to_string(),
                    "value_usd": v.map(|v| v.round_dp(2).to_string()),
                })).collect::<Vec<_>>(),
            })),
        }
    }
}

// 6. outflow

async fn evaluate_outflow(
    inner: &Arc<Inner>,
    account: &accounts::Model,
    change: SyncChange<'_>,
) -> Result<(), sea_orm::DbErr> {
    let rules: Vec<(alert_rules::Model, OutflowParams)> =
        store::enabled_rules(&inner.db, Some(account.user_id), &[OUTFLOW])
            .await?
            .into_iter()
            .filter_map(|r| match Params::parse(&r.kind, &r.params) {
                Ok(Params::Outflow(p)) if p.account_id == account.id => Some((r, p)),
                _ => None,
            })
            .collect();
    if rules.is_empty() {
        return Ok(());
    }
    let falls = falls(&locations_of(account), change.before, change.after);
    if falls.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = falls.iter().map(|f| f.asset_id).collect();
    let prices = crate::store::prices::latest_for_assets(&inner.db, &ids).await?;
    let outflow = Outflow::value(falls, &prices);
    for (rule, p) in rules {
        if outflow.total_usd >= p.min_amount_usd {
            let f = outflow.finding(account, p.min_amount_usd, change.at);
            let title = format!("{}: {}", rule.name, f.label);
            let message = f.detail.clone();
            raise(inner, &rule, "triggered", f, title, message).await?;
        }
    }
    Ok(())
}

/// An asset the account holds less of after a sync than before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fall {
    pub asset_id: Uuid,
    pub symbol: String,
    pub before: Decimal,
    pub after: Decimal,
}

/// The assets whose holdings fell between `before` and `after`, net over the account's
/// locations and kinds (a supply to Aave or a move between chains is no outflow; a debt is a
/// negative quantity, so borrowing is none either).
///
/// An asset is compared only when every holding of it was read by this sync: before, at a
/// location the sync read (`ok` or `partial`); after, not kept from before (`not_refreshed`).
/// A location or token not refreshed is not money leaving. Holdings with no asset, or whose
/// quantity is unknown (`out_of_range`), unverified or spam, cannot be valued: their asset is
/// not compared.
pub fn falls(locations: &[LocationSync], before: &[Holding], after: &[Holding]) -> Vec<Fall> {
    let read: HashSet<&str> = locations
        .iter()
        .filter(|l| l.status == locations::OK || l.status == locations::PARTIAL)
        .map(|l| l.location.as_str())
        .collect();
    let mut by_asset: BTreeMap<Uuid, (String, Decimal, Decimal)> = BTreeMap::new();
    let mut unknown: HashSet<Uuid> = HashSet::new();
    for (h, was) in before
        .iter()
        .map(|h| (h, true))
        .chain(after.iter().map(|h| (h, false)))
    {
        let Some(id) = h.asset_id else { continue };
        let refreshed = if was {
            read.contains(h.location.as_str())
        } else {
            !h.has_flag(flag::NOT_REFRESHED)
        };
        if !refreshed || !h.is_countable() {
            unknown.insert(id);
        }
        let e = by_asset
            .entry(id)
            .or_insert_with(|| (h.symbol.clone(), Decimal::ZERO, Decimal::ZERO));
        let side = if was { &mut e.1 } else { &mut e.2 };
        *side = side.checked_add(h.quantity).unwrap_or_else(|| {
            unknown.insert(id);
            Decimal::ZERO
        });
    }
    by_asset
        .into_iter()
        .filter(|(id, (_, b, a))| !unknown.contains(id) && a < b)
        .map(|(asset_id, (symbol, before, after))| Fall {
            asset_id,
            symbol,
            before,
            after,
        })
        .collect()
}

/// The falls of one sync, valued.
#[derive(Debug, Clone)]
pub struct Outflow {
    /// (fall, price, value) of the priced falls.
    pub priced: Vec<(Fall, crate::entities::asset_prices::Model, Decimal)>,
    /// Falls of assets without a price: not valued, not counted.
    pub unpriced: Vec<Fall>,
    pub total_usd: Decimal,
}

impl Outflow {
    fn value(
        falls: Vec<Fall>,
        prices: &HashMap<Uuid, crate::entities::asset_prices::Model>,
    ) -> Self {
        let mut out = Outflow {
            priced: Vec::new(),
            unpriced: Vec::new(),
            total_usd: Decimal::ZERO,
        };
        for f in falls {
            let value = prices
                .get(&f.asset_id)
                .and_then(|p| Some((p, (f.before - f.after).checked_mul(p.price_usd.0)?)));
            match value {
                Some((p, v)) => {
                    out.total_usd = out.total_usd.checked_add(v).unwrap_or(Decimal::MAX);
                    out.priced.push((f, p.clone(), v));
                }
                None => out.unpriced.push(f),
            }
        }
        out
    }

    /// The alert: the account and the threshold for every channel; which assets and how
    /// much only for private ones.
    fn finding(
        &self,
        account: &accounts::Model,
        threshold: Decimal,
        read_at: DateTime<Utc>,
    ) -> Finding {
        let threshold = threshold.normalize();
        Finding {
            subject: account.id.to_string(),
            holds: true,
            label: format!("an outflow above your threshold from {}", account.name),
            detail: format!(
                "Holdings worth at least {threshold} USD (the rule's threshold) left {} between \
                 its last good read and the one of {}.",
                account.name,
                read_at.format("%Y-%m-%d %H:%M UTC")
            ),
            payload: json!({
                "account_id": account.id,
                "account_name": account.name,
                "min_amount_usd": threshold.to_string(),
                "read_at": read_at,
            }),
            private: Some(json!({
                "total_value_usd": self.total_usd.round_dp(2).normalize().to_string(),
                "assets": self.priced.iter().map(|(f, p, v)| json!({
                    "asset_id": f.asset_id,
                    "symbol": f.symbol,
                    "quantity": (f.before - f.after).normalize().to_string(),
                    "quantity_before": f.before.normalize().to_string(),
                    "quantity_after": f.after.normalize().to_string(),
                    "price_usd": p.price_usd.0.normalize().to_string(),
                    "price_at": p.timestamp,
                    "value_usd": v.round_dp(2).normalize().to_string(),
                })).collect::<Vec<_>>(),
                "unpriced": self.unpriced.iter().map(|f| json!({
                    "symbol": f.symbol,
                    "quantity": (f.before - f.after).normalize().to_string(),
                })).collect::<Vec<_>>(),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(asset: Uuid, location: &str, kind: &str, quantity: i64, flags: &[&str]) -> Holding {
        Holding {
            asset_id: Some(asset),
            symbol: "TKN".into(),
            quantity: Decimal::from(quantity),
            raw_amount: None,
            decimals: None,
            location: location.into(),
            chain: None,
            contract_address: None,
            price_usd: None,
            value_usd: None,
            price_source: None,
            price_at: None,
            is_dust: false,
            identified_by: "registry".into(),
            kind: kind.into(),
            flags: flags.iter().map(|f| f.to_string()).collect(),
            synced_at: None,
            quantity_text: None,
            details: None,
            unvalued_reason: None,
        }
    }

    fn loc(name: &str, status: &str) -> LocationSync {
        LocationSync {
            location: name.into(),
            status: status.into(),
            synced_at: None,
            error: None,
        }
    }

    #[test]
    fn a_fall_is_net_over_the_account_and_only_where_the_sync_read() {
        let [a, b, c, d, e] = [(); 5].map(|_| Uuid::new_v4());
        let read = [
            loc("ethereum", locations::OK),
            loc("ethereum:aave-v3", locations::OK),
            loc("base", locations::FAILED),
        ];
        let before = [
            h(a, "ethereum", "spot", 100, &[]),
            h(b, "ethereum", "spot", 50, &[]),
            h(c, "base", "spot", 10, &[]),
            h(d, "ethereum", "spot", 7, &[]),
            // e: an LP position at a protocol the sync no longer reads (its address removed).
            h(e, "ethereum:uniswap-v3", "lp", 3, &[]),
        ];
        let after = [
            // a: 60 supplied to Aave, 30 sent away.
            h(a, "ethereum", "spot", 10, &[]),
            h(a, "ethereum:aave-v3", "supplied", 60, &[]),
            // b: its token read failed, kept from before.
            h(b, "ethereum", "spot", 50, &[flag::NOT_REFRESHED]),
            // c: at a failed location.
            h(c, "base", "spot", 10, &[flag::NOT_REFRESHED]),
            // d: gone altogether (no row after); e: its location was not read.
        ];
        let falls = falls(&read, &before, &after);
        let by: HashMap<Uuid, (Decimal, Decimal)> = falls
            .iter()
            .map(|f| (f.asset_id, (f.before, f.after)))
            .collect();
        assert_eq!(by.len(), 2, "{falls:?}");
        assert_eq!(by[&a], (Decimal::from(100), Decimal::from(70)));
        assert_eq!(by[&d], (Decimal::from(7), Decimal::ZERO));
    }

    #[test]
    fn a_borrow_is_no_fall_and_an_unknown_quantity_is_not_compared() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let read = [
            loc("ethereum", locations::OK),
            loc("ethereum:aave-v3", locations::OK),
        ];
        let before = [
            h(a, "ethereum", "spot", 0, &[]),
            h(b, "ethereum", "spot", 9, &[]),
        ];
        let after = [
            h(a, "ethereum", "spot", 500, &[]),
            h(a, "ethereum:aave-v3", "borrowed", -500, &[]),
            h(b, "ethereum", "spot", 0, &[flag::OUT_OF_RANGE]),
        ];
        assert!(falls(&read, &before, &after).is_empty());
    }

    #[test]
    fn a_health_factor_just_under_the_threshold_is_shown_cut_not_rounded_up() {
        let account = accounts::Model {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            name: "Vault".into(),
            account_type: "wallet".into(),
            exchange_name: None,
            api_key_encrypted: None,
            api_secret_encrypted: None,
            passphrase_encrypted: None,
            encryption_key_version: None,
            api_key_hint: None,
            wallet_address: None,
            enabled_chains: None,
            holdings: None,
            last_synced_at: None,
            last_sync_started_at: None,
            last_sync_status: None,
            last_sync_error: None,
            permission_warning: None,
            location_syncs: None,
            exchange_uid: None,
            chain_family: None,
            is_active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let reading = HealthReading {
            location: "ethereum:aave-v3".into(),
            health_factor: Some("1.499996".parse().unwrap()),
            positions: Vec::new(),
        };
        let f = reading.finding(&account, Decimal::new(15, 1));
        assert!(f.holds);
        assert!(f.detail.contains("is 1.4999 "), "{}", f.detail);
        assert_eq!(f.payload["health_factor"], "1.499996");
        assert_eq!(f.subject, format!("{}:ethereum:aave-v3", Uuid::nil()));
        let none = HealthReading {
            health_factor: None,
            ..reading
        };
        assert!(!none.finding(&account, Decimal::TEN).holds);
    }

    #[test]
    fn an_aave_location_not_read_has_no_health_factor_reading() {
        let a = Uuid::new_v4();
        let mut supplied = h(a, "ethereum:aave-v3", "supplied", 10, &[]);
        supplied.details = Some(json!({"protocol": "aave-v3", "health_factor": "1.25"}));
        let mut kept = supplied.clone();
        kept.location = "base:aave-v3".into();
        kept.flags = vec![flag::NOT_REFRESHED.into()];
        let read = [
            loc("ethereum:aave-v3", locations::OK),
            loc("base:aave-v3", locations::FAILED),
            loc("arbitrum:aave-v3", locations::OK),
        ];
        let r = aave_health(&read, &[supplied, kept]);
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[0].location, "ethereum:aave-v3");
        assert_eq!(r[0].health_factor, Some(Decimal::new(125, 2)));
        // Read, no position: no health factor, so not below any threshold.
        assert_eq!(r[1].location, "arbitrum:aave-v3");
        assert_eq!(r[1].health_factor, None);
    }
}
