//! Checking a weekly report against the item bank and the calendar, and
//! reducing it to the contributions, receipt and digest that folding needs.
//!
//! Pure apart from its arguments: the bank, today and the secrets are passed
//! in, so every refusal is tested without a server. Errors name the item or
//! metric at fault; they go back to the device that sent the report and are
//! never logged.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use polso_api::{MetricKey, WeeklyReport};
use polso_core::IsoWeek;
use polso_core::Metric;
use polso_core::bank::ItemBank;

use crate::error::{Result, ServerError};
use crate::secrets::{Hash32, keyed_hash};
use crate::store::{Contribution, ReportFold};

/// Bins of a metric score's histogram: ten of ten points, 100 in the last.
pub const METRIC_HISTOGRAM_BINS: usize = 10;

/// The aggregate key of an item.
pub fn item_key(item_id: &str) -> String {
    format!("item:{item_id}")
}

/// The aggregate key of a metric.
pub fn metric_key(metric: Metric) -> String {
    format!("metric:{}", metric.key())
}

/// The core's metric for a wire metric key. The two enums list the same
/// metrics under the same keys (`MetricKey::key`, `Metric::key`); the test
/// `every_metric_crosses_the_wire_both_ways` holds them together.
pub fn metric_from_wire(metric: MetricKey) -> Metric {
    Metric::from_key(metric.key()).unwrap_or(Metric::Wellbeing)
}

/// The wire metric key of a core metric.
pub fn metric_to_wire(metric: Metric) -> MetricKey {
    MetricKey::from_key(metric.key()).unwrap_or(MetricKey::Wellbeing)
}

/// A report that passed every check: its week and its contributions.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedReport {
    /// The week reported.
    pub week: IsoWeek,
    /// One contribution per item value and metric score, items first, each
    /// list sorted by key, so equal reports give equal lists.
    pub contributions: Vec<Contribution>,
}

/// Checks `report` against `bank` on `today`: the week is neither in the
/// future nor older than `max_age_weeks`; every item exists, once, with a
/// value on its scale; every metric appears once with a score in 0..=100.
pub fn validate_report(
    report: &WeeklyReport,
    bank: &ItemBank,
    today: NaiveDate,
    max_age_weeks: u32,
) -> Result<ValidatedReport> {
    let week: IsoWeek = report.week.parse()?;
    let this_week = IsoWeek::containing(today);
    if week > this_week {
        return Err(ServerError::WeekNotOpen { week: week.to_string() });
    }
    let oldest = this_week.plus_weeks(-i64::from(max_age_weeks));
    if week < oldest {
        return Err(ServerError::WeekClosed { week: week.to_string(), oldest: oldest.to_string() });
    }
    if report.items.is_empty() && report.metrics.is_empty() {
        return Err(ServerError::NoAnswers);
    }

    let mut item_contributions = Vec::with_capacity(report.items.len());
    let mut items_seen = BTreeSet::new();
    for reported in &report.items {
        let item = bank
            .item(&reported.item_id)
            .ok_or_else(|| ServerError::UnknownItem { item_id: reported.item_id.clone() })?;
        if !items_seen.insert(reported.item_id.as_str()) {
            return Err(ServerError::DuplicateAnswer { what: format!("item '{}'", reported.item_id) });
        }
        let scale = bank.scale_of(item);
        if !scale.contains(reported.value) {
            return Err(ServerError::ValueOutOfScale {
                what: format!("the value of item '{}'", reported.item_id),
                value: f64::from(reported.value),
                min: f64::from(scale.min),
                max: f64::from(scale.max),
            });
        }
        item_contributions.push(Contribution {
            key: item_key(&reported.item_id),
            value: f64::from(reported.value),
            bin: usize::from(reported.value - scale.min),
            n_bins: scale.n_points(),
        });
    }

    let mut metric_contributions = Vec::with_capacity(report.metrics.len());
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
        // The cast is exact: the score is finite and within 0..=100.
        let bin = ((reported.score / 10.0).floor() as usize).min(METRIC_HISTOGRAM_BINS - 1);
        metric_contributions.push(Contribution {
            key: metric_key(metric),
            value: reported.score,
            bin,
            n_bins: METRIC_HISTOGRAM_BINS,
        });
    }

    item_contributions.sort_by(|left, right| left.key.cmp(&right.key));
    metric_contributions.sort_by(|left, right| left.key.cmp(&right.key));
    item_contributions.extend(metric_contributions);
    Ok(ValidatedReport { week, contributions: item_contributions })
}

