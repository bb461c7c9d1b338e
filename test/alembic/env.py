"""Alembic environment that records every revision in audit_softdelete's
migration ledger, inside the revision's own transaction.

The ledger part is the recipe the README shows: copy LedgerStep,
record_failure and the lines marked "ledger" into your own env.py.
"""
import json
import os

from alembic import context
from sqlalchemy import create_engine, text

# ledger: the revision being applied, for record_failure()
_running = {}


def ledger_begin(connection, step):
    """Open the revision's ledger row before its first statement: takes the
    one-migration-at-a-time lock and marks the audit rows it writes."""
    revision = step.revision
    with open(revision.path, encoding="utf-8") as f:
        script = f.read()
    direction = "up" if step.is_upgrade else "down"
    _running.update(version=revision.revision, direction=direction)
    run_id = connection.execute(
        text("SELECT audit_softdelete.migration_begin("
             " :version, :description, audit_softdelete.migration_checksum(:script),"
             " CAST(:context AS jsonb), :direction)"),
        dict(version=revision.revision, description=revision.doc, script=script,
             context=json.dumps({"tool": "alembic"}), direction=direction),
    ).scalar()
    if run_id is None:
        raise RuntimeError("the ledger already has %s applied, but alembic does not"
                           % revision.revision)


class LedgerStep:
    """A migration step whose function opens its ledger row first."""

    def __init__(self, connection, step):
        self._connection = connection
        self._step = step

    def __getattr__(self, name):
        return getattr(self._step, name)

    def migration_fn(self, **kw):
        ledger_begin(self._connection, self._step)
        return self._step.migration_fn(**kw)


def ledger_finish(ctx, step, heads, run_args):
    """on_version_apply: still in the revision's transaction, so the
    'succeeded' row commits with the revision or not at all."""
    ctx.connection.execute(text("SELECT audit_softdelete.migration_finish()"))
    _running.clear()


def record_failure(connection, error):
    """After the revision's transaction rolled back: optional, the ledger is
    truthful without it, but says why."""
    if not _running:
        return
    with connection.begin():
        connection.execute(
            text("SELECT audit_softdelete.migration_fail(:version, :error)"),
            dict(version=_running["version"], error=str(error).splitlines()[0]))


def run_migrations_online():
    engine = create_engine(os.environ["ASD_ALEMBIC_URL"])
    with engine.connect() as connection:
        context.configure(connection=connection,
                          transaction_per_migration=True,   # ledger
                          on_version_apply=[ledger_finish])  # ledger
        # ledger: every step opens its ledger row first
        migration_context = context.get_context()
        steps = migration_context._migrations_fn
        migration_context._migrations_fn = (
            lambda heads, ctx: (LedgerStep(connection, s) for s in steps(heads, ctx)))
        try:
            with context.begin_transaction():
                context.run_migrations()
        except Exception as error:
            record_failure(connection, error)    # ledger
            raise


run_migrations_online()
