//! Checking a weekly report against the item bank and the organisation's
//! schedule, and reducing it to the contributions and receipt that folding
//! needs.
//!
//! Items and metrics are one system by construction: the server scores each
//! metric itself from the week's items, and counts a metric, and the items
//! that score it, only when every item of that metric the week asked was
//! answered. So a metric's cell and its items' cells always cover the same
//! reports, and no difference of released cells gives one person's answer.
//! The metric scores a device sends are checked for shape and otherwise not
//! used.
//!
//! Pure apart from its arguments: the bank and the schedule are passed in, so
//! every refusal is tested without a server. Errors name the item or metric
//! at fault; they go back to the device that sent the report and are never
//! logged. When a report may arrive (its week closed, not yet published, not
//! before the device enrolled) is decided by [`check_report_week`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use polso_api::{MetricKey, ReportAck, ReportStatus, WeeklyReport};
use polso_core::bank::{ItemBank, ItemId};
use polso_core::collection::CollectionWindow;
use polso_core::pulse::{PulseError, check_answers};
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek, Metric, score_answers};

use crate::error::{Result, ServerError};
use crate::privacy::METRIC_HISTOGRAM_BINS;
use crate::secrets::{Hash32, keyed_hash};
use crate::store::{Contribution, ReportFold};

/// The aggregate key of an item.
pub fn item_key(item_id: &str) -> String {
    format!("item:{item_id}")
}

/// The aggregate key of a metric.
pub fn metric_key(metric: Metric) -> String {
    format!("metric:{}", metric.key())
}

pub use polso_api::NOT_APPLICABLE_KEY_PREFIX as NOT_APPLICABLE_PREFIX;

/// The aggregate key of how many people marked a metric "not applicable
/// this week": a count, released under the same rules as every other cell.
pub fn not_applicable_key(metric: Metric) -> String {
    polso_api::not_applicable_key(metric_to_wire(metric))
}

/// The core's metric for a wire metric key (`polso_api`'s exhaustive conversion).
pub fn metric_from_wire(metric: MetricKey) -> Metric {
    Metric::from(metric)
}

/// The wire metric key of a core metric (`polso_api`'s exhaustive conversion).
pub fn metric_to_wire(metric: Metric) -> MetricKey {
    MetricKey::from(metric)
}

/// A report that passed every check: its week and its contributions.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedReport {
    /// The week reported.
    pub week: IsoWeek,
    /// One contribution per counted item value and metric score, items
    /// first, each list sorted by key, so equal reports give equal lists.
    /// Empty when no metric had all its items answered.
    pub contributions: Vec<Contribution>,
}

