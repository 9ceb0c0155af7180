//! Runs the migrations on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.

use migration::sea_orm::{
    ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr, ExecResult, Statement,
};
use migration::{Alias, Expr, Migrator, MigratorTrait, Query, SchemaManager, SimpleExpr};
use uuid::Uuid;

const TABLES: [&str; 19] = [
    "users",
    "assets",
    "asset_contracts",
    "asset_prices",
    "evm_chains",
    "evm_tokens",
    "accounts",
    "portfolios",
    "portfolio_accounts",
    "snapshots",
    "recommendations",
    "job_runs",
    "audit_events",
    "holdings",
    "daily_balances",
    "manual_entries",
    "custom_assets",
    "bitcoin_esplora",
    "bitcoin_wallet_scans",
];

async fn insert(
    db: &DatabaseConnection,
    table: &str,
    cols: &[(&str, SimpleExpr)],
) -> Result<ExecResult, DbErr> {
    let stmt = Query::insert()
        .into_table(Alias::new(table))
        .columns(cols.iter().map(|(c, _)| Alias::new(*c)))
        .values_panic(cols.iter().map(|(_, v)| v.clone()))
        .to_owned();
    db.execute(db.get_database_backend().build(&stmt)).await
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

fn now() -> SimpleExpr {
    chrono::Utc::now().into()
}

async fn new_user(db: &DatabaseConnection, sub: &str) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    insert(
        db,
        "users",
        &[
            ("id", id.into()),
            ("keycloak_user_id", sub.into()),
            ("created_at", now()),
            ("updated_at", now()),
        ],
    )
    .await?;
    Ok(id)
}

async fn new_portfolio(db: &DatabaseConnection, user: Uuid, default: bool) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    insert(
        db,
        "portfolios",
        &[
            ("id", id.into()),
            ("user_id", user.into()),
            ("name", "p".into()),
            ("target_allocation", serde_json_array()),
            ("guardrails", serde_json_object()),
            ("is_default", default.into()),
            ("created_at", now()),
            ("updated_at", now()),
        ],
    )
    .await?;
    Ok(id)
}

fn serde_json_array() -> SimpleExpr {
    migration::sea_orm::JsonValue::Array(vec![]).into()
}

fn serde_json_object() -> SimpleExpr {
    migration::sea_orm::JsonValue::Object(Default::default()).into()
}

async fn new_asset(db: &DatabaseConnection, symbol: &str) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    insert(
        db,
        "assets",
        &[
            ("id", id.into()),
            ("symbol", symbol.into()),
            ("name", symbol.into()),
            ("asset_type", "cryptocurrency".into()),
            ("created_at", now()),
            ("updated_at", now()),
        ],
    )
    .await?;
    Ok(id)
}

async fn new_contract(
    db: &DatabaseConnection,
    asset: Uuid,
    chain: &str,
    address: &str,
) -> Result<ExecResult, DbErr> {
    insert(
        db,
        "asset_contracts",
        &[
            ("id", Uuid::new_v4().into()),
            ("asset_id", asset.into()),
            ("chain", chain.into()),
            ("contract_address", address.into()),
            ("created_at", now()),
            ("updated_at", now()),
        ],
    )
    .await
}

async fn new_price(db: &DatabaseConnection, asset: Uuid, price: &str) -> Result<ExecResult, DbErr> {
    insert(
        db,
        "asset_prices",
        &[
            ("id", Uuid::new_v4().into()),
            ("asset_id", asset.into()),
            ("timestamp", now()),
            ("price_usd", price.into()),
            ("source", "coingecko".into()),
            ("created_at", now()),
        ],
    )
    .await
}

