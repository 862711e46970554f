//! Issue 7, point 5, short version: the committed cargo-fuzz corpus of each
//! target (`fuzz/corpus/<target>`) and seeded mutations of it (bit flips,
//! cuts, splices, repeated slices) go through the very checks the fuzz
//! targets run (`polso_faults::fuzz_checks`), in every `cargo test`. The long
//! version is `cargo xtask faults --fuzz 60` (libFuzzer, 60 s per target).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use polso_faults::fuzz_checks;

fn corpus(target: &str) -> Result<Vec<Vec<u8>>> {
    let directory = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus").join(target);
    let mut inputs = Vec::new();
    for entry in std::fs::read_dir(&directory).with_context(|| format!("reading {}", directory.display()))? {
        inputs.push(std::fs::read(entry?.path())?);
    }
    Ok(inputs)
}

/// One seeded mutation of `input`, with `other` for splices.
fn mutate(input: &[u8], other: &[u8], random: &mut fastrand::Rng) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..random.usize(1..=4) {
        match random.u8(0..5) {
            0 if !bytes.is_empty() => {
                let at = random.usize(..bytes.len());
                bytes[at] ^= 1 << random.u8(0..8);
            }
            1 if !bytes.is_empty() => {
                let at = random.usize(..bytes.len());
                bytes.truncate(at);
            }
            2 => {
                let at = random.usize(..=bytes.len());
                let from = random.usize(..=other.len());
                let to = random.usize(from..=other.len());
                bytes.splice(at..at, other[from..to].iter().copied());
            }
            3 if !bytes.is_empty() => {
                let from = random.usize(..bytes.len());
                let to = random.usize(from..bytes.len()).min(from + 64);
                let slice = bytes[from..=to].to_vec();
                let at = random.usize(..=bytes.len());
                bytes.splice(at..at, slice.iter().copied().cycle().take(slice.len() * random.usize(1..8)));
            }
            _ => {
                let at = random.usize(..=bytes.len());
                let special: &[u8] = random
                    .choice([
                        &b"\xff"[..],
                        b"\"",
                        b",",
                        b";",
                        b"\n",
                        b"\r\n",
                        b"-1",
                        b"1e999",
                        b"NaN",
                        b"[[",
                        b"}",
                        b"\xef\xbb\xbf",
                    ])
                    .unwrap_or(b"");
                bytes.splice(at..at, special.iter().copied());
            }
        }
    }
    bytes
}

fn replay(target: &str, check: fn(&[u8]), budget: Duration) -> Result<usize> {
    let inputs = corpus(target)?;
    ensure!(inputs.len() >= 3, "the {target} corpus is missing");
    for input in &inputs {
        check(input);
    }
    let mut random = fastrand::Rng::with_seed(0xf022);
    let started = Instant::now();
    let mut mutations = 0;
    while started.elapsed() < budget {
        let input = &inputs[random.usize(..inputs.len())];
        let other = &inputs[random.usize(..inputs.len())];
        check(&mutate(input, other, &mut random));
        mutations += 1;
    }
    eprintln!("fuzz corpus: {target}: {} corpus inputs and {mutations} mutations, no panic", inputs.len());
    Ok(inputs.len() + mutations)
}

fn budget() -> Duration {
    Duration::from_secs(if polso_faults::long() { 60 } else { 3 })
}

#[test]
fn the_wire_decoder_survives_its_corpus_and_mutations() -> Result<()> {
    replay("wire_report", fuzz_checks::wire_report, budget()).map(drop)
}

#[test]
fn the_cx_importer_survives_its_corpus_and_mutations() -> Result<()> {
    replay("cx_import", fuzz_checks::cx_import, budget()).map(drop)
}

#[test]
fn the_survey_importer_survives_its_corpus_and_mutations() -> Result<()> {
    replay("survey_import", fuzz_checks::survey_import, budget()).map(drop)
}

#[test]
fn the_item_bank_loader_survives_its_corpus_and_mutations() -> Result<()> {
    replay("bank_loader", fuzz_checks::bank_loader, budget()).map(drop)
}
