-- Schema version 7 of the organisation server: each organisation's
-- questionnaire in time (which edition of the schedule its devices follow
-- from which week, and whether the WHO-5 module is on).
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- Organisations that existed before editions keep edition 2, with its WHO-5
-- week, from the start, so their history and their devices' schedule do not
-- change; an administrator adopts edition 3 at a cycle boundary with
-- `polso-server set-questionnaire`.

CREATE TABLE questionnaire_adoptions (
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The first week it applies to (polso_core::IsoWeek::index); NULL for the
    -- organisation's first questionnaire, which applies from the start.
    from_week INTEGER,
    edition INTEGER NOT NULL CHECK (edition >= 1),
    who5 INTEGER NOT NULL CHECK (who5 IN (0, 1)),
    UNIQUE (organisation_id, from_week)
) STRICT;

-- NULLs are distinct in a UNIQUE constraint: one first questionnaire per organisation.
CREATE UNIQUE INDEX one_first_questionnaire ON questionnaire_adoptions (organisation_id)
    WHERE from_week IS NULL;

INSERT INTO questionnaire_adoptions (organisation_id, from_week, edition, who5)
    SELECT id, NULL, 2, 1 FROM organisations;
