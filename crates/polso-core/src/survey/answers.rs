//! Reads one answer and one date as survey tools write them.
//!
//! # Answers
//!
//! An answer is read as a whole number on its column's scale when it is unambiguous:
//! - a number: `9`, `9.0`;
//! - a leading number followed by a label, as choice texts are exported: `10 - Extremely likely`,
//!   `0 - Not at all likely`, `5 = Molto soddisfatto`, `7 (Strongly agree)`;
//! - a label from a short known list, only where the list fits the column: the NPS end points
//!   (`Extremely likely`, `Not at all likely`, `Estremamente probabile`, `Per niente probabile`) on
//!   0–10; the five satisfaction points in English and Italian (`Very satisfied`,
//!   `Molto soddisfatto`, `Neither satisfied nor dissatisfied`…) on a 1–5 CSAT scale where higher is
//!   better; the seven agreement points of CES 2.0 (`Strongly agree`, `Fortemente d'accordo`…) on
//!   a 1–7 CES scale where higher is easier.
//!
//! Anything else (another label, a decimal, a number off the scale) is not read: the caller
//! reports it with its line and column. Labels are matched ignoring case, accents, spaces and
//! punctuation, and gendered Italian forms (`soddisfatto`, `soddisfatta`, `soddisfatto/a`) alike.
//!
//! # Dates
//!
//! A date is three numbers separated by `-`, `/` or `.`, optionally followed by a time after a
//! space, `T` or `,` (which is ignored, time zone included: an answer counts on the date its export
//! shows). Year first (`2026-11-23`, `2026/11/23 10:15:02 AM GMT+1`) is always year, month, day;
//! otherwise the mapping's [`DateOrder`] says whether `11/12/2026` is the 11th of December or the
//! 12th of November. Years have four digits.

use chrono::NaiveDate;

use super::mapping::{DateOrder, SurveyMetric};
use crate::cx::fold;

/// What an answer column holds, as [`read_answer`] needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnswerSpec {
    pub(crate) metric: SurveyMetric,
    pub(crate) min: u8,
    pub(crate) max: u8,
    pub(crate) higher_is_better: bool,
}

/// The answer as a whole number on the spec's scale, or `None` (see the module header).
pub(crate) fn read_answer(text: &str, spec: AnswerSpec) -> Option<u8> {
    let value = leading_number(text).or_else(|| known_label(text, spec))?;
    (spec.min..=spec.max).contains(&value).then_some(value)
}

/// The number an answer starts with, when the rest is nothing, a zero fraction, or a label after a
/// separator (`10 - Extremely likely`); `None` for `4.5`, `5 6` or `12abc`.
pub(crate) fn leading_number(text: &str) -> Option<u8> {
    let text = text.trim();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    let value: u8 = text[..digits].parse().ok()?;
    let rest = &text[digits..];
    if rest.is_empty() {
        return Some(value);
    }
    // A zero fraction: `9.0`, `9,00`.
    if let Some(fraction) = rest.strip_prefix(['.', ',']) {
        if !fraction.is_empty() && fraction.bytes().all(|byte| byte == b'0') {
            return Some(value);
        }
        if fraction.bytes().next().is_some_and(|byte| byte.is_ascii_digit()) {
            return None;
        }
    }
    // A label after a separator, with at least one letter in it.
    let separated = rest.starts_with(|c: char| c.is_whitespace() || "-–—=:().,".contains(c));
    let label = rest.trim_start_matches(|c: char| c.is_whitespace() || "-–—=:().,".contains(c));
    let label_starts_with_letter = label.chars().next().is_some_and(char::is_alphabetic);
    (separated && label_starts_with_letter).then_some(value)
}

fn known_label(text: &str, spec: AnswerSpec) -> Option<u8> {
    let label = fold(text);
    let table: &[(&str, u8)] = match (spec.metric, spec.min, spec.max, spec.higher_is_better) {
        (SurveyMetric::Nps, 0, 10, true) => NPS_END_POINTS,
        (SurveyMetric::Csat, 1, 5, true) => SATISFACTION_FIVE_POINTS,
        (SurveyMetric::Ces, 1, 7, true) => AGREEMENT_SEVEN_POINTS,
        _ => return None,
    };
    table.iter().find(|(known, _)| *known == label).map(|(_, value)| *value)
}

