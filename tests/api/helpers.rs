//! Starting the real gateway on a random port, on SQLite or PostgreSQL, with keys for each role.

use diesel::{Connection, PgConnection, RunQueryDsl};
use hisgate::auth;
use hisgate::config::Settings;
use hisgate::startup::Application;
use hisgate::store::{Db, facilities};
use hisgate::synthetic::{EpisodeGenerator, GenOptions};
use hisgate::vocabulary::Role;
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates each listed test twice: `sqlite::NAME` and `postgres::NAME`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[actix_web::test] async fn $name() { super::$name($crate::helpers::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[actix_web::test] async fn $name() { super::$name($crate::helpers::Backend::Postgres).await } )*
        }
    };
}

pub const FACILITY: &str = "83001";
/// The master key of the tests' gateways (a fixed one, so that a restarted gateway and the
/// command line read what an earlier one stored).
pub const TEST_MASTER_KEY: &str = "aGlzZ2F0ZSB0ZXN0IG1hc3RlciBrZXkgMzIgYnl0ZXM=";
pub const OTHER_FACILITY: &str = "83002";

/// The vault of [`TEST_MASTER_KEY`], to compute what the gateway stores.
pub fn test_vault() -> hisgate::vault::Vault {
    hisgate::vault::Vault::from_text(TEST_MASTER_KEY).expect("the tests' master key")
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub settings: Settings,
    pub admin_key: String,
    pub doh_key: String,
    pub eligibility_key: String,
    /// A HIS key of facility 83001.
    pub facility_key: String,
    /// A HIS key of facility 83002.
    pub other_facility_key: String,
    handle: actix_web::dev::ServerHandle,
    _sqlite_dir: Option<tempfile::TempDir>,
    _postgres: Option<PgDatabase>,
}

/// A throw-away PostgreSQL database, dropped with the test.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = PgConnection::establish(&self.admin_url) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut c);
        }
    }
}

/// The PostgreSQL server for tests, from `HISGATE_TEST_POSTGRES_URL`. Without it the PostgreSQL
/// variants say so and return, unless `HISGATE_TEST_REQUIRE_POSTGRES=1` (CI), where that fails.
fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("HISGATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("HISGATE_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("HISGATE_TEST_REQUIRE_POSTGRES=1 but HISGATE_TEST_POSTGRES_URL is not set");
            }
            // Written straight to stderr: the test harness captures only print! macros.
            let _ = writeln!(
                std::io::stderr(),
                "postgres test `{test}` did not run: set HISGATE_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)"
            );
            None
        }
    }
}

fn create_pg_database(admin_url: &str) -> (String, PgDatabase) {
    let name = format!("hisgate_test_{}", uuid::Uuid::now_v7().simple());
    let mut c =
        PgConnection::establish(admin_url).unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin_url}: {e}"));
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut c).expect("create test database");
    let (base, _) = admin_url.rsplit_once('/').expect("a PostgreSQL URL ends with /DATABASE");
    let base = base.to_owned();
    (format!("{base}/{name}"), PgDatabase { admin_url: admin_url.to_owned(), name })
}

/// An empty database of the backend, removed with the value; `None` when PostgreSQL is not set up.
pub struct TestDatabase {
    pub url: String,
    sqlite_dir: Option<tempfile::TempDir>,
    postgres: Option<PgDatabase>,
}

pub async fn test_database(backend: Backend, test: &str) -> Option<TestDatabase> {
    Some(match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("hisgate.db").display());
            TestDatabase { url, sqlite_dir: Some(dir), postgres: None }
        }
        Backend::Postgres => {
            let admin = postgres_url(test)?;
            let (url, db) = tokio::task::spawn_blocking(move || create_pg_database(&admin)).await.expect("create db");
            TestDatabase { url, sqlite_dir: None, postgres: Some(db) }
        }
    })
}

