-- Schema version 14 of the organisation server: the database's generation.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- A random id (32 hex digits), made when the database is created and made
-- anew by `polso-server restore` and `polso-server new-generation` when the
-- database is put back from a backup. Devices read it with every answer to
-- a report: a new one tells them that reports acknowledged after the backup
-- may be lost, and they send again what they still hold (the receipts keep
-- each counted once). It says nothing about a device, a report or a time.
-- The row is written at first start, beside the server's secret.
CREATE TABLE server_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation TEXT NOT NULL CHECK (length(generation) = 32),
    -- When the operator last restored (RFC 3339, UTC); NULL for a database never restored.
    -- A device that enrols after it may still report the weeks not yet published then.
    restored_at TEXT NULL
) STRICT;
