//! The demo's side in the app: what `cargo xtask run` tells the app about its
//! demo server ([`DemoServer`]), what to do about it ([`Desktop::plan_demo`]),
//! and the demo employee's own past weeks ([`Desktop::import_demo_history`]).
//!
//! Only the demo's own connections are ever changed: the HR connection is
//! moved to the demo's address only when it holds the demo's HR token, the
//! enrolment only when it is with the demo's organisation. A real
//! installation's connections are left as they are.
//!
//! The past weeks are local history only: they are all before the week the
//! device enrolled in, and a week before enrolment is never queued as a
//! report (`reporting.rs`), so they can never reach the server or any
//! aggregate.

use chrono::{DateTime, Utc};
use polso_api::{ApiError, ErrorCode};
use polso_core::{Answer, IsoWeek, score_answers};
use polso_store::SavedPulse;

use crate::Desktop;
use crate::errors::store_to_api;
use crate::session::Session;

/// The setting that marks the demo history as imported, so it is imported once.
const HISTORY_IMPORTED_KEY: &str = "demo.history_imported";

/// How many past weeks of the demo employee's own answers are imported.
pub const DEMO_HISTORY_WEEKS: u32 = 8;

/// The demo server as `cargo xtask run` describes it to the app.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoServer {
    /// Its address this run, such as `http://127.0.0.1:40123`.
    pub server_url: String,
    /// Its organisation's HR token.
    pub hr_token: String,
    /// Its organisation's id; empty when not told.
    pub organisation_id: String,
    /// The invite code the app enrols with; empty when not told.
    pub invite_code: String,
}

impl std::fmt::Debug for DemoServer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("DemoServer")
            .field("server_url", &self.server_url)
            .field("organisation_id", &self.organisation_id)
            .finish_non_exhaustive()
    }
}

/// What the app does to follow the demo server, decided by [`Desktop::plan_demo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPlan {
    /// Connect HR to the demo server: not connected yet, or connected with
    /// the demo's token at an address the demo no longer has.
    pub connect_hr: bool,
    /// Enrol with the demo's invite code: not enrolled yet.
    pub enrol: bool,
    /// Move the demo's enrolment to the demo's current address
    /// ([`Desktop::move_enrolment`]): enrolled with the demo's organisation
    /// at another address.
    pub move_enrolment: bool,
}

impl Desktop {
    /// Decides how to follow `demo`. Connecting HR and enrolling need the
    /// network; the shell does them without holding the store, then keeps
    /// them as after the forms; moving the enrolment is a store change only.
    pub fn plan_demo(&mut self, demo: &DemoServer) -> Result<DemoPlan, ApiError> {
        let connection = self.hr_connection()?;
        let connect_hr = match connection.server_url.as_deref() {
            None => true,
            Some(kept) if kept == demo.server_url => false,
            // Another address: moved only when it is the demo's own connection.
            Some(_) => self.hr_credentials().is_ok_and(|credentials| credentials.hr_token() == demo.hr_token),
        };
        let enrolled = self.enrolled_organisation()?;
        let enrol = enrolled.is_none() && !demo.invite_code.is_empty();
        let kept_server = self.sync_status()?.server_url;
        let move_enrolment = enrolled.is_some_and(|organisation| {
            !demo.organisation_id.is_empty() && organisation == demo.organisation_id
        }) && kept_server.as_deref() != Some(demo.server_url.as_str());
        Ok(DemoPlan { connect_hr, enrol, move_enrolment })
    }

    /// Saves [`DEMO_HISTORY_WEEKS`] weeks of answers before the week the
    /// device enrolled in, as the demo employee's own history: every item the
    /// organisation's schedule asked, values drawn from a fixed pattern, no
    /// note. Weeks already answered are left alone, and it is done once. The
    /// weeks are before enrolment, so none is ever sent. Returns how many
    /// weeks were saved.
    pub fn import_demo_history(&mut self, now: DateTime<Utc>) -> Result<u32, ApiError> {
        let Some(enrolled_week) = self.enrolled_week()? else {
            return Err(ApiError::new(
                ErrorCode::NotEnrolled,
                "the demo history is imported after the demo's enrolment",
            ));
        };
        if self.store.setting(HISTORY_IMPORTED_KEY).map_err(store_to_api)?.is_some() {
            return Ok(0);
        }
        let mut saved = 0;
        for back in 1..=i64::from(DEMO_HISTORY_WEEKS) {
            let week = enrolled_week.plus_weeks(-back);
            if self.store.pulse_for_week(week).map_err(store_to_api)?.is_some() {
                continue;
            }
            let pulse = self.demo_pulse(week, back, now)?;
            self.store.save_pulse(&pulse).map_err(store_to_api)?;
            saved += 1;
        }
        self.store.set_setting(HISTORY_IMPORTED_KEY, "1").map_err(store_to_api)?;
        Ok(saved)
    }

