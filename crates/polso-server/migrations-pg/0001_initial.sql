-- Schema version 1 of the organisation server on PostgreSQL: the same tables,
-- keys and rules as the SQLite schema at its version 13 (see ../migrations),
-- written once in PostgreSQL's types.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- Differences from SQLite, on purpose:
-- - byte strings are BYTEA, integers BIGINT, reals DOUBLE PRECISION; times
--   stay RFC 3339 text, as in SQLite, so both stores read and write them alike;
-- - a histogram is a BIGINT[] updated in SQL (one counter per bin), not JSON;
-- - the head-count and manager rules are PL/pgSQL triggers. The head-count
--   triggers lock the team's row first, so two replicas enrolling into one
--   team at once cannot both pass the count.

CREATE TABLE server_secret (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    secret BYTEA NOT NULL CHECK (octet_length(secret) = 32)
);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- The schedule seed every device of the organisation uses; below 2^53.
    seed BIGINT NOT NULL CHECK (seed >= 0),
    -- The minimum group size of a released cell; see polso_core::anonymity.
    k BIGINT NOT NULL CHECK (k >= 3),
    dp_epsilon_numerator BIGINT CHECK (dp_epsilon_numerator > 0),
    dp_epsilon_denominator BIGINT CHECK (dp_epsilon_denominator > 0),
    dp_release BIGINT NOT NULL DEFAULT 0 CHECK (dp_release >= 0)
);

CREATE TABLE departments (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    UNIQUE (organisation_id, name)
);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    headcount BIGINT CHECK (headcount IS NULL OR headcount BETWEEN 1 AND 10000),
    UNIQUE (department_id, name)
);

CREATE TABLE invites (
    code_hash BYTEA PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id),
    -- RFC 3339, UTC.
    expires_at TEXT NOT NULL,
    uses_left BIGINT NOT NULL CHECK (uses_left >= 0)
);

-- The ISO week (polso_core::IsoWeek::index) a device enrolled in: the week
-- only, never the day or the time.
CREATE TABLE devices (
    token_hash BYTEA PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id),
    enrolled_week_index BIGINT
);
CREATE INDEX devices_by_team ON devices (team_id);

CREATE TABLE hr_tokens (
    id TEXT PRIMARY KEY,
    token_hash BYTEA NOT NULL UNIQUE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    -- 1 when the token reaches the whole organisation, 0 when only the departments listed below.
    whole_organisation BIGINT NOT NULL CHECK (whole_organisation IN (0, 1)),
    revoked BIGINT NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    role TEXT NOT NULL DEFAULT 'hr' CHECK (role IN ('hr', 'manager'))
);

CREATE TABLE hr_token_departments (
    hr_token_id TEXT NOT NULL REFERENCES hr_tokens (id),
    department_id TEXT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (hr_token_id, department_id)
);

