//! The harness of Polso's benchmarks (`cargo xtask bench`, BENCHMARKS.md): the
//! pieces every benchmark shares, kept apart from the benchmarks themselves so
//! they can be tested without running one.
//!
//! Every benchmark measures Polso and a bare baseline side by side in the same
//! run, because these machines are noisy and only ratios travel: a [`Row`]
//! holds both figures, the target ratio and which way it points, and
//! [`table`] prints them. Peak memory and the process-tree footprint are read
//! from `/proc` (Linux only), so nothing here needs a dependency or `unsafe`.

#![warn(missing_docs)]

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which way a target points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Polso's figure divided by the baseline's must be at most the target
    /// (times, memory, sizes).
    AtMost,
    /// The ratio must be at least the target (rates, speed-ups).
    AtLeast,
}

/// One line of the results table: a figure of Polso beside the same figure of
/// its baseline, measured in the same run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The benchmark, such as `1 local submit`.
    pub benchmark: String,
    /// What the figure is, with its unit, such as `median ms per submit`.
    pub figure: String,
    /// Polso's value.
    pub polso: f64,
    /// The baseline's value.
    pub baseline: f64,
    /// The target for [`Row::ratio`].
    pub target: f64,
    /// Which way the target points.
    pub direction: Direction,
    /// Whatever else a reader needs: sizes, percentiles, errors, peak memory.
    pub notes: String,
}

impl Row {
    /// Polso's value over the baseline's, the ratio the target reads. Figures
    /// where more is better (rates, throughputs) use [`Direction::AtLeast`].
    pub fn ratio(&self) -> f64 {
        if self.baseline == 0.0 { f64::INFINITY } else { self.polso / self.baseline }
    }

    /// Whether the target is met.
    pub fn met(&self) -> bool {
        let ratio = self.ratio();
        match self.direction {
            Direction::AtMost => ratio <= self.target,
            Direction::AtLeast => ratio >= self.target,
        }
    }
}

/// The results as a Markdown table, one line per row.
pub fn table(rows: &[Row]) -> String {
    let mut text = String::from(
        "| benchmark | figure | Polso | baseline | ratio | target | met | notes |\n\
         |---|---|---:|---:|---:|---:|---|---|\n",
    );
    for row in rows {
        let target = match row.direction {
            Direction::AtMost => format!("≤ {}x", row.target),
            Direction::AtLeast => format!("≥ {}x", row.target),
        };
        text.push_str(&format!(
            "| {} | {} | {} | {} | {:.2}x | {} | {} | {} |\n",
            row.benchmark,
            row.figure,
            format_number(row.polso),
            format_number(row.baseline),
            row.ratio(),
            target,
            if row.met() { "yes" } else { "**no**" },
            row.notes
        ));
    }
    text
}

/// A number with as many decimals as its size deserves.
pub fn format_number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 0.1 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    }
}

/// The `p`-th percentile (0 to 100) of `samples` by the nearest-rank method;
/// `None` for no samples.
pub fn percentile(samples: &[Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Milliseconds as a float.
pub fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A process's peak resident memory (`VmHWM`) in MiB; `None` when it cannot be read.
pub fn peak_memory_mib(pid: &str) -> Option<f64> {
    status_field_kib(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?, "VmHWM:")
        .map(|kib| kib as f64 / 1024.0)
}

/// This process's peak resident memory in MiB (0 when it cannot be read).
pub fn own_peak_memory_mib() -> f64 {
    peak_memory_mib("self").unwrap_or(0.0)
}

/// CPU time the calling thread has used so far, from `/proc/thread-self/schedstat`
/// (nanoseconds on the CPU): on a machine shared with other work, a steadier
/// figure than the wall clock for single-threaded computations.
pub fn thread_cpu_time() -> Option<Duration> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    schedstat.split_whitespace().next()?.parse().ok().map(Duration::from_nanos)
}

/// A `/proc/<pid>/status` field in KiB, such as `VmHWM:   12345 kB`.
pub fn status_field_kib(status: &str, field: &str) -> Option<u64> {
    status.lines().find_map(|line| line.strip_prefix(field)?.split_whitespace().next()?.parse().ok())
}

/// The parent of each process: `(pid, ppid)` pairs from `/proc/*/stat`.
pub fn process_parents() -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            Some((pid, parent_from_stat(&stat)?))
        })
        .collect()
}

/// The parent pid in a `/proc/<pid>/stat` line. The command name is in
/// parentheses and may itself hold spaces or parentheses, so the fields are
/// read after the last `)`.
pub fn parent_from_stat(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// `root` and every process below it, given `(pid, ppid)` pairs.
pub fn process_tree(root: u32, parents: &[(u32, u32)]) -> Vec<u32> {
    let mut tree = vec![root];
    let mut next = 0;
    while next < tree.len() {
        let parent = tree[next];
        tree.extend(parents.iter().filter(|(_, ppid)| *ppid == parent).map(|(pid, _)| *pid));
        next += 1;
    }
    tree
}

/// Resident memory of a set of processes: `(PSS, RSS)` in MiB, from each one's
/// `/proc/<pid>/smaps_rollup`. PSS divides shared pages among the processes
/// sharing them, so it is the fair sum over a tree; RSS counts them in each.
pub fn resident_memory_mib(pids: &[u32]) -> (f64, f64) {
    let (mut pss, mut rss) = (0u64, 0u64);
    for pid in pids {
        if let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
            pss += status_field_kib(&rollup, "Pss:").unwrap_or(0);
            rss += status_field_kib(&rollup, "Rss:").unwrap_or(0);
        }
    }
    (pss as f64 / 1024.0, rss as f64 / 1024.0)
}

