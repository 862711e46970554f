//! Two-server aggregation on the device: the helper it pins, and its weekly
//! reports sent as secret shares.
//!
//! The helper (its key, the party holding it, the first two-server week) is
//! pinned when the server first offers it, at enrolment or at a later
//! check, and shown with its fingerprint. It is never replaced by what a
//! server says later: a different key is refused with an error the employee
//! sees (reports of two-server weeks then wait), and a server that stops
//! offering a helper never makes the device send those weeks in the clear.
//! A week from the pinned one on is sent as shares ([`polso_vdaf::shard`]),
//! the helper's half sealed to the pinned key; earlier weeks as before.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use polso_api::{Aggregation, AggregationMode, ApiError, ErrorCode, HelperServer, WeeklyReport};
use polso_core::IsoWeek;
use polso_vdaf::{HelperPublicKey, ReportContext, WeekLayout, shard};

use crate::Desktop;
use crate::errors::store_to_api;

/// Settings keys of the pinned helper.
const HELPER_PARTY_KEY: &str = "sync.helper_party";
const HELPER_PUBLIC_KEY_KEY: &str = "sync.helper_public_key";
const HELPER_FROM_WEEK_KEY: &str = "sync.helper_from_week";
/// Set while the server names another helper key than the pinned one.
const HELPER_KEY_CHANGED_KEY: &str = "sync.helper_key_changed";

/// Every key of the pinned helper, for a new enrolment to clear.
pub(crate) const HELPER_KEYS: [&str; 4] =
    [HELPER_PARTY_KEY, HELPER_PUBLIC_KEY_KEY, HELPER_FROM_WEEK_KEY, HELPER_KEY_CHANGED_KEY];

/// How a queued report leaves the device.
pub(crate) enum ReportBody {
    /// As a plain weekly report (a one-server week).
    Plain,
    /// As shares, with this body.
    Shared(String),
    /// Not now: the server names another helper key than the pinned one.
    Held,
}

/// The path of a report sent as shares.
pub(crate) const SHARED_REPORTS_PATH: &str = "/v1/shared-reports";

/// The first two-server week of `aggregation`, when it names a helper and that week.
fn first_two_server_week(aggregation: &Aggregation) -> Result<Option<IsoWeek>, ApiError> {
    let (Some(_), Some(from_week)) = (&aggregation.helper, &aggregation.from_week) else { return Ok(None) };
    from_week
        .parse()
        .map(Some)
        .map_err(|_| ApiError::new(ErrorCode::StoreCorrupt, "the pinned first two-server week"))
}

fn helper_error(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, message)
}

/// The helper a server offers, checked: a key that is one, a fingerprint
/// that is the key's, a first week that is one.
fn offered_helper(
    offered: &Aggregation,
) -> Result<Option<(HelperServer, HelperPublicKey, IsoWeek)>, ApiError> {
    if offered.mode != AggregationMode::TwoServer {
        return Ok(None);
    }
    let helper = offered
        .helper
        .clone()
        .ok_or_else(|| helper_error("the server runs two servers but names no helper".to_owned()))?;
    let bytes = STANDARD
        .decode(&helper.public_key)
        .map_err(|_| helper_error("the server sent a helper key that is not base64".to_owned()))?;
    let key = HelperPublicKey::from_bytes(&bytes)
        .map_err(|_| helper_error("the server sent a helper key that is not an X25519 key".to_owned()))?;
    if key.fingerprint() != helper.fingerprint {
        return Err(helper_error("the server sent a helper fingerprint that is not its key's".to_owned()));
    }
    let from_week = offered
        .from_week
        .as_deref()
        .ok_or_else(|| helper_error("the server runs two servers but names no first week".to_owned()))?
        .parse()
        .map_err(|_| helper_error("the server sent a first two-server week that is not one".to_owned()))?;
    Ok(Some((helper, key, from_week)))
}

impl Desktop {
    /// The helper this device pinned, as the status shows it; one server when none.
    /// The first week reported in shares to two servers, when a helper is pinned.
    pub(crate) fn two_server_from_week(&self) -> Result<Option<IsoWeek>, ApiError> {
        first_two_server_week(&self.pinned_aggregation()?)
    }

    pub(crate) fn pinned_aggregation(&self) -> Result<Aggregation, ApiError> {
        let setting = |key: &str| self.store.setting(key).map_err(store_to_api);
        let (Some(party), Some(public_key), Some(from_week)) =
            (setting(HELPER_PARTY_KEY)?, setting(HELPER_PUBLIC_KEY_KEY)?, setting(HELPER_FROM_WEEK_KEY)?)
        else {
            return Ok(Aggregation::default());
        };
        let fingerprint = STANDARD
            .decode(&public_key)
            .ok()
            .and_then(|bytes| HelperPublicKey::from_bytes(&bytes).ok())
            .map(|key| key.fingerprint())
            .ok_or_else(|| ApiError::new(ErrorCode::StoreCorrupt, "the pinned helper key is not a key"))?;
        Ok(Aggregation {
            mode: AggregationMode::TwoServer,
            helper: Some(HelperServer { party, public_key, fingerprint }),
            from_week: Some(from_week),
        })
    }

