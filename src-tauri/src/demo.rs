//! The demo's connections: when `cargo xtask run` starts the app beside its
//! demo server (`polso-server demo`), it passes the server's address, its HR
//! token, its organisation and an invite code in `POLSO_DEMO_*` variables.
//! Once the store is open (at start-up, or after "Try again" on the error
//! screen), the app follows them: HR connected, the device enrolled with the
//! demo's past weeks as local history, and the demo's connections moved to
//! the server's address when it changed. What to do is decided by
//! `polso_desktop::demo`; here are only the variables and the order of the
//! steps, the network ones without holding the store. Outside the demo none
//! of the variables is set.

use std::sync::atomic::{AtomicBool, Ordering};

use polso_api::{ConnectHr, EnrolDevice, demo_environment};
use polso_desktop::demo::DemoServer;
use polso_desktop::{hr, sync};
use tauri::{AppHandle, Manager};

use crate::commands::sync::run_sync_pass;
use crate::commands::with_desktop;
use crate::state::AppState;

/// Set while a thread follows the demo server, so two openings of the store
/// in a row never enrol twice.
static FOLLOWING: AtomicBool = AtomicBool::new(false);

/// The demo server, when the app was started as the demo.
pub fn demo_server() -> Option<DemoServer> {
    let (Ok(server_url), Ok(hr_token)) =
        (std::env::var(demo_environment::SERVER), std::env::var(demo_environment::HR_TOKEN))
    else {
        return None;
    };
    Some(DemoServer {
        server_url,
        hr_token,
        organisation_id: std::env::var(demo_environment::ORGANISATION).unwrap_or_default(),
        invite_code: std::env::var(demo_environment::INVITE_CODE).unwrap_or_default(),
    })
}

/// Follows the demo server on a thread of its own, when the app is the demo.
/// Called whenever the store has just opened; a store that is not open yet
/// leaves it for the next opening.
pub fn follow_demo_server(app: &AppHandle) {
    let Some(demo) = demo_server() else {
        return;
    };
    let app = app.clone();
    let spawned = std::thread::Builder::new().name("polso-demo".to_owned()).spawn(move || {
        if FOLLOWING.swap(true, Ordering::SeqCst) {
            return;
        }
        let state = app.state::<AppState>();
        if let Err(error) = follow(&state, &demo) {
            // Only the code: the message may name the token's server.
            tracing::warn!("Polso could not follow the demo server ({:?}).", error.code);
        }
        FOLLOWING.store(false, Ordering::SeqCst);
    });
    if spawned.is_err() {
        tracing::warn!("Polso could not start following the demo server.");
    }
}

fn follow(state: &AppState, demo: &DemoServer) -> Result<(), polso_api::ApiError> {
    let plan = with_desktop(state, |desktop| desktop.plan_demo(demo))?;
    if plan.connect_hr {
        let form = ConnectHr { server_url: demo.server_url.clone(), hr_token: demo.hr_token.clone() };
        let verified = hr::verify_hr_connection(state.transport(), &form, state.today())?;
        with_desktop(state, |desktop| desktop.keep_hr_connection(verified))?;
    }
    // After HR, so an HR view opened meanwhile reads from the new address too.
    if plan.move_enrolment {
        with_desktop(state, |desktop| desktop.move_enrolment(&demo.organisation_id, &demo.server_url))?;
    }
    if plan.enrol {
        let form = EnrolDevice { server_url: demo.server_url.clone(), invite_code: demo.invite_code.clone() };
        let enrolment = sync::request_enrolment(state.transport(), &form)?;
        let (today, now) = (state.today(), state.now());
        // One hold of the store: whoever reads the enrolment finds the history with it.
        with_desktop(state, |desktop| {
            desktop.complete_enrolment(enrolment, today, now)?;
            desktop.import_demo_history(now)
        })?;
    }
    if plan.enrol || plan.move_enrolment {
        // The status then says at once whether the server answers at its address.
        run_sync_pass(state, false)?;
    }
    Ok(())
}
