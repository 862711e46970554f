//! The repository's own rules, checked as part of `cargo xtask test`.
//!
//! - No crate under `crates/` depends on Tauri, directly or not.
//! - The shell (`src-tauri`) depends on no crate of the workspace but `polso-api` and
//!   `polso-desktop`: the session it holds and every command's logic are `polso-desktop`'s. It
//!   never builds one with its `test-util` feature, the tests' stand-ins for the session.
//! - Every Rust file starts with a `//!` header saying what it is for.
//! - No tracked file names a path of the machine it was written on (its work or home folder).
//! - Every crate takes the workspace's lints, but the test support, whose power-cut VFS must use
//!   `unsafe`: it copies them with `unsafe_code` denied rather than forbidden, and nothing else
//!   different; and that VFS's file is the only one that allows unsafe code.
//! - Inside each crate, the top-level modules' references to one another (`crate::` paths in a
//!   `use` or inline, and `super::` up to the root) have no cycle ([`crate::import_cycles`]).
//! - The app's commands are the same list in each of the six places that name them: the shell's
//!   build script (one permission each), its handler list, its capability file, the UI's
//!   `CommandName`, the Tauri back end and the mock back end.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs every rule; fails listing every breach.
pub fn check(root: &Path) -> Result<()> {
    let mut breaches = Vec::new();
    tauri_stays_out_of_crates(root, &mut breaches)?;
    shell_stays_thin(root, &mut breaches)?;
    every_rust_file_has_a_header(root, &mut breaches)?;
    app_commands_agree(root, &mut breaches)?;
    no_machine_paths(root, &mut breaches)?;
    lints_are_the_workspaces(root, &mut breaches)?;
    unsafe_stays_in_one_file(root, &mut breaches)?;
    crate::import_cycles::check(root, &mut breaches)?;
    if !breaches.is_empty() {
        bail!("tidy found {} problem(s):\n  {}", breaches.len(), breaches.join("\n  "));
    }
    eprintln!("tidy: all rules hold");
    Ok(())
}

/// Paths of the machines the project is written on, which no tracked file may name: the work
/// and home folders of the development and CI machines. (Written in two halves here, so this file
/// does not name them itself.)
const MACHINE_PATH_MARKS: [[&str; 2]; 3] = [["/wo", "rk/"], ["/ro", "ot/"], ["/ho", "me/"]];

/// Every file git tracks (text files only; binary files and the npm lock are skipped) that names
/// a path of the machine it was written on.
fn no_machine_paths(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    let output = Command::new("git").args(["ls-files", "-z"]).current_dir(root).output();
    let Ok(output) = output else {
        eprintln!("tidy: git could not be started; the machine-path rule is skipped");
        return Ok(());
    };
    if !output.status.success() {
        eprintln!("tidy: not a git work tree; the machine-path rule is skipped");
        return Ok(());
    }
    let marks: Vec<String> = MACHINE_PATH_MARKS.iter().map(|halves| halves.concat()).collect();
    for name in output.stdout.split(|byte| *byte == 0).filter(|name| !name.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        if name.ends_with("package-lock.json") {
            continue;
        }
        let Ok(bytes) = std::fs::read(root.join(&name)) else { continue };
        if bytes.contains(&0) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for (number, line) in text.lines().enumerate() {
            if let Some(mark) = marks.iter().find(|mark| line.contains(mark.as_str())) {
                breaches.push(format!("{name}:{}: names a machine path ('{mark}')", number + 1));
            }
        }
    }
    Ok(())
}

fn crate_names(root: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root.join("crates")).context("listing crates/")? {
        let path = entry?.path();
        if path.join("Cargo.toml").exists() {
            names.push(path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default());
        }
    }
    names.sort();
    Ok(names)
}

