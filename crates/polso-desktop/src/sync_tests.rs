//! Tests of the sync client against a real store file and a scripted fake
//! server: enrolment, when a week's report becomes due (never before the
//! app's own floor), what it holds and how long its body is, and how answers,
//! refusals, dropped weeks, failures and retries are recorded.

use std::collections::VecDeque;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use polso_api::{
    AnswerDto, DroppedReport, DroppedReportReason, EnrolDevice, EnrolResponse, ErrorCode, PulseView,
    ReportWindow, SubmitPulse, SyncPassOutcome, WeeklyReport, WorkWeekDto,
};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_store::{MemoryVault, QueuedReportState, SecretVault, Store, StoreKey};

use crate::Desktop;
use crate::sync::{CLOCK_AGREEMENT_SECONDS, HttpAnswer, REPORT_BODY_BYTES, SyncTransport, TransportFailure};
use crate::testing::{enrol, sync_now};

const TOKEN: &str = "pd_secret-device-token";
const TOKEN_ACCOUNT: &str = "device-token@test";
const SEED: u64 = 424_242;
const CANARY_NOTE: &str = "canary-note-sync-7c1e";

/// One request the fake server received.
#[derive(Debug, Clone)]
struct Request {
    url: String,
    bearer_token: Option<String>,
    body: String,
}

/// One scripted answer: an HTTP answer with its `Retry-After`, or a failure to connect.
type Scripted = Result<(HttpAnswer, Option<String>), TransportFailure>;

/// A server that answers from a script, in order, and records every request it answered so.
#[derive(Default)]
struct ScriptedServer {
    answers: Mutex<VecDeque<Scripted>>,
    requests: Mutex<Vec<Request>>,
    /// The reads answered by default, the script being empty (`get_json`): address and token.
    unscripted_reads: Mutex<Vec<(String, String)>>,
}

impl ScriptedServer {
    fn answer(&self, status: u16, body: &str) -> &ScriptedServer {
        self.answers.lock().unwrap().push_back(Ok((HttpAnswer { status, body: body.to_owned() }, None)));
        self
    }

    fn answer_with_retry_after(&self, status: u16, body: &str, retry_after: &str) -> &ScriptedServer {
        let answer = HttpAnswer { status, body: body.to_owned() };
        self.answers.lock().unwrap().push_back(Ok((answer, Some(retry_after.to_owned()))));
        self
    }

    fn fail(&self) -> &ScriptedServer {
        let failure = TransportFailure { detail: "Connection refused".to_owned() };
        self.answers.lock().unwrap().push_back(Err(failure));
        self
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// The reads answered by default so far: address and token.
    fn unscripted_reads(&self) -> Vec<(String, String)> {
        self.unscripted_reads.lock().unwrap().clone()
    }
}

impl SyncTransport for ScriptedServer {
    fn post_json(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<HttpAnswer, TransportFailure> {
        self.post_json_with_retry_after(url, bearer_token, body).map(|(answer, _)| answer)
    }

    fn post_json_with_retry_after(
        &self,
        url: &str,
        bearer_token: Option<&str>,
        body: &str,
    ) -> Result<(HttpAnswer, Option<String>), TransportFailure> {
        self.requests.lock().unwrap().push(Request {
            url: url.to_owned(),
            bearer_token: bearer_token.map(str::to_owned),
            body: body.to_owned(),
        });
        self.answers.lock().unwrap().pop_front().expect("the fake server ran out of answers")
    }
}

impl crate::hr::HrTransport for ScriptedServer {
    /// A read answers from the script; with the script empty, the reads a pass makes when no
    /// report is due (the questionnaire, unchanged, and no care contacts) answer as a server
    /// with nothing new would, so a test scripts only what it is about. Those are kept apart
    /// from [`ScriptedServer::requests`].
    fn get_json(&self, url: &str, bearer_token: &str) -> Result<HttpAnswer, TransportFailure> {
        let unscripted = self.answers.lock().unwrap().is_empty();
        let default = if url.ends_with("/v1/questionnaire") {
            Some(NO_QUESTIONNAIRE_CHANGE)
        } else if url.ends_with("/v1/care-contacts") {
            Some(NO_CARE_CONTACTS)
        } else {
            None
        };
        if let (true, Some(body)) = (unscripted, default) {
            self.unscripted_reads.lock().unwrap().push((url.to_owned(), bearer_token.to_owned()));
            return Ok(HttpAnswer { status: 200, body: body.to_owned() });
        }
        self.post_json_with_retry_after(url, Some(bearer_token), "").map(|(answer, _)| answer)
    }

    fn post_csv(&self, url: &str, bearer_token: &str, body: &str) -> Result<HttpAnswer, TransportFailure> {
        self.post_json_with_retry_after(url, Some(bearer_token), body).map(|(answer, _)| answer)
    }
}

/// A vault the test shares with the desktop, to look inside.
type SharedVault = polso_store::SharedMemoryVault;

struct Fixture {
    _dir: tempfile::TempDir,
    vault: SharedVault,
    desktop: Desktop,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
    let vault = SharedVault::default();
    let desktop = Desktop::new(store, "en-GB".to_owned())
        .unwrap()
        .with_device_vault(Box::new(vault.clone()), TOKEN_ACCOUNT);
    Fixture { _dir: dir, vault, desktop }
}

pub(crate) fn enrol_response(max_delay: u32) -> String {
    enrol_response_in(max_delay, None)
}

/// [`enrol_response`] from a server whose database is of `generation`.
fn enrol_response_in(max_delay: u32, generation: Option<&str>) -> String {
    serde_json::to_string(&EnrolResponse {
        wire_version: polso_api::WIRE_VERSION,
        device_token: TOKEN.to_owned(),
        organisation_id: "org_1".to_owned(),
        team_id: "team_1".to_owned(),
        team_name: "Help desk".to_owned(),
        organisation_seed: SEED,
        report_window: ReportWindow { max_random_delay_seconds: max_delay, max_report_age_weeks: 8 },
        questionnaire: Vec::new(),
        aggregation: polso_api::Aggregation::default(),
        generation: generation.map(str::to_owned),
    })
    .unwrap()
}

pub(crate) fn form() -> EnrolDevice {
    EnrolDevice { server_url: " http://127.0.0.1:9/ ".to_owned(), invite_code: "7kqm-2xwd-pr9t".to_owned() }
}

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, 0, 0).unwrap()
}

/// Enrols on Monday of 2026-W48, then answers its pulse on Thursday with a note.
fn enrolled_and_answered(fixture: &mut Fixture, max_delay: u32) -> ScriptedServer {
    enrolled_and_answered_in(fixture, max_delay, None)
}

/// [`enrolled_and_answered`] with a server whose database is of `generation`.
fn enrolled_and_answered_in(
    fixture: &mut Fixture,
    max_delay: u32,
    generation: Option<&str>,
) -> ScriptedServer {
    let server = ScriptedServer::default();
    server.answer(201, &enrol_response_in(max_delay, generation));
    enrol(&mut fixture.desktop, &server, &form(), date(11, 23), at(11, 23, 9)).unwrap();
    let view = fixture.desktop.current_pulse(date(11, 26)).unwrap();
    let submission = SubmitPulse {
        week: view.week.clone(),
        answers: view
            .items
            .iter()
            .map(|item| AnswerDto { item_id: item.id.clone(), value: item.scale.min })
            .collect(),
        not_applicable: Vec::new(),
        work_week: Some(WorkWeekDto { office_days: 1, remote_days: 4 }),
        note: Some(CANARY_NOTE.to_owned()),
    };
    fixture.desktop.submit_pulse(submission, date(11, 26), at(11, 26, 10)).unwrap();
    server
}

