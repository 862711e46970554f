//! `polso-bench`: Polso's benchmarks against the limits (issue 6), each
//! measured beside its bare baseline in the same run. `cargo xtask bench`
//! builds everything in release mode and runs `polso-bench all`, which runs
//! every benchmark in a child process of its own and prints the table of
//! ratios that BENCHMARKS.md keeps.
//!
//! One subcommand per benchmark, so each can also be run alone:
//! `submit` (1), `window` (2 and 3, for the binary in `POLSO_APP_BINARY`),
//! `ingest` (4), `hr` (5), `linkage` (6), `two-server` (7), `history` (8). Each prints one JSON
//! object.

mod history;
mod hr;
mod ingest;
mod linkage;
mod submit;
mod two_server;
mod window;
mod world;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use polso_bench::{Direction, Row, format_number, growth, table};
use serde_json::Value;

#[derive(Debug, Parser)]
#[command(name = "polso-bench", about = "Polso's benchmarks against the limits")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Every benchmark, at N and 2N where the work scales, and the table of ratios.
    All(AllOptions),
    /// 1. Local submit through polso-desktop vs a bare SQLCipher transaction.
    Submit {
        #[arg(long, default_value_t = 200)]
        submits: usize,
    },
    /// 2 and 3. Start-up and resident memory of the window in POLSO_APP_BINARY.
    Window {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// 4. A burst of reports against the real server vs a bare upsert loop.
    Ingest {
        #[arg(long, default_value_t = 100_000)]
        devices: usize,
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// The server's store.
        #[arg(long, value_enum, default_value_t = world::Store::Sqlite)]
        store: world::Store,
        /// Server processes on the one database, the clients spread over them.
        #[arg(long, default_value_t = 1)]
        replicas: usize,
        #[arg(long)]
        server_binary: PathBuf,
        #[arg(long)]
        work_dir: PathBuf,
    },
    /// 7. Two-server aggregation vs one server: ingest, publication, upload size.
    TwoServer {
        #[arg(long, default_value_t = 10_000)]
        reports: usize,
        #[arg(long)]
        work_dir: PathBuf,
    },
    /// 5. HR's heatmap and trend queries vs raw SQL.
    Hr {
        #[arg(long, default_value_t = 5_000)]
        teams: usize,
        #[arg(long, default_value_t = 156)]
        weeks: i64,
        /// The server's store.
        #[arg(long, value_enum, default_value_t = world::Store::Sqlite)]
        store: world::Store,
        #[arg(long)]
        server_binary: PathBuf,
        #[arg(long)]
        work_dir: PathBuf,
    },
    /// 6. The full linkage grid vs pandas + scipy.
    Linkage {
        #[arg(long, default_value_t = 5_000)]
        teams: usize,
        #[arg(long, default_value_t = 156)]
        weeks: i64,
        #[arg(long)]
        python: PathBuf,
        #[arg(long)]
        work_dir: PathBuf,
        /// Compare with the pandas result an earlier run of the same size left in the work
        /// directory instead of running pandas again (the data are the same: a fixed seed).
        #[arg(long)]
        reuse_reference: bool,
    },
    /// 8. Years of one device's history: the History view's read vs a bare read of the rows.
    History {
        #[arg(long, default_value_t = 520)]
        weeks: usize,
        #[arg(long, default_value_t = 30)]
        rounds: usize,
    },
    /// Polso's side of `linkage`, in a process of its own (used by `linkage`).
    #[command(hide = true)]
    LinkagePolso { directory: PathBuf, output: PathBuf },
}