impl ValidatedReport {
    /// The report ready to fold for the device holding `device_token` in
    /// `team_id`: a receipt that is the same for every report of that device
    /// and week, and a content digest that tells a retry from a change. Both
    /// need the raw token, which the server never stores.
    pub fn into_fold(self, receipt_secret: &Hash32, device_token: &str, team_id: String) -> ReportFold {
        let week_text = self.week.to_string();
        let receipt =
            keyed_hash(receipt_secret, &[b"polso receipt v1", device_token.as_bytes(), week_text.as_bytes()]);
        let mut content = Vec::new();
        for contribution in &self.contributions {
            content.extend_from_slice(&(contribution.key.len() as u64).to_le_bytes());
            content.extend_from_slice(contribution.key.as_bytes());
            content.extend_from_slice(&contribution.value.to_bits().to_le_bytes());
        }
        let content_digest =
            keyed_hash(device_token.as_bytes(), &[b"polso report digest v1", week_text.as_bytes(), &content]);
        ReportFold { receipt, content_digest, team_id, week: self.week, contributions: self.contributions }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_metric_crosses_the_wire_both_ways() {
        for metric in polso_core::Metric::ALL {
            assert_eq!(super::metric_from_wire(super::metric_to_wire(metric)), metric);
            assert_eq!(super::metric_to_wire(metric).key(), metric.key());
        }
        assert_eq!(polso_core::Metric::ALL.len(), polso_api::MetricKey::ALL.len());
    }

    use polso_api::{ReportedScore, ReportedValue, WIRE_VERSION};

    use super::*;

    fn today() -> NaiveDate {
        // A Wednesday of 2026-W48.
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn some_item() -> (&'static str, u8, u8) {
        let bank = ItemBank::embedded();
        let item = &bank.items()[0];
        let scale = bank.scale_of(item);
        (item.id.as_str(), scale.min, scale.max)
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
        }
    }

    fn check(report: &WeeklyReport) -> Result<ValidatedReport> {
        validate_report(report, ItemBank::embedded(), today(), 8)
    }

    #[test]
    fn a_good_report_becomes_sorted_contributions() {
        let (item, min, max) = some_item();
        let validated =
            check(&report("2026-W47", vec![(item, max)], vec![(MetricKey::Trust, 100.0)])).unwrap();
        assert_eq!(validated.week.to_string(), "2026-W47");
        assert_eq!(validated.contributions.len(), 2);
        assert_eq!(validated.contributions[0].key, format!("item:{item}"));
        assert_eq!(validated.contributions[0].bin, usize::from(max - min));
        assert_eq!(validated.contributions[1].key, "metric:trust");
        assert_eq!(validated.contributions[1].bin, 9);
    }

    #[test]
    fn refusals_name_the_problem() {
        let (item, min, max) = some_item();
        let cases: Vec<(WeeklyReport, polso_api::ErrorCode)> = vec![
            (report("2026-W49", vec![(item, min)], vec![]), polso_api::ErrorCode::WeekNotOpen),
            (report("2026-W39", vec![(item, min)], vec![]), polso_api::ErrorCode::WeekClosed),
            (report("2026-48", vec![(item, min)], vec![]), polso_api::ErrorCode::InvalidWeek),
            (report("2026-W48", vec![], vec![]), polso_api::ErrorCode::NoAnswers),
            (report("2026-W48", vec![("no.such.item", 1)], vec![]), polso_api::ErrorCode::UnknownItem),
            (report("2026-W48", vec![(item, max + 1)], vec![]), polso_api::ErrorCode::ValueOutOfScale),
            (
                report("2026-W48", vec![(item, min), (item, min)], vec![]),
                polso_api::ErrorCode::DuplicateAnswer,
            ),
            (
                report("2026-W48", vec![], vec![(MetricKey::Trust, 100.5)]),
                polso_api::ErrorCode::ValueOutOfScale,
            ),
            (
                report("2026-W48", vec![], vec![(MetricKey::Trust, f64::NAN)]),
                polso_api::ErrorCode::ValueOutOfScale,
            ),
            (
                report("2026-W48", vec![], vec![(MetricKey::Trust, 1.0), (MetricKey::Trust, 2.0)]),
                polso_api::ErrorCode::DuplicateAnswer,
            ),
        ];
        for (report, code) in cases {
            let error = check(&report).unwrap_err();
            assert_eq!(error.code(), code, "{report:?}: {error}");
        }
        // The oldest week accepted is exactly eight weeks back.
        check(&report("2026-W40", vec![(item, min)], vec![])).unwrap();
    }

    #[test]
    fn receipts_depend_on_device_and_week_only_and_digests_on_content() {
        let (item, min, max) = some_item();
        let secret = [7u8; 32];
        let fold = |week: &str, value: u8, token: &str| {
            check(&report(week, vec![(item, value)], vec![])).unwrap().into_fold(
                &secret,
                token,
                "team".to_owned(),
            )
        };
        let first = fold("2026-W47", min, "pd_a");
        assert_eq!(first, fold("2026-W47", min, "pd_a"));
        let changed = fold("2026-W47", max, "pd_a");
        assert_eq!(first.receipt, changed.receipt);
        assert_ne!(first.content_digest, changed.content_digest);
        assert_ne!(first.receipt, fold("2026-W46", min, "pd_a").receipt);
        let other_device = fold("2026-W47", min, "pd_b");
        assert_ne!(first.receipt, other_device.receipt);
        assert_ne!(first.content_digest, other_device.content_digest, "digests must not link devices");
    }
}