fn accepted(week: &str) -> String {
    format!(r#"{{"week":"{week}","status":"accepted"}}"#)
}

/// The app's own shortest delay after a week closes: an hour, whatever the server says.
const FLOOR: Duration = Duration::hours(1);

/// Monday after 2026-W48, when the first pass queues its report.
fn monday() -> DateTime<Utc> {
    at(11, 30, 8)
}

/// When [`queued_on_monday`]'s pass, with nothing due, checked the server.
fn monday_check() -> DateTime<Utc> {
    monday()
}

/// Queues 2026-W48's report on Monday with the shortest delay (a draw of 0),
/// and returns when it is due. Nothing is sent yet; "Sync now" with nothing due checks the
/// server once, with the device token and nothing else.
fn queued_on_monday(fixture: &mut Fixture, server: &ScriptedServer) -> DateTime<Utc> {
    let requests = server.requests().len();
    let reads = server.unscripted_reads().len();
    let status = sync_now(&mut fixture.desktop, server, date(11, 30), monday(), true, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 1);
    assert_eq!(server.requests().len(), requests, "queued, not sent");
    let check: Vec<String> = server.unscripted_reads()[reads..]
        .iter()
        .map(|(url, token)| {
            assert_eq!(token, TOKEN, "the check carries the device token");
            url.trim_start_matches("http://127.0.0.1:9").to_owned()
        })
        .collect();
    assert_eq!(check, ["/v1/questionnaire", "/v1/care-contacts"], "one check, with the care contacts");
    monday() + FLOOR
}

#[test]
fn enrolment_keeps_the_token_in_the_vault_and_switches_to_the_organisations_items() {
    let mut fixture = fixture();
    let before = fixture.desktop.sync_status().unwrap();
    assert!(!before.enrolled && before.server_url.is_none() && before.team_name.is_none());

    let server = ScriptedServer::default();
    server.answer(201, &enrol_response(21600));
    let status = enrol(&mut fixture.desktop, &server, &form(), date(11, 23), at(11, 23, 9)).unwrap();
    assert!(status.enrolled);
    assert_eq!(status.server_url.as_deref(), Some("http://127.0.0.1:9"));
    assert_eq!(status.team_name.as_deref(), Some("Help desk"));
    assert_eq!(status.last_sync_at.as_deref(), Some("2026-11-23T09:00:00+00:00"));
    assert_eq!((status.pending_reports, status.failed_reports, status.last_error), (0, 0, None));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url, "http://127.0.0.1:9/v1/enrol");
    assert_eq!(requests[0].bearer_token, None);
    let body: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(body, serde_json::json!({"wire_version": 1, "invite_code": "7kqm-2xwd-pr9t"}));

    assert_eq!(fixture.vault.get(TOKEN_ACCOUNT).unwrap().as_deref(), Some(TOKEN));
    let expected_items =
        Schedule::new(ItemBank::embedded(), SEED).items_for_week(IsoWeek::new(2026, 48).unwrap());
    let shown: Vec<String> =
        fixture.desktop.current_pulse(date(11, 26)).unwrap().items.into_iter().map(|item| item.id).collect();
    assert_eq!(shown, expected_items.iter().map(ToString::to_string).collect::<Vec<_>>());
}

#[test]
fn the_organisation_seed_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("polso.db");
    let key = StoreKey::generate().unwrap();
    let server = ScriptedServer::default();
    server.answer(201, &enrol_response(0));
    let mut desktop = Desktop::new(Store::open(&path, &key).unwrap(), "en".into())
        .unwrap()
        .with_device_vault(Box::new(MemoryVault::new()), TOKEN_ACCOUNT);
    enrol(&mut desktop, &server, &form(), date(11, 23), at(11, 23, 9)).unwrap();
    let before = desktop.current_pulse(date(11, 26)).unwrap();
    drop(desktop);
    let reopened = Desktop::new(Store::open(&path, &key).unwrap(), "en".into()).unwrap();
    assert_eq!(reopened.current_pulse(date(11, 26)).unwrap().items, before.items);
    assert!(reopened.sync_status().unwrap().enrolled);
}

/// What the fake server does with an enrolment request, if one is made.
enum Reply {
    NoRequest,
    Answer(u16, &'static str),
    Unreachable,
}

#[test]
fn a_refused_or_failed_enrolment_keeps_nothing() {
    let unknown = r#"{"code":"invite_unknown","message":"no such invite"}"#;
    let expired = r#"{"code":"invite_expired","message":"expired"}"#;
    let cases = [
        (
            EnrolDevice { server_url: "polso.example.org".into(), ..form() },
            Reply::NoRequest,
            ErrorCode::InvalidServerAddress,
        ),
        (EnrolDevice { invite_code: "  ".into(), ..form() }, Reply::NoRequest, ErrorCode::InvalidInput),
        (form(), Reply::Answer(404, unknown), ErrorCode::InviteUnknown),
        (form(), Reply::Answer(410, expired), ErrorCode::InviteExpired),
        (form(), Reply::Answer(404, "<html>Not found</html>"), ErrorCode::InvalidServerAddress),
        (form(), Reply::Answer(201, r#"{"hello":"world"}"#), ErrorCode::InvalidServerAddress),
        (form(), Reply::Unreachable, ErrorCode::ServerUnreachable),
    ];
    for (form, reply, code) in cases {
        let mut fixture = fixture();
        let server = ScriptedServer::default();
        let expected_requests = match reply {
            Reply::NoRequest => 0,
            Reply::Answer(status, body) => {
                server.answer(status, body);
                1
            }
            Reply::Unreachable => {
                server.fail();
                1
            }
        };
        let error = enrol(&mut fixture.desktop, &server, &form, date(11, 23), at(11, 23, 9)).unwrap_err();
        assert_eq!(error.code, code, "{form:?}: {}", error.message);
        assert_eq!(server.requests().len(), expected_requests, "{form:?}");
        assert!(!fixture.desktop.sync_status().unwrap().enrolled, "{form:?}");
        assert_eq!(fixture.vault.get(TOKEN_ACCOUNT).unwrap(), None, "{form:?}");
    }
}

#[test]
fn a_weeks_report_waits_for_the_window_to_close_and_its_random_delay() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 21600);
    let mut random = || 5000u64;

    // Sunday evening: the week is still open; nothing is queued or sent.
    let status =
        sync_now(&mut fixture.desktop, &server, date(11, 29), at(11, 29, 20), false, &mut random).unwrap();
    assert_eq!(status.pending_reports, 0);
    // Monday: queued, due the app's floor of an hour plus 5000 s later.
    let monday = at(11, 30, 8);
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), monday, false, &mut random).unwrap();
    assert_eq!(status.pending_reports, 1);
    let due_at = monday + FLOOR + Duration::seconds(5000);
    sync_now(&mut fixture.desktop, &server, date(11, 30), due_at - Duration::seconds(1), true, &mut random)
        .unwrap();
    assert_eq!(server.requests().len(), 1, "only the enrolment so far, even with retry_now");

    server.answer(200, &accepted("2026-W48"));
    let reads = server.unscripted_reads().len();
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut random).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports, status.last_error), (0, 0, None));
    // A pass that sends makes no other request: no read with the same token beside the report.
    assert_eq!(server.unscripted_reads().len(), reads, "a read beside the report");
    assert_eq!(status.last_sync_at, Some(due_at.to_rfc3339()));

    let report_request = server.requests().pop().unwrap();
    assert_eq!(report_request.url, "http://127.0.0.1:9/v1/reports");
    assert_eq!(report_request.bearer_token.as_deref(), Some(TOKEN));
    assert!(!report_request.body.contains(CANARY_NOTE), "the note never leaves");
    assert!(!report_request.body.contains(TOKEN), "the token travels only in the header");
    let report: WeeklyReport = serde_json::from_str(&report_request.body).unwrap();
    assert_eq!(report.week, "2026-W48");
    assert!(!report.items.is_empty() && !report.metrics.is_empty());
    let keys: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&report_request.body)
            .unwrap()
            .keys()
            .cloned()
            .collect();
    assert_eq!(
        keys,
        ["items", "metrics", "padding", "week", "wire_version"],
        "no marks, no field: older servers read it"
    );
    assert_eq!(report_request.body.len(), REPORT_BODY_BYTES, "every body has one size");
    assert!(report.padding.bytes().all(|byte| byte == b' ') && !report.padding.is_empty());

    // Sent once: later passes send nothing.
    sync_now(&mut fixture.desktop, &server, date(12, 7), at(12, 7, 9), true, &mut random).unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_server_announcing_no_delay_cannot_make_a_report_arrive_at_the_weeks_close() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    // The first pass after midnight, with the shortest draw there is.
    let close = at(11, 30, 0);
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), close, true, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 1);
    let status = sync_now(
        &mut fixture.desktop,
        &server,
        date(11, 30),
        close + FLOOR - Duration::seconds(1),
        true,
        &mut || 0,
    )
    .unwrap();
    assert_eq!((status.pending_reports, server.requests().len()), (1, 1), "nothing before an hour");
    server.answer(200, r#"{"week":"2026-W48","status":"duplicate"}"#);
    let status =
        sync_now(&mut fixture.desktop, &server, date(11, 30), close + FLOOR, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.last_error), (0, None), "a duplicate counts as sent");
}