    /// Follows how the organisation aggregates, as its server says: pins
    /// the helper it offers when none is pinned; refuses (and changes
    /// nothing) a helper whose key differs from the pinned one; never
    /// forgets a pinned helper.
    pub(crate) fn follow_aggregation(&mut self, offered: &Aggregation) -> Result<(), ApiError> {
        let Some((helper, key, from_week)) = offered_helper(offered)? else {
            return Ok(());
        };
        let pinned = self.pinned_aggregation()?;
        if let Some(pinned) = pinned.helper {
            if pinned.public_key == helper.public_key {
                return self.store.remove_settings(&[HELPER_KEY_CHANGED_KEY]).map_err(store_to_api);
            }
            self.store.set_settings(&[(HELPER_KEY_CHANGED_KEY, &key.fingerprint())]).map_err(store_to_api)?;
            return Err(ApiError::new(
                ErrorCode::HelperKeyChanged,
                format!(
                    "the server now names another helper key ({}) than the one this device pinned ({}); \
                     reports of two-server weeks wait until the party holding the helper confirms the change",
                    key.fingerprint(),
                    pinned.fingerprint
                ),
            ));
        }
        let from_week = from_week.to_string();
        self.store
            .set_settings(&[
                (HELPER_PARTY_KEY, helper.party.as_str()),
                (HELPER_PUBLIC_KEY_KEY, helper.public_key.as_str()),
                (HELPER_FROM_WEEK_KEY, from_week.as_str()),
            ])
            .map_err(store_to_api)
    }

    /// How the report queued as `payload` for `week` leaves: plain before
    /// the pinned helper's first week (or with no helper), as shares from
    /// it, held while the server names another helper key.
    pub(crate) fn report_body(&self, week: IsoWeek, payload: &str) -> Result<ReportBody, ApiError> {
        let aggregation = self.pinned_aggregation()?;
        let Some(helper) = aggregation.helper.as_ref() else { return Ok(ReportBody::Plain) };
        match first_two_server_week(&aggregation)? {
            Some(from_week) if week >= from_week => {}
            _ => return Ok(ReportBody::Plain),
        }
        if self.store.setting(HELPER_KEY_CHANGED_KEY).map_err(store_to_api)?.is_some() {
            return Ok(ReportBody::Held);
        }
        let report: WeeklyReport = serde_json::from_str(payload).map_err(|error| {
            ApiError::new(ErrorCode::Internal, format!("reading the report of {week}: {error}"))
        })?;
        let (answers, not_applicable) = polso_api::report_answers::report_answers(self.bank, &report)
            .map_err(|message| ApiError::new(ErrorCode::UnknownItem, message))?;
        let layout = WeekLayout::new(self.bank, &self.schedule, week)
            .map_err(|error| ApiError::new(ErrorCode::Internal, error.to_string()))?;
        let measurement = layout.measure(&answers, &not_applicable).map_err(|error| {
            ApiError::new(ErrorCode::InvalidInput, format!("the report of {week}: {error}"))
        })?;
        let setting = |key: &str| self.store.setting(key).map_err(store_to_api);
        let (Some(organisation), Some(team)) =
            (setting(crate::enrolment::ORGANISATION_ID_KEY)?, setting(crate::enrolment::TEAM_ID_KEY)?)
        else {
            return Err(ApiError::new(ErrorCode::NotEnrolled, "this device has not joined a team"));
        };
        let key = STANDARD
            .decode(&helper.public_key)
            .ok()
            .and_then(|bytes| HelperPublicKey::from_bytes(&bytes).ok())
            .ok_or_else(|| ApiError::new(ErrorCode::StoreCorrupt, "the pinned helper key is not a key"))?;
        let upload = shard(&layout, &ReportContext { organisation, week, team }, &measurement, &key)
            .map_err(|error| {
                ApiError::new(ErrorCode::Internal, format!("sharing the report of {week}: {error}"))
            })?;
        let shared = polso_vdaf::to_wire(week, &upload);
        serde_json::to_string(&shared).map(ReportBody::Shared).map_err(|error| {
            ApiError::new(ErrorCode::Internal, format!("encoding the report of {week}: {error}"))
        })
    }
}

#[cfg(test)]
#[path = "shared_reporting_tests.rs"]
mod tests;
