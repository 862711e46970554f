//! The repository's own rules, checked as part of `cargo xtask test`.
//!
//! - No crate under `crates/` depends on Tauri, directly or not.
//! - Every Rust file starts with a `//!` header saying what it is for.
//! - No file names a path of the machine it was written on.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs every rule; fails listing every breach.
pub fn check(root: &Path) -> Result<()> {
    let mut breaches = Vec::new();
    tauri_stays_out_of_crates(root, &mut breaches)?;
    every_rust_file_has_a_header(root, &mut breaches)?;
    if !breaches.is_empty() {
        bail!("tidy found {} problem(s):\n  {}", breaches.len(), breaches.join("\n  "));
    }
    eprintln!("tidy: all rules hold");
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

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | "gen" | ".git") {
                rust_files(&path, files)?;
            }
        } else if name.ends_with(".rs") {
            files.push(path);
        }
    }
    Ok(())
}

fn every_rust_file_has_a_header(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    let mut files = Vec::new();
    for dir in ["crates", "src-tauri", "tests", "xtask"] {
        rust_files(&root.join(dir), &mut files)?;
    }
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let first_code_line = text.lines().find(|line| !line.trim().is_empty()).unwrap_or_default();
        if !first_code_line.starts_with("//!") {
            let relative = file.strip_prefix(root).unwrap_or(&file);
            breaches.push(format!("{} does not start with a //! header", relative.display()));
        }
    }
    Ok(())
}