CREATE TABLE hr_token_teams (
    hr_token_id TEXT NOT NULL REFERENCES hr_tokens (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (hr_token_id, team_id)
);

-- HMAC(server secret, device token, week): one per device and week, kept
-- only until the week is published.
CREATE TABLE report_receipts (
    receipt BYTEA PRIMARY KEY,
    organisation_id TEXT REFERENCES organisations (id),
    week_index BIGINT
);

CREATE TABLE aggregates (
    team_id TEXT NOT NULL REFERENCES teams (id),
    week_index BIGINT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL CHECK (n >= 0),
    sum DOUBLE PRECISION NOT NULL,
    sum_squares DOUBLE PRECISION NOT NULL,
    -- One counter per scale point or score bin.
    histogram BIGINT[] NOT NULL,
    PRIMARY KEY (team_id, week_index, key)
);
CREATE INDEX aggregates_by_key_and_week ON aggregates (key, week_index);

CREATE TABLE cx_scores (
    team_id TEXT NOT NULL REFERENCES teams (id),
    week_index BIGINT NOT NULL,
    metric TEXT NOT NULL CHECK (length(metric) BETWEEN 1 AND 64),
    value DOUBLE PRECISION NOT NULL,
    n BIGINT CHECK (n IS NULL OR n >= 1),
    -- RFC 3339, UTC: when the row was last written.
    imported_at TEXT NOT NULL,
    PRIMARY KEY (team_id, week_index, metric)
);

CREATE TABLE publications (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    week_index BIGINT NOT NULL,
    -- RFC 3339, UTC.
    published_at TEXT NOT NULL,
    k BIGINT NOT NULL CHECK (k >= 3),
    -- ε per released cell as an exact ratio, NULL when differential privacy was off.
    dp_epsilon_numerator BIGINT CHECK (dp_epsilon_numerator > 0),
    dp_epsilon_denominator BIGINT CHECK (dp_epsilon_denominator > 0),
    PRIMARY KEY (organisation_id, week_index)
);

CREATE TABLE published_cells (
    organisation_id TEXT NOT NULL,
    week_index BIGINT NOT NULL,
    -- The item id or metric key, as clients name it.
    key TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    n BIGINT NOT NULL CHECK (n >= 3),
    mean DOUBLE PRECISION NOT NULL,
    -- NULL when the cell's count was below the histogram minimum.
    sd DOUBLE PRECISION,
    histogram BIGINT[],
    PRIMARY KEY (organisation_id, key, week_index, unit_id),
    FOREIGN KEY (organisation_id, week_index) REFERENCES publications (organisation_id, week_index)
);

CREATE TABLE privacy_ledger (
    team_id TEXT NOT NULL REFERENCES teams (id),
    week_index BIGINT NOT NULL,
    epsilon DOUBLE PRECISION NOT NULL CHECK (epsilon >= 0),
    PRIMARY KEY (team_id, week_index)
);

-- One person, one voice, beneath the code (see ../migrations/0005): a team
-- with a declared head-count never holds more devices than it, and its
-- head-count is never lowered below the devices it holds. The team's row is
-- locked first, so concurrent enrolments into one team are counted one at a time.
CREATE FUNCTION devices_within_headcount() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    limit_count BIGINT;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.team_id IS NOT DISTINCT FROM OLD.team_id THEN
        RETURN NEW;
    END IF;
    SELECT headcount INTO limit_count FROM teams WHERE id = NEW.team_id FOR UPDATE;
    IF limit_count IS NOT NULL
        AND (SELECT count(*) FROM devices WHERE team_id = NEW.team_id) >= limit_count THEN
        RAISE EXCEPTION 'the team already has as many devices as its declared head-count';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER devices_within_headcount_on_insert
BEFORE INSERT ON devices FOR EACH ROW EXECUTE FUNCTION devices_within_headcount();
CREATE TRIGGER devices_within_headcount_on_move
BEFORE UPDATE OF team_id ON devices FOR EACH ROW EXECUTE FUNCTION devices_within_headcount();

CREATE FUNCTION headcount_not_below_devices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.headcount IS NULL
        OR NEW.headcount < (SELECT count(*) FROM devices WHERE team_id = NEW.id) THEN
        RAISE EXCEPTION 'a head-count cannot be removed or set below the devices the team holds';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER headcount_not_below_devices
BEFORE UPDATE OF headcount ON teams FOR EACH ROW EXECUTE FUNCTION headcount_not_below_devices();

-- Blind-signed enrolment (see ../migrations/0006).
CREATE TABLE team_credential_keys (
    team_id TEXT PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
    secret_key_der BYTEA NOT NULL,
    public_key_der BYTEA NOT NULL
);

CREATE TABLE personal_codes (
    code_hash BYTEA PRIMARY KEY CHECK (octet_length(code_hash) = 32),
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE
);
CREATE INDEX personal_codes_by_team ON personal_codes (team_id);

CREATE TABLE spent_credentials (
    message_hash BYTEA PRIMARY KEY CHECK (octet_length(message_hash) = 32)
);

CREATE TABLE questionnaire_adoptions (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The first week it applies to; NULL for the organisation's first questionnaire.
    from_week BIGINT,
    edition BIGINT NOT NULL CHECK (edition >= 1),
    who5 BIGINT NOT NULL CHECK (who5 IN (0, 1)),
    UNIQUE (organisation_id, from_week)
);
CREATE UNIQUE INDEX one_first_questionnaire ON questionnaire_adoptions (organisation_id)
    WHERE from_week IS NULL;

-- Two-server aggregation (see ../migrations/0008).
CREATE TABLE helper_links (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    party TEXT NOT NULL,
    public_key BYTEA NOT NULL CHECK (octet_length(public_key) = 32),
    verify_key BYTEA NOT NULL CHECK (octet_length(verify_key) = 32),
    token TEXT NOT NULL,
    from_week BIGINT NOT NULL
);

CREATE TABLE shared_pending (
    report_id BYTEA PRIMARY KEY CHECK (octet_length(report_id) = 16),
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    team_id TEXT NOT NULL REFERENCES teams (id),
    week_index BIGINT NOT NULL,
    public_shares BYTEA NOT NULL,
    leader_shares BYTEA NOT NULL,
    helper_encapsulated_key BYTEA NOT NULL,
    helper_ciphertext BYTEA NOT NULL
);
CREATE INDEX shared_pending_by_week ON shared_pending (organisation_id, week_index);

CREATE TABLE shared_sums (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    week_index BIGINT NOT NULL,
    shares BYTEA NOT NULL,
    PRIMARY KEY (team_id, week_index)
);

CREATE TABLE cx_mappings (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- polso_core::survey::SurveyMapping as JSON, kept as saved.
    mapping TEXT NOT NULL CHECK ((mapping::JSONB) IS NOT NULL),
    -- RFC 3339, UTC: when it was last saved.
    saved_at TEXT NOT NULL,
    PRIMARY KEY (organisation_id, scope, name)
);

-- Manager tokens reach teams only (see ../migrations/0010).
CREATE FUNCTION manager_tokens_reach_teams_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'hr_tokens' THEN
        IF NEW.role = 'manager' AND NEW.whole_organisation = 1 THEN
            RAISE EXCEPTION 'a manager token reaches teams only';
        END IF;
    ELSIF TG_TABLE_NAME = 'hr_token_departments' THEN
        IF (SELECT role FROM hr_tokens WHERE id = NEW.hr_token_id) = 'manager' THEN
            RAISE EXCEPTION 'a manager token reaches teams only';
        END IF;
    ELSIF (SELECT role FROM hr_tokens WHERE id = NEW.hr_token_id) IS DISTINCT FROM 'manager' THEN
        RAISE EXCEPTION 'only a manager token is granted teams';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER manager_tokens_are_never_whole_organisation
BEFORE INSERT ON hr_tokens FOR EACH ROW EXECUTE FUNCTION manager_tokens_reach_teams_only();
CREATE TRIGGER manager_tokens_reach_teams_only
BEFORE INSERT ON hr_token_departments FOR EACH ROW EXECUTE FUNCTION manager_tokens_reach_teams_only();
CREATE TRIGGER team_grants_are_for_manager_tokens_only
BEFORE INSERT ON hr_token_teams FOR EACH ROW EXECUTE FUNCTION manager_tokens_reach_teams_only();

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
);
CREATE INDEX actions_by_team ON actions (team_id, recorded_at);

