//! The installer check of `cargo xtask test`: builds the Debian package with
//! the Tauri bundler (`tauri build --bundles deb`, a release build), checks
//! what it declares and holds (control fields, copyright, AppStream metadata,
//! desktop file, icons), installs it with dpkg, and starts the installed
//! `/usr/bin/polso` under a virtual display to see that it shows its window:
//! once as installed here, and once in a bubblewrap sandbox that hides the
//! tray library (which the package only recommends) and the -dev packages'
//! files, as on a user's machine that lacks them. The other installers
//! (AppImage, MSI, NSIS, DMG, .app) are configured in `src-tauri/tauri.conf.json`
//! and built on their own systems; AppImage bundling downloads a helper, which
//! this machine cannot.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};

/// The installed binary.
const INSTALLED_BINARY: &str = "/usr/bin/polso";

/// The installed AppStream metadata.
const INSTALLED_METAINFO: &str = "/usr/share/metainfo/app.polso.desktop.metainfo.xml";

/// The installed desktop file (the bundler names it after the product).
const INSTALLED_DESKTOP_FILE: &str = "/usr/share/applications/Polso.desktop";

/// The packages the .deb must depend on: the window's libraries (the Tauri
/// bundler adds them itself).
const REQUIRED_DEPENDS: &[&str] = &["libwebkit2gtk-4.1-0", "libgtk-3-0"];

/// The tray library's package: recommended, never required, as Polso starts without it.
const TRAY_PACKAGE: &str = "libayatana-appindicator3-1";

/// The packages whose libraries the sandboxed start hides: the tray library,
/// in Debian's current and older names.
const HIDDEN_TRAY_PACKAGES: &[&str] = &["libayatana-appindicator3-1", "libappindicator3-1"];

/// What the package must install, besides the binary.
const REQUIRED_FILES: &[&str] = &[
    "usr/share/doc/polso/copyright",
    "usr/share/metainfo/app.polso.desktop.metainfo.xml",
    "usr/share/applications/Polso.desktop",
    "usr/share/icons/hicolor/32x32/apps/polso.png",
    "usr/share/icons/hicolor/48x48/apps/polso.png",
    "usr/share/icons/hicolor/64x64/apps/polso.png",
    "usr/share/icons/hicolor/128x128/apps/polso.png",
    "usr/share/icons/hicolor/256x256/apps/polso.png",
    "usr/share/icons/hicolor/512x512/apps/polso.png",
    "usr/share/icons/hicolor/scalable/apps/polso.svg",
];

/// Builds, checks, installs and starts the .deb; prints how long the build took and the package's size.
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
    check_package_metadata(package)?;
    as_root(root, &["dpkg", "--install", package])?;
    check_installed_metadata(root)?;
    check_linked_libraries_come_with_depends()?;
    check_installed_app_shows_its_window(root, &[])?;
    check_installed_app_starts_without_tray_library(root)
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

