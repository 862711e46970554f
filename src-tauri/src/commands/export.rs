//! Saving a table or a chart through the native save dialog.
//!
//! The dialog runs off the main thread (an `async` command), so the window
//! stays responsive while it is open. For the end-to-end tests, which cannot
//! drive a native dialog, `POLSO_EXPORT_DIR` names a folder that exports go
//! to without a dialog.

use polso_api::{ApiError, ErrorCode, ExportFile, ExportOutcome};
use polso_desktop::export;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

/// Set by the end-to-end tests: exports go to this folder without a dialog.
const EXPORT_DIR_VARIABLE: &str = "POLSO_EXPORT_DIR";

/// Asks where to save `file`, checks it and writes it. A cancelled dialog is
/// `saved: false`, not an error.
#[tauri::command(async)]
pub fn export_file(app: AppHandle, file: ExportFile) -> Result<ExportOutcome, ApiError> {
    let bytes = export::export_bytes(&file)?;
    let name = export::file_name(&file);
    let path = match std::env::var_os(EXPORT_DIR_VARIABLE) {
        Some(folder) => std::path::PathBuf::from(folder).join(&name),
        None => {
            let extension = export::extension(file.kind);
            let chosen = app
                .dialog()
                .file()
                .set_file_name(&name)
                .add_filter(extension.to_uppercase(), &[extension])
                .blocking_save_file();
            let Some(chosen) = chosen else {
                return Ok(ExportOutcome { saved: false, file_name: None });
            };
            chosen.into_path().map_err(|error| {
                ApiError::new(
                    ErrorCode::ExportFailed,
                    format!("the chosen place is not a file path: {error}"),
                )
            })?
        }
    };
    export::write_export(&path, &bytes)?;
    let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned());
    Ok(ExportOutcome { saved: true, file_name })
}
