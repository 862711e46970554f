-- Schema version 1 of the organisation server.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- What is absent matters as much as what is here: no table holds a report, a
-- name of a person, an e-mail address, a raw token or an invite code. Tokens
-- and codes are kept as SHA-256 hashes; reports exist only as the sums they
-- were folded into. Tables keyed by hashes are WITHOUT ROWID, so the order in
-- which rows were written is not kept beside them.

-- The server's own key for receipts, made at first start.
CREATE TABLE server_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL CHECK (length(secret) = 32)
) STRICT;

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- The schedule seed every device of the organisation uses; below 2^53.
    seed INTEGER NOT NULL CHECK (seed >= 0),
    -- The minimum group size of a released cell; see polso_core::anonymity.
    k INTEGER NOT NULL CHECK (k >= 3)
) STRICT;

CREATE TABLE departments (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    UNIQUE (organisation_id, name)
) STRICT;

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    UNIQUE (department_id, name)
) STRICT;

CREATE TABLE invites (
    code_hash BLOB PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id),
    -- RFC 3339, UTC.
    expires_at TEXT NOT NULL,
    uses_left INTEGER NOT NULL CHECK (uses_left >= 0)
) STRICT, WITHOUT ROWID;

-- An enrolled device: the hash of its token and its team. Nothing else, not
-- even when it enrolled.
CREATE TABLE devices (
    token_hash BLOB PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id)
) STRICT, WITHOUT ROWID;

CREATE TABLE hr_tokens (
    id TEXT PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- 1 when the token reaches the whole organisation, 0 when only the departments listed below.
    whole_organisation INTEGER NOT NULL CHECK (whole_organisation IN (0, 1)),
    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) STRICT;

CREATE TABLE hr_token_departments (
    hr_token_id TEXT NOT NULL REFERENCES hr_tokens (id),
    department_id TEXT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (hr_token_id, department_id)
) STRICT, WITHOUT ROWID;

-- One row per counted report: HMAC(server secret, device token, week) and a
-- digest of the report keyed by the device token, to tell a retry from a
-- different report. Neither can be computed without the raw device token.
CREATE TABLE report_receipts (
    receipt BLOB PRIMARY KEY,
    content_digest BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- The sums every report is folded into, per team, ISO week (numbered
-- continuously, see polso_core::IsoWeek::index) and item or metric
-- ('item:<id>' or 'metric:<key>').
CREATE TABLE aggregates (
    team_id TEXT NOT NULL REFERENCES teams (id),
    week_index INTEGER NOT NULL,
    key TEXT NOT NULL,
    n INTEGER NOT NULL CHECK (n >= 0),
    sum REAL NOT NULL,
    sum_squares REAL NOT NULL,
    -- A JSON array of counts, one per scale point or score bin.
    histogram TEXT NOT NULL,
    PRIMARY KEY (team_id, week_index, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX aggregates_by_key_and_week ON aggregates (key, week_index);
