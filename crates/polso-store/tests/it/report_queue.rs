//! The report queue: enqueue once per week, due times, sent and failed outcomes,
//! all surviving a reopen of the real file.

use polso_store::{QueuedReportState, ReportFailure, Store, StoreError};

use crate::support::{instant, new_key, sample_pulse, week};

const PAYLOAD: &str = r#"{"wire_version":1,"week":"2026-W48","items":[],"metrics":[]}"#;

#[test]
fn a_week_is_queued_once_and_becomes_due_at_its_time() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    let due_at = instant("2026-11-30T03:00:00Z");

    assert!(store.enqueue_report(week("2026-W48"), PAYLOAD, due_at).unwrap());
    assert!(!store.enqueue_report(week("2026-W48"), "other", due_at).unwrap(), "queued once");
    assert_eq!(store.count_queued_reports(QueuedReportState::Pending).unwrap(), 1);

    assert!(store.due_reports(instant("2026-11-30T02:59:59.5Z")).unwrap().is_empty());
    let due = store.due_reports(due_at).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].payload, PAYLOAD, "the first payload stays");
    assert_eq!(due[0].attempts, 0);
    assert_eq!(due[0].next_attempt_at, Some(due_at));
}

#[test]
fn a_report_needs_its_pulse() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    let error = store.enqueue_report(week("2026-W48"), PAYLOAD, instant("2026-11-30T03:00:00Z")).unwrap_err();
    assert!(matches!(error, StoreError::Sqlite { .. }), "{error}");
}

#[test]
fn outcomes_are_recorded_and_survive_a_reopen() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    let mut store = Store::open(&path, &key).unwrap();
    for week_text in ["2026-W46", "2026-W47", "2026-W48"] {
        store.save_pulse(&sample_pulse(week_text)).unwrap();
        store.enqueue_report(week(week_text), PAYLOAD, instant("2026-11-30T03:00:00Z")).unwrap();
    }
    let unreachable =
        ReportFailure { code: "server_unreachable".into(), message: "connection refused".into() };
    let refused = ReportFailure { code: "unknown_item".into(), message: "item 'x.1' is not known".into() };
    let retry_at = instant("2026-11-30T03:01:00Z");
    store.mark_report_sent(week("2026-W46"), instant("2026-11-30T03:00:01Z")).unwrap();
    store.record_report_failure(week("2026-W47"), &unreachable, Some(retry_at)).unwrap();
    store.record_report_failure(week("2026-W48"), &refused, None).unwrap();
    drop(store);

    let store = Store::open(&path, &key).unwrap();
    let queue = store.queued_reports().unwrap();
    assert_eq!(
        queue.iter().map(|report| report.state).collect::<Vec<_>>(),
        [QueuedReportState::Sent, QueuedReportState::Pending, QueuedReportState::Failed]
    );
    assert_eq!(queue[0].sent_at, Some(instant("2026-11-30T03:00:01Z")));
    assert_eq!((queue[0].attempts, queue[0].next_attempt_at, &queue[0].last_error), (1, None, &None));
    assert_eq!((queue[1].attempts, queue[1].next_attempt_at), (1, Some(retry_at)));
    assert_eq!(queue[1].last_error.as_ref(), Some(&unreachable));
    assert_eq!((queue[2].next_attempt_at, queue[2].last_error.as_ref()), (None, Some(&refused)));

    assert!(store.due_reports(instant("2026-11-30T03:00:59Z")).unwrap().is_empty(), "waits for the retry");
    let due = store.due_reports(retry_at).unwrap();
    assert_eq!(due.iter().map(|report| report.week.to_string()).collect::<Vec<_>>(), ["2026-W47"]);
    assert_eq!(store.count_queued_reports(QueuedReportState::Pending).unwrap(), 1);
    assert_eq!(store.count_queued_reports(QueuedReportState::Failed).unwrap(), 1);
    assert_eq!(store.queued_report(week("2026-W49")).unwrap(), None);
}

#[test]
fn a_dropped_week_is_gone_from_the_queue_and_never_queued_again() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    let mut store = Store::open(&path, &key).unwrap();
    store.save_pulse(&sample_pulse("2026-W47")).unwrap();
    let due_at = instant("2026-11-23T03:00:00Z");
    store.enqueue_report(week("2026-W47"), PAYLOAD, due_at).unwrap();
    let unreachable =
        ReportFailure { code: "server_unreachable".into(), message: "connection refused".into() };
    store
        .record_report_failure(week("2026-W47"), &unreachable, Some(instant("2026-11-23T03:01:00Z")))
        .unwrap();
    let published = ReportFailure {
        code: "week_published".into(),
        message: "2026-W47 was published on 2026-12-01".into(),
    };
    store.drop_queued_report(week("2026-W47"), &published).unwrap();
    drop(store);

    let mut store = Store::open(&path, &key).unwrap();
    let dropped = store.queued_report(week("2026-W47")).unwrap().unwrap();
    assert_eq!(dropped.state, QueuedReportState::Dropped);
    assert_eq!(dropped.payload, "", "the payload is erased");
    assert_eq!((dropped.next_attempt_at, dropped.last_error.as_ref()), (None, Some(&published)));
    assert!(store.due_reports(instant("2027-01-01T00:00:00Z")).unwrap().is_empty(), "never due again");
    for state in [QueuedReportState::Pending, QueuedReportState::Failed, QueuedReportState::Sent] {
        assert_eq!(store.count_queued_reports(state).unwrap(), 0, "{state:?}");
    }
    assert_eq!(store.count_queued_reports(QueuedReportState::Dropped).unwrap(), 1);

    assert!(!store.enqueue_report(week("2026-W47"), PAYLOAD, due_at).unwrap(), "not queued again");
    assert_eq!(store.queued_report(week("2026-W47")).unwrap().unwrap().payload, "");
    assert_eq!(store.count_queued_reports(QueuedReportState::Pending).unwrap(), 0);

    let error = store.drop_queued_report(week("2026-W48"), &published).unwrap_err();
    assert!(matches!(error, StoreError::ReportNotQueued { ref week, .. } if week == "2026-W48"), "{error}");
}