#[derive(Debug, Clone, clap::Args)]
struct AllOptions {
    /// A smaller run, for trying the harness: a tenth of the sizes.
    #[arg(long)]
    quick: bool,
    /// The release polso-server binary.
    #[arg(long)]
    server_binary: PathBuf,
    /// A Python with pandas and scipy.
    #[arg(long)]
    python: PathBuf,
    /// The release Polso binary (benchmarks 2 and 3 are skipped without it).
    #[arg(long)]
    app_binary: Option<PathBuf>,
    /// The release bare-window binary.
    #[arg(long)]
    bare_binary: Option<PathBuf>,
    /// Polso's .deb.
    #[arg(long)]
    app_deb: Option<PathBuf>,
    /// The bare window's .deb.
    #[arg(long)]
    bare_deb: Option<PathBuf>,
    /// Where databases, logs and results go.
    #[arg(long)]
    work_dir: PathBuf,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let result = match cli.command {
        Task::All(options) => return run_all(&options),
        Task::Submit { submits } => submit::run(submits)?,
        Task::Window { runs } => {
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(window::run(runs))?
        }
        Task::Ingest { devices, clients, store, replicas, server_binary, work_dir } => {
            std::fs::create_dir_all(&work_dir)?;
            ingest::run(devices, clients, store, replicas, &server_binary, &work_dir)?
        }
        Task::TwoServer { reports, work_dir } => {
            std::fs::create_dir_all(&work_dir)?;
            two_server::run(reports, &work_dir)?
        }
        Task::Hr { teams, weeks, store, server_binary, work_dir } => {
            std::fs::create_dir_all(&work_dir)?;
            hr::run(teams, weeks, store, &server_binary, &work_dir)?
        }
        Task::Linkage { teams, weeks, python, work_dir, reuse_reference } => {
            std::fs::create_dir_all(&work_dir)?;
            linkage::run(teams, weeks, &python, &reference_script(), &work_dir, reuse_reference)?
        }
        Task::History { weeks, rounds } => history::run(weeks, rounds)?,
        Task::LinkagePolso { directory, output } => return linkage::run_polso(&directory, &output),
    };
    println!("{result}");
    Ok(())
}

/// The pandas + scipy reference of benchmark 6.
fn reference_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/linkage_pandas.py")
}

