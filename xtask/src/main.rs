//! Polso's project tasks, run as `cargo xtask <task>`.
//!
//! Kept in Rust so the same steps run the same way on every machine; `.ci/run`
//! only installs what a fresh machine lacks and then calls `cargo xtask test`.
//!
//! - `run`: builds the UI, starts the demo server (`polso-server demo`) and the app beside it (the README's first command).
//! - `test`: every check and every test (the README's second command).
//! - `codegen`: regenerates the TypeScript bindings of the wire types.
//! - `tidy`: the repository's own rules, also run by `test`.
//! - `bench [--quick]`: the benchmarks against the limits (BENCHMARKS.md); not part of `test`.
//! - `screenshots [--check]`: copies the README's screenshots from the last end-to-end run into `docs/screenshots/` (`test` fails when they no longer match the app), or with `--check` only compares them.
//! - `package`: builds the .deb, installs it and starts it (the last step of `test`).
//! - `postgres`: starts a throw-away PostgreSQL on a free loopback port and prints its URL, until Ctrl-C (for `polso-server --database-url` by hand).
//! - `faults [--fuzz [SECONDS]]`: the long fault, load and attack suite, or the fuzzers (README, "Reliability").

mod bench;
mod dependencies;
mod faults;
mod import_cycles;
mod package;
mod screenshots;
mod source_files;
mod test_output;
mod tidy;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "run" => run_app(),
        "test" => test_everything(),
        "codegen" => codegen(),
        "tidy" => tidy::check(&root()),
        "deps" => dependencies::check(&root()),
        "bench" => bench::run(&root(), &std::env::args().skip(2).collect::<Vec<_>>()),
        "faults" => faults::run(&root(), &std::env::args().skip(2).collect::<Vec<_>>()),
        "package" => package::build_install_and_check(&root()),
        "screenshots" => match std::env::args().nth(2).as_deref() {
            None => screenshots::refresh(&root()),
            // The check `test` ends with, on the last end-to-end run's screenshots, however old.
            Some("--check") => screenshots::check_current(&root(), std::time::SystemTime::UNIX_EPOCH),
            Some(other) => bail!("unknown option '{other}' of screenshots; the one option is --check"),
        },
        "postgres" => run_postgres(),
        _ => bail!(
            "unknown task '{task}'; tasks: run, test, codegen, tidy, deps, bench, faults, package, screenshots, postgres"
        ),
    }
}

/// The repository's root directory.
fn root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(Path::to_owned).unwrap_or(manifest_dir)
}

/// Runs a command in `dir`, failing with its command line when it fails.
fn run_in(dir: &Path, program: &str, args: &[&str]) -> Result<()> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("starting {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed with {status}", args.join(" "));
    }
    Ok(())
}

/// Installs what the system lacks, then the UI's packages at the versions of
/// the committed lock file, then builds the UI.
///
/// `npm install` rather than `npm ci`: the Tauri CLI's prebuilt binaries are
/// optional packages, one per platform, and a registry that serves only this
/// platform's (as some mirrors do) leaves the others out of the lock file,
/// which `npm ci` refuses as out of sync; `npm install` installs the locked
/// versions and skips what this platform does not need.
fn prepare(root: &Path) -> Result<()> {
    run_in(root, "bash", &["scripts/install-system-packages.sh"])?;
    let ui = root.join("ui");
    run_in(&ui, "npm", &["install", "--no-audit", "--no-fund"])?;
    run_in(&ui, "npm", &["run", "build"])
}

