//! `cargo xtask bench [--quick]`: Polso's benchmarks against the limits
//! (BENCHMARKS.md). Builds what they measure in release mode, Polso's and the
//! bare window's .deb included, prepares the reference Python with pandas and
//! scipy, then runs `polso-bench all` inside a private D-Bus session with an
//! unlocked keyring and a virtual display, as the end-to-end tests run.
//!
//! Kept out of `cargo xtask test`: a full run takes about half an hour on two
//! cores, and its figures are ratios to read, not assertions to pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::{ensure_tauri_driver, prepare, reference_python, run_in, set_owner_only, tempfile_dir};

/// Runs every benchmark; `--quick` runs them at a tenth of the size.
pub fn run(root: &Path, arguments: &[String]) -> Result<()> {
    let quick = match arguments {
        [] => false,
        [flag] if flag == "--quick" => true,
        _ => bail!("usage: cargo xtask bench [--quick]"),
    };
    prepare(root)?;
    let python = reference_python(root)?;
    run_in(root, "cargo", &["build", "--release", "--package", "polso-bench", "--package", "polso-server"])?;
    // The installers, built the way a release is; this also builds both
    // windows' release binaries with their assets embedded.
    let tauri = root.join("ui/node_modules/.bin/tauri");
    let tauri = tauri.to_str().context("the Tauri CLI's path is not UTF-8")?;
    // From the root, as `cargo xtask package` does: the CLI then runs the
    // app's `beforeBuildCommand` (`npm run build`) in `ui/`.
    run_in(root, tauri, &["build", "--bundles", "deb"])?;
    run_in(&root.join("benches/bare-window"), tauri, &["build", "--bundles", "deb"])?;
    ensure_tauri_driver()?;

    let release = root.join("target/release");
    let app_deb = newest_deb(&release.join("bundle/deb"), "Polso_")?;
    let bare_deb = newest_deb(&release.join("bundle/deb"), "Polso bare window_")?;
    let work_dir = root.join("target/bench");
    let mut command = vec![
        release.join("polso-bench").display().to_string(),
        "all".to_owned(),
        "--server-binary".to_owned(),
        release.join("polso-server").display().to_string(),
        "--python".to_owned(),
        python,
        "--app-binary".to_owned(),
        release.join("polso").display().to_string(),
        "--bare-binary".to_owned(),
        release.join("polso-bare-window").display().to_string(),
        "--app-deb".to_owned(),
        app_deb.display().to_string(),
        "--bare-deb".to_owned(),
        bare_deb.display().to_string(),
        "--work-dir".to_owned(),
        work_dir.display().to_string(),
    ];
    if quick {
        command.push("--quick".to_owned());
    }
    run_in_desktop_session(root, &command)
}

/// The newest `.deb` in `directory` whose name starts with `prefix`.
fn newest_deb(directory: &Path, prefix: &str) -> Result<PathBuf> {
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(directory).with_context(|| format!("listing {}", directory.display()))? {
        let path = entry?.path();
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with(prefix) && name.ends_with(".deb") {
            found.push((path.metadata()?.modified()?, path));
        }
    }
    found.sort();
    found.pop().map(|(_, path)| path).with_context(|| format!("no {prefix}*.deb in {}", directory.display()))
}

/// Runs `command` under `dbus-run-session` with an unlocked gnome-keyring and
/// `xvfb-run`, each argument passed through unchanged (paths may hold spaces).
fn run_in_desktop_session(root: &Path, command: &[String]) -> Result<()> {
    let session = tempfile_dir()?;
    let runtime_dir = session.join("run");
    let data_home = session.join("data");
    std::fs::create_dir_all(&data_home)?;
    std::fs::create_dir_all(&runtime_dir)?;
    set_owner_only(&runtime_dir)?;
    let script = "echo -n polso-bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
                  exec xvfb-run -a -s '-screen 0 1280x800x24' \"$@\"";
    eprintln!("$ dbus-run-session -- bash -c \"{script}\" bash {}", command.join(" "));
    let status = Command::new("timeout")
        .args(["5400", "dbus-run-session", "--", "bash", "-c", script, "bash"])
        .args(command)
        .current_dir(root)
        .env("XDG_DATA_HOME", &data_home)
        .env("XDG_RUNTIME_DIR", &runtime_dir)
        .status()
        .context("starting dbus-run-session")?;
    let _ = std::fs::remove_dir_all(&session);
    if !status.success() {
        bail!("the benchmarks failed ({status})");
    }
    Ok(())
}
