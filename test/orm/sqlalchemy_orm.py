"""test/orm/sqlalchemy_orm.py: an application on SQLAlchemy's ORM, unchanged,
on tables audit_softdelete enabled in both soft-delete modes.  Run by
test/scripts/orm_sqlalchemy.sh with /usr/bin/python3 (Debian's
python3-sqlalchemy and python3-psycopg2); prints one "ok - " or "not ok - "
line per check.

Shown:
  - view mode: the ORM inserts (the key from RETURNING, the stamps the
    trigger wrote fetched back as server values), updates under a version
    counter (the UPDATE must count its row), deletes (the DELETE must count
    its row: SQLAlchemy checks), and the deleted row is gone from the view
    but kept in the table;
  - trigger mode: the same application with confirm_deleted_rows=False
    (the DELETE counts 0 rows there, as the README says), reading live rows
    with deleted_at IS NULL;
  - the actor named once per transaction with set_actor() stamps and audits
    every write of that transaction; a rolled-back session leaves neither
    rows nor audit rows;
  - restore() brings the row back into the view (an audited change by its
    caller), and the ORM sees it again.
"""
import os
import sys
import warnings

from sqlalchemy import (Column, DateTime, FetchedValue, Integer, Text,
                        create_engine, select, text)
from sqlalchemy.orm import Session, declarative_base

warnings.simplefilter("error")      # an ORM row-count warning fails the run

failed = False


def check(name, expected, got):
    global failed
    if expected == got:
        print("ok - " + name)
    else:
        failed = True
        print("not ok - %s\n  expected: %r\n  got:      %r" % (name, expected, got))


engine = create_engine(os.environ["ASD_ORM_URL"], future=True)
Base = declarative_base()


class Invoice(Base):
    """A view-mode table: the application maps the live view by its name."""
    __tablename__ = "invoices"
    id = Column(Integer, primary_key=True)
    customer = Column(Text, nullable=False)
    amount = Column(Integer, nullable=False)
    version = Column(Integer, nullable=False)
    created_at = Column(DateTime(timezone=True), server_default=FetchedValue())
    created_by = Column(Text, server_default=FetchedValue())
    updated_at = Column(DateTime(timezone=True), server_default=FetchedValue(),
                        server_onupdate=FetchedValue())
    updated_by = Column(Text, server_default=FetchedValue(),
                        server_onupdate=FetchedValue())
    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


class Note(Base):
    """A trigger-mode table: DELETE marks the row and counts none."""
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True)
    body = Column(Text)
    deleted_at = Column(DateTime(timezone=True))
    deleted_by = Column(Text)
    __mapper_args__ = {"confirm_deleted_rows": False}


def audit_actions(table):
    """The audit rows of a table (view mode: its <name>_all), oldest first."""
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(
            "SELECT l.action, l.actor FROM audit_softdelete.audit_logs l"
            "  JOIN audit_softdelete.tracked_tables t USING (table_id)"
            " WHERE t.relid = CAST(:t AS regclass) ORDER BY l.id"), {"t": table})]


# view mode
with Session(engine) as s, s.begin():
    s.execute(text("SELECT audit_softdelete.set_actor('alice')"))
    inv = Invoice(customer="acme", amount=100)
    s.add(inv)
    s.flush()
    inv_id = inv.id
    check("view mode: the key comes back from the INSERT", True, inv_id is not None)
    check("view mode: the stamps are fetched back", ("alice", "alice"),
          (inv.created_by, inv.updated_by))
    check("view mode: the version counter starts at 1", 1, inv.version)

with Session(engine) as s, s.begin():
    s.execute(text("SELECT audit_softdelete.set_actor('bob')"))
    inv = s.get(Invoice, inv_id)
    inv.amount = 120
    s.flush()           # UPDATE ... WHERE id = ? AND version = ?: must count 1
    check("view mode: the versioned UPDATE counts its row", 2, inv.version)
    check("view mode: updated_by follows the actor, created_by stays", ("alice", "bob"),
          (inv.created_by, inv.updated_by))

with Session(engine) as s, s.begin():
    s.execute(text("SELECT audit_softdelete.set_actor('carol')"))
    s.delete(s.get(Invoice, inv_id))
    s.flush()           # a DELETE that counted 0 rows would warn, an error here

with Session(engine) as s:
    check("view mode: the deleted row is gone from the view", None, s.get(Invoice, inv_id))
with engine.connect() as c:
    check("view mode: and kept in the table, marked", ["carol"],
          [r[0] for r in c.execute(text("SELECT deleted_by FROM invoices_all WHERE id = :i"),
                                   {"i": inv_id})])

# a rolled-back session writes nothing, audit rows included
with Session(engine) as s:
    s.begin()
    s.execute(text("SELECT audit_softdelete.set_actor('mallory')"))
    s.add(Invoice(customer="ghost", amount=1))
    s.flush()
    s.rollback()
check("view mode: audit rows, one per committed write, with its actor",
      [("INSERT", "alice"), ("UPDATE", "bob"), ("SOFT_DELETE", "carol")],
      audit_actions("invoices_all"))

with Session(engine) as s, s.begin():
    s.execute(text("SELECT audit_softdelete.set_actor('dave')"))
    restored = s.execute(text("SELECT audit_softdelete.restore('invoices', :k)"),
                         {"k": '{"id": %d}' % inv_id}).scalar()
    check("view mode: restore() brings the row back", 1, restored)
with Session(engine) as s:
    inv = s.get(Invoice, inv_id)
    check("view mode: the ORM sees the restored row, the restore stamped by its actor",
          (120, "alice", "dave"), (inv.amount, inv.created_by, inv.updated_by) if inv else None)
check("view mode: the restore is audited too",
      ("RESTORE", "dave"), audit_actions("invoices_all")[-1])

# trigger mode
with Session(engine) as s, s.begin():
    s.execute(text("SELECT audit_softdelete.set_actor('erin')"))
    note = Note(body="draft")
    s.add(note)
    s.flush()
    note_id = note.id
    note.body = "final"
    s.flush()
with Session(engine) as s, s.begin():
    s.execute(text("SELECT audit_softdelete.set_actor('frank')"))
    s.delete(s.get(Note, note_id))
with Session(engine) as s:
    live = s.execute(select(Note).where(Note.deleted_at.is_(None))).scalars().all()
    check("trigger mode: the deleted row is not among the live rows", [], [n.id for n in live])
    kept = s.get(Note, note_id)
    check("trigger mode: the row is kept, marked by the actor", "frank",
          kept.deleted_by if kept else None)
check("trigger mode: audit rows with their actors",
      [("INSERT", "erin"), ("UPDATE", "erin"), ("SOFT_DELETE", "frank")],
      audit_actions("notes"))

sys.exit(1 if failed else 0)