#[test]
fn the_longest_draw_spreads_reports_over_a_day_after_the_floor() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let close = at(11, 30, 0);
    let longest = 86_400u64;
    sync_now(&mut fixture.desktop, &server, date(11, 30), close, false, &mut || longest).unwrap();
    let due_at = close + FLOOR + Duration::seconds(86_400);
    sync_now(&mut fixture.desktop, &server, date(12, 1), due_at - Duration::seconds(1), false, &mut || 0)
        .unwrap();
    assert_eq!(server.requests().len(), 1, "still waiting a second before");
    server.answer(200, &accepted("2026-W48"));
    let status = sync_now(&mut fixture.desktop, &server, date(12, 1), due_at, false, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 0);
}

#[test]
fn a_report_for_a_published_week_is_dropped_for_good_and_named_in_the_status() {
    let cases = [
        (
            410,
            r#"{"code":"week_published","message":"2026-W48 was published; the report came too late"}"#,
            DroppedReportReason::WeekPublished,
        ),
        (
            422,
            r#"{"code":"week_before_enrolment","message":"2026-W48 began before the device enrolled"}"#,
            DroppedReportReason::WeekBeforeEnrolment,
        ),
    ];
    for (status_code, body, reason) in cases {
        let mut fixture = fixture();
        let server = enrolled_and_answered(&mut fixture, 0);
        let due_at = queued_on_monday(&mut fixture, &server);
        server.answer(status_code, body);
        let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
        assert_eq!(
            (status.pending_reports, status.failed_reports, &status.last_error),
            (0, 0, &None),
            "{reason:?}: not pending, not a failure to fix"
        );
        assert_eq!(status.dropped_reports, [DroppedReport { week: "2026-W48".to_owned(), reason }]);
        // The server answered, so the pass succeeded, but it counted nothing.
        assert_eq!(status.last_sync_at, Some(due_at.to_rfc3339()), "{reason:?}");
        let pass = status.last_pass.clone().expect("the pass is recorded");
        assert_eq!(
            (pass.outcome, pass.sent),
            (SyncPassOutcome::NothingToSend, 0),
            "{reason:?}: nothing counted"
        );

        // Gone for good: "Sync now" sends nothing, a later pass queues nothing.
        for (today, now) in [(date(11, 30), due_at + Duration::hours(2)), (date(12, 8), at(12, 8, 9))] {
            let status = sync_now(&mut fixture.desktop, &server, today, now, true, &mut || 0).unwrap();
            assert_eq!((status.pending_reports, status.dropped_reports.len()), (0, 1), "{reason:?}");
        }
        assert_eq!(server.requests().len(), 2, "{reason:?}: the enrolment and the one report");
        let kept = fixture.desktop.store.queued_report(IsoWeek::new(2026, 48).unwrap()).unwrap().unwrap();
        assert_eq!((kept.state, kept.payload.as_str()), (QueuedReportState::Dropped, ""));
        // The answers themselves stay on the device.
        assert_eq!(fixture.desktop.history().unwrap().weeks.len(), 1);
    }
}

#[test]
fn a_rate_limited_report_waits_for_retry_after_even_on_sync_now() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = queued_on_monday(&mut fixture, &server);
    server.answer_with_retry_after(429, r#"{"code":"rate_limited","message":"too many requests"}"#, "600");
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (1, 0));
    assert_eq!(status.last_error.map(|error| error.code), Some(ErrorCode::RateLimited));

    let before = due_at + Duration::seconds(599);
    sync_now(&mut fixture.desktop, &server, date(11, 30), before, true, &mut || 0).unwrap();
    assert_eq!(server.requests().len(), 2, "not before the server's Retry-After, even on Sync now");

    // A server fault next: retried on Polso's own backoff (two minutes after a second failure).
    let after = due_at + Duration::seconds(600);
    server.answer(503, r#"{"code":"internal","message":"busy"}"#);
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), after, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (1, 0));
    sync_now(&mut fixture.desktop, &server, date(11, 30), after + Duration::seconds(119), false, &mut || 0)
        .unwrap();
    assert_eq!(server.requests().len(), 3);
    server.answer(200, &accepted("2026-W48"));
    let status = sync_now(
        &mut fixture.desktop,
        &server,
        date(11, 30),
        after + Duration::seconds(120),
        false,
        &mut || 0,
    )
    .unwrap();
    assert_eq!((status.pending_reports, status.failed_reports, status.last_error), (0, 0, None));
    let bodies: Vec<usize> = server.requests()[1..].iter().map(|request| request.body.len()).collect();
    assert_eq!(bodies, [REPORT_BODY_BYTES; 3], "every attempt has the same length");
}

/// A device whose clock runs two days ahead: the server says the week is not over by its
/// clock and what time it is there. The report stays pending, is tried again when the week is
/// over by the server's clock (plus the app's own floor), not hourly before; the status says how
/// far ahead the clock runs, and stops saying it once a report goes through.
#[test]
fn a_clock_ahead_of_the_servers_waits_for_the_servers_week_and_says_by_how_much() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = queued_on_monday(&mut fixture, &server);
    // The device's Monday 09:00 is the server's Saturday 09:00 of 2026-W48.
    let ahead = Duration::days(2);
    let not_over = |device_now: DateTime<Utc>| {
        let server_time = (device_now - ahead).to_rfc3339();
        format!(
            r#"{{"code":"week_not_open","message":"2026-W48 is not over yet by the server's clock","server_time":"{server_time}"}}"#
        )
    };
    server.answer(400, &not_over(due_at));
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (1, 0));
    assert_eq!(status.clock_ahead_seconds, Some(ahead.num_seconds()));
    assert_eq!(status.last_error.as_ref().map(|error| error.code), Some(ErrorCode::WeekNotOpen));

    // The week is over on the server at its Monday 00:00 UTC, this device's Wednesday 00:00,
    // then the app's floor of an hour: 40 hours on. Like any wait a server asks for, one pass
    // waits a day at most, and the server's next answer says the rest.
    let a_day_on = due_at + Duration::days(1);
    sync_now(&mut fixture.desktop, &server, date(12, 1), a_day_on - Duration::seconds(1), true, &mut || 0)
        .unwrap();
    assert_eq!(server.requests().len(), 2, "no sooner, even on Sync now");
    server.answer(400, &not_over(a_day_on));
    sync_now(&mut fixture.desktop, &server, date(12, 1), a_day_on, false, &mut || 0).unwrap();
    assert_eq!(server.requests().len(), 3);
    let servers_week_over = at(12, 2, 0) + FLOOR;
    sync_now(
        &mut fixture.desktop,
        &server,
        date(12, 2),
        servers_week_over - Duration::seconds(1),
        true,
        &mut || 0,
    )
    .unwrap();
    assert_eq!(server.requests().len(), 3, "not before the week is over on the server, even on Sync now");
    server.answer(200, &accepted("2026-W48"));
    let status =
        sync_now(&mut fixture.desktop, &server, date(12, 2), servers_week_over, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports, status.last_error), (0, 0, None));
    assert_eq!(status.clock_ahead_seconds, None, "a report went through");
}

/// A device whose clock runs behind learns by how much from the server's time in its
/// acknowledgement, and says so; clocks within five minutes of each other agree, and the notice
/// goes. The report left when this device's own clock said, never earlier for the server's time.
#[test]
fn a_clock_behind_the_servers_is_learned_from_an_acknowledgement_and_said() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = queued_on_monday(&mut fixture, &server);
    let behind = Duration::days(2);
    let acknowledged_at = |server_time: DateTime<Utc>| {
        format!(r#"{{"week":"2026-W48","status":"accepted","server_time":"{}"}}"#, server_time.to_rfc3339())
    };
    let enrolment = server.requests().len();
    server.answer(200, &acknowledged_at(due_at + behind));
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (0, 0));
    assert_eq!(status.clock_ahead_seconds, Some(-behind.num_seconds()));
    assert_eq!(server.requests().len(), enrolment + 1, "sent once, when it was due by this device's clock");

    // The next week's report, acknowledged by a server whose time agrees within five minutes:
    // the notice goes.
    let view = fixture.desktop.current_pulse(date(12, 3)).unwrap();
    let answers = view.items.iter().map(|item| AnswerDto { item_id: item.id.clone(), value: item.scale.max });
    let submission = SubmitPulse {
        week: view.week.clone(),
        answers: answers.collect(),
        not_applicable: Vec::new(),
        work_week: None,
        note: None,
    };
    fixture.desktop.submit_pulse(submission, date(12, 3), at(12, 3, 10)).unwrap();
    sync_now(&mut fixture.desktop, &server, date(12, 7), at(12, 7, 9), false, &mut || 0).unwrap();
    let next_due = at(12, 7, 9) + FLOOR;
    let agreeing = next_due + Duration::seconds(CLOCK_AGREEMENT_SECONDS);
    server.answer(200, &acknowledged_at(agreeing).replace("W48", "W49"));
    let status = sync_now(&mut fixture.desktop, &server, date(12, 7), next_due, false, &mut || 0).unwrap();
    assert_eq!(server.requests().len(), enrolment + 2, "{status:?}");
    assert_eq!(status.clock_ahead_seconds, None, "{status:?}");
}

