//! Per-location sync state: each place an account's balances live (each chain of a wallet;
//! `trading`, `funding`, `earn` of an exchange) keeps its own last good read, status and error.
//!
//! Rules:
//! - `ok`: read fully this time; `synced_at` is now.
//! - `partial`: read, but some tokens could not be (they keep their previous balance, flagged
//!   `not_refreshed`); `synced_at` is the oldest read behind the location's holdings.
//! - `failed`: the read failed; holdings and `synced_at` stay as they were.
//! - `not_refreshed`: not read at all (its chain is disabled or gone); holdings and `synced_at`
//!   stay as they were, `error` says why.
//! - The account's `last_synced_at` is the oldest `synced_at` of its locations, so it names the
//!   oldest data behind the account's total; a location never read successfully has none and
//!   does not count.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const OK: &str = "ok";
pub const PARTIAL: &str = "partial";
pub const FAILED: &str = "failed";
pub const NOT_REFRESHED: &str = "not_refreshed";

/// The sync state of one location of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LocationSync {
    /// The chain name, or `trading` / `funding` / `earn`.
    pub location: String,
    /// `ok`, `partial`, `failed` or `not_refreshed`.
    pub status: String,
    /// The last good read of this location (`None`: never read).
    pub synced_at: Option<DateTime<Utc>>,
    /// Why the location is not `ok`; on an `ok` location, tokens left out as not tokens.
    pub error: Option<String>,
}

/// What one sync found at one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Read; `kept_since` is the oldest read time of holdings kept from before (failed tokens),
    /// `None` when every balance is fresh. `failures` names failed tokens; `notes` tokens left out.
    Read {
        failures: Vec<String>,
        notes: Vec<String>,
        kept_since: Option<Option<DateTime<Utc>>>,
    },
    Failed(String),
    NotRefreshed(String),
}

impl Outcome {
    /// Read fully.
    pub fn read() -> Self {
        Outcome::Read {
            failures: Vec::new(),
            notes: Vec::new(),
            kept_since: None,
        }
    }
}

/// The new state of a location from its previous one and this sync's outcome.
pub fn next(
    location: &str,
    previous: Option<&LocationSync>,
    outcome: Outcome,
    now: DateTime<Utc>,
    fallback: Option<DateTime<Utc>>,
) -> LocationSync {
    let before = previous.map_or(fallback, |p| p.synced_at);
    let (status, synced_at, error) = match outcome {
        Outcome::Read {
            failures, notes, ..
        } if failures.is_empty() => (OK, Some(now), join(&notes)),
        Outcome::Read {
            failures,
            notes,
            kept_since,
        } => {
            // A kept balance without a read time is as old as the location's previous read.
            let oldest = match kept_since {
                None => Some(now),
                Some(Some(t)) => Some(t.min(now)),
                Some(None) => before,
            };
            let all: Vec<String> = failures.into_iter().chain(notes).collect();
            (PARTIAL, oldest, join(&all))
        }
        Outcome::Failed(why) => (FAILED, before, Some(why)),
        Outcome::NotRefreshed(why) => (NOT_REFRESHED, before, Some(why)),
    };
    LocationSync {
        location: location.to_string(),
        status: status.to_string(),
        synced_at,
        error,
    }
}

fn join(items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| items.join("; "))
}

/// The oldest good read among the locations (`None` when none was ever read).
pub fn oldest_read(locations: &[LocationSync]) -> Option<DateTime<Utc>> {
    locations.iter().filter_map(|l| l.synced_at).min()
}

/// Whether this sync read anything at all.
pub fn read_any(locations: &[LocationSync]) -> bool {
    locations
        .iter()
        .any(|l| l.status == OK || l.status == PARTIAL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_account_age_is_its_oldest_location_and_a_failed_one_keeps_its_last_good_read() {
        let now = Utc::now();
        let two_weeks = now - Duration::days(14);
        let base_before = LocationSync {
            location: "base".into(),
            status: OK.into(),
            synced_at: Some(two_weeks),
            error: None,
        };
        let eth = next(
            "ethereum",
            None,
            Outcome::Read {
                failures: vec![],
                notes: vec![],
                kept_since: None,
            },
            now,
            None,
        );
        let base = next(
            "base",
            Some(&base_before),
            Outcome::Failed("evm:base did not answer in time".into()),
            now,
            None,
        );
        assert_eq!((eth.status.as_str(), eth.synced_at), (OK, Some(now)));
        assert_eq!(base.status, FAILED);
        assert_eq!(base.synced_at, Some(two_weeks));
        assert_eq!(oldest_read(&[eth.clone(), base.clone()]), Some(two_weeks));
        assert!(read_any(&[eth, base.clone()]));
        assert!(!read_any(&[base]));
    }

    #[test]
    fn a_partial_location_is_as_old_as_the_balances_it_kept() {
        let now = Utc::now();
        let day = now - Duration::days(1);
        let l = next(
            "ethereum",
            None,
            Outcome::Read {
                failures: vec!["USDC: balanceOf reverted".into()],
                notes: vec![],
                kept_since: Some(Some(day)),
            },
            now,
            None,
        );
        assert_eq!(l.status, PARTIAL);
        assert_eq!(l.synced_at, Some(day));
        assert!(l.error.unwrap().contains("USDC"));
    }
}
