//! `job_runs`: one row per background job run.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A job run; `trigger` is `manual` or `scheduled`, `status` is `running`, `succeeded`,
/// `failed` or `abandoned`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub job_name: String,
    #[sea_orm(column_type = "Text")]
    pub trigger: String,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub status: String,
    pub items_processed: i64,
    #[sea_orm(column_type = "Text")]
    pub error: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
