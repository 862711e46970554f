//! The sync client: enrolment with the organisation server and the weekly
//! reports, held until their week's pulse window closes and then sent with a
//! random delay, retried with backoff, idempotent.
//!
//! The privacy model (DESIGN.md, points 2–3) shapes every step here:
//!
//! - The device token lives only in the [`polso_store::SecretVault`] (the OS keyring in the
//!   app), never in the store, a log or an error message.
//! - A report holds item values and metric scores only; [`report_for_pulse`]
//!   builds it from the saved pulse and leaves the note and the work week out
//!   by construction.
//! - A week's report is queued only once the week is closed (its answers are
//!   final), due at that moment (or at the week's end in UTC, if later) plus
//!   a random delay drawn uniformly from [`send_delay_bounds`]: never below an hour and spread over at least a day,
//!   whatever the server announces, so its arrival does not point at a person
//!   and a server announcing 0 cannot make reports arrive at the week's close.
//!   No setting or environment variable lowers that floor.
//! - Every report body is padded with spaces to [`REPORT_BODY_BYTES`], so its
//!   length on the wire says nothing about how many items were answered or
//!   what their values were.
//! - A report the server can never count (its week was published, or began
//!   before the device enrolled) is dropped for good and named in the sync
//!   status; rate limits and server faults are retried with backoff, and a
//!   `Retry-After` is respected. Only Polso's own `{code, message}` refuses a
//!   report for good: an answer without it (a misrouted balancer's 404, a
//!   proxy's error page, a cut-off body) is a fault and is tried again.
//! - A server restored from an older backup announces a new generation (on
//!   each report's answer and on the server check); the app then puts back
//!   in the queue every sent report it still holds (sent reports keep their
//!   payload while the server would accept their week, no longer), each
//!   after a new random delay and with the device token as when first sent,
//!   so the restored server learns nothing the first sending did not tell.
//!   The server's receipts count each once. A device token the server does
//!   not know (enrolled after the backup) fails no report for good: reports
//!   wait, and the status asks the employee to join again.
//! - A pass with nothing to send checks that the server still answers this
//!   device ([`check_server`], a `GET` that carries the device token and
//!   nothing else) when the employee presses "Sync now", and in the background
//!   at most once an hour, so the status never says "synced" about a server
//!   that has gone. The check reads the organisation's questionnaire, so an
//!   edition adopted after enrolment reaches the device before its cycle. Every pass that reached for the server is kept with its
//!   outcome (`SyncStatus::last_pass`); `last_sync_at` is the last success.
//!
//! A pass is split in three so that the shell never holds the store while the
//! network is slow: [`crate::Desktop::prepare_sync`] (store, no network),
//! [`send_reports`] (network, no store) and [`crate::Desktop::record_sync`]
//! (store). HTTP sits behind [`SyncTransport`], so the tests need no network.
//! Nothing here reads a clock or draws random numbers: `today`, `now` and a
//! random source are arguments.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use polso_api::{
    ApiError, DroppedReportReason, EnrolDevice, EnrolRequest, EnrolResponse, ErrorCode,
    QuestionnaireResponse, ReportAck, ReportedScore, ReportedValue, WIRE_VERSION, WeeklyReport,
};
use polso_core::IsoWeek;
use polso_core::collection::send_delay_bounds;
use polso_store::SavedPulse;

use crate::convert::metric_to_wire;
pub use crate::enrolment::Enrolment;
use crate::transport::HrTransport;
pub use crate::transport::{
    HttpAnswer, SyncCheck, SyncTransport, TransportFailure, UreqTransport, normalise_server_url,
};
use crate::transport::{polso_error, server_error, unreachable};

/// The wait before the first retry of a report; each further retry doubles it.
pub const FIRST_RETRY_DELAY_SECONDS: i64 = 60;

/// The longest wait between two retries of a report.
pub const LONGEST_RETRY_DELAY_SECONDS: i64 = 60 * 60;

/// The longest `Retry-After` honoured: a day. A longer one is cut to this, so
/// a server cannot park a report past its week's collection window.
pub const LONGEST_RETRY_AFTER_SECONDS: i64 = 24 * 60 * 60;

/// The size, in bytes, of every report body sent: the JSON with its
/// `padding` of spaces. The largest report the embedded item bank and the
/// schedule can produce (five items with the longest ids, every metric they
/// score, each value and score at its longest text) is 527 bytes; a
/// test checks every week's item combination for many weeks and seeds against
/// this size. Should a report ever be longer, it is padded to the next
/// multiple instead, never sent at its own length.
pub const REPORT_BODY_BYTES: usize = 1024;

