//! What blind-signature enrolment keeps: each team's key pair, the unspent
//! personal codes (as hashes) and the spent credential messages (as hashes),
//! behind [`CredentialStore`] (implemented in `sqlite::credentials` and `pg::credentials`).
//!
//! A trait of its own, reached through [`crate::ServerStore::credentials`],
//! so the request path's trait stays small and a backend without it simply
//! answers that personal codes are not known.
//!
//! Architecture invariant: nothing here joins a personal code to a
//! credential message or to a device. Spending a code deletes its row in one
//! transaction that writes nothing else; enrolling with a credential writes
//! the message's hash and the device in another, and neither names the other.

use chrono::{DateTime, Utc};

use crate::credential::TeamKeyDer;
use crate::error::{Result, ServerError};
use crate::secrets::Hash32;
use crate::store::{Enrolment, ServerStore};

/// The team a personal code enrols into, and the key the app blinds for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalCodeTeam {
    /// The team's id.
    pub team_id: String,
    /// The team's name.
    pub team_name: String,
    /// The team's public key, SubjectPublicKeyInfo DER.
    pub public_key_der: Vec<u8>,
}

/// The storage of blind-signature enrolment.
pub trait CredentialStore: Send + Sync {
    /// Whether the team has its key pair yet.
    fn has_team_key(&self, team_id: &str) -> Result<bool>;

    /// Stores `code_hashes` as unspent personal codes of the team, and `key`
    /// as the team's key pair unless it has one already (the existing one
    /// stays). `NotFound` when there is no such team; nothing is stored then.
    fn add_personal_codes(
        &self,
        team_id: &str,
        key: Option<&TeamKeyDer>,
        code_hashes: &[Hash32],
    ) -> Result<()>;

    /// How many personal codes of the team are unspent.
    fn unspent_personal_codes(&self, team_id: &str) -> Result<u32>;

    /// The team and public key of an unspent personal code; `None` when the
    /// code is not known (never issued, or spent).
    fn personal_code_team(&self, code_hash: &Hash32) -> Result<Option<PersonalCodeTeam>>;

    /// Spends a personal code: `sign` runs with the team's private key (PKCS#8
    /// DER) and the code is deleted in the same transaction, so it is spent
    /// exactly when a signature leaves. `InviteUnknown` when the code is not
    /// known; `TeamFull` (or `HeadcountNotDeclared`) when its team has no free
    /// place now, so the credential could not enrol; when `sign` fails the
    /// code stays unspent.
    fn spend_personal_code(
        &self,
        code_hash: &Hash32,
        sign: &mut (dyn FnMut(&[u8]) -> Result<Vec<u8>> + Send),
    ) -> Result<Vec<u8>>;

    /// The team's public key, when it has one.
    fn team_public_key(&self, team_id: &str) -> Result<Option<Vec<u8>>>;

    /// Enrols a device with a verified credential: records the message's
    /// hash (`InviteExhausted` when it was used before), checks the team's
    /// head-count and stores the device, all in one transaction.
    fn redeem_credential(
        &self,
        team_id: &str,
        message_hash: &Hash32,
        device_token_hash: &Hash32,
        now: DateTime<Utc>,
    ) -> Result<Enrolment>;
}

/// Whether a team of `headcount` holding `n_devices` has a free place for
/// one more device: `HeadcountNotDeclared` while it has no head-count,
/// `TeamFull` when its devices fill it. Checked before a code is spent (a
/// credential that could not enrol now would be lost with its code) and
/// again when a credential enrols.
pub(crate) fn check_free_place(team_id: &str, headcount: Option<u32>, n_devices: u32) -> Result<()> {
    match headcount {
        None => Err(ServerError::HeadcountNotDeclared { team_id: team_id.to_owned() }),
        Some(headcount) if n_devices >= headcount => {
            Err(ServerError::TeamFull { team_id: team_id.to_owned(), headcount })
        }
        Some(_) => Ok(()),
    }
}

/// Why personal codes cannot be stored for a team without its key pair.
pub(crate) fn no_credential_key(team_id: &str) -> ServerError {
    ServerError::InvalidInput(format!("team '{team_id}' has no credential key yet"))
}

/// What `create-personal-codes` prints: the codes, shown once, and the
/// fingerprint of the team's key.
#[derive(Clone, PartialEq, Eq)]
pub struct CreatedPersonalCodes {
    /// The team.
    pub team_id: String,
    /// The new codes; the server keeps only their hashes.
    pub codes: Vec<String>,
    /// The fingerprint of the team's public key ([`crate::credential::key_fingerprint`]).
    pub key_fingerprint: String,
    /// How many of the team's codes are unspent now, these included.
    pub unspent: u32,
}

impl std::fmt::Debug for CreatedPersonalCodes {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("CreatedPersonalCodes")
            .field("team_id", &self.team_id)
            .field("n_codes", &self.codes.len())
            .field("key_fingerprint", &self.key_fingerprint)
            .field("unspent", &self.unspent)
            .finish()
    }
}

/// The most personal codes one command creates: a team's largest head-count.
pub const MAX_PERSONAL_CODES: u32 = crate::store::admin::MAX_HEADCOUNT;

/// The administrator's operation: creates `count` one-time personal codes
/// for a team (and the team's key pair, with its first codes). Each code
/// enrols one device through a blind-signed credential; the team's
/// head-count still caps its devices.
pub fn create_personal_codes(
    store: &dyn ServerStore,
    team_id: &str,
    count: u32,
) -> Result<CreatedPersonalCodes> {
    if count == 0 || count > MAX_PERSONAL_CODES {
        return Err(ServerError::InvalidInput(format!(
            "personal codes are created 1 to {MAX_PERSONAL_CODES} at a time, not {count}"
        )));
    }
    let credentials = store
        .credentials()
        .ok_or_else(|| ServerError::InvalidInput("this storage backend has no personal codes".to_owned()))?;
    if store.team_organisation(team_id)?.is_none() {
        return Err(ServerError::NotFound(format!("there is no team '{team_id}'")));
    }
    let new_key =
        if credentials.has_team_key(team_id)? { None } else { Some(crate::credential::generate_team_key()?) };
    let codes =
        (0..count).map(|_| crate::credential::new_personal_code()).collect::<Result<Vec<String>>>()?;
    let code_hashes: Vec<Hash32> = codes
        .iter()
        .map(|code| {
            crate::credential::normalise_personal_code(code)
                .map(|normalised| crate::credential::personal_code_hash(&normalised))
                .ok_or_else(|| ServerError::CorruptData("a new personal code does not normalise".to_owned()))
        })
        .collect::<Result<_>>()?;
    credentials.add_personal_codes(team_id, new_key.as_ref(), &code_hashes)?;
    let public_key_der = credentials
        .team_public_key(team_id)?
        .ok_or_else(|| ServerError::CorruptData(format!("team '{team_id}' has codes but no key")))?;
    Ok(CreatedPersonalCodes {
        team_id: team_id.to_owned(),
        codes,
        key_fingerprint: crate::credential::key_fingerprint(&public_key_der),
        unspent: credentials.unspent_personal_codes(team_id)?,
    })
}
