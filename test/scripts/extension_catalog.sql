-- test/scripts/extension_catalog.sql: everything the installed extension
-- defines, one line per fact, in a stable order and without OIDs, so that
-- two databases can be compared with diff (used by upgrade.sh).
WITH ext AS (
    SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'audit_softdelete'
), members AS (
    SELECT d.classid, d.objid
      FROM pg_catalog.pg_depend d, ext
     WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.refobjid = ext.oid AND d.deptype = 'e'
), rels AS (
    SELECT c.oid, c.oid::pg_catalog.regclass::text AS name
      FROM members m JOIN pg_catalog.pg_class c ON c.oid = m.objid
     WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
)
SELECT line FROM (
    -- every member object, by kind and identity
    SELECT 'member ' || pg_catalog.pg_describe_object(m.classid, m.objid, 0) AS line
      FROM members m
    UNION ALL
    -- functions: their whole definition, owner's grants; aggregates: their
    -- transition function and state type (pg_get_functiondef refuses them)
    SELECT 'function ' || p.oid::pg_catalog.regprocedure || E'\n'
           || CASE WHEN p.prokind = 'a'
                   THEN (SELECT 'aggregate sfunc ' || a.aggtransfn::pg_catalog.regprocedure
                                || ' stype ' || a.aggtranstype::pg_catalog.regtype
                                || ' initcond ' || coalesce(a.agginitval, '-')
                           FROM pg_catalog.pg_aggregate a WHERE a.aggfnoid = p.oid)
                   ELSE pg_catalog.pg_get_functiondef(p.oid) END
           || E'\n  acl ' || coalesce(p.proacl::text, 'default')
      FROM members m JOIN pg_catalog.pg_proc p ON p.oid = m.objid
     WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
    UNION ALL
    -- relations: kind, options, grants
    SELECT 'relation ' || r.name || ' kind ' || c.relkind::text
           || ' options ' || coalesce(c.reloptions::text, '{}')
           || ' acl ' || coalesce(c.relacl::text, 'default')
      FROM rels r JOIN pg_catalog.pg_class c ON c.oid = r.oid
    UNION ALL
    -- columns in order, with type, NOT NULL, default, generation, grants
    SELECT 'column ' || r.name || '.' || a.attnum || ' ' || a.attname || ' '
           || pg_catalog.format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
           || coalesce(' default ' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), '')
           || CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END
           || coalesce(' acl ' || a.attacl::text, '')
      FROM rels r
      JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    UNION ALL
    SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid)
      FROM rels r JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
    UNION ALL
    SELECT 'constraint ' || r.name || ' ' || co.conname || ' '
           || pg_catalog.pg_get_constraintdef(co.oid)
      FROM rels r JOIN pg_catalog.pg_constraint co ON co.conrelid = r.oid
    UNION ALL
    SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid)
      FROM rels r JOIN pg_catalog.pg_trigger t ON t.tgrelid = r.oid
    UNION ALL
    SELECT 'policy ' || r.name || ' ' || po.polname
      FROM rels r JOIN pg_catalog.pg_policy po ON po.polrelid = r.oid
    UNION ALL
    SELECT 'sequence ' || s.seqrelid::pg_catalog.regclass || ' ' || pg_catalog.format_type(s.seqtypid, NULL)
           || ' ' || s.seqstart || ' ' || s.seqincrement || ' ' || s.seqmax || ' ' || s.seqmin
           || ' ' || s.seqcache || ' ' || s.seqcycle::text
      FROM rels r JOIN pg_catalog.pg_sequence s ON s.seqrelid = r.oid
    UNION ALL
    SELECT 'event trigger ' || e.evtname || ' on ' || e.evtevent || ' '
           || e.evtfoid::pg_catalog.regproc || ' tags ' || coalesce(e.evttags::text, 'all')
           || ' enabled ' || e.evtenabled::text
      FROM members m JOIN pg_catalog.pg_event_trigger e ON e.oid = m.objid
     WHERE m.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
    UNION ALL
    -- what pg_dump keeps of the extension's tables
    SELECT 'dumped ' || cfg.relid::pg_catalog.regclass || ' where ' || quote_literal(cfg.cond)
      FROM pg_catalog.pg_extension x,
           unnest(x.extconfig, x.extcondition) AS cfg(relid, cond)
     WHERE x.extname = 'audit_softdelete'
    UNION ALL
    SELECT 'schema ' || n.nspname || ' acl ' || coalesce(n.nspacl::text, 'default')
      FROM pg_catalog.pg_namespace n WHERE n.nspname = 'audit_softdelete'
) facts
ORDER BY line;