/// Redeems an invite code at the server (`POST /v1/enrol`). Touches no store:
/// the shell calls it without holding the app's state, then hands the result
/// to [`crate::Desktop::complete_enrolment`].
pub fn request_enrolment(transport: &dyn SyncTransport, form: &EnrolDevice) -> Result<Enrolment, ApiError> {
    let server_url = normalise_server_url(&form.server_url)?;
    if crate::credential::is_personal_code(&form.invite_code) {
        let code = &form.invite_code;
        return crate::credential::request_enrolment_with_personal_code(transport, &server_url, code);
    }
    let invite_code = form.invite_code.trim();
    if invite_code.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "the invite code is empty"));
    }
    let request = EnrolRequest { wire_version: WIRE_VERSION, invite_code: invite_code.to_owned() };
    let body = serde_json::to_string(&request)
        .map_err(|error| ApiError::new(ErrorCode::Internal, format!("encoding the enrolment: {error}")))?;
    let url = format!("{server_url}/v1/enrol");
    let answer =
        transport.post_json(&url, None, &body).map_err(|failure| unreachable(&server_url, &failure))?;
    if !(200..300).contains(&answer.status) {
        return Err(server_error(&server_url, &answer).unwrap_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidServerAddress,
                format!(
                    "the server at {server_url} does not answer like a Polso server (HTTP {})",
                    answer.status
                ),
            )
        }));
    }
    let response: EnrolResponse = serde_json::from_str(&answer.body).map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidServerAddress,
            format!("the server at {server_url} does not answer like a Polso server"),
        )
    })?;
    if response.wire_version != WIRE_VERSION {
        return Err(ApiError::new(
            ErrorCode::UnsupportedVersion,
            format!(
                "the server at {server_url} speaks wire version {}; this Polso speaks {WIRE_VERSION}",
                response.wire_version
            ),
        ));
    }
    Ok(Enrolment { server_url, response, team_key_fingerprint: None })
}

/// A week's report as it leaves the device: the item values and metric scores
/// of the saved pulse, and nothing else. The note and the work week have no
/// field to go into.
pub fn report_for_pulse(pulse: &SavedPulse) -> WeeklyReport {
    WeeklyReport {
        wire_version: WIRE_VERSION,
        week: pulse.week.to_string(),
        items: pulse
            .answers
            .iter()
            .map(|answer| ReportedValue { item_id: answer.item.to_string(), value: answer.value })
            .collect(),
        metrics: pulse
            .scores
            .iter()
            .map(|score| ReportedScore { metric: metric_to_wire(score.metric), score: score.score })
            .collect(),
        not_applicable: pulse.not_applicable.iter().map(ToString::to_string).collect(),
        padding: String::new(),
    }
}

/// The body sent for `report`: its JSON, with `padding` set to the spaces
/// that bring it to [`REPORT_BODY_BYTES`] (or, for a report that could never
/// be that short, to the next multiple of it). Any padding `report` already
/// has is replaced, so padding twice gives the same body.
pub fn padded_report_body(report: &WeeklyReport) -> Result<String, ApiError> {
    let encode = |report: &WeeklyReport| {
        serde_json::to_string(report).map_err(|error| {
            ApiError::new(ErrorCode::Internal, format!("encoding the report for {}: {error}", report.week))
        })
    };
    let mut padded = WeeklyReport { padding: String::new(), ..report.clone() };
    let unpadded_length = encode(&padded)?.len();
    let target = unpadded_length.div_ceil(REPORT_BODY_BYTES).max(1) * REPORT_BODY_BYTES;
    // Spaces need no escaping in JSON: each one adds exactly one byte.
    padded.padding = " ".repeat(target - unpadded_length);
    encode(&padded)
}

/// Whether the pulse window of `week` has closed on `today`: it closes at the
/// end of its Sunday, in the employee's local time.
pub fn week_is_closed(week: IsoWeek, today: NaiveDate) -> bool {
    today > week.sunday()
}

/// The random delay before a newly closed week's report is due, when the
/// server announces `announced_max_delay_seconds`: uniform over
/// [`send_delay_bounds`], drawn from `random`. The app's own floor holds
/// whatever the server announces, 0 included.
pub fn send_delay(announced_max_delay_seconds: u32, random: &mut dyn FnMut() -> u64) -> chrono::Duration {
    let bounds = send_delay_bounds(announced_max_delay_seconds);
    let span = u64::from(bounds.max_seconds.saturating_sub(bounds.min_seconds)) + 1;
    // The modulo bias over a 64-bit draw is below 2^-40: irrelevant here.
    let seconds = u64::from(bounds.min_seconds) + random() % span;
    chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::from(bounds.max_seconds)))
}