/// Runs this binary with `arguments` (and `env`), returning the JSON it prints.
fn child(arguments: &[String], env: &[(&str, &Path)]) -> Result<Value> {
    let me = std::env::current_exe().context("finding polso-bench itself")?;
    eprintln!("polso-bench {}", arguments.join(" "));
    let mut command = Command::new(me);
    command.args(arguments).stderr(Stdio::inherit());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().context("running a benchmark")?;
    if !output.status.success() {
        bail!("`polso-bench {}` failed ({})", arguments.join(" "), output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .with_context(|| format!("reading the result of `{}`: {last}", arguments.join(" ")))
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

fn text(path: &Path) -> String {
    path.display().to_string()
}

/// Sizes of one run: `(N, 2N)` per scaling benchmark.
struct Sizes {
    submits: usize,
    devices: usize,
    hr_teams: usize,
    linkage_teams: usize,
    window_runs: usize,
    two_server_reports: usize,
}

fn run_all(options: &AllOptions) -> Result<()> {
    let sizes = if options.quick {
        Sizes {
            submits: 50,
            devices: 5_000,
            hr_teams: 250,
            linkage_teams: 250,
            window_runs: 3,
            two_server_reports: 1_000,
        }
    } else {
        Sizes {
            submits: 200,
            devices: 50_000,
            hr_teams: 2_500,
            linkage_teams: 2_500,
            window_runs: 7,
            two_server_reports: 10_000,
        }
    };
    std::fs::create_dir_all(&options.work_dir)?;
    let work_dir = text(&options.work_dir);
    let mut rows: Vec<Row> = Vec::new();
    let mut scaling: Vec<String> = Vec::new();
    let mut raw: Vec<(String, Value)> = Vec::new();
    let failed = |benchmark: &str, error: anyhow::Error| Row {
        benchmark: benchmark.to_owned(),
        figure: "failed".to_owned(),
        polso: f64::NAN,
        baseline: f64::NAN,
        target: f64::NAN,
        direction: Direction::AtMost,
        notes: format!("{error:#}").replace('\n', " "),
    };

    // 1. Local submit, at N and 2N submits.
    let result = (|| -> Result<()> {
        let mut runs = Vec::new();
        for submits in [sizes.submits, 2 * sizes.submits] {
            runs.push(child(&["submit".into(), "--submits".into(), submits.to_string()], &[])?);
        }
        let last = &runs[1];
        rows.push(Row {
            benchmark: "1 local submit".to_owned(),
            figure: "median ms per submit".to_owned(),
            polso: number(&last["polso"]["median_ms"]),
            baseline: number(&last["baseline"]["median_ms"]),
            target: 1.5,
            direction: Direction::AtMost,
            notes: format!(
                "{} submits of {} answers; p99 {} vs {} ms",
                last["submits"],
                last["items"],
                format_number(number(&last["polso"]["p99_ms"])),
                format_number(number(&last["baseline"]["p99_ms"]))
            ),
        });
        scaling.push(format!(
            "| 1 local submit | total ms for {} / {} submits | {} / {} | {:.2}x |",
            sizes.submits,
            2 * sizes.submits,
            format_number(number(&runs[0]["polso"]["total_ms"])),
            format_number(number(&runs[1]["polso"]["total_ms"])),
            growth(number(&runs[0]["polso"]["total_ms"]), number(&runs[1]["polso"]["total_ms"]))
        ));
        raw.push(("submit".to_owned(), Value::Array(runs)));
        Ok(())
    })();
    if let Err(error) = result {
        rows.push(failed("1 local submit", error));
    }

    // 2 and 3. Footprint and start-up.
    match (&options.app_binary, &options.bare_binary) {
        (Some(app), Some(bare)) => {
            let result = (|| -> Result<()> {
                let runs = ["--runs".to_owned(), sizes.window_runs.to_string()];
                let arguments = [vec!["window".to_owned()], runs.to_vec()].concat();
                let polso = child(&arguments, &[("POLSO_APP_BINARY", app)])?;
                let baseline = child(&arguments, &[("POLSO_APP_BINARY", bare)])?;
                rows.push(Row {
                    benchmark: "2 app footprint".to_owned(),
                    figure: "PSS MiB, process tree".to_owned(),
                    polso: number(&polso["pss_mib"]),
                    baseline: number(&baseline["pss_mib"]),
                    target: 1.25,
                    direction: Direction::AtMost,
                    notes: format!(
                        "median of {} runs, {} s after ready; {} vs {} processes (app, WebKit web and network)",
                        polso["runs"],
                        3,
                        polso["processes"],
                        baseline["processes"]
                    ),
                });
                rows.push(Row {
                    benchmark: "2 app footprint".to_owned(),
                    figure: "RSS MiB, process tree".to_owned(),
                    polso: number(&polso["rss_mib"]),
                    baseline: number(&baseline["rss_mib"]),
                    target: 1.25,
                    direction: Direction::AtMost,
                    notes: "shared pages counted once per process; unlike PSS, not moved by other programs \
                            mapping the same libraries"
                        .to_owned(),
                });
                rows.push(Row {
                    benchmark: "3 start-up".to_owned(),
                    figure: "median ms to ready".to_owned(),
                    polso: number(&polso["startup_median_ms"]),
                    baseline: number(&baseline["startup_median_ms"]),
                    target: 1.3,
                    direction: Direction::AtMost,
                    notes: format!(
                        "{} runs each, via tauri-driver; Polso {}–{} ms, bare {}–{} ms",
                        polso["runs"],
                        format_number(number(&polso["startup_min_ms"])),
                        format_number(number(&polso["startup_max_ms"])),
                        format_number(number(&baseline["startup_min_ms"])),
                        format_number(number(&baseline["startup_max_ms"]))
                    ),
                });
                raw.push(("window".to_owned(), Value::Array(vec![polso, baseline])));
                Ok(())
            })();
            if let Err(error) = result {
                rows.push(failed("2, 3 window", error));
            }
        }
        _ => rows.push(failed("2, 3 window", anyhow::anyhow!("skipped: no --app-binary and --bare-binary"))),
    }
    match (&options.app_deb, &options.bare_deb) {
        (Some(app), Some(bare)) => {
            let size = |path: &Path| -> Result<f64> {
                Ok(std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.len()
                    as f64
                    / 1048576.0)
            };
            match (size(app), size(bare)) {
                (Ok(polso), Ok(baseline)) => rows.push(Row {
                    benchmark: "2 installer".to_owned(),
                    figure: ".deb MiB".to_owned(),
                    polso,
                    baseline,
                    target: 1.5,
                    direction: Direction::AtMost,
                    notes: "tauri build --bundles deb, release".to_owned(),
                }),
                (Err(error), _) | (_, Err(error)) => rows.push(failed("2 installer", error)),
            }
        }
        _ => rows.push(failed("2 installer", anyhow::anyhow!("skipped: no --app-deb and --bare-deb"))),
    }

    // 4. Server ingest at N and 2N devices, on SQLite, and on PostgreSQL with one and two servers.
    for (label, store_arguments) in [
        ("4 server ingest", &[][..]),
        ("4 server ingest, PostgreSQL", &["--store", "postgres"][..]),
        ("4 server ingest, PostgreSQL, 2 servers", &["--store", "postgres", "--replicas", "2"][..]),
    ] {
        let result = (|| -> Result<()> {
            let mut runs = Vec::new();
            for devices in [sizes.devices, 2 * sizes.devices] {
                let mut arguments: Vec<String> = vec![
                    "ingest".into(),
                    "--devices".into(),
                    devices.to_string(),
                    "--server-binary".into(),
                    text(&options.server_binary),
                    "--work-dir".into(),
                    work_dir.clone(),
                ];
                arguments.extend(store_arguments.iter().map(|argument| (*argument).to_owned()));
                runs.push(child(&arguments, &[])?);
            }
            let last = &runs[1];
            let errors = number(&last["polso"]["errors"]);
            rows.push(Row {
            benchmark: label.to_owned(),
            figure: "reports/s".to_owned(),
            polso: if errors == 0.0 { number(&last["polso"]["reports_per_second"]) } else { 0.0 },
            baseline: number(&last["baseline"]["reports_per_second"]),
            target: 0.5,
            direction: Direction::AtLeast,
            notes: format!(
                "{} devices, {} clients; latency p50 {} p90 {} p99 {} max {} ms; {} errors {}; {} counted; \
                 server peak {} MiB{}",
                last["devices"],
                last["clients"],
                format_number(number(&last["polso"]["p50_ms"])),
                format_number(number(&last["polso"]["p90_ms"])),
                format_number(number(&last["polso"]["p99_ms"])),
                format_number(number(&last["polso"]["max_ms"])),
                last["polso"]["errors"],
                last["polso"]["first_errors"],
                last["polso"]["counted"],
                format_number(number(&last["polso"]["server_peak_memory_mib"])),
                match last["baseline_without_history"]["reports_per_second"].as_f64() {
                    Some(rate) => format!(
                        "; the bare loop with its WAL truncated after every commit (no history in the files, \
                         as the server keeps it): {} reports/s over {} reports, so Polso is {:.2}x it",
                        format_number(rate),
                        last["baseline_without_history"]["reports"],
                        number(&last["polso"]["reports_per_second"]) / rate
                    ),
                    None => String::new(),
                }
            ),
        });
            for (name, path) in [("Polso", "polso"), ("baseline", "baseline")] {
                scaling.push(format!(
                    "| {label}, {name} | seconds for {} / {} reports | {} / {} | {:.2}x |",
                    runs[0]["devices"],
                    runs[1]["devices"],
                    format_number(number(&runs[0][path]["seconds"])),
                    format_number(number(&runs[1][path]["seconds"])),
                    growth(number(&runs[0][path]["seconds"]), number(&runs[1][path]["seconds"]))
                ));
            }
            scaling.push(format!(
                "| {label} | server peak MiB | {} / {} | {:.2}x |",
                format_number(number(&runs[0]["polso"]["server_peak_memory_mib"])),
                format_number(number(&runs[1]["polso"]["server_peak_memory_mib"])),
                growth(
                    number(&runs[0]["polso"]["server_peak_memory_mib"]),
                    number(&runs[1]["polso"]["server_peak_memory_mib"])
                )
            ));
            raw.push((label.to_owned(), Value::Array(runs)));
            Ok(())
        })();
        if let Err(error) = result {
            rows.push(failed(label, error));
        }
    }

    // 5. HR queries at N and 2N teams, on SQLite and on PostgreSQL.
    for (label, store_arguments) in
        [("5 HR queries", &[][..]), ("5 HR queries, PostgreSQL", &["--store", "postgres"][..])]
    {
        let result = (|| -> Result<()> {
            let mut runs = Vec::new();
            for teams in [sizes.hr_teams, 2 * sizes.hr_teams] {
                let mut arguments: Vec<String> = vec![
                    "hr".into(),
                    "--teams".into(),
                    teams.to_string(),
                    "--server-binary".into(),
                    text(&options.server_binary),
                    "--work-dir".into(),
                    work_dir.clone(),
                ];
                arguments.extend(store_arguments.iter().map(|argument| (*argument).to_owned()));
                runs.push(child(&arguments, &[])?);
            }
            let last = &runs[1];
            for (query, figure) in [
                ("heatmap", "heatmap ms (26 weeks against 26, every team × metric)"),
                ("trend", "trend ms (15 metrics, organisation, all weeks)"),
            ] {
                rows.push(Row {
                    benchmark: label.to_owned(),
                    figure: figure.to_owned(),
                    polso: number(&last[query]["polso_ms"]),
                    baseline: number(&last[query]["baseline_ms"]),
                    target: 2.0,
                    direction: Direction::AtMost,
                    notes: format!(
                        "{} employees, {} teams, {} weeks; {} rows read, {} cells served; ServerStore read \
                     alone {} ms; server peak {} MiB",
                        last["employees"],
                        last["teams"],
                        last["weeks"],
                        last[query]["rows"],
                        last[query]["cells"],
                        format_number(number(&last[query]["store_ms"])),
                        format_number(number(&last["server_peak_memory_mib"]))
                    ),
                });
                scaling.push(format!(
                "| {label}, {query}, Polso (raw SQL) | ms for {} / {} teams | {} / {} ({} / {}) | {:.2}x ({:.2}x) |",
                runs[0]["teams"],
                runs[1]["teams"],
                format_number(number(&runs[0][query]["polso_ms"])),
                format_number(number(&runs[1][query]["polso_ms"])),
                format_number(number(&runs[0][query]["baseline_ms"])),
                format_number(number(&runs[1][query]["baseline_ms"])),
                growth(number(&runs[0][query]["polso_ms"]), number(&runs[1][query]["polso_ms"])),
                growth(number(&runs[0][query]["baseline_ms"]), number(&runs[1][query]["baseline_ms"]))
            ));
            }
            scaling.push(format!(
                "| {label} | server peak MiB | {} / {} | {:.2}x |",
                format_number(number(&runs[0]["server_peak_memory_mib"])),
                format_number(number(&runs[1]["server_peak_memory_mib"])),
                growth(
                    number(&runs[0]["server_peak_memory_mib"]),
                    number(&runs[1]["server_peak_memory_mib"])
                )
            ));
            raw.push((label.to_owned(), Value::Array(runs)));
            Ok(())
        })();
        if let Err(error) = result {
            rows.push(failed(label, error));
        }
    }

    // 6. Linkage at N and 2N teams.
    let result = (|| -> Result<()> {
        let mut runs = Vec::new();
        for teams in [sizes.linkage_teams, 2 * sizes.linkage_teams] {
            runs.push(child(
                &[
                    "linkage".into(),
                    "--teams".into(),
                    teams.to_string(),
                    "--python".into(),
                    text(&options.python),
                    "--work-dir".into(),
                    work_dir.clone(),
                ],
                &[],
            )?);
        }
        let last = &runs[1];
        let cells = number(&last["cells"]);
        let (polso_wall, pandas_wall) =
            (number(&last["polso"]["seconds"]), number(&last["baseline"]["seconds"]));
        rows.push(Row {
            benchmark: "6 linkage".to_owned(),
            figure: "grid cells per CPU second".to_owned(),
            polso: cells / number(&last["polso"]["cpu_seconds"]),
            baseline: cells / number(&last["baseline"]["cpu_seconds"]),
            target: 10.0,
            direction: Direction::AtLeast,
            notes: format!(
                "{} cells over {} teams × {} weeks; CPU {} s vs {} s, wall {} s vs {} s ({:.2}x); {} numbers equal \
                 to 1e-9 (largest difference {:.1e}); peak {} vs {} MiB",
                last["cells"],
                last["teams"],
                last["weeks"],
                format_number(number(&last["polso"]["cpu_seconds"])),
                format_number(number(&last["baseline"]["cpu_seconds"])),
                format_number(polso_wall),
                format_number(pandas_wall),
                pandas_wall / polso_wall,
                last["numbers_compared"],
                number(&last["largest_difference"]),
                format_number(number(&last["polso"]["peak_memory_mib"])),
                format_number(number(&last["baseline"]["peak_memory_mib"]))
            ),
        });
        for (name, path) in [("Polso", "polso"), ("pandas", "baseline")] {
            scaling.push(format!(
                "| 6 linkage, {name} | CPU seconds (peak MiB) for {} / {} teams | {} / {} ({} / {}) | {:.2}x ({:.2}x) |",
                runs[0]["teams"],
                runs[1]["teams"],
                format_number(number(&runs[0][path]["cpu_seconds"])),
                format_number(number(&runs[1][path]["cpu_seconds"])),
                format_number(number(&runs[0][path]["peak_memory_mib"])),
                format_number(number(&runs[1][path]["peak_memory_mib"])),
                growth(number(&runs[0][path]["cpu_seconds"]), number(&runs[1][path]["cpu_seconds"])),
                growth(number(&runs[0][path]["peak_memory_mib"]), number(&runs[1][path]["peak_memory_mib"]))
            ));
        }
        raw.push(("linkage".to_owned(), Value::Array(runs)));
        Ok(())
    })();
    if let Err(error) = result {
        rows.push(failed("6 linkage", error));
    }

    // 7. Two-server aggregation, at N and 2N reports.
    let result = (|| -> Result<()> {
        let mut runs = Vec::new();
        for reports in [sizes.two_server_reports, 2 * sizes.two_server_reports] {
            runs.push(child(
                &[
                    "two-server".into(),
                    "--reports".into(),
                    reports.to_string(),
                    "--work-dir".into(),
                    work_dir.clone(),
                ],
                &[],
            )?);
        }
        let last = &runs[1];
        rows.push(Row {
            benchmark: "7 two servers".to_owned(),
            figure: "ingest reports/s".to_owned(),
            polso: number(&last["two_servers"]["reports_per_s"]),
            baseline: number(&last["one_server"]["reports_per_s"]),
            target: 0.25,
            direction: Direction::AtLeast,
            notes: format!(
                "{} reports, {} teams, {} cells a report; leader keeps {} s, both verify {} s (in process); the app \
                 shards and seals in {} ms a report",
                last["reports"],
                last["teams"],
                last["cells"],
                format_number(number(&last["two_servers"]["accept_s"])),
                format_number(number(&last["two_servers"]["verify_s"])),
                format_number(number(&last["two_servers"]["shard_ms_per_report"]))
            ),
        });
        rows.push(Row {
            benchmark: "7 two servers".to_owned(),
            figure: "publication ms (one week, differential privacy on)".to_owned(),
            polso: number(&last["two_servers"]["publish_ms"]),
            baseline: number(&last["one_server"]["publish_ms"]),
            target: 4.0,
            direction: Direction::AtMost,
            notes: "counts opened, the one-server decision, each server's own noise, shares combined"
                .to_owned(),
        });
        rows.push(Row {
            benchmark: "7 two servers".to_owned(),
            figure: "upload bytes per report (JSON as sent)".to_owned(),
            polso: number(&last["upload_json_bytes"]),
            baseline: number(&last["plain_report_bytes"]),
            target: 16.0,
            direction: Direction::AtMost,
            notes: format!(
                "{} bytes of shares before base64; the plain report is padded to one size",
                last["upload_bytes"]
            ),
        });
        scaling.push(format!(
            "| 7 two servers, ingest | seconds for {} / {} reports | {} / {} | {:.2}x |",
            runs[0]["reports"],
            runs[1]["reports"],
            format_number(number(&runs[0]["two_servers"]["ingest_s"])),
            format_number(number(&runs[1]["two_servers"]["ingest_s"])),
            growth(number(&runs[0]["two_servers"]["ingest_s"]), number(&runs[1]["two_servers"]["ingest_s"]))
        ));
        raw.push(("two_server".to_owned(), Value::Array(runs)));
        Ok(())
    })();
    if let Err(error) = result {
        rows.push(failed("7 two servers", error));
    }

    // 8. Ten years of history (and a year), on one device.
    let result = (|| -> Result<()> {
        let mut runs = Vec::new();
        for weeks in [52, 520] {
            runs.push(child(&["history".into(), "--weeks".into(), weeks.to_string()], &[])?);
        }
        let last = &runs[1];
        rows.push(Row {
            benchmark: "8 ten years of history".to_owned(),
            figure: "median ms, the History view's read".to_owned(),
            polso: number(&last["polso"]["history_median_ms"]),
            baseline: number(&last["baseline"]["median_ms"]),
            target: 2.0,
            direction: Direction::AtMost,
            notes: format!(
                "{} weeks, {} rows read bare; a sync pass's store half {} ms, the week's pulse {} ms",
                last["weeks"],
                last["rows_read_bare"],
                format_number(number(&last["polso"]["prepare_sync_median_ms"])),
                format_number(number(&last["polso"]["current_pulse_median_ms"]))
            ),
        });
        for (figure, path) in
            [("history", "history_median_ms"), ("sync's store half", "prepare_sync_median_ms")]
        {
            scaling.push(format!(
                "| 8 history, {figure} | median ms for 52 / 520 weeks | {} / {} | {:.2}x |",
                format_number(number(&runs[0]["polso"][path])),
                format_number(number(&runs[1]["polso"][path])),
                growth(number(&runs[0]["polso"][path]), number(&runs[1]["polso"][path]))
            ));
        }
        raw.push(("history".to_owned(), Value::Array(runs)));
        Ok(())
    })();
    if let Err(error) = result {
        rows.push(failed("8 history", error));
    }

    let mut report = table(&rows);
    report.push_str("\n| scaling | figure | at N / 2N | growth |\n|---|---|---|---:|\n");
    for line in &scaling {
        report.push_str(line);
        report.push('\n');
    }
    println!("\n{report}");
    let mut missed: Vec<&str> =
        rows.iter().filter(|row| !row.met()).map(|row| row.benchmark.as_str()).collect();
    missed.dedup();
    if !missed.is_empty() {
        println!("targets missed or not measured: {}", missed.join(", "));
    }
    std::fs::write(options.work_dir.join("results.md"), &report)?;
    let raw: serde_json::Map<String, Value> = raw.into_iter().collect();
    std::fs::write(
        options.work_dir.join("results.json"),
        serde_json::to_vec_pretty(&serde_json::json!({"rows": rows, "raw": raw}))?,
    )?;
    eprintln!("results written to {}", options.work_dir.join("results.md").display());
    Ok(())
}