/// Labels a spreadsheet can hold for a 5-point satisfaction question, folded, with their points.
pub(crate) const SATISFACTION_FIVE_POINTS: &[(&str, u8)] = &[
    ("verydissatisfied", 1),
    ("extremelydissatisfied", 1),
    ("completelydissatisfied", 1),
    ("dissatisfied", 2),
    ("somewhatdissatisfied", 2),
    ("neithersatisfiednordissatisfied", 3),
    ("neutral", 3),
    ("satisfied", 4),
    ("somewhatsatisfied", 4),
    ("verysatisfied", 5),
    ("extremelysatisfied", 5),
    ("completelysatisfied", 5),
    ("moltoinsoddisfatto", 1),
    ("moltoinsoddisfatta", 1),
    ("moltoinsoddisfattoa", 1),
    ("pernientesoddisfatto", 1),
    ("pernientesoddisfatta", 1),
    ("pernientesoddisfattoa", 1),
    ("insoddisfatto", 2),
    ("insoddisfatta", 2),
    ("insoddisfattoa", 2),
    ("pocosoddisfatto", 2),
    ("pocosoddisfatta", 2),
    ("pocosoddisfattoa", 2),
    ("nesoddisfattoneinsoddisfatto", 3),
    ("nesoddisfattaneinsoddisfatta", 3),
    ("nesoddisfattoaneinsoddisfattoa", 3),
    ("neutrale", 3),
    ("neutro", 3),
    ("soddisfatto", 4),
    ("soddisfatta", 4),
    ("soddisfattoa", 4),
    ("abbastanzasoddisfatto", 4),
    ("abbastanzasoddisfatta", 4),
    ("abbastanzasoddisfattoa", 4),
    ("moltosoddisfatto", 5),
    ("moltosoddisfatta", 5),
    ("moltosoddisfattoa", 5),
    ("estremamentesoddisfatto", 5),
    ("estremamentesoddisfatta", 5),
    ("estremamentesoddisfattoa", 5),
];

/// The labels of the NPS scale's two ends, folded.
const NPS_END_POINTS: &[(&str, u8)] = &[
    ("notatalllikely", 0),
    ("extremelylikely", 10),
    ("pernienteprobabile", 0),
    ("pernullaprobabile", 0),
    ("estremamenteprobabile", 10),
];

/// The seven agreement points of CES 2.0 ("the company made it easy for me…"), folded.
pub(crate) const AGREEMENT_SEVEN_POINTS: &[(&str, u8)] = &[
    ("stronglydisagree", 1),
    ("disagree", 2),
    ("somewhatdisagree", 3),
    ("neitheragreenordisagree", 4),
    ("somewhatagree", 5),
    ("agree", 6),
    ("stronglyagree", 7),
    ("fortementeindisaccordo", 1),
    ("completamenteindisaccordo", 1),
    ("indisaccordo", 2),
    ("parzialmenteindisaccordo", 3),
    ("nedaccordoneindisaccordo", 4),
    ("parzialmentedaccordo", 5),
    ("daccordo", 6),
    ("fortementedaccordo", 7),
    ("completamentedaccordo", 7),
];

/// A date's three numbers as written, before the order is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateParts {
    /// `2026-11-23`: year, month, day.
    YearFirst(i32, u32, u32),
    /// `23/11/2026` or `11/23/2026`: the two numbers before the year, in the order written.
    YearLast(u32, u32, i32),
}

