//! A server in a temporary directory, set up as an administrator would, with
//! a clock the tests control, and small helpers to call it.
//!
//! The calendar the tests live in (issue 11, published releases): devices
//! enrol in [`WEEK`] ([`enrolment_time`]), report it while its collection
//! window is open ([`now`], the Wednesday after), and HR reads it only once
//! it is published ([`publish_time`], when the window closes). A test that
//! reports and then reads moves the clock with
//! [`World::advance_to_publication`] first.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use polso_api::WIRE_VERSION;
use polso_core::anonymity::Threshold;
use polso_core::bank::{ItemBank, ItemId};
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek, Metric, score_answers};
use polso_server::store::{Organisation, PrivacySetting, TeamAggregate};
use polso_server::{
    AdminStore, AppState, FixedClock, PgServerStore, ServerConfig, SqliteServerStore, admin, app,
};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

/// Wednesday of 2026-W48, 10:00 UTC: the tests' "now", while [`WEEK`]'s
/// collection window is open.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

/// Monday of [`WEEK`], 09:00 UTC: when [`World::enrol`]'s devices enrol, so
/// that they may report [`WEEK`] (the server refuses weeks before a device's
/// enrolment week).
pub fn enrolment_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap()
}

/// When [`WEEK`]'s collection window closes under the default configuration,
/// and so when it is published: the last time zone's Sunday midnight
/// (Monday 30 November, 12:00 UTC) + the longest send delay (48 h) + the
/// acceptance period (72 h). Written out rather than computed, so a change of
/// the calendar shows here.
pub fn publish_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

/// The head-count of the world's teams: more than any test enrols.
pub const TEAM_HEADCOUNT: u32 = 100;

/// The week the tests report for: the one before "now", closed.
pub const WEEK: &str = "2026-W47";

/// One organisation with departments and teams, an HR token for all of it,
/// over a real SQLite file.
pub struct World {
    /// Keeps the database directory alive as long as the world.
    _directory: TempDir,
    /// The store, by trait: every test runs against whichever backend
    /// [`open_backend`] returns.
    pub store: Arc<dyn AdminStore>,
    pub clock: Arc<FixedClock>,
    pub organisation_id: String,
    pub departments: Vec<String>,
    /// Team ids by department.
    pub teams: Vec<Vec<String>>,
    pub hr_token: String,
    /// How the world's server reaches a two-server helper; over HTTP unless a test sets one.
    pub helper_api: Option<Arc<dyn polso_server::leader::HelperApi>>,
    /// Where the store lives, to open a replica of it.
    backend: Backend,
}

/// Where a world's store lives.
#[derive(Debug, Clone)]
enum Backend {
    Sqlite(std::path::PathBuf),
    Postgres { url: String, schema: String },
}

impl Backend {
    fn open(&self) -> Arc<dyn AdminStore> {
        match self {
            Backend::Sqlite(path) => Arc::new(SqliteServerStore::open(path).unwrap()),
            Backend::Postgres { url, schema } => {
                Arc::new(PgServerStore::open_in_schema(url, schema).unwrap())
            }
        }
    }
}

impl World {
    /// An organisation with one department per entry, each with that many teams.
    pub fn new(teams_per_department: &[usize]) -> World {
        World::with_questionnaire(teams_per_department, world_seed(), QuestionnairePlan::legacy())
    }

    /// [`World::new`] with the schedule seed `seed` and the questionnaire `plan`.
    pub fn with_questionnaire(teams_per_department: &[usize], seed: u64, plan: QuestionnairePlan) -> World {
        let directory = tempfile::tempdir().unwrap();
        let backend = backend_in(&directory);
        let store = backend.open();
        let clock = Arc::new(FixedClock::new(now()));
        // A fixed schedule seed, so that the week the tests report for asks
        // the trust metric they report and read (the server reads a week the
        // schedule did not ask as not asked, whatever was sent).
        let organisation = Organisation {
            id: polso_server::secrets::new_id("org").unwrap(),
            name: "Acme".to_owned(),
            seed,
            k: Threshold::DEFAULT,
            privacy: PrivacySetting::default(),
            questionnaire: plan,
        };
        store.create_organisation(&organisation).unwrap();
        let mut departments = Vec::new();
        let mut teams = Vec::new();
        for (position, n_teams) in teams_per_department.iter().enumerate() {
            let department =
                admin::add_department(store.as_ref(), &organisation.id, &format!("Department {position}"))
                    .unwrap();
            teams.push(
                (0..*n_teams)
                    .map(|team| {
                        admin::add_team_with_headcount(
                            store.as_ref(),
                            &department,
                            &format!("Team {position}.{team}"),
                            TEAM_HEADCOUNT,
                        )
                        .unwrap()
                    })
                    .collect(),
            );
            departments.push(department);
        }
        let hr_token = admin::create_hr_token(store.as_ref(), &organisation.id, &[]).unwrap().token;
        World {
            _directory: directory,
            store,
            clock,
            organisation_id: organisation.id,
            departments,
            teams,
            hr_token,
            helper_api: None,
            backend,
        }
    }

