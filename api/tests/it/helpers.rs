//! TestApp: the router on a fresh database, and request helpers.

use std::collections::HashMap;

use std::sync::Arc;

use api::config::Config;
use api::connectors::fake::{FakeChains, FakeExchange, FakeMarket};
use api::connectors::ExchangeRegistry;
use api::connectors::Provider;
use api::state::{AppState, Connectors, MarketConnectors};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::Value;
use tower::ServiceExt;

/// This run's databases carry its process id (`butler_test_<pid>_<uuid>`, template
/// `butler_tpl_<pid>`), so two test runs on one server never drop each other's databases.
fn template_db() -> String {
    format!("butler_tpl_{}", std::process::id())
}

/// The process id a test database's name carries, if it has one (older runs named theirs
/// `butler_test_<uuid>` and `butler_test_tpl`).
fn owner_pid(datname: &str) -> Option<u32> {
    let rest = datname
        .strip_prefix("butler_tpl_")
        .or_else(|| datname.strip_prefix("butler_test_"))?;
    rest.split('_')
        .next()?
        .parse()
        .ok()
        .filter(|_| datname.starts_with("butler_tpl_") || rest.contains('_'))
}

/// A database left by a run that is over: its process is gone (or, for the old unnamed kind,
/// nobody is connected to it).
fn left_behind(datname: &str, connections: i64) -> bool {
    match owner_pid(datname) {
        Some(pid) => {
            pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
        }
        None => connections == 0,
    }
}
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
static CREATE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A database made for one test, removed when the test ends.
pub struct TestDb {
    pub url: String,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(db) = Database::connect(&admin).await {
                        let _ = db
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = db.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
}

fn with_database(admin: &str, name: &str) -> String {
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin, None),
    };
    let root = &base[..base.rfind('/').expect("a postgres URL has a path")];
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

async fn admin_exec(admin: &DatabaseConnection, sql: &str) {
    admin
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Migrates a template database once per test run; each test copies it.
async fn template(admin_url: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let admin = Database::connect(admin_url)
                .await
                .expect("TEST_DATABASE_URL connects");
            // Databases of runs that crashed or were stopped; never those of a run still going.
            let stale = admin
                .query_all(Statement::from_string(
                    admin.get_database_backend(),
                    "SELECT d.datname, (SELECT count(*) FROM pg_stat_activity a \
                       WHERE a.datname = d.datname) AS connections \
                     FROM pg_database d \
                     WHERE d.datname LIKE 'butler_test_%' OR d.datname LIKE 'butler_tpl_%'",
                ))
                .await
                .expect("list databases");
            for row in stale {
                let name: String = row.try_get("", "datname").expect("datname");
                let connections: i64 = row.try_get("", "connections").expect("connections");
                if left_behind(&name, connections) {
                    admin_exec(
                        &admin,
                        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                    )
                    .await;
                }
            }
            let template = template_db();
            admin_exec(&admin, &format!("DROP DATABASE IF EXISTS \"{template}\"")).await;
            admin_exec(&admin, &format!("CREATE DATABASE \"{template}\"")).await;
            let tpl_url = with_database(admin_url, &template);
            let tpl = Database::connect(&tpl_url)
                .await
                .expect("template connects");
            api::db::migrate(&tpl).await.expect("template migrates");
            tpl.close().await.expect("close template");
            let _ = admin.close().await;
            template
        })
        .await
        .clone()
}

pub async fn fresh_db() -> TestDb {
    match postgres_admin_url() {
        Some(admin_url) => {
            let tpl = template(&admin_url).await;
            let name = format!(
                "butler_test_{}_{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            );
            {
                let _guard = CREATE_LOCK.lock().await;
                let admin = Database::connect(&admin_url).await.expect("admin connects");
                admin_exec(
                    &admin,
                    &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{tpl}\""),
                )
                .await;
                let _ = admin.close().await;
            }
            TestDb {
                url: with_database(&admin_url, &name),
                pg: Some((admin_url, name)),
                _dir: None,
            }
        }
        None => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
            TestDb {
                url,
                pg: None,
                _dir: Some(dir),
            }
        }
    }
}

