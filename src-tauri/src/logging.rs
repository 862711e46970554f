//! The app's log: what went wrong, and when, written to standard error and to a file in the data
//! directory (`logs/polso.log.YYYY-MM-DD`, a new one each day, the last seven kept), so a person
//! or their IT can read why Polso could not sync or start, after the fact.
//!
//! What may go in: error codes, sentences about the app's own state, counts. Never an answer, a
//! note, a comment, a token or a code: the call sites log `ApiError::code` or an error's
//! sentence, which the app writes without any of those, and nothing here logs a request body.
//! The level is `info` unless `RUST_LOG` says otherwise.

use std::path::Path;

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The folder of the log files, inside the data directory.
pub const LOG_FOLDER: &str = "logs";

/// How many daily files are kept.
const KEPT_FILES: usize = 7;

/// Starts logging to standard error and to the daily file under `data_dir`. A log file that cannot
/// be created leaves standard error alone, and says so there: the app runs all the same.
pub fn init(data_dir: &Path) {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter());
    // Made first: the appender prunes old files by reading the folder, and says so on standard
    // error when it is not there yet.
    let folder = data_dir.join(LOG_FOLDER);
    if let Err(error) = std::fs::create_dir_all(&folder) {
        let _ = tracing_subscriber::registry().with(stderr).try_init();
        tracing::warn!("Polso keeps no log file: creating {}: {error}", folder.display());
        return;
    }
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("polso.log")
        .max_log_files(KEPT_FILES)
        .build(&folder);
    match file {
        Ok(file) => {
            let file =
                tracing_subscriber::fmt::layer().with_ansi(false).with_writer(file).with_filter(filter());
            // A second initialisation (a test that opens the state twice) keeps the first.
            let _ = tracing_subscriber::registry().with(stderr).with(file).try_init();
        }
        Err(error) => {
            let _ = tracing_subscriber::registry().with(stderr).try_init();
            tracing::warn!("Polso keeps no log file: {error}");
        }
    }
}

/// Deletes the log folder under `data_dir`, saying so in the log when it cannot.
pub fn delete(data_dir: &Path) {
    let logs = data_dir.join(LOG_FOLDER);
    if let Err(error) = std::fs::remove_dir_all(&logs)
        && error.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!("Polso could not delete its log folder {}: {error}", logs.display());
    }
}