    /// One past week's answers: a mood that dips three weeks back and
    /// recovers, each item a step or so around it on its own scale.
    fn demo_pulse(&self, week: IsoWeek, weeks_back: i64, now: DateTime<Utc>) -> Result<SavedPulse, ApiError> {
        let mood: f64 = match weeks_back {
            3 => 0.35,
            2 | 4 => 0.55,
            _ => 0.72,
        };
        let answers: Vec<Answer> = self
            .schedule
            .items_for_week(week)
            .into_iter()
            .enumerate()
            .filter_map(|(position, item_id)| {
                let item = self.bank.item(item_id.as_str())?;
                let scale = self.bank.scale_of(item);
                let steps = f64::from(scale.max - scale.min);
                let wobble = [0.0, 0.1, -0.1, 0.05][position % 4];
                let position_on_scale = ((mood + wobble).clamp(0.0, 1.0) * steps).round() as u8;
                let value =
                    if item.reverse { scale.max - position_on_scale } else { scale.min + position_on_scale };
                Some(Answer { item: item_id, value })
            })
            .collect();
        let scores = score_answers(self.bank, &answers).map_err(|error| {
            ApiError::new(ErrorCode::Internal, format!("scoring the demo history of {week}: {error}"))
        })?;
        Ok(SavedPulse {
            week,
            answers,
            scores,
            not_applicable: Vec::new(),
            work_week: None,
            note: None,
            saved_at: now,
        })
    }
}