CREATE TABLE care_contacts (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('employee_assistance', 'occupational_doctor', 'trusted_person')),
    name_en TEXT NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
    name_it TEXT NOT NULL CHECK (length(name_it) BETWEEN 1 AND 100),
    contact TEXT NOT NULL CHECK (length(contact) BETWEEN 1 AND 300),
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'email', 'url')),
    -- RFC 3339, UTC: when the administrator last set it.
    set_at TEXT NOT NULL,
    PRIMARY KEY (organisation_id, role)
);

-- Anonymous comments (see ../migrations/0013).
CREATE TABLE comment_settings (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    batch_size BIGINT NOT NULL CHECK (batch_size BETWEEN 10 AND 1000)
);

CREATE TABLE comment_batches (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    -- YYYY-MM-DD: the only time a batch carries.
    released_on TEXT NOT NULL CHECK (length(released_on) = 10)
);
CREATE INDEX comment_batches_by_team ON comment_batches (team_id, released_on);

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    thread_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(thread_hash) = 32),
    -- NULL while the comment waits in its team's pool.
    batch_id TEXT NULL REFERENCES comment_batches (id) ON DELETE CASCADE
);
CREATE INDEX comments_by_batch ON comments (team_id, batch_id);

CREATE TABLE comment_authors_pending (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    author_key BYTEA NOT NULL CHECK (octet_length(author_key) = 32),
    PRIMARY KEY (team_id, author_key)
);

CREATE TABLE comment_replies (
    id TEXT PRIMARY KEY,
    comment_id TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    author TEXT NOT NULL CHECK (author IN ('hr', 'manager')),
    -- YYYY-MM-DD.
    written_on TEXT NOT NULL CHECK (length(written_on) = 10),
    written_at TEXT NOT NULL
);
CREATE INDEX comment_replies_by_comment ON comment_replies (comment_id, written_at);

CREATE TABLE action_verdicts (
    action_id TEXT PRIMARY KEY REFERENCES actions (id) ON DELETE CASCADE,
    pending_helped BIGINT NOT NULL DEFAULT 0 CHECK (pending_helped >= 0),
    pending_did_not_help BIGINT NOT NULL DEFAULT 0 CHECK (pending_did_not_help >= 0),
    pending_too_early BIGINT NOT NULL DEFAULT 0 CHECK (pending_too_early >= 0),
    helped BIGINT NOT NULL DEFAULT 0 CHECK (helped >= 0),
    did_not_help BIGINT NOT NULL DEFAULT 0 CHECK (did_not_help >= 0),
    too_early BIGINT NOT NULL DEFAULT 0 CHECK (too_early >= 0)
);

CREATE TABLE action_verdict_voters (
    action_id TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    voter_key BYTEA NOT NULL CHECK (octet_length(voter_key) = 32),
    PRIMARY KEY (action_id, voter_key)
);
