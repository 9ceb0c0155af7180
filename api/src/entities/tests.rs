//! Round-trips every entity through the migrated schema (SQLite; PostgreSQL with `TEST_DATABASE_URL`).

use chrono::{DateTime, NaiveDate, Utc};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    IntoActiveModel, ModelTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::*;

fn at(secs: i64) -> DateTime<Utc> {
    // Microsecond precision: PostgreSQL keeps no more.
    DateTime::from_timestamp(secs, 123_456_000).unwrap()
}

fn dec(s: &str) -> DbDecimal {
    s.parse().unwrap()
}

async fn round_trip<A>(db: &DatabaseConnection, model: <A::Entity as EntityTrait>::Model)
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + PartialEq + std::fmt::Debug + Clone,
{
    let inserted = model.clone().into_active_model().insert(db).await.unwrap();
    assert_eq!(inserted, model);
}

async fn exercise(db: DatabaseConnection) {
    Migrator::up(&db, None).await.unwrap();

    let user = users::Model {
        id: Uuid::new_v4(),
        keycloak_user_id: "sub-1".into(),
        email: Some("a@example.com".into()),
        preferred_username: None,
        created_at: at(1),
        updated_at: at(2),
    };
    round_trip::<users::ActiveModel>(&db, user.clone()).await;

    let asset = assets::Model {
        id: Uuid::new_v4(),
        // Not a seeded core coin (those ids are taken by the migration).
        symbol: "POL".into(),
        name: "POL (ex-MATIC)".into(),
        asset_type: "cryptocurrency".into(),
        coingecko_id: Some("polygon-ecosystem-token".into()),
        coinpaprika_id: Some("pol-polygon-ecosystem-token".into()),
        coinmarketcap_id: None,
        is_stablecoin: false,
        logo_url: None,
        market_cap_rank: Some(2),
        is_active: true,
        created_at: at(3),
        updated_at: at(3),
    };
    round_trip::<assets::ActiveModel>(&db, asset.clone()).await;

    round_trip::<asset_contracts::ActiveModel>(
        &db,
        asset_contracts::Model {
            id: Uuid::new_v4(),
            asset_id: asset.id,
            chain: "ethereum".into(),
            contract_address: "0xabc".into(),
            token_standard: Some("ERC20".into()),
            decimals: Some(18),
            is_verified: true,
            source: None,
            created_at: at(4),
            updated_at: at(4),
        },
    )
    .await;

    let price = asset_prices::Model {
        id: Uuid::new_v4(),
        asset_id: asset.id,
        timestamp: at(5),
        price_usd: dec("123.450000000000000001"),
        volume_24h_usd: Some(dec("79228162514264337593543950335")),
        market_cap_usd: None,
        rank: Some(2),
        source: "coingecko".into(),
        created_at: at(5),
    };
    round_trip::<asset_prices::ActiveModel>(&db, price.clone()).await;
    let read = asset_prices::Entity::find_by_id(price.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.price_usd.to_string(), "123.450000000000000001");
    assert_eq!(
        read.volume_24h_usd.unwrap().to_string(),
        "79228162514264337593543950335"
    );
    assert_eq!(read.market_cap_usd, None);

    let eth = evm_chains::Entity::find()
        .filter(evm_chains::Column::ChainName.eq("ethereum"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(eth.chain_id, 1);
    assert_eq!(eth.native_decimals, 18);
    let mut am = eth.clone().into_active_model();
    am.native_asset_id = sea_orm::Set(Some(asset.id));
    am.update(&db).await.unwrap();
    let native = eth.find_related(assets::Entity).one(&db).await.unwrap();
    assert_eq!(native.map(|a| a.id), Some(asset.id));

    round_trip::<evm_tokens::ActiveModel>(
        &db,
        evm_tokens::Model {
            id: Uuid::new_v4(),
            chain_id: eth.id,
            symbol: "USDC".into(),
            name: Some("USD Coin".into()),
            contract_address: "0xa0b8".into(),
            decimals: 6,
            logo_url: None,
            asset_id: None,
            is_active: true,
            created_at: at(6),
            updated_at: at(6),
        },
    )
    .await;
    assert_eq!(
        eth.find_related(evm_tokens::Entity)
            .all(&db)
            .await
            .unwrap()
            .len(),
        1
    );

    let account = accounts::Model {
        id: Uuid::new_v4(),
        user_id: user.id,
        name: "Wallet".into(),
        account_type: "wallet".into(),
        exchange_name: None,
        api_key_encrypted: None,
        api_secret_encrypted: None,
        passphrase_encrypted: None,
        encryption_key_version: None,
        api_key_hint: None,
        wallet_address: Some("0x1234".into()),
        enabled_chains: Some(json!(["ethereum", "base"])),
        holdings: Some(json!([{"asset": "ETH", "quantity": "1.5"}])),
        last_synced_at: Some(at(7)),
        last_sync_started_at: None,
        last_sync_status: Some("succeeded".into()),
        last_sync_error: None,
        permission_warning: None,
        location_syncs: None,
        exchange_uid: None,
        chain_family: Some("evm".into()),
        is_active: true,
        created_at: at(7),
        updated_at: at(7),
    };
    round_trip::<accounts::ActiveModel>(&db, account.clone()).await;

    let portfolio = portfolios::Model {
        id: Uuid::new_v4(),
        user_id: user.id,
        name: "Main".into(),
        description: None,
        target_allocation: json!([{"symbol": "ETH", "target_pct": "100"}]),
        guardrails: json!({}),
        stablecoins_as_cash: true,
        is_default: true,
        last_constructed_at: None,
        created_at: at(8),
        updated_at: at(8),
    };
    round_trip::<portfolios::ActiveModel>(&db, portfolio.clone()).await;
    round_trip::<portfolio_accounts::ActiveModel>(
        &db,
        portfolio_accounts::Model {
            id: Uuid::new_v4(),
            portfolio_id: portfolio.id,
            account_id: account.id,
            added_at: at(9),
        },
    )
    .await;
    let in_portfolio = portfolio
        .find_related(accounts::Entity)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(in_portfolio, vec![account.clone()]);
    let of_account = account
        .find_related(portfolios::Entity)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(of_account, vec![portfolio.clone()]);
    assert_eq!(
        user.find_related(accounts::Entity)
            .all(&db)
            .await
            .unwrap()
            .len(),
        1
    );

    round_trip::<snapshots::ActiveModel>(
        &db,
        snapshots::Model {
            id: Uuid::new_v4(),
            portfolio_id: portfolio.id,
            snapshot_date: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            snapshot_type: "eod".into(),
            total_value_usd: dec("1.50"),
            holdings: json!([]),
            metadata: None,
            created_at: at(10),
        },
    )
    .await;
    round_trip::<recommendations::ActiveModel>(
        &db,
        recommendations::Model {
            id: Uuid::new_v4(),
            portfolio_id: portfolio.id,
            status: "pending".into(),
            trades: json!([]),
            summary: Some(json!({"note": "x"})),
            total_buy_usd: dec("0.000000000000000001"),
            total_sell_usd: dec("-0.5"),
            created_at: at(11),
        },
    )
    .await;
    let snaps = portfolio
        .find_related(snapshots::Entity)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(snaps[0].total_value_usd.to_string(), "1.50");
    let recs = portfolio
        .find_related(recommendations::Entity)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(recs[0].total_buy_usd.to_string(), "0.000000000000000001");

    round_trip::<job_runs::ActiveModel>(
        &db,
        job_runs::Model {
            id: Uuid::new_v4(),
            job_name: "price_collection".into(),
            trigger: "scheduled".into(),
            started_at: at(12),
            finished_at: None,
            status: "running".into(),
            items_processed: 0,
            error: None,
            details: None,
        },
    )
    .await;

    // Bad decimal text is an error on read, not a panic.
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("UPDATE snapshots SET total_value_usd = 'oops'")
            .await
            .unwrap();
        assert!(snapshots::Entity::find().all(&db).await.is_err());
    }

    db.close().await.unwrap();
}

#[tokio::test]
async fn entities_match_the_sqlite_schema() {
    let path = std::env::temp_dir().join(format!("entities-test-{}.db", Uuid::new_v4()));
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    let outcome = tokio::spawn(exercise(db)).await;
    let _ = std::fs::remove_file(&path);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[tokio::test]
async fn entities_match_the_postgres_schema() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL unset: skipping");
        return;
    };
    let name = format!("entities_test_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let base = admin_url.split('?').next().unwrap_or_default();
    let base = &base[..base.rfind('/').unwrap_or(base.len())];
    let url = format!("{base}/{name}");
    let outcome = tokio::spawn(async move {
        exercise(Database::connect(&url).await.unwrap()).await;
    })
    .await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
