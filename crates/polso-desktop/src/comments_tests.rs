//! Comments and "did it help?" from the app's side, against the real server library on a loopback
//! socket: ten devices' comments leave only after their week closes and the random delay, padded
//! to one size; HR reads them only as a batch of ten; a reply reaches only its writer's device,
//! fetched with no device token; an answer about an action reaches HR's counts once k answered.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone};
use polso_api::ApiError;
use polso_api::{EnrolDevice, NewAction};
use polso_server::{AppState, ServerConfig, SqliteServerStore, SystemClock, admin, app};
use polso_store::{SecretVault, Store, StoreKey};

use super::*;
use crate::hr::HrCredentials;
use crate::sync::UreqTransport;
use crate::sync_pass::AppSession;
use crate::testing::{RecordingTransport, enrol};

struct LoopbackServer {
    url: String,
    store: Arc<SqliteServerStore>,
    organisation_id: String,
    team_id: String,
    _runtime: tokio::runtime::Runtime,
    _directory: tempfile::TempDir,
}

fn loopback_server() -> LoopbackServer {
    let directory = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteServerStore::open(&directory.path().join("server.db")).unwrap());
    let organisation = admin::init_organisation(store.as_ref(), "Acme").unwrap();
    let department = admin::add_department(store.as_ref(), &organisation.id, "Support").unwrap();
    let team_id = admin::add_team_with_headcount(store.as_ref(), &department, "Tier 1", 14).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let router = app(AppState::new(store.clone(), Arc::new(SystemClock), ServerConfig::default()));
    runtime.spawn(async move { axum::serve(listener, router).await });
    LoopbackServer {
        url,
        store,
        organisation_id: organisation.id,
        team_id,
        _runtime: runtime,
        _directory: directory,
    }
}

/// A vault the test shares with the desktop, to look inside.
type SharedVault = polso_store::SharedMemoryVault;

struct Device {
    desktop: Desktop,
    vault: SharedVault,
    _directory: tempfile::TempDir,
}

/// The week the comments are written in: Wednesday 2026-11-25 is in 2026-W48.
fn written_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn written_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()
}

