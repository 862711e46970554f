//! Issue 7: faults, load and attacks against the real store, the real sync
//! client and the real server binary; issue 11: the attacks the published
//! releases stop (`releases`, `hardening`, `insider`). Each test has a short version that runs
//! in every `cargo test`; `POLSO_FAULTS_LONG=1` (or `cargo xtask faults`) runs
//! the long ones. The server binary must be built (`cargo build -p polso-server`;
//! `cargo test --workspace` builds it).

mod attacks;
mod bad_input;
mod comments;
mod cx_mappings;
mod desktop_crash;
mod desktop_power_cut;
mod full_disk;
mod fuzz_corpus;
mod hardening;
mod https;
mod insider;
mod load;
mod manager;
mod releases;
mod restore;
mod server_power_cut;
mod sync_faults;
mod two_servers;
