//! The IPC commands, grouped by area. Each is a few lines: take the state,
//! call one function of `polso-desktop`, return its result or its error.

pub mod about;
pub mod actions;
pub mod comments;
pub mod export;
pub mod history;
pub mod hr;
pub mod privacy;
pub mod pulse;
pub mod settings;
pub mod sync;

use polso_api::ApiError;
use polso_desktop::Desktop;

use crate::state::AppState;

/// Runs `action` on the open store, or returns why the store is not open.
pub(crate) fn with_desktop<T>(
    state: &AppState,
    action: impl FnOnce(&mut Desktop) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut guard = state.desktop()?;
    match guard.as_mut() {
        Ok(desktop) => action(desktop),
        Err(error) => Err(error.clone()),
    }
}
