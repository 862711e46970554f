-- Schema version 12 of the organisation server: the organisation's care contacts.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- Duty of care: when a week's answers are low (WHO-5 raw score below 13, or
-- a burnout answer of 3 or more) the app shows, on the device only, where to
-- find help. The organisation's part of that is here: its employee assistance
-- programme, its occupational doctor and a trusted person, each a name in
-- English and Italian and one way to reach them, set by the administrator
-- (`polso-server set-care-contacts`). Every device of the organisation reads
-- the same rows on its regular server check (`GET /v1/care-contacts`).
--
-- What is absent: anything about who saw the care path, or when. The server
-- never learns it; no table, column or log line could hold it.
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
) STRICT, WITHOUT ROWID;
