//! Conversions between the core's domain types and the wire types.
//!
//! Kept in one place so the domain stays free of serde and the wire stays free
//! of rules: text from the UI is parsed here, strictly, into domain values.

use polso_api::{
    AnswerDto, ApiError, ErrorCode, HistoryWeek, LocalizedText, MetricKey, MetricScoreDto, PulseItem,
    PulseView, ScaleDto, SubmitPulse, WeekState as WireWeekState, WorkWeekDto,
};
use polso_core::bank::{Item, ItemBank, Localized};
use polso_core::pulse::{MAX_NOTE_CHARS, PulseSubmission, WeekState};
use polso_core::{Answer, IsoWeek, ItemId, Metric, MetricScore, WorkWeek};
use polso_store::SavedPulse;

/// Parses the UI's submission into the core's. Only the shape is checked
/// here; the rules (scales, weeks, notes) are the core's to apply.
pub(crate) fn submission_from_wire(submission: &SubmitPulse) -> Result<PulseSubmission, ApiError> {
    let week: IsoWeek = submission
        .week
        .parse()
        .map_err(|error| ApiError::new(ErrorCode::InvalidWeek, format!("field 'week': {error}")))?;
    Ok(PulseSubmission {
        week,
        answers: submission
            .answers
            .iter()
            .map(|answer| Answer { item: ItemId(answer.item_id.clone()), value: answer.value })
            .collect(),
        work_week: submission
            .work_week
            .map(|work| WorkWeek { office_days: work.office_days, remote_days: work.remote_days }),
        note: submission.note.clone(),
    })
}

/// The week's pulse as the UI shows it; `allows_not_applicable` says which
/// items the week lets the employee mark "not applicable this week".
pub(crate) fn pulse_view(
    bank: &ItemBank,
    week: IsoWeek,
    item_ids: &[ItemId],
    allows_not_applicable: &dyn Fn(&str) -> bool,
    state: WeekState,
    saved: Option<&SavedPulse>,
) -> Result<PulseView, ApiError> {
    let items = item_ids
        .iter()
        .map(|id| {
            bank.item(id.as_str())
                .map(|item| pulse_item(bank, item, allows_not_applicable(id.as_str())))
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::Internal,
                        format!("the schedule names item '{id}', not in the bank"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PulseView {
        week: week.to_string(),
        week_monday: week.monday().to_string(),
        week_sunday: week.sunday().to_string(),
        state: match state {
            WeekState::Open => WireWeekState::Open,
            WeekState::Closed => WireWeekState::Closed,
            WeekState::NotYetOpen => WireWeekState::NotYetOpen,
        },
        items,
        answers: saved.map(|saved| saved.answers.iter().map(answer_to_wire).collect()).unwrap_or_default(),
        not_applicable: saved
            .map(|saved| saved.not_applicable.iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
        work_week: saved.and_then(|saved| saved.work_week).map(work_week_to_wire),
        note: saved.and_then(|saved| saved.note.clone()),
        saved_at: saved.map(|saved| saved.saved_at.to_rfc3339()),
        note_max_chars: MAX_NOTE_CHARS as u32,
        care: saved.and_then(|saved| crate::care::care_signal_of(bank, saved)),
    })
}

/// One answered week for the employee's history.
pub(crate) fn history_week_to_wire(bank: &ItemBank, saved: &SavedPulse) -> HistoryWeek {
    HistoryWeek {
        week: saved.week.to_string(),
        week_monday: saved.week.monday().to_string(),
        scores: saved.scores.iter().map(score_to_wire).collect(),
        work_week: saved.work_week.map(work_week_to_wire),
        note: saved.note.clone(),
        care: crate::care::care_signal_of(bank, saved),
    }
}

fn pulse_item(bank: &ItemBank, item: &Item, offers_not_applicable: bool) -> PulseItem {
    let scale = bank.scale_of(item);
    PulseItem {
        id: item.id.to_string(),
        metric: metric_to_wire(item.metric),
        text: localized(&item.text),
        scale: ScaleDto {
            min: scale.min,
            max: scale.max,
            labels: scale.labels.iter().map(localized).collect(),
        },
        source: bank.source(&item.source).map(|source| source.name.clone()).unwrap_or_default(),
        not_applicable: bank.not_applicable_label().filter(|_| offers_not_applicable).map(localized),
    }
}

/// The items of a submission marked "not applicable this week", as the core's ids.
pub(crate) fn not_applicable_from_wire(submission: &SubmitPulse) -> Vec<ItemId> {
    submission.not_applicable.iter().map(|id| ItemId(id.clone())).collect()
}

fn localized(text: &Localized) -> LocalizedText {
    LocalizedText { en: text.en.clone(), it: text.it.clone() }
}

fn answer_to_wire(answer: &Answer) -> AnswerDto {
    AnswerDto { item_id: answer.item.to_string(), value: answer.value }
}

fn work_week_to_wire(work: WorkWeek) -> WorkWeekDto {
    WorkWeekDto { office_days: work.office_days, remote_days: work.remote_days }
}

fn score_to_wire(score: &MetricScore) -> MetricScoreDto {
    MetricScoreDto { metric: metric_to_wire(score.metric), score: score.score }
}

/// The wire key of a metric (`polso_api`'s exhaustive conversion).
pub(crate) fn metric_to_wire(metric: Metric) -> MetricKey {
    MetricKey::from(metric)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_core_metric_has_its_wire_key() {
        for metric in polso_core::Metric::ALL {
            assert_eq!(super::metric_to_wire(metric).key(), metric.key());
        }
    }
}
