//! The gap limit and remembered used indices of extended-key Bitcoin wallets.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

use crate::domain::bitcoin_wallet::UsedIndices;
use crate::entities::bitcoin_wallet_scans as scans;

pub async fn get(
    db: &impl ConnectionTrait,
    account_id: Uuid,
) -> Result<Option<scans::Model>, DbErr> {
    scans::Entity::find_by_id(account_id).one(db).await
}

/// The remembered indices of a row.
pub fn used(row: &scans::Model) -> UsedIndices {
    let idx = |v: Option<i32>| v.and_then(|i| u32::try_from(i).ok());
    UsedIndices {
        receive: idx(row.receive_used),
        change: idx(row.change_used),
    }
}

/// Writes the account's gap limit and indices (inserting the row when missing).
pub async fn save(
    db: &impl ConnectionTrait,
    account_id: Uuid,
    gap_limit: u32,
    used: UsedIndices,
) -> Result<(), DbErr> {
    let idx = |v: Option<u32>| v.and_then(|i| i32::try_from(i).ok());
    let row = scans::ActiveModel {
        account_id: Set(account_id),
        gap_limit: Set(i32::try_from(gap_limit).unwrap_or(i32::MAX)),
        receive_used: Set(idx(used.receive)),
        change_used: Set(idx(used.change)),
        updated_at: Set(Utc::now()),
    };
    scans::Entity::insert(row)
        .on_conflict(
            OnConflict::column(scans::Column::AccountId)
                .update_columns([
                    scans::Column::GapLimit,
                    scans::Column::ReceiveUsed,
                    scans::Column::ChangeUsed,
                    scans::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await
        .map(|_| ())
}