/// In-memory market-data providers every TestApp uses: no test reaches the internet.
#[derive(Clone)]
pub struct Fakes {
    pub gecko: Arc<FakeMarket>,
    pub paprika: Arc<FakeMarket>,
    /// The OKX account every `okx` exchange account reads.
    pub exchange: Arc<FakeExchange>,
    /// The Binance account every `binance` exchange account reads.
    pub binance: Arc<FakeExchange>,
    pub chains: Arc<FakeChains>,
    pub solana: Arc<api::connectors::fake_solana::FakeSolana>,
}

impl Fakes {
    pub fn new() -> Self {
        Self {
            gecko: Arc::new(FakeMarket::new(Provider::CoinGecko)),
            paprika: Arc::new(FakeMarket::new(Provider::CoinPaprika)),
            exchange: Arc::new(FakeExchange::new()),
            binance: Arc::new(FakeExchange::binance()),
            chains: Arc::new(FakeChains::new()),
            solana: Arc::new(api::connectors::fake_solana::FakeSolana::new()),
        }
    }

    pub fn connectors(&self) -> Connectors {
        Connectors {
            market: MarketConnectors {
                gecko_catalog: self.gecko.clone(),
                gecko_platforms: self.gecko.clone(),
                gecko_prices: self.gecko.clone(),
                paprika_catalog: self.paprika.clone(),
                paprika_contracts: self.paprika.clone(),
                paprika_prices: self.paprika.clone(),
                gecko_history: self.gecko.clone(),
                paprika_history: self.paprika.clone(),
            },
            exchanges: ExchangeRegistry::default()
                .with(self.exchange.clone())
                .with(self.binance.clone()),
            chains: self.chains.clone(),
            solana: self.solana.clone(),
        }
    }
}

/// A fresh random 32-byte key for each test app.
pub fn test_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    key
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub fakes: Fakes,
    pub db: DatabaseConnection,
    _test_db: TestDb,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error code of an error answer, after checking the shared error shape.
    pub fn error_code(&self) -> String {
        let v = self.json();
        let rid = v["request_id"].as_str().expect("request_id in error body");
        assert!(!rid.is_empty(), "empty request_id: {v}");
        assert_eq!(
            self.headers["x-request-id"].to_str().unwrap(),
            rid,
            "x-request-id header and body differ"
        );
        assert!(v["error"]["message"].is_string(), "no message: {v}");
        v["error"]["code"].as_str().expect("error.code").to_string()
    }
}

impl TestApp {
    /// Local single-user mode.
    pub async fn local() -> Self {
        Self::with_vars(&[]).await
    }

    pub async fn with_vars(vars: &[(&str, &str)]) -> Self {
        Self::on_db(fresh_db().await, vars).await
    }

    /// An app on a database the test made itself (already existing, not dropped after).
    pub async fn on_url(url: &str, vars: &[(&str, &str)]) -> Self {
        let db = TestDb {
            url: url.to_string(),
            pg: None,
            _dir: None,
        };
        Self::on_db(db, vars).await
    }

    /// A second app ("replica") on the same database as `self`.
    pub async fn replica(&self, vars: &[(&str, &str)]) -> TestApp {
        let shared = TestDb {
            url: self._test_db.url.clone(),
            pg: None,
            _dir: None,
        };
        Self::on_db(shared, vars).await
    }

    /// Local mode with this chain reader instead of the fake (e.g. a real `EvmClient` on anvil).
    pub async fn with_chain_reader(chains: Arc<dyn api::connectors::ChainBalances>) -> Self {
        Self::on_db_with(fresh_db().await, &[], Some(chains), None).await
    }

    /// Local mode with this exchange connector registered in place of the fake of its name
    /// (e.g. a real `BinanceClient` on a fake Binance server).
    pub async fn with_exchange(exchange: Arc<dyn api::connectors::ExchangeBalances>) -> Self {
        Self::on_db_with(fresh_db().await, &[], None, Some(exchange)).await
    }

    /// [`TestApp::with_exchange`] with these settings.
    pub async fn with_exchange_and_vars(
        exchange: Arc<dyn api::connectors::ExchangeBalances>,
        vars: &[(&str, &str)],
    ) -> Self {
        Self::on_db_with(fresh_db().await, vars, None, Some(exchange)).await
    }

