//! Portfolios, their linked accounts, and the one-default-per-user rule.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, SqlErr, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{accounts, portfolio_accounts, portfolios};

/// A stored portfolio.
pub use crate::entities::portfolios::Model as Portfolio;

/// A portfolio to create (id, default flag and times are the store's).
pub struct NewPortfolio {
    pub user_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub target_allocation: serde_json::Value,
    pub guardrails: serde_json::Value,
    pub stablecoins_as_cash: bool,
}

/// What an update changes (`None`: kept).
#[derive(Default)]
pub struct PortfolioChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub target_allocation: Option<serde_json::Value>,
    pub guardrails: Option<serde_json::Value>,
    pub stablecoins_as_cash: Option<bool>,
}

pub async fn list_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<portfolios::Model>, DbErr> {
    portfolios::Entity::find()
        .filter(portfolios::Column::UserId.eq(user_id))
        .order_by_asc(portfolios::Column::CreatedAt)
        .order_by_asc(portfolios::Column::Id)
        .all(db)
        .await
}

/// The portfolio if it belongs to the user; another user's is `None`, as if absent.
pub async fn get_for_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<portfolios::Model>, DbErr> {
    portfolios::Entity::find_by_id(id)
        .filter(portfolios::Column::UserId.eq(user_id))
        .one(db)
        .await
}

/// Inserts a portfolio; the user's first one becomes the default. Two first portfolios created
/// at once: the database's one-default index lets one win, the other is stored as not default.
pub async fn insert<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    new: NewPortfolio,
    make_default: bool,
) -> Result<portfolios::Model, DbErr> {
    let now = Utc::now();
    let user_id = new.user_id;
    let mut row = portfolios::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(new.user_id),
        name: Set(new.name),
        description: Set(new.description),
        target_allocation: Set(new.target_allocation),
        guardrails: Set(new.guardrails),
        stablecoins_as_cash: Set(new.stablecoins_as_cash),
        is_default: Set(false),
        last_constructed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let txn = crate::db::begin_write(db).await?;
    let has_default = portfolios::Entity::find()
        .filter(portfolios::Column::UserId.eq(user_id))
        .filter(portfolios::Column::IsDefault.eq(true))
        .one(&txn)
        .await?
        .is_some();
    if make_default && has_default {
        clear_default(&txn, user_id).await?;
    }
    row.is_default = Set(make_default || !has_default);
    let inserted = row.clone().insert(&txn).await;
    match inserted {
        Ok(m) => {
            txn.commit().await?;
            Ok(m)
        }
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            row.is_default = Set(false);
            row.insert(db).await
        }
        Err(e) => Err(e),
    }
}