/// The core assets are there once each, and every seeded chain's native coin points at its
/// CoinGecko id.
async fn assert_core_assets(db: &DatabaseConnection) {
    assert_eq!(count(db, "SELECT COUNT(*) FROM assets").await, 7);
    for id in [
        "bitcoin",
        "ethereum",
        "binancecoin",
        "solana",
        "tether",
        "usd-coin",
        "dai",
    ] {
        let sql = format!("SELECT COUNT(*) FROM assets WHERE coingecko_id = '{id}'");
        assert_eq!(count(db, &sql).await, 1, "{id}");
    }
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM assets WHERE is_stablecoin AND symbol IN ('USDT', 'USDC', 'DAI')"
        )
        .await,
        3
    );
    for (chain, native) in [
        ("ethereum", "ethereum"),
        ("arbitrum", "ethereum"),
        ("optimism", "ethereum"),
        ("base", "ethereum"),
        ("bsc", "binancecoin"),
    ] {
        let sql = format!(
            "SELECT COUNT(*) FROM evm_chains c JOIN assets a ON a.id = c.native_asset_id \
             WHERE c.chain_name = '{chain}' AND a.coingecko_id = '{native}'"
        );
        assert_eq!(count(db, &sql).await, 1, "{chain}");
    }
    assert_eq!(
        count(
            db,
            "SELECT COUNT(*) FROM solana_rpc s JOIN assets a ON a.id = s.native_asset_id \
             WHERE s.network = 'solana' AND a.coingecko_id = 'solana'"
        )
        .await,
        1
    );
}

async fn assert_tables(db: &DatabaseConnection, present: bool) {
    let manager = SchemaManager::new(db);
    for t in TABLES {
        assert_eq!(manager.has_table(t).await.unwrap(), present, "table {t}");
    }
}