/// When a newly closed `week`'s report, first seen closed at `now`, is due:
/// a [`send_delay`] after `now`, or after the week's end in UTC when that is
/// later. A device east of UTC sees its week close before the server's clock
/// does; counting from the UTC end keeps its report from arriving while the
/// server still calls the week open, and from pointing at its time zone.
pub fn report_due_at(
    week: IsoWeek,
    now: DateTime<Utc>,
    announced_max_delay_seconds: u32,
    random: &mut dyn FnMut() -> u64,
) -> DateTime<Utc> {
    let week_ends_in_utc = week.next().monday().and_time(NaiveTime::MIN).and_utc();
    now.max(week_ends_in_utc) + send_delay(announced_max_delay_seconds, random)
}

/// The wait before the next attempt after `attempts` failed ones: one minute,
/// doubling each time, never more than an hour.
pub fn retry_delay(attempts: u32) -> chrono::Duration {
    let doublings = attempts.saturating_sub(1).min(16);
    let seconds = FIRST_RETRY_DELAY_SECONDS.saturating_mul(1 << doublings).min(LONGEST_RETRY_DELAY_SECONDS);
    chrono::Duration::seconds(seconds)
}

/// The reports one pass sends, with where and how; built by
/// [`crate::Desktop::prepare_sync`]. Holds the device token, so it has no
/// `Debug` that prints it.
pub struct SyncBatch {
    pub(crate) server_url: String,
    pub(crate) device_token: String,
    pub(crate) reports: Vec<DueReport>,
}

impl SyncBatch {
    /// The weeks this pass sends, oldest first.
    pub fn weeks(&self) -> Vec<IsoWeek> {
        self.reports.iter().map(|report| report.week).collect()
    }
}

impl std::fmt::Debug for SyncBatch {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SyncBatch")
            .field("server_url", &self.server_url)
            .field("weeks", &self.weeks())
            .finish_non_exhaustive()
    }
}

/// Checks that the server answers this device, reading its organisation's
/// questionnaire (`GET /v1/questionnaire` with the device token): the
/// questionnaire when it does; the server's error when it refuses the token;
/// `server_unreachable` naming the address when nothing answers. A server
/// that predates questionnaires is checked at `GET /v1/privacy-ledger/device`
/// instead and gives `None`. Touches no store; nothing about answers is sent.
pub fn check_server(
    transport: &dyn HrTransport,
    check: &SyncCheck,
) -> Result<Option<QuestionnaireResponse>, ApiError> {
    let server_url = &check.server_url;
    let answer = transport
        .get_json(&format!("{server_url}/v1/questionnaire"), &check.device_token)
        .map_err(|failure| unreachable(server_url, &failure))?;
    if (200..300).contains(&answer.status) {
        let read: QuestionnaireResponse = serde_json::from_str(&answer.body).map_err(|error| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("the server at {server_url} sent a questionnaire this app cannot read: {error}"),
            )
        })?;
        return Ok(Some(read));
    }
    if answer.status == 404 {
        let answer = transport
            .get_json(&format!("{server_url}/v1/privacy-ledger/device"), &check.device_token)
            .map_err(|failure| unreachable(server_url, &failure))?;
        if (200..300).contains(&answer.status) {
            return Ok(None);
        }
        return Err(polso_error(server_url, &answer).unwrap_or_else(|fault| fault));
    }
    Err(polso_error(server_url, &answer).unwrap_or_else(|fault| fault))
}

/// The path of a plain weekly report.
pub(crate) const REPORTS_PATH: &str = "/v1/reports";

/// One queued report due now: its path (plain, or as shares) and its body
/// (padded, or shares of one size per week).
pub(crate) struct DueReport {
    pub(crate) week: IsoWeek,
    pub(crate) path: &'static str,
    pub(crate) body: String,
}

/// When the server asked to be tried again, from its `Retry-After` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// After this many seconds.
    Seconds(u32),
    /// At this instant.
    At(DateTime<Utc>),
}

