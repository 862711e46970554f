//! Benchmarks 2 and 3 for one window binary (Polso or the bare window, named
//! by `POLSO_APP_BINARY` as the end-to-end harness reads it): start-up and
//! resident memory.
//!
//! Start-up is the time from asking tauri-driver for a session (which starts
//! the binary) until the page sets `data-app-ready="true"` on its root: Polso's
//! UI sets it once this week's pulse is on screen and interactive, the bare
//! window's page on its first painted frame. Both go through the same
//! harness, so the WebDriver overhead is the same on both sides. Memory is
//! the PSS (and RSS) summed over the binary's process tree, WebKit's web and
//! network processes included, a few seconds after it became ready.

use std::time::{Duration, Instant};

use anyhow::Result;
use polso_bench::{
    millis, percentile, process_parents, process_tree, processes_running, resident_memory_mib,
};
use polso_e2e::{AppSession, Launch, app_binary};
use serde_json::{Value, json};

/// How long the window is left alone before its memory is read.
const SETTLE: Duration = Duration::from_secs(3);

/// Starts the window `runs` times (after one untimed start that creates its
/// data); returns start-up times and the median memory as JSON.
pub async fn run(runs: usize) -> Result<Value> {
    let binary = app_binary();
    let data = tempfile::tempdir()?;
    let launch = Launch::new(data.path());
    let first = AppSession::start(&launch).await?;
    first.stop().await;

    let mut startups = Vec::new();
    let (mut pss, mut rss, mut processes) = (Vec::new(), Vec::new(), 0);
    for _ in 0..runs {
        let start = Instant::now();
        let session = AppSession::start(&launch).await?;
        startups.push(start.elapsed());
        tokio::time::sleep(SETTLE).await;
        let parents = process_parents();
        let mut pids: Vec<u32> =
            processes_running(&binary).into_iter().flat_map(|pid| process_tree(pid, &parents)).collect();
        pids.sort_unstable();
        pids.dedup();
        let (tree_pss, tree_rss) = resident_memory_mib(&pids);
        pss.push(tree_pss);
        rss.push(tree_rss);
        processes = pids.len();
        session.stop().await;
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let memory = (median(&mut pss), median(&mut rss), processes);
    let at = |p: f64| percentile(&startups, p).map(millis).unwrap_or(f64::NAN);
    Ok(json!({
        "binary": binary.display().to_string(),
        "runs": runs,
        "startup_median_ms": at(50.0),
        "startup_min_ms": at(0.0),
        "startup_max_ms": at(100.0),
        "pss_mib": memory.0,
        "rss_mib": memory.1,
        "processes": memory.2,
    }))
}
