//! How domain and store failures become the one wire error `{code, message}`.

use polso_api::{ApiError, ErrorCode};
use polso_core::pulse::PulseError;
use polso_store::{OpenError, StoreError};

/// A failure to open the local store, for the UI's start-up error screen.
pub fn open_error_to_api(error: &OpenError) -> ApiError {
    let code = match error {
        OpenError::KeyringUnavailable(_) => ErrorCode::KeyringUnavailable,
        OpenError::KeyMissing { .. } => ErrorCode::StoreKeyMissing,
        OpenError::CorruptOrWrongKey { .. } => ErrorCode::StoreCorrupt,
        OpenError::Store(StoreError::TooNew { .. }) => ErrorCode::StoreTooNew,
        _ => ErrorCode::StoreUnavailable,
    };
    ApiError::new(code, error.to_string())
}

/// A failure while reading or writing the open store.
pub(crate) fn store_to_api(error: StoreError) -> ApiError {
    let code = match error {
        StoreError::TooNew { .. } => ErrorCode::StoreTooNew,
        StoreError::WrongKeyOrCorrupt { .. } => ErrorCode::StoreCorrupt,
        _ => ErrorCode::StoreUnavailable,
    };
    ApiError::new(code, error.to_string())
}

/// A submission the core's rules refused.
pub(crate) fn pulse_to_api(error: PulseError) -> ApiError {
    let code = match error {
        PulseError::WeekClosed { .. } => ErrorCode::WeekClosed,
        PulseError::WeekNotOpen { .. } => ErrorCode::WeekNotOpen,
        PulseError::NoAnswers => ErrorCode::NoAnswers,
        PulseError::UnknownItem { .. } => ErrorCode::UnknownItem,
        PulseError::ItemNotInWeek { .. } => ErrorCode::ItemNotInWeek,
        PulseError::DuplicateAnswer { .. } => ErrorCode::DuplicateAnswer,
        PulseError::ValueOutOfScale { .. } => ErrorCode::ValueOutOfScale,
        PulseError::NoteTooLong { .. } => ErrorCode::NoteTooLong,
        PulseError::InvalidWorkWeek { .. } => ErrorCode::InvalidWorkWeek,
    };
    ApiError::new(code, error.to_string())
}