impl RetryAfter {
    /// Reads a `Retry-After` value: delay-seconds (`"120"`) or an HTTP date
    /// (`"Wed, 02 Dec 2026 10:00:00 GMT"`). Anything else reads as no wish.
    pub fn parse(text: &str) -> Option<RetryAfter> {
        let text = text.trim();
        if let Ok(seconds) = text.parse::<u64>() {
            return Some(RetryAfter::Seconds(u32::try_from(seconds).unwrap_or(u32::MAX)));
        }
        DateTime::parse_from_rfc2822(text).ok().map(|instant| RetryAfter::At(instant.to_utc()))
    }

    /// The instant it names, seen at `now`, never more than
    /// [`LONGEST_RETRY_AFTER_SECONDS`] away.
    pub fn instant(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let latest = now + chrono::Duration::seconds(LONGEST_RETRY_AFTER_SECONDS);
        match self {
            RetryAfter::Seconds(seconds) => now + chrono::Duration::seconds(i64::from(seconds)),
            RetryAfter::At(instant) => instant,
        }
        .min(latest)
    }
}

/// What became of one report in a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The server counted it now or had counted it before.
    Sent {
        /// The report's week.
        week: IsoWeek,
        /// The server database's generation the answer carried, if it did.
        generation: Option<String>,
        /// The server's time when it answered, if it said and it reads.
        server_time: Option<DateTime<Utc>>,
    },
    /// It could not be delivered now; try again after a backoff.
    Retry {
        /// The report's week.
        week: IsoWeek,
        /// Why, in words.
        error: ApiError,
        /// When the server asked to be tried again, if it did.
        retry_after: Option<RetryAfter>,
    },
    /// The server can never count it: its week is published, or began
    /// before the device enrolled. It is dropped for good; not a failure.
    Dropped {
        /// The report's week.
        week: IsoWeek,
        /// Why it can never be counted.
        reason: DroppedReportReason,
        /// The server's words.
        error: ApiError,
    },
    /// The server refused it for good; it is not sent again.
    Refused {
        /// The report's week.
        week: IsoWeek,
        /// The server's reason.
        error: ApiError,
    },
}

/// Sends each report of `batch` (`POST /v1/reports`, or `/v1/shared-reports`
/// for a two-server week). Touches no store. When the server cannot be reached, or does not
/// know the device's token, the rest of the batch is not tried: they all wait for the next
/// pass (each refused token counts against the address's limit of failed attempts, which
/// colleagues behind the same office address share).
pub fn send_reports(transport: &dyn SyncTransport, batch: &SyncBatch) -> Vec<SendOutcome> {
    let mut outcomes = Vec::with_capacity(batch.reports.len());
    let mut stopped_by: Option<ApiError> = None;
    for report in &batch.reports {
        let week = report.week;
        if let Some(error) = &stopped_by {
            outcomes.push(SendOutcome::Retry { week, error: error.clone(), retry_after: None });
            continue;
        }
        let url = format!("{}{}", batch.server_url, report.path);
        let sent = transport.post_json_with_retry_after(&url, Some(&batch.device_token), &report.body);
        let (answer, retry_after_text) = match sent {
            Ok(answered) => answered,
            Err(failure) => {
                let error = unreachable(&batch.server_url, &failure);
                stopped_by = Some(error.clone());
                outcomes.push(SendOutcome::Retry { week, error, retry_after: None });
                continue;
            }
        };
        let retry_after = retry_after_text.as_deref().and_then(RetryAfter::parse);
        let outcome = classify_report_answer(&batch.server_url, week, &answer, retry_after);
        if let SendOutcome::Retry { error, .. } = &outcome
            && error.code == ErrorCode::Unauthorized
        {
            stopped_by = Some(error.clone());
        }
        outcomes.push(outcome);
    }
    outcomes
}

