//! Manual accounts: the holdings are what the user entered (the newest entry per asset), read
//! like any other source so they are identified, priced and valued by the same rules.

use crate::domain::holdings::{kind, Kept, RawHolding};
use crate::domain::locations::Outcome;
use crate::entities::accounts;
use crate::store::manual;
use crate::sync::SyncContext;

use super::Reading;

/// The one location of a manual account.
pub const LOCATION: &str = kind::MANUAL;

pub(super) async fn read(ctx: &SyncContext, account: &accounts::Model) -> anyhow::Result<Reading> {
    let entries = manual::current(&ctx.db, account.id).await?;
    let raw = entries
        .into_iter()
        .map(|e| {
            let mut r = RawHolding::new(&e.symbol, e.quantity, LOCATION);
            r.known_asset = Some(e.asset_id);
            r
        })
        .collect();
    Ok(Reading {
        raw,
        outcomes: vec![(LOCATION.to_string(), Outcome::read())],
        kept: Kept::default(),
        permission_warning: None,
    })
}