/// Splits a date into its numbers; `None` when it is not three numbers with a four-digit year
/// first or last.
pub(crate) fn date_parts(text: &str) -> Option<DateParts> {
    let text = text.trim();
    let date_end = text.find([' ', 'T', ',', '\t']).unwrap_or(text.len());
    let date = &text[..date_end];
    let mut parts = date.split(['-', '/', '.']);
    let (first, second, third) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let number = |part: &str, lengths: std::ops::RangeInclusive<usize>| -> Option<u32> {
        if !lengths.contains(&part.len()) || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if first.len() == 4 {
        let year = i32::try_from(number(first, 4..=4)?).ok()?;
        Some(DateParts::YearFirst(year, number(second, 1..=2)?, number(third, 1..=2)?))
    } else {
        let year = i32::try_from(number(third, 4..=4)?).ok()?;
        Some(DateParts::YearLast(number(first, 1..=2)?, number(second, 1..=2)?, year))
    }
}

/// The date, read in `order` when it is not year first.
pub(crate) fn parse_date(text: &str, order: DateOrder) -> Option<NaiveDate> {
    match (date_parts(text)?, order) {
        (DateParts::YearFirst(year, month, day), _) => NaiveDate::from_ymd_opt(year, month, day),
        (DateParts::YearLast(day, month, year), DateOrder::DayMonthYear) => {
            NaiveDate::from_ymd_opt(year, month, day)
        }
        (DateParts::YearLast(month, day, year), DateOrder::MonthDayYear) => {
            NaiveDate::from_ymd_opt(year, month, day)
        }
        (DateParts::YearLast(..), DateOrder::YearMonthDay | DateOrder::Unknown) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(metric: SurveyMetric, min: u8, max: u8, higher_is_better: bool) -> AnswerSpec {
        AnswerSpec { metric, min, max, higher_is_better }
    }

    #[test]
    fn answers_as_tools_export_them() {
        let nps = spec(SurveyMetric::Nps, 0, 10, true);
        let csat = spec(SurveyMetric::Csat, 1, 5, true);
        let ces = spec(SurveyMetric::Ces, 1, 7, true);
        let effort = spec(SurveyMetric::Ces, 1, 5, false);
        let cases = [
            ("9", nps, Some(9)),
            (" 10 ", nps, Some(10)),
            ("10.0", nps, Some(10)),
            ("10 - Extremely likely", nps, Some(10)),
            ("0 - Not at all likely", nps, Some(0)),
            ("Extremely likely", nps, Some(10)),
            ("Per niente probabile", nps, Some(0)),
            ("11", nps, None),
            ("4.5", csat, None),
            ("4,5", csat, None),
            ("5 6", csat, None),
            ("5abc", csat, None),
            ("Very satisfied", csat, Some(5)),
            ("Molto soddisfatta", csat, Some(5)),
            ("Né soddisfatto né insoddisfatto", csat, Some(3)),
            ("soddisfatto/a", csat, Some(4)),
            ("5 = Molto soddisfatto", csat, Some(5)),
            ("Very satisfied", spec(SurveyMetric::Csat, 1, 7, true), None),
            ("Strongly agree", ces, Some(7)),
            ("D'accordo", ces, Some(6)),
            ("7 (Strongly agree)", ces, Some(7)),
            ("Strongly agree", effort, None),
            ("5 - Very high effort", effort, Some(5)),
            ("6", effort, None),
            ("Satisfied", nps, None),
            ("", nps, None),
            ("-1", nps, None),
            ("100", nps, None),
        ];
        for (text, spec, expected) in cases {
            assert_eq!(read_answer(text, spec), expected, "{text:?} as {:?}", spec.metric);
        }
    }

    #[test]
    fn dates_in_each_order() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let cases = [
            ("2026-11-23 10:15:02", DateOrder::Unknown, date(2026, 11, 23)),
            ("2026-11-23T10:15:02Z", DateOrder::DayMonthYear, date(2026, 11, 23)),
            ("2026/11/23 10:15:02 AM GMT+1", DateOrder::MonthDayYear, date(2026, 11, 23)),
            ("11/23/2026 10:15:02 AM", DateOrder::MonthDayYear, date(2026, 11, 23)),
            ("23/11/2026 10.15.02", DateOrder::DayMonthYear, date(2026, 11, 23)),
            ("3.1.2027", DateOrder::DayMonthYear, date(2027, 1, 3)),
            ("3.1.2027", DateOrder::MonthDayYear, date(2027, 3, 1)),
            ("23/11/2026, 10:15", DateOrder::DayMonthYear, date(2026, 11, 23)),
            ("11/23/2026", DateOrder::DayMonthYear, None),
            ("11/12/2026", DateOrder::YearMonthDay, None),
            ("11/12/2026", DateOrder::Unknown, None),
            ("23/11/26", DateOrder::DayMonthYear, None),
            ("2026-02-30", DateOrder::YearMonthDay, None),
            ("1/2/3/2026", DateOrder::DayMonthYear, None),
            ("yesterday", DateOrder::DayMonthYear, None),
            ("", DateOrder::DayMonthYear, None),
        ];
        for (text, order, expected) in cases {
            assert_eq!(parse_date(text, order), expected, "{text:?} {order:?}");
        }
    }
}
