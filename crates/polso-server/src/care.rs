//! Duty of care, the server's part: the organisation's care contacts, set by the administrator
//! (`polso-server set-care-contacts`) and read by every device (`GET /v1/care-contacts`, served
//! by [`crate::http::care`]).
//!
//! The app shows the care path on the device only, from the week's answers it holds; the server
//! never learns whether it was shown. What the server holds is the same for every device of an
//! organisation: an employee assistance programme, an occupational doctor and a trusted person,
//! each a name in English and Italian and one way to reach them. Every device reads them on its
//! regular server check whatever it answered, and the request takes no parameter (an unknown one
//! is refused), so the read says nothing about anyone.

use chrono::{DateTime, Utc};
use polso_api::{CareContact, CareContactKind, CareContacts};

use crate::error::{Result, ServerError};
use crate::store::ServerStore;

/// The longest name of a care contact, in characters.
pub const MAX_CARE_NAME_CHARS: usize = 100;

/// The longest way to reach a care contact (a number, an address or a URL), in characters.
pub const MAX_CARE_CONTACT_CHARS: usize = 300;

/// The three kinds of care contact an organisation names, by their stable keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareRole {
    /// The employee assistance programme.
    EmployeeAssistance,
    /// The occupational doctor.
    OccupationalDoctor,
    /// A trusted person at work.
    TrustedPerson,
}

impl CareRole {
    /// Every role, in the order the app shows them.
    pub const ALL: [CareRole; 3] =
        [CareRole::EmployeeAssistance, CareRole::OccupationalDoctor, CareRole::TrustedPerson];

    /// The role's key, as stored and as the fields of [`CareContacts`] spell it.
    pub fn key(self) -> &'static str {
        match self {
            CareRole::EmployeeAssistance => "employee_assistance",
            CareRole::OccupationalDoctor => "occupational_doctor",
            CareRole::TrustedPerson => "trusted_person",
        }
    }

    /// The role spelled `key`, if there is one.
    pub fn from_key(key: &str) -> Option<CareRole> {
        CareRole::ALL.into_iter().find(|role| role.key() == key)
    }

    /// This role's contact in `contacts`.
    pub fn of(self, contacts: &CareContacts) -> Option<&CareContact> {
        match self {
            CareRole::EmployeeAssistance => contacts.employee_assistance.as_ref(),
            CareRole::OccupationalDoctor => contacts.occupational_doctor.as_ref(),
            CareRole::TrustedPerson => contacts.trusted_person.as_ref(),
        }
    }

    fn slot(self, contacts: &mut CareContacts) -> &mut Option<CareContact> {
        match self {
            CareRole::EmployeeAssistance => &mut contacts.employee_assistance,
            CareRole::OccupationalDoctor => &mut contacts.occupational_doctor,
            CareRole::TrustedPerson => &mut contacts.trusted_person,
        }
    }
}

/// A care contact as the administrator typed it, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareContactInput {
    /// The name in English.
    pub name_en: String,
    /// The name in Italian.
    pub name_it: String,
    /// A telephone number, an e-mail address or an `https://` address.
    pub contact: String,
}

/// A care contact's kind as stored.
pub(crate) fn kind_key(kind: CareContactKind) -> &'static str {
    match kind {
        CareContactKind::Phone => "phone",
        CareContactKind::Email => "email",
        CareContactKind::Url => "url",
    }
}

/// The kind stored as `key`.
pub(crate) fn kind_from_key(key: &str) -> Option<CareContactKind> {
    match key {
        "phone" => Some(CareContactKind::Phone),
        "email" => Some(CareContactKind::Email),
        "url" => Some(CareContactKind::Url),
        _ => None,
    }
}