/// Sorts the server's answer to a report into sent, retry, dropped and
/// refused: by the server's error code first, then by the HTTP status.
fn classify_report_answer(
    server_url: &str,
    week: IsoWeek,
    answer: &HttpAnswer,
    retry_after: Option<RetryAfter>,
) -> SendOutcome {
    if (200..=299).contains(&answer.status) {
        return match serde_json::from_str::<ReportAck>(&answer.body) {
            Ok(ack) if ack.week == week.to_string() => SendOutcome::Sent {
                week,
                generation: ack.generation,
                server_time: ack.server_time.as_deref().and_then(parse_server_time),
            },
            _ => SendOutcome::Retry {
                week,
                error: ApiError::new(
                    ErrorCode::Internal,
                    format!(
                        "the server at {server_url} answered the report for {week} in a way Polso does not understand"
                    ),
                ),
                retry_after: None,
            },
        };
    }
    let error = match polso_error(server_url, answer) {
        Ok(error) => error,
        Err(fault) => return SendOutcome::Retry { week, error: fault, retry_after },
    };
    let dropped = |reason| SendOutcome::Dropped { week, reason, error: error.clone() };
    match (error.code, answer.status) {
        (ErrorCode::WeekPublished, _) => dropped(DroppedReportReason::WeekPublished),
        (ErrorCode::WeekBeforeEnrolment, _) => dropped(DroppedReportReason::WeekBeforeEnrolment),
        // A week the server's clock does not yet see as closed: this
        // device's clock runs ahead. Tried again once the week is over by
        // the server's clock (when it says what time it is there).
        (ErrorCode::WeekNotOpen, _) => {
            let retry_after = week_over_on_server(week, &error).or(retry_after);
            SendOutcome::Retry { week, error, retry_after }
        }
        // A token the server does not know: a server restored from a backup older than this
        // device's enrolment, or a device removed. Never failed for good: the report waits and
        // the status says to join again (a report of an earlier enrolment is not sent under the
        // new one's token; it is dropped as before that enrolment).
        (ErrorCode::Unauthorized, _) => SendOutcome::Retry { week, error, retry_after },
        // Timeouts and rate limits are worth another try; so is any server fault.
        (ErrorCode::RateLimited, _) | (_, 408 | 429 | 500..=599) => {
            SendOutcome::Retry { week, error, retry_after }
        }
        (_, 400..=499) => SendOutcome::Refused { week, error },
        _ => SendOutcome::Retry { week, error, retry_after: None },
    }
}

/// How long until `week` is over by the server's clock, from the server's time in its
/// `week_not_open` answer, and then the app's own shortest send delay, as after any week's
/// close; `None` when the answer gave no time one can read. A time far in the past cannot hold
/// a report for long: like any `Retry-After`, the wait is cut at a day, and the next answer
/// says again.
pub(crate) fn week_over_on_server(week: IsoWeek, error: &ApiError) -> Option<RetryAfter> {
    let server_time = server_time(error)?;
    let week_over = week.next().monday().and_time(NaiveTime::MIN).and_utc();
    let floor = chrono::Duration::seconds(i64::from(send_delay_bounds(0).min_seconds));
    let wait = (week_over + floor - server_time).num_seconds().max(0);
    Some(RetryAfter::Seconds(u32::try_from(wait).unwrap_or(u32::MAX)))
}

/// How far this device's clock runs ahead of the server's, in whole seconds, from the server's
/// time in a `week_not_open` answer received at `now`; `None` without one.
pub fn clock_ahead_seconds(error: &ApiError, now: DateTime<Utc>) -> Option<i64> {
    if error.code != ErrorCode::WeekNotOpen {
        return None;
    }
    Some((now - server_time(error)?).num_seconds())
}

/// The server's time an error carries, when it is one that can be read.
fn server_time(error: &ApiError) -> Option<DateTime<Utc>> {
    parse_server_time(error.server_time.as_deref()?)
}

/// A server's time as it sends it (RFC 3339), when it reads as one.
fn parse_server_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|time| time.to_utc())
}

/// Within this, a device's clock and the server's agree: an answer's time is taken when the
/// server answers, and the request may have waited its whole time-out before.
pub const CLOCK_AGREEMENT_SECONDS: i64 = 300;