#[test]
fn an_outcome_for_a_week_not_queued_is_an_error() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    let error = store.mark_report_sent(week("2026-W48"), instant("2026-11-30T03:00:00Z")).unwrap_err();
    assert!(matches!(error, StoreError::ReportNotQueued { ref week, .. } if week == "2026-W48"), "{error}");
}

#[test]
fn saving_the_pulse_again_keeps_its_queued_report() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    store.enqueue_report(week("2026-W48"), PAYLOAD, instant("2026-11-30T03:00:00Z")).unwrap();
    store.save_pulse(&sample_pulse("2026-W48")).unwrap();
    assert!(store.queued_report(week("2026-W48")).unwrap().is_some());
}

#[test]
fn settings_change_together_and_can_be_removed() {
    let folder = tempfile::tempdir().unwrap();
    let mut store = Store::open(&folder.path().join("polso.db"), &new_key()).unwrap();
    store.set_settings(&[("sync.a", "1"), ("sync.b", "2")]).unwrap();
    store.set_settings(&[("sync.a", "3")]).unwrap();
    assert_eq!(store.setting("sync.a").unwrap().as_deref(), Some("3"));
    assert_eq!(store.setting("sync.b").unwrap().as_deref(), Some("2"));
    store.remove_settings(&["sync.a", "sync.never"]).unwrap();
    assert_eq!(store.setting("sync.a").unwrap(), None);
    assert_eq!(store.setting("sync.b").unwrap().as_deref(), Some("2"));
}

/// After a restore of the organisation's server, the sent reports that still hold their payload
/// go back in the queue with no due time (the sync client draws it), marked as sent before;
/// pending, failed and forgotten ones stay as they are; a week before the acceptance window
/// keeps its row but not its payload, and survives a reopen so.
#[test]
fn sent_reports_are_kept_for_a_resend_until_their_window_passes() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("polso.db");
    let key = new_key();
    let mut store = Store::open(&path, &key).unwrap();
    for week_text in ["2026-W45", "2026-W46", "2026-W47", "2026-W48"] {
        store.save_pulse(&sample_pulse(week_text)).unwrap();
        store.enqueue_report(week(week_text), PAYLOAD, instant("2026-11-30T03:00:00Z")).unwrap();
    }
    let sent_at = instant("2026-11-30T03:00:01Z");
    for week_text in ["2026-W45", "2026-W46", "2026-W47"] {
        store.mark_report_sent(week(week_text), sent_at).unwrap();
    }
    let refused = ReportFailure { code: "unknown_item".into(), message: "item 'x.1' is not known".into() };
    store.record_report_failure(week("2026-W47"), &refused, None).unwrap();

    assert_eq!(store.forget_sent_reports_before(week("2026-W46")).unwrap(), 1);
    assert_eq!(store.forget_sent_reports_before(week("2026-W46")).unwrap(), 0, "once");
    drop(store);
    let mut store = Store::open(&path, &key).unwrap();
    let forgotten = store.queued_report(week("2026-W45")).unwrap().unwrap();
    assert_eq!((forgotten.state, forgotten.payload.as_str()), (QueuedReportState::Sent, ""));

    assert_eq!(store.requeue_sent_reports(Some(week("2026-W46"))).unwrap(), 0, "only weeks before W46");
    assert_eq!(store.requeue_sent_reports(None).unwrap(), 1);
    let put_back = store.queued_report(week("2026-W46")).unwrap().unwrap();
    assert_eq!(
        (
            put_back.state,
            put_back.attempts,
            put_back.next_attempt_at,
            put_back.sent_at,
            put_back.payload.as_str()
        ),
        (QueuedReportState::Pending, 0, None, Some(sent_at), PAYLOAD)
    );
    assert!(
        store
            .due_reports(instant("2027-01-01T00:00:00Z"))
            .unwrap()
            .iter()
            .all(|report| report.week != week("2026-W46"))
    );
    let due_at = instant("2026-12-01T10:00:00Z");
    store.schedule_report(week("2026-W46"), due_at).unwrap();
    assert_eq!(store.queued_report(week("2026-W46")).unwrap().unwrap().next_attempt_at, Some(due_at));
    assert!(store.schedule_report(week("2026-W46"), due_at).is_err(), "only a report without a due time");
    let states: Vec<QueuedReportState> =
        store.queued_reports().unwrap().iter().map(|report| report.state).collect();
    assert_eq!(
        states,
        [
            QueuedReportState::Sent,
            QueuedReportState::Pending,
            QueuedReportState::Failed,
            QueuedReportState::Pending
        ]
    );
    assert_eq!(store.requeue_sent_reports(None).unwrap(), 0, "nothing sent is left to put back");
}
