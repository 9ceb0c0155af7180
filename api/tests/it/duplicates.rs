//! Nothing counted twice: one account per wallet and per exchange account for each user,
//! enforced by unique indexes (so concurrent creates cannot both win), answered with
//! `409 duplicate_account` naming the account that already exists.

use api::connectors::KeyPermissions;
use api::entities::accounts;
use axum::http::{Method, StatusCode};
use migration::{MigratorTrait, UNIQUE_WALLET_INDEX};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{TestApp, TestResponse};
use crate::issuer::{TestIssuer, AUDIENCE, REALM};

const WALLET: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

fn wallet(name: &str, address: &str) -> Value {
    json!({"name": name, "account_type": "wallet", "wallet_address": address,
           "enabled_chains": ["ethereum"]})
}

fn okx(name: &str, key: &str) -> Value {
    json!({"name": name, "account_type": "exchange", "exchange_name": "okx",
           "api_key": key, "api_secret": "secret-value-1", "passphrase": "Passphrase-1"})
}

async fn post(app: &TestApp, body: Value) -> TestResponse {
    app.send(Method::POST, "/api/accounts", None, Some(body))
        .await
}

fn id(r: &TestResponse) -> String {
    r.json()["id"].as_str().expect("an id").to_string()
}

/// Asserts the answer is `409 duplicate_account` naming `existing`.
fn assert_duplicate_of(r: &TestResponse, existing: &str) {
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.error_code(), "duplicate_account");
    let e = &r.json()["error"];
    assert_eq!(e["existing_account_id"], existing, "{e}");
    assert!(e["message"].as_str().unwrap().contains(existing), "{e}");
}

/// One user's account on this exchange account (`uid`), behind `key`.
fn key_of_account(app: &TestApp, key: &str, uid: &str) {
    app.fakes.exchange.set_account(
        key,
        Vec::new(),
        KeyPermissions {
            read: true,
            trade: false,
            withdraw: false,
            account_uid: Some(uid.into()),
        },
    );
}

