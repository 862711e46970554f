-- Schema version 9 of the organisation server: saved column mappings of CX survey exports.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- A CX tool's export (Qualtrics, SurveyMonkey, Google Forms, a spreadsheet)
-- is read through a mapping: which column names the team, which the date and
-- in which order, which columns are NPS, CSAT or CES answers with their scale
-- and direction, and which rows to keep (see polso_core::survey). HR confirms
-- a mapping once per source and saves it under a name, so next month's file
-- of the same source imports in one step.
--
-- A mapping belongs to the scope of the HR token that saved it: '' for the
-- whole organisation (and the administrator's command line), otherwise the
-- token's department ids, sorted and joined by ','. A token reads its own
-- scope's mappings and the organisation's, and writes only its own, so a
-- department's HR cannot change how the organisation's files are read, nor
-- read another department's sources.
CREATE TABLE cx_mappings (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- polso_core::survey::SurveyMapping as JSON.
    mapping TEXT NOT NULL CHECK (json_valid(mapping)),
    -- RFC 3339, UTC: when it was last saved.
    saved_at TEXT NOT NULL,
    PRIMARY KEY (organisation_id, scope, name)
) STRICT, WITHOUT ROWID;
