//! The repository's Rust files, as the tidy rules read them.

use std::path::{Path, PathBuf};

use anyhow::Result;

/// The folders of the repository that hold its Rust code.
const RUST_FOLDERS: [&str; 5] = ["crates", "src-tauri", "tests", "xtask", "benches"];

/// Every Rust file of the repository at `root`, build output left out.
pub(crate) fn project_rust_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for folder in RUST_FOLDERS {
        rust_files(&root.join(folder), &mut files)?;
    }
    Ok(files)
}

/// Every `.rs` file under `dir`, build output, UI packages and generated code left out.
pub(crate) fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
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
