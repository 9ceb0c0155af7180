//! Wallets on Solana: SOL and every SPL / Token-2022 balance the wallet's token accounts hold
//! (discovered, not from a registry), read with one JSON-RPC batch (see
//! `connectors::solana`). One location, `solana`.
//!
//! Identity by mint: a mint that is a catalog asset's contract on chain `solana` (CoinGecko
//! platform id `solana`) is that asset; any other mint is `unverified` (or `spam` by the rules
//! of `domain::spam`), never matched by symbol, never valued.
//!
//! Token-2022 mints with a multiplier: a `scaledUiAmountConfig` balance is shown as
//! floor(amount × multiplier) base units / 10^decimals, exact (the multiplier is the node's
//! decimal text, the new one from its effective time on); an `interestBearingConfig` balance is
//! the node's `uiAmountString` (continuous interest is a floating-point exponential on the
//! node). The raw amount stays in `raw_amount`; program, multiplier and rates in `details`.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::json;

use crate::connectors::solana::{MintRead, Scaling, SolanaTarget, SolanaToken};
use crate::domain::amounts;
use crate::domain::holdings::{flag, Kept, RawHolding};
use crate::domain::identity::{AssetQuery, Resolution};
use crate::domain::locations::Outcome;
use crate::domain::solana_address;
use crate::domain::spam::{self, Known, Verdict};
use crate::entities::accounts;
use crate::store::solana_rpc;
use crate::sync::SyncContext;

use super::Reading;

/// The location (and chain name) of Solana balances.
pub const LOCATION: &str = "solana";
pub const NATIVE_SYMBOL: &str = "SOL";
pub const NATIVE_DECIMALS: u8 = 9;

pub(super) async fn read(ctx: &SyncContext, account: &accounts::Model) -> anyhow::Result<Reading> {
    let owner = account
        .wallet_address
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the wallet has no address"))?;
    // Checked again here: a stored address that is not one never reaches the RPC.
    let owner = solana_address::validate(&owner)
        .map_err(|e| anyhow::anyhow!("the wallet address is not a Solana address: it {e}"))?;
    let mut kept = Kept::default();
    let row = solana_rpc::get(&ctx.db, solana_rpc::MAINNET).await?;
    let row = match row {
        Some(r) if r.is_active => r,
        found => {
            let why = if found.is_some() {
                "Solana is disabled by the administrator; balances kept from the last read"
            } else {
                "no Solana RPC is configured; balances kept from the last read"
            };
            kept.locations.push(LOCATION.to_string());
            return Ok(Reading {
                raw: Vec::new(),
                outcomes: vec![(LOCATION.to_string(), Outcome::NotRefreshed(why.into()))],
                kept,
                permission_warning: None,
            });
        }
    };
    let target = SolanaTarget {
        rpc_url: row.rpc_url.clone(),
        requests_per_second: u32::try_from(row.requests_per_second.max(1)).unwrap_or(1),
        timeout: std::time::Duration::from_millis(
            u64::try_from(row.timeout_ms.max(100)).unwrap_or(15_000),
        ),
    };
    let reading = match ctx.solana.read(&target, &owner).await {
        Ok(r) => r,
        Err(e) => {
            kept.locations.push(LOCATION.to_string());
            return Ok(Reading {
                raw: Vec::new(),
                outcomes: vec![(LOCATION.to_string(), Outcome::Failed(e.to_string()))],
                kept,
                permission_warning: None,
            });
        }
    };
    let index = ctx.asset_index.get(&ctx.db).await?;
    let mut known = index.symbols_on_chain(LOCATION);
    known.insert(NATIVE_SYMBOL.to_string());
    let now = chrono::Utc::now().timestamp();

    let mut raw = Vec::new();
    if reading.lamports > 0 {
        let lamports = reading.lamports.to_string();
        let mut h = RawHolding::new(
            NATIVE_SYMBOL,
            amounts::quantity_from_raw(&lamports, NATIVE_DECIMALS)?,
            LOCATION,
        );
        h.raw_amount = Some(lamports);
        h.decimals = Some(NATIVE_DECIMALS);
        h.chain = Some(LOCATION.to_string());
        h.known_asset = row.native_asset_id;
        raw.push(h);
    }
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    for t in &reading.tokens {
        let info = match &t.mint_info {
            MintRead::Classic => None,
            MintRead::Info(i) => Some(i),
            MintRead::Missing => {
                notes.push(format!(
                    "{} left out: its mint account does not exist",
                    t.mint
                ));
                continue;
            }
            MintRead::Failed(why) => {
                failures.push(format!("{}: {why}; previous balance kept", t.mint));
                kept.tokens.push((LOCATION.to_string(), t.mint.clone()));
                continue;
            }
        };
        let catalog = match index.resolve(&AssetQuery {
            chain: Some(LOCATION),
            address: Some(&t.mint),
            symbol: None,
            name: None,
        }) {
            Resolution::Resolved { asset_id, .. } => Some(asset_id),
            _ => None,
        };
        let symbol = catalog
            .and_then(|id| index.get(id))
            .map(|a| a.symbol.clone())
            .or_else(|| info.and_then(|i| i.symbol.clone()))
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| short_mint(&t.mint));
        let name = info.and_then(|i| i.name.clone()).unwrap_or_default();
        let verdict = spam::classify(&symbol, &name, catalog, None, &Known { symbols: &known });
        let mut h = match token_holding(t, info.and_then(|i| i.scaling.as_ref()), &symbol, now) {
            Ok(h) => h,
            Err(why) => {
                failures.push(format!("{}: {why}; previous balance kept", t.mint));
                kept.tokens.push((LOCATION.to_string(), t.mint.clone()));
                continue;
            }
        };
        match verdict {
            Verdict::Verified { asset_id } => h.known_asset = Some(asset_id),
            Verdict::Unverified => h.flags.push(flag::UNVERIFIED.to_string()),
            Verdict::Spam { .. } => h.flags.push(flag::SPAM.to_string()),
        }
        raw.push(h);
    }
    Ok(Reading {
        raw,
        outcomes: vec![(
            LOCATION.to_string(),
            Outcome::Read {
                failures,
                notes,
                kept_since: None,
            },
        )],
        kept,
        permission_warning: None,
    })
}

