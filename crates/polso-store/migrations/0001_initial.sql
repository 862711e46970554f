-- Schema version 1: the employee's saved weekly pulses and the app's settings.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- Tables are STRICT so that SQLite itself refuses a value of the wrong type; the
-- store still parses every value it reads back.

-- One row per ISO week with a saved pulse.
CREATE TABLE pulses (
    -- The ISO week in its canonical text form, such as '2026-W48'.
    week TEXT NOT NULL PRIMARY KEY,
    -- Weeks since 2000-W01 (IsoWeek::index), so that weeks sort across years.
    week_index INTEGER NOT NULL UNIQUE,
    -- Where the week was worked; both present or both absent.
    office_days INTEGER NULL,
    remote_days INTEGER NULL,
    -- The employee's private note. It never leaves the device.
    note TEXT NULL,
    -- When the pulse was last saved, RFC 3339 in UTC.
    saved_at TEXT NOT NULL,
    CHECK ((office_days IS NULL) = (remote_days IS NULL))
) STRICT;

-- The answers of a week's pulse, one row per item, in the order they were given.
CREATE TABLE answers (
    week TEXT NOT NULL REFERENCES pulses (week) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (week, item_id)
) STRICT;

-- The metric scores computed from a week's answers, one row per metric.
CREATE TABLE metric_scores (
    week TEXT NOT NULL REFERENCES pulses (week) ON DELETE CASCADE,
    -- The metric's stable key (Metric::key), such as 'wellbeing'.
    metric TEXT NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (week, metric)
) STRICT;

-- Application settings as text keys and text values.
CREATE TABLE settings (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
