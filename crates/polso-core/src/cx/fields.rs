//! The text of one field: how long it may be, and how a number or a date written in it is read.
//! Numbers take a decimal point or a decimal comma and an optional trailing `%`, never thousands
//! separators (`1.234,5` is ambiguous between exports); dates are ISO or day first, never month
//! first (module header of [`crate::cx`]).
//!
//! Pure: no IO.

use chrono::NaiveDate;

/// Longest text of a header name, and of a field in a column Polso reads (team, week or date,
/// metric, value, n, score), in characters. Team names have at most 100.
pub const MAX_CX_FIELD_CHARS: usize = 200;

/// Longest text of a field in a column Polso ignores (a customer's comment, say), in characters.
pub const MAX_CX_OTHER_FIELD_CHARS: usize = 4_000;

/// The length of `text` in characters, when it is more than `max`.
pub(crate) fn length_over(text: &str, max: usize) -> Option<usize> {
    // A character has at least one byte: most fields are decided without counting.
    if text.len() <= max {
        return None;
    }
    let length = text.chars().count();
    (length > max).then_some(length)
}

/// A decimal number with a point or a comma, an optional trailing `%`; no thousands separators.
pub(crate) fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let text = text.strip_suffix('%').map_or(text, str::trim_end);
    if text.is_empty() || text.contains('.') && text.contains(',') || text.matches(',').count() > 1 {
        return None;
    }
    let valid = text
        .bytes()
        .all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b',' | b'-' | b'+' | b'e' | b'E'));
    if !valid || !text.bytes().any(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let value: f64 =
        if text.contains(',') { text.replacen(',', ".", 1).parse().ok()? } else { text.parse().ok()? };
    value.is_finite().then_some(value)
}

/// A date as `2026-11-23` or `23/11/2026` (also `.` or `-` between day, month and year), with an
/// optional time after `T` or a space.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let date_part = text.trim().split(['T', ' ']).next()?;
    let parts: Vec<&str> = date_part.split(['-', '/', '.']).collect();
    let [first, second, third] = parts.as_slice() else { return None };
    let number = |part: &str, max_len: usize| -> Option<u32> {
        if part.is_empty() || part.len() > max_len || !part.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    if first.len() == 4 {
        if date_part.contains(['/', '.']) {
            return None;
        }
        let year = i32::try_from(number(first, 4)?).ok()?;
        NaiveDate::from_ymd_opt(year, number(second, 2)?, number(third, 2)?)
    } else if third.len() == 4 {
        let year = i32::try_from(number(third, 4)?).ok()?;
        NaiveDate::from_ymd_opt(year, number(second, 2)?, number(first, 2)?)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates() {
        assert_eq!(parse_decimal("4,5"), Some(4.5));
        assert_eq!(parse_decimal(" -12.25 "), Some(-12.25));
        assert_eq!(parse_decimal("85%"), Some(85.0));
        for bad in ["", "1.234,5", "1,2,3", "abc", "inf", "NaN", "4 5", "-"] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(parse_date("2026-11-23"), date(2026, 11, 23));
        assert_eq!(parse_date("23/11/2026"), date(2026, 11, 23));
        assert_eq!(parse_date("3.1.2027"), date(2027, 1, 3));
        assert_eq!(parse_date("2026-11-23T10:15:00Z"), date(2026, 11, 23));
        assert_eq!(parse_date("23/11/2026 10:15"), date(2026, 11, 23));
        for bad in ["2026/11/23", "11/23/2026", "23/11/26", "2026-02-30", "", "yesterday"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
