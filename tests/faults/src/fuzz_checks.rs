//! The properties the fuzz targets check, in one place: the cargo-fuzz
//! targets of `fuzz/` call these, and the corpus replay in this crate's tests
//! runs the committed corpus (and seeded mutations of it) through them in
//! every `cargo test`. Each panics when a property breaks, as a fuzz target must.

use polso_api::WeeklyReport;
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::cx::parse_cx_csv;
use polso_core::schedule::Schedule;
use polso_core::survey::{AnswerScale, DateOrder, Direction, PeriodColumn, SurveyFile, suggest_mapping};
use polso_server::report::validate_report;

/// Team names the CX importer is given.
pub const CX_TEAMS: [&str; 3] = ["Help desk", "Assistenza clienti", "Field"];

/// The report wire decoder and the server's validation: bytes read as the
/// body of `POST /v1/reports`; a report that passes yields contributions
/// within their histograms and a fold.
pub fn wire_report(data: &[u8]) {
    let Ok(report) = serde_json::from_slice::<WeeklyReport>(data) else {
        return;
    };
    let schedule = Schedule::new(ItemBank::embedded(), 7);
    if let Ok(valid) = validate_report(&report, ItemBank::embedded(), &schedule) {
        for contribution in &valid.contributions {
            assert!(contribution.bin < contribution.n_bins, "{contribution:?}");
            assert!(contribution.value.is_finite(), "{contribution:?}");
        }
        let n_contributions = valid.contributions.len();
        let fold = valid.into_fold(&[7u8; 32], "pd_fuzz", "org".to_owned(), "team".to_owned());
        assert_eq!(fold.contributions.len(), n_contributions);
    }
}

/// The CX CSV importer: a file is imported whole or refused with errors that
/// each name a line and a column.
pub fn cx_import(data: &[u8]) {
    match parse_cx_csv(data, &CX_TEAMS) {
        Ok(import) => {
            let _ = import.observations();
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for error in &errors {
                assert!(error.line >= 1 && error.column >= 1, "{error:?}");
                let _ = error.to_string();
            }
        }
    }
}

/// The survey-export importer (`polso_core::survey`): a file that reads gets
/// a suggestion, and both the suggested mapping and the same mapping with
/// every undecided choice filled in either import rows on their metric's
/// scale, each from at least one answer, or are refused with errors that each
/// name a line and a column.
pub fn survey_import(data: &[u8]) {
    let file = match SurveyFile::read(data) {
        Ok(file) => file,
        Err(errors) => {
            assert!(!errors.is_empty());
            for error in &errors {
                assert!(error.line >= 1 && error.column >= 1, "{error:?}");
                let _ = error.to_string();
            }
            return;
        }
    };
    let suggested = suggest_mapping(&file).mapping;
    let mut decided = suggested.clone();
    if let Some(PeriodColumn::Date { order, .. }) = &mut decided.period
        && *order == DateOrder::Unknown
    {
        *order = DateOrder::DayMonthYear;
    }
    for metric in &mut decided.metrics {
        metric.scale = metric.scale.or(Some(AnswerScale { min: 1, max: 5 }));
        if metric.direction == Direction::Unknown {
            metric.direction = Direction::HigherIsBetter;
        }
    }
    for mapping in [suggested, decided] {
        match polso_core::survey::apply(&file, &mapping, &CX_TEAMS) {
            Ok(import) => {
                for (key, value) in &import.rows {
                    let (low, high) = key.metric.value_range().unwrap_or((f64::MIN, f64::MAX));
                    assert!(
                        value.value.is_finite() && value.value >= low && value.value <= high,
                        "{key:?} {value:?}"
                    );
                    assert!(value.n_responses >= 1, "{key:?} {value:?}");
                }
            }
            Err(errors) => {
                assert!(!errors.is_empty());
                for error in &errors {
                    assert!(error.line >= 1 && error.column >= 1, "{error:?}");
                    let _ = error.to_string();
                }
            }
        }
    }
}

/// The item-bank loader: a bank that loads is usable; every item has its
/// scale, and a schedule over it picks known items for any week.
pub fn bank_loader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(bank) = ItemBank::parse(text) else {
        return;
    };
    for item in bank.items() {
        let scale = bank.scale_of(item);
        assert!(scale.contains(scale.min) && scale.contains(scale.max), "{}", item.id.as_str());
        assert!(scale.n_points() >= 1);
    }
    let schedule = Schedule::new(&bank, 42);
    for index in [0_i64, 1, 2, 3, 52, 105_000] {
        for id in schedule.items_for_week(IsoWeek::from_index(index)) {
            assert!(bank.item(id.as_str()).is_some(), "{}", id.as_str());
        }
    }
}
