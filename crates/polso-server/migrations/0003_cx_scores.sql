-- Schema version 3 of the organisation server: customer-experience (CX) scores per team and week.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- CX scores are customer data about a team (NPS, CSAT, CES, first-contact
-- resolution or a custom metric), imported from CX tools' CSV exports (see
-- polso_core::cx); nothing here comes from an employee. One row per team, ISO
-- week (numbered continuously, see polso_core::IsoWeek::index, as in
-- aggregates) and metric key, so importing the same file again replaces rows
-- instead of adding to them. n is the number of customer responses, when known.
CREATE TABLE cx_scores (
    team_id TEXT NOT NULL REFERENCES teams (id),
    week_index INTEGER NOT NULL,
    metric TEXT NOT NULL CHECK (length(metric) BETWEEN 1 AND 64),
    value REAL NOT NULL,
    n INTEGER CHECK (n IS NULL OR n >= 1),
    -- RFC 3339, UTC: when the row was last written.
    imported_at TEXT NOT NULL,
    PRIMARY KEY (team_id, week_index, metric)
) STRICT, WITHOUT ROWID;