/// Follows the demo server in `session`, in the order that keeps each step's readers right:
/// HR connected first (so an HR view opened meanwhile reads from the new address), then the
/// enrolment moved or made (with the demo's past weeks as history, in one hold of the store, so
/// whoever reads the enrolment finds the history with it), then a sync pass, so the status says
/// at once whether the server answers at its address. The network steps run without holding
/// the store.
pub fn follow_demo_server(session: &Session, demo: &DemoServer) -> Result<(), ApiError> {
    let plan = session.with_desktop(|desktop| desktop.plan_demo(demo))?;
    if plan.connect_hr {
        let form =
            polso_api::ConnectHr { server_url: demo.server_url.clone(), hr_token: demo.hr_token.clone() };
        let verified = crate::hr::verify_hr_connection(session.transport(), &form, session.today())?;
        session.with_desktop(|desktop| desktop.keep_hr_connection(verified))?;
    }
    if plan.move_enrolment {
        session.with_desktop(|desktop| desktop.move_enrolment(&demo.organisation_id, &demo.server_url))?;
    }
    if plan.enrol {
        let form = polso_api::EnrolDevice {
            server_url: demo.server_url.clone(),
            invite_code: demo.invite_code.clone(),
        };
        let enrolment = crate::sync::request_enrolment(session.transport(), &form)?;
        let (today, now) = (session.today(), session.now());
        session.with_desktop(|desktop| {
            desktop.complete_enrolment(enrolment, today, now)?;
            desktop.import_demo_history(now)
        })?;
    }
    if plan.enrol || plan.move_enrolment {
        session.sync_now(false)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use polso_api::{ConnectHr, EnrolDevice, EnrolResponse, ReportWindow, WIRE_VERSION};
    use polso_store::{MemoryVault, Store, StoreKey};

    use super::*;
    use crate::sync::{HttpAnswer, SyncTransport, TransportFailure};

    const DEMO_ORGANISATION: &str = "org_demo";

    fn desktop() -> (tempfile::TempDir, Desktop) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("polso.db"), &StoreKey::generate().unwrap()).unwrap();
        let desktop = Desktop::new(store, "en-GB".to_owned())
            .unwrap()
            .with_device_vault(Box::new(MemoryVault::new()), "device")
            .with_hr_vault(Box::new(MemoryVault::new()), "hr");
        (dir, desktop)
    }

    fn demo(server_url: &str) -> DemoServer {
        DemoServer {
            server_url: server_url.to_owned(),
            hr_token: "hr_demo".to_owned(),
            organisation_id: DEMO_ORGANISATION.to_owned(),
            invite_code: "DEMO-CODE".to_owned(),
        }
    }

    /// A server that enrols any code into the demo organisation, and answers no read.
    struct DemoFake;

    impl crate::hr::HrTransport for DemoFake {
        fn get_json(&self, _url: &str, _token: &str) -> Result<HttpAnswer, TransportFailure> {
            Err(TransportFailure { detail: "the demo's fake server answers no read".to_owned() })
        }

        fn post_csv(&self, _url: &str, _token: &str, _body: &str) -> Result<HttpAnswer, TransportFailure> {
            Err(TransportFailure { detail: "the demo's fake server takes no file".to_owned() })
        }
    }

    impl SyncTransport for DemoFake {
        fn post_json(
            &self,
            _url: &str,
            _token: Option<&str>,
            _body: &str,
        ) -> Result<HttpAnswer, TransportFailure> {
            let response = EnrolResponse {
                wire_version: WIRE_VERSION,
                device_token: "pd_device".to_owned(),
                organisation_id: DEMO_ORGANISATION.to_owned(),
                team_id: "team_1".to_owned(),
                team_name: "Help desk".to_owned(),
                organisation_seed: 42,
                report_window: ReportWindow { max_random_delay_seconds: 3600, max_report_age_weeks: 8 },
                questionnaire: Vec::new(),
                aggregation: polso_api::Aggregation::default(),
                generation: None,
            };
            Ok(HttpAnswer { status: 201, body: serde_json::to_string(&response).unwrap() })
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").unwrap().to_utc()
    }

    fn enrol(desktop: &mut Desktop, server_url: &str) {
        let form = EnrolDevice { server_url: server_url.to_owned(), invite_code: "DEMO-CODE".to_owned() };
        crate::testing::enrol(desktop, &DemoFake, &form, today(), now()).unwrap();
    }

    #[test]
    fn a_new_app_connects_hr_and_enrols_and_a_moved_demo_server_moves_only_the_demo_enrolment() {
        let (_dir, mut desktop) = desktop();
        let first = desktop.plan_demo(&demo("http://127.0.0.1:4000")).unwrap();
        assert_eq!(first, DemoPlan { connect_hr: true, enrol: true, move_enrolment: false });

        enrol(&mut desktop, "http://127.0.0.1:4000");
        let same = desktop.plan_demo(&demo("http://127.0.0.1:4000")).unwrap();
        assert!(!same.enrol && !same.move_enrolment, "{same:?}");

        let moved = desktop.plan_demo(&demo("http://127.0.0.1:4001")).unwrap();
        assert!(moved.move_enrolment && !moved.enrol, "{moved:?}");
        assert!(desktop.move_enrolment(DEMO_ORGANISATION, "http://127.0.0.1:4001").unwrap());
        assert_eq!(desktop.sync_status().unwrap().server_url.as_deref(), Some("http://127.0.0.1:4001"));
        assert!(!desktop.plan_demo(&demo("http://127.0.0.1:4001")).unwrap().move_enrolment, "moved already");

        // Another organisation's enrolment is never moved.
        let other = DemoServer { organisation_id: "org_other".to_owned(), ..demo("http://127.0.0.1:4002") };
        assert!(!desktop.plan_demo(&other).unwrap().move_enrolment);
        assert!(!desktop.move_enrolment("org_other", "http://127.0.0.1:4002").unwrap());
        assert_eq!(desktop.sync_status().unwrap().server_url.as_deref(), Some("http://127.0.0.1:4001"));
    }

    #[test]
    fn only_the_demos_own_hr_connection_follows_the_demo_to_a_new_address() {
        let (_dir, mut desktop) = desktop();
        let keep = |desktop: &mut Desktop, server_url: &str, hr_token: &str| {
            let form = ConnectHr { server_url: server_url.to_owned(), hr_token: hr_token.to_owned() };
            let verified = crate::hr::VerifiedHrConnection::for_tests(&form, 5);
            desktop.keep_hr_connection(verified).unwrap();
        };
        keep(&mut desktop, "http://127.0.0.1:4000", "hr_demo");
        assert!(!desktop.plan_demo(&demo("http://127.0.0.1:4000")).unwrap().connect_hr);
        assert!(desktop.plan_demo(&demo("http://127.0.0.1:4001")).unwrap().connect_hr);
        // A real connection, with another token, is left alone.
        keep(&mut desktop, "https://polso.example.org", "hr_real");
        assert!(!desktop.plan_demo(&demo("http://127.0.0.1:4001")).unwrap().connect_hr);
    }

    #[test]
    fn the_demo_history_is_saved_once_before_enrolment_and_never_queued() {
        let (_dir, mut desktop) = desktop();
        assert_eq!(desktop.import_demo_history(now()).unwrap_err().code, ErrorCode::NotEnrolled);
        enrol(&mut desktop, "http://127.0.0.1:4000");
        assert_eq!(desktop.import_demo_history(now()).unwrap(), DEMO_HISTORY_WEEKS);
        assert_eq!(desktop.import_demo_history(now()).unwrap(), 0, "imported once");
        let history = desktop.history().unwrap();
        assert_eq!(history.weeks.len(), DEMO_HISTORY_WEEKS as usize);
        let enrolled_week = IsoWeek::containing(today());
        for week in &history.weeks {
            let week: IsoWeek = week.week.parse().unwrap();
            assert!(week < enrolled_week, "{week} is not before enrolment");
        }
        // Weeks later every imported week is closed, and none is queued.
        let later = now() + chrono::Duration::weeks(3);
        let batch = desktop.prepare_sync(later.date_naive(), later, true, &mut || 0).unwrap();
        assert!(batch.is_none(), "{batch:?}");
        let status = desktop.sync_status().unwrap();
        assert_eq!((status.pending_reports, status.failed_reports), (0, 0), "{status:?}");
    }
}
