//! Duty of care on the device: the organisation's care contacts, read with the regular server
//! check and kept in the store, and why a week shows the private care path.
//!
//! Privacy (DESIGN.md, points 2–3, and issue 16): the care path is decided here, from the week's
//! saved answers, every time the week is shown ([`care_signal_of`]); the decision is kept
//! nowhere and sent nowhere. The contacts are read at `GET /v1/care-contacts` on the app's
//! regular server check, by every device whatever it answered, never when the path is shown, so
//! neither the read nor its timing says anything about a person. Showing the path reads only the
//! store.

use polso_api::{ApiError, CareContacts, CareSignal, ErrorCode};
use polso_core::bank::ItemBank;
use polso_store::SavedPulse;

use crate::Desktop;
use crate::errors::store_to_api;
use crate::transport::HrTransport;
use crate::transport::{self, SyncCheck};

/// The settings key under which the organisation's care contacts are kept, as JSON.
const CARE_CONTACTS_KEY: &str = "care_contacts";

/// Why `pulse`'s answers call for the care path, when they do (WHO-5 raw score below 13, or a
/// burnout answer at the item's cut-off of 3), from the answers alone.
pub(crate) fn care_signal_of(bank: &ItemBank, pulse: &SavedPulse) -> Option<CareSignal> {
    polso_core::care::care_signal(bank, &pulse.answers).map(|signal| CareSignal {
        who5_raw: signal.low_who5.map(|score| score.raw),
        who5_percentage: signal.low_who5.map(|score| score.percentage()),
        burnout_answer: signal.burnout_answer,
    })
}

/// Reads the organisation's care contacts with the device token of `check`
/// (`GET /v1/care-contacts`, no parameter; the same answer for every device). A server that
/// predates care contacts (404) gives `None`. Touches no store; nothing about answers is sent.
pub fn read_care_contacts(
    transport: &dyn HrTransport,
    check: &SyncCheck,
) -> Result<Option<CareContacts>, ApiError> {
    let server_url = &check.server_url;
    let answer = transport
        .get_json(&format!("{server_url}/v1/care-contacts"), &check.device_token)
        .map_err(|failure| transport::unreachable(server_url, &failure))?;
    if answer.status == 404 {
        return Ok(None);
    }
    if !(200..300).contains(&answer.status) {
        return Err(transport::server_error(server_url, &answer)
            .unwrap_or_else(|| transport::status_error(server_url, answer.status)));
    }
    serde_json::from_str(&answer.body).map(Some).map_err(|error| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("the server at {server_url} sent care contacts this app cannot read: {error}"),
        )
    })
}

impl Desktop {
    /// Keeps the care contacts [`read_care_contacts`] read, replacing the ones kept. When they
    /// were not read (an older server, or the server did not answer) the kept ones stay: the
    /// check's own outcome reports the connection.
    pub fn keep_care_contacts(
        &mut self,
        read: Result<Option<CareContacts>, ApiError>,
    ) -> Result<(), ApiError> {
        let Ok(Some(contacts)) = read else { return Ok(()) };
        let text = serde_json::to_string(&contacts)
            .map_err(|error| ApiError::new(ErrorCode::Internal, format!("care contacts: {error}")))?;
        self.store.set_settings(&[(CARE_CONTACTS_KEY, &text)]).map_err(store_to_api)
    }

    /// The organisation's care contacts as last read from the server; none before the first
    /// read. Reads the store only: showing the care path makes no request.
    pub fn care_contacts(&self) -> Result<CareContacts, ApiError> {
        let Some(text) = self.store.setting(CARE_CONTACTS_KEY).map_err(store_to_api)? else {
            return Ok(CareContacts::default());
        };
        serde_json::from_str(&text).map_err(|error| {
            ApiError::new(
                ErrorCode::StoreCorrupt,
                format!("the stored setting '{CARE_CONTACTS_KEY}' cannot be read: {error}"),
            )
        })
    }
}