/// A server time that is not a time, or one far in the past, cannot hold a report back for
/// long: without a readable time the app's backoff retries, and a far one is cut at a day.
#[test]
fn a_servers_odd_time_holds_a_report_back_a_day_at_most() {
    for (server_time, retry_in) in
        [("yesterday", Duration::minutes(1)), ("2001-01-01T00:00:00Z", Duration::days(1))]
    {
        let mut fixture = fixture();
        let server = enrolled_and_answered(&mut fixture, 0);
        let due_at = queued_on_monday(&mut fixture, &server);
        server.answer(
            400,
            &format!(r#"{{"code":"week_not_open","message":"not over","server_time":"{server_time}"}}"#),
        );
        sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
        let retry_at = due_at + retry_in;
        sync_now(
            &mut fixture.desktop,
            &server,
            date(12, 1),
            retry_at - Duration::seconds(1),
            false,
            &mut || 0,
        )
        .unwrap();
        assert_eq!(server.requests().len(), 2, "{server_time}: not retried before {retry_in}");
        server.answer(200, &accepted("2026-W48"));
        let status =
            sync_now(&mut fixture.desktop, &server, date(12, 1), retry_at, false, &mut || 0).unwrap();
        assert_eq!(status.pending_reports, 0, "{server_time}: retried after {retry_in}");
    }
}

#[test]
fn an_unreadable_queued_report_fails_for_good_without_being_sent() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = monday() + FLOOR;
    let week = IsoWeek::new(2026, 48).unwrap();
    assert!(fixture.desktop.store.enqueue_report(week, "not a report", due_at).unwrap());
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (0, 1));
    assert_eq!(server.requests().len(), 1, "only the enrolment");
}

#[test]
fn offline_reports_stay_pending_and_retry_with_backoff() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let monday = queued_on_monday(&mut fixture, &server);
    server.fail();
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), monday, false, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 1);
    let error = status.last_error.unwrap();
    assert_eq!(error.code, ErrorCode::ServerUnreachable);
    assert!(error.message.contains("http://127.0.0.1:9"), "{}", error.message);
    assert!(!error.message.contains(TOKEN));
    // The last success stays: Monday's "Sync now", which queued the report and checked the server.
    assert_eq!(status.last_sync_at, Some(monday_check().to_rfc3339()), "unchanged");

    // Not before the first backoff of a minute; then doubling.
    sync_now(&mut fixture.desktop, &server, date(11, 30), monday + Duration::seconds(59), false, &mut || 0)
        .unwrap();
    assert_eq!(server.requests().len(), 2);
    server.fail();
    sync_now(&mut fixture.desktop, &server, date(11, 30), monday + Duration::seconds(60), false, &mut || 0)
        .unwrap();
    assert_eq!(server.requests().len(), 3);
    let second_failure = monday + Duration::seconds(60);
    sync_now(
        &mut fixture.desktop,
        &server,
        date(11, 30),
        second_failure + Duration::seconds(119),
        false,
        &mut || 0,
    )
    .unwrap();
    assert_eq!(server.requests().len(), 3, "the second wait is two minutes");

    // "Sync now" retries at once, and the server's duplicate counts as sent.
    server.answer(200, r#"{"week":"2026-W48","status":"duplicate"}"#);
    let status = sync_now(
        &mut fixture.desktop,
        &server,
        date(11, 30),
        second_failure + Duration::seconds(1),
        true,
        &mut || 0,
    )
    .unwrap();
    assert_eq!(server.requests().len(), 4);
    assert_eq!((status.pending_reports, status.last_error), (0, None));
}

#[test]
fn a_refused_report_fails_in_words_and_is_not_sent_again() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = queued_on_monday(&mut fixture, &server);
    server.answer(
        409,
        r#"{"code":"duplicate_report","message":"a different report for 2026-W48 was counted"}"#,
    );
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (0, 1));
    assert!(status.dropped_reports.is_empty(), "a refusal is a failure, not a dropped week");
    let error = status.last_error.unwrap();
    assert_eq!(error.code, ErrorCode::DuplicateReport);
    assert!(error.message.contains("2026-W48"), "{}", error.message);
    sync_now(&mut fixture.desktop, &server, date(12, 1), at(12, 1, 8), true, &mut || 0).unwrap();
    assert_eq!(server.requests().len(), 2, "the enrolment and the one refused report");
}

/// A 4xx that is not Polso's `{code, message}` (a misrouted balancer's 404, a
/// firewall's 403 page, an empty 400) is no refusal of the report: it stays
/// pending, is tried again after the backoff, and is counted once the server
/// answers. Only Polso's own refusal fails a report for good (above).
#[test]
fn a_4xx_that_is_not_polso_speaking_keeps_the_report_for_another_try() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = queued_on_monday(&mut fixture, &server);
    let mut at = due_at;
    for (status, body) in [(404, "<html><body>404 Not Found</body></html>"), (403, "Forbidden"), (400, "")] {
        server.answer(status, body);
        let synced = sync_now(&mut fixture.desktop, &server, date(11, 30), at, true, &mut || 0).unwrap();
        assert_eq!((synced.pending_reports, synced.failed_reports), (1, 0), "HTTP {status}");
        let error = synced.last_error.unwrap();
        assert!(error.message.contains(&status.to_string()), "{}", error.message);
        at += Duration::hours(2);
    }
    server.answer(200, r#"{"week":"2026-W48","status":"accepted"}"#);
    let synced = sync_now(&mut fixture.desktop, &server, date(11, 30), at, true, &mut || 0).unwrap();
    assert_eq!((synced.pending_reports, synced.failed_reports, synced.last_error), (0, 0, None));
    assert_eq!(server.requests().len(), 5, "the enrolment and four tries of the one report");
}

#[test]
fn nothing_is_sent_before_enrolment_nor_for_weeks_before_it() {
    let mut fixture = fixture();
    // Answer 2026-W47 before enrolling, in W48.
    let view = fixture.desktop.current_pulse(date(11, 19)).unwrap();
    let submission = SubmitPulse {
        week: view.week.clone(),
        answers: vec![AnswerDto { item_id: view.items[0].id.clone(), value: view.items[0].scale.min }],
        not_applicable: Vec::new(),
        work_week: None,
        note: None,
    };
    fixture.desktop.submit_pulse(submission, date(11, 19), at(11, 19, 9)).unwrap();
    let server = ScriptedServer::default();
    let status =
        sync_now(&mut fixture.desktop, &server, date(11, 23), at(11, 23, 8), true, &mut || 0).unwrap();
    assert!(!status.enrolled);
    assert!(server.requests().is_empty());

    server.answer(201, &enrol_response(0));
    enrol(&mut fixture.desktop, &server, &form(), date(11, 23), at(11, 23, 9)).unwrap();
    let status =
        sync_now(&mut fixture.desktop, &server, date(11, 30), at(11, 30, 9), true, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 0);
    assert_eq!(server.requests().len(), 1, "only the enrolment: 2026-W47 predates it");
}

