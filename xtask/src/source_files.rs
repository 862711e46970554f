//! The repository's Rust files, as the tidy rules read them.

use std::path::{Path, PathBuf};

use anyhow::Result;

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