    /// A second store on the world's database, as a second server process
    /// (a replica) opens it.
    pub fn open_replica(&self) -> Arc<dyn AdminStore> {
        self.backend.open()
    }

    /// The world's server on `store` (a replica's), with the world's clock.
    pub fn app_on(&self, store: Arc<dyn AdminStore>) -> Router {
        app(AppState::new(store, self.clock.clone(), ServerConfig::default()))
    }

    /// One integer that `sql` (plain SQL that both stores read alike, no
    /// parameters) selects from the world's database, whichever store it is.
    pub fn sql_count(&self, sql: &str) -> i64 {
        match &self.backend {
            Backend::Sqlite(path) => {
                rusqlite::Connection::open(path).unwrap().query_row(sql, [], |row| row.get(0)).unwrap()
            }
            Backend::Postgres { .. } => {
                off_runtime(|| self.postgres_client().query_one(sql, &[]).unwrap().get(0))
            }
        }
    }

    /// The one text that `sql` selects from the world's database (see [`World::sql_count`]).
    pub fn sql_text(&self, sql: &str) -> String {
        match &self.backend {
            Backend::Sqlite(path) => {
                rusqlite::Connection::open(path).unwrap().query_row(sql, [], |row| row.get(0)).unwrap()
            }
            Backend::Postgres { .. } => {
                off_runtime(|| self.postgres_client().query_one(sql, &[]).unwrap().get(0))
            }
        }
    }

