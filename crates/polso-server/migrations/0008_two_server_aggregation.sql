-- Schema version 8 of the organisation server: two-server aggregation. The
-- organisation's server (the leader) holds its secret shares of reports,
-- never a report: each report it keeps is a leader share (uniformly random
-- alone) and the helper's shares sealed to the helper's key.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.

-- The helper an organisation aggregates with, from which week. Weeks before
-- `from_week` stay one-server.
CREATE TABLE helper_links (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    party TEXT NOT NULL,
    -- The helper's HPKE public key (X25519, 32 bytes), which devices pin.
    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
    -- The secret both servers verify proofs with; no device knows it.
    verify_key BLOB NOT NULL CHECK (length(verify_key) = 32),
    -- The leader's bearer token at the helper.
    token TEXT NOT NULL,
    -- The first week aggregated with the helper (polso_core::IsoWeek::index).
    from_week INTEGER NOT NULL
) STRICT;

-- Reports received as shares and not yet verified with the helper. A row
-- leaves when the helper has answered for it: folded into `shared_sums` or
-- refused. Nothing in it links to a device.
CREATE TABLE shared_pending (
    report_id BLOB PRIMARY KEY CHECK (length(report_id) = 16),
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    team_id TEXT NOT NULL REFERENCES teams (id),
    week_index INTEGER NOT NULL,
    public_shares BLOB NOT NULL,
    leader_shares BLOB NOT NULL,
    helper_encapsulated_key BLOB NOT NULL,
    helper_ciphertext BLOB NOT NULL
) STRICT;

CREATE INDEX shared_pending_by_week ON shared_pending (organisation_id, week_index);

-- The leader's sums of verified shares per team and week
-- (polso_vdaf::WeekShares), deleted when the week is published.
CREATE TABLE shared_sums (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    week_index INTEGER NOT NULL,
    shares BLOB NOT NULL,
    PRIMARY KEY (team_id, week_index)
) STRICT;
