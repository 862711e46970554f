-- Schema version 10 of the organisation server: manager tokens.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- Manager tokens (issue 16): an HR token of the role 'manager' reaches the
-- teams listed in hr_token_teams (their results, with their departments' and
-- the organisation's cells beside them) and nothing else. Existing tokens
-- keep the role 'hr' and the scope they had. Only the token's hash is kept,
-- as for HR tokens.
ALTER TABLE hr_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'hr' CHECK (role IN ('hr', 'manager'));

CREATE TABLE hr_token_teams (
    hr_token_id TEXT NOT NULL REFERENCES hr_tokens (id),
    team_id TEXT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (hr_token_id, team_id)
) STRICT, WITHOUT ROWID;

-- A manager token never reaches the whole organisation, nor departments.
CREATE TRIGGER manager_tokens_reach_teams_only
BEFORE INSERT ON hr_token_departments
WHEN (SELECT role FROM hr_tokens WHERE id = NEW.hr_token_id) = 'manager'
BEGIN
    SELECT RAISE(ABORT, 'a manager token reaches teams only');
END;

CREATE TRIGGER manager_tokens_are_never_whole_organisation
BEFORE INSERT ON hr_tokens
WHEN NEW.role = 'manager' AND NEW.whole_organisation = 1
BEGIN
    SELECT RAISE(ABORT, 'a manager token reaches teams only');
END;

CREATE TRIGGER team_grants_are_for_manager_tokens_only
BEFORE INSERT ON hr_token_teams
WHEN (SELECT role FROM hr_tokens WHERE id = NEW.hr_token_id) IS NOT 'manager'
BEGIN
    SELECT RAISE(ABORT, 'only a manager token is granted teams');
END;
