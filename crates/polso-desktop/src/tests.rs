//! Tests of the desktop commands' logic against a real, encrypted store file.

use chrono::{NaiveDate, TimeZone, Utc};
use polso_api::{
    AnswerDto, ErrorCode, LanguageCode, LanguagePreference, SubmitPulse, UpdateSettings, WeekState,
    WorkWeekDto,
};
use polso_store::{Store, StoreKey};

use super::Desktop;

struct Fixture {
    _dir: tempfile::TempDir,
    desktop: Desktop,
}

fn fixture(locale: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = StoreKey::generate().unwrap();
    let store = Store::open(&dir.path().join("polso.db"), &key).unwrap();
    Fixture { desktop: Desktop::new(store, locale.to_owned()).unwrap(), _dir: dir }
}

/// A Thursday in 2026-W48.
fn thursday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, 30, 0).unwrap()
}

/// Answers every item of the week with the scale's maximum.
fn full_submission(desktop: &Desktop, today: NaiveDate) -> SubmitPulse {
    let view = desktop.current_pulse(today).unwrap();
    SubmitPulse {
        week: view.week.clone(),
        answers: view
            .items
            .iter()
            .map(|item| AnswerDto { item_id: item.id.clone(), value: item.scale.max })
            .collect(),
        not_applicable: Vec::new(),
        work_week: Some(WorkWeekDto { office_days: 2, remote_days: 3 }),
        note: Some("  canary note  ".to_owned()),
    }
}

#[test]
fn the_current_pulse_is_this_weeks_and_open() {
    let fixture = fixture("en-GB");
    let view = fixture.desktop.current_pulse(thursday()).unwrap();
    assert_eq!(view.week, "2026-W48");
    assert_eq!(view.week_monday, "2026-11-23");
    assert_eq!(view.week_sunday, "2026-11-29");
    assert_eq!(view.state, WeekState::Open);
    assert!(!view.items.is_empty() && view.items.len() <= 5, "{} items", view.items.len());
    assert!(view.answers.is_empty());
    assert_eq!(view.saved_at, None);
    for item in &view.items {
        assert!(!item.text.en.is_empty() && !item.text.it.is_empty(), "{}", item.id);
        assert_eq!(item.scale.labels.len(), usize::from(item.scale.max - item.scale.min) + 1, "{}", item.id);
    }
}

#[test]
fn a_submission_is_saved_and_shown_back() {
    let mut fixture = fixture("en-GB");
    let submission = full_submission(&fixture.desktop, thursday());
    let view = fixture.desktop.submit_pulse(submission.clone(), thursday(), now()).unwrap();
    assert_eq!(view.answers, submission.answers);
    assert_eq!(view.work_week, Some(WorkWeekDto { office_days: 2, remote_days: 3 }));
    assert_eq!(view.note.as_deref(), Some("canary note"), "the note is trimmed");
    assert_eq!(view.saved_at.as_deref(), Some("2026-11-26T10:30:00+00:00"));

    let history = fixture.desktop.history().unwrap();
    assert_eq!(history.weeks.len(), 1);
    let week = &history.weeks[0];
    assert_eq!(week.week, "2026-W48");
    assert!(!week.scores.is_empty());
    assert!(week.scores.iter().all(|score| (score.score - 100.0).abs() < 1e-9 || score.score == 0.0));
}

#[test]
fn answers_can_change_until_the_week_closes() {
    let mut fixture = fixture("en-GB");
    let mut submission = full_submission(&fixture.desktop, thursday());
    fixture.desktop.submit_pulse(submission.clone(), thursday(), now()).unwrap();
    submission.answers.truncate(1);
    submission.answers[0].value -= 1;
    let sunday = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let view = fixture.desktop.submit_pulse(submission.clone(), sunday, now()).unwrap();
    assert_eq!(view.answers, submission.answers, "a later save replaces the earlier one");

    let monday_after = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let error =
        fixture.desktop.submit_pulse(full_submission_for(&submission), monday_after, now()).unwrap_err();
    assert_eq!(error.code, ErrorCode::WeekClosed);
    assert_eq!(fixture.desktop.history().unwrap().weeks[0].week, "2026-W48");
    let closed =
        fixture.desktop.pulse_view(polso_core::IsoWeek::new(2026, 48).unwrap(), monday_after).unwrap();
    assert_eq!(closed.state, WeekState::Closed);
    assert_eq!(closed.answers, submission.answers, "the refused save changed nothing");
}

fn full_submission_for(submission: &SubmitPulse) -> SubmitPulse {
    SubmitPulse { answers: submission.answers.clone(), ..submission.clone() }
}

