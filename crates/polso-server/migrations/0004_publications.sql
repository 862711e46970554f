-- Schema version 4 of the organisation server: published weekly snapshots.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- A week is published once, as an immutable snapshot, when its collection
-- window closes (polso_core::collection). The k rule, secondary suppression,
-- the histogram minimum and differential privacy run then, once; HR reads only
-- what is stored here. At publication the week's raw team sums and its
-- receipts are deleted, so a copy of the database shows no past week below k.

-- One row per published week of an organisation, with the rules it was published under.
CREATE TABLE publications (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    week_index INTEGER NOT NULL,
    -- RFC 3339, UTC.
    published_at TEXT NOT NULL,
    k INTEGER NOT NULL CHECK (k >= 3),
    -- ε per released cell as an exact ratio, NULL when differential privacy was off.
    dp_epsilon_numerator INTEGER CHECK (dp_epsilon_numerator > 0),
    dp_epsilon_denominator INTEGER CHECK (dp_epsilon_denominator > 0),
    PRIMARY KEY (organisation_id, week_index)
) STRICT, WITHOUT ROWID;

-- The released cells of published weeks, noised when differential privacy was
-- on. A cell that was not released has no row: nothing about it is kept.
CREATE TABLE published_cells (
    organisation_id TEXT NOT NULL,
    week_index INTEGER NOT NULL,
    -- The item id or metric key, as clients name it.
    key TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    n INTEGER NOT NULL CHECK (n >= 3),
    mean REAL NOT NULL,
    -- NULL when the cell's count was below the histogram minimum.
    sd REAL,
    histogram TEXT,
    PRIMARY KEY (organisation_id, key, week_index, unit_id),
    FOREIGN KEY (organisation_id, week_index) REFERENCES publications (organisation_id, week_index)
) STRICT, WITHOUT ROWID;

-- The privacy ledger: the ε each published week spent on each person of a
-- team (every released cell covering the team, at every level).
CREATE TABLE privacy_ledger (
    team_id TEXT NOT NULL REFERENCES teams (id),
    week_index INTEGER NOT NULL,
    epsilon REAL NOT NULL CHECK (epsilon >= 0),
    PRIMARY KEY (team_id, week_index)
) STRICT, WITHOUT ROWID;

-- Receipts lose their content digest (with a captured device token it told
-- every past report of the device) and gain their week, so they can be deleted
-- when the week is published. Receipts kept from before have no week; they
-- are deleted at the next publication.
CREATE TABLE report_receipts_v4 (
    receipt BLOB PRIMARY KEY,
    organisation_id TEXT REFERENCES organisations (id),
    week_index INTEGER
) STRICT, WITHOUT ROWID;
INSERT INTO report_receipts_v4 (receipt) SELECT receipt FROM report_receipts;
DROP TABLE report_receipts;
ALTER TABLE report_receipts_v4 RENAME TO report_receipts;
