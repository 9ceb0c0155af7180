//! The time the Butler dates things by: the system clock, or a fixed one that tests inject.

use std::sync::Arc;

use chrono::{DateTime, Utc};

/// Where "now" comes from.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system clock.
pub fn system() -> Clock {
    Arc::new(Utc::now)
}

/// A clock stopped at `at` (tests of what a run at a given time of day does).
pub fn fixed(at: DateTime<Utc>) -> Clock {
    Arc::new(move || at)
}