#[test]
fn bad_input_is_refused_with_its_code_and_changes_nothing() {
    let mut fixture = fixture("en-GB");
    let good = full_submission(&fixture.desktop, thursday());
    let first_item = good.answers[0].item_id.clone();
    let cases: Vec<(&str, SubmitPulse, ErrorCode)> = vec![
        (
            "unknown item",
            SubmitPulse { answers: vec![AnswerDto { item_id: "nope.1".into(), value: 3 }], ..good.clone() },
            ErrorCode::UnknownItem,
        ),
        (
            "value out of scale",
            SubmitPulse {
                answers: vec![AnswerDto { item_id: first_item.clone(), value: 99 }],
                ..good.clone()
            },
            ErrorCode::ValueOutOfScale,
        ),
        (
            "duplicate answer",
            SubmitPulse {
                answers: vec![
                    AnswerDto { item_id: first_item.clone(), value: 3 },
                    AnswerDto { item_id: first_item.clone(), value: 4 },
                ],
                ..good.clone()
            },
            ErrorCode::DuplicateAnswer,
        ),
        ("no answers", SubmitPulse { answers: vec![], ..good.clone() }, ErrorCode::NoAnswers),
        (
            "over-long note",
            SubmitPulse { note: Some("x".repeat(2001)), ..good.clone() },
            ErrorCode::NoteTooLong,
        ),
        (
            "too many days",
            SubmitPulse { work_week: Some(WorkWeekDto { office_days: 5, remote_days: 3 }), ..good.clone() },
            ErrorCode::InvalidWorkWeek,
        ),
        ("malformed week", SubmitPulse { week: "2026-48".into(), ..good.clone() }, ErrorCode::InvalidWeek),
        ("closed week", SubmitPulse { week: "2026-W47".into(), ..good.clone() }, ErrorCode::WeekClosed),
        ("future week", SubmitPulse { week: "2026-W49".into(), ..good.clone() }, ErrorCode::WeekNotOpen),
    ];
    for (name, submission, code) in cases {
        let error = fixture.desktop.submit_pulse(submission, thursday(), now()).unwrap_err();
        assert_eq!(error.code, code, "{name}: {}", error.message);
        assert!(!error.message.is_empty(), "{name}");
        assert!(fixture.desktop.history().unwrap().weeks.is_empty(), "{name} wrote something");
    }
}

#[test]
fn language_follows_the_os_until_chosen() {
    let mut fixture = fixture("it-IT");
    let settings = fixture.desktop.settings().unwrap();
    assert_eq!(settings.language, LanguagePreference::System);
    assert_eq!(settings.system_language, LanguageCode::It);
    assert_eq!(settings.system_locale, "it-IT");

    let changed = fixture
        .desktop
        .update_settings(UpdateSettings { language: Some(LanguagePreference::En), ..Default::default() })
        .unwrap();
    assert_eq!(changed.language, LanguagePreference::En);
    assert_eq!(fixture.desktop.settings().unwrap().language, LanguagePreference::En);
    let unchanged = fixture.desktop.update_settings(UpdateSettings::default()).unwrap();
    assert_eq!(unchanged.language, LanguagePreference::En);
}

#[test]
fn locales_map_to_languages() {
    for (locale, language) in [
        ("it-IT", LanguageCode::It),
        ("it_CH.UTF-8", LanguageCode::It),
        ("IT", LanguageCode::It),
        ("en-GB", LanguageCode::En),
        ("de-DE", LanguageCode::En),
        ("", LanguageCode::En),
    ] {
        assert_eq!(super::language_of_locale(locale), language, "{locale}");
    }
}

/// A fresh installation follows the questionnaire of a new organisation:
/// no item under a non-commercial licence (WHO-5) in two years of weeks.
#[test]
fn a_fresh_installation_never_asks_a_non_commercial_item() {
    let fixture = fixture("en-GB");
    let bank = polso_core::ItemBank::embedded();
    for offset in 0..104 {
        let week = polso_core::IsoWeek::containing(thursday()).plus_weeks(offset);
        for id in fixture.desktop.schedule.items_for_week(week) {
            let item = bank.item(id.as_str()).unwrap();
            assert!(bank.source_of(item).commercial_use, "{week} asks {id}, of a non-commercial source");
        }
    }
}

/// A store with answers from before editions keeps edition 2 through the
/// cycle of its last saved week, so no answered week changes its items.
#[test]
fn a_store_with_answers_keeps_its_edition_until_the_next_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let key = StoreKey::generate().unwrap();
    let path = dir.path().join("polso.db");
    let week = polso_core::IsoWeek::containing(thursday());
    {
        let mut store = Store::open(&path, &key).unwrap();
        let legacy =
            polso_core::Schedule::new(polso_core::ItemBank::embedded(), super::LOCAL_ORGANISATION_SEED);
        let item = legacy.items_for_week(week)[0].clone();
        store
            .save_pulse(&polso_store::SavedPulse {
                week,
                answers: vec![polso_core::Answer { item, value: 3 }],
                scores: Vec::new(),
                not_applicable: Vec::new(),
                work_week: None,
                note: None,
                saved_at: now(),
            })
            .unwrap();
    }
    let desktop = Desktop::new(Store::open(&path, &key).unwrap(), "en-GB".to_owned()).unwrap();
    let legacy = polso_core::Schedule::new(polso_core::ItemBank::embedded(), super::LOCAL_ORGANISATION_SEED);
    let next_cycle = polso_core::questionnaire::cycle_start(week).plus_weeks(4);
    for offset in 0..4 {
        let same_cycle = polso_core::questionnaire::cycle_start(week).plus_weeks(offset);
        assert_eq!(desktop.schedule.items_for_week(same_cycle), legacy.items_for_week(same_cycle));
    }
    assert_eq!(
        desktop.schedule.questionnaire_for(next_cycle),
        polso_core::questionnaire::Questionnaire::EDITION_3
    );
}

