-- Schema version 1 of a helper server's database (two-server aggregation).
-- The helper is held by another party than the organisation (in Italy the
-- RSU or a works-council delegate). It never holds a report: only its own
-- secret shares, sealed to it by the devices, summed per team and week.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.

-- The helper's identity: who holds it, and its HPKE secret key.
CREATE TABLE identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    party TEXT NOT NULL,
    secret_key BLOB NOT NULL CHECK (length(secret_key) = 32)
) STRICT;

-- Each organisation it is paired with, as pinned at pairing (the pairing
-- file without the leader's token, in JSON) and the hash of that token.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    pairing TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    paired_at TEXT NOT NULL
) STRICT;

-- The helper's sums of verified shares per team and week
-- (polso_vdaf::WeekShares), deleted when the week is released.
CREATE TABLE sums (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    week_index INTEGER NOT NULL,
    team_id TEXT NOT NULL,
    shares BLOB NOT NULL,
    PRIMARY KEY (organisation_id, week_index, team_id)
) STRICT;

-- Reports verified and summed, so a replay is never summed twice and a
-- retry gets the same answer; deleted when the week is released.
CREATE TABLE verified (
    report_id BLOB PRIMARY KEY CHECK (length(report_id) = 16),
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    week_index INTEGER NOT NULL,
    team_id TEXT NOT NULL,
    messages BLOB NOT NULL
) STRICT;

-- Every release the helper agreed to, for the employees' representatives
-- to read: its answer (so a retry gets the same noise) and a summary.
CREATE TABLE releases (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    week_index INTEGER NOT NULL,
    released_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    response TEXT NOT NULL,
    PRIMARY KEY (organisation_id, week_index)
) STRICT;