#[tokio::test]
async fn the_same_wallet_twice_is_refused_with_409_naming_the_existing_account() {
    let app = TestApp::local().await;
    let first = post(&app, wallet("Cold", WALLET)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    // Checksummed or lowercase, it is the same address.
    let again = post(&app, wallet("Cold again", &WALLET.to_lowercase())).await;
    assert_duplicate_of(&again, &id(&first));
    assert_eq!(app.count("accounts", "1 = 1").await, 1);
    let other = post(
        &app,
        wallet("Hot", "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"),
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_creates_of_one_wallet_give_one_row_and_one_409() {
    let app = TestApp::local().await;
    for i in 0..5u64 {
        let address = format!("0x{:040x}", 0xabc0 + i);
        let (a, b) = tokio::join!(
            post(&app, wallet("A", &address)),
            post(&app, wallet("B", &address))
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{} / {}",
            a.text(),
            b.text()
        );
        let (won, lost) = if a.status == StatusCode::CREATED {
            (a, b)
        } else {
            (b, a)
        };
        assert_duplicate_of(&lost, &id(&won));
        assert_eq!(
            app.count("accounts", &format!("wallet_address = '{address}'"))
                .await,
            1
        );
    }
}

#[tokio::test]
async fn the_same_okx_account_behind_a_second_key_is_refused_with_409_naming_the_existing_account()
{
    let app = TestApp::local().await;
    key_of_account(&app, "key-first-0001", "777");
    key_of_account(&app, "key-second-002", "777");
    let first = post(&app, okx("Main", "key-first-0001")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text());
    let second = post(&app, okx("Main again", "key-second-002")).await;
    assert_duplicate_of(&second, &id(&first));
    assert_eq!(app.count("accounts", "1 = 1").await, 1);

    // Another OKX account (its own uid) is fine, but not when its key is swapped for one of
    // the first account.
    let other = post(&app, okx("Sub-account", "key-other-0003")).await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.text());
    let swap = app
        .send(
            Method::PUT,
            &format!("/api/accounts/{}", id(&other)),
            None,
            Some(
                json!({"api_key": "key-second-002", "api_secret": "secret-value-1",
                        "passphrase": "Passphrase-1"}),
            ),
        )
        .await;
    assert_duplicate_of(&swap, &id(&first));
    let kept = app
        .get(&format!("/api/accounts/{}", id(&other)), None)
        .await
        .json();
    assert_ne!(kept["api_key_hint"], first.json()["api_key_hint"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_creates_of_one_okx_account_give_one_row_and_one_409() {
    let app = TestApp::local().await;
    key_of_account(&app, "key-first-0001", "777");
    key_of_account(&app, "key-second-002", "777");
    let (a, b) = tokio::join!(
        post(&app, okx("A", "key-first-0001")),
        post(&app, okx("B", "key-second-002"))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    assert_eq!(app.count("accounts", "1 = 1").await, 1);
}

#[tokio::test]
async fn an_okx_account_added_before_uids_were_stored_gets_its_uid_at_the_next_sync() {
    let app = TestApp::local().await;
    key_of_account(&app, "key-first-0001", "777");
    key_of_account(&app, "key-second-002", "777");
    let first = id(&post(&app, okx("Main", "key-first-0001")).await);
    app.db
        .execute_unprepared("UPDATE accounts SET exchange_uid = NULL")
        .await
        .unwrap();
    // A copy of the same exchange account, as old data may hold.
    let second = id(&post(&app, okx("Copy", "key-second-002")).await);
    app.db
        .execute_unprepared("UPDATE accounts SET exchange_uid = NULL")
        .await
        .unwrap();
    let sync = |id: String| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &format!("/api/accounts/{id}/sync"),
                None,
                None,
            )
            .await
        }
    };
    assert_eq!(sync(first.clone()).await.status, StatusCode::OK);
    assert_eq!(
        app.count("accounts", "exchange_uid = '777'").await,
        1,
        "the first sync stores the uid"
    );
    let copy = sync(second.clone()).await;
    assert_eq!(copy.status, StatusCode::OK, "the copy still syncs");
    assert_eq!(copy.json()["last_sync_status"], "ok");
    assert_eq!(app.count("accounts", "exchange_uid IS NULL").await, 1);
    let third = post(&app, okx("Third", "key-second-002")).await;
    assert_duplicate_of(&third, &first);
}

#[tokio::test]
async fn the_unique_wallet_migration_stops_on_old_duplicates_listing_them_and_passes_once_they_are_gone(
) {
    let app = TestApp::local().await;
    let first = post(&app, wallet("Cold", WALLET)).await;
    let first_id: Uuid = id(&first).parse().unwrap();
    // Old data from before the index: drop it, add a copy, forget the migration ran.
    app.db
        .execute_unprepared(&format!("DROP INDEX \"{UNIQUE_WALLET_INDEX}\""))
        .await
        .unwrap();
    let original = accounts::Entity::find_by_id(first_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let copy_id = Uuid::new_v4();
    let copy = accounts::Model {
        id: copy_id,
        name: "Cold (copy)".into(),
        created_at: original.created_at + chrono::Duration::seconds(5),
        ..original
    }
    .into_active_model()
    .reset_all();
    copy.insert(&app.db)
        .await
        .expect("the copy goes in without the index");
    let migration_name = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .find(|n| n.contains("unique_wallet_per_user"))
        .unwrap();
    app.db
        .execute_unprepared(&format!(
            "DELETE FROM seaql_migrations WHERE version = '{migration_name}'"
        ))
        .await
        .unwrap();

    let err = api::db::migrate(&app.db)
        .await
        .expect_err("duplicates stop the migration");
    let text = format!("{err:#}");
    assert!(
        text.contains(&format!("keep {first_id} (oldest)")),
        "{text}"
    );
    assert!(text.contains(&format!("duplicate {copy_id}")), "{text}");
    assert_eq!(
        app.count("accounts", "1 = 1").await,
        2,
        "nothing was changed"
    );

    // The statement the message gives removes the newer copy.
    let start = text.find("DELETE FROM accounts").unwrap();
    let end = start + text[start..].find(')').unwrap() + 1;
    app.db.execute_unprepared(&text[start..end]).await.unwrap();
    api::db::migrate(&app.db)
        .await
        .expect("migrates once the copy is gone");
    let left = app.get("/api/accounts", None).await.json();
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["id"], first_id.to_string());
    let again = post(&app, wallet("Cold again", WALLET)).await;
    assert_duplicate_of(&again, &first_id.to_string());
}

#[tokio::test]
async fn two_users_may_each_add_the_same_wallet_and_the_same_okx_account() {
    let issuer = TestIssuer::start().await;
    let app = TestApp::with_vars(&[
        ("KEYCLOAK_SERVER", &issuer.base),
        ("KEYCLOAK_REALM", REALM),
        ("KEYCLOAK_AUDIENCE", AUDIENCE),
    ])
    .await;
    key_of_account(&app, "key-shared-0001", "777");
    for user in ["alice", "bob"] {
        let token = issuer.user_token(user);
        for body in [wallet("Shared", WALLET), okx("Shared", "key-shared-0001")] {
            let r = app
                .send(Method::POST, "/api/accounts", Some(&token), Some(body))
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{user}: {}", r.text());
        }
    }
    assert_eq!(app.count("accounts", "1 = 1").await, 4);
}
