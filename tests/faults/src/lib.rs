//! Shared parts of Polso's fault, load and attack suite (issue 7): the real
//! `polso-server` binary started, killed and restarted ([`server`]), a
//! fault-injecting HTTP proxy on loopback ([`proxy`]), simulated devices over
//! real encrypted stores ([`device`]), the calendar of enrolment, reporting
//! and publication they live in ([`calendar`]), and the switch between the short
//! versions that run in every `cargo test` and the long ones.
//!
//! The long versions run with `POLSO_FAULTS_LONG=1` (or `cargo xtask faults`).

pub mod calendar;
pub mod device;
pub mod fuzz_checks;
pub mod proxy;
pub mod reports;
pub mod server;
pub mod small_disk;
pub mod two_server;

/// Whether the long versions were asked for (`POLSO_FAULTS_LONG=1`).
pub fn long() -> bool {
    std::env::var("POLSO_FAULTS_LONG").is_ok_and(|value| value == "1")
}

/// `short` in a normal test run, `long` with `POLSO_FAULTS_LONG=1`.
pub fn scale(short: usize, long: usize) -> usize {
    if crate::long() { long } else { short }
}

/// Whether `needle` occurs in `haystack`, byte for byte.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

/// Every file under `directory`, recursively, with its bytes.
pub fn files_under(directory: &std::path::Path) -> std::io::Result<Vec<(std::path::PathBuf, Vec<u8>)>> {
    let mut found = Vec::new();
    let mut pending = vec![directory.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path)?;
                found.push((path, bytes));
            }
        }
    }
    Ok(found)
}

/// The p-th percentile (0..=100) of sorted `values`, nearest rank.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