/// "Not applicable this week" is offered on the items that allow it, saved
/// apart from the answers, shown back, and refused on any other item.
#[test]
fn not_applicable_is_offered_saved_and_shown_back_only_where_allowed() {
    let mut fixture = fixture("it-IT");
    // A week of the next weeks that asks an item allowing it.
    let (today, view) = (0..12)
        .map(|offset| thursday() + chrono::Days::new(7 * offset))
        .map(|today| (today, fixture.desktop.current_pulse(today).unwrap()))
        .find(|(_, view)| view.items.iter().any(|item| item.not_applicable.is_some()))
        .expect("some week in twelve asks a customer item");
    let marked = view.items.iter().find(|item| item.not_applicable.is_some()).unwrap();
    assert_eq!(marked.not_applicable.as_ref().unwrap().it, "Non pertinente questa settimana");
    let other = view.items.iter().find(|item| item.not_applicable.is_none()).unwrap();
    let at = Utc.from_utc_datetime(&today.and_hms_opt(10, 0, 0).unwrap());

    let submission = SubmitPulse {
        week: view.week.clone(),
        answers: vec![AnswerDto { item_id: other.id.clone(), value: other.scale.max }],
        not_applicable: vec![marked.id.clone()],
        work_week: None,
        note: None,
    };
    let refused = [
        SubmitPulse { not_applicable: vec![other.id.clone()], ..submission.clone() },
        SubmitPulse {
            answers: vec![AnswerDto { item_id: marked.id.clone(), value: marked.scale.max }],
            ..submission.clone()
        },
    ];
    for bad in refused {
        let error = fixture.desktop.submit_pulse(bad, today, at).unwrap_err();
        assert!(matches!(error.code, ErrorCode::InvalidInput | ErrorCode::DuplicateAnswer), "{error:?}");
        assert_eq!(fixture.desktop.current_pulse(today).unwrap().saved_at, None, "a refusal saves nothing");
    }
    let saved = fixture.desktop.submit_pulse(submission, today, at).unwrap();
    assert_eq!(saved.not_applicable, vec![marked.id.clone()]);
    assert_eq!(saved.answers.len(), 1);
    let stored = fixture.desktop.store.pulse_for_week(view.week.parse().unwrap()).unwrap().unwrap();
    assert_eq!(crate::sync::report_for_pulse(&stored).not_applicable, vec![marked.id.clone()]);
    assert!(crate::sync::report_for_pulse(&stored).items.iter().all(|value| value.item_id != marked.id));
}

#[test]
fn the_history_says_what_each_week_asked_answered_or_not() {
    let mut fixture = fixture("en-GB");
    let first = full_submission(&fixture.desktop, thursday());
    fixture.desktop.submit_pulse(first, thursday(), now()).unwrap();
    let two_weeks_later = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
    let second = full_submission(&fixture.desktop, two_weeks_later);
    fixture.desktop.submit_pulse(second, two_weeks_later, now()).unwrap();

    let history = fixture.desktop.history().unwrap();
    let asked = history.asked.expect("the weeks asked");
    let weeks: Vec<&str> = asked.iter().map(|week| week.week.as_str()).collect();
    assert_eq!(weeks, ["2026-W48", "2026-W49", "2026-W50"], "the unanswered week is there too");
    for asked_week in &asked {
        let week: polso_core::IsoWeek = asked_week.week.parse().unwrap();
        let view = fixture.desktop.pulse_view(week, two_weeks_later).unwrap();
        let expected: Vec<polso_api::MetricKey> = polso_api::MetricKey::ALL
            .into_iter()
            .filter(|metric| view.items.iter().any(|item| item.metric == *metric))
            .collect();
        assert_eq!(asked_week.metrics, expected, "{}", asked_week.week);
    }
    for answered in &history.weeks {
        let asked_week = asked.iter().find(|week| week.week == answered.week).unwrap();
        assert!(answered.scores.iter().all(|score| asked_week.metrics.contains(&score.metric)));
    }
    // Three consecutive weeks of one schedule ask different drivers.
    assert_ne!(asked[0].metrics, asked[1].metrics);
}