pub async fn spawn_app(backend: Backend, test: &str) -> Option<TestApp> {
    spawn_app_with(backend, test, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, test: &str, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    // Warnings of the gateway show with a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
    let TestDatabase { url: database_url, sqlite_dir: dir, postgres } = test_database(backend, test).await?;
    let mut settings = Settings {
        database_url: database_url.clone(),
        bind: "127.0.0.1:0".to_owned(),
        reference_dir: Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogues")),
        // Tests run jobs on demand (`POST /api/v1/jobs/{name}/run`): a scheduled run in between
        // would race with what they check.
        jobs: hisgate::config::JobsSettings { enabled: false, ..Default::default() },
        master_key: Some(hisgate::config::Secret::new(TEST_MASTER_KEY)),
        ..Settings::default()
    };
    adjust(&mut settings);
    let (db, keys) = tokio::task::spawn_blocking(move || {
        let db = Db::connect(&database_url).expect("connect and migrate");
        db.write_blocking(|conn| {
            facilities::register(conn, FACILITY, "Bệnh viện Đa khoa tỉnh", "hospital_tier2", "live")?;
            facilities::register(conn, OTHER_FACILITY, "Bệnh viện Y học cổ truyền tỉnh", "hospital_tier2", "live")
        })
        .expect("register facilities");
        let key = |role, facility| auth::create_key(&db, role, facility, "test", false, "test").expect("create key");
        let keys = [
            key(Role::Admin, None),
            key(Role::Doh, None),
            key(Role::Eligibility, None),
            key(Role::Facility, Some(FACILITY)),
            key(Role::Facility, Some(OTHER_FACILITY)),
        ];
        (db, keys)
    })
    .await
    .expect("set up database");
    let app = Application::build_with_db(settings.clone(), db.clone()).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let [admin_key, doh_key, eligibility_key, facility_key, other_facility_key] = keys;
    Some(TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        settings,
        admin_key,
        doh_key,
        eligibility_key,
        facility_key,
        other_facility_key,
        handle,
        _sqlite_dir: dir,
        _postgres: postgres,
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_json(&self, path: &str, key: &str, body: &impl serde::Serialize) -> reqwest::Response {
        self.client.post(self.url(path)).bearer_auth(key).json(body).send().await.expect("request")
    }

    pub async fn post_claim(&self, key: &str, episode: &impl serde::Serialize) -> reqwest::Response {
        self.post_json("/api/v1/claims", key, episode).await
    }

    pub async fn get(&self, path: &str, key: &str) -> reqwest::Response {
        self.client.get(self.url(path)).bearer_auth(key).send().await.expect("request")
    }

    /// Stops the server and starts a new one on the same database, with a fresh pool.
    pub async fn restart(&mut self) {
        self.handle.stop(true).await;
        let url = self.settings.database_url.clone();
        let db = tokio::task::spawn_blocking(move || Db::connect(&url).expect("reconnect")).await.expect("join");
        let app = Application::build_with_db(self.settings.clone(), db.clone()).await.expect("rebuild app");
        self.address = format!("http://127.0.0.1:{}", app.port());
        self.handle = app.handle();
        self.db = db;
        tokio::spawn(app.run_until_stopped());
    }

    /// Starts a second gateway on the same database (as another instance would be deployed);
    /// returns its address. It stops with the test process.
    pub async fn another_instance(&self) -> String {
        let url = self.settings.database_url.clone();
        let db = tokio::task::spawn_blocking(move || Db::connect(&url).expect("connect")).await.expect("join");
        let app = Application::build_with_db(self.settings.clone(), db).await.expect("build second instance");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }

    pub async fn counts(&self) -> (i64, i64, i64) {
        self.db.read(hisgate::store::claims::counts).await.expect("counts")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop serving; the fields drop after, the PostgreSQL test database last of all.
        drop(self.handle.stop(false));
    }
}

/// Synthetic episodes of one facility, deterministic for the seed.
pub fn episodes(facility: &str, seed: u64, n: usize) -> Vec<hisgate::domain::Episode> {
    EpisodeGenerator::new(GenOptions { seed, facility: Some(facility.to_owned()) }).take(n).collect()
}

/// The same episodes without their check-ins, for tests of the dossier queue alone: a dossier
/// waits for its episode's check-ins, which these tests do not send.
pub fn dossiers_only(episodes: Vec<hisgate::domain::Episode>) -> Vec<hisgate::domain::Episode> {
    episodes
        .into_iter()
        .map(|mut e| {
            e.check_ins.clear();
            e
        })
        .collect()
}

/// Episodes of 83001 whose card number is too short: refused at ingest (`CARD_LENGTH`, critical).
pub fn refused_episodes(seed: u64, n: usize) -> Vec<hisgate::domain::Episode> {
    let mut bad = episodes(FACILITY, seed, n);
    for e in &mut bad {
        e.summary.card_numbers = Some("HS48301234".to_owned());
    }
    bad
}

/// Posts `n` [`refused_episodes`] one by one; each must get 422.
pub async fn send_refused(app: &TestApp, seed: u64, n: usize) {
    for e in refused_episodes(seed, n) {
        assert_eq!(app.post_claim(&app.facility_key, &e).await.status(), 422);
    }
}

/// Says that a test did not run for want of `what` (stderr, which the harness does not capture);
/// under `HISGATE_TEST_REQUIRE_TOOLS=1` (CI) a missing tool fails the test instead.
pub fn missing_tool<T>(what: &str) -> Option<T> {
    if std::env::var("HISGATE_TEST_REQUIRE_TOOLS").as_deref() == Ok("1") {
        panic!("{what} is required (HISGATE_TEST_REQUIRE_TOOLS=1)");
    }
    let _ = writeln!(std::io::stderr(), "a test did not run: {what} is not installed");
    None
}

/// Signs in to the dashboard as a browser does: the form first (its token and cookie), then the
/// post with `fields` and the token, and `headers`.
pub async fn dashboard_sign_in(app: &TestApp, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> reqwest::Response {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = client.get(app.url("/dashboard/login")).send().await.unwrap();
    let set = form.headers()[reqwest::header::SET_COOKIE].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_owned();
    let token = form_token(&form.text().await.unwrap());
    let mut fields = fields.to_vec();
    fields.push(("csrf", &token));
    let mut request = client.post(app.url("/dashboard/login")).header(reqwest::header::COOKIE, cookie).form(&fields);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// The token a dashboard page's form carries.
pub fn form_token(page: &str) -> String {
    let after = page.split("name=\"csrf\" value=\"").nth(1).expect("a form with a token");
    after.split('"').next().unwrap_or_default().to_owned()
}