/// `EPjF…Dt1v`: the symbol of a mint nothing names.
fn short_mint(mint: &str) -> String {
    let chars: Vec<char> = mint.chars().collect();
    if chars.len() <= 8 {
        return mint.to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// The multiplier in effect at `now` (unix seconds).
fn multiplier_at(
    multiplier: &str,
    new_multiplier: &str,
    effective_at: i64,
    now: i64,
) -> Option<Decimal> {
    let text = if effective_at != 0 && now >= effective_at {
        new_multiplier
    } else {
        multiplier
    };
    Decimal::from_str_exact(text.trim())
        .ok()
        .filter(|m| *m >= Decimal::ZERO)
}

/// The base units a holder of `raw` sees under `multiplier`: floor(raw × multiplier), as
/// digits; `None` when it does not fit a decimal.
pub fn scaled_raw(raw: u128, multiplier: Decimal) -> Option<String> {
    let raw = Decimal::from_i128_with_scale(i128::try_from(raw).ok()?, 0);
    let shown = raw.checked_mul(multiplier)?;
    Some(
        shown
            .round_dp_with_strategy(0, RoundingStrategy::ToZero)
            .normalize()
            .to_string(),
    )
}

/// A token balance as a raw holding; `Err` says why it cannot be valued this time.
fn token_holding(
    t: &SolanaToken,
    scaling: Option<&Scaling>,
    symbol: &str,
    now: i64,
) -> Result<RawHolding, String> {
    let raw = t.raw_amount.to_string();
    let mut details = json!({
        "program": t.program.name(),
        "token_accounts": t.accounts,
    });
    let shown_raw = match scaling {
        None => raw.clone(),
        Some(Scaling::ScaledUiAmount {
            multiplier,
            new_multiplier,
            new_multiplier_effective_at,
        }) => {
            let m = multiplier_at(
                multiplier,
                new_multiplier,
                *new_multiplier_effective_at,
                now,
            )
            .ok_or("the mint's multiplier is not a decimal number")?;
            details["scaling"] = json!("scaled_ui_amount");
            details["multiplier"] = json!(m.normalize().to_string());
            scaled_raw(t.raw_amount, m).ok_or("the scaled balance does not fit a decimal")?
        }
        Some(Scaling::InterestBearing {
            current_rate_bps,
            pre_update_average_rate_bps,
            initialization_timestamp,
            last_update_timestamp,
        }) => {
            details["scaling"] = json!("interest_bearing");
            details["current_rate_bps"] = json!(current_rate_bps);
            details["pre_update_average_rate_bps"] = json!(pre_update_average_rate_bps);
            details["initialization_timestamp"] = json!(initialization_timestamp);
            details["last_update_timestamp"] = json!(last_update_timestamp);
            let shown = t
                .ui_amount
                .ok_or("the node did not give the balance with interest")?;
            details["shown_by"] = json!("rpc_ui_amount");
            let mut h = base(t, symbol, &raw, details);
            h.quantity = shown.normalize();
            return Ok(h);
        }
    };
    let mut h = base(t, symbol, &raw, details);
    match amounts::quantity_from_raw(&shown_raw, t.decimals) {
        Ok(q) => h.quantity = q,
        Err(_) => {
            h.flags.push(flag::OUT_OF_RANGE.to_string());
            h.quantity_text = amounts::exact_text(&shown_raw, t.decimals);
        }
    }
    Ok(h)
}

fn base(t: &SolanaToken, symbol: &str, raw: &str, details: serde_json::Value) -> RawHolding {
    let mut h = RawHolding::new(symbol, Decimal::ZERO, LOCATION);
    h.raw_amount = Some(raw.to_string());
    h.decimals = Some(t.decimals);
    h.chain = Some(LOCATION.to_string());
    h.contract_address = Some(t.mint.clone());
    h.details = Some(details);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::solana::TokenProgram;

    fn token(raw: u128, decimals: u8) -> SolanaToken {
        SolanaToken {
            mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v".into(),
            program: TokenProgram::Token2022,
            raw_amount: raw,
            decimals,
            accounts: 1,
            ui_amount: None,
            mint_info: MintRead::Classic,
        }
    }

    fn scaled(m: &str, new: &str, at: i64) -> Scaling {
        Scaling::ScaledUiAmount {
            multiplier: m.into(),
            new_multiplier: new.into(),
            new_multiplier_effective_at: at,
        }
    }

    #[test]
    fn a_plain_balance_is_raw_over_ten_to_the_decimals_exactly() {
        let h = token_holding(&token(42_000_000_001, 9), None, "X", 0).unwrap();
        assert_eq!(h.quantity.to_string(), "42.000000001");
        assert_eq!(h.raw_amount.as_deref(), Some("42000000001"));
    }

    #[test]
    fn a_scaled_balance_is_the_amount_the_holder_sees_rounded_down_to_a_base_unit() {
        let h =
            token_holding(&token(2_000_000, 6), Some(&scaled("1.5", "1.5", 0)), "X", 0).unwrap();
        assert_eq!(h.quantity.to_string(), "3");
        assert_eq!(h.raw_amount.as_deref(), Some("2000000"));
        assert_eq!(h.details.as_ref().unwrap()["multiplier"], "1.5");
        // 7 × 1.1 = 7.7 base units: the holder sees 7.
        let h = token_holding(&token(7, 6), Some(&scaled("1.1", "1.1", 0)), "X", 0).unwrap();
        assert_eq!(h.quantity.to_string(), "0.000007");
    }

    #[test]
    fn the_new_multiplier_applies_from_its_effective_time() {
        let s = scaled("1.5", "2", 1_000);
        let before = token_holding(&token(10, 0), Some(&s), "X", 999).unwrap();
        let after = token_holding(&token(10, 0), Some(&s), "X", 1_000).unwrap();
        assert_eq!(before.quantity.to_string(), "15");
        assert_eq!(after.quantity.to_string(), "20");
    }

    #[test]
    fn an_unreadable_multiplier_is_a_failure_not_a_guess() {
        assert!(token_holding(&token(1, 0), Some(&scaled("NaN", "NaN", 0)), "X", 0).is_err());
        let ib = Scaling::InterestBearing {
            current_rate_bps: 500,
            pre_update_average_rate_bps: 500,
            initialization_timestamp: 1,
            last_update_timestamp: 1,
        };
        assert!(token_holding(&token(1, 0), Some(&ib), "X", 0).is_err());
        let mut t = token(1_000_000, 6);
        t.ui_amount = Some("1.05".parse().unwrap());
        assert_eq!(
            token_holding(&t, Some(&ib), "X", 0)
                .unwrap()
                .quantity
                .to_string(),
            "1.05"
        );
    }

    #[test]
    fn huge_balances_are_kept_exact_and_flagged() {
        let h = token_holding(
            &token(u128::from(u64::MAX) * 10_000_000_000, 0),
            None,
            "X",
            0,
        )
        .unwrap();
        assert!(h.flags.contains(&flag::OUT_OF_RANGE.to_string()));
        assert!(h.quantity_text.is_some());
        assert_eq!(
            short_mint("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
            "EPjF…Dt1v"
        );
    }
}
