-- Schema version 11 of the organisation server: actions HR records for a team.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- An action is what HR (or a manager) will do about a team's results: a short
-- text, who owns it and by when. It is HR's own writing, never an employee's
-- answer, and is shown only to HR tokens that reach the team and to the
-- team's own devices, in the app's "My team" view.
CREATE TABLE actions (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    owner TEXT NOT NULL CHECK (length(owner) BETWEEN 1 AND 100),
    -- YYYY-MM-DD.
    due TEXT NOT NULL CHECK (length(due) = 10),
    -- RFC 3339, UTC.
    recorded_at TEXT NOT NULL
) STRICT;

CREATE INDEX actions_by_team ON actions (team_id, recorded_at);
