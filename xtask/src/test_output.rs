//! Runs a `cargo test` command with its standard output passed through line by line, and keeps
//! what libtest says of each failing test (its `---- name stdout ----` section, which holds the
//! test's error and what it wrote), so that a failed run ends with the failures' own words.
//!
//! A long run prints thousands of lines after the one failure that matters, and a log read from
//! its end (as CI's is) would otherwise show only the final "the tests failed".

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};

/// At most this many lines of one failing test's section are repeated at the end; its last ones.
const LINES_PER_FAILURE: usize = 60;

/// Runs `command`, passing its stdout through; when it fails, prints again each failing test's
/// section, then returns its status.
pub fn run_and_repeat_failures(mut command: Command) -> Result<ExitStatus> {
    let mut child = command.stdout(Stdio::piped()).spawn().context("starting the tests")?;
    let stdout = child.stdout.take().context("the tests' stdout")?;
    // Read on a thread of its own: the pipe closes only when every process holding it has ended,
    // and a service the tests started (over D-Bus, say) may outlive them. What it has read of
    // the failures is kept where this thread can take it whether or not the pipe closed.
    let failures = Arc::new(Mutex::new(FailureSections::default()));
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let reading = failures.clone();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = Vec::new();
        // Bytes, not text: a line that is not UTF-8 still passes through as it was written.
        loop {
            match reader.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) => {
                    eprintln!("reading the tests' output failed: {error}");
                    break;
                }
            }
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&line);
            let _ = out.flush();
            if let Ok(mut failures) = reading.lock() {
                failures.read(String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']));
            }
            line.clear();
        }
        let _ = done.send(());
    });
    let status = child.wait().context("waiting for the tests")?;
    if finished.recv_timeout(OUTPUT_AFTER_EXIT).is_err() {
        println!(
            "(the tests ended, but something they started still holds their output; not waiting for it)"
        );
    }
    if !status.success() {
        let sections = failures
            .lock()
            .map(|mut failures| std::mem::take(&mut *failures).into_sections())
            .unwrap_or_default();
        if !sections.is_empty() {
            println!("\n==== what the {} failing test(s) said ====", sections.len());
            for section in sections {
                println!("{section}");
            }
        }
    }
    Ok(status)
}

/// How long the output may go on after the tests' process ended.
const OUTPUT_AFTER_EXIT: std::time::Duration = std::time::Duration::from_secs(30);

/// libtest's first line of a test binary: `running 3 tests`.
fn is_running_line(line: &str) -> bool {
    line.strip_prefix("running ")
        .and_then(|rest| rest.strip_suffix(" tests").or_else(|| rest.strip_suffix(" test")))
        .is_some_and(|count| count.parse::<usize>().is_ok())
}

/// libtest's `---- name stdout ----` sections, read a line at a time.
#[derive(Default)]
struct FailureSections {
    sections: Vec<Vec<String>>,
    inside: bool,
}

impl FailureSections {
    fn read(&mut self, line: &str) {
        if line.starts_with("---- ") && line.ends_with(" ----") {
            self.sections.push(vec![line.to_owned()]);
            self.inside = true;
        } else if self.inside
            && (line == "failures:" || line.starts_with("test result: ") || is_running_line(line))
        {
            // The list of names after the sections, the end of this test binary, or the start of
            // the next one (after a binary that crashed before its summary).
            self.inside = false;
        } else if self.inside
            && let Some(section) = self.sections.last_mut()
        {
            section.push(line.to_owned());
        }
    }

    /// Each section as one text, its heading and at most its last [`LINES_PER_FAILURE`] lines.
    fn into_sections(self) -> Vec<String> {
        self.sections
            .into_iter()
            .map(|lines| {
                let (heading, body) = lines.split_first().map_or(("", &[][..]), |(h, b)| (h.as_str(), b));
                let body: Vec<&str> = body.iter().map(String::as_str).collect();
                let body = trim_blank_ends(&body);
                let skipped = body.len().saturating_sub(LINES_PER_FAILURE);
                let kept = body[skipped..].join("\n");
                if skipped == 0 {
                    format!("{heading}\n{kept}")
                } else {
                    format!("{heading}\n[{skipped} earlier lines left out]\n{kept}")
                }
            })
            .collect()
    }
}

fn trim_blank_ends<'a, 'b>(lines: &'b [&'a str]) -> &'b [&'a str] {
    let start = lines.iter().position(|line| !line.trim().is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|line| !line.trim().is_empty()).map_or(start, |last| last + 1);
    &lines[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sections_of(text: &str) -> Vec<String> {
        let mut failures = FailureSections::default();
        for line in text.lines() {
            failures.read(line);
        }
        failures.into_sections()
    }

    #[test]
    fn each_failing_tests_section_is_kept_and_the_passing_output_is_not() {
        let text = "running 3 tests\ntest a ... ok\ntest b ... FAILED\ntest c ... FAILED\n\nfailures:\n\n\
                    ---- b stdout ----\nsaid by b\nError: b's reason\n\n---- c stdout ----\n\
                    thread 'c' panicked at c.rs:1:1\n\nfailures:\n    b\n    c\n\n\
                    test result: FAILED. 1 passed; 2 failed\n\nrunning 1 test\ntest d ... ok\n\
                    test result: ok. 1 passed";
        let sections = sections_of(text);
        assert_eq!(
            sections,
            vec![
                "---- b stdout ----\nsaid by b\nError: b's reason".to_owned(),
                "---- c stdout ----\nthread 'c' panicked at c.rs:1:1".to_owned(),
            ]
        );
    }

    #[test]
    fn a_long_section_keeps_its_last_lines_and_says_how_many_were_left_out() {
        let mut text = String::from("---- long stdout ----\n");
        for n in 0..100 {
            text.push_str(&format!("line {n}\n"));
        }
        text.push_str("failures:\n");
        let sections = sections_of(&text);
        assert_eq!(sections.len(), 1);
        assert!(sections[0].contains("[40 earlier lines left out]"), "{}", sections[0]);
        assert!(sections[0].ends_with("line 99") && !sections[0].contains("line 39\n"));
    }

    #[test]
    fn output_without_failures_has_no_section() {
        assert!(sections_of("running 1 test\ntest a ... ok\n\ntest result: ok. 1 passed").is_empty());
    }
}
