//! One account per wallet address per user: a unique index on `accounts (user_id,
//! wallet_address)`, so two concurrent creates cannot both succeed.
//!
//! Older data may already hold duplicates (two creates that raced past the application's
//! check). The migration does not guess which copy the user meant to keep: it stops with an
//! error that lists every duplicate account and the statement that removes the newer copies,
//! and it succeeds once they are gone. Nothing is changed before it stops.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::m20261122_000007_create_accounts::Accounts;
use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Name of the index; the API maps a violation of it to `409 duplicate_account`.
pub const UNIQUE_WALLET_INDEX: &str = "uq_accounts_user_id_wallet_address";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let id_text = match backend {
            DbBackend::Sqlite => "lower(hex(\"id\"))",
            _ => "CAST(\"id\" AS TEXT)",
        };
        let rows = db
            .query_all(Statement::from_string(
                backend,
                format!(
                    "SELECT {id_text} AS id, \"wallet_address\" AS wallet, \"created_at\" AS created \
                     FROM \"accounts\" a WHERE \"wallet_address\" IS NOT NULL AND EXISTS ( \
                       SELECT 1 FROM \"accounts\" b WHERE b.\"user_id\" = a.\"user_id\" \
                       AND b.\"wallet_address\" = a.\"wallet_address\" AND b.\"id\" <> a.\"id\") \
                     ORDER BY \"user_id\", \"wallet_address\", \"created_at\", \"id\""
                ),
            ))
            .await?;
        if !rows.is_empty() {
            let mut lines = Vec::new();
            let mut newer = Vec::new();
            let mut last_wallet: Option<String> = None;
            for row in &rows {
                let raw: String = row.try_get("", "id")?;
                let id = uuid::Uuid::try_parse(&raw)
                    .map(|u| u.to_string())
                    .unwrap_or(raw);
                let wallet: String = row.try_get("", "wallet")?;
                let keep = last_wallet.as_deref() != Some(wallet.as_str());
                if keep {
                    lines.push(format!("{wallet}: keep {id} (oldest)"));
                } else {
                    lines.push(format!("{wallet}: duplicate {id}"));
                    newer.push(id);
                }
                last_wallet = Some(wallet);
            }
            let list = newer
                .iter()
                .map(|id| match backend {
                    DbBackend::Sqlite => format!("x'{}'", id.replace('-', "")),
                    _ => format!("'{id}'"),
                })
                .collect::<Vec<_>>()
                .join(", ");
            return Err(DbErr::Migration(format!(
                "cannot make wallet addresses unique per user: {} account(s) repeat a wallet the \
                 same user already has ({}). Delete the newer copies (in the app, or with \
                 DELETE FROM accounts WHERE id IN ({list})) and start again; nothing was changed",
                newer.len(),
                lines.join("; ")
            )));
        }
        manager
            .create_index(
                index(
                    Accounts::Table,
                    [Accounts::UserId, Accounts::WalletAddress],
                    true,
                )
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(UNIQUE_WALLET_INDEX)
                    .table(Accounts::Table)
                    .to_owned(),
            )
            .await
    }
}
