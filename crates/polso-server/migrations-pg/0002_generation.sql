-- Schema version 2 of the organisation server on PostgreSQL: the database's
-- generation, as SQLite's version 14 (see ../migrations/0014_generation.sql).
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- A random id (32 hex digits), made when the database is created and made
-- anew by `polso-server new-generation` after the database is restored from
-- a backup; devices that see a new one send again the reports they still
-- hold. The row is written at first start, beside the server's secret.
CREATE TABLE server_generation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    generation TEXT NOT NULL CHECK (length(generation) = 32),
    -- When the operator last restored (RFC 3339, UTC); NULL for a database never restored.
    restored_at TEXT NULL
);
