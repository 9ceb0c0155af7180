//! Column, index and foreign-key helpers shared by the migrations.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Pattern a decimal-text column must match on PostgreSQL.
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";
/// Pattern a raw on-chain integer column must match on PostgreSQL.
pub const RAW_INTEGER_PATTERN: &str = "^[0-9]+$";

/// Named primary key `pk_<table>` over `col` (pair it with [`uuid_col`]).
pub fn pk<T: IntoIden, C: IntoIden>(table: T, col: C) -> IndexCreateStatement {
    Index::create()
        .name(format!("pk_{}", table.into_iden().to_string()))
        .col(col)
        .to_owned()
}

/// Not-null `uuid` column.
pub fn uuid_col<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}

/// Nullable `uuid` column.
pub fn uuid_null<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).uuid().null().to_owned()
}

/// Not-null `text` column.
pub fn text<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

/// Nullable `text` column.
pub fn text_null<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

/// Not-null `timestamptz` column.
pub fn timestamptz<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

/// Nullable `timestamptz` column.
pub fn timestamptz_null<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

/// Not-null boolean column with a default.
pub fn boolean<C: IntoIden>(col: C, default: bool) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(default)
        .to_owned()
}

/// Not-null `integer` column.
pub fn integer<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

/// Nullable `integer` column.
pub fn integer_null<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).integer().null().to_owned()
}

/// Not-null JSON column (`jsonb` on PostgreSQL, text on SQLite).
pub fn json<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).json_binary().not_null().to_owned()
}

/// Nullable JSON column.
pub fn json_null<C: IntoIden>(col: C) -> ColumnDef {
    ColumnDef::new(col).json_binary().null().to_owned()
}

/// Decimal stored as lossless text; on PostgreSQL a named CHECK
/// `ck_<table>_<col>` requires a plain decimal number.
pub fn decimal_text<T: IntoIden, C: IntoIden>(
    backend: DbBackend,
    table: T,
    col: C,
    nullable: bool,
) -> ColumnDef {
    checked_text(backend, table, col, nullable, DECIMAL_PATTERN)
}

/// Raw on-chain integer stored as text; on PostgreSQL a named CHECK
/// `ck_<table>_<col>` requires digits only.
pub fn raw_integer_text<T: IntoIden, C: IntoIden>(
    backend: DbBackend,
    table: T,
    col: C,
    nullable: bool,
) -> ColumnDef {
    checked_text(backend, table, col, nullable, RAW_INTEGER_PATTERN)
}

fn checked_text<T: IntoIden, C: IntoIden>(
    backend: DbBackend,
    table: T,
    col: C,
    nullable: bool,
    pattern: &str,
) -> ColumnDef {
    let table = table.into_iden().to_string();
    let col = col.into_iden();
    let name = col.to_string();
    let mut def = ColumnDef::new(col);
    def.text();
    if nullable {
        def.null();
    } else {
        def.not_null();
    }
    if backend == DbBackend::Postgres {
        def.extra(format!(
            "CONSTRAINT \"ck_{table}_{name}\" CHECK (\"{name}\" ~ '{pattern}')"
        ));
    }
    def
}

/// Named foreign key `fk_<from_table>_<from_col>` to `to_table(id)`.
pub fn fk<F, C, T>(
    from_table: F,
    from_col: C,
    to_table: T,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement
where
    F: IntoIden,
    C: IntoIden,
    T: IntoIden + 'static,
{
    let from_table = from_table.into_iden();
    let from_col = from_col.into_iden();
    ForeignKey::create()
        .name(format!(
            "fk_{}_{}",
            from_table.to_string(),
            from_col.to_string()
        ))
        .from(from_table, from_col)
        .to(to_table, Alias::new("id"))
        .on_delete(on_delete)
        .to_owned()
}

/// Named index `<prefix>_<table>_<col1>_<col2>...` over `cols`.
pub fn index<T, C>(
    table: T,
    cols: impl IntoIterator<Item = C>,
    unique: bool,
) -> IndexCreateStatement
where
    T: IntoIden + 'static,
    C: IntoIden,
{
    let table = table.into_iden();
    let cols: Vec<DynIden> = cols.into_iter().map(IntoIden::into_iden).collect();
    let suffix = cols
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("_");
    let prefix = if unique { "uq" } else { "idx" };
    let mut stmt = Index::create();
    stmt.name(format!("{prefix}_{}_{suffix}", table.to_string()))
        .table(table);
    for col in cols {
        stmt.col(col);
    }
    if unique {
        stmt.unique();
    }
    stmt
}

/// Creates every index in `indexes`.
pub async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for stmt in indexes {
        manager.create_index(stmt).await?;
    }
    Ok(())
}

/// Drops a table (its indexes go with it).
pub async fn drop_table<T: IntoIden + 'static>(
    manager: &SchemaManager<'_>,
    table: T,
) -> Result<(), DbErr> {
    manager
        .drop_table(Table::drop().table(table).to_owned())
        .await
}
