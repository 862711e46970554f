//! The dependency checks of `cargo xtask test`: cargo-deny's licences, bans
//! and sources (`deny.toml`), its advisories when the RustSec database can be
//! fetched, cargo-machete's search for dependencies no code uses, and that the fuzz targets'
//! own lock file is up to date. Both tools are installed at a pinned version when missing.

use std::path::Path;
use std::process::Command;

use anyhow::{Result, bail};

use crate::{ensure_cargo_tool, run_in};

/// cargo-deny, at the version `deny.toml` is written for.
const CARGO_DENY: (&str, &str, &str) = ("cargo-deny", "cargo-deny", "0.20.2");

/// cargo-machete.
const CARGO_MACHETE: (&str, &str, &str) = ("cargo-machete", "cargo-machete", "0.9.2");

/// Every dependency check; an error names the check and what it found.
pub fn check(root: &Path) -> Result<()> {
    ensure_cargo_tool(CARGO_DENY)?;
    run_in(root, "cargo", &["deny", "--log-level", "error", "check", "licenses", "bans", "sources"])?;
    // The advisories need the RustSec database from GitHub; a machine that
    // cannot reach it says so and goes on, one that can checks them.
    let fetched =
        Command::new("cargo").args(["deny", "--log-level", "error", "fetch"]).current_dir(root).output()?;
    if fetched.status.success() {
        run_in(root, "cargo", &["deny", "--log-level", "error", "check", "advisories"])?;
    } else {
        let reason = String::from_utf8_lossy(&fetched.stderr);
        let reason = reason.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("no message");
        eprintln!("advisories: SKIPPED, the RustSec database could not be fetched ({})", reason.trim());
    }
    ensure_cargo_tool(CARGO_MACHETE)?;
    run_in(root, "cargo-machete", &["."])?;
    // The fuzz targets are a workspace of their own, built only by `cargo xtask faults --fuzz`:
    // their lock file must still resolve the versions the main one does, or a fuzz build
    // picks whatever is newest (it once picked an `rsa` the blind signatures do not build with).
    eprintln!("$ (cd fuzz && cargo metadata --locked)");
    let resolved = Command::new("cargo")
        .args(["metadata", "--locked", "--format-version", "1"])
        .current_dir(root.join("fuzz"))
        .output()?;
    if !resolved.status.success() {
        bail!(
            "fuzz/Cargo.lock is out of date: copy Cargo.lock over it, then run `cargo metadata` in fuzz/ ({})",
            String::from_utf8_lossy(&resolved.stderr).trim()
        );
    }
    let main = std::fs::read_to_string(root.join("Cargo.lock"))?;
    let fuzz = std::fs::read_to_string(root.join("fuzz/Cargo.lock"))?;
    let drifted = lock_drift(&main, &fuzz);
    if !drifted.is_empty() {
        bail!(
            "fuzz/Cargo.lock resolves versions the main Cargo.lock does not: {}; copy Cargo.lock over it, then \
             run `cargo metadata` in fuzz/",
            drifted.join(", ")
        );
    }
    Ok(())
}

/// Every `name version` that `fuzz` locks for a package `main` locks too, at none of `main`'s
/// versions: what the fuzz targets would build that the project never tested.
fn lock_drift(main: &str, fuzz: &str) -> Vec<String> {
    let packages = |lock: &str| -> Vec<(String, String)> {
        let mut lines = lock.lines().map(str::trim);
        let mut found = Vec::new();
        while let Some(line) = lines.next() {
            let Some(name) = line.strip_prefix("name = ") else { continue };
            if let Some(version) = lines.next().and_then(|line| line.strip_prefix("version = ")) {
                found.push((name.trim_matches('"').to_owned(), version.trim_matches('"').to_owned()));
            }
        }
        found
    };
    let main = packages(main);
    packages(fuzz)
        .into_iter()
        .filter(|(name, version)| {
            main.iter().any(|(known, _)| known == name)
                && !main.iter().any(|(known, at)| known == name && at == version)
        })
        .map(|(name, version)| format!("{name} {version}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = "[[package]]\nname = \"rsa\"\nversion = \"0.10.0-rc.18\"\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.228\"\n";

    #[test]
    fn a_fuzz_lock_at_the_main_locks_versions_has_not_drifted() {
        let fuzz = format!("{MAIN}\n[[package]]\nname = \"libfuzzer-sys\"\nversion = \"0.4.13\"\n");
        assert!(lock_drift(MAIN, &fuzz).is_empty(), "a package only the fuzz targets use is no drift");
        let newer = MAIN.replace("0.10.0-rc.18", "0.10.0-rc.20");
        assert_eq!(lock_drift(MAIN, &newer), ["rsa 0.10.0-rc.20"]);
    }
}
