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