/// How far this device's clock runs ahead of the server's (behind when negative), from the
/// server's time in its answer to a report received at `now`; `None` when the two agree within
/// [`CLOCK_AGREEMENT_SECONDS`] or the server did not say.
pub fn clock_skew_seconds(server_time: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<i64> {
    let skew = (now - server_time?).num_seconds();
    (skew.abs() > CLOCK_AGREEMENT_SECONDS).then_some(skew)
}

/// The instant a report due after a failed attempt may be tried again: after
/// Polso's own backoff, and not before the server's `Retry-After`.
pub(crate) fn next_attempt_at(
    now: DateTime<Utc>,
    attempts_so_far: u32,
    retry_after: Option<RetryAfter>,
) -> DateTime<Utc> {
    let backoff = now + retry_delay(attempts_so_far.saturating_add(1));
    retry_after.map_or(backoff, |retry_after| backoff.max(retry_after.instant(now)))
}

#[cfg(test)]
mod tests {
    use polso_core::questionnaire::{Questionnaire, QuestionnairePlan};

    use super::*;

    #[test]
    fn server_addresses_are_normalised_or_refused() {
        for (typed, normal) in [
            ("https://polso.example.org", "https://polso.example.org"),
            ("  https://polso.example.org/ ", "https://polso.example.org"),
            ("http://127.0.0.1:8080//", "http://127.0.0.1:8080"),
            ("HTTPS://Polso.Example.org/base", "HTTPS://Polso.Example.org/base"),
        ] {
            assert_eq!(normalise_server_url(typed).unwrap(), normal, "{typed:?}");
        }
        for bad in [
            "",
            "polso.example.org",
            "ftp://x",
            "https://",
            "http://:8080",
            "https://a b",
            "https://x?y=1",
            "https://user@x",
        ] {
            let error = normalise_server_url(bad).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidServerAddress, "{bad:?}");
        }
    }

    #[test]
    fn a_closed_port_is_a_transport_failure_not_an_answer() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let result = SyncTransport::post_json(
            &UreqTransport::new(),
            &format!("http://{address}/v1/enrol"),
            None,
            "{}",
        );
        assert!(result.is_err(), "{result:?}");
    }

    #[test]
    fn the_http_client_reads_retry_after() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = Vec::new();
            let mut buffer = [0u8; 1024];
            // Read the whole request (headers and the two-byte body) before answering.
            while !request.ends_with(b"\r\n\r\n{}") {
                let read = stream.read(&mut buffer).unwrap();
                if read == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..read]);
            }
            let body = r#"{"code":"rate_limited","message":"slow down"}"#;
            let answer = format!(
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 120\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(answer.as_bytes()).unwrap();
        });
        let (answer, retry_after) = UreqTransport::new()
            .post_json_with_retry_after(&format!("http://{address}/v1/reports"), Some("token"), "{}")
            .unwrap();
        server.join().unwrap();
        assert_eq!(answer.status, 429);
        assert_eq!(retry_after.as_deref(), Some("120"));
        assert_eq!(RetryAfter::parse(&retry_after.unwrap()), Some(RetryAfter::Seconds(120)));
    }

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=9).map(|attempts| retry_delay(attempts).num_seconds()).collect();
        assert_eq!(seconds, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(retry_delay(u32::MAX).num_seconds(), 3600);
    }

    #[test]
    fn send_delays_keep_the_apps_floor_whatever_the_server_announces() {
        // A server announcing 0 (or an hour) gets the app's own window: one
        // hour to one hour and a day after the week closed.
        let floor = 3600;
        let span = 86_400 + 1;
        for announced in [0, 60, 3600] {
            let mut draws = [0u64, 86_400, 86_401, u64::MAX].into_iter();
            let mut random = move || draws.next().unwrap_or(0);
            let delays: Vec<i64> = (0..4).map(|_| send_delay(announced, &mut random).num_seconds()).collect();
            assert_eq!(
                delays,
                [floor, floor + 86_400, floor, floor + (u64::MAX % span) as i64],
                "announced {announced}"
            );
        }
        // A longer announced window is used as it is, up to a week.
        assert_eq!(
            send_delay(3 * 86_400, &mut || u64::MAX).num_seconds(),
            3600 + (u64::MAX % (3 * 86_400 - 3600 + 1)) as i64
        );
        for draw in [0, 1, 12345, u64::MAX / 2, u64::MAX] {
            let seconds = send_delay(u32::MAX, &mut || draw).num_seconds();
            assert!((3600..=7 * 86_400).contains(&seconds), "{seconds}");
        }
    }

    #[test]
    fn a_report_is_never_due_before_its_week_has_ended_in_utc() {
        let week = IsoWeek::new(2026, 48).unwrap();
        let instant = |text| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        // Tokyo's Monday 00:30 is Sunday 15:30 UTC: the delay counts from UTC's midnight.
        let tokyo = report_due_at(week, instant("2026-11-29T15:30:00Z"), 0, &mut || 0);
        assert_eq!(tokyo, instant("2026-11-30T01:00:00Z"));
        // New York's Monday 00:30 is already past it: the delay counts from then.
        let new_york = report_due_at(week, instant("2026-11-30T05:30:00Z"), 0, &mut || 0);
        assert_eq!(new_york, instant("2026-11-30T06:30:00Z"));
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date_and_capped_at_a_day() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T09:00:00Z").unwrap().to_utc();
        assert_eq!(RetryAfter::parse(" 120 "), Some(RetryAfter::Seconds(120)));
        let date = RetryAfter::parse("Wed, 02 Dec 2026 10:00:00 GMT").unwrap();
        assert_eq!(date.instant(now), now + chrono::Duration::hours(1));
        assert_eq!(RetryAfter::parse("soon"), None);
        assert_eq!(RetryAfter::parse("-5"), None);
        assert_eq!(RetryAfter::Seconds(u32::MAX).instant(now), now + chrono::Duration::days(1));
        // The backoff and Retry-After: whichever is later.
        assert_eq!(
            next_attempt_at(now, 0, Some(RetryAfter::Seconds(10))),
            now + chrono::Duration::seconds(60)
        );
        assert_eq!(
            next_attempt_at(now, 0, Some(RetryAfter::Seconds(900))),
            now + chrono::Duration::seconds(900)
        );
        assert_eq!(next_attempt_at(now, 0, None), now + chrono::Duration::seconds(60));
    }

    /// The largest report a week of `schedule` can produce: every item it asks
    /// answered, with every value and score at its longest text.
    fn largest_report(
        bank: &polso_core::ItemBank,
        schedule: &polso_core::Schedule,
        week: IsoWeek,
    ) -> WeeklyReport {
        let items = schedule.items_for_week(week);
        let answers: Vec<polso_core::Answer> = items
            .iter()
            .map(|id| {
                let item = bank.item(id.as_str()).unwrap();
                let scale = bank.scale_of(item);
                let value = (0..=u8::MAX).rev().find(|value| scale.contains(*value)).unwrap();
                polso_core::Answer { item: id.clone(), value }
            })
            .collect();
        let scores = polso_core::score_answers(bank, &answers).unwrap();
        WeeklyReport {
            wire_version: WIRE_VERSION,
            week: week.to_string(),
            items: answers
                .iter()
                .map(|answer| ReportedValue { item_id: answer.item.to_string(), value: u8::MAX })
                .collect(),
            // The longest text a non-negative f64 has: 23 bytes.
            metrics: scores
                .iter()
                .map(|score| ReportedScore { metric: metric_to_wire(score.metric), score: f64::MIN_POSITIVE })
                .collect(),
            not_applicable: Vec::new(),
            padding: String::new(),
        }
    }

    #[test]
    fn every_report_the_schedule_can_produce_is_padded_to_one_size() {
        let bank = polso_core::ItemBank::embedded();
        let first_week = IsoWeek::new(2025, 1).unwrap();
        let mut largest_unpadded = 0;
        let plans = [
            QuestionnairePlan::legacy(),
            QuestionnairePlan::for_new_organisation(),
            QuestionnairePlan::single(Questionnaire::EDITION_3_WITH_WHO5).unwrap(),
        ];
        let seeds =
            (0..40u64).map(|index| index.wrapping_mul(0x9e37_79b9_7f4a_7c15)).chain([0x706f_6c73_6f00_0001]);
        for (seed, plan) in seeds.flat_map(|seed| plans.iter().map(move |plan| (seed, plan))) {
            let schedule = polso_core::Schedule::with_plan(bank, seed, plan);
            for offset in 0..160 {
                let week = first_week.plus_weeks(offset);
                let answered = largest_report(bank, &schedule, week);
                // The same week with every item that allows it marked not applicable.
                let (marked, kept): (Vec<ReportedValue>, Vec<ReportedValue>) = answered
                    .items
                    .iter()
                    .cloned()
                    .partition(|value| bank.item(&value.item_id).is_some_and(|item| item.not_applicable));
                let marking = WeeklyReport {
                    items: kept,
                    not_applicable: marked.into_iter().map(|value| value.item_id).collect(),
                    ..answered.clone()
                };
                for report in [answered, marking] {
                    assert!(report.items.len() <= polso_core::pulse::MAX_ITEMS_PER_WEEK);
                    largest_unpadded = largest_unpadded.max(serde_json::to_string(&report).unwrap().len());
                    let body = padded_report_body(&report).unwrap();
                    assert_eq!(body.len(), REPORT_BODY_BYTES, "seed {seed}, {week}");
                    let read_back: WeeklyReport = serde_json::from_str(&body).unwrap();
                    assert_eq!(WeeklyReport { padding: String::new(), ..read_back.clone() }, report);
                    assert!(read_back.padding.bytes().all(|byte| byte == b' '));
                    // Fewer items, smaller values: the same size still.
                    let smallest = WeeklyReport { items: Vec::new(), metrics: Vec::new(), ..report };
                    assert_eq!(padded_report_body(&smallest).unwrap().len(), REPORT_BODY_BYTES);
                }
            }
        }
        assert!(
            largest_unpadded <= REPORT_BODY_BYTES * 3 / 4,
            "the margin is thin: {largest_unpadded} bytes"
        );
    }

    #[test]
    fn padding_twice_gives_the_same_body_and_an_oversized_report_gets_the_next_multiple() {
        let report = WeeklyReport {
            wire_version: WIRE_VERSION,
            week: "2026-W48".to_owned(),
            items: vec![ReportedValue { item_id: "x".repeat(REPORT_BODY_BYTES), value: 3 }],
            metrics: Vec::new(),
            not_applicable: Vec::new(),
            padding: String::new(),
        };
        let body = padded_report_body(&report).unwrap();
        assert_eq!(body.len(), 2 * REPORT_BODY_BYTES);
        let read_back: WeeklyReport = serde_json::from_str(&body).unwrap();
        assert_eq!(padded_report_body(&read_back).unwrap(), body);
    }

    #[test]
    fn a_week_closes_after_its_sunday() {
        let week = IsoWeek::new(2026, 48).unwrap();
        let date = |day| NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        assert!(!week_is_closed(week, date(26)));
        assert!(!week_is_closed(week, date(29)), "Sunday is still open");
        assert!(week_is_closed(week, date(30)));
    }

    #[test]
    fn answers_to_a_report_are_sorted_into_sent_retry_and_refused() {
        let week = IsoWeek::new(2026, 48).unwrap();
        let answer = |status, body: &str| HttpAnswer { status, body: body.to_owned() };
        let server = "http://server";
        let cases = [
            (
                answer(410, r#"{"code":"week_published","message":"2026-W48 was published"}"#),
                "dropped",
                Some(ErrorCode::WeekPublished),
            ),
            (
                answer(422, r#"{"code":"week_before_enrolment","message":"before enrolment"}"#),
                "dropped",
                Some(ErrorCode::WeekBeforeEnrolment),
            ),
            // Not Polso's `{code, message}`: a proxy spoke, so another try.
            (answer(410, "gone"), "retry", Some(ErrorCode::Internal)),
            (
                answer(422, r#"{"code":"week_not_open","message":"2026-W48 has not started yet"}"#),
                "retry",
                Some(ErrorCode::WeekNotOpen),
            ),
            (
                answer(429, r#"{"code":"rate_limited","message":"slow down"}"#),
                "retry",
                Some(ErrorCode::RateLimited),
            ),
            (answer(502, "<html>bad gateway</html>"), "retry", Some(ErrorCode::Internal)),
            (answer(200, r#"{"week":"2026-W48","status":"accepted"}"#), "sent", None),
            (answer(200, r#"{"week":"2026-W48","status":"duplicate"}"#), "sent", None),
            (answer(200, r#"{"week":"2026-W47","status":"accepted"}"#), "retry", Some(ErrorCode::Internal)),
            (answer(200, "<html>"), "retry", Some(ErrorCode::Internal)),
            (
                answer(409, r#"{"code":"duplicate_report","message":"different"}"#),
                "refused",
                Some(ErrorCode::DuplicateReport),
            ),
            // Not known to a server restored from an older backup: kept, never failed for good.
            (
                answer(401, r#"{"code":"unauthorized","message":"revoked"}"#),
                "retry",
                Some(ErrorCode::Unauthorized),
            ),
            (answer(404, "not json"), "retry", Some(ErrorCode::Internal)),
            (
                answer(404, r#"{"code":"not_found","message":"there is no such path"}"#),
                "refused",
                Some(ErrorCode::NotFound),
            ),
            (answer(429, ""), "retry", Some(ErrorCode::Internal)),
            (answer(503, r#"{"code":"internal","message":"busy"}"#), "retry", Some(ErrorCode::Internal)),
        ];
        for (answer, kind, code) in cases {
            let outcome = classify_report_answer(server, week, &answer, None);
            let (found_kind, found_code) = match &outcome {
                SendOutcome::Sent { .. } => ("sent", None),
                SendOutcome::Retry { error, .. } => ("retry", Some(error.code)),
                SendOutcome::Dropped { error, .. } => ("dropped", Some(error.code)),
                SendOutcome::Refused { error, .. } => ("refused", Some(error.code)),
            };
            assert_eq!((found_kind, found_code), (kind, code), "{answer:?}");
        }
    }
}
