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
//!   (300 when not given) on its corpus, under AddressSanitizer (with its leak
//!   checker), and ends with a table of what each run measured: inputs run,
//!   seconds, the code edges and features libFuzzer's coverage saw, and the
//!   corpus it ended with. Only stable Rust exists here: it runs with
//!   `RUSTC_BOOTSTRAP=1`, which lets the stable compiler take the `-Z` flags
//!   that instrumentation and the sanitizer need (the sanitizer's runtime ships
//!   with the stable toolchain). Needs `cargo install cargo-fuzz`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The fuzz targets of `fuzz/fuzz_targets`.
const FUZZ_TARGETS: [&str; 4] = ["wire_report", "cx_import", "survey_import", "bank_loader"];

/// How long each target runs when `--fuzz` names no time: the long suite's length.
const DEFAULT_FUZZ_SECONDS: u32 = 300;

/// The sanitizer the targets are built with: AddressSanitizer, whose leak checker libFuzzer
/// also runs after each input. The code under test has no `unsafe`; the Rust it builds on is
/// instrumented as far as it is compiled into the targets, and the C it links (SQLCipher, not
/// built with `-fsanitize`) has its calls to the allocator and `memcpy` checked.
const SANITIZER: &str = "address";

/// Runs the task with the arguments after `faults`.
pub fn run(root: &Path, arguments: &[String]) -> Result<()> {
    match arguments {
        [] => long_suite(root),
        [flag] if flag == "--fuzz" => fuzz(root, DEFAULT_FUZZ_SECONDS),
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
    let mut figures = Vec::new();
    for target in FUZZ_TARGETS {
        // What libFuzzer finds goes to a folder of the build's, the first it is given; the
        // committed corpus after it is read as seeds and stays as committed (it is minimised
        // by hand, see fuzz/README.md).
        let grown = format!("target/grown-corpus/{target}");
        std::fs::create_dir_all(fuzz_dir.join(&grown)).with_context(|| format!("creating fuzz/{grown}"))?;
        let corpus = format!("corpus/{target}");
        let max_time = format!("-max_total_time={seconds}");
        let arguments = [
            "fuzz",
            "run",
            "-s",
            SANITIZER,
            "-O",
            target,
            &grown,
            &corpus,
            "--",
            &max_time,
            "-print_final_stats=1",
        ];
        eprintln!("$ RUSTC_BOOTSTRAP=1 cargo {}", arguments.join(" "));
        let mut child = Command::new("cargo")
            .args(arguments)
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(&fuzz_dir)
            .stderr(Stdio::piped())
            .spawn()
            .context("starting cargo fuzz (install it: cargo install cargo-fuzz)")?;
        // libFuzzer reports on stderr: passed on as it comes, and read for the figures.
        let mut run = FuzzFigures::new(target);
        if let Some(stderr) = child.stderr.take() {
            for line in BufReader::new(stderr).lines() {
                let line = line.context("reading cargo fuzz's output")?;
                eprintln!("{line}");
                run.read(&line);
            }
        }
        let status = child.wait().context("waiting for cargo fuzz")?;
        if !status.success() {
            bail!("fuzz target {target} failed with {status}: see fuzz/artifacts/{target}");
        }
        figures.push(run);
    }
    println!("\nfuzzing under {SANITIZER} sanitizer, {seconds} s per target");
    println!(
        "{:<14} {:>12} {:>8} {:>12} {:>10} {:>8}",
        "target", "inputs run", "seconds", "edges (cov)", "features", "corpus"
    );
    for run in &figures {
        println!(
            "{:<14} {:>12} {:>8} {:>12} {:>10} {:>8}",
            run.target,
            run.inputs.map_or("?".into(), |n| n.to_string()),
            run.seconds.map_or("?".into(), |n| n.to_string()),
            run.edges.map_or("?".into(), |n| n.to_string()),
            run.features.map_or("?".into(), |n| n.to_string()),
            run.corpus.map_or("?".into(), |n| n.to_string()),
        );
    }
    Ok(())
}

/// What one fuzz run measured, read from libFuzzer's status lines (`#4096 pulse cov: 812 ft:
/// 2301 corp: 190/45Kb ...`) and its closing `Done 123456 runs in 60 second(s)`.
#[derive(Debug, Default, PartialEq, Eq)]
struct FuzzFigures {
    target: &'static str,
    inputs: Option<u64>,
    seconds: Option<u64>,
    edges: Option<u64>,
    features: Option<u64>,
    corpus: Option<u64>,
}

impl FuzzFigures {
    fn new(target: &'static str) -> Self {
        FuzzFigures { target, ..FuzzFigures::default() }
    }

    /// Takes what a line of libFuzzer's output says; the last status line wins.
    fn read(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let after = |label: &str| -> Option<u64> {
            let at = words.iter().position(|word| *word == label)?;
            // `corp: 190/45Kb`: the number of inputs comes before the slash.
            words.get(at + 1)?.split('/').next()?.parse().ok()
        };
        if let ["Done", runs, "runs", "in", seconds, ..] = words.as_slice() {
            self.inputs = runs.parse().ok().or(self.inputs);
            self.seconds = seconds.parse().ok().or(self.seconds);
        } else if words.first().is_some_and(|word| word.starts_with('#')) {
            self.edges = after("cov:").or(self.edges);
            self.features = after("ft:").or(self.features);
            self.corpus = after("corp:").or(self.corpus);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_come_from_the_last_status_line_and_the_closing_line() {
        let mut run = FuzzFigures::new("cx_import");
        for line in [
            "INFO: Seed: 1234",
            "#2\tINITED cov: 400 ft: 900 corp: 120/30Kb exec/s: 0 rss: 60Mb",
            "#4096\tpulse  cov: 812 ft: 2301 corp: 190/45Kb lim: 4096 exec/s: 2048 rss: 80Mb",
            "#123456\tDONE   cov: 820 ft: 2350 corp: 195/46Kb lim: 4096 exec/s: 2057 rss: 81Mb",
            "Done 123456 runs in 60 second(s)",
        ] {
            run.read(line);
        }
        assert_eq!(
            run,
            FuzzFigures {
                target: "cx_import",
                inputs: Some(123_456),
                seconds: Some(60),
                edges: Some(820),
                features: Some(2350),
                corpus: Some(195),
            }
        );
    }

    #[test]
    fn a_run_that_printed_nothing_has_no_figures() {
        let mut run = FuzzFigures::new("wire_report");
        run.read("error: could not compile");
        assert_eq!(run, FuzzFigures::new("wire_report"));
    }
}
