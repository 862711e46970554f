-- Schema version 6 of the organisation server: one-time personal codes and
-- blind-signed enrolment credentials (RFC 9474, RSABSSA-SHA384-PSS-Randomized).
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- What is absent, on purpose: no table joins a personal code to a credential,
-- a credential to a device, or a code to a device. A code is deleted when it
-- is spent (with secure_delete on), so the database shows how many codes of a
-- team are still unspent, never which one was spent when. The server signs a
-- blinded message it cannot read, and sees the unblinded message only at
-- enrolment, where it keeps its hash alone, in a table with no team, no
-- device and no order (WITHOUT ROWID).

-- One RSA-2048 key pair per team, created with the team's first personal
-- codes. The private key is stored unencrypted (PKCS#8 DER): the server
-- holds no other secret that could encrypt it, and the database file is
-- already the server's most sensitive asset (see docs/threat-model.md).
CREATE TABLE team_credential_keys (
    team_id TEXT PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    secret_key_der BLOB NOT NULL,
    public_key_der BLOB NOT NULL
) WITHOUT ROWID;

-- Unspent personal codes: the SHA-256 of each normalised code and its team.
CREATE TABLE personal_codes (
    code_hash BLOB PRIMARY KEY CHECK (length(code_hash) = 32),
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX personal_codes_by_team ON personal_codes (team_id);

-- Credential messages already used to enrol, by SHA-256 only, so a
-- credential enrols one device once.
CREATE TABLE spent_credentials (
    message_hash BLOB PRIMARY KEY CHECK (length(message_hash) = 32)
) WITHOUT ROWID;