fn checked_care_name(name: &str, field: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_CARE_NAME_CHARS {
        return Err(ServerError::InvalidInput(format!(
            "{field} must have 1 to {MAX_CARE_NAME_CHARS} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ServerError::InvalidInput(format!("{field} must be one line of text")));
    }
    Ok(name.to_owned())
}

/// Whether `text` is a telephone number: digits with spaces, dots, dashes, slashes or
/// parentheses between them, an optional leading `+`, and 3 to 15 digits (15 is the longest
/// international number, ITU-T E.164; 3 admits short numbers such as 112).
fn is_phone_number(text: &str) -> bool {
    let body = text.strip_prefix('+').unwrap_or(text);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    let allowed = body.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '/' | '(' | ')'));
    allowed && (3..=15).contains(&digits) && body.starts_with(|c: char| c.is_ascii_digit() || c == '(')
}

/// Whether `text` is an e-mail address: one `@`, something before it, a domain with a dot after
/// it, no spaces.
fn is_email_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether `text` is an `https://` address with a host and no spaces.
fn is_https_address(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("https://") else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && host.contains('.') && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn checked_care_contact(contact: &str, field: &str) -> Result<(String, CareContactKind)> {
    let contact = contact.trim();
    if contact.is_empty() || contact.chars().count() > MAX_CARE_CONTACT_CHARS {
        return Err(ServerError::InvalidInput(format!(
            "{field} must have 1 to {MAX_CARE_CONTACT_CHARS} characters"
        )));
    }
    let kind = if contact.starts_with("http://") {
        return Err(ServerError::InvalidInput(format!(
            "{field}: '{contact}' is not encrypted; give its https:// address"
        )));
    } else if is_https_address(contact) {
        CareContactKind::Url
    } else if is_email_address(contact) {
        CareContactKind::Email
    } else if is_phone_number(contact) {
        CareContactKind::Phone
    } else {
        return Err(ServerError::InvalidInput(format!(
            "{field}: '{contact}' is not a telephone number (such as +39 02 1234 5678), an e-mail address or an https:// address"
        )));
    };
    Ok((contact.to_owned(), kind))
}

/// Checks a care contact; an error names the field, such as `trusted_person.contact`.
pub fn checked_care_contact_input(role: CareRole, input: &CareContactInput) -> Result<CareContact> {
    let key = role.key();
    let name_en = checked_care_name(&input.name_en, &format!("{key}.name_en"))?;
    let name_it = checked_care_name(&input.name_it, &format!("{key}.name_it"))?;
    let (contact, kind) = checked_care_contact(&input.contact, &format!("{key}.contact"))?;
    Ok(CareContact { name_en, name_it, contact, kind })
}

/// Sets the organisation's care contacts: each role given is checked and stored, each role not
/// given is cleared, so the command states the whole set. Nothing is written when any field is
/// refused, and the error names it.
pub fn set_care_contacts(
    store: &dyn ServerStore,
    organisation_id: &str,
    given: &[(CareRole, CareContactInput)],
    now: DateTime<Utc>,
) -> Result<CareContacts> {
    let mut contacts = CareContacts::default();
    for (role, input) in given {
        let slot = role.slot(&mut contacts);
        if slot.is_some() {
            return Err(ServerError::InvalidInput(format!("{} is given twice", role.key())));
        }
        *slot = Some(checked_care_contact_input(*role, input)?);
    }
    store.set_care_contacts(organisation_id, &contacts, now)?;
    Ok(contacts)
}

/// A stored care contact: role key, English and Italian names, the contact, kind key.
pub(crate) type StoredContact = (String, String, String, String, String);

/// The organisation's contacts from their stored rows (both stores read them alike).
pub(crate) fn contacts_from_rows(
    rows: impl IntoIterator<Item = StoredContact>,
) -> crate::error::Result<polso_api::CareContacts> {
    let mut contacts = polso_api::CareContacts::default();
    for (role_key, name_en, name_it, contact, kind_key) in rows {
        let corrupt = || {
            crate::error::ServerError::CorruptData(format!("care contact '{role_key}' of kind '{kind_key}'"))
        };
        let role = CareRole::from_key(&role_key).ok_or_else(corrupt)?;
        let kind = kind_from_key(&kind_key).ok_or_else(corrupt)?;
        let contact = polso_api::CareContact { name_en, name_it, contact, kind };
        match role {
            CareRole::EmployeeAssistance => contacts.employee_assistance = Some(contact),
            CareRole::OccupationalDoctor => contacts.occupational_doctor = Some(contact),
            CareRole::TrustedPerson => contacts.trusted_person = Some(contact),
        }
    }
    Ok(contacts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(contact: &str) -> CareContactInput {
        CareContactInput { name_en: "Help".into(), name_it: "Aiuto".into(), contact: contact.into() }
    }

    #[test]
    fn each_way_to_reach_someone_is_recognised() {
        let cases = [
            ("+39 02 1234 5678", CareContactKind::Phone),
            ("116 123", CareContactKind::Phone),
            ("112", CareContactKind::Phone),
            ("(01) 234-5678", CareContactKind::Phone),
            ("medico@example.it", CareContactKind::Email),
            ("https://eap.example.com/help?lang=it", CareContactKind::Url),
        ];
        for (contact, kind) in cases {
            let checked = checked_care_contact_input(CareRole::TrustedPerson, &input(contact)).unwrap();
            assert_eq!((checked.contact.as_str(), checked.kind), (contact, kind), "{contact}");
        }
    }

    #[test]
    fn a_bad_field_is_refused_by_name() {
        let cases = [
            (input("call me maybe"), "employee_assistance.contact"),
            (input("http://eap.example.com"), "employee_assistance.contact"),
            (input("12"), "employee_assistance.contact"),
            (input("+39 1234567890123456"), "employee_assistance.contact"),
            (input("a@b"), "employee_assistance.contact"),
            (input("https://"), "employee_assistance.contact"),
            (input(""), "employee_assistance.contact"),
            (CareContactInput { name_en: " ".into(), ..input("112") }, "employee_assistance.name_en"),
            (CareContactInput { name_it: "x".repeat(101), ..input("112") }, "employee_assistance.name_it"),
            (
                CareContactInput { name_it: "two\nlines".into(), ..input("112") },
                "employee_assistance.name_it",
            ),
        ];
        for (given, field) in cases {
            let error = checked_care_contact_input(CareRole::EmployeeAssistance, &given).unwrap_err();
            assert!(
                matches!(&error, ServerError::InvalidInput(message) if message.starts_with(field)),
                "{given:?}: {error}"
            );
        }
    }
}