async fn exercise(db: DatabaseConnection) {
    let total = Migrator::migrations().len();
    assert_eq!(
        Migrator::get_pending_migrations(&db).await.unwrap().len(),
        total
    );

    Migrator::up(&db, None).await.unwrap();
    assert!(Migrator::get_pending_migrations(&db)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        Migrator::get_applied_migrations(&db).await.unwrap().len(),
        total
    );
    assert_tables(&db, true).await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM evm_chains").await, 5);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM evm_chains WHERE multicall3_address = \
             '0xca11bde05977b3631167028862be2a173976ca11' AND native_decimals = 18 AND is_active"
        )
        .await,
        5
    );
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM evm_chains WHERE chain_name = 'bsc' AND chain_id = 56 AND native_symbol = 'BNB'").await,
        1
    );

    assert_core_assets(&db).await;

    // A second `up` changes nothing.
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM evm_chains").await, 5);
    assert_core_assets(&db).await;

    // The seed skips a chain whose name is already present (down to just before the seed,
    // whatever later migrations were added).
    let seed = Migrator::migrations()
        .iter()
        .position(|m| m.name().contains("seed_evm_chains"))
        .expect("the seed migration");
    Migrator::down(&db, Some((total - seed) as u32))
        .await
        .unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM evm_chains").await, 0);
    insert(
        &db,
        "evm_chains",
        &[
            ("id", Uuid::new_v4().into()),
            ("chain_name", "ethereum".into()),
            ("chain_id", 1i64.into()),
            ("display_name", "Mine".into()),
            ("rpc_url", "http://localhost:8545".into()),
            ("native_symbol", "ETH".into()),
            ("native_decimals", 18i32.into()),
            ("created_at", now()),
            ("updated_at", now()),
        ],
    )
    .await
    .unwrap();
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM evm_chains").await, 5);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM evm_chains WHERE rpc_url = 'http://localhost:8545'"
        )
        .await,
        1
    );

    // Down to zero, then up again.
    Migrator::down(&db, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(&db).await.unwrap().len(),
        0
    );
    assert_tables(&db, false).await;
    Migrator::up(&db, None).await.unwrap();
    assert_tables(&db, true).await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM evm_chains").await, 5);

    // users.keycloak_user_id is unique.
    let alice = new_user(&db, "sub-alice").await.unwrap();
    assert!(new_user(&db, "sub-alice").await.is_err());
    let bob = new_user(&db, "sub-bob").await.unwrap();

    // One default portfolio per user.
    let alice_default = new_portfolio(&db, alice, true).await.unwrap();
    new_portfolio(&db, alice, false).await.unwrap();
    new_portfolio(&db, alice, false).await.unwrap();
    assert!(new_portfolio(&db, alice, true).await.is_err());
    new_portfolio(&db, bob, true).await.unwrap();

    // (chain, contract_address) is unique.
    let usdc = new_asset(&db, "USDC").await.unwrap();
    new_contract(&db, usdc, "ethereum", "0xa0b8").await.unwrap();
    assert!(new_contract(&db, usdc, "ethereum", "0xa0b8").await.is_err());
    new_contract(&db, usdc, "base", "0xa0b8").await.unwrap();

    // Foreign keys are enforced.
    assert!(new_portfolio(&db, Uuid::new_v4(), false).await.is_err());

    // Decimal text is stored exactly.
    new_price(&db, usdc, "123.450000000000000001")
        .await
        .unwrap();
    let row = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT price_usd FROM asset_prices",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get_by_index::<String>(0).unwrap(),
        "123.450000000000000001"
    );

    if db.get_database_backend() == DatabaseBackend::Postgres {
        for bad in ["abc", "1e5", "1.", ".5", "", "+1", "1,5", " 1"] {
            assert!(new_price(&db, usdc, bad).await.is_err(), "accepted {bad:?}");
        }
        new_price(&db, usdc, "-0.5").await.unwrap();
    }

    // Deleting a user cascades to portfolios and their accounts.
    insert(
        &db,
        "snapshots",
        &[
            ("id", Uuid::new_v4().into()),
            ("portfolio_id", alice_default.into()),
            (
                "snapshot_date",
                chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap().into(),
            ),
            ("snapshot_type", "eod".into()),
            ("total_value_usd", "10.00".into()),
            ("holdings", serde_json_array()),
            ("created_at", now()),
        ],
    )
    .await
    .unwrap();
    let delete = Query::delete()
        .from_table(Alias::new("users"))
        .and_where(Expr::col(Alias::new("id")).eq(alice))
        .to_owned();
    db.execute(db.get_database_backend().build(&delete))
        .await
        .unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM portfolios").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM snapshots").await, 0);

    db.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_schema() {
    let path = std::env::temp_dir().join(format!("migration-test-{}.db", Uuid::new_v4()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = Database::connect(&url).await.unwrap();
    let outcome = tokio::spawn(exercise(db)).await;
    let _ = std::fs::remove_file(&path);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// `admin_url` with its database name replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[tokio::test]
async fn postgres_schema() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL unset: skipping the PostgreSQL schema test");
        return;
    };
    let name = format!("migration_test_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = with_database(&admin_url, &name);
    let outcome = tokio::spawn(async move {
        let db = Database::connect(&url).await.unwrap();
        exercise(db).await;
    })
    .await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[test]
fn database_url_rewrite() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
}

/// The holdings document as the API wrote it before `holdings` rows (`accounts.holdings`).
fn old_shape_doc() -> migration::sea_orm::JsonValue {
    serde_json::json!([
        {"asset_id": null, "symbol": "ETH", "quantity": "1.5", "raw_amount": "1500000000000000000",
         "decimals": 18, "location": "ethereum", "chain": "ethereum", "contract_address": null,
         "price_usd": "2000.12", "value_usd": "3000.18000000", "price_source": "coingecko",
         "price_at": "2026-12-01T10:00:00Z", "is_dust": false, "identified_by": "registry"},
        {"asset_id": "8e4f5a3c-3b7a-4d7e-9a55-2f3f8c3c1d11", "symbol": "USDC",
         "quantity": "123.450000000000000001", "location": "trading", "chain": null,
         "contract_address": null, "price_usd": null, "value_usd": null, "price_source": null,
         "price_at": null, "is_dust": false, "identified_by": "symbol", "kind": "spot",
         "flags": ["not_refreshed", "stale"], "synced_at": "2026-12-01T09:00:00.123456Z"},
        {"asset_id": null, "symbol": "BTC", "quantity": "-0.25", "location": "trading",
         "is_dust": false, "identified_by": "symbol", "kind": "borrowed", "flags": []},
        {"asset_id": null, "symbol": "HUGE", "quantity": "0",
         "raw_amount": "115792089237316195423570985008687907853269984665640564039457584007913129639935",
         "decimals": 18, "location": "base", "chain": "base",
         "contract_address": "0x00000000000000000000000000000000000000aa", "is_dust": false,
         "identified_by": "unknown", "flags": ["out_of_range"],
         "quantity_text": "115792089237316195423570985008687907853269984665640564039457.584007913129639935"}
    ])
}

async fn new_account(
    db: &DatabaseConnection,
    user: Uuid,
    holdings: Option<SimpleExpr>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    let mut cols = vec![
        ("id", id.into()),
        ("user_id", user.into()),
        ("name", format!("a-{id}").into()),
        ("account_type", "wallet".into()),
        ("wallet_address", format!("0x{}", id.simple()).into()),
        ("is_active", true.into()),
        ("created_at", now()),
        ("updated_at", now()),
    ];
    if let Some(h) = holdings {
        cols.push(("holdings", h));
    }
    insert(db, "accounts", &cols).await?;
    Ok(id)
}

async fn texts(db: &DatabaseConnection, sql: &str) -> Vec<Vec<Option<String>>> {
    db.query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (0..6)
                .map(|i| r.try_get_by_index::<Option<String>>(i).unwrap())
                .collect()
        })
        .collect()
}

