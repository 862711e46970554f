-- Schema version 2: the queue of weekly reports waiting for the sync client.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- A report is held until its week's pulse window closes and is then sent with a
-- random delay (DESIGN.md, privacy model point 3). The payload holds item values
-- and metric scores only, never the note. Deleting a week's pulse deletes its
-- queued report too.
CREATE TABLE report_queue (
    week TEXT NOT NULL PRIMARY KEY REFERENCES pulses (week) ON DELETE CASCADE,
    -- The serialized report, as the sync client will send it.
    payload TEXT NOT NULL,
    -- Where the report is in its life, such as 'pending' or 'sent'; the sync client owns the values.
    state TEXT NOT NULL,
    -- How many times sending has been tried.
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- The earliest time, RFC 3339 in UTC, at which the next attempt may be made; NULL once sent.
    next_attempt_at TEXT NULL
) STRICT;