fn device(server: &LoopbackServer) -> Device {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(&directory.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
    let vault = SharedVault::default();
    let mut desktop = Desktop::new(store, "en-GB".to_owned())
        .unwrap()
        .with_device_vault(Box::new(vault.clone()), "device-token@test");
    let invite = admin::create_invite(server.store.as_ref(), &server.team_id, Utc::now(), 7, 1).unwrap();
    let form = EnrolDevice { server_url: server.url.clone(), invite_code: invite };
    enrol(&mut desktop, &UreqTransport::new(), &form, written_on(), written_at()).unwrap();
    Device { desktop, vault, _directory: directory }
}

fn write(device: &mut Device, text: &str) {
    let comment = WriteComment { text: text.to_owned() };
    device.desktop.write_comment(&comment, written_on(), written_at()).unwrap();
}

/// One outbox pass of `device` on `today` at `now`; how many items it sent.
fn pass(device: &mut Device, transport: &RecordingTransport, today: NaiveDate, now: DateTime<Utc>) -> usize {
    let mut random = || 7_u64;
    let Some(batch) = device.desktop.prepare_outbox(today, now, &mut random).unwrap() else { return 0 };
    let outcomes = send_outbox(transport, &batch);
    device.desktop.record_outbox(&outcomes, now).unwrap();
    outcomes.iter().filter(|outcome| matches!(outcome, OutboxOutcome::Sent(_))).count()
}

fn hr(server: &LoopbackServer) -> HrCredentials {
    let token = admin::create_hr_token(server.store.as_ref(), &server.organisation_id, &[]).unwrap().token;
    HrCredentials::for_tests(&server.url, &token)
}

#[test]
fn comments_leave_after_their_week_and_delay_reach_hr_as_a_batch_and_replies_reach_only_their_writer() {
    let server = loopback_server();
    let transport = RecordingTransport::default();
    let mut devices: Vec<Device> = (0..10).map(|_| device(&server)).collect();
    for (index, device) in devices.iter_mut().enumerate() {
        write(device, &format!("Comment from device {index}"));
    }
    // Rewritten while the week is open: the last words are the ones that leave.
    write(&mut devices[0], "Comment from device 0, rewritten");

    // While the week is open, and in the hour after it closes, nothing leaves.
    let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let week_closed = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
    for device in &mut devices {
        assert_eq!(pass(device, &transport, written_on(), written_at() + Duration::hours(2)), 0);
        assert_eq!(pass(device, &transport, monday, week_closed + Duration::minutes(30)), 0);
    }
    assert_eq!(transport.sent(), 0, "nothing was sent before the delay");
    assert_eq!(devices[0].desktop.my_comments(monday).unwrap().comments[0].state, MyCommentState::Waiting);

    // Nine leave after their delay: HR reads nothing yet.
    let later = week_closed + Duration::days(3);
    for device in devices.iter_mut().take(9) {
        assert_eq!(pass(device, &transport, monday, later), 1);
    }
    let credentials = hr(&server);
    let hr_transport = UreqTransport::new();
    assert_eq!(read_team_comments(&hr_transport, &credentials, &server.team_id).unwrap().batches, []);
    assert_eq!(devices[0].desktop.my_comments(monday).unwrap().comments[0].state, MyCommentState::Pooled);

    // The tenth completes the batch.
    assert_eq!(pass(&mut devices[9], &transport, monday, later), 1);
    let released = read_team_comments(&hr_transport, &credentials, &server.team_id).unwrap();
    assert_eq!(released.batches.len(), 1);
    let mut texts: Vec<String> = released.batches[0].comments.iter().map(|c| c.text.clone()).collect();
    texts.sort();
    assert!(texts.contains(&"Comment from device 0, rewritten".to_owned()), "{texts:?}");
    assert_eq!(texts.len(), 10);

    // Every comment went with the device token, padded to one size whatever its length.
    for sent in transport.posts() {
        assert!(sent.url.ends_with("/v1/comments"), "{sent:?}");
        assert!(sent.bearer_token.is_some());
        assert_eq!(sent.body.len(), COMMENT_BODY_BYTES, "{sent:?}");
    }

    // HR replies to device 3's comment.
    let target = released.batches[0].comments.iter().find(|c| c.text == "Comment from device 3").unwrap();
    let reply = NewReply { text: "Thank you; the rota changes next month.".to_owned() };
    reply_to_comment(&hr_transport, &credentials, &target.id, &reply).unwrap();

    transport.clear();
    for (index, device) in devices.iter_mut().enumerate() {
        let check = device.desktop.prepare_threads(later, true).unwrap().unwrap();
        let read = read_threads(&transport, &check);
        device.desktop.keep_threads(read, later).unwrap();
        let mine = device.desktop.my_comments(monday).unwrap().comments.remove(0);
        assert_eq!(mine.state, MyCommentState::ReachedHr);
        if index == 3 {
            assert_eq!(mine.replies.len(), 1, "the writer sees the reply");
            assert_eq!(mine.replies[0].text, "Thank you; the rota changes next month.");
        } else {
            assert_eq!(mine.replies, [], "device {index} sees a reply to another's comment");
        }
        // The thread token is in the keyring, one per comment, and the device's token is not it.
        let threads = device.vault.get("device-token@test#comment-threads").unwrap().unwrap();
        assert!(threads.contains("2026-W48"), "{threads}");
    }
    // Threads are read one per request, with no device token.
    let sent = transport.posts();
    assert_eq!(sent.len(), 10);
    assert!(
        sent.iter()
            .all(|request| request.url.ends_with("/v1/comment-thread") && request.bearer_token.is_none())
    );
    drop(sent);
    // Read once an hour, unless asked.
    assert!(devices[0].desktop.prepare_threads(later + Duration::minutes(10), false).unwrap().is_none());
    assert!(devices[0].desktop.prepare_threads(later + Duration::minutes(61), false).unwrap().is_some());
}

#[test]
fn a_second_comment_waits_on_the_device_while_the_first_is_pooled() {
    let server = loopback_server();
    let transport = RecordingTransport::default();
    let mut device = device(&server);
    write(&mut device, "Week 48");
    let next_week = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let late = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
    assert_eq!(pass(&mut device, &transport, next_week, late), 0, "queued, due after its delay");
    assert_eq!(pass(&mut device, &transport, next_week, late + Duration::hours(3)), 1);
    device.desktop.write_comment(&WriteComment { text: "Week 49".to_owned() }, next_week, late).unwrap();

    let after = Utc.with_ymd_and_hms(2026, 12, 12, 12, 0, 0).unwrap();
    let today = after.date_naive();
    assert_eq!(pass(&mut device, &transport, today, after), 0, "queued, due after its delay");
    let after = after + Duration::hours(3);
    assert_eq!(pass(&mut device, &transport, today, after), 0, "the server says the first still waits");
    let comments = device.desktop.my_comments(today).unwrap().comments;
    assert_eq!(comments[0].week, "2026-W49");
    assert_eq!(comments[0].state, MyCommentState::Waiting, "kept and tried again, never lost");
    let retry = DateTime::parse_from_rfc3339(comments[0].sends_after.as_deref().unwrap()).unwrap();
    assert_eq!(retry.to_utc(), after + Duration::hours(24));
}

#[test]
fn a_comment_is_checked_and_only_a_draft_changes() {
    let server = loopback_server();
    let mut device = device(&server);
    for (text, needle) in [("   ", "empty"), (&"x".repeat(1001)[..], "1000"), ("a\u{0}b", "control")] {
        let error =
            device.desktop.write_comment(&WriteComment { text: text.to_owned() }, written_on(), written_at());
        let error = error.unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(error.message.contains("field 'text'") && error.message.contains(needle), "{error}");
    }
    assert_eq!(device.desktop.my_comments(written_on()).unwrap().comments, []);
    write(&mut device, "  Two lines:\nfine  ");
    let comments = device.desktop.withdraw_comment(written_on()).unwrap();
    assert_eq!(comments.comments, [], "a draft can be withdrawn");

    // Not enrolled: nowhere to send it.
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open(&directory.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
    let mut alone = Desktop::new(store, "en-GB".to_owned()).unwrap();
    let refused = alone.write_comment(&WriteComment { text: "Hi".to_owned() }, written_on(), written_at());
    assert_eq!(refused.unwrap_err().code, ErrorCode::NotEnrolled);
}

#[test]
fn did_it_help_answers_leave_after_a_delay_and_reach_hr_once_k_answered() {
    let server = loopback_server();
    let transport = RecordingTransport::default();
    let credentials = hr(&server);
    let hr_transport = UreqTransport::new();
    let action = crate::actions::record_action(
        &hr_transport,
        &credentials,
        &NewAction {
            team_id: server.team_id.clone(),
            text: "Move the stand-up".to_owned(),
            owner: "Giulia".to_owned(),
            due: "2026-12-15".to_owned(),
        },
    )
    .unwrap();
    let mut devices: Vec<Device> = (0..5).map(|_| device(&server)).collect();
    let answered_at = written_at();
    for (index, device) in devices.iter_mut().enumerate() {
        let verdict = if index < 3 { ActionVerdict::Helped } else { ActionVerdict::TooEarly };
        let answer = AnswerAction { action_id: action.id.clone(), verdict };
        let mut random = || 0_u64;
        let mine = device.desktop.answer_action(&answer, answered_at, &mut random).unwrap();
        assert_eq!(mine, [MyVerdict { action_id: action.id.clone(), verdict, sent: false }]);
        // A second answer changes nothing.
        let again = AnswerAction { action_id: action.id.clone(), verdict: ActionVerdict::DidNotHelp };
        assert_eq!(
            device.desktop.answer_action(&again, answered_at, &mut random).unwrap()[0].verdict,
            verdict
        );
        assert_eq!(pass(device, &transport, written_on(), answered_at + Duration::minutes(59)), 0);
    }
    let counts = || {
        crate::actions::read_team_actions(&hr_transport, &credentials, &server.team_id).unwrap().actions[0]
            .verdicts
            .clone()
    };
    for device in devices.iter_mut().take(4) {
        assert_eq!(pass(device, &transport, written_on(), answered_at + Duration::hours(2)), 1);
    }
    assert_eq!(counts(), None, "four answers are below k");
    assert_eq!(pass(&mut devices[4], &transport, written_on(), answered_at + Duration::hours(2)), 1);
    assert_eq!(counts(), Some(polso_api::ActionVerdicts { helped: 3, did_not_help: 0, too_early: 2 }));
    assert!(transport.posts().iter().all(|sent| sent.body.len() == VERDICT_BODY_BYTES));
    assert!(devices[0].desktop.my_verdicts().unwrap()[0].sent);
}

#[test]
fn a_comment_written_before_joining_another_team_is_never_sent_to_it() {
    let server = loopback_server();
    let transport = RecordingTransport::default();
    let mut device = device(&server);
    write(&mut device, "For my old team");
    // Three weeks later the device joins a team again (here the same server's other invite).
    let later = NaiveDate::from_ymd_opt(2026, 12, 16).unwrap();
    let invite = admin::create_invite(server.store.as_ref(), &server.team_id, Utc::now(), 7, 1).unwrap();
    let form = EnrolDevice { server_url: server.url.clone(), invite_code: invite };
    let now = Utc.with_ymd_and_hms(2026, 12, 16, 9, 0, 0).unwrap();
    enrol(&mut device.desktop, &UreqTransport::new(), &form, later, now).unwrap();
    assert_eq!(pass(&mut device, &transport, later, now + Duration::days(3)), 0);
    assert_eq!(transport.sent(), 0, "the old team's comment was sent");
    let kept = device.desktop.my_comments(later).unwrap().comments.remove(0);
    assert_eq!(kept.state, MyCommentState::Failed);
    assert!(kept.error.unwrap().contains("before this device joined its current team"));
    assert_eq!(kept.text, "For my old team", "the employee's copy stays");
}

/// The app's session around one test device: its desktop behind a lock, a clock the test moves.
struct TestSession {
    desktop: Mutex<Desktop>,
    now: Mutex<DateTime<Utc>>,
    transport: UreqTransport,
}

impl crate::sync_pass::AppSession for TestSession {
    fn with_desktop<T>(&self, work: impl FnOnce(&mut Desktop) -> Result<T, ApiError>) -> Result<T, ApiError> {
        work(&mut self.desktop.lock().unwrap())
    }
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }
    fn transport(&self) -> &dyn crate::sync_pass::Transport {
        &self.transport
    }
    fn random(&self) -> u64 {
        3
    }
}

#[test]
fn the_apps_sync_pass_sends_a_comment_after_its_delay_and_reads_its_thread() {
    let server = loopback_server();
    let mut written = device(&server);
    write(&mut written, "Through the app's own pass");
    let session = TestSession {
        desktop: Mutex::new(written.desktop),
        now: Mutex::new(Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0).unwrap()),
        transport: UreqTransport::new(),
    };
    let state = |session: &TestSession| {
        session.desktop.lock().unwrap().my_comments(session.today()).unwrap().comments[0].state
    };
    let status = crate::sync_pass::run_sync_pass(&session, true).unwrap();
    assert!(status.enrolled);
    assert_eq!(state(&session), MyCommentState::Waiting, "queued on the first pass after the week");
    *session.now.lock().unwrap() += Duration::days(2);
    crate::sync_pass::run_sync_pass(&session, true).unwrap();
    assert_eq!(state(&session), MyCommentState::Pooled, "sent, and its thread read: alone in its pool");
    let team = read_team_comments(&UreqTransport::new(), &hr(&server), &server.team_id).unwrap();
    assert_eq!(team.batches, [], "one comment is not a batch");
}