fn tauri_stays_out_of_crates(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    for name in crate_names(root)? {
        let output = Command::new("cargo")
            .args(["tree", "--offline", "--edges", "normal,build", "--package", &name, "--invert", "tauri"])
            .current_dir(root)
            .output()
            .context("running cargo tree")?;
        // `cargo tree -i tauri` fails with "did not match any packages" when
        // tauri is not in the crate's graph, and lists the path when it is.
        let stdout = String::from_utf8_lossy(&output.stdout);
        if output.status.success() && stdout.contains("tauri v") {
            breaches.push(format!("crates/{name} depends on tauri:\n{stdout}"));
        }
    }
    Ok(())
}

/// The workspace crates the shell may depend on directly.
const SHELL_MAY_USE: [&str; 2] = ["polso-api", "polso-desktop"];

fn shell_stays_thin(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    let output = Command::new("cargo")
        .args(["tree", "--offline", "--edges", "normal,build", "--depth", "1", "--prefix", "none"])
        .args(["--format", "{p} [{f}]"])
        .args(["--package", "polso-app"])
        .current_dir(root)
        .output()
        .context("running cargo tree")?;
    if !output.status.success() {
        bail!("cargo tree of polso-app failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    breaches.extend(shell_dependency_breaches(&String::from_utf8_lossy(&output.stdout)));
    Ok(())
}

/// The workspace crates besides [`SHELL_MAY_USE`] among the shell's direct dependencies, and
/// any of them built with its `test-util` feature (the tests' stand-ins for the session's clock
/// and randomness, which the app must never carry), as `cargo tree --depth 1 --prefix none
/// --format "{p} [{f}]"` lists them (the first line is the shell itself).
fn shell_dependency_breaches(tree: &str) -> Vec<String> {
    let mut breaches = Vec::new();
    for line in tree.lines().skip(1) {
        let Some(name) = line.split_whitespace().next() else { continue };
        if !name.starts_with("polso-") {
            continue;
        }
        if !SHELL_MAY_USE.contains(&name) {
            breaches.push(format!("src-tauri depends on {name} directly; only {SHELL_MAY_USE:?} may be"));
        }
        // `name vX (path) [a,b]`, or with ` (*)` after when the tree printed it before.
        let features = line
            .rsplit_once('[')
            .and_then(|(_, rest)| rest.split_once(']'))
            .map_or("", |(features, _)| features);
        if features.split(',').any(|feature| feature.trim() == "test-util") {
            breaches.push(format!("src-tauri builds {name} with its test-util feature, which is for tests"));
        }
    }
    breaches
}

/// The lines of the TOML table `[header]` in `text`, comments and blank lines left out.
fn toml_table(text: &str, header: &str) -> Option<Vec<String>> {
    let mut lines = text.lines().skip_while(|line| line.trim() != header);
    lines.next()?;
    Some(
        lines
            .take_while(|line| !line.trim_start().starts_with('['))
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_owned)
            .collect(),
    )
}

/// The one crate that may copy the workspace's lints with unsafe code denied, not forbidden.
const UNSAFE_DENIED_IN: &str = "crates/polso-test-support/Cargo.toml";

/// The one file that may allow unsafe code: the power-cut VFS, on SQLite's C interface.
const UNSAFE_ALLOWED_IN: &str = "crates/polso-test-support/src/power_cut.rs";

/// What is wrong with a member's lints (`manifest`'s text) against the workspace's (`root_manifest`'s).
fn lint_breach(name: &str, manifest: &str, root_manifest: &str) -> Option<String> {
    if toml_table(manifest, "[lints]").is_some_and(|lines| lines == ["workspace = true"]) {
        return None;
    }
    if name != UNSAFE_DENIED_IN {
        return Some(format!("{name}: takes not the workspace's lints (`[lints] workspace = true`)"));
    }
    for table in ["rust", "clippy"] {
        let ours = toml_table(manifest, &format!("[lints.{table}]"));
        let expected = toml_table(root_manifest, &format!("[workspace.lints.{table}]")).map(|lines| {
            lines
                .into_iter()
                .map(|line| line.replace(r#"unsafe_code = "forbid""#, r#"unsafe_code = "deny""#))
                .collect()
        });
        if ours.is_none() || ours != expected {
            return Some(format!(
                "{name}: its [lints.{table}] is not the workspace's (take `[lints] workspace = true`, or copy them \
                 with only unsafe_code denied instead of forbidden)"
            ));
        }
    }
    None
}

/// Every Rust file but [`UNSAFE_ALLOWED_IN`] that allows unsafe code.
fn unsafe_stays_in_one_file(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    for file in crate::source_files::project_rust_files(root)? {
        let name = file.strip_prefix(root).unwrap_or(&file).display().to_string();
        if name == UNSAFE_ALLOWED_IN {
            continue;
        }
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {name}"))?;
        if text.contains(concat!("allow(", "unsafe_code)")) {
            breaches.push(format!("{name}: allows unsafe code, which only {UNSAFE_ALLOWED_IN} may"));
        }
    }
    Ok(())
}

fn lints_are_the_workspaces(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    let root_manifest = std::fs::read_to_string(root.join("Cargo.toml"))?;
    let mut manifests = vec![root.join("src-tauri/Cargo.toml"), root.join("xtask/Cargo.toml")];
    for folder in ["crates", "tests"] {
        for entry in std::fs::read_dir(root.join(folder))? {
            let manifest = entry?.path().join("Cargo.toml");
            if manifest.exists() {
                manifests.push(manifest);
            }
        }
    }
    for manifest in manifests {
        let name = manifest.strip_prefix(root).unwrap_or(&manifest).display().to_string();
        let text = std::fs::read_to_string(&manifest).with_context(|| format!("reading {name}"))?;
        breaches.extend(lint_breach(&name, &text, &root_manifest));
    }
    Ok(())
}

fn every_rust_file_has_a_header(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    for file in crate::source_files::project_rust_files(root)? {
        let text = std::fs::read_to_string(&file)?;
        let first_code_line = text.lines().find(|line| !line.trim().is_empty()).unwrap_or_default();
        if !first_code_line.starts_with("//!") {
            let relative = file.strip_prefix(root).unwrap_or(&file);
            breaches.push(format!("{} does not start with a //! header", relative.display()));
        }
    }
    Ok(())
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let length = text[from..].find(end)?;
    Some(&text[from..from + length])
}

/// Every `quote`-quoted word that directly follows `prefix` in `text`.
fn quoted_after(text: &str, prefix: &str, quote: char) -> Vec<String> {
    text.match_indices(prefix)
        .filter_map(|(at, _)| {
            let rest = text[at + prefix.len()..].strip_prefix(quote)?;
            Some(rest[..rest.find(quote)?].to_owned())
        })
        .collect()
}

/// The first argument of every `call<T>('name'…)` or `call('name'…)` in `text`.
fn commands_called(text: &str) -> Vec<String> {
    text.match_indices("call")
        .filter_map(|(at, _)| {
            let mut rest = &text[at + "call".len()..];
            if let Some(generic) = rest.strip_prefix('<') {
                rest = &generic[generic.find(">(")? + 1..];
            }
            let rest = rest.strip_prefix("('")?;
            Some(rest[..rest.find('\'')?].to_owned())
        })
        .collect()
}

/// The app's command names in each place that lists them (module header), each sorted.
fn app_command_lists(root: &Path) -> Result<Vec<(&'static str, Vec<String>)>> {
    let read =
        |path: &str| std::fs::read_to_string(root.join(path)).with_context(|| format!("reading {path}"));
    let build = read("src-tauri/build.rs")?;
    let handlers = read("src-tauri/src/lib.rs")?;
    let capability = read("src-tauri/capabilities/default.json")?;
    let backend = read("ui/src/lib/backend/backend.ts")?;
    let tauri = read("ui/src/lib/backend/tauri.ts")?;
    // The mock answers in mock.ts and in its parts, mock-*.ts.
    let mut mock = read("ui/src/lib/backend/mock.ts")?;
    let backend_dir = root.join("ui/src/lib/backend");
    if let Ok(entries) = std::fs::read_dir(&backend_dir) {
        let mut parts: Vec<_> = entries
            .filter_map(|entry| entry.ok().map(|entry| entry.file_name().to_string_lossy().into_owned()))
            .filter(|name| name.starts_with("mock-") && name.ends_with(".ts") && !name.ends_with(".test.ts"))
            .collect();
        parts.sort();
        for part in parts {
            mock.push_str(&read(&format!("ui/src/lib/backend/{part}"))?);
        }
    }
    let words = |list: &str, quote: char| -> Vec<String> {
        list.split(quote).skip(1).step_by(2).map(str::to_owned).collect()
    };
    let capability: serde_json::Value =
        serde_json::from_str(&capability).context("src-tauri/capabilities/default.json")?;
    let mut lists = vec![
        ("src-tauri/build.rs", words(between(&build, ".commands(&[", "]").unwrap_or_default(), '"')),
        (
            "src-tauri/src/lib.rs (generate_handler!)",
            between(&handlers, "generate_handler![", "]")
                .unwrap_or_default()
                .split(',')
                .filter_map(|path| {
                    path.trim().rsplit("::").next().filter(|name| !name.is_empty()).map(str::to_owned)
                })
                .collect(),
        ),
        (
            "src-tauri/capabilities/default.json",
            capability["permissions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|permission| {
                    permission.as_str()?.strip_prefix("allow-").map(|name| name.replace('-', "_"))
                })
                .collect(),
        ),
        (
            "ui/src/lib/backend/backend.ts (CommandName)",
            words(between(&backend, "export type CommandName =", ";").unwrap_or_default(), '\''),
        ),
        ("ui/src/lib/backend/tauri.ts", commands_called(&tauri)),
        ("ui/src/lib/backend/mock.ts and mock-*.ts", quoted_after(&mock, "answer(", '\'')),
    ];
    for (_, names) in &mut lists {
        names.sort();
        names.dedup();
    }
    Ok(lists)
}

fn app_commands_agree(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    breaches.extend(command_list_breaches(&app_command_lists(root)?));
    Ok(())
}

/// One breach per list that differs from the first (the build script's), naming what it lacks and
/// what it has besides.
fn command_list_breaches(lists: &[(&str, Vec<String>)]) -> Vec<String> {
    let Some((reference_place, reference)) = lists.first() else { return Vec::new() };
    let mut breaches = Vec::new();
    if reference.is_empty() {
        breaches.push(format!("{reference_place} lists no command: its list was not found"));
    }
    for (place, names) in &lists[1..] {
        let missing: Vec<&str> =
            reference.iter().filter(|name| !names.contains(name)).map(String::as_str).collect();
        let extra: Vec<&str> =
            names.iter().filter(|name| !reference.contains(name)).map(String::as_str).collect();
        if !missing.is_empty() || !extra.is_empty() {
            breaches.push(format!(
                "{place} disagrees with {reference_place} on the app's commands: lacks [{}], has besides [{}]",
                missing.join(", "),
                extra.join(", ")
            ));
        }
    }
    breaches
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "[workspace.lints.rust]\nunsafe_code = \"forbid\"\nunused_must_use = \"deny\"\n\n\
                        [workspace.lints.clippy]\ntodo = \"warn\"\n";

    #[test]
    fn a_crate_takes_the_workspaces_lints_or_a_copy_that_only_denies_unsafe() {
        assert_eq!(lint_breach("a", "[lints]\nworkspace = true\n", ROOT), None);
        let a = UNSAFE_DENIED_IN;
        let copy = "[lints.rust]\n# why\nunsafe_code = \"deny\"\nunused_must_use = \"deny\"\n\n[lints.clippy]\ntodo = \"warn\"\n";
        assert_eq!(lint_breach(a, copy, ROOT), None);
        assert!(
            lint_breach("crates/other/Cargo.toml", copy, ROOT).is_some(),
            "another crate may not copy them"
        );
        let drifted = copy.replace("todo = \"warn\"", "todo = \"allow\"");
        assert!(lint_breach(a, &drifted, ROOT).is_some_and(|breach| breach.contains("[lints.clippy]")));
        let fewer = copy.replace("unused_must_use = \"deny\"\n", "");
        assert!(lint_breach(a, &fewer, ROOT).is_some_and(|breach| breach.contains("[lints.rust]")));
        assert!(lint_breach(a, "[package]\nname = \"a\"\n", ROOT).is_some());
    }

    fn repository_root() -> std::path::PathBuf {
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn the_six_command_lists_of_the_repository_agree_and_are_found() {
        let lists = app_command_lists(&repository_root()).unwrap();
        assert_eq!(lists.len(), 6);
        for (place, names) in &lists {
            assert!(names.contains(&"submit_pulse".to_owned()), "{place}: {names:?}");
            assert!(names.len() >= 20, "{place} lists only {names:?}");
        }
        assert_eq!(command_list_breaches(&lists), Vec::<String>::new());
    }

    #[test]
    fn a_command_missing_from_one_place_or_added_in_one_is_named() {
        let mut lists = app_command_lists(&repository_root()).unwrap();
        lists[2].1.retain(|name| name != "sync_now");
        lists[5].1.push("read_everything".to_owned());
        let breaches = command_list_breaches(&lists);
        assert_eq!(breaches.len(), 2, "{breaches:?}");
        assert!(
            breaches[0].contains("capabilities/default.json") && breaches[0].contains("lacks [sync_now]")
        );
        assert!(breaches[1].contains("mock.ts") && breaches[1].contains("has besides [read_everything]"));
    }

    #[test]
    fn the_shell_uses_only_the_api_and_the_desktop_crates() {
        let mut breaches = Vec::new();
        shell_stays_thin(&repository_root(), &mut breaches).unwrap();
        assert_eq!(breaches, Vec::<String>::new());
        let tree = "polso-app v0.1.0 (src-tauri) []\nanyhow v1.0.0 [default,std]\n\
                    polso-api v0.1.0 (crates/polso-api) [core]\npolso-store v0.1.0 (crates/polso-store) []\n\
                    polso-desktop v0.1.0 (crates/polso-desktop) []\n";
        let breaches = shell_dependency_breaches(tree);
        assert_eq!(breaches.len(), 1, "{breaches:?}");
        assert!(breaches[0].contains("polso-store"), "{breaches:?}");
        let tree =
            "polso-app v0.1.0 (src-tauri) []\npolso-desktop v0.1.0 (crates/polso-desktop) [test-util] (*)\n";
        let breaches = shell_dependency_breaches(tree);
        assert_eq!(breaches.len(), 1, "{breaches:?}");
        assert!(breaches[0].contains("test-util"), "{breaches:?}");
    }

    #[test]
    fn a_tracked_file_naming_a_machine_path_is_named_with_its_line() {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        let git = |arguments: &[&str]| {
            let status = Command::new("git").args(arguments).current_dir(root).output().unwrap();
            assert!(status.status.success(), "git {arguments:?}");
        };
        git(&["init", "-q"]);
        let home = MACHINE_PATH_MARKS[2].concat();
        std::fs::write(root.join("clean.md"), "Data lives in the app's data directory.\n").unwrap();
        std::fs::write(root.join("leak.md"), format!("first line\nbuilt in {home}someone/polso\n")).unwrap();
        std::fs::write(root.join("untracked.md"), format!("{home}x\n")).unwrap();
        git(&["add", "clean.md", "leak.md"]);
        let mut breaches = Vec::new();
        no_machine_paths(root, &mut breaches).unwrap();
        assert_eq!(breaches, [format!("leak.md:2: names a machine path ('{home}')")]);
    }

    #[test]
    fn this_repository_names_no_machine_path() {
        let mut breaches = Vec::new();
        no_machine_paths(&repository_root(), &mut breaches).unwrap();
        assert_eq!(breaches, Vec::<String>::new());
    }
}