/// Old-shape holdings become rows, every one, exactly; an unreadable document stays in place;
/// `down` puts the documents back.
async fn old_holdings_migrate(db: DatabaseConnection) {
    let all = Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name().contains("create_holdings"))
        .expect("the holdings migration");
    Migrator::up(&db, Some(at as u32)).await.unwrap();
    let user = new_user(&db, "sub-old").await.unwrap();
    new_account(&db, user, Some(old_shape_doc().into()))
        .await
        .unwrap();
    new_account(&db, user, Some(serde_json::json!({"not": "a list"}).into()))
        .await
        .unwrap();
    new_account(&db, user, None).await.unwrap();

    Migrator::up(&db, None).await.unwrap();
    // Only `full` had holdings, so its rows are all the rows.
    let rows = texts(
        &db,
        "SELECT symbol, quantity, raw_amount, kind, quantity_text, price_usd FROM holdings \
         ORDER BY position",
    )
    .await;
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        rows,
        vec![
            vec![s("ETH"), s("1.5"), s("1500000000000000000"), s("spot"), None, s("2000.12")],
            vec![s("USDC"), s("123.450000000000000001"), None, s("spot"), None, None],
            vec![s("BTC"), s("-0.25"), None, s("borrowed"), None, None],
            vec![
                s("HUGE"),
                s("0"),
                s("115792089237316195423570985008687907853269984665640564039457584007913129639935"),
                s("spot"),
                s("115792089237316195423570985008687907853269984665640564039457.584007913129639935"),
                None
            ],
        ]
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM holdings").await, 4);
    // Migrated documents are cleared; the unreadable one and the never-synced one are as before.
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM accounts WHERE holdings IS NULL").await,
        2
    );
    let kept = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT holdings FROM accounts WHERE holdings IS NOT NULL",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<migration::sea_orm::JsonValue>(0)
        .unwrap();
    assert_eq!(kept, serde_json::json!({"not": "a list"}));

    // Down: the rows go back into the documents, in order, with their fields.
    Migrator::down(&db, Some((all.len() - at) as u32))
        .await
        .unwrap();
    let back = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT holdings FROM accounts WHERE holdings IS NOT NULL",
        ))
        .await
        .unwrap();
    let mut docs: Vec<migration::sea_orm::JsonValue> = back
        .into_iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    docs.retain(|d| d.is_array());
    assert_eq!(docs.len(), 1);
    let list = docs[0].as_array().unwrap();
    let old = old_shape_doc();
    for (was, now) in old.as_array().unwrap().iter().zip(list) {
        for k in [
            "symbol",
            "quantity",
            "raw_amount",
            "quantity_text",
            "asset_id",
        ] {
            assert_eq!(
                was.get(k).cloned().unwrap_or_default(),
                now[k],
                "field {k} of {}",
                was["symbol"]
            );
        }
        assert_eq!(
            was.get("kind")
                .cloned()
                .unwrap_or(serde_json::json!("spot")),
            now["kind"]
        );
    }
    assert_eq!(list.len(), 4);
    // And up again keeps every holding.
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM holdings").await, 4);
    db.close().await.unwrap();
}

#[tokio::test]
async fn sqlite_old_holdings_migrate() {
    let path = std::env::temp_dir().join(format!("migration-old-{}.db", Uuid::new_v4()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = Database::connect(&url).await.unwrap();
    let outcome = tokio::spawn(old_holdings_migrate(db)).await;
    let _ = std::fs::remove_file(&path);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test]
async fn postgres_old_holdings_migrate() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL unset: skipping the PostgreSQL old-holdings test");
        return;
    };
    let name = format!("migration_old_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = with_database(&admin_url, &name);
    let outcome = tokio::spawn(async move {
        let db = Database::connect(&url).await.unwrap();
        old_holdings_migrate(db).await;
    })
    .await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