/// The standard output of a command that must succeed.
fn output_of(program: &str, arguments: &[&str]) -> Result<String> {
    let output =
        Command::new(program).args(arguments).output().with_context(|| format!("starting {program}"))?;
    if !output.status.success() {
        bail!(
            "`{program} {}` failed with {}: {}",
            arguments.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).with_context(|| format!("`{program}` wrote other than UTF-8"))
}

/// Checks the package's control fields and file list before it is installed.
fn check_package_metadata(package: &str) -> Result<()> {
    let control = output_of("dpkg-deb", &["--field", package])?;
    let problems = control_problems(&control);
    ensure!(
        problems.is_empty(),
        "the package's control fields are wrong:\n- {}\n{control}",
        problems.join("\n- ")
    );
    let contents = output_of("dpkg-deb", &["--contents", package])?;
    let problems = contents_problems(&contents);
    ensure!(problems.is_empty(), "the package's files are wrong:\n- {}", problems.join("\n- "));
    eprintln!("the package's control fields and files are as intended");
    Ok(())
}

/// Validates the installed AppStream metadata and desktop file.
fn check_installed_metadata(root: &Path) -> Result<()> {
    crate::run_in(root, "appstreamcli", &["validate", "--no-net", "--pedantic", INSTALLED_METAINFO])?;
    crate::run_in(root, "desktop-file-validate", &[INSTALLED_DESKTOP_FILE])
}

/// Checks that every shared library the installed binary links (`ldd`) is in
/// a package that installing Polso pulls in through Depends alone (`apt-cache
/// depends --recurse`, recommendations left out), so a machine without this
/// one's -dev and build packages has them all. Libraries loaded at run time
/// (the tray's) are not linked and are checked by the sandboxed start.
fn check_linked_libraries_come_with_depends() -> Result<()> {
    let libraries = linked_libraries(&output_of("ldd", &[INSTALLED_BINARY])?);
    ensure!(!libraries.is_empty(), "ldd found no library linked by {INSTALLED_BINARY}");
    let patterns: Vec<String> = libraries.iter().map(|library| format!("*/{library}")).collect();
    // dpkg-query fails when some pattern matches no file; those are reported below.
    let owners = Command::new("dpkg-query").arg("--search").args(&patterns).output()?;
    let owners = library_owners(&String::from_utf8_lossy(&owners.stdout));
    let closure = output_of(
        "apt-cache",
        &[
            "depends",
            "--recurse",
            "--no-recommends",
            "--no-suggests",
            "--no-conflicts",
            "--no-breaks",
            "--no-replaces",
            "--no-enhances",
            "polso",
        ],
    )?;
    let problems = libraries_outside_depends(&libraries, &owners, &package_closure(&closure));
    ensure!(
        problems.is_empty(),
        "{INSTALLED_BINARY} links libraries its Depends do not bring:\n- {}",
        problems.join("\n- ")
    );
    eprintln!(
        "every one of the {} libraries {INSTALLED_BINARY} links comes with its Depends",
        libraries.len()
    );
    Ok(())
}

/// The file names of the libraries in `ldd` output (`libgtk-3.so.0 => /usr/lib/.../libgtk-3.so.0 (0x...)`).
fn linked_libraries(ldd: &str) -> Vec<String> {
    let mut libraries: Vec<String> = ldd
        .lines()
        .filter_map(|line| line.split_once("=>")?.1.split_whitespace().next())
        .filter(|path| path.starts_with('/'))
        .filter_map(|path| Some(Path::new(path).file_name()?.to_str()?.to_owned()))
        .collect();
    libraries.sort();
    libraries.dedup();
    libraries
}

/// The packages that own each library file name, from `dpkg-query --search`
/// output (`libgtk-3-0:amd64: /usr/lib/x86_64-linux-gnu/libgtk-3.so.0`).
fn library_owners(search: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut owners = std::collections::BTreeMap::<String, Vec<String>>::new();
    for line in search.lines() {
        let Some((packages, path)) = line.split_once(": /") else { continue };
        let Some(library) = path.rsplit('/').next() else { continue };
        let packages = packages.split(", ").map(|package| package.split(':').next().unwrap_or(package));
        owners.entry(library.to_owned()).or_default().extend(packages.map(str::to_owned));
    }
    owners
}

/// The packages `apt-cache depends --recurse` reached: its unindented lines.
fn package_closure(depends: &str) -> std::collections::BTreeSet<String> {
    depends
        .lines()
        .filter(|line| !line.starts_with([' ', '<']) && !line.is_empty())
        .map(|line| line.trim().split(':').next().unwrap_or(line).to_owned())
        .collect()
}

/// The libraries no package of `closure` owns, each with its owners.
fn libraries_outside_depends(
    libraries: &[String],
    owners: &std::collections::BTreeMap<String, Vec<String>>,
    closure: &std::collections::BTreeSet<String>,
) -> Vec<String> {
    libraries
        .iter()
        .filter_map(|library| {
            let packages = owners.get(library).map(Vec::as_slice).unwrap_or_default();
            if packages.iter().any(|package| closure.contains(package)) {
                None
            } else if packages.is_empty() {
                Some(format!("{library}, which no installed package owns"))
            } else {
                Some(format!("{library}, of {}", packages.join(", ")))
            }
        })
        .collect()
}

/// A control file's field `name` (`Depends`, ...), joined over continuation lines.
fn control_field(control: &str, name: &str) -> Option<String> {
    let mut lines = control
        .lines()
        .skip_while(|line| line.split_once(':').is_none_or(|(field, _)| !field.eq_ignore_ascii_case(name)));
    let (_, first) = lines.next()?.split_once(':')?;
    let continued = lines.take_while(|line| line.starts_with([' ', '\t']));
    Some(std::iter::once(first).chain(continued).map(str::trim).collect::<Vec<_>>().join(" "))
}

/// The package names of a relationship field (`a (>= 1), b | c`), versions dropped.
fn package_names(field: &str) -> Vec<String> {
    field
        .split([',', '|'])
        .filter_map(|relation| relation.split_whitespace().next())
        .map(|name| name.split(':').next().unwrap_or(name).to_owned())
        .collect()
}

/// What is wrong with a control file: a Maintainer without an e-mail address,
/// a window library not depended on, the tray library depended on (Polso starts
/// without it) or not recommended.
fn control_problems(control: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let maintainer = control_field(control, "Maintainer").unwrap_or_default();
    let has_address = maintainer
        .split_once('<')
        .and_then(|(name, rest)| Some((name.trim(), rest.strip_suffix('>')?)))
        .is_some_and(|(name, address)| {
            !name.is_empty()
                && address.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'))
        });
    if !has_address {
        problems.push(format!("Maintainer '{maintainer}' is not 'Name <address@domain>'"));
    }
    let depends = package_names(&control_field(control, "Depends").unwrap_or_default());
    let recommends = package_names(&control_field(control, "Recommends").unwrap_or_default());
    for required in REQUIRED_DEPENDS {
        if !depends.iter().any(|name| name == required) {
            problems.push(format!("Depends lacks {required}"));
        }
    }
    if depends.iter().any(|name| name.contains("appindicator")) {
        problems.push(format!("Depends names the tray library ({depends:?}); Polso starts without it"));
    }
    if !recommends.iter().any(|name| name == TRAY_PACKAGE) {
        problems.push(format!("Recommends lacks {TRAY_PACKAGE}"));
    }
    problems
}

/// What is wrong with a package's file list (`dpkg-deb --contents`): a
/// required file missing, or an icon folder the hicolor theme does not know
/// (`256x256@2`: the bundler's name for `@2x` images).
fn contents_problems(contents: &str) -> Vec<String> {
    let paths: Vec<&str> = contents
        .lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .map(|path| path.strip_prefix("./").unwrap_or(path))
        .collect();
    let mut problems: Vec<String> = REQUIRED_FILES
        .iter()
        .filter(|required| !paths.contains(required))
        .map(|missing| format!("{missing} is missing"))
        .collect();
    problems.extend(
        paths
            .iter()
            .filter(|path| path.starts_with("usr/share/icons/") && path.contains('@'))
            .map(|path| format!("{path} is in a folder the hicolor theme does not know")),
    );
    problems
}

/// Starts the installed app in a bubblewrap sandbox that sees this machine's
/// files except the tray library's (an empty file bound over each, so nothing
/// can load them) and the -dev packages' headers and pkg-config files, and
/// waits for its window. Inside, the script first proves that the library
/// cannot be loaded, and afterwards that Polso said it has no tray.
fn check_installed_app_starts_without_tray_library(root: &Path) -> Result<()> {
    let mut hidden = Vec::new();
    for package in HIDDEN_TRAY_PACKAGES {
        // A package that is not installed has nothing to hide.
        let Ok(files) = output_of("dpkg-query", &["--listfiles", package]) else { continue };
        for file in files.lines().filter(|file| file.contains(".so")) {
            let real = std::fs::canonicalize(file).with_context(|| format!("resolving {file}"))?;
            if real.is_file() && !hidden.contains(&real) {
                hidden.push(real);
            }
        }
    }
    ensure!(
        !hidden.is_empty(),
        "found no tray library of {HIDDEN_TRAY_PACKAGES:?} to hide: is one installed?"
    );
    let mut sandbox: Vec<String> =
        ["bwrap", "--dev-bind", "/", "/", "--die-with-parent"].map(String::from).into();
    for file in &hidden {
        let file = file.to_str().context("a library's path is not UTF-8")?;
        sandbox.extend(["--ro-bind", "/dev/null", file].map(String::from));
    }
    for dev_files in dev_file_folders() {
        let dev_files = dev_files.to_str().context("a folder's path is not UTF-8")?;
        sandbox.extend(["--tmpfs", dev_files].map(String::from));
    }
    eprintln!("hiding {} tray library files and the -dev packages' headers", hidden.len());
    check_installed_app_shows_its_window(root, &sandbox)
}

/// The folders that hold only what -dev packages install and nothing run
/// time needs: C headers and pkg-config files (`/usr/lib/<triplet>/pkgconfig`).
fn dev_file_folders() -> Vec<PathBuf> {
    let mut folders = vec![PathBuf::from("/usr/include"), PathBuf::from("/usr/share/pkgconfig")];
    if let Ok(entries) = std::fs::read_dir("/usr/lib") {
        folders.extend(entries.filter_map(|entry| Some(entry.ok()?.path().join("pkgconfig"))));
    }
    folders.push(PathBuf::from("/usr/lib/pkgconfig"));
    folders.retain(|folder| folder.is_dir());
    folders
}

/// Starts the installed app in its own D-Bus session and virtual display
/// (inside `sandbox` when it is not empty, which must then end in a command
/// prefix such as `bwrap ...`), with a throwaway home and data directory (so
/// the keyring it creates and its store are thrown away too), and waits up to a
/// minute for a top-level window named "Polso" (xwininfo). The app is stopped
/// either way, and must still run a few seconds after its window shows. In a
/// sandbox, the tray library must not load and Polso must say it has no tray
/// icon.
fn check_installed_app_shows_its_window(root: &Path, sandbox: &[String]) -> Result<()> {
    let home = crate::tempfile_dir()?;
    let data_dir = home.join("polso-data");
    let app_log = home.join("polso.log");
    let sandboxed = !sandbox.is_empty();
    let before = if sandboxed {
        // The sandbox is only a proof if the library really cannot load in it.
        "if python3 -c 'import ctypes, sys; [ctypes.CDLL(name) for name in sys.argv[1:]]' \
           libayatana-appindicator3.so.1 2>/dev/null || \
           python3 -c 'import ctypes, sys; [ctypes.CDLL(name) for name in sys.argv[1:]]' \
           libappindicator3.so.1 2>/dev/null; then \
           echo 'the sandbox did not hide the tray library' >&2; exit 2; fi; "
    } else {
        ""
    };
    // The window shows before the set-up that builds the tray, so Polso must
    // still run a while after it shows; in the sandbox, after it has said it
    // has no tray (it panicked there while the tray was mandatory).
    let said_no_tray = if sandboxed {
        const LINE: &str = "Polso shows no tray icon: no appindicator library";
        format!(
            "found=3; \
             for attempt in $(seq 40); do \
               if grep -q '{LINE}' \"$POLSO_LOG\"; then found=0; break; fi; sleep 0.5; \
             done; \
             if [ $found != 0 ]; then echo 'Polso did not say: {LINE}' >&2; cat \"$POLSO_LOG\" >&2; fi; "
        )
    } else {
        String::new()
    };
    let script = format!(
        "{before}{INSTALLED_BINARY} >/dev/null 2>\"$POLSO_LOG\" & app=$!; found=1; \
         for attempt in $(seq 120); do \
           if xwininfo -root -tree | grep -q '\"Polso\"'; then found=0; break; fi; \
           if ! kill -0 $app 2>/dev/null; then echo 'Polso ended early:' >&2; cat \"$POLSO_LOG\" >&2; break; fi; \
           sleep 0.5; \
         done; \
         if [ $found = 0 ]; then \
           {said_no_tray}sleep 2; \
           if ! kill -0 $app 2>/dev/null; then \
             echo 'Polso ended after showing its window:' >&2; cat \"$POLSO_LOG\" >&2; found=4; \
           fi; \
         fi; \
         kill $app 2>/dev/null; wait $app 2>/dev/null; exit $found"
    );
    let mut command = Command::new("timeout");
    command.args(["120", "dbus-run-session", "--", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24"]);
    command.args(sandbox).args(["bash", "-c"]).arg(&script);
    eprintln!("$ dbus-run-session -- xvfb-run -a {} bash -c \"{script}\"", sandbox.join(" "));
    let status = command
        .current_dir(root)
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("POLSO_DATA_DIR", &data_dir)
        .env("POLSO_LOG", &app_log)
        .status()
        .context("starting the installed app")?;
    let _ = std::fs::remove_dir_all(&home);
    let place = if sandboxed { " without the tray library" } else { "" };
    if !status.success() {
        bail!(
            "the installed {INSTALLED_BINARY} did not show a window named Polso{place} within a minute ({status})"
        );
    }
    eprintln!("the installed {INSTALLED_BINARY} started{place} and showed its window");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_CONTROL: &str = "Package: polso\nVersion: 0.1.0\n\
        Maintainer: Polso maintainers <maintainers@polso.app>\n\
        Depends: libwebkit2gtk-4.1-0, libgtk-3-0 (>= 3.24)\n\
        Recommends: libayatana-appindicator3-1\n\
        Description: Weekly pulse\n A longer text.\n";

    #[test]
    fn a_control_file_as_intended_has_no_problems() {
        assert_eq!(control_problems(GOOD_CONTROL), Vec::<String>::new());
    }

    #[test]
    fn each_wrong_control_field_is_named() {
        let cases = [
            ("Maintainer: Polso maintainers <maintainers@polso.app>", "Maintainer: polso", "Maintainer"),
            ("Maintainer: Polso maintainers <maintainers@polso.app>", "Maintainer: <a@b.c>", "Maintainer"),
            ("libgtk-3-0 (>= 3.24)", "libgtk-3-0, libayatana-appindicator3-1", "tray library"),
            ("Depends: libwebkit2gtk-4.1-0, ", "Depends: ", "libwebkit2gtk-4.1-0"),
            ("Recommends: libayatana-appindicator3-1\n", "", "Recommends lacks"),
        ];
        for (from, to, named) in cases {
            let control = GOOD_CONTROL.replace(from, to);
            let problems = control_problems(&control);
            assert_eq!(problems.len(), 1, "{control}\n{problems:?}");
            assert!(problems[0].contains(named), "{problems:?} does not name {named}");
        }
    }

    #[test]
    fn a_field_continued_on_the_next_line_is_read_whole() {
        let control = "Depends: libwebkit2gtk-4.1-0,\n libgtk-3-0\nRecommends: x\n";
        assert_eq!(
            package_names(&control_field(control, "Depends").unwrap_or_default()),
            ["libwebkit2gtk-4.1-0", "libgtk-3-0"]
        );
        assert_eq!(control_field(control, "Suggests"), None);
    }

    #[test]
    fn a_linked_library_outside_the_depends_closure_is_named_with_its_package() {
        let ldd = "\tlinux-vdso.so.1 (0x00007ffd)\n\
            \tlibgtk-3.so.0 => /lib/x86_64-linux-gnu/libgtk-3.so.0 (0x00007f01)\n\
            \tlibxdo.so.3 => /lib/x86_64-linux-gnu/libxdo.so.3 (0x00007f02)\n\
            \tlibfoo.so.1 => /usr/local/lib/libfoo.so.1 (0x00007f03)\n\
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f04)\n";
        let libraries = linked_libraries(ldd);
        assert_eq!(libraries, ["libfoo.so.1", "libgtk-3.so.0", "libxdo.so.3"]);
        let owners = library_owners(
            "libgtk-3-0:amd64: /usr/lib/x86_64-linux-gnu/libgtk-3.so.0\n\
             libxdo3:amd64: /usr/lib/x86_64-linux-gnu/libxdo.so.3\n",
        );
        let closure =
            package_closure("polso\n  Depends: libgtk-3-0\nlibgtk-3-0\n  Depends: libc6\n<virtual>\n");
        assert_eq!(closure.iter().collect::<Vec<_>>(), ["libgtk-3-0", "polso"]);
        assert_eq!(
            libraries_outside_depends(&libraries, &owners, &closure),
            ["libfoo.so.1, which no installed package owns", "libxdo.so.3, of libxdo3"]
        );
    }

    fn listing(paths: &[&str]) -> String {
        paths.iter().map(|path| format!("-rw-r--r-- root/root 1234 2026-12-06 03:00 ./{path}\n")).collect()
    }

    #[test]
    fn the_file_list_must_hold_every_required_file_and_no_at_two_icon_folder() {
        assert_eq!(contents_problems(&listing(REQUIRED_FILES)), Vec::<String>::new());
        let without_copyright: Vec<&str> =
            REQUIRED_FILES.iter().copied().filter(|path| !path.ends_with("copyright")).collect();
        let problems = contents_problems(&listing(&without_copyright));
        assert!(problems.len() == 1 && problems[0].contains("copyright"), "{problems:?}");
        let mut with_at_two = REQUIRED_FILES.to_vec();
        with_at_two.push("usr/share/icons/hicolor/256x256@2/apps/polso.png");
        let problems = contents_problems(&listing(&with_at_two));
        assert!(problems.len() == 1 && problems[0].contains("256x256@2"), "{problems:?}");
    }
}