/// The processes whose executable is `binary`.
pub fn processes_running(binary: &Path) -> Vec<u32> {
    let wanted = binary.canonicalize().unwrap_or_else(|_| binary.to_owned());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
            (exe == wanted).then_some(pid)
        })
        .collect()
}

/// Every item of `view` answered with a value drawn from `random`, two days in the office and
/// three at home, and a short private note: a week's submission as an employee makes it.
pub fn answered_week(view: &polso_api::PulseView, random: &mut SplitMix64) -> polso_api::SubmitPulse {
    polso_api::SubmitPulse {
        week: view.week.clone(),
        answers: view
            .items
            .iter()
            .map(|item| polso_api::AnswerDto {
                item_id: item.id.clone(),
                value: random.between(item.scale.min, item.scale.max),
            })
            .collect(),
        not_applicable: Vec::new(),
        work_week: Some(polso_api::WorkWeekDto { office_days: 2, remote_days: 3 }),
        note: Some("a short private note".to_owned()),
    }
}

/// The core's deterministic generator (`polso_core::splitmix`), so synthetic
/// data are the same on every run and in the Python reference's input, with
/// the draws the benchmarks need.
#[derive(Debug, Clone)]
pub struct SplitMix64(polso_core::splitmix::SplitMix64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(polso_core::splitmix::SplitMix64::new(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform integer in `low..=high`.
    pub fn between(&mut self, low: u8, high: u8) -> u8 {
        let span = u64::from(high - low) + 1;
        low + (self.next_u64() % span) as u8
    }

    /// A standard normal draw (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.next_f64().max(f64::MIN_POSITIVE);
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// How a figure grew when the work doubled: `at_2n / at_n` (2.0 is linear).
pub fn growth(at_n: f64, at_2n: f64) -> f64 {
    if at_n == 0.0 { f64::INFINITY } else { at_2n / at_n }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(polso: f64, baseline: f64, target: f64, direction: Direction) -> Row {
        Row {
            benchmark: "b".to_owned(),
            figure: "f".to_owned(),
            polso,
            baseline,
            target,
            direction,
            notes: String::new(),
        }
    }

    #[test]
    fn a_target_is_met_on_the_right_side_only() {
        assert!(row(1.4, 1.0, 1.5, Direction::AtMost).met());
        assert!(!row(1.6, 1.0, 1.5, Direction::AtMost).met());
        assert!(row(0.6, 1.0, 0.5, Direction::AtLeast).met());
        assert!(!row(0.4, 1.0, 0.5, Direction::AtLeast).met());
        assert!(!row(1.0, 0.0, 1.5, Direction::AtMost).met(), "a zero baseline is never a pass");
    }

    #[test]
    fn the_table_names_a_missed_target() {
        let text = table(&[row(3.0, 1.0, 2.0, Direction::AtMost), row(12.0, 1.0, 10.0, Direction::AtLeast)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[2].contains("3.00x") && lines[2].contains("**no**"), "{}", lines[2]);
        assert!(lines[3].contains("12.00x") && lines[3].contains("| yes |"), "{}", lines[3]);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&samples, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&samples, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&samples, 0.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn proc_fields_are_parsed() {
        assert_eq!(status_field_kib("Name:\tx\nVmHWM:\t   2048 kB\n", "VmHWM:"), Some(2048));
        assert_eq!(status_field_kib("Rss:  10 kB\nPss:   7 kB\n", "Pss:"), Some(7));
        assert_eq!(parent_from_stat("42 (Web Content (x)) S 17 42 42 0"), Some(17));
        assert!(own_peak_memory_mib() > 0.0, "this process has a peak resident size");
        let before = thread_cpu_time().unwrap();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(thread_cpu_time().unwrap() > before, "busy work takes CPU time");
    }

    #[test]
    fn a_process_tree_holds_every_descendant() {
        let parents = [(2, 1), (3, 2), (4, 2), (5, 9), (6, 4)];
        let mut tree = process_tree(2, &parents);
        tree.sort_unstable();
        assert_eq!(tree, vec![2, 3, 4, 6]);
        let own = std::process::id();
        assert!(process_tree(own, &process_parents()).contains(&own));
        let (pss, rss) = resident_memory_mib(&[own]);
        assert!(pss > 0.0 && rss >= pss, "pss {pss}, rss {rss}");
    }

    #[test]
    fn the_generator_is_deterministic_and_in_range() {
        let mut first = SplitMix64::new(7);
        let mut second = SplitMix64::new(7);
        for _ in 0..1000 {
            assert_eq!(first.next_u64(), second.next_u64());
            let value = first.between(1, 5);
            assert!((1..=5).contains(&value));
            let unit = first.next_f64();
            assert!((0.0..1.0).contains(&unit));
            second.between(1, 5);
            second.next_f64();
        }
        assert_eq!(growth(2.0, 4.0), 2.0);
    }
}
