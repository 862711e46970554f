//! Polso's project tasks, run as `cargo xtask <task>`.
//!
//! Kept in Rust so the same steps run the same way on every machine; `.ci/run`
//! only installs what a fresh machine lacks and then calls `cargo xtask test`.
//!
//! - `run`: builds the UI and starts the app (the README's first command).
//! - `test`: every check and every test (the README's second command).
//! - `codegen`: regenerates the TypeScript bindings of the wire types.
//! - `tidy`: the repository's own rules, also run by `test`.
//! - `bench [--quick]`: the benchmarks against the limits (BENCHMARKS.md); not part of `test`.
//! - `package`: builds the .deb, installs it and starts it (the last step of `test`).
//! - `faults [--fuzz [SECONDS]]`: the long fault, load and attack suite, or the fuzzers (README, "Reliability").

mod bench;
mod faults;
mod package;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "run" => run_app(),
        "test" => test_everything(),
        "codegen" => codegen(),
        "tidy" => tidy::check(&root()),
        "bench" => bench::run(&root(), &std::env::args().skip(2).collect::<Vec<_>>()),
        "faults" => faults::run(&root(), &std::env::args().skip(2).collect::<Vec<_>>()),
        "package" => package::build_install_and_check(&root()),
        _ => bail!("unknown task '{task}'; tasks: run, test, codegen, tidy, bench, faults, package"),
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

/// The README's first command: build everything, start a local demo server
/// seeded with a synthetic organisation, and open the app beside it. The app
/// keeps its demo data under `target/demo`, apart from a real installation's.
fn run_app() -> Result<()> {
    let root = root();
    prepare(&root)?;
    run_in(&root, "cargo", &["build", "--package", "polso-app", "--package", "polso-server"])?;
    let demo_dir = root.join("target/demo");
    std::fs::create_dir_all(&demo_dir)?;
    let server_binary = root.join("target/debug/polso-server");
    let server_db = demo_dir.join("server.db");
    let credentials = demo_dir.join("credentials.txt");
    if !server_db.exists() {
        let output = Command::new(&server_binary)
            .arg("--db")
            .arg(&server_db)
            .arg("demo-seed")
            .output()
            .context("seeding the demo organisation")?;
        if !output.status.success() {
            bail!("seeding the demo server failed:\n{}", String::from_utf8_lossy(&output.stderr));
        }
        std::fs::write(&credentials, &output.stdout)?;
    }
    let address = free_local_address()?;
    // The server's own delay settings: the app keeps at least an hour after a
    // week closes whatever a server announces, so a shorter one would only
    // mislead. The demo organisation's history is already on the server.
    let mut server = Command::new(&server_binary)
        .arg("--db")
        .arg(&server_db)
        .args(["serve", "--listen", &address])
        .spawn()
        .context("starting the demo server")?;
    eprintln!("\nDemo server: http://{address}");
    eprintln!("Demo organisation (also in target/demo/credentials.txt):");
    eprintln!("{}", std::fs::read_to_string(&credentials).unwrap_or_default());
    eprintln!(
        "To try sync: open \"Organisation\" in Polso, enter http://{address} and one of the invite codes.\n"
    );
    let hr_token = std::fs::read_to_string(&credentials)?
        .lines()
        .find_map(|line| line.strip_prefix("hr token: ").map(str::to_owned))
        .unwrap_or_default();
    let app = Command::new(root.join("target/debug/polso"))
        .env("POLSO_DATA_DIR", demo_dir.join("app"))
        .env("POLSO_DEMO_HR_SERVER", format!("http://{address}"))
        .env("POLSO_DEMO_HR_TOKEN", hr_token)
        .status()
        .context("starting Polso");
    let _ = server.kill();
    let _ = server.wait();
    let status = app?;
    if !status.success() {
        bail!("Polso exited with {status}");
    }
    Ok(())
}

/// A free address on the loopback interface, such as `127.0.0.1:40123`.
fn free_local_address() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.to_string())
}

/// The README's second command: every check and every test.
fn test_everything() -> Result<()> {
    let root = root();
    prepare(&root)?;
    let ui = root.join("ui");
    run_in(&ui, "npm", &["run", "check"])?;
    run_in(&ui, "npm", &["test"])?;
    run_in(&root, "cargo", &["fmt", "--all", "--check"])?;
    tidy::check(&root)?;
    run_in(&root, "cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    // The end-to-end tests start these binaries themselves.
    run_in(&root, "cargo", &["build", "--package", "polso-app", "--package", "polso-server"])?;
    ensure_tauri_driver()?;
    let reference_python = reference_python(&root)?;
    run_tests_in_desktop_session(&root, &reference_python)?;
    // Last, as the slowest: a release build into a .deb, installed and started.
    package::build_install_and_check(&root)
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
    let found = Command::new("tauri-driver").arg("--help").output().is_ok();
    if found {
        return Ok(());
    }
    run_in(&root(), "cargo", &["install", "tauri-driver", "--locked", "--version", "2.1.0"])
}

/// Runs `cargo test --workspace` inside a private D-Bus session with an
/// unlocked gnome-keyring and a virtual display, so the store's keyring tests
/// and the end-to-end tests use the real keyring and a real window.
fn run_tests_in_desktop_session(root: &Path, reference_python: &str) -> Result<()> {
    let session = tempfile_dir()?;
    let runtime_dir = session.join("run");
    let data_home = session.join("data");
    std::fs::create_dir_all(&data_home)?;
    std::fs::create_dir_all(&runtime_dir)?;
    set_owner_only(&runtime_dir)?;
    let script = "echo -n polso-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
                  exec xvfb-run -a -s '-screen 0 1280x800x24' cargo test --workspace --no-fail-fast -- --test-threads=2";
    eprintln!("$ dbus-run-session -- bash -c \"{script}\"");
    let status = Command::new("timeout")
        .args(["1800", "dbus-run-session", "--", "bash", "-c", script])
        .current_dir(root)
        .env("XDG_DATA_HOME", &data_home)
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .env("POLSO_E2E", "1")
        .env("POLSO_TEST_KEYRING", "1")
        .env("POLSO_REFERENCE_PYTHON", reference_python)
        .status()
        .context("starting dbus-run-session")?;
    let _ = std::fs::remove_dir_all(&session);
    if !status.success() {
        bail!("the tests failed ({status})");
    }
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
