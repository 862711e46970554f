//! Polso's project tasks, run as `cargo xtask <task>`.
//!
//! Kept in Rust so that the same steps run the same way on every machine; the
//! shell scripts in `.ci/` only install what a fresh machine lacks and call in here.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

fn main() -> Result<()> {
    let task = std::env::args().nth(1).unwrap_or_default();
    match task.as_str() {
        "codegen" => codegen(),
        _ => bail!("unknown task '{task}'; tasks: codegen"),
    }
}

/// The repository's root directory.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Writes the TypeScript bindings of the wire types into the UI.
fn codegen() -> Result<()> {
    let dir = root().join("ui/src/lib/bindings");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).context("clearing the old bindings")?;
    }
    polso_api::export_bindings(&dir).context("writing the TypeScript bindings")?;
    eprintln!("wrote {}", dir.display());
    Ok(())
}
