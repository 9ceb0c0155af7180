//! `eod-snapshot`: an end-of-day snapshot of every portfolio, in pages with batched writes.
//! Quantities are each account's last good sync, priced at snapshot time; a second run the
//! same day replaces that day's `eod` row (the latest run's values are kept).
//!
//! The day a run is dated to depends on what it serves ([`snapshot_date`]): a scheduled run
//! belongs to its slot (the 23:30 run, and a late start of it after midnight, is that day's
//! close); a run someone starts by hand records the day of the moment it ran, and its details
//! say which rule dated it.
//!
//! A portfolio none of whose linked accounts has been read yet gets no row (its value is
//! unknown, not $0); one with some accounts unread gets a row that counts them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use uuid::Uuid;

use super::JobContext;
use super::{Job, Outcome};
use crate::config::{Config, JobSchedule};
use crate::domain::{allocation, holdings};
use crate::portfolio as service;
use crate::store::{accounts as account_store, portfolios as portfolio_store, snapshots};

pub struct EodSnapshot;

pub const NAME: &str = "eod-snapshot";

/// Portfolios handled per page (one read of links, accounts and prices, one batched write).
pub const PAGE: u64 = 1_000;

#[async_trait::async_trait]
impl Job for EodSnapshot {
    fn name(&self) -> &'static str {
        NAME
    }

    fn schedule<'a>(&self, config: &'a Config) -> &'a JobSchedule {
        &config.sync.eod_snapshot
    }

    async fn run(&self, ctx: &JobContext, trigger: super::Trigger) -> anyhow::Result<Outcome> {
        // Alert rules on failed snapshots see every end, a failed run included.
        match self.snapshot_all(ctx, trigger).await {
            Ok((outcome, run)) => {
                ctx.sync.alerts.after_snapshot_run(Ok(&run)).await;
                Ok(outcome)
            }
            Err(e) => {
                ctx.sync.alerts.after_snapshot_run(Err(())).await;
                Err(e)
            }
        }
    }
}

