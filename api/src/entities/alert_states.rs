//! `alert_states`: whether a rule's condition holds for one subject (an account, an asset, a
//! portfolio), so a condition that stays true alerts once.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rule_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    pub firing: bool,
    pub changed_at: DateTimeUtc,
    pub last_triggered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
