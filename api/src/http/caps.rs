//! Size caps on what one user can store: how many accounts and portfolios, how long a
//! description, how many target items. Beyond them: 422 (`limit_reached` for counts,
//! `validation_failed` naming the field otherwise). Names keep their fixed 1–64 characters.

use axum::http::StatusCode;
use uuid::Uuid;

use crate::config::LimitsConfig;
use crate::error::{ApiError, FieldError};
use crate::state::AppState;
use crate::store::counts;

fn limit_reached(what: &str, max: usize, setting: &str) -> ApiError {
    ApiError::Rejected {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "limit_reached",
        message: format!(
            "you already have {max} {what}, the most one user may have ({setting}); delete one first"
        ),
    }
}

/// Refuses a new account when the user has `MAX_ACCOUNTS_PER_USER` already.
pub async fn room_for_account(state: &AppState, user: Uuid) -> Result<(), ApiError> {
    let max = state.config.limits.max_accounts_per_user;
    if counts::accounts_of(&state.db, user).await? >= max as u64 {
        return Err(limit_reached("accounts", max, "MAX_ACCOUNTS_PER_USER"));
    }
    Ok(())
}

/// Refuses a new portfolio when the user has `MAX_PORTFOLIOS_PER_USER` already.
pub async fn room_for_portfolio(state: &AppState, user: Uuid) -> Result<(), ApiError> {
    let max = state.config.limits.max_portfolios_per_user;
    if counts::portfolios_of(&state.db, user).await? >= max as u64 {
        return Err(limit_reached("portfolios", max, "MAX_PORTFOLIOS_PER_USER"));
    }
    Ok(())
}

/// Checks a portfolio's description and target list against the caps.
pub fn check_portfolio(
    limits: &LimitsConfig,
    description: Option<&str>,
    target_items: Option<usize>,
    errors: &mut Vec<FieldError>,
) {
    if let Some(d) = description {
        if d.trim().chars().count() > limits.max_description_chars {
            errors.push(FieldError::new(
                "description",
                format!(
                    "must be at most {} characters",
                    limits.max_description_chars
                ),
            ));
        }
    }
    if let Some(n) = target_items {
        if n > limits.max_target_items {
            errors.push(FieldError::new(
                "target_allocation",
                format!("must have at most {} items", limits.max_target_items),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_descriptions_and_target_lists_name_their_field() {
        let limits = LimitsConfig {
            max_description_chars: 5,
            max_target_items: 2,
            ..LimitsConfig::default()
        };
        let mut errors = Vec::new();
        check_portfolio(&limits, Some(" ééééé "), Some(2), &mut errors);
        assert!(
            errors.is_empty(),
            "five characters and two items fit: {errors:?}"
        );
        check_portfolio(&limits, Some("abcdef"), Some(3), &mut errors);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["description", "target_allocation"]);
    }
}
