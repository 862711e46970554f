-- Schema version 3: what happened to each queued weekly report.
--
-- Shipped: never edit this file. Change the schema by adding the next numbered file.
--
-- The sync client records when the server took a report, and why the last
-- attempt failed, as the machine-readable code and the server's sentence. The
-- message names weeks and items, never a value of a note: reports hold none.
ALTER TABLE report_queue ADD COLUMN sent_at TEXT NULL;
ALTER TABLE report_queue ADD COLUMN last_error_code TEXT NULL;
ALTER TABLE report_queue ADD COLUMN last_error_message TEXT NULL;
