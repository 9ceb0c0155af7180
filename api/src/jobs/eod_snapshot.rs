//! `eod-snapshot`: an end-of-day snapshot of every portfolio, in pages with batched writes.
//! Quantities are each account's last good sync, priced at snapshot time; a second run the
//! same day replaces that day's `eod` row (the latest run's values are kept).

use std::collections::HashMap;

use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::{Job, Outcome};
use crate::config::{Config, JobSchedule};
use crate::domain::allocation;
use crate::portfolio as service;
use crate::state::AppState;
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

    async fn run(&self, state: &AppState) -> anyhow::Result<Outcome> {
        let now = Utc::now();
        let today = now.date_naive();
        let index = state.asset_index.get(&state.db).await?;
        let (mut done, mut statements, mut after) = (0i64, 0usize, None);
        loop {
            let page = portfolio_store::page(&state.db, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let ids: Vec<Uuid> = page.iter().map(|p| p.id).collect();
            let links = portfolio_store::links_of(&state.db, &ids).await?;
            let mut account_ids: Vec<Uuid> = links.iter().map(|(_, a)| *a).collect();
            account_ids.sort();
            account_ids.dedup();
            let accounts: HashMap<Uuid, _> = account_store::by_ids(&state.db, &account_ids)
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
            let all_accounts: Vec<_> = accounts.values().cloned().collect();
            let mut wanted = service::asset_ids(&all_accounts, &[]);
            for p in &page {
                wanted.extend(
                    service::targets_of(p)
                        .into_iter()
                        .filter_map(|t| t.asset_id),
                );
            }
            wanted.sort();
            wanted.dedup();
            let prices = state.price_cache.latest_many(&state.db, &wanted).await?;
            // The pure part runs off the async workers, so requests keep their latency.
            let index = index.clone();
            let rows = tokio::task::spawn_blocking(move || {
                page.iter()
                    .map(|p| {
                        let accs = per_portfolio.remove(&p.id).unwrap_or_default();
                        let targets = service::targets_of(p);
                        let positions = service::positions(&accs, &targets, &index, &prices);
                        let alloc = allocation::compute(
                            &positions,
                            &targets,
                            &service::guardrails_of(p),
                            p.stablecoins_as_cash,
                        );
                        service::snapshot_row(p.id, today, "eod", &alloc, &prices, &accs, now)
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
            done += rows.len() as i64;
            statements += snapshots::upsert_many(&state.db, rows).await?;
        }
        Ok(Outcome {
            items_processed: done,
            failures: Vec::new(),
            details: json!({ "portfolios": done, "date": today, "write_statements": statements }),
        })
    }
}
