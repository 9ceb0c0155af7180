//! Users' marks on tokens (`spam` or `trusted`), keyed by chain and lowercase contract.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::domain::spam::Mark;
use crate::entities::token_marks;

fn mark_text(mark: Mark) -> &'static str {
    match mark {
        Mark::Spam => "spam",
        Mark::Trusted => "trusted",
    }
}

/// The stored text of a mark as a [`Mark`] (`None` for a value this version does not know).
pub fn parse_mark(text: &str) -> Option<Mark> {
    match text {
        "spam" => Some(Mark::Spam),
        "trusted" => Some(Mark::Trusted),
        _ => None,
    }
}

/// The user's marks, by chain then address.
pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<token_marks::Model>, DbErr> {
    token_marks::Entity::find()
        .filter(token_marks::Column::UserId.eq(user_id))
        .order_by_asc(token_marks::Column::Chain)
        .order_by_asc(token_marks::Column::ContractAddress)
        .all(db)
        .await
}

/// The user's marks on one chain, by lowercase contract address.
pub async fn on_chain(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    chain: &str,
) -> Result<HashMap<String, Mark>, DbErr> {
    Ok(token_marks::Entity::find()
        .filter(token_marks::Column::UserId.eq(user_id))
        .filter(token_marks::Column::Chain.eq(chain))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| parse_mark(&m.mark).map(|k| (m.contract_address, k)))
        .collect())
}

/// Sets (or with `None` clears) the user's mark on a token.
pub async fn set(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    chain: &str,
    address: &str,
    mark: Option<Mark>,
) -> Result<(), DbErr> {
    let Some(mark) = mark else {
        token_marks::Entity::delete_many()
            .filter(token_marks::Column::UserId.eq(user_id))
            .filter(token_marks::Column::Chain.eq(chain))
            .filter(token_marks::Column::ContractAddress.eq(address))
            .exec(db)
            .await?;
        return Ok(());
    };
    let now = Utc::now();
    let row = token_marks::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        chain: Set(chain.to_string()),
        contract_address: Set(address.to_string()),
        mark: Set(mark_text(mark).to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    token_marks::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                token_marks::Column::UserId,
                token_marks::Column::Chain,
                token_marks::Column::ContractAddress,
            ])
            .update_columns([token_marks::Column::Mark, token_marks::Column::UpdatedAt])
            .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}
