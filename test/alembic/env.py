"""Alembic environment that records every revision in audit_softdelete's
migration ledger, inside the revision's own transaction.

Everything but the engine (from ASD_ALEMBIC_URL) and target_metadata is
the recipe docs/migrations.md shows under "Alembic": keep the two alike.
"""
import json
import os

from alembic import context
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["ASD_ALEMBIC_URL"])
target_metadata = None

# the revision being applied, for migration_fail() after a rollback
running = {}


class LedgerStep:
    """A revision step that opens its ledger row before its first statement."""
    def __init__(self, connection, step):
        self._connection, self._step = connection, step

    def __getattr__(self, name):
        return getattr(self._step, name)

    def migration_fn(self, **kw):
        rev = self._step.revision
        with open(rev.path, encoding="utf-8") as f:
            script = f.read()
        running.update(version=rev.revision)
        run_id = self._connection.execute(text(
            "SELECT audit_softdelete.migration_begin(:v, :doc,"
            " audit_softdelete.migration_checksum(:script), CAST(:ctx AS jsonb), :dir)"),
            dict(v=rev.revision, doc=rev.doc, script=script, ctx=json.dumps({"tool": "alembic"}),
                 dir="up" if self._step.is_upgrade else "down")).scalar()
        if run_id is None:
            raise RuntimeError(f"the ledger has {rev.revision} applied, alembic_version does not")
        return self._step.migration_fn(**kw)


def ledger_finish(ctx, step, heads, run_args):    # still in the revision's transaction
    ctx.connection.execute(text("SELECT audit_softdelete.migration_finish()"))
    running.clear()


def run_migrations_online():
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          transaction_per_migration=True, on_version_apply=[ledger_finish])
        mc = context.get_context()
        steps = mc._migrations_fn
        mc._migrations_fn = lambda heads, ctx: (LedgerStep(connection, s) for s in steps(heads, ctx))
        try:
            with context.begin_transaction():
                context.run_migrations()
        except Exception as error:
            if running:                           # after the rollback; optional
                with connection.begin():
                    connection.execute(text("SELECT audit_softdelete.migration_fail(:v, :e)"),
                                       dict(v=running["version"], e=str(error).splitlines()[0]))
            raise


run_migrations_online()
