-- Variant 5: no trigger; the application writes the audit row itself (see
-- the *_app.sql scripts), the same row variant 2 writes, into
-- ref_audit_logs (ref_audit_logs.sql).
\ir ref_defaults.sql
