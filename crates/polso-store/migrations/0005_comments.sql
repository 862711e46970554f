-- Schema version 5: the employee's own comments and "did it help?" answers.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- A comment is the employee's free text for a week (DESIGN.md, privacy model
-- point 6). This table is their own copy: it stays on the device whatever
-- happens on the server. It is sent like a report, once its week has closed
-- and after a random delay, with a random thread token whose secret half
-- lives in the OS keyring, never here. HR's replies are kept beside it once
-- fetched.
CREATE TABLE comments (
    week TEXT NOT NULL PRIMARY KEY,
    text TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 1000),
    -- RFC 3339, UTC: when it was last written.
    written_at TEXT NOT NULL,
    -- 'draft' while its week is open, then 'pending' (due at next_attempt_at),
    -- 'sent' (taken into the team's pool) or 'failed' (refused for good).
    state TEXT NOT NULL CHECK (state IN ('draft', 'pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NULL,
    sent_at TEXT NULL,
    last_error_code TEXT NULL,
    last_error_message TEXT NULL,
    -- 1 once the server says the comment reached HR in a batch.
    released INTEGER NOT NULL DEFAULT 0 CHECK (released IN (0, 1)),
    -- HR's replies as fetched: a JSON array of {text, author, written_on}.
    replies TEXT NOT NULL DEFAULT '[]'
) STRICT;

-- "Did it help?" about an action of the employee's team: sent once, after a
-- random delay, through the same path as a report.
CREATE TABLE action_verdicts (
    action_id TEXT NOT NULL PRIMARY KEY,
    verdict TEXT NOT NULL CHECK (verdict IN ('helped', 'did_not_help', 'too_early')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TEXT NULL
) STRICT;
