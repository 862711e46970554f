//! The demo's connections: when `cargo xtask run` starts the app beside its
//! demo server (`polso-server demo`), it passes the server's address, its HR
//! token, its organisation and an invite code in `POLSO_DEMO_*` variables.
//! Once the store is open (at start-up, or after "Try again" on the error
//! screen), the app follows them: HR connected, the device enrolled with the
//! demo's past weeks as local history, and the demo's connections moved to
//! the server's address when it changed. What to do, and in which order, is
//! `polso_desktop::demo`'s; here are only the variables and the thread.
//! Outside the demo none of the variables is set.

use std::sync::atomic::{AtomicBool, Ordering};

use polso_api::demo_environment;
use polso_desktop::demo::DemoServer;
use polso_desktop::session::Session;
use tauri::{AppHandle, Manager};

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
        let session = app.state::<Session>();
        if let Err(error) = polso_desktop::demo::follow_demo_server(&session, &demo) {
            // Only the code: the message may name the token's server.
            tracing::warn!("Polso could not follow the demo server ({:?}).", error.code);
        }
        FOLLOWING.store(false, Ordering::SeqCst);
    });
    if spawned.is_err() {
        tracing::warn!("Polso could not start following the demo server.");
    }
}