/// The README's first command: build everything, start the demo server
/// (`polso-server demo`: the synthetic organisation, seeded on the first run,
/// on the same address each run while its port is free) and open the app
/// beside it with the demo's environment. The app keeps its demo data under
/// `target/demo/app`, apart from a real installation's. Ctrl-C, or the app
/// ending (its window closed), stops both and returns.
fn run_app() -> Result<()> {
    let root = root();
    prepare(&root)?;
    run_in(&root, "cargo", &["build", "--package", "polso-app", "--package", "polso-server"])?;
    let demo_dir = root.join("target/demo");
    std::fs::create_dir_all(&demo_dir)?;
    let stop_requested = Arc::new(AtomicBool::new(false));
    let flag = stop_requested.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).context("listening for Ctrl-C")?;

    let (mut server, facts) = start_demo_server(&root.join("target/debug/polso-server"), &demo_dir)?;
    print_demo_block(&facts, &demo_dir);
    let mut app = Command::new(root.join("target/debug/polso"));
    app.env("POLSO_DATA_DIR", demo_dir.join("app"));
    for (name, value) in demo_environment(&facts) {
        app.env(name, value);
    }
    let app = app.spawn().context("starting Polso");
    let outcome = match app {
        Ok(app) => wait_for_app_or_ctrl_c(app, &stop_requested),
        Err(error) => Err(error),
    };
    stop(&mut server);
    outcome
}

/// Starts `polso-server demo` on `demo_dir`, its log into `demo_dir/server.log`,
/// and waits until it listens; returns it with the facts it wrote.
fn start_demo_server(server_binary: &Path, demo_dir: &Path) -> Result<(Child, serde_json::Value)> {
    let log_path = demo_dir.join("server.log");
    let log = std::fs::File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let mut server = Command::new(server_binary)
        .arg("demo")
        .arg("--dir")
        .arg(demo_dir)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .context("starting the demo server")?;
    let mut first_line = String::new();
    if let Some(stdout) = server.stdout.take() {
        BufReader::new(stdout).read_line(&mut first_line).context("reading the demo server's address")?;
    }
    if !first_line.starts_with("polso-server listening on ") {
        stop(&mut server);
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        bail!("the demo server did not start:\n{log}");
    }
    let facts_path = demo_dir.join("demo.json");
    let facts: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&facts_path).with_context(|| format!("reading {}", facts_path.display()))?,
    )
    .with_context(|| format!("reading {}", facts_path.display()))?;
    Ok((server, facts))
}

