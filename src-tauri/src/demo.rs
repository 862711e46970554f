//! The demo's HR connection: when `cargo xtask run` starts the app beside its
//! seeded demo server, it passes the server's address and HR token in
//! `POLSO_DEMO_HR_SERVER` and `POLSO_DEMO_HR_TOKEN`, and the app connects the
//! HR role with them once, so a newcomer sees the demo organisation's charts
//! without pasting anything. Outside the demo neither variable is set.

use polso_api::ConnectHr;
use polso_desktop::hr;
use tauri::{AppHandle, Manager};

use crate::commands::with_desktop;
use crate::state::AppState;

/// The demo server's address.
const SERVER_VARIABLE: &str = "POLSO_DEMO_HR_SERVER";

/// The demo organisation's HR token.
const TOKEN_VARIABLE: &str = "POLSO_DEMO_HR_TOKEN";

/// Connects the HR role to the demo server, on a thread of its own, unless it
/// is connected already or the variables are not set.
pub fn connect_hr_if_asked(app: AppHandle) {
    let (Ok(server_url), Ok(hr_token)) = (std::env::var(SERVER_VARIABLE), std::env::var(TOKEN_VARIABLE))
    else {
        return;
    };
    let spawned = std::thread::Builder::new().name("polso-demo-hr".to_owned()).spawn(move || {
        let state = app.state::<AppState>();
        let connected = with_desktop(&state, |desktop| desktop.hr_connection()).is_ok_and(|hr| hr.connected);
        if connected {
            return;
        }
        let form = ConnectHr { server_url, hr_token };
        let outcome = hr::verify_hr_connection(state.transport(), &form, state.today())
            .and_then(|verified| with_desktop(&state, |desktop| desktop.keep_hr_connection(verified)));
        if let Err(error) = outcome {
            eprintln!("Polso could not connect HR to the demo server ({:?}).", error.code);
        }
    });
    if spawned.is_err() {
        eprintln!("Polso could not start the demo's HR connection.");
    }
}
