//! End-to-end tests of the real Polso binary in a real window (Xvfb), driven
//! through tauri-driver, with the real OS keyring; and the sync client against
//! the real organisation server binary. Run by `cargo xtask test`,
//! which sets `POLSO_E2E=1` inside a D-Bus session with an unlocked keyring.

mod a11y;
mod about;
mod care;
mod comments;
mod demo;
mod hr;
mod instance;
mod ipc;
mod language;
mod layout;
mod pulse;
mod reminders;
mod settings;
mod startup;
mod sync;
mod welcome;
mod window;