/// The environment the demo's facts ask the app to be started with.
fn demo_environment(facts: &serde_json::Value) -> Vec<(String, String)> {
    facts["app_environment"]
        .as_array()
        .map(|pairs| {
            pairs
                .iter()
                .filter_map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

/// Prints what a person trying the demo needs, in one block.
fn print_demo_block(facts: &serde_json::Value, demo_dir: &Path) {
    let text = |key: &str| facts[key].as_str().unwrap_or_default().to_owned();
    let mut block = String::new();
    block.push_str("\n================ Polso demo ================\n");
    block.push_str(&format!("Organisation:   {}\n", text("organisation_name")));
    block.push_str(&format!("Server address: {}\n", text("server_url")));
    if facts["address_changed"].as_bool() == Some(true) {
        block.push_str("                (the last run's port was taken; the app follows the new address)\n");
    }
    block.push_str(&format!("HR token:       {}\n", text("hr_token")));
    if facts["helper_party"].is_string() {
        block.push_str(&format!(
            "Helper server:  {} at {} (two-server aggregation of the last weeks; key fingerprint {})\n",
            text("helper_party"),
            text("helper_url"),
            text("helper_fingerprint")
        ));
    }
    let until = text("invites_expire_at").get(..10).map(str::to_owned).unwrap_or_default();
    block.push_str(&format!("Invite codes (working until {until}; a later run makes new ones):\n"));
    for invite in facts["invites"].as_array().into_iter().flatten() {
        let field = |key: &str| invite[key].as_str().unwrap_or_default().to_owned();
        block.push_str(&format!("  {} / {}: {}\n", field("department"), field("team"), field("code")));
    }
    block.push_str(&format!("Personal codes ({}, one device each):\n", text("app_team")));
    for code in facts["personal_codes"].as_array().into_iter().flatten() {
        block.push_str(&format!("  {}\n", code.as_str().unwrap_or_default()));
    }
    block.push_str(&format!(
        "The app is enrolled in {} and HR is connected already; the server's log is in {}.\n",
        text("app_team"),
        demo_dir.join("server.log").display()
    ));
    block.push_str("Close Polso (or press Ctrl-C here) to stop the demo.\n");
    block.push_str("============================================\n");
    eprintln!("{block}");
}

/// Waits until the app ends or Ctrl-C is pressed; then the app is stopped.
/// Ending by Ctrl-C is a clean end; so is the app quitting on its own.
fn wait_for_app_or_ctrl_c(mut app: Child, stop_requested: &AtomicBool) -> Result<()> {
    loop {
        if stop_requested.load(Ordering::SeqCst) {
            stop(&mut app);
            eprintln!("Polso and the demo server stopped.");
            return Ok(());
        }
        if let Some(status) = app.try_wait().context("waiting for Polso")? {
            // A signal while Ctrl-C was being pressed is the same clean end.
            if status.success() || stop_requested.load(Ordering::SeqCst) {
                return Ok(());
            }
            bail!("Polso exited with {status}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Asks a child process to end (SIGTERM), then kills it if it has not within five seconds.
fn stop(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The README's second command: every check and every test.
fn test_everything() -> Result<()> {
    let root = root();
    let tree_before = git_status(&root)?;
    prepare(&root)?;
    let ui = root.join("ui");
    run_in(&ui, "npm", &["run", "check"])?;
    run_in(&ui, "npm", &["test"])?;
    run_in(&root, "cargo", &["fmt", "--all", "--check"])?;
    tidy::check(&root)?;
    dependencies::check(&root)?;
    run_in(&root, "cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    check_docs_and_the_core_alone(&root)?;
    // The end-to-end tests start the app's and the server's binaries
    // themselves. Built with the whole workspace's targets so that features
    // unify as in `cargo test --workspace`, which then reuses every artifact;
    // building the two packages alone would compile about 180 crates twice.
    run_in(&root, "cargo", &["build", "--workspace", "--all-targets"])?;
    ensure_tauri_driver()?;
    let reference_python = reference_python(&root)?;
    let postgres = polso_test_support::postgres::TempPostgres::start()?;
    let tests_started = std::time::SystemTime::now();
    run_tests_in_desktop_session(&root, &reference_python, &postgres.url)?;
    run_server_suite_on_postgres(&root, &postgres.url)?;
    drop(postgres);
    // The README's screenshots against the ones the end-to-end tests just made.
    screenshots::check_current(&root, tests_started)?;
    // Last, as the slowest: a release build into a .deb, installed and started.
    package::build_install_and_check(&root)?;
    ensure_tree_unchanged(&root, tree_before.as_deref())
}

/// The API documentation builds with no warning (a broken link fails it; private items are
/// documented, since these are the developers' docs), and the core builds alone: a feature that
/// only another crate turns on (the clock, say) cannot hide there.
fn check_docs_and_the_core_alone(root: &Path) -> Result<()> {
    let arguments = ["doc", "--workspace", "--no-deps", "--document-private-items"];
    eprintln!("$ cargo {}", arguments.join(" "));
    let status = Command::new("cargo")
        .args(arguments)
        .env("RUSTDOCFLAGS", "-D warnings -A rustdoc::private_intra_doc_links")
        .current_dir(root)
        .status()
        .context("starting cargo doc")?;
    if !status.success() {
        bail!("`cargo {}` failed with {status}: fix the documentation it names", arguments.join(" "));
    }
    run_in(root, "cargo", &["check", "--package", "polso-core", "--lib"])
}

/// `git status --porcelain` of the work tree (untracked and ignored-by-nothing
/// files included), or `None` with a message where there is no git or no
/// repository to ask.
fn git_status(root: &Path) -> Result<Option<String>> {
    if !root.join(".git").exists() {
        eprintln!("no .git in {}: the check that the tests leave the tree clean is skipped", root.display());
        return Ok(None);
    }
    let output = match Command::new("git").args(["status", "--porcelain"]).current_dir(root).output() {
        Ok(output) => output,
        Err(error) => {
            eprintln!(
                "git could not be started ({error}): the check that the tests leave the tree clean is skipped"
            );
            return Ok(None);
        }
    };
    if !output.status.success() {
        bail!("`git status --porcelain` failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned()))
}

/// Fails when the work tree's status differs from the one recorded before the tests.
fn ensure_tree_unchanged(root: &Path, before: Option<&str>) -> Result<()> {
    let Some(before) = before else { return Ok(()) };
    let Some(after) = git_status(root)? else { return Ok(()) };
    tree_unchanged(before, &after)
}

/// Fails, showing both, when `after` (`git status --porcelain`) differs from `before`.
fn tree_unchanged(before: &str, after: &str) -> Result<()> {
    if after != before {
        bail!(
            "the tests changed the work tree; `git status --porcelain` before:\n{before}\nafter:\n{after}\n\
             A test or a build step writes into the repository; make it write under target/ or a temporary directory"
        );
    }
    Ok(())
}

/// The Python interpreter with numpy and scipy that the linkage statistics
/// are checked against; `scripts/python-reference-env.sh` prepares it.
fn reference_python(root: &Path) -> Result<String> {
    eprintln!("$ bash scripts/python-reference-env.sh");
    let output = Command::new("bash")
        .arg("scripts/python-reference-env.sh")
        .current_dir(root)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("preparing the reference Python environment")?;
    if !output.status.success() {
        bail!("scripts/python-reference-env.sh failed ({})", output.status);
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// Installs tauri-driver, the WebDriver bridge of the end-to-end tests, if absent.
fn ensure_tauri_driver() -> Result<()> {
    ensure_cargo_tool(("tauri-driver", "tauri-driver", "2.1.0"))
}

/// Installs `(binary, package, version)` with `cargo install --locked` when
/// `binary` cannot be started.
pub(crate) fn ensure_cargo_tool((binary, package, version): (&str, &str, &str)) -> Result<()> {
    let found = Command::new(binary).arg("--help").output().is_ok();
    if found {
        return Ok(());
    }
    run_in(&root(), "cargo", &["install", package, "--locked", "--version", version])
}

/// Whether a small tmpfs mounts here (root, or `CAP_SYS_ADMIN`), as the full-disk tests need;
/// why not, when it does not.
fn can_mount_a_small_disk(scratch: &Path) -> std::result::Result<(), String> {
    let point = scratch.join("small-disk-probe");
    std::fs::create_dir_all(&point).map_err(|error| error.to_string())?;
    let mounted =
        Command::new("mount").args(["-t", "tmpfs", "-o", "size=64k", "polso-probe"]).arg(&point).output();
    let result = match mounted {
        Ok(output) if output.status.success() => {
            let _ = Command::new("umount").arg(&point).status();
            Ok(())
        }
        Ok(output) => Err(String::from_utf8_lossy(&output.stderr).trim().to_owned()),
        Err(error) => Err(error.to_string()),
    };
    let _ = std::fs::remove_dir(&point);
    result
}

/// Runs `cargo test --workspace` inside a private D-Bus session with an
/// unlocked gnome-keyring and a virtual display, so the store's keyring tests
/// and the end-to-end tests use the real keyring and a real window.
/// `postgres_url` is a PostgreSQL the tests may create schemas in: the
/// PostgreSQL store's own tests run against it.
fn run_tests_in_desktop_session(root: &Path, reference_python: &str, postgres_url: &str) -> Result<()> {
    let session = tempfile_dir()?;
    let runtime_dir = session.join("run");
    let data_home = session.join("data");
    std::fs::create_dir_all(&data_home)?;
    std::fs::create_dir_all(&runtime_dir)?;
    set_owner_only(&runtime_dir)?;
    let mut skip_small_disk: Vec<(&str, &str)> = Vec::new();
    if let Err(why) = can_mount_a_small_disk(&session) {
        eprintln!(
            "this machine cannot mount a tmpfs ({why}): the full-disk tests will say they were skipped"
        );
        skip_small_disk.push(("POLSO_TEST_NO_SMALL_DISK", "1"));
    }
    let script = "echo -n polso-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
                  exec xvfb-run -a -s '-screen 0 1280x800x24' cargo test --workspace --no-fail-fast -- --test-threads=2 --include-ignored";
    eprintln!("$ dbus-run-session -- bash -c \"{script}\"");
    let mut command = Command::new("timeout");
    command
        .args(["1800", "dbus-run-session", "--", "bash", "-c", script])
        .current_dir(root)
        .env("XDG_DATA_HOME", &data_home)
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .env("POLSO_E2E", "1")
        .env("POLSO_TEST_KEYRING", "1")
        // A failing test's error without anyhow's backtrace, so the message
        // itself is what the end of the log shows; panics keep theirs.
        .env("RUST_LIB_BACKTRACE", "0")
        .env("POLSO_REFERENCE_PYTHON", reference_python)
        .env("POLSO_TEST_POSTGRES_URL", postgres_url)
        .envs(skip_small_disk);
    let status = test_output::run_and_repeat_failures(command).context("starting dbus-run-session")?;
    let _ = std::fs::remove_dir_all(&session);
    if !status.success() {
        bail!("the tests failed ({status})");
    }
    Ok(())
}

/// The server's integration suite again, every world on PostgreSQL
/// (`POLSO_TEST_STORE=postgres`): the same tests, the other store. The tests
/// that read the SQLite file itself are skipped, by name, with the reason.
fn run_server_suite_on_postgres(root: &Path, postgres_url: &str) -> Result<()> {
    let mut arguments = vec!["test", "--package", "polso-server", "--test", "it", "--", "--test-threads=2"];
    for (test, why) in SQLITE_ONLY_SERVER_TESTS {
        eprintln!("skipped on PostgreSQL: {test} ({why})");
        arguments.extend(["--skip", test]);
    }
    eprintln!("$ POLSO_TEST_STORE=postgres cargo {}", arguments.join(" "));
    let mut command = Command::new("cargo");
    command
        .args(&arguments)
        .current_dir(root)
        .env("POLSO_TEST_STORE", "postgres")
        .env("POLSO_TEST_POSTGRES_URL", postgres_url)
        .env("RUST_LIB_BACKTRACE", "0");
    let status = test_output::run_and_repeat_failures(command).context("starting cargo test")?;
    if !status.success() {
        bail!("the server's suite failed on PostgreSQL ({status})");
    }
    Ok(())
}

/// Server tests that open or search the SQLite file itself, so have no
/// PostgreSQL counterpart; with why.
const SQLITE_ONLY_SERVER_TESTS: &[(&str, &str)] = &[
    (
        "personal_codes::the_database_holds_no_link_between_a_personal_code_and_the_device_it_enrolled",
        "searches every cell of the SQLite file",
    ),
    ("two_server::neither_server_ever_holds_both_halves_of_a_report", "scans the leader's SQLite files"),
];

/// `cargo xtask postgres`: a throw-away PostgreSQL until Ctrl-C.
fn run_postgres() -> Result<()> {
    let postgres = polso_test_support::postgres::TempPostgres::start()?;
    println!("{}", postgres.url);
    println!("polso-server --database-url {} serve …   (Ctrl-C stops and deletes it)", postgres.url);
    let stop_requested = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop_requested);
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;
    while !stop_requested.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    drop(postgres);
    Ok(())
}

/// A fresh private directory under the system's temporary directory.
fn tempfile_dir() -> Result<PathBuf> {
    let output = Command::new("mktemp").args(["-d", "-t", "polso-test.XXXXXX"]).output()?;
    if !output.status.success() {
        bail!("mktemp failed");
    }
    Ok(PathBuf::from(String::from_utf8(output.stdout)?.trim()))
}

#[cfg(unix)]
fn set_owner_only(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

#[cfg(not(unix))]
fn set_owner_only(_dir: &Path) -> Result<()> {
    Ok(())
}

/// Writes the TypeScript bindings of the wire types into the UI.
fn codegen() -> Result<()> {
    let dir = root().join("ui/src/lib/bindings");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).context("clearing the old bindings")?;
    }
    polso_api::export_bindings(&dir).context("writing the TypeScript bindings")?;
    eprintln!("wrote ui/src/lib/bindings");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_changed_by_the_tests_fails_with_both_statuses() {
        assert!(tree_unchanged("", "").is_ok());
        assert!(
            tree_unchanged(" M README.md\n", " M README.md\n").is_ok(),
            "changes made before are not the tests'"
        );
        let error = tree_unchanged("", " M ui/package-lock.json\n").unwrap_err().to_string();
        assert!(error.contains("ui/package-lock.json"), "{error}");
        assert!(tree_unchanged("?? new.txt\n", "").is_err(), "a file removed is a change too");
    }
}
