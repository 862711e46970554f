//! How domain and store failures become the one wire error `{code, message}`.

use polso_api::{ApiError, ErrorCode};
use polso_core::pulse::PulseError;
use polso_store::{KeyringProblem, OpenError, StoreError, VaultError};

/// A failure to open the local store, for the UI's start-up error screen.
pub fn open_error_to_api(error: &OpenError) -> ApiError {
    let code = match error {
        OpenError::KeyringUnavailable(_) => {
            keyring_code(error.keyring_problem().unwrap_or(KeyringProblem::Other))
        }
        OpenError::KeyMissing { .. } => ErrorCode::StoreKeyMissing,
        OpenError::CorruptOrWrongKey { .. } => ErrorCode::StoreCorrupt,
        OpenError::Store(StoreError::TooNew { .. }) => ErrorCode::StoreTooNew,
        _ => ErrorCode::StoreUnavailable,
    };
    ApiError::new(code, error.to_string())
}

/// The code of a keyring that cannot be used: one per cause, so the UI says
/// the next step for it.
pub(crate) fn keyring_code(problem: KeyringProblem) -> ErrorCode {
    match problem {
        KeyringProblem::NoSecretService => ErrorCode::KeyringNoSecretService,
        KeyringProblem::NoDefaultCollection => ErrorCode::KeyringNoCollection,
        KeyringProblem::Locked => ErrorCode::KeyringLocked,
        KeyringProblem::Other => ErrorCode::KeyringUnavailable,
    }
}

/// A failure of the vault that keeps the device and HR tokens.
pub(crate) fn vault_to_api(error: VaultError) -> ApiError {
    let code = keyring_code(error.keyring_problem().unwrap_or(KeyringProblem::Other));
    ApiError::new(code, error.to_string())
}

/// A failure while reading or writing the open store.
pub(crate) fn store_to_api(error: StoreError) -> ApiError {
    let code = match error {
        StoreError::TooNew { .. } => ErrorCode::StoreTooNew,
        StoreError::WrongKeyOrCorrupt { .. } => ErrorCode::StoreCorrupt,
        ref full if full.is_disk_full() => ErrorCode::StoreFull,
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
        PulseError::AnsweredAndNotApplicable { .. } => ErrorCode::DuplicateAnswer,
        PulseError::NotApplicableNotAllowed { .. } => ErrorCode::InvalidInput,
    };
    ApiError::new(code, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each cause of an unusable keyring has its own code, at start-up and
    /// when a token is kept; a refusal stays `keyring_unavailable`.
    #[test]
    fn keyring_failures_get_the_code_of_their_cause() {
        let unavailable = |detail: &str| VaultError::Unavailable {
            keyring_name: "Secret Service",
            detail: detail.to_owned(),
        };
        for (detail, code) in [
            ("DBus error: Failed to connect to socket /nonexistent/bus", ErrorCode::KeyringNoSecretService),
            ("Secret Service: no result found", ErrorCode::KeyringNoCollection),
            ("Secret Service: unlock prompt was dismissed", ErrorCode::KeyringLocked),
            ("something new", ErrorCode::KeyringUnavailable),
        ] {
            assert_eq!(vault_to_api(unavailable(detail)).code, code, "{detail}");
            assert_eq!(open_error_to_api(&OpenError::from(unavailable(detail))).code, code, "{detail}");
        }
        let refused = VaultError::Refused {
            keyring_name: "Secret Service",
            account: "a".to_owned(),
            detail: "bad".to_owned(),
        };
        assert_eq!(vault_to_api(refused).code, ErrorCode::KeyringUnavailable);
    }
}
