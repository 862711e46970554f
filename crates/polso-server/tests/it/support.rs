//! A server in a temporary directory, set up as an administrator would, with
//! a clock the tests control, and small helpers to call it.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use polso_api::WIRE_VERSION;
use polso_core::anonymity::Threshold;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_core::{IsoWeek, Metric};
use polso_server::store::{Organisation, PrivacySetting, ServerStore, TeamAggregate};
use polso_server::{AppState, FixedClock, ServerConfig, SqliteServerStore, admin, app};
use serde_json::{Value, json};
use tempfile::TempDir;
use tower::ServiceExt;

/// Wednesday of 2026-W48, 10:00 UTC: the tests' "now".
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

/// The week the tests report for: the one before "now", closed.
pub const WEEK: &str = "2026-W47";

/// One organisation with departments and teams, an HR token for all of it,
/// over a real SQLite file.
pub struct World {
    /// Keeps the database directory alive as long as the world.
    _directory: TempDir,
    /// The store, by trait: every test runs against whichever backend
    /// [`open_backend`] returns.
    pub store: Arc<dyn ServerStore>,
    pub clock: Arc<FixedClock>,
    pub organisation_id: String,
    pub departments: Vec<String>,
    /// Team ids by department.
    pub teams: Vec<Vec<String>>,
    pub hr_token: String,
}

impl World {
    /// An organisation with one department per entry, each with that many teams.
    pub fn new(teams_per_department: &[usize]) -> World {
        let directory = tempfile::tempdir().unwrap();
        let store = open_backend(&directory);
        let clock = Arc::new(FixedClock::new(now()));
        // A fixed schedule seed, so that the week the tests report for asks
        // the trust metric they report and read (the server reads a week the
        // schedule did not ask as not asked, whatever was sent).
        let organisation = Organisation {
            id: polso_server::secrets::new_id("org").unwrap(),
            name: "Acme".to_owned(),
            seed: seed_asking(Metric::Trust, WEEK.parse().unwrap()),
            k: Threshold::DEFAULT,
            privacy: PrivacySetting::default(),
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
                        admin::add_team(store.as_ref(), &department, &format!("Team {position}.{team}"))
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
        }
    }

    pub fn app(&self) -> Router {
        app(AppState::new(self.store.clone(), self.clock.clone(), ServerConfig::default()))
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        send(self.app(), request).await
    }

    /// Enrols one new device into `team_id` and returns its token.
    pub async fn enrol(&self, team_id: &str) -> String {
        let code = admin::create_invite(self.store.as_ref(), team_id, now(), 7, 1).unwrap();
        let (status, body) = self
            .send(post_json("/v1/enrol", None, json!({"wire_version": WIRE_VERSION, "invite_code": code})))
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
        let (status, body) = self.send(get(&format!("/v1/aggregates?{query}"), Some(&self.hr_token))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["cells"].as_array().unwrap().clone()
    }
}

/// The smallest schedule seed under which `week` asks `metric`.
pub fn seed_asking(metric: Metric, week: IsoWeek) -> u64 {
    let bank = ItemBank::embedded();
    (0..).find(|&seed| Schedule::new(bank, seed).asks_metric(bank, week, metric)).unwrap()
}

/// The storage backend the tests run against. SQLite today; a PostgreSQL
/// backend plugs in here, and every test then runs against it unchanged.
pub fn open_backend(directory: &TempDir) -> Arc<dyn ServerStore> {
    Arc::new(SqliteServerStore::open(&directory.path().join("server.db")).unwrap())
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

/// The first `n` items of the bank with the lowest and highest value of each one's scale.
pub fn items(n: usize) -> Vec<(String, u8, u8)> {
    let bank = ItemBank::embedded();
    bank.items()
        .iter()
        .take(n)
        .map(|item| {
            let scale = bank.scale_of(item);
            (item.id.as_str().to_owned(), scale.min, scale.max)
        })
        .collect()
}

/// A report for `week` giving the first items `values` (clamped to their scales) and a trust score.
pub fn report(week: &str, values: &[u8], trust_score: f64) -> Value {
    let items: Vec<Value> = items(values.len())
        .into_iter()
        .zip(values)
        .map(|((item_id, min, max), value)| json!({"item_id": item_id, "value": (*value).clamp(min, max)}))
        .collect();
    json!({
        "wire_version": WIRE_VERSION,
        "week": week,
        "items": items,
        "metrics": [{"metric": "trust", "score": trust_score}],
    })
}

/// Asserts an error response: the status and the machine-readable code.
pub fn assert_error(response: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(response.0, status, "{}", response.1);
    assert_eq!(response.1["code"], code, "{}", response.1);
    assert!(response.1["message"].as_str().is_some_and(|message| !message.is_empty()), "{}", response.1);
}
