-- Schema version 13 of the organisation server: anonymous comments, HR's
-- replies, and the pooled "did it help?" answers to actions.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- A comment is pooled per team and released to HR only in a batch of at least
-- `comment_settings.batch_size` comments (never below 10), from as many
-- devices. What is absent is the point:
--
-- - no device, no token hash and no arrival time next to a comment. Its id is
--   random and the tables are WITHOUT ROWID, so rows are kept in the order of
--   their random keys, not of their arrival;
-- - `comment_authors_pending` holds, only while a team's pool fills, a keyed
--   hash per device that has a comment waiting (so one device cannot fill a
--   batch alone), in a table of its own with nothing that points at a comment;
--   it is emptied when the batch is released;
-- - a comment's thread is known only by the SHA-256 of a token its device
--   keeps; a reply is fetched with the token and no device token.
--
-- "Did it help?" answers are counts, never rows: pending counts per action
-- that move into the released ones only once they hold at least k answers,
-- and a keyed hash per device and action that answered, so each answers once.
CREATE TABLE comment_settings (
    organisation_id TEXT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    batch_size INTEGER NOT NULL CHECK (batch_size BETWEEN 10 AND 1000)
) STRICT;

CREATE TABLE comment_batches (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    -- YYYY-MM-DD: the only time a batch carries.
    released_on TEXT NOT NULL CHECK (length(released_on) = 10)
) STRICT, WITHOUT ROWID;

CREATE INDEX comment_batches_by_team ON comment_batches (team_id, released_on);

CREATE TABLE comments (
    id TEXT PRIMARY KEY,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    thread_hash BLOB NOT NULL UNIQUE CHECK (length(thread_hash) = 32),
    -- NULL while the comment waits in its team's pool.
    batch_id TEXT NULL REFERENCES comment_batches (id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX comments_by_batch ON comments (team_id, batch_id);

CREATE TABLE comment_authors_pending (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    author_key BLOB NOT NULL CHECK (length(author_key) = 32),
    PRIMARY KEY (team_id, author_key)
) STRICT, WITHOUT ROWID;

CREATE TABLE comment_replies (
    id TEXT PRIMARY KEY,
    comment_id TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    author TEXT NOT NULL CHECK (author IN ('hr', 'manager')),
    -- YYYY-MM-DD.
    written_on TEXT NOT NULL CHECK (length(written_on) = 10),
    -- Orders a comment's replies; a reply is HR's writing, not an employee's.
    written_at TEXT NOT NULL
) STRICT;

CREATE INDEX comment_replies_by_comment ON comment_replies (comment_id, written_at);

CREATE TABLE action_verdicts (
    action_id TEXT PRIMARY KEY REFERENCES actions (id) ON DELETE CASCADE,
    pending_helped INTEGER NOT NULL DEFAULT 0 CHECK (pending_helped >= 0),
    pending_did_not_help INTEGER NOT NULL DEFAULT 0 CHECK (pending_did_not_help >= 0),
    pending_too_early INTEGER NOT NULL DEFAULT 0 CHECK (pending_too_early >= 0),
    helped INTEGER NOT NULL DEFAULT 0 CHECK (helped >= 0),
    did_not_help INTEGER NOT NULL DEFAULT 0 CHECK (did_not_help >= 0),
    too_early INTEGER NOT NULL DEFAULT 0 CHECK (too_early >= 0)
) STRICT;

CREATE TABLE action_verdict_voters (
    action_id TEXT NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
    voter_key BLOB NOT NULL CHECK (length(voter_key) = 32),
    PRIMARY KEY (action_id, voter_key)
) STRICT, WITHOUT ROWID;
