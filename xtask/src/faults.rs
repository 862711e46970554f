//! `cargo xtask faults [--fuzz SECONDS]`: the long versions of the fault,
//! load and attack suite (issue 7), which `cargo xtask test` runs only in
//! their short form.
//!
//! - With no option: builds the server, then runs `tests/faults` with
//!   `POLSO_FAULTS_LONG=1` (1,000 desktop saves under SIGKILL, 10,000 reports
//!   through network faults, 6,000 under server kills, 10,000 devices of load,
//!   the power cut at every sync of 53 desktop saves and of 40 reports; see
//!   `tests/faults/README.md`).
//! - `--fuzz SECONDS`: runs each cargo-fuzz target of `fuzz/` for SECONDS
//!   (60 when not given) on its corpus. Only stable Rust exists here, so it
//!   runs with `RUSTC_BOOTSTRAP=1` and `-s none` (no sanitizer); needs
//!   `cargo install cargo-fuzz`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The fuzz targets of `fuzz/fuzz_targets`.
const FUZZ_TARGETS: [&str; 4] = ["wire_report", "cx_import", "survey_import", "bank_loader"];

/// Runs the task with the arguments after `faults`.
pub fn run(root: &Path, arguments: &[String]) -> Result<()> {
    match arguments {
        [] => long_suite(root),
        [flag] if flag == "--fuzz" => fuzz(root, 60),
        [flag, seconds] if flag == "--fuzz" => {
            fuzz(root, seconds.parse().with_context(|| format!("'{seconds}' is not a number of seconds"))?)
        }
        _ => bail!("usage: cargo xtask faults [--fuzz [SECONDS]]"),
    }
}

fn long_suite(root: &Path) -> Result<()> {
    crate::run_in(root, "cargo", &["build", "--package", "polso-server"])?;
    eprintln!("$ POLSO_FAULTS_LONG=1 cargo test --package polso-faults -- --test-threads=1 --nocapture");
    let status = Command::new("cargo")
        .args(["test", "--package", "polso-faults", "--", "--test-threads=1", "--nocapture"])
        .env("POLSO_FAULTS_LONG", "1")
        .current_dir(root)
        .status()
        .context("starting cargo")?;
    if !status.success() {
        bail!("the long fault suite failed with {status}");
    }
    Ok(())
}

fn fuzz(root: &Path, seconds: u32) -> Result<()> {
    let fuzz_dir = root.join("fuzz");
    for target in FUZZ_TARGETS {
        let corpus = format!("corpus/{target}");
        let max_time = format!("-max_total_time={seconds}");
        eprintln!("$ RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -O {target} {corpus} -- {max_time}");
        let status = Command::new("cargo")
            .args(["fuzz", "run", "-s", "none", "-O", target, &corpus, "--", &max_time])
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(&fuzz_dir)
            .status()
            .context("starting cargo fuzz (install it: cargo install cargo-fuzz)")?;
        if !status.success() {
            bail!("fuzz target {target} failed with {status}: see fuzz/artifacts/{target}");
        }
    }
    Ok(())
}