#[test]
fn a_missing_token_is_shown_as_not_enrolled_and_keeps_the_report() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = queued_on_monday(&mut fixture, &server);
    fixture.vault.delete(TOKEN_ACCOUNT).unwrap();
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 1);
    assert_eq!(status.last_error.map(|error| error.code), Some(ErrorCode::NotEnrolled));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn enrolment_without_a_vault_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
    let mut desktop = Desktop::new(store, "en".into()).unwrap();
    let server = ScriptedServer::default();
    server.answer(201, &enrol_response(0));
    let error = enrol(&mut desktop, &server, &form(), date(11, 23), at(11, 23, 9)).unwrap_err();
    assert_eq!(error.code, ErrorCode::KeyringUnavailable);
    assert!(!desktop.sync_status().unwrap().enrolled);
}

/// "Sync now" says what it did: sent n, or nothing to send once the server
/// answered, or failed and why. A failed pass never leaves the status
/// looking synced: the error is kept and the last success stays where it was.
#[test]
fn every_pass_reports_its_outcome_and_a_failed_one_keeps_the_last_success() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = queued_on_monday(&mut fixture, &server);
    server.answer(200, &accepted("2026-W48"));
    let sent = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    let pass = sent.last_pass.clone().expect("a pass that sent is recorded");
    assert_eq!((pass.outcome, pass.sent), (SyncPassOutcome::Sent, 1), "{sent:?}");
    assert_eq!(sent.last_sync_at, Some(due_at.to_rfc3339()));
    assert_eq!(sent.last_error, None);

    // "Sync now" with nothing due checks that the server still answers this device.
    let later = due_at + Duration::minutes(5);
    assert!(fixture.desktop.prepare_sync(date(11, 30), later, true, &mut || 0).unwrap().is_none());
    let check = fixture.desktop.prepare_check(later, true).unwrap().expect("Sync now always checks");
    server.answer(200, NO_QUESTIONNAIRE_CHANGE);
    let checked = crate::sync::check_server(&server, &check);
    assert_eq!(checked.as_ref().map(|read| read.as_ref().map(|read| read.questionnaire.len())), Ok(Some(0)));
    let request = server.requests().last().cloned().unwrap();
    assert_eq!(request.url, "http://127.0.0.1:9/v1/questionnaire");
    assert_eq!(request.bearer_token.as_deref(), Some(TOKEN));
    let status = fixture.desktop.record_check(checked, later).unwrap();
    let pass = status.last_pass.clone().unwrap();
    assert_eq!((pass.outcome, pass.sent), (SyncPassOutcome::NothingToSend, 0));
    assert_eq!(status.last_sync_at, Some(later.to_rfc3339()));

    // The server has gone: the pass fails, says why and where, and the last success stays.
    let gone = later + Duration::minutes(5);
    let check = fixture.desktop.prepare_check(gone, true).unwrap().unwrap();
    server.fail();
    let checked = crate::sync::check_server(&server, &check);
    let error = checked.clone().unwrap_err();
    assert_eq!(error.code, ErrorCode::ServerUnreachable);
    assert!(error.message.contains("http://127.0.0.1:9"), "{error:?}");
    let status = fixture.desktop.record_check(checked, gone).unwrap();
    assert_eq!(status.last_pass.map(|pass| pass.outcome), Some(SyncPassOutcome::Failed));
    assert_eq!(status.last_error.map(|error| error.code), Some(ErrorCode::ServerUnreachable));
    assert_eq!(status.last_sync_at, Some(later.to_rfc3339()), "the last success, not the failure");
}

/// A background pass checks the server at most once an hour when nothing is
/// due, and never before enrolment.
#[test]
fn background_checks_are_hourly_and_only_when_enrolled() {
    let mut fixture = fixture();
    assert!(fixture.desktop.prepare_check(at(11, 23, 8), true).unwrap().is_none(), "not enrolled");
    let server = enrolled_and_answered(&mut fixture, 0);
    let first = at(11, 24, 9);
    assert!(fixture.desktop.prepare_check(first, false).unwrap().is_some(), "never checked yet");
    server.answer(200, "{}");
    fixture.desktop.record_check(Ok(None), first).unwrap();
    assert!(fixture.desktop.prepare_check(first + Duration::minutes(59), false).unwrap().is_none());
    assert!(fixture.desktop.prepare_check(first + Duration::minutes(59), true).unwrap().is_some());
    assert!(fixture.desktop.prepare_check(first + Duration::minutes(60), false).unwrap().is_some());
}