async fn clear_default(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbErr> {
    portfolios::Entity::update_many()
        .col_expr(portfolios::Column::IsDefault, Expr::value(false))
        .filter(portfolios::Column::UserId.eq(user_id))
        .filter(portfolios::Column::IsDefault.eq(true))
        .exec(db)
        .await
        .map(|_| ())
}

/// Makes this portfolio the user's default, atomically.
pub async fn make_default(
    db: &(impl TransactionTrait + ConnectionTrait),
    user_id: Uuid,
    id: Uuid,
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    clear_default(&txn, user_id).await?;
    portfolios::Entity::update_many()
        .col_expr(portfolios::Column::IsDefault, Expr::value(true))
        .filter(portfolios::Column::Id.eq(id))
        .filter(portfolios::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    c: PortfolioChanges,
) -> Result<portfolios::Model, DbErr> {
    let mut row = portfolios::ActiveModel {
        id: Set(id),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    if let Some(v) = c.name {
        row.name = Set(v);
    }
    if let Some(v) = c.description {
        row.description = Set(v);
    }
    if let Some(v) = c.target_allocation {
        row.target_allocation = Set(v);
    }
    if let Some(v) = c.guardrails {
        row.guardrails = Set(v);
    }
    if let Some(v) = c.stablecoins_as_cash {
        row.stablecoins_as_cash = Set(v);
    }
    row.update(db).await
}

/// Deletes the user's portfolio; when it was the default, the oldest remaining one becomes
/// the default. False when it is not theirs.
pub async fn delete_for_user(
    db: &(impl TransactionTrait + ConnectionTrait),
    user_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let Some(p) = get_for_user(&txn, user_id, id).await? else {
        return Ok(false);
    };
    portfolios::Entity::delete_by_id(id).exec(&txn).await?;
    if p.is_default {
        if let Some(next) = portfolios::Entity::find()
            .filter(portfolios::Column::UserId.eq(user_id))
            .order_by_asc(portfolios::Column::CreatedAt)
            .order_by_asc(portfolios::Column::Id)
            .one(&txn)
            .await?
        {
            let mut am: portfolios::ActiveModel = next.into();
            am.is_default = Set(true);
            am.update(&txn).await?;
        }
    }
    txn.commit().await?;
    Ok(true)
}

/// Ids of the accounts linked to a portfolio, in link order.
pub async fn account_ids(
    db: &impl ConnectionTrait,
    portfolio_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(portfolio_accounts::Entity::find()
        .filter(portfolio_accounts::Column::PortfolioId.eq(portfolio_id))
        .order_by_asc(portfolio_accounts::Column::AddedAt)
        .order_by_asc(portfolio_accounts::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.account_id)
        .collect())
}

/// Links for many portfolios at once: (portfolio id, account id).
pub async fn links_of(
    db: &impl ConnectionTrait,
    portfolio_ids: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let mut out = Vec::new();
    for chunk in portfolio_ids.chunks(500) {
        out.extend(
            portfolio_accounts::Entity::find()
                .filter(portfolio_accounts::Column::PortfolioId.is_in(chunk.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|l| (l.portfolio_id, l.account_id)),
        );
    }
    Ok(out)
}

/// The linked accounts themselves.
pub async fn linked_accounts(
    db: &impl ConnectionTrait,
    portfolio_id: Uuid,
) -> Result<Vec<accounts::Model>, DbErr> {
    let ids = account_ids(db, portfolio_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    accounts::Entity::find()
        .filter(accounts::Column::Id.is_in(ids))
        .order_by_asc(accounts::Column::CreatedAt)
        .all(db)
        .await
}

/// Links an account; linking it twice is not an error. False when it was already linked.
pub async fn link(
    db: &impl ConnectionTrait,
    portfolio_id: Uuid,
    account_id: Uuid,
) -> Result<bool, DbErr> {
    let exists = portfolio_accounts::Entity::find()
        .filter(portfolio_accounts::Column::PortfolioId.eq(portfolio_id))
        .filter(portfolio_accounts::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Ok(false);
    }
    let r = portfolio_accounts::ActiveModel {
        id: Set(Uuid::new_v4()),
        portfolio_id: Set(portfolio_id),
        account_id: Set(account_id),
        added_at: Set(Utc::now()),
    }
    .insert(db)
    .await;
    match r {
        Ok(_) => Ok(true),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Unlinks an account; false when it was not linked.
pub async fn unlink(
    db: &impl ConnectionTrait,
    portfolio_id: Uuid,
    account_id: Uuid,
) -> Result<bool, DbErr> {
    let r = portfolio_accounts::Entity::delete_many()
        .filter(portfolio_accounts::Column::PortfolioId.eq(portfolio_id))
        .filter(portfolio_accounts::Column::AccountId.eq(account_id))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Every portfolio, a page at a time (for the snapshot job), by id.
pub async fn page(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<portfolios::Model>, DbErr> {
    use sea_orm::QuerySelect;
    let mut q = portfolios::Entity::find().order_by_asc(portfolios::Column::Id);
    if let Some(a) = after {
        q = q.filter(portfolios::Column::Id.gt(a));
    }
    q.limit(limit).all(db).await
}

/// (id, updated_at) of the linked accounts, in one query: enough to tell whether a computed
/// allocation is still current.
pub async fn linked_account_versions(
    db: &impl ConnectionTrait,
    portfolio_id: Uuid,
) -> Result<Vec<(Uuid, chrono::DateTime<Utc>)>, DbErr> {
    use sea_orm::sea_query::Query;
    use sea_orm::QuerySelect;
    let mut rows: Vec<(Uuid, chrono::DateTime<Utc>)> = accounts::Entity::find()
        .select_only()
        .column(accounts::Column::Id)
        .column(accounts::Column::UpdatedAt)
        .filter(
            accounts::Column::Id.in_subquery(
                Query::select()
                    .column(portfolio_accounts::Column::AccountId)
                    .from(portfolio_accounts::Entity)
                    .and_where(portfolio_accounts::Column::PortfolioId.eq(portfolio_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    rows.sort();
    Ok(rows)
}
