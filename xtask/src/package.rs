//! The installer check of `cargo xtask test`: builds the Debian package with
//! the Tauri bundler (`tauri build --bundles deb`, a release build), installs
//! it with dpkg, and starts the installed `/usr/bin/polso` under a virtual
//! display to see that it shows its window. The other installers (AppImage,
//! MSI, NSIS, DMG, .app) are configured in `src-tauri/tauri.conf.json` and
//! built on their own systems; AppImage bundling downloads a helper, which
//! this machine cannot.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The installed binary.
const INSTALLED_BINARY: &str = "/usr/bin/polso";

/// Builds, installs and starts the .deb; prints how long the build took and the package's size.
pub fn build_install_and_check(root: &Path) -> Result<()> {
    let started = Instant::now();
    let tauri = root.join("ui/node_modules/.bin/tauri");
    let tauri = tauri.to_str().context("the repository's path is not UTF-8")?;
    crate::run_in(root, tauri, &["build", "--bundles", "deb"])?;
    let package = newest_deb(&root.join("target/release/bundle/deb"))?;
    let size = std::fs::metadata(&package)?.len();
    eprintln!(
        "built {} ({:.1} MiB) in {} s",
        package.display(),
        size as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs()
    );
    let package = package.to_str().context("the package's path is not UTF-8")?;
    as_root(root, &["dpkg", "--install", package])?;
    check_installed_app_shows_its_window(root)
}

/// The newest of Polso's own `.deb` files in `dir` (`Polso_<version>_<arch>.deb`;
/// the benchmarks' bare window builds its package beside it).
fn newest_deb(dir: &Path) -> Result<PathBuf> {
    let mut packages = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        let is_polso =
            path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.starts_with("Polso_"));
        if is_polso && path.extension().is_some_and(|extension| extension == "deb") {
            packages.push((std::fs::metadata(&path)?.modified()?, path));
        }
    }
    packages.sort();
    packages.pop().map(|(_, path)| path).with_context(|| format!("no .deb was built in {}", dir.display()))
}

/// Runs a command as root: directly when we are root, else through sudo.
fn as_root(root: &Path, command: &[&str]) -> Result<()> {
    let is_root = Command::new("id").arg("-u").output().is_ok_and(|output| output.stdout.starts_with(b"0\n"));
    match (is_root, command) {
        (true, [program, arguments @ ..]) => crate::run_in(root, program, arguments),
        (false, _) => crate::run_in(root, "sudo", command),
        (true, []) => bail!("no command to run as root"),
    }
}

/// Starts the installed app in its own D-Bus session and virtual display, with
/// a throwaway home and data directory (so the keyring it creates and its
/// store are thrown away too), and waits up to a minute for a top-level
/// window named "Polso" (xwininfo). The app is stopped either way.
fn check_installed_app_shows_its_window(root: &Path) -> Result<()> {
    let home = crate::tempfile_dir()?;
    let data_dir = home.join("polso-data");
    let script = format!(
        "{INSTALLED_BINARY} >/dev/null 2>&1 & app=$!; found=1; \
         for attempt in $(seq 120); do \
           if xwininfo -root -tree | grep -q '\"Polso\"'; then found=0; break; fi; sleep 0.5; \
         done; kill $app; wait $app 2>/dev/null; exit $found"
    );
    eprintln!("$ dbus-run-session -- xvfb-run -a bash -c \"{script}\"");
    let status = Command::new("timeout")
        .args([
            "120",
            "dbus-run-session",
            "--",
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1280x800x24",
            "bash",
            "-c",
        ])
        .arg(&script)
        .current_dir(root)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("POLSO_DATA_DIR", &data_dir)
        .status()
        .context("starting the installed app")?;
    let _ = std::fs::remove_dir_all(&home);
    if !status.success() {
        bail!(
            "the installed {INSTALLED_BINARY} did not show a window named Polso within a minute ({status})"
        );
    }
    eprintln!("the installed {INSTALLED_BINARY} started and showed its window");
    Ok(())
}
