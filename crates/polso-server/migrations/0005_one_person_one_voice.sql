-- Schema version 5 of the organisation server: team head-counts and enrolment weeks.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- One person, one voice: the administrator declares how many people each team
-- has, and the devices enrolled to a team can never outnumber them, so one
-- invite code cannot give one person the k − 1 extra voices that would push
-- a team over k. A team whose head-count is not declared (NULL, as every team
-- of an older database is) enrols no new device until the administrator
-- declares it with `set-headcount`; its devices already enrolled go on
-- reporting.
ALTER TABLE teams ADD COLUMN headcount INTEGER CHECK (headcount IS NULL OR headcount BETWEEN 1 AND 10000);

-- The ISO week (numbered continuously, see polso_core::IsoWeek::index) in
-- which a device enrolled, so that it cannot report for weeks before it
-- existed. The week only: never the day or the time. NULL for devices enrolled
-- before this version. devices stays WITHOUT ROWID, so the order of
-- enrolments is not kept either.
ALTER TABLE devices ADD COLUMN enrolled_week_index INTEGER;

-- Counting a team's devices at each enrolment reads this index, not the table.
CREATE INDEX devices_by_team ON devices (team_id);

-- The rule again, beneath the code: whatever path enrols a device, a team
-- with a declared head-count never holds more devices than it, and its
-- head-count is never lowered below the devices it holds (revoke devices
-- first). The code checks first and answers with a clear error; these only
-- stop a path that forgot.
CREATE TRIGGER devices_within_headcount_on_insert
BEFORE INSERT ON devices
WHEN (SELECT headcount FROM teams WHERE id = NEW.team_id) IS NOT NULL
 AND (SELECT count(*) FROM devices WHERE team_id = NEW.team_id)
     >= (SELECT headcount FROM teams WHERE id = NEW.team_id)
BEGIN
    SELECT RAISE(ABORT, 'the team already has as many devices as its declared head-count');
END;

CREATE TRIGGER devices_within_headcount_on_move
BEFORE UPDATE OF team_id ON devices
WHEN NEW.team_id IS NOT OLD.team_id
 AND (SELECT headcount FROM teams WHERE id = NEW.team_id) IS NOT NULL
 AND (SELECT count(*) FROM devices WHERE team_id = NEW.team_id)
     >= (SELECT headcount FROM teams WHERE id = NEW.team_id)
BEGIN
    SELECT RAISE(ABORT, 'the team already has as many devices as its declared head-count');
END;

CREATE TRIGGER headcount_not_below_devices
BEFORE UPDATE OF headcount ON teams
WHEN NEW.headcount IS NULL
  OR NEW.headcount < (SELECT count(*) FROM devices WHERE team_id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'a head-count cannot be removed or set below the devices the team holds');
END;