impl EodSnapshot {
    async fn snapshot_all(
        &self,
        ctx: &JobContext,
        trigger: super::Trigger,
    ) -> anyhow::Result<(Outcome, crate::alerts::SnapshotRun)> {
        // The snapshot must see this hour's balances and prices: wait while either job runs.
        let waited = wait_for(
            ctx,
            &[super::account_sync::NAME, super::price_collection::NAME],
        )
        .await;
        let now = (ctx.clock)();
        let (date, dated_by) = snapshot_date(trigger, &self.schedule(&ctx.config).schedule, now);
        let rule = service::PriceRule::of(&ctx.config.market);
        let mut failures = Vec::new();
        let index = ctx.asset_index.get(&ctx.db).await?;
        let (mut done, mut statements, mut after) = (0i64, 0usize, None);
        let mut nothing_read = 0usize;
        let mut report = crate::alerts::SnapshotRun {
            date,
            ..Default::default()
        };
        loop {
            let page = portfolio_store::page(&ctx.db, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let ids: Vec<Uuid> = page.iter().map(|p| p.id).collect();
            let links = portfolio_store::links_of(&ctx.db, &ids).await?;
            let mut account_ids: Vec<Uuid> = links.iter().map(|(_, a)| *a).collect();
            account_ids.sort();
            account_ids.dedup();
            let accounts: HashMap<Uuid, _> = account_store::by_ids(&ctx.db, &account_ids)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            let mut per_portfolio: HashMap<Uuid, Vec<_>> = HashMap::new();
            for (p, a) in &links {
                if let Some(acc) = accounts.get(a) {
                    per_portfolio.entry(*p).or_default().push(acc.clone());
                }
            }
            // Documents that cannot be read skip their portfolio (listed as failures), never
            // read as empty.
            let mut held: HashMap<Uuid, Vec<holdings::Holding>> = HashMap::new();
            for a in accounts.values() {
                match crate::store::holdings::of_account(&ctx.db, a).await {
                    Ok(h) => {
                        held.insert(a.id, h);
                    }
                    Err(crate::store::holdings::LoadError::Db(e)) => return Err(e.into()),
                    Err(e) => failures.push(e.to_string()),
                }
            }
            let all: Vec<(Uuid, Vec<holdings::Holding>)> =
                held.iter().map(|(id, h)| (*id, h.clone())).collect();
            let mut wanted = service::asset_ids(&all, &[]);
            let mut plans = HashMap::new();
            for p in &page {
                match (service::targets_of(p), service::guardrails_of(p)) {
                    (Ok(t), Ok(g)) => {
                        wanted.extend(t.iter().filter_map(|t| t.asset_id));
                        plans.insert(p.id, (t, g));
                    }
                    (Err(e), _) | (_, Err(e)) => failures.push(e.to_string()),
                }
            }
            wanted.sort();
            wanted.dedup();
            let prices = ctx.price_cache.latest_many(&ctx.db, &wanted).await?;
            // Nothing read yet is an unknown value, not $0: no point is recorded for it.
            let unread: Vec<Uuid> = per_portfolio
                .iter()
                .filter(|(_, accs)| service::nothing_valued(accs))
                .map(|(p, _)| *p)
                .collect();
            for p in &unread {
                per_portfolio.remove(p);
                plans.remove(p);
            }
            nothing_read += unread.len();
            report.nothing_read.extend(unread.iter().copied());
            // The pure part runs off the async workers, so requests keep their latency.
            let index = index.clone();
            let rows = tokio::task::spawn_blocking(move || {
                page.iter()
                    .filter_map(|p| {
                        let (targets, guardrails) = plans.remove(&p.id)?;
                        let accs = per_portfolio.remove(&p.id).unwrap_or_default();
                        // A portfolio with an unreadable account is skipped, not valued short.
                        let positions_of: Option<Vec<_>> = accs
                            .iter()
                            .map(|a| held.get(&a.id).map(|h| (a.id, h.clone())))
                            .collect();
                        let positions =
                            service::positions(&positions_of?, &targets, &index, &prices, &rule);
                        let alloc = allocation::compute(
                            &positions,
                            &targets,
                            &guardrails,
                            p.stablecoins_as_cash,
                        );
                        Some(service::snapshot_row(
                            p.id, date, "eod", &alloc, &prices, &accs, now,
                        ))
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
            done += rows.len() as i64;
            report
                .taken
                .extend(rows.iter().filter_map(|r| r.portfolio_id.clone().take()));
            statements += snapshots::upsert_many(&ctx.db, rows).await?;
        }
        let balances = daily_balances(ctx, date, &mut failures).await?;
        statements += balances.statements;
        let outcome = Outcome {
            items_processed: done,
            failures,
            details: json!({
                "portfolios": done,
                "skipped_nothing_read": nothing_read,
                "accounts_with_daily_balances": balances.accounts,
                "daily_balance_lines": balances.lines,
                "date": date,
                "dated_by": dated_by,
                "taken_at": now,
                "write_statements": statements,
                "waited_for_other_jobs_secs": waited.as_secs(),
            }),
        };
        Ok((outcome, report))
    }
}

/// What writing the day's balances did.
struct Balances {
    accounts: usize,
    lines: usize,
    statements: usize,
}

/// Accounts read per page for the daily balances.
const ACCOUNT_PAGE: usize = 500;

/// Writes every active account's balances of `date` (in a portfolio or not), valued at the
/// latest prices. An account whose holdings cannot be read is listed in `failures`, not written
/// as holding nothing.
async fn daily_balances(
    ctx: &JobContext,
    date: NaiveDate,
    failures: &mut Vec<String>,
) -> anyhow::Result<Balances> {
    use crate::store::holdings::{self as holdings_store, LoadError};
    let mut out = Balances {
        accounts: 0,
        lines: 0,
        statements: 0,
    };
    let accounts = account_store::list_active(&ctx.db).await?;
    for page in accounts.chunks(ACCOUNT_PAGE) {
        let mut held: HashMap<Uuid, Vec<holdings::Holding>> =
            match holdings_store::of_accounts(&ctx.db, page).await {
                Ok(h) => h,
                Err(LoadError::Db(e)) => return Err(e.into()),
                // One unreadable account: read them one by one to skip only that one.
                Err(LoadError::Unreadable(_)) => {
                    let mut h = HashMap::new();
                    for a in page {
                        match holdings_store::of_account(&ctx.db, a).await {
                            Ok(list) => {
                                h.insert(a.id, list);
                            }
                            Err(LoadError::Db(e)) => return Err(e.into()),
                            Err(e) => failures.push(e.to_string()),
                        }
                    }
                    h
                }
            };
        let mut ids: Vec<Uuid> = held.values().flatten().filter_map(|h| h.asset_id).collect();
        ids.sort();
        ids.dedup();
        let prices = ctx.price_cache.latest_many(&ctx.db, &ids).await?;
        for a in page {
            let Some(mut list) = held.remove(&a.id) else {
                continue;
            };
            service::reprice(&mut list, &prices, ctx.config.sync.dust_threshold_usd);
            let lines = crate::domain::history::day_balances(&list);
            out.statements +=
                crate::store::daily_balances::replace_day(&ctx.db, a.id, a.user_id, date, &lines)
                    .await?;
            out.accounts += 1;
            out.lines += lines.len();
        }
    }
    Ok(out)
}

/// Longest wait for the sync and price jobs before snapshotting anyway.
pub const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Waits (at most [`MAX_WAIT`]) while any of these jobs runs in this process.
async fn wait_for(ctx: &JobContext, jobs: &[&str]) -> std::time::Duration {
    let start = std::time::Instant::now();
    while jobs.iter().any(|j| ctx.jobs.is_running_here(j)) && start.elapsed() < MAX_WAIT {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    start.elapsed()
}

/// How long after its slot a scheduled run still belongs to it (a start delayed past midnight
/// by the jobs it waits for); a scheduled run later than that is dated to the day it runs.
pub const SLOT_GRACE_HOURS: i64 = 12;

/// Which rule dated a run (`dated_by` in its details).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DatedBy {
    /// A scheduled run: the day of the slot it serves.
    Slot,
    /// A run started by hand (or at first start): the day of the moment it ran.
    RunTime,
}

/// The day a run with `trigger` that takes its snapshot at `now` is dated to, and why.
pub fn snapshot_date(
    trigger: super::Trigger,
    schedule: &str,
    now: DateTime<Utc>,
) -> (NaiveDate, DatedBy) {
    match trigger {
        super::Trigger::Scheduled => (slot_date(schedule, now), DatedBy::Slot),
        super::Trigger::Manual | super::Trigger::Startup => (now.date_naive(), DatedBy::RunTime),
    }
}

/// The day a snapshot taken at `now` is dated to: the day of the schedule's latest slot at or
/// before `now` when that slot is at most [`SLOT_GRACE_HOURS`] ago, else `now`'s day.
pub fn slot_date(schedule: &str, now: DateTime<Utc>) -> NaiveDate {
    let Ok(cron) = crate::jobs::parse_schedule(schedule) else {
        return now.date_naive();
    };
    let mut slot = None;
    let mut t = now - chrono::Duration::hours(SLOT_GRACE_HOURS);
    while let Ok(next) = cron.find_next_occurrence(&t, true) {
        if next > now {
            break;
        }
        slot = Some(next);
        t = next + chrono::Duration::seconds(1);
    }
    slot.map_or(now.date_naive(), |s| s.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::Trigger;

    /// Around midnight and the grace's edge, in the default 23:30 schedule.
    const TIMES: [(&str, &str, &str); 6] = [
        // (now, scheduled run's day, manual run's day)
        ("2026-12-03T23:29:59Z", "2026-12-03", "2026-12-03"),
        ("2026-12-03T23:59:59Z", "2026-12-03", "2026-12-03"),
        ("2026-12-04T00:00:01Z", "2026-12-03", "2026-12-04"),
        ("2026-12-04T11:29:00Z", "2026-12-03", "2026-12-04"),
        ("2026-12-04T11:31:00Z", "2026-12-04", "2026-12-04"),
        ("2026-12-04T15:00:00Z", "2026-12-04", "2026-12-04"),
    ];

    #[test]
    fn a_scheduled_run_belongs_to_its_slot_and_a_run_by_hand_to_its_moment() {
        for (now, scheduled, manual) in TIMES {
            assert_eq!(
                snapshot_date(Trigger::Scheduled, "0 30 23 * * *", at(now)),
                (day(scheduled), DatedBy::Slot),
                "scheduled at {now}"
            );
            for trigger in [Trigger::Manual, Trigger::Startup] {
                assert_eq!(
                    snapshot_date(trigger, "0 30 23 * * *", at(now)),
                    (day(manual), DatedBy::RunTime),
                    "{trigger:?} at {now}"
                );
            }
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_late_run_after_midnight_is_dated_to_the_slot_it_belongs_to() {
        let schedule = "0 30 23 * * *";
        assert_eq!(
            slot_date(schedule, at("2026-12-03T23:30:00Z")),
            day("2026-12-03")
        );
        assert_eq!(
            slot_date(schedule, at("2026-12-03T23:59:59Z")),
            day("2026-12-03")
        );
        assert_eq!(
            slot_date(schedule, at("2026-12-04T00:40:00Z")),
            day("2026-12-03")
        );
        assert_eq!(
            slot_date(schedule, at("2026-12-04T11:29:00Z")),
            day("2026-12-03")
        );
        // A manual run at noon the next day is that day's.
        assert_eq!(
            slot_date(schedule, at("2026-12-04T12:00:00Z")),
            day("2026-12-04")
        );
        assert_eq!(
            slot_date(schedule, at("2026-12-04T15:00:00Z")),
            day("2026-12-04")
        );
    }
}
