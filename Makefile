# audit_softdelete: PGXS build.  Run the tests with test/run-tests.sh,
# which starts a throwaway cluster and calls "make installcheck";
# under PGXS "make check" does nothing.

MODULE_big = audit_softdelete
OBJS = \
	src/audit_softdelete.o \
	src/actor.o \
	src/owner.o \
	src/tracked.o \
	src/roles.o \
	src/relinfo.o \
	src/foreign_keys.o \
	src/call_check.o \
	src/statement.o \
	src/row_movement.o \
	src/stamp.o \
	src/implied_stamps.o \
	src/rowjson.o \
	src/jsonb_writer.o \
	src/audit_space.o \
	src/audit_write.o \
	src/audit.o \
	src/softdelete.o \
	src/mark_deleted.o \
	src/cascade.o \
	src/live_parent.o \
	src/key_compare.o \
	src/viewmode.o \
	src/version.o \
	src/internal.o \
	src/restore.o \
	src/history.o \
	src/as_of.o \
	src/column_history.o \
	src/undo.o \
	src/revert.o \
	src/sql_text.o \
	src/txid_era.o \
	src/trigger_guard.o \
	src/fingerprint.o \
	src/ddl_log.o \
	src/migration.o \
	src/migration_checksum.o \
	src/migration_lock.o \
	src/migration_ledger.o \
	src/migration_repair.o \
	src/migration_status.o

EXTENSION = audit_softdelete
# Out-of-tree builds (pg_buildext) find the sources where this Makefile is,
# and make the objects' directory.
srcroot := $(dir $(firstword $(MAKEFILE_LIST)))
# Every install and upgrade script: ALTER EXTENSION ... UPDATE walks them.
DATA = $(patsubst $(srcroot)%,%,$(wildcard $(srcroot)audit_softdelete--*.sql))

# The library's version is the control file's default_version: one owner.
EXTVERSION := $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(srcroot)audit_softdelete.control)
$(shell mkdir -p src)
PG_CPPFLAGS = -DASD_LIBRARY_VERSION='"$(EXTVERSION)"'
PGFILEDESC = "audit_softdelete - stamps, soft delete and audit trail"

# One feature per file; each file creates and drops what it uses.
REGRESS = \
	install \
	install_schema_owner \
	reference \
	version \
	enable \
	enable_errors \
	enable_role_column_key \
	enable_inheritance \
	enable_schema \
	enable_schema_future \
	status \
	status_schema_usage \
	role_columns \
	check_options \
	save_table_options \
	stamps \
	actor \
	actor_procedure \
	actor_setting_names \
	actor_types \
	column_mapping \
	partitioned \
	partitioned_moves \
	partitioned_foreign \
	statement_paths \
	statement_boundaries \
	trigger_misuse \
	hand_attached \
	trigger_guard \
	trigger_guard_after \
	trigger_guard_names \
	disable \
	relinfo_cache \
	audit_basic \
	audit_implied_stamps \
	audit_types \
	jsonb_writer \
	audit_exclude_redact \
	audit_ddl \
	migration_ddl \
	migration_ddl_guard \
	migration_ddl_skip \
	migration_ddl_grants \
	migration_drift \
	migration_ddl_link \
	audit_paths \
	audit_rollback \
	audit_security \
	owner_code_not_as_extension_owner \
	audit_configuration \
	internal_functions \
	audit_context \
	audit_truncate \
	audit_writer \
	audit_writer_search_path \
	audit_writer_definitions \
	audit_writer_partition \
	audit_writer_statement \
	audit_indexes \
	changes \
	as_of \
	as_of_old_key \
	as_of_hidden_rows \
	undo \
	undo_context_reserved \
	undo_foreign_keys \
	undo_key_settings \
	key_domain_not_null \
	undo_key_moved \
	undo_rekeyed \
	undo_options_then \
	undo_no_stamps \
	undo_in_turn \
	undo_rules \
	undo_skipped \
	undo_column_x \
	undo_hidden_rows \
	revert \
	txid_eras \
	txid_eras_read_only \
	audit_summarise_ranges \
	audit_summary_error \
	audit_space_reuse \
	audit_space_truncation \
	audit_space_index_change \
	audit_writes_at_end \
	audit_bloom_range_size \
	row_history_keys \
	row_history_offsets \
	row_history_styles \
	softdelete_trigger \
	softdelete_marking \
	softdelete_own_triggers \
	softdelete_trigger_rights \
	softdelete_owner_search_path \
	softdelete_unique_hints \
	softdelete_fk \
	softdelete_fk_types \
	softdelete_fk_collation \
	key_cascade_settings \
	softdelete_fk_privileges \
	softdelete_live_parent \
	softdelete_live_parent_attach \
	softdelete_live_parent_update_cascade \
	softdelete_live_parent_sync \
	softdelete_live_parent_restore \
	softdelete_live_parent_statement \
	softdelete_restore \
	softdelete_restore_rights \
	restore_bookkeeping \
	softdelete_key_types \
	key_nested_types \
	history_hstore \
	history_hstore_nested \
	key_float_digits \
	key_equal_spellings \
	key_collation_search_path \
	key_nested_settings \
	softdelete_purge \
	softdelete_physical_only \
	progress_notices \
	softdelete_view \
	softdelete_view_defaults \
	softdelete_view_owner \
	softdelete_view_grants \
	softdelete_view_grants_columns \
	softdelete_view_names \
	orm_statements \
	orm_foreign_keys \
	orm_upserts \
	softdelete_view_delete \
	softdelete_view_audit \
	softdelete_view_drop \
	softdelete_view_quoted_names \
	softdelete_view_rename \
	softdelete_partitioned \
	migration_fingerprint \
	migration_checksum \
	migration_checksum_encoding \
	migration_runs \
	migration_session_run \
	migration_version_check \
	migration_repair \
	migration_resolve_drift \
	migration_security

ISOLATION = concurrent_stamps concurrent_audit concurrent_softdelete \
	view_delete_race \
	audit_summarise_locks undo_race revert_race \
	audit_space_retry \
	concurrent_trigger_guard migration_concurrent migration_holder \
	implied_stamps_race live_parent_race live_parent_cache_race upsert_race

REGRESS_OPTS = --load-extension=audit_softdelete
ISOLATION_OPTS = --load-extension=audit_softdelete

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# An object depends on the headers of ours that its source includes: every
# source includes src/audit_softdelete.h, and the other headers include no
# header of ours but that one (see there).
headers_of = $(filter $(wildcard src/*.h),$(addprefix src/,$(shell sed -n 's/^[#]include "\(.*\)"/\1/p' $(1))))
$(foreach obj,$(OBJS),$(eval $(obj) $(obj:.o=.bc): $(call headers_of,$(obj:.o=.c))))

# The version is compiled in.
src/version.o: $(srcroot)audit_softdelete.control

# The PGXN distribution: the committed tree at HEAD, as
# audit_softdelete-<version>.zip with that directory inside.
DIST_VERSION = $(shell sed -n 's/^ *"version": "\([0-9.]*\)",$$/\1/p' META.json | head -1)
dist:
	git archive --format zip --prefix=audit_softdelete-$(DIST_VERSION)/ \
		-o audit_softdelete-$(DIST_VERSION).zip HEAD
.PHONY: dist
