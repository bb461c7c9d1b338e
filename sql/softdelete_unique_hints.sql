-- enable() warns for each unique index (the primary key aside) that still
-- counts soft-deleted rows, with the index to create instead: the same
-- index with "deleted_at IS NULL" added to its predicate.  An index whose
-- predicate implies that deleted_at is NULL is fine.
CREATE TABLE suh_users (id int PRIMARY KEY, email text, tenant int, login text, code text,
                        other_deleted_at timestamptz, deleted_at timestamptz);
CREATE UNIQUE INDEX suh_a_lower ON suh_users (lower(email));
CREATE UNIQUE INDEX suh_b_login ON suh_users (tenant, login text_pattern_ops DESC) INCLUDE (code);
CREATE UNIQUE INDEX suh_c_other ON suh_users (email) WHERE other_deleted_at IS NULL;
CREATE UNIQUE INDEX suh_d_or ON suh_users (code) WHERE deleted_at IS NULL OR tenant > 0;
CREATE UNIQUE INDEX suh_e_and ON suh_users (code, tenant) WHERE tenant > 0 AND deleted_at IS NULL;
CREATE UNIQUE INDEX suh_f_live ON suh_users ((email || login)) WHERE deleted_at IS NULL;
SELECT audit_softdelete.enable('suh_users');
-- the hints are indexes PostgreSQL takes
CREATE UNIQUE INDEX ON public.suh_users (lower(email)) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX ON public.suh_users (tenant, login text_pattern_ops DESC) INCLUDE (code) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX ON public.suh_users (email) WHERE (other_deleted_at IS NULL) AND deleted_at IS NULL;
CREATE UNIQUE INDEX ON public.suh_users (code) WHERE ((deleted_at IS NULL) OR (tenant > 0)) AND deleted_at IS NULL;

-- A deleted_at of another name, with a name that needs quoting.
CREATE TABLE suh_mapped (id int PRIMARY KEY, email text, "Removed At" timestamptz);
CREATE UNIQUE INDEX suh_mapped_email ON suh_mapped (email);
CREATE UNIQUE INDEX suh_mapped_live ON suh_mapped (email, id) WHERE "Removed At" IS NULL;
SELECT audit_softdelete.enable('suh_mapped', columns => '{"deleted_at": "Removed At"}');

DROP TABLE suh_users, suh_mapped;