/// An employee whose organisation's server moved gives its new address: the
/// enrolment moves only once the server there has answered this device's
/// token; a server that does not know the device, none at all, or an address
/// that is not one, changes nothing.
#[test]
fn the_server_address_moves_only_to_a_server_that_knows_this_device() {
    let mut fixture = fixture();
    assert_eq!(
        fixture.desktop.prepare_move("http://127.0.0.1:10").unwrap_err().code,
        ErrorCode::NotEnrolled,
        "nothing to move before joining a team"
    );
    let server = enrolled_and_answered(&mut fixture, 0);
    let before = fixture.desktop.sync_status().unwrap();
    assert_eq!(before.server_url.as_deref(), Some("http://127.0.0.1:9"));
    let now = at(11, 24, 9);

    assert_eq!(
        fixture.desktop.prepare_move("not an address").unwrap_err().code,
        ErrorCode::InvalidServerAddress
    );

    // Nothing answers at the new address.
    let check = fixture.desktop.prepare_move(" http://127.0.0.1:10/ ").unwrap();
    server.fail();
    let checked = crate::sync::check_server(&server, &check);
    assert_eq!(server.requests().last().unwrap().url, "http://127.0.0.1:10/v1/questionnaire");
    assert_eq!(server.requests().last().unwrap().bearer_token.as_deref(), Some(TOKEN));
    let error = fixture.desktop.complete_move(&check, checked, now).unwrap_err();
    assert_eq!(error.code, ErrorCode::ServerUnreachable, "{error:?}");
    assert_eq!(fixture.desktop.sync_status().unwrap(), before, "a failed move changes nothing");

    // A server that does not know this device's token (another organisation's).
    server.answer(401, r#"{"code":"unauthorized","message":"unknown device token"}"#);
    let checked = crate::sync::check_server(&server, &check);
    assert!(fixture.desktop.complete_move(&check, checked, now).is_err());
    assert_eq!(fixture.desktop.sync_status().unwrap(), before, "a refused move changes nothing");

    // The same server at its new address.
    server.answer(200, NO_QUESTIONNAIRE_CHANGE);
    let checked = crate::sync::check_server(&server, &check);
    let moved = fixture.desktop.complete_move(&check, checked, now).unwrap();
    assert_eq!(moved.server_url.as_deref(), Some("http://127.0.0.1:10"));
    assert_eq!(moved.team_name, before.team_name, "the same enrolment, at another address");
    assert_eq!(moved.last_error, None);
    assert_eq!(moved.last_sync_at, Some(now.to_rfc3339()));
    let pass = moved.last_pass.expect("the check is recorded as a pass");
    assert_eq!(pass.outcome, SyncPassOutcome::NothingToSend);
}

/// A questionnaire answer that changes nothing for a device enrolled with a
/// server that sent none at enrolment: edition 2 throughout.
const NO_QUESTIONNAIRE_CHANGE: &str = r#"{"wire_version":1,"questionnaire":[]}"#;

/// A server's answer with no care contact set.
const NO_CARE_CONTACTS: &str =
    r#"{"employee_assistance":null,"occupational_doctor":null,"trusted_person":null}"#;

/// The questionnaire an organisation adopts after a device enrolled reaches
/// the device with its next check, and the weeks of the new cycle ask the
/// new edition's items, while the weeks before keep theirs. One that would
/// change a week that has begun is refused and changes nothing; a server
/// that predates questionnaires is checked the old way.
#[test]
fn a_questionnaire_adopted_later_is_followed_from_its_cycle_and_never_for_a_begun_week() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let now = at(11, 24, 9);
    let this_week = IsoWeek::containing(now.date_naive());
    let next_cycle = IsoWeek::from_index((this_week.index().div_euclid(4) + 1) * 4);
    let later_week = next_cycle.plus_weeks(1);
    let legacy = Schedule::new(ItemBank::embedded(), SEED);
    let before = fixture.desktop.schedule.items_for_week(later_week);
    assert_eq!(before, legacy.items_for_week(later_week), "enrolled without a questionnaire: edition 2");

    // The server adopted edition 3 from the next cycle.
    let adopted = format!(
        r#"{{"wire_version":1,"questionnaire":[{{"from_week":null,"edition":2,"who5":true}},{{"from_week":"{next_cycle}","edition":3,"who5":false}}]}}"#
    );
    server.answer(200, &adopted);
    let check = fixture.desktop.prepare_check(now, true).unwrap().unwrap();
    let checked = crate::sync::check_server(&server, &check);
    let status = fixture.desktop.record_check(checked, now).unwrap();
    assert_eq!(status.last_error, None, "{status:?}");
    let plan = polso_core::questionnaire::QuestionnairePlan::legacy()
        .adopt(polso_core::questionnaire::Questionnaire { edition: 3, who5: false }, next_cycle)
        .unwrap();
    let expected = Schedule::with_plan(ItemBank::embedded(), SEED, &plan);
    assert_eq!(fixture.desktop.schedule.items_for_week(later_week), expected.items_for_week(later_week));
    assert_eq!(fixture.desktop.schedule.items_for_week(this_week), legacy.items_for_week(this_week));

    // A questionnaire that changes the week this device answered (2026-W48) is refused.
    let kept = fixture.desktop.store.setting(crate::questionnaire::QUESTIONNAIRE_KEY).unwrap();
    let rewritten = format!(
        r#"{{"wire_version":1,"questionnaire":[{{"from_week":null,"edition":3,"who5":false}},{{"from_week":"{next_cycle}","edition":3,"who5":true}}]}}"#
    );
    server.answer(200, &rewritten);
    let checked = crate::sync::check_server(&server, &check);
    let status = fixture.desktop.record_check(checked, now).unwrap();
    let error = status.last_error.expect("a rewritten past is named");
    assert!(error.message.contains("2026-W48") && error.message.contains("answered"), "{error:?}");
    assert_eq!(fixture.desktop.store.setting(crate::questionnaire::QUESTIONNAIRE_KEY).unwrap(), kept);
    assert_eq!(fixture.desktop.schedule.items_for_week(later_week), expected.items_for_week(later_week));

    // A server without the questionnaire endpoint: the old check, nothing changes.
    server.answer(404, "").answer(200, r#"{"year":2026,"dp_on":true,"epsilon":0.0,"weeks_published":0}"#);
    let checked = crate::sync::check_server(&server, &check);
    assert_eq!(checked, Ok(None));
    assert_eq!(server.requests().last().unwrap().url, "http://127.0.0.1:9/v1/privacy-ledger/device");
    let status = fixture.desktop.record_check(checked, now).unwrap();
    assert_eq!(status.last_error, None);
    assert_eq!(fixture.desktop.store.setting(crate::questionnaire::QUESTIONNAIRE_KEY).unwrap(), kept);
}

/// A store enrolled before editions follows edition 2, as its organisation
/// was migrated to; and a device that was away when its organisation adopted
/// a new edition still follows it, since only weeks it answered are kept.
#[test]
fn a_store_enrolled_before_editions_follows_edition_2_and_catches_up_later() {
    let dir = tempfile::tempdir().unwrap();
    let key = StoreKey::generate().unwrap();
    let path = dir.path().join("polso.db");
    {
        // What an app from before editions kept: a seed, an enrolment, no questionnaire.
        let mut store = Store::open(&path, &key).unwrap();
        store.set_setting("organisation_seed", &SEED.to_string()).unwrap();
    }
    let desktop = Desktop::new(Store::open(&path, &key).unwrap(), "en-GB".to_owned()).unwrap();
    let week = IsoWeek::new(2026, 48).unwrap();
    let legacy = Schedule::new(ItemBank::embedded(), SEED);
    for offset in 0..12 {
        assert_eq!(
            desktop.schedule.items_for_week(week.plus_weeks(offset)),
            legacy.items_for_week(week.plus_weeks(offset))
        );
    }
    drop(desktop);

    // Away for weeks: the adoption started before this device heard of it,
    // and it answered none of those weeks, so it follows.
    let mut fixture = fixture();
    let server = ScriptedServer::default();
    server.answer(201, &enrol_response(0));
    enrol(&mut fixture.desktop, &server, &form(), date(11, 23), at(11, 23, 9)).unwrap();
    let begun = polso_core::questionnaire::cycle_start(week);
    server.answer(
        200,
        &format!(
            r#"{{"wire_version":1,"questionnaire":[{{"from_week":null,"edition":2,"who5":true}},{{"from_week":"{begun}","edition":3,"who5":false}}]}}"#
        ),
    );
    let now = at(11, 26, 9);
    let check = fixture.desktop.prepare_check(now, true).unwrap().unwrap();
    let status = fixture.desktop.record_check(crate::sync::check_server(&server, &check), now).unwrap();
    assert_eq!(status.last_error, None, "{status:?}");
    assert_eq!(fixture.desktop.schedule.questionnaire_for(week).edition, 3);
}

/// Enrols on Monday of 2026-W48 and answers the first week from then that asks the WHO-5 (all
/// five items) or the burnout item: low (WHO-5 all 0, raw 0; burnout 5) or not (WHO-5 all 5, raw
/// 25; burnout 1), every other item at its scale's minimum. Returns the server, the week and
/// the view as saved.
fn enrolled_and_answered_a_care_week(fixture: &mut Fixture, low: bool) -> (ScriptedServer, PulseView) {
    let server = ScriptedServer::default();
    server.answer(201, &enrol_response(0));
    enrol(&mut fixture.desktop, &server, &form(), date(11, 23), at(11, 23, 9)).unwrap();
    let (day, view) = (0..40)
        .map(|week| date(11, 26) + Duration::weeks(week))
        .map(|day| (day, fixture.desktop.current_pulse(day).unwrap()))
        .find(|(_, view)| view.items.iter().any(|item| item.id == "who5.1" || item.id == "burnout.1"))
        .expect("a week asking the WHO-5 or the burnout item within 40 weeks");
    let answers = view
        .items
        .iter()
        .map(|item| {
            let value = match (item.id.as_str(), low) {
                (id, true) if id.starts_with("who5.") => 0,
                (id, false) if id.starts_with("who5.") => 5,
                ("burnout.1", true) => 5,
                ("burnout.1", false) => 1,
                _ => item.scale.min,
            };
            AnswerDto { item_id: item.id.clone(), value }
        })
        .collect();
    let submission = SubmitPulse {
        week: view.week.clone(),
        answers,
        not_applicable: Vec::new(),
        work_week: None,
        note: None,
    };
    let saved = fixture
        .desktop
        .submit_pulse(submission, day, Utc.from_utc_datetime(&day.and_hms_opt(10, 0, 0).unwrap()))
        .unwrap();
    (server, saved)
}

/// Sends the week's report (queued the Monday after, due the app's floor later) and returns
/// the body the server received.
fn sent_report_body(fixture: &mut Fixture, server: &ScriptedServer, week: &str) -> String {
    let week: IsoWeek = week.parse().unwrap();
    let next_monday = week.plus_weeks(1).monday();
    let queued_at = Utc.from_utc_datetime(&next_monday.and_hms_opt(8, 0, 0).unwrap());
    sync_now(&mut fixture.desktop, server, next_monday, queued_at, false, &mut || 0).unwrap();
    server.answer(200, &accepted(&week.to_string()));
    let status =
        sync_now(&mut fixture.desktop, server, next_monday, queued_at + FLOOR, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (0, 0), "{status:?}");
    server.requests().pop().unwrap().body
}

/// Issue 16, duty of care: the care path is shown for low answers and never sent. A week that
/// trips it queues a report identical in shape to one that does not: the same fields, the same
/// items and metrics, the same length on the wire; nothing of the care path is in it.
#[test]
fn a_pulse_that_shows_the_care_path_sends_a_report_of_the_same_shape_as_one_that_does_not() {
    let (mut low, mut fine) = (fixture(), fixture());
    let (low_server, low_view) = enrolled_and_answered_a_care_week(&mut low, true);
    let (fine_server, fine_view) = enrolled_and_answered_a_care_week(&mut fine, false);
    assert_eq!(low_view.week, fine_view.week);
    assert!(low_view.care.is_some(), "low answers show the care path: {:?}", low_view.care);
    assert_eq!(fine_view.care, None);
    // The history shows it for that week too, from the same answers.
    let history = low.desktop.history().unwrap();
    assert_eq!(history.weeks.iter().find(|week| week.week == low_view.week).unwrap().care, low_view.care);

    let low_body = sent_report_body(&mut low, &low_server, &low_view.week);
    let fine_body = sent_report_body(&mut fine, &fine_server, &fine_view.week);
    assert_eq!(low_body.len(), REPORT_BODY_BYTES);
    assert_eq!(low_body.len(), fine_body.len());
    let shape = |body: &str| {
        let report: serde_json::Map<String, serde_json::Value> = serde_json::from_str(body).unwrap();
        let keys: Vec<String> = report.keys().cloned().collect();
        let items: Vec<serde_json::Value> =
            report["items"].as_array().unwrap().iter().map(|item| item["item_id"].clone()).collect();
        let metrics: Vec<serde_json::Value> =
            report["metrics"].as_array().unwrap().iter().map(|metric| metric["metric"].clone()).collect();
        let item_fields: Vec<Vec<String>> = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item.as_object().unwrap().keys().cloned().collect())
            .collect();
        (keys, items, metrics, item_fields)
    };
    assert_eq!(shape(&low_body), shape(&fine_body));
    assert_eq!(shape(&low_body).0, ["items", "metrics", "padding", "week", "wire_version"]);
    for request in low_server.requests() {
        assert!(!request.body.to_lowercase().contains("care"), "{}", request.body);
        assert!(!request.url.contains("care"), "{}", request.url);
    }
    assert_eq!(low_server.requests().len(), fine_server.requests().len(), "the same requests, one by one");
}

