# audit_softdelete: PGXS build.  Run the tests with test/run-tests.sh,
# which starts a throwaway cluster and calls "make installcheck";
# under PGXS "make check" does nothing.

MODULE_big = audit_softdelete
OBJS = \
	src/audit_softdelete.o \
	src/actor.o \
	src/tracked.o \
	src/relinfo.o \
	src/foreign_keys.o \
	src/trigger_check.o \
	src/statement.o \
	src/row_movement.o \
	src/stamp.o \
	src/rowjson.o \
	src/jsonb_writer.o \
	src/audit_write.o \
	src/audit.o \
	src/softdelete.o \
	src/mark_deleted.o \
	src/cascade.o \
	src/key_compare.o \
	src/viewmode.o \
	src/version.o \
	src/internal.o \
	src/restore.o \
	src/history.o \
	src/trigger_guard.o \
	src/ddl_log.o \
	src/issue12_stubs.o

EXTENSION = audit_softdelete
# Every install and upgrade script: ALTER EXTENSION ... UPDATE walks them.
DATA = $(wildcard audit_softdelete--*.sql)

# The library's version is the control file's default_version: one owner.
EXTVERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" audit_softdelete.control)
PG_CPPFLAGS = -DASD_LIBRARY_VERSION='"$(EXTVERSION)"'
PGFILEDESC = "audit_softdelete - stamps, soft delete and audit trail"

# One feature per file; each file creates and drops what it uses.
REGRESS = \
	install \
	version \
	enable \
	enable_errors \
	save_table_options \
	stamps \
	actor \
	actor_setting_names \
	actor_types \
	column_mapping \
	partitioned \
	partitioned_moves \
	statement_paths \
	statement_boundaries \
	trigger_misuse \
	trigger_guard \
	disable \
	relinfo_cache \
	audit_basic \
	audit_types \
	jsonb_writer \
	audit_exclude_redact \
	audit_ddl \
	migration_ddl \
	migration_drift \
	audit_paths \
	audit_rollback \
	audit_security \
	internal_functions \
	audit_context \
	audit_truncate \
	audit_writer \
	audit_writer_definitions \
	audit_indexes \
	softdelete_trigger \
	softdelete_marking \
	softdelete_fk \
	softdelete_fk_types \
	softdelete_fk_privileges \
	softdelete_restore \
	softdelete_key_types \
	softdelete_purge \
	softdelete_view \
	softdelete_view_defaults \
	softdelete_view_delete \
	softdelete_view_audit \
	softdelete_view_drop \
	softdelete_partitioned

ISOLATION = concurrent_stamps concurrent_audit concurrent_softdelete

REGRESS_OPTS = --load-extension=audit_softdelete
ISOLATION_OPTS = --load-extension=audit_softdelete

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Every file shares the one header: rebuild them all when it changes.
$(OBJS): src/audit_softdelete.h
src/ddl_log.o src/issue12_stubs.o: src/ddl_log.h

# The version is compiled in.
src/version.o: audit_softdelete.control