    /// The columns of `table` in the world's database, in order.
    pub fn table_columns(&self, table: &str) -> Vec<String> {
        match &self.backend {
            Backend::Sqlite(path) => {
                let connection = rusqlite::Connection::open(path).unwrap();
                let mut statement =
                    connection.prepare(&format!("SELECT name FROM pragma_table_info('{table}')")).unwrap();
                statement.query_map([], |row| row.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
            }
            Backend::Postgres { schema, .. } => off_runtime(|| {
                self.postgres_client()
                    .query(
                        "SELECT column_name::TEXT FROM information_schema.columns
                         WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
                        &[schema, &table],
                    )
                    .unwrap()
                    .iter()
                    .map(|row| row.get(0))
                    .collect()
            }),
        }
    }

    /// A client of the world's schema; only off the async runtime ([`off_runtime`]).
    fn postgres_client(&self) -> postgres::Client {
        let Backend::Postgres { url, schema } = &self.backend else { panic!("the world is on SQLite") };
        let mut config: postgres::Config = url.parse().unwrap();
        config.options(&format!("-c search_path={schema}"));
        config.connect(postgres::NoTls).unwrap()
    }

    /// The world's SQLite file; `None` on PostgreSQL, whose files are the database server's.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        match &self.backend {
            Backend::Sqlite(path) => Some(path.clone()),
            Backend::Postgres { .. } => None,
        }
    }

    /// The world's database file (SQLite only: a test that reads the file itself).
    pub fn database_path(&self) -> std::path::PathBuf {
        self._directory.path().join("server.db")
    }

    pub fn app(&self) -> Router {
        let state = AppState::new(self.store.clone(), self.clock.clone(), ServerConfig::default());
        app(match &self.helper_api {
            Some(helper) => state.with_helper_api(helper.clone()),
            None => state,
        })
    }

    /// Moves the world's clock to [`publish_time`]: [`WEEK`] is published by
    /// the next HR read, and refuses reports from then on.
    pub fn advance_to_publication(&self) {
        self.clock.set(publish_time());
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        send(self.app(), request).await
    }

    /// Enrols one new device into `team_id` at [`enrolment_time`] and
    /// returns its token. The world's clock is left where it is.
    pub async fn enrol(&self, team_id: &str) -> String {
        self.enrol_at(team_id, enrolment_time()).await
    }

    /// Enrols one new device into `team_id` at `at`, through a server whose
    /// clock shows `at`, and returns its token.
    pub async fn enrol_at(&self, team_id: &str, at: DateTime<Utc>) -> String {
        let code = admin::create_invite(self.store.as_ref(), team_id, at, 7, 1).unwrap();
        let router =
            app(AppState::new(self.store.clone(), Arc::new(FixedClock::new(at)), ServerConfig::default()));
        let (status, body) = send(
            router,
            post_json("/v1/enrol", None, json!({"wire_version": WIRE_VERSION, "invite_code": code})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["device_token"].as_str().unwrap().to_owned()
    }

    /// Sends `report` with `device_token`, expecting it to be accepted.
    pub async fn report_ok(&self, device_token: &str, report: Value) {
        let (status, body) = self.send(post_json("/v1/reports", Some(device_token), report)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "accepted", "{body}");
    }

    /// Every team aggregate of the organisation, to check that nothing changed.
    pub fn snapshot(&self) -> Vec<TeamAggregate> {
        let weeks = "2020-W01".parse::<IsoWeek>().unwrap()..="2030-W01".parse::<IsoWeek>().unwrap();
        self.store.team_aggregates(&self.organisation_id, None, weeks).unwrap()
    }

    /// Reads aggregate cells as HR.
    pub async fn read_cells(&self, query: &str) -> Vec<Value> {
        self.read_table(query).await["cells"].as_array().unwrap().clone()
    }

    /// Reads the whole aggregate table as HR: `k`, `published_through`,
    /// `next_publication` and `cells`.
    pub async fn read_table(&self, query: &str) -> Value {
        let (status, body) = self.send(get(&format!("/v1/aggregates?{query}"), Some(&self.hr_token))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

/// The smallest schedule seed under which `week` asks `metric`.
pub fn seed_asking(metric: Metric, week: IsoWeek) -> u64 {
    let bank = ItemBank::embedded();
    (0..).find(|&seed| Schedule::new(bank, seed).asks_metric(bank, week, metric)).unwrap()
}

/// The storage backend the tests run against: SQLite in `directory`, or,
/// with `POLSO_TEST_STORE=postgres`, a fresh schema of the PostgreSQL at
/// `POLSO_TEST_POSTGRES_URL` (`cargo xtask test` runs the suite both ways).
pub fn open_backend(directory: &TempDir) -> Arc<dyn AdminStore> {
    backend_in(directory).open()
}

fn backend_in(directory: &TempDir) -> Backend {
    if on_postgres() {
        let url = std::env::var("POLSO_TEST_POSTGRES_URL").expect(
            "POLSO_TEST_STORE=postgres needs POLSO_TEST_POSTGRES_URL, a database the tests may create schemas in",
        );
        let schema = format!(
            "w_{}",
            polso_server::secrets::to_hex(&polso_server::secrets::random_bytes::<8>().unwrap())
        );
        return Backend::Postgres { url, schema };
    }
    Backend::Sqlite(directory.path().join("server.db"))
}

/// Runs `work` on a thread of its own: PostgreSQL's blocking client cannot
/// run on a thread that drives async tasks, as a test's body does.
fn off_runtime<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| scope.spawn(work).join().unwrap())
}

/// Whether this run's worlds live on PostgreSQL (`POLSO_TEST_STORE=postgres`).
pub fn on_postgres() -> bool {
    match std::env::var("POLSO_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("POLSO_TEST_STORE is '{other}': use sqlite (the default) or postgres"),
    }
}

pub async fn send(app: Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!("{status}: the body is not JSON ({content_type:?}): {}", String::from_utf8_lossy(&bytes))
    });
    (status, body)
}

pub fn post_json(path: &str, token: Option<&str>, body: impl Into<RawBody>) -> Request<Body> {
    let mut builder =
        Request::builder().method(Method::POST).uri(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::from(body.into().0)).unwrap()
}

pub fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(Method::GET).uri(path);
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::empty()).unwrap()
}

/// A request body: JSON values or raw text, for the malformed cases.
pub struct RawBody(pub Vec<u8>);

impl From<Value> for RawBody {
    fn from(value: Value) -> RawBody {
        RawBody(serde_json::to_vec(&value).unwrap())
    }
}

impl From<&str> for RawBody {
    fn from(text: &str) -> RawBody {
        RawBody(text.as_bytes().to_vec())
    }
}

