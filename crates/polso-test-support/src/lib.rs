//! What Polso's test harnesses share: the project's tasks (`cargo xtask`)
//! and the fault suite start the same throw-away PostgreSQL ([`postgres`]);
//! the fault suite's power-cut tests put SQLite's files on a disk that loses
//! what was not synced ([`power_cut`], feature `power-cut`); the server's own tests, the fault
//! suite and the end-to-end suite run the real server binary the same way ([`server`]).

pub mod postgres;
#[cfg(all(unix, any(test, feature = "power-cut")))]
pub mod power_cut;
pub mod server;
