//! Daily price history, fetched once: for each asset, the days not yet asked for are asked of
//! CoinGecko (`/coins/{id}/market_chart/range`, one request per asset and range), or of
//! CoinPaprika (`/tickers/{id}/historical`) when CoinGecko has no id for it or fails; what comes
//! back is stored in `daily_prices`, and the days asked for in `price_history_coverage`, so a
//! second run over the same days asks nothing (a day a provider had no price for is not asked
//! again either: it stays unpriced, and the figures that need it say so).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

use crate::connectors::{MarketConnectors, PriceHistory};
use crate::entities::assets;
use crate::store::daily_prices;

/// What a backfill did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backfill {
    /// Requests made to the providers.
    pub requests: usize,
    /// Days stored.
    pub days: usize,
    /// Assets whose history could not be read, and why.
    pub failed: Vec<(Uuid, String)>,
}

/// The ranges of `from..=to` outside what was asked for before (at most two).
fn missing_ranges(
    from: NaiveDate,
    to: NaiveDate,
    covered: Option<(NaiveDate, NaiveDate)>,
) -> Vec<(NaiveDate, NaiveDate)> {
    if from > to {
        return Vec::new();
    }
    match covered {
        None => vec![(from, to)],
        Some((cf, ct)) => {
            let mut out = Vec::new();
            if from < cf {
                out.push((from, cf.pred_opt().unwrap_or(cf).min(to)));
            }
            if to > ct {
                out.push((ct.succ_opt().unwrap_or(ct).max(from), to));
            }
            out
        }
    }
}

/// Fills the daily prices of `assets` from `from` to `to`.
pub async fn backfill(
    db: &impl ConnectionTrait,
    market: &MarketConnectors,
    assets: &[assets::Model],
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Backfill, DbErr> {
    let mut out = Backfill::default();
    // Coverage of every asset in one query: a warm answer asks nothing more.
    let ids: Vec<Uuid> = assets.iter().map(|a| a.id).collect();
    let coverage = daily_prices::coverage_of(db, &ids).await?;
    for asset in assets {
        let covered = coverage.get(&asset.id).copied();
        for (start, end) in missing_ranges(from, to, covered) {
            let mut sources: Vec<(&dyn PriceHistory, &str)> = Vec::new();
            if let Some(id) = &asset.coingecko_id {
                sources.push((market.gecko_history.as_ref(), id));
            }
            if let Some(id) = &asset.coinpaprika_id {
                sources.push((market.paprika_history.as_ref(), id));
            }
            if sources.is_empty() {
                out.failed
                    .push((asset.id, "no price provider knows this asset".into()));
                break;
            }
            let mut errors = Vec::new();
            let mut answered = None;
            for (source, id) in sources {
                out.requests += 1;
                match source.daily_prices(id, start, end).await {
                    Ok(days) => {
                        answered = Some((source.provider().as_str(), days));
                        break;
                    }
                    Err(e) => errors.push(e.to_string()),
                }
            }
            match answered {
                Some((source, days)) => {
                    let covered = daily_prices::coverage(db, asset.id).await?;
                    let whole = match covered {
                        Some((cf, ct)) => (cf.min(start), ct.max(end)),
                        None => (start, end),
                    };
                    daily_prices::save(db, asset.id, source, &days, whole, now).await?;
                    out.days += days.len();
                }
                None => out.failed.push((asset.id, errors.join("; "))),
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, n).unwrap()
    }

    #[test]
    fn only_the_days_not_asked_before_are_asked() {
        assert_eq!(missing_ranges(day(1), day(9), None), vec![(day(1), day(9))]);
        assert_eq!(
            missing_ranges(day(3), day(5), Some((day(1), day(9)))),
            vec![]
        );
        assert_eq!(
            missing_ranges(day(1), day(9), Some((day(3), day(5)))),
            vec![(day(1), day(2)), (day(6), day(9))]
        );
        assert_eq!(
            missing_ranges(day(6), day(9), Some((day(3), day(5)))),
            vec![(day(6), day(9))]
        );
        assert_eq!(missing_ranges(day(9), day(1), None), vec![]);
    }
}