/// The care contacts come with the regular server check, are kept, and are shown from the
/// store; a server that predates them leaves the kept ones as they are.
#[test]
fn the_care_contacts_are_read_with_the_server_check_and_kept() {
    let mut fixture = fixture();
    let server = ScriptedServer::default();
    server.answer(201, &enrol_response(0));
    enrol(&mut fixture.desktop, &server, &form(), date(11, 23), at(11, 23, 9)).unwrap();
    assert_eq!(fixture.desktop.care_contacts().unwrap(), polso_api::CareContacts::default());

    let contacts = polso_api::CareContacts {
        employee_assistance: Some(polso_api::CareContact {
            name_en: "Employee Assistance Programme".into(),
            name_it: "Programma di assistenza".into(),
            contact: "+39 02 1234 5678".into(),
            kind: polso_api::CareContactKind::Phone,
        }),
        occupational_doctor: None,
        trusted_person: None,
    };
    let check = fixture.desktop.prepare_check(at(11, 24, 9), true).unwrap().unwrap();
    server.answer(200, &serde_json::to_string(&contacts).unwrap());
    let read = crate::care::read_care_contacts(&server, &check);
    let request = server.requests().pop().unwrap();
    assert_eq!(request.url, "http://127.0.0.1:9/v1/care-contacts");
    assert_eq!(request.bearer_token.as_deref(), Some(TOKEN));
    assert_eq!(request.body, "", "a GET with the device token and nothing else");
    fixture.desktop.keep_care_contacts(read).unwrap();
    assert_eq!(fixture.desktop.care_contacts().unwrap(), contacts);

    // An older server (404) and an unreachable one keep what was read.
    server.answer(404, r#"{"code":"not_found","message":"there is no such path"}"#);
    let read = crate::care::read_care_contacts(&server, &check);
    assert_eq!(read, Ok(None));
    fixture.desktop.keep_care_contacts(read).unwrap();
    server.fail();
    let read = crate::care::read_care_contacts(&server, &check);
    assert!(read.is_err());
    fixture.desktop.keep_care_contacts(read).unwrap();
    assert_eq!(fixture.desktop.care_contacts().unwrap(), contacts);
}

/// A report's acknowledgement from a server whose database is of `generation`.
fn acknowledged_in(week: &str, status: &str, generation: &str) -> String {
    format!(r#"{{"week":"{week}","status":"{status}","generation":"{generation}"}}"#)
}

/// The server check a pass with nothing to send makes ("Sync now"), at `now`.
fn check_now(desktop: &mut Desktop, server: &ScriptedServer, now: DateTime<Utc>) -> polso_api::SyncStatus {
    let check = desktop.prepare_check(now, true).unwrap().expect("enrolled");
    let checked = crate::sync::check_server(server, &check);
    desktop.record_check(checked, now).unwrap()
}

/// The week every restore test reports.
fn week_48() -> IsoWeek {
    IsoWeek::new(2026, 48).unwrap()
}

/// Enrols with a server of generation `gen-a`, answers 2026-W48, and has its report sent and
/// acknowledged in `gen-a`; returns the server and the body that was sent.
fn sent_in_generation_a(fixture: &mut Fixture) -> (ScriptedServer, String) {
    let server = enrolled_and_answered_in(fixture, 0, Some("gen-a"));
    let due_at = queued_on_monday(fixture, &server);
    server.answer(200, &acknowledged_in("2026-W48", "accepted", "gen-a"));
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.resending_reports, status.server_restored_at), (0, 0, None));
    let body = server.requests().last().unwrap().body.clone();
    (server, body)
}