/// Whether a report for `week` may be counted at `now` from a device that
/// enrolled in `enrolled_week`: the week has closed, its collection window is
/// still open (it is not published), and it did not begin before the device
/// enrolled, restore or not: a device never back-fills a week, and the app never
/// sends a report of an earlier enrolment under a new one.
pub fn check_report_week(
    week: IsoWeek,
    now: DateTime<Utc>,
    window: CollectionWindow,
    enrolled_week: Option<IsoWeek>,
) -> Result<()> {
    let this_week = IsoWeek::containing(now.date_naive());
    if week >= this_week {
        return Err(ServerError::WeekNotOpen { week: week.to_string(), server_time: now });
    }
    if let Some(enrolled_week) = enrolled_week
        && week < enrolled_week
    {
        return Err(ServerError::WeekBeforeEnrolment {
            week: week.to_string(),
            enrolled: enrolled_week.to_string(),
        });
    }
    if !window.accepts(week, now) {
        return Err(ServerError::WeekPublished {
            week: week.to_string(),
            published_at: window.publication_at(week).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
    }
    Ok(())
}

/// Checks `report` against `bank` and the organisation's `schedule`: every
/// item exists, was asked that week, appears once, with a value on its
/// scale; every metric score sent appears once within 0..=100; every item
/// marked not applicable was asked, allows it, and has no value. Then counts
/// the metrics whose asked items were all answered, scored here, and the
/// metrics whose asked items were all marked not applicable, as a count.
pub fn validate_report(
    report: &WeeklyReport,
    bank: &ItemBank,
    schedule: &Schedule,
) -> Result<ValidatedReport> {
    let week: IsoWeek = report.week.parse()?;
    if report.items.is_empty() && report.metrics.is_empty() && report.not_applicable.is_empty() {
        return Err(ServerError::NoAnswers);
    }
    // The answer rules are the core's, the app's own: one code for both sides.
    let reported: Vec<Answer> = report
        .items
        .iter()
        .map(|item| Answer { item: ItemId(item.item_id.clone()), value: item.value })
        .collect();
    let marked: Vec<ItemId> = report.not_applicable.iter().map(|item_id| ItemId(item_id.clone())).collect();
    check_answers(bank, schedule, week, &reported, &marked).map_err(|error| answer_error(error, week))?;
    let asked = schedule.items_for_week(week);
    // Every item is known now.
    let answers: Vec<(Metric, Answer)> = reported
        .into_iter()
        .filter_map(|answer| Some((bank.item(answer.item.as_str())?.metric, answer)))
        .collect();
    let mut not_applicable_per_metric: BTreeMap<Metric, usize> = BTreeMap::new();
    for item in marked.iter().filter_map(|item_id| bank.item(item_id.as_str())) {
        *not_applicable_per_metric.entry(item.metric).or_default() += 1;
    }

    let mut metrics_seen = BTreeSet::new();
    for reported in &report.metrics {
        let metric = metric_from_wire(reported.metric);
        if !metrics_seen.insert(metric.key()) {
            return Err(ServerError::DuplicateAnswer { what: format!("metric '{}'", metric.key()) });
        }
        if !(reported.score.is_finite() && (0.0..=100.0).contains(&reported.score)) {
            return Err(ServerError::ValueOutOfScale {
                what: format!("the score of metric '{}'", metric.key()),
                value: reported.score,
                min: 0.0,
                max: 100.0,
            });
        }
    }

    // How many items of each metric the week asked, and how many were answered.
    let mut asked_per_metric: BTreeMap<Metric, usize> = BTreeMap::new();
    for item_id in &asked {
        if let Some(item) = bank.item(item_id.as_str()) {
            *asked_per_metric.entry(item.metric).or_default() += 1;
        }
    }
    let mut answered_per_metric: BTreeMap<Metric, usize> = BTreeMap::new();
    for (metric, _) in &answers {
        *answered_per_metric.entry(*metric).or_default() += 1;
    }
    let complete = |metric: &Metric| answered_per_metric.get(metric) == asked_per_metric.get(metric);
    let counted: Vec<Answer> =
        answers.iter().filter(|(metric, _)| complete(metric)).map(|(_, answer)| answer.clone()).collect();

    let mut contributions = Vec::with_capacity(counted.len() * 2);
    for answer in &counted {
        let item = bank
            .item(answer.item.as_str())
            .ok_or_else(|| ServerError::UnknownItem { item_id: answer.item.as_str().to_owned() })?;
        let scale = bank.scale_of(item);
        contributions.push(Contribution {
            key: item_key(answer.item.as_str()),
            value: f64::from(answer.value),
            bin: usize::from(answer.value - scale.min),
            n_bins: scale.n_points(),
        });
    }
    contributions.sort_by(|left, right| left.key.cmp(&right.key));
    let scores = score_answers(bank, &counted)
        .map_err(|error| ServerError::InvalidInput(format!("scoring the report: {error}")))?;
    let mut metric_contributions: Vec<Contribution> = scores
        .into_iter()
        .map(|score| Contribution {
            key: metric_key(score.metric),
            value: score.score,
            // The score is within 0..=100, so the cast is exact.
            bin: ((score.score / 10.0).floor() as usize).min(METRIC_HISTOGRAM_BINS - 1),
            n_bins: METRIC_HISTOGRAM_BINS,
        })
        .collect();
    // A metric counts as not applicable when every item of it the week asked was marked so.
    metric_contributions.extend(
        not_applicable_per_metric
            .iter()
            .filter(|(metric, n_items)| asked_per_metric.get(metric) == Some(n_items))
            .map(|(metric, _)| Contribution {
                key: not_applicable_key(*metric),
                value: 1.0,
                bin: 0,
                n_bins: 1,
            }),
    );
    metric_contributions.sort_by(|left, right| left.key.cmp(&right.key));
    contributions.extend(metric_contributions);
    Ok(ValidatedReport { week, contributions })
}

/// A broken answer rule ([`check_answers`]) as the server's error, with the
/// codes its API documents: an item both answered and marked is a duplicate.
fn answer_error(error: PulseError, week: IsoWeek) -> ServerError {
    match error {
        PulseError::UnknownItem { item } => ServerError::UnknownItem { item_id: item.0 },
        PulseError::ItemNotInWeek { item, week } => {
            ServerError::ItemNotInWeek { item_id: item.0, week: week.to_string() }
        }
        PulseError::DuplicateAnswer { item } | PulseError::AnsweredAndNotApplicable { item } => {
            ServerError::DuplicateAnswer { what: format!("item '{item}'") }
        }
        PulseError::ValueOutOfScale { item, value, min, max } => ServerError::ValueOutOfScale {
            what: format!("the value of item '{item}'"),
            value: f64::from(value),
            min: f64::from(min),
            max: f64::from(max),
        },
        PulseError::NotApplicableNotAllowed { item } => ServerError::InvalidInput(format!(
            "item '{item}' cannot be marked not applicable in {week}; only items that allow it can, from edition 3 of the questionnaire"
        )),
        other => ServerError::InvalidInput(other.to_string()),
    }
}

impl ValidatedReport {
    /// The report ready to fold for the device holding `device_token` in
    /// `team_id` of `organisation_id`: a receipt that is the same for every
    /// report of that device and week, so a retry is counted once. It needs
    /// the raw token, which the server never stores, and it is deleted when
    /// the week is published. Nothing else derived from the report is kept.
    pub fn into_fold(
        self,
        receipt_secret: &Hash32,
        device_token: &str,
        organisation_id: String,
        team_id: String,
    ) -> ReportFold {
        let receipt = report_receipt(receipt_secret, device_token, self.week);
        ReportFold { receipt, organisation_id, team_id, week: self.week, contributions: self.contributions }
    }
}

/// The answer to a report the server took: its week, whether it was counted now or before,
/// the database's generation and the server's time, which every device is told alike.
pub fn acknowledgement(
    week: IsoWeek,
    status: ReportStatus,
    generation: String,
    now: DateTime<Utc>,
) -> ReportAck {
    ReportAck {
        week: week.to_string(),
        status,
        generation: Some(generation),
        server_time: Some(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    }
}

/// The receipt of the report of the device holding `device_token` for
/// `week`: the same for every report of that device and week (plain or as
/// shares), so a retry is counted once. It needs the raw token, which the
/// server never stores, and it is deleted when the week is published.
pub fn report_receipt(receipt_secret: &Hash32, device_token: &str, week: IsoWeek) -> Hash32 {
    let week_text = week.to_string();
    keyed_hash(receipt_secret, &[b"polso receipt v1", device_token.as_bytes(), week_text.as_bytes()])
}

#[cfg(test)]
mod tests {
    use polso_api::{ReportedScore, ReportedValue, WIRE_VERSION};

    use super::*;

    #[test]
    fn every_metric_crosses_the_wire_both_ways() {
        for metric in polso_core::Metric::ALL {
            assert_eq!(metric_from_wire(metric_to_wire(metric)), metric);
            assert_eq!(metric_to_wire(metric).key(), metric.key());
        }
        assert_eq!(polso_core::Metric::ALL.len(), polso_api::MetricKey::ALL.len());
    }

    const SEED: u64 = 11;

    fn schedule() -> Schedule {
        Schedule::new(ItemBank::embedded(), SEED)
    }

    fn report(week: &str, items: Vec<(&str, u8)>, metrics: Vec<(MetricKey, f64)>) -> WeeklyReport {
        WeeklyReport {
            wire_version: WIRE_VERSION,
            week: week.to_owned(),
            items: items
                .into_iter()
                .map(|(item_id, value)| ReportedValue { item_id: item_id.to_owned(), value })
                .collect(),
            metrics: metrics.into_iter().map(|(metric, score)| ReportedScore { metric, score }).collect(),
            not_applicable: Vec::new(),
            padding: String::new(),
        }
    }

    fn check(report: &WeeklyReport) -> Result<ValidatedReport> {
        validate_report(report, ItemBank::embedded(), &schedule())
    }

    /// A week whose pulse asks two or more items of one metric (a WHO-5
    /// week), with that metric's items; found by walking the calendar.
    fn week_with_a_two_item_metric() -> (IsoWeek, Metric, Vec<String>) {
        let bank = ItemBank::embedded();
        let schedule = schedule();
        let mut week: IsoWeek = "2026-W01".parse().unwrap();
        loop {
            let items = schedule.items_for_week(week);
            for item in &items {
                let metric = bank.item(item.as_str()).unwrap().metric;
                let same: Vec<String> = items
                    .iter()
                    .filter(|other| bank.item(other.as_str()).unwrap().metric == metric)
                    .map(|other| other.as_str().to_owned())
                    .collect();
                if same.len() >= 2 {
                    return (week, metric, same);
                }
            }
            assert!(week.year() < 2030, "no week asks two items of one metric");
            week = week.next();
        }
    }

    fn full_answers(week: IsoWeek) -> Vec<(String, u8)> {
        let bank = ItemBank::embedded();
        schedule()
            .items_for_week(week)
            .iter()
            .map(|item| (item.as_str().to_owned(), bank.scale_of(bank.item(item.as_str()).unwrap()).max))
            .collect()
    }

    #[test]
    fn a_full_report_counts_every_item_and_metric_scored_by_the_server() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        let answers = full_answers(week);
        // The device's metric score is ignored: the server scores from the items.
        let validated = check(&report(
            "2026-W47",
            answers.iter().map(|(id, value)| (id.as_str(), *value)).collect(),
            vec![(MetricKey::Wellbeing, 3.0)],
        ))
        .unwrap();
        let items = validated.contributions.iter().filter(|c| c.key.starts_with("item:")).count();
        assert_eq!(items, answers.len());
        for contribution in validated.contributions.iter().filter(|c| c.key.starts_with("metric:")) {
            // Every answer is the scale's best or worst end, so scores are 0 or 100.
            assert!(contribution.value == 0.0 || contribution.value == 100.0, "{contribution:?}");
        }
    }

    #[test]
    fn a_metric_with_a_skipped_item_is_not_counted_and_neither_are_its_other_items() {
        let (week, metric, items) = week_with_a_two_item_metric();
        let answers: Vec<(String, u8)> =
            full_answers(week).into_iter().filter(|(id, _)| id != &items[0]).collect();
        let validated = check(&report(
            &week.to_string(),
            answers.iter().map(|(id, value)| (id.as_str(), *value)).collect(),
            vec![],
        ))
        .unwrap();
        let keys: Vec<&str> = validated.contributions.iter().map(|c| c.key.as_str()).collect();
        assert!(!keys.contains(&metric_key(metric).as_str()), "{keys:?}");
        for item in &items {
            assert!(!keys.contains(&item_key(item).as_str()), "{keys:?}");
        }
        // The same report with every item answered counts the metric.
        let full = full_answers(week);
        let counted = check(&report(
            &week.to_string(),
            full.iter().map(|(id, value)| (id.as_str(), *value)).collect(),
            vec![],
        ))
        .unwrap();
        assert!(counted.contributions.iter().any(|c| c.key == metric_key(metric)));
    }

    #[test]
    fn refusals_name_the_problem() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        let asked = full_answers(week);
        let (item, value) = (asked[0].0.as_str(), asked[0].1);
        let not_asked = ItemBank::embedded()
            .items()
            .iter()
            .find(|candidate| !asked.iter().any(|(id, _)| id == candidate.id.as_str()))
            .unwrap()
            .id
            .as_str()
            .to_owned();
        let cases: Vec<(WeeklyReport, polso_api::ErrorCode)> = vec![
            (report("2026-47", vec![(item, value)], vec![]), polso_api::ErrorCode::InvalidWeek),
            (report("2026-W47", vec![], vec![]), polso_api::ErrorCode::NoAnswers),
            (report("2026-W47", vec![("no.such.item", 1)], vec![]), polso_api::ErrorCode::UnknownItem),
            (report("2026-W47", vec![(&not_asked, 1)], vec![]), polso_api::ErrorCode::ItemNotInWeek),
            (report("2026-W47", vec![(item, 200)], vec![]), polso_api::ErrorCode::ValueOutOfScale),
            (
                report("2026-W47", vec![(item, value), (item, value)], vec![]),
                polso_api::ErrorCode::DuplicateAnswer,
            ),
            (
                report("2026-W47", vec![], vec![(MetricKey::Trust, 100.5)]),
                polso_api::ErrorCode::ValueOutOfScale,
            ),
            (
                report("2026-W47", vec![], vec![(MetricKey::Trust, f64::NAN)]),
                polso_api::ErrorCode::ValueOutOfScale,
            ),
            (
                report("2026-W47", vec![], vec![(MetricKey::Trust, 1.0), (MetricKey::Trust, 2.0)]),
                polso_api::ErrorCode::DuplicateAnswer,
            ),
        ];
        for (report, code) in cases {
            let error = check(&report).unwrap_err();
            assert_eq!(error.code(), code, "{report:?}: {error}");
        }
    }

    #[test]
    fn a_report_is_taken_only_between_its_weeks_close_and_its_publication() {
        let window =
            CollectionWindow { announced_max_delay_seconds: 48 * 3600, acceptance_seconds: 72 * 3600 };
        let week: IsoWeek = "2026-W48".parse().unwrap();
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc);
        let code = |now: &str, enrolled: Option<&str>| {
            check_report_week(week, at(now), window, enrolled.map(|text| text.parse().unwrap()))
                .err()
                .map(|error| error.code())
        };
        assert_eq!(code("2026-11-29T12:00:00Z", None), Some(polso_api::ErrorCode::WeekNotOpen));
        assert_eq!(code("2026-12-01T12:00:00Z", None), None);
        assert_eq!(code("2026-12-05T12:00:00Z", None), Some(polso_api::ErrorCode::WeekPublished));
        assert_eq!(
            code("2026-12-01T12:00:00Z", Some("2026-W49")),
            Some(polso_api::ErrorCode::WeekBeforeEnrolment)
        );
        assert_eq!(code("2026-12-01T12:00:00Z", Some("2026-W48")), None);
    }

    #[test]
    fn receipts_depend_on_device_and_week_only() {
        let week: IsoWeek = "2026-W47".parse().unwrap();
        let answers = full_answers(week);
        let secret = [7u8; 32];
        let fold = |week: &str, token: &str| {
            let items = full_answers(week.parse().unwrap());
            check(&report(week, items.iter().map(|(id, value)| (id.as_str(), *value)).collect(), vec![]))
                .unwrap()
                .into_fold(&secret, token, "org".to_owned(), "team".to_owned())
        };
        assert!(!answers.is_empty());
        let first = fold("2026-W47", "pd_a");
        assert_eq!(first, fold("2026-W47", "pd_a"));
        assert_ne!(first.receipt, fold("2026-W46", "pd_a").receipt);
        assert_ne!(first.receipt, fold("2026-W47", "pd_b").receipt);
    }
}