impl From<Vec<u8>> for RawBody {
    fn from(bytes: Vec<u8>) -> RawBody {
        RawBody(bytes)
    }
}

/// The schedule seed of every [`World`]: [`WEEK`] asks the trust metric.
pub fn world_seed() -> u64 {
    seed_asking(Metric::Trust, WEEK.parse().unwrap())
}

/// The items `week` asks under `seed`, each with its scale's lowest and
/// highest value and its metric.
pub fn asked_items(seed: u64, week: &str) -> Vec<(String, u8, u8, Metric)> {
    asked_items_in(seed, &QuestionnairePlan::legacy(), week)
}

/// [`asked_items`] of an organisation whose questionnaire is `plan`.
pub fn asked_items_in(seed: u64, plan: &QuestionnairePlan, week: &str) -> Vec<(String, u8, u8, Metric)> {
    let bank = ItemBank::embedded();
    Schedule::with_plan(bank, seed, plan)
        .items_for_week(week.parse().unwrap())
        .iter()
        .map(|id| {
            let item = bank.item(id.as_str()).unwrap();
            let scale = bank.scale_of(item);
            (id.as_str().to_owned(), scale.min, scale.max, item.metric)
        })
        .collect()
}

/// The trust item [`WEEK`] asks the world's organisation, with its scale.
pub fn trust_item() -> (String, u8, u8) {
    let trust: Vec<(String, u8, u8, Metric)> =
        asked_items(world_seed(), WEEK).into_iter().filter(|item| item.3 == Metric::Trust).collect();
    assert_eq!(trust.len(), 1, "the tests assume one trust item in {WEEK}: {trust:?}");
    let (id, min, max, _) = trust[0].clone();
    (id, min, max)
}

/// The trust score the server gives a report whose trust item is `value`,
/// worked out from the scale here rather than by the scoring code under test.
pub fn trust_score(value: u8) -> f64 {
    let (id, min, max) = trust_item();
    assert!(!ItemBank::embedded().item(&id).unwrap().reverse, "{id} is reverse-scored");
    let value = value.clamp(min, max);
    f64::from(value - min) / f64::from(max - min) * 100.0
}

/// A report for `week` from a device of the world's organisation: every item
/// the week asks answered, the trust item with `trust_value` and every other
/// item mid-scale (each clamped to its scale), so every asked metric counts.
/// Its metric scores are the ones the app would send; the server scores the
/// items itself and checks these for range only.
pub fn report(week: &str, trust_value: u8) -> Value {
    report_for_seed(world_seed(), week, trust_value)
}

/// [`report`] for an organisation on edition 2 whose schedule seed is `seed`.
pub fn report_for_seed(seed: u64, week: &str, trust_value: u8) -> Value {
    report_for_organisation(seed, &QuestionnairePlan::legacy(), week, trust_value)
}

/// [`report`] for an organisation whose schedule seed is `seed` and whose
/// questionnaire is `plan`.
pub fn report_for_organisation(seed: u64, plan: &QuestionnairePlan, week: &str, trust_value: u8) -> Value {
    let answers: Vec<Answer> = asked_items_in(seed, plan, week)
        .into_iter()
        .map(|(id, min, max, metric)| {
            let value =
                if metric == Metric::Trust { trust_value.clamp(min, max) } else { min + (max - min) / 2 };
            Answer { item: ItemId(id), value }
        })
        .collect();
    report_of_answers(week, &answers)
}

/// The report of `answers` for `week`, with the metric scores the app would
/// send (the server scores the items itself and checks these for range only).
pub fn report_of_answers(week: &str, answers: &[Answer]) -> Value {
    let scores = score_answers(ItemBank::embedded(), answers).unwrap();
    json!({
        "wire_version": WIRE_VERSION,
        "week": week,
        "items": answers.iter().map(|answer| json!({"item_id": answer.item.as_str(), "value": answer.value})).collect::<Vec<_>>(),
        "metrics": scores.iter().map(|score| json!({"metric": score.metric.key(), "score": score.score})).collect::<Vec<_>>(),
    })
}

/// Asserts an error response: the status and the machine-readable code.
pub fn assert_error(response: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(response.0, status, "{}", response.1);
    assert_eq!(response.1["code"], code, "{}", response.1);
    assert!(response.1["message"].as_str().is_some_and(|message| !message.is_empty()), "{}", response.1);
}