/// A server restored from an older backup announces a new generation; the app then sends again
/// the report it still holds, after a new random delay (never at once, not even on "Sync now"),
/// with the same body and token, and the server's duplicate answer settles it. The same
/// generation again sends nothing more. Without the re-queue (mutation: `follow_generation`
/// returning early) the second request never comes and this fails.
#[test]
fn a_new_server_generation_sends_the_reports_still_held_again_after_a_random_delay() {
    let mut fixture = fixture();
    let (server, first_body) = sent_in_generation_a(&mut fixture);
    let requests = server.requests().len();

    // The hourly check meets the restored server.
    let restored_at = at(12, 1, 9);
    server.answer(200, r#"{"wire_version":1,"questionnaire":[],"generation":"gen-b"}"#);
    let status = check_now(&mut fixture.desktop, &server, restored_at);
    assert_eq!((status.pending_reports, status.resending_reports), (1, 1));
    assert_eq!(status.server_restored_at, Some(restored_at.to_rfc3339()));
    assert_eq!(status.last_error, None);

    // Due after a new random delay: "Sync now" at once sends nothing.
    let status = sync_now(&mut fixture.desktop, &server, date(12, 1), restored_at, true, &mut || 7).unwrap();
    assert_eq!(server.requests().len(), requests + 1, "only the check so far");
    assert_eq!(status.resending_reports, 1);
    let due_at = fixture.desktop.store.queued_report(week_48()).unwrap().unwrap().next_attempt_at.unwrap();
    assert_eq!(due_at, restored_at + FLOOR + Duration::seconds(7));

    server.answer(200, &acknowledged_in("2026-W48", "duplicate", "gen-b"));
    let status = sync_now(&mut fixture.desktop, &server, date(12, 1), due_at, false, &mut || 7).unwrap();
    assert_eq!((status.pending_reports, status.resending_reports, status.failed_reports), (0, 0, 0));
    let resent = server.requests().last().unwrap().clone();
    assert_eq!(resent.url, "http://127.0.0.1:9/v1/reports");
    assert_eq!(resent.body, first_body, "the same report, the same size");
    assert_eq!(resent.bearer_token.as_deref(), Some(TOKEN));

    // The same generation again: nothing more to send.
    server.answer(200, r#"{"wire_version":1,"questionnaire":[],"generation":"gen-b"}"#);
    let status = check_now(&mut fixture.desktop, &server, at(12, 2, 9));
    assert_eq!((status.pending_reports, status.resending_reports), (0, 0));
    sync_now(&mut fixture.desktop, &server, date(12, 2), at(12, 3, 9), true, &mut || 7).unwrap();
    assert_eq!(server.requests().len(), requests + 3, "the check, the re-send and the second check");
}

/// A device enrolled with a server that announced no generation (an older one) takes the first
/// it announces as no restore: nothing is sent again.
#[test]
fn the_first_generation_a_device_hears_of_is_no_restore() {
    let mut fixture = fixture();
    let server = enrolled_and_answered(&mut fixture, 0);
    let due_at = queued_on_monday(&mut fixture, &server);
    server.answer(200, &acknowledged_in("2026-W48", "accepted", "gen-a"));
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!(
        (status.pending_reports, status.resending_reports),
        (0, 0),
        "first generation heard: kept only"
    );
    assert_eq!(status.server_restored_at, None);
}

/// A report sent again after a restore for a week the restored server has published (or
/// closed) since was counted when first sent: it is settled as sent, not dropped nor failed.
#[test]
fn a_resent_report_the_server_can_no_longer_take_was_counted_before() {
    for (status_code, body) in [
        (410, r#"{"code":"week_published","message":"2026-W48 was published"}"#),
        (400, r#"{"code":"week_closed","message":"2026-W48 closed too long ago"}"#),
    ] {
        let mut fixture = fixture();
        let (server, _) = sent_in_generation_a(&mut fixture);
        server.answer(200, r#"{"wire_version":1,"questionnaire":[],"generation":"gen-b"}"#);
        check_now(&mut fixture.desktop, &server, at(12, 1, 9));
        sync_now(&mut fixture.desktop, &server, date(12, 1), at(12, 1, 9), false, &mut || 0).unwrap();
        server.answer(status_code, body);
        let status =
            sync_now(&mut fixture.desktop, &server, date(12, 1), at(12, 1, 11), false, &mut || 0).unwrap();
        assert_eq!(
            (
                status.pending_reports,
                status.failed_reports,
                status.dropped_reports.len(),
                status.resending_reports
            ),
            (0, 0, 0, 0),
            "{body}"
        );
        let kept = fixture.desktop.store.queued_report(week_48()).unwrap().unwrap();
        assert_eq!(kept.state, QueuedReportState::Sent, "{body}");
    }
}

/// A sent report is kept while the server would still accept its week (8 weeks here), so a
/// restore can have it sent again; past that, its payload is erased and a new generation puts
/// nothing back. Its answers stay in the history.
#[test]
fn sent_reports_are_kept_for_the_acceptance_window_and_forgotten_after() {
    let mut fixture = fixture();
    let (server, _) = sent_in_generation_a(&mut fixture);
    // Eight weeks on: still kept.
    sync_now(&mut fixture.desktop, &server, date(12, 28), at(12, 28, 9), false, &mut || 0).unwrap();
    let kept = fixture.desktop.store.queued_report(week_48()).unwrap().unwrap();
    assert!(!kept.payload.is_empty(), "within the window");
    // Nine weeks on: forgotten.
    let later = Utc.with_ymd_and_hms(2027, 2, 1, 9, 0, 0).unwrap();
    sync_now(&mut fixture.desktop, &server, later.date_naive(), later, false, &mut || 0).unwrap();
    let forgotten = fixture.desktop.store.queued_report(week_48()).unwrap().unwrap();
    assert_eq!((forgotten.state, forgotten.payload.as_str()), (QueuedReportState::Sent, ""));
    server.answer(200, r#"{"wire_version":1,"questionnaire":[],"generation":"gen-b"}"#);
    let status = check_now(&mut fixture.desktop, &server, later);
    assert_eq!((status.pending_reports, status.resending_reports), (0, 0));
    assert_eq!(fixture.desktop.history().unwrap().weeks.len(), 1, "the answers stay");
}

/// A server restored from a backup older than this device's enrolment does not know its token
/// (401): the report is never failed for good but waits, the status says why (the UI asks the
/// employee to join again), and the rest of the pass is not tried. Once the device has joined
/// again the report is dropped as a week before that enrolment, never sent under the new token
/// (which a week's padded body would tie to the old one).
#[test]
fn a_token_the_server_no_longer_knows_keeps_the_report_until_the_device_joins_again() {
    let mut fixture = fixture();
    let server = enrolled_and_answered_in(&mut fixture, 0, Some("gen-a"));
    let due_at = queued_on_monday(&mut fixture, &server);
    server.answer(
        401,
        r#"{"code":"unauthorized","message":"this device token is not known; enrol the device again"}"#,
    );
    let status = sync_now(&mut fixture.desktop, &server, date(11, 30), due_at, false, &mut || 0).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (1, 0), "kept, not failed");
    assert_eq!(status.last_error.as_ref().map(|error| error.code), Some(ErrorCode::Unauthorized));

    // Joining again: a new token, the restored server's generation.
    server.answer(201, &enrol_response_in(0, Some("gen-b")).replace(TOKEN, "pd_new-token"));
    let status = enrol(&mut fixture.desktop, &server, &form(), date(11, 30), at(11, 30, 12)).unwrap();
    assert_eq!((status.pending_reports, status.failed_reports), (0, 0));
    let dropped: Vec<_> = status.dropped_reports.iter().map(|dropped| dropped.reason).collect();
    assert_eq!(dropped, [DroppedReportReason::WeekBeforeEnrolment], "{status:?}");
    let requests = server.requests().len();
    let status =
        sync_now(&mut fixture.desktop, &server, date(11, 30), at(11, 30, 12), true, &mut || 0).unwrap();
    assert_eq!(status.pending_reports, 0);
    let reports_sent =
        server.requests()[requests..].iter().filter(|request| request.url.ends_with("/v1/reports")).count();
    assert_eq!(reports_sent, 0, "nothing of the earlier enrolment under the new token");
}

/// A device that joined after the backup: the restored server refuses its token even on the
/// check, which puts nothing back and asks to join again. Joining again, in the same
/// organisation or another, sends nothing of the earlier enrolment under the new token: the
/// sent report's contents are forgotten, and a later restore cannot send it either.
#[test]
fn joining_again_after_a_restore_sends_nothing_of_the_earlier_enrolment() {
    for organisation in ["org_1", "org_2"] {
        let mut fixture = fixture();
        let (server, _) = sent_in_generation_a(&mut fixture);
        server.answer(
            401,
            r#"{"code":"unauthorized","message":"this device token is not known; enrol the device again"}"#,
        );
        let status = check_now(&mut fixture.desktop, &server, at(12, 1, 9));
        assert_eq!(status.last_error.map(|error| error.code), Some(ErrorCode::Unauthorized));
        assert_eq!(
            (status.pending_reports, status.resending_reports),
            (0, 0),
            "nothing before joining again"
        );

        let answer =
            enrol_response_in(0, Some("gen-b")).replace(TOKEN, "pd_new-token").replace("org_1", organisation);
        server.answer(201, &answer);
        let status = enrol(&mut fixture.desktop, &server, &form(), date(12, 1), at(12, 1, 10)).unwrap();
        assert_eq!((status.pending_reports, status.resending_reports), (0, 0), "{organisation}");
        let kept = fixture.desktop.store.queued_report(week_48()).unwrap().unwrap();
        assert_eq!((kept.state, kept.payload.as_str()), (QueuedReportState::Sent, ""), "forgotten");
        // The new enrolment's server announces yet another generation: still nothing to send.
        server.answer(200, r#"{"wire_version":1,"questionnaire":[],"generation":"gen-c"}"#);
        let status = check_now(&mut fixture.desktop, &server, at(12, 1, 11));
        assert_eq!((status.pending_reports, status.resending_reports), (0, 0), "{organisation}");
    }
}

/// Replicas that disagree for a while (one restarted after `new-generation`, one not) alternate
/// two generations: only the first sight of the new one sends anything again, never the flips
/// back and forth. A third, never seen, does only once an acceptance window has passed since the
/// restore followed: a server announcing generations at will gets each report once more at the
/// most. A generation that is no id (spaces, too long, empty) is not followed.
#[test]
fn only_a_generation_never_seen_sends_the_reports_again() {
    let mut fixture = fixture();
    let (server, _) = sent_in_generation_a(&mut fixture);
    let mut resent = Vec::new();
    for (hour, generation) in [
        (9, "gen-b"),
        (10, "gen-a"),
        (11, "gen-b"),
        (12, "gen a b"),
        (13, &"x".repeat(65)),
        (14, ""),
        (15, "gen-c"),
    ] {
        server
            .answer(200, &format!(r#"{{"wire_version":1,"questionnaire":[],"generation":"{generation}"}}"#));
        let status = check_now(&mut fixture.desktop, &server, at(12, 1, hour));
        resent.push(status.resending_reports);
        // Settle it between checks, as a pass would.
        fixture.desktop.store.mark_report_sent(week_48(), at(12, 1, hour)).unwrap();
    }
    assert_eq!(resent, [1, 0, 0, 0, 0, 0, 0]);
    // An acceptance window (the enrolment's eight weeks) after the restore followed, a new
    // generation is followed again.
    let restored_at = fixture.desktop.sync_status().unwrap().server_restored_at;
    assert_eq!(restored_at.as_deref(), Some("2026-12-01T09:00:00+00:00"));
    server.answer(200, r#"{"wire_version":1,"questionnaire":[],"generation":"gen-d"}"#);
    let later = at(12, 1, 9) + Duration::weeks(8);
    let status = check_now(&mut fixture.desktop, &server, later);
    assert_eq!(status.server_restored_at, Some(later.to_rfc3339()));
}
