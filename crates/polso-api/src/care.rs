//! Duty of care: the organisation's contacts for the private care path, as every device reads
//! them (`GET /v1/care-contacts`, device token), and the reason a week shows the path, which
//! never leaves the device.
//!
//! The contacts are the same for every device of an organisation and are read on the app's
//! regular server check, whatever anyone answered, so the read says nothing about a person.
//! [`CareSignal`] travels only over the app's own IPC, from its store to its window: no report
//! and no request carries it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How a care contact is reached; the server decides it from the text when the administrator
/// sets it, so the app can offer the right link (`tel:`, `mailto:` or the address itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CareContactKind {
    /// A telephone number.
    Phone,
    /// An e-mail address.
    Email,
    /// An `https://` address.
    Url,
}

/// One person or service the organisation names for help, with its name in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CareContact {
    /// The name shown in English, such as "Employee Assistance Programme (Acme Care)".
    pub name_en: String,
    /// The name shown in Italian.
    pub name_it: String,
    /// The telephone number, e-mail address or `https://` address, as the administrator set it.
    pub contact: String,
    /// Which of the three `contact` is.
    pub kind: CareContactKind,
}

/// The organisation's care contacts: what `GET /v1/care-contacts` answers, and what the app
/// keeps. Each is absent until the administrator sets it (`polso-server set-care-contacts`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CareContacts {
    /// The employee assistance programme.
    pub employee_assistance: Option<CareContact>,
    /// The occupational doctor (in Italy the *medico competente*).
    pub occupational_doctor: Option<CareContact>,
    /// A trusted person at work (in Italy, for instance, the *consigliera* or *persona di
    /// fiducia*).
    pub trusted_person: Option<CareContact>,
}

impl CareContacts {
    /// Whether no contact is set.
    pub fn is_empty(&self) -> bool {
        self.employee_assistance.is_none()
            && self.occupational_doctor.is_none()
            && self.trusted_person.is_none()
    }
}

/// Why a week shows the private care path; computed on the device from that week's saved
/// answers each time the week is shown, never stored apart from them, never sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CareSignal {
    /// The WHO-5 raw score (0–25, all five items answered) when it is below 13: poor wellbeing.
    pub who5_raw: Option<u8>,
    /// The same as a percentage (raw × 4), when it is low.
    pub who5_percentage: Option<u8>,
    /// The burnout answer (1–5) when it is 3 or more.
    pub burnout_answer: Option<u8>,
}
