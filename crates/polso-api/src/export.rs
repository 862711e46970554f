//! Saving a table or a chart to a file the person picks: what the UI hands
//! the shell and what it hears back. Crosses Tauri IPC only.
//!
//! The UI produces the content (a table's CSV, a chart's SVG, a chart's PNG
//! as a `data:` URL); the shell asks where to save it with the native save
//! dialog, checks the content is what its kind says, and writes it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The kind of an exported file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// A table as CSV text (UTF-8).
    Csv,
    /// A chart as SVG text.
    Svg,
    /// A chart as a PNG image, sent as a `data:image/png;base64,…` URL.
    Png,
}

/// A file to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ExportFile {
    /// What the content is.
    pub kind: ExportKind,
    /// The name offered in the save dialog, such as `"polso-heatmap"`; the extension is added.
    pub suggested_name: String,
    /// CSV or SVG text, or the PNG's `data:` URL.
    pub content: String,
}

/// What became of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ExportOutcome {
    /// Whether a file was written; `false` when the person cancelled the dialog.
    pub saved: bool,
    /// The saved file's name (not its folder), when saved.
    pub file_name: Option<String>,
}