    /// [`TestApp::with_chain_reader`] with these settings.
    pub async fn with_chain_reader_and_vars(
        chains: Arc<dyn api::connectors::ChainBalances>,
        vars: &[(&str, &str)],
    ) -> Self {
        Self::on_db_with(fresh_db().await, vars, Some(chains), None).await
    }

    /// An app with these variables and this Solana reader instead of the fake (a real
    /// `SolanaClient` on a fake HTTP server or a real node).
    pub async fn with_solana_reader(
        vars: &[(&str, &str)],
        solana: Arc<dyn api::connectors::solana::SolanaBalances>,
    ) -> Self {
        let mut app = Self::on_db_with(fresh_db().await, vars, None, None).await;
        app.state.solana = solana;
        app.router = api::router(app.state.clone());
        app
    }

    async fn on_db(test_db: TestDb, vars: &[(&str, &str)]) -> Self {
        Self::on_db_with(test_db, vars, None, None).await
    }

    async fn on_db_with(
        test_db: TestDb,
        vars: &[(&str, &str)],
        chains: Option<Arc<dyn api::connectors::ChainBalances>>,
        exchange: Option<Arc<dyn api::connectors::ExchangeBalances>>,
    ) -> Self {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.insert("DATABASE_URL".into(), test_db.url.clone());
        map.entry("DB_MAX_CONNECTIONS".into())
            .or_insert_with(|| "5".into());
        // Tests sync one account many times in a row; the limit tests turn the limits on.
        map.entry("RATE_LIMIT_ENABLED".into())
            .or_insert_with(|| "false".into());
        // An account added is synced in the background; tests sync when they mean to, and the
        // first-sync tests turn it on.
        map.entry("SYNC_NEW_ACCOUNTS".into())
            .or_insert_with(|| "false".into());
        let config = Config::from_vars(&map).expect("test config is valid");
        let db = api::db::connect(&config).await.expect("db connects");
        api::db::migrate(&db).await.expect("migrations apply");
        let fakes = Fakes::new();
        let mut connectors = fakes.connectors();
        if let Some(chains) = chains {
            connectors.chains = chains;
        }
        if let Some(exchange) = exchange {
            connectors.exchanges = connectors.exchanges.with(exchange);
        }
        let state = AppState::with_parts(
            config,
            db.clone(),
            Arc::new(api::metrics::Metrics::new()),
            connectors,
            api::crypto::Cipher::new(test_key(), Vec::new()),
        );
        Self {
            router: api::router(state.clone()),
            state,
            fakes,
            db,
            _test_db: test_db,
        }
    }

    pub async fn request(&self, req: Request<Body>) -> TestResponse {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> TestResponse {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header("content-type", "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        }
        .expect("request builds");
        self.request(req).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.send(Method::GET, path, token, None).await
    }

    /// The registry id of the chain named `name`, as an admin reads it.
    pub async fn chain_row_id(&self, name: &str) -> String {
        let chains = self.get("/api/admin/evm-chains", None).await.json();
        chains
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["chain_name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn count(&self, table: &str, where_sql: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {where_sql}");
        let row = self
            .db
            .query_one(Statement::from_string(self.db.get_database_backend(), sql))
            .await
            .expect("count query")
            .expect("a row");
        row.try_get::<i64>("", "n").expect("n")
    }
}

#[test]
fn a_test_database_names_the_run_that_owns_it_and_only_finished_runs_lose_theirs() {
    assert_eq!(
        owner_pid("butler_test_4242_0123456789abcdef0123456789abcdef"),
        Some(4242)
    );
    assert_eq!(owner_pid("butler_tpl_4242"), Some(4242));
    assert_eq!(
        owner_pid("butler_test_0123456789abcdef0123456789abcdef"),
        None
    );
    assert_eq!(owner_pid("butler_test_tpl"), None);
    // This run's own, and those of a process that is still running (pid 1), are kept.
    let mine = format!("butler_test_{}_x", std::process::id());
    assert!(!left_behind(&mine, 0));
    assert!(!left_behind("butler_test_1_x", 0));
    // A process id no process has (above the kernel's limit) is a run that is over.
    assert!(left_behind("butler_test_4294967295_x", 3));
    // The old unnamed kind: only when nobody is connected.
    assert!(left_behind("butler_test_tpl", 0));
    assert!(!left_behind("butler_test_tpl", 1));
}
