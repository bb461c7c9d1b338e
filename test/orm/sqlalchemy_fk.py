"""test/orm/sqlalchemy_fk.py: parent and child models joined by foreign keys,
on SQLAlchemy's ORM, unchanged, over tables audit_softdelete enabled in both
soft-delete modes (the schema is test/scripts/orm_sqlalchemy_fk.sh's).  Run
with /usr/bin/python3 (Debian's python3-sqlalchemy and python3-psycopg2);
prints one "ok - " or "not ok - " line per check.

Pairs of tables (parent -> child):
  vp -> vc  both in view mode, ON DELETE CASCADE;
  tp -> tc  both in trigger mode, ON DELETE CASCADE;
  vp -> tc2 a view-mode parent, a trigger-mode child, ON DELETE CASCADE;
  tp -> vc2 a trigger-mode parent, a view-mode child, ON DELETE CASCADE;
  vp -> pi  a child without soft delete, ON DELETE SET NULL;
  vp -> vn  both in view mode, a nullable key with no action (NO ACTION).

Shown:
  - cascade="all, delete-orphan": the ORM deletes an orphan and then a
    parent's children one by one before the parent, each DELETE counting
    its row through a live view; in trigger mode the same with
    confirm_deleted_rows=False;
  - passive_deletes=True with ON DELETE CASCADE: the ORM deletes the parent
    alone and the children follow by the soft cascade, in all four pairs
    of modes; restore() of the parent brings them back, and the ORM sees
    them;
  - the default (no delete cascade): the ORM sets the children's key to
    NULL, then deletes the parent;
  - a child added to a soft-deleted parent (a new child, a child moved
    onto it, a child appended to the parent's collection in trigger mode,
    a row without soft delete) fails with IntegrityError, 23503, and
    leaves nothing behind; so does restore() of a child whose parent is
    still deleted;
  - every committed change has its audit row, and a rolled-back session or
    savepoint leaves none.
"""
import os
import sys
import warnings

from sqlalchemy import (Column, DateTime, ForeignKey, Integer, Text,
                        create_engine, select, text)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, declarative_base, relationship

warnings.simplefilter("error")      # an ORM row-count warning fails the run

failed = False


def check(name, expected, got):
    global failed
    if expected == got:
        print("ok - " + name)
    else:
        failed = True
        print("not ok - %s\n  expected: %r\n  got:      %r" % (name, expected, got))


def sqlstate_of(work):
    """Run work(session) in a session of its own; the SQLSTATE it fails with."""
    with Session(engine) as s:
        try:
            with s.begin():
                work(s)
        except DBAPIError as e:
            return e.orig.pgcode
    return None


engine = create_engine(os.environ["ASD_ORM_URL"], future=True)
Base = declarative_base()


class VParent(Base):
    """View mode: the model maps the live view vp (the table is vp_all)."""
    __tablename__ = "vp"
    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    children = relationship("VChild", back_populates="parent",
                            cascade="all, delete-orphan", passive_deletes=True)
    mixed_children = relationship("TChild2", passive_deletes=True,
                                  cascade="all, delete-orphan")
    items = relationship("PlainItem")           # the default: nullify
    notes = relationship("VNote")               # the default: nullify


class VChild(Base):
    __tablename__ = "vc"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("vp.id"), nullable=False)
    name = Column(Text, nullable=False)
    parent = relationship("VParent", back_populates="children")


class VNote(Base):
    __tablename__ = "vn"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("vp.id"))
    body = Column(Text)


class PlainItem(Base):
    """No soft delete: a DELETE removes the row."""
    __tablename__ = "pi"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("vp.id"))
    label = Column(Text)


class TParent(Base):
    """Trigger mode: deleted rows stay visible, the DELETE counts none."""
    __tablename__ = "tp"
    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    deleted_at = Column(DateTime(timezone=True))
    children = relationship("TChild", cascade="all, delete-orphan")
    view_children = relationship("VChild2", passive_deletes=True,
                                 cascade="all, delete-orphan")
    __mapper_args__ = {"confirm_deleted_rows": False}


class TChild(Base):
    __tablename__ = "tc"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("tp.id"), nullable=False)
    name = Column(Text, nullable=False)
    deleted_at = Column(DateTime(timezone=True))
    __mapper_args__ = {"confirm_deleted_rows": False}


class TChild2(Base):
    """A trigger-mode child of the view-mode parent."""
    __tablename__ = "tc2"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("vp.id"), nullable=False)
    name = Column(Text, nullable=False)
    deleted_at = Column(DateTime(timezone=True))
    __mapper_args__ = {"confirm_deleted_rows": False}


class VChild2(Base):
    """A view-mode child of the trigger-mode parent."""
    __tablename__ = "vc2"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("tp.id"), nullable=False)
    name = Column(Text, nullable=False)


def query(sql, **params):
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql), params)]


def marked(table):
    """(id, deleted) of every row of a table (view mode: its <name>_all)."""
    return query("SELECT id, deleted_at IS NOT NULL FROM %s ORDER BY id" % table)


def audit(table):
    """(action, id, actor) of a table's audit rows, oldest first."""
    return query("SELECT l.action, (l.row_pk->>'id')::int, l.actor"
                 "  FROM audit_softdelete.audit_logs l"
                 "  JOIN audit_softdelete.tracked_tables t USING (table_id)"
                 " WHERE t.relid = CAST(:t AS regclass) AND l.row_pk IS NOT NULL"
                 " ORDER BY l.id", t=table)


def actor(s, name):
    s.execute(text("SELECT audit_softdelete.set_actor(:a)"), {"a": name})


def restore(s, table, key):
    return s.execute(text("SELECT audit_softdelete.restore(CAST(:t AS regclass), CAST(:k AS jsonb))"),
                     {"t": table, "k": '{"id": %d}' % key}).scalar()


# --- view mode, cascade="all, delete-orphan" -------------------------------
with Session(engine) as s, s.begin():
    actor(s, "alice")
    p = VParent(id=1, name="one",
                children=[VChild(id=11, name="a"), VChild(id=12, name="b"),
                          VChild(id=13, name="c")])
    s.add(p)

with Session(engine) as s, s.begin():
    actor(s, "bob")
    p = s.get(VParent, 1)
    orphan = [c for c in p.children if c.id == 11][0]
    p.children.remove(orphan)       # delete-orphan: DELETE FROM vc WHERE id = 11
    s.flush()                       # must count its row (else a warning: error)
check("view/view: the orphan is soft-deleted, its siblings live",
      [(11, True), (12, False), (13, False)], marked("vc_all"))

with Session(engine) as s, s.begin():
    actor(s, "carol")
    p = s.get(VParent, 1)
    p.children                      # loaded: the ORM deletes them itself
    s.delete(p)                     # the children one by one, then the parent
with Session(engine) as s:
    check("view/view: the parent is gone from its view", None, s.get(VParent, 1))
    check("view/view: and its children from theirs", [],
          s.execute(select(VChild.id).where(VChild.parent_id == 1)).scalars().all())
check("view/view: every row kept, marked",
      ([(1, True)], [(11, True), (12, True), (13, True)]),
      (marked("vp_all"), marked("vc_all")))

# a new child of the deleted parent, and a live child moved onto it
with Session(engine) as s, s.begin():
    actor(s, "carol")
    s.add(VParent(id=2, name="two", children=[VChild(id=21, name="d")]))
check("view/view: a new child of the soft-deleted parent: 23503", "23503",
      sqlstate_of(lambda s: s.add(VChild(id=14, parent_id=1, name="late"))))


def move_child(s):
    s.get(VChild, 21).parent_id = 1
    s.flush()


check("view/view: a child moved onto the soft-deleted parent: 23503", "23503",
      sqlstate_of(move_child))

# restore() of a child its parent's delete did not cascade to: refused while
# the parent is deleted
check("view/view: restore() of a child whose parent is deleted: 23503", "23503",
      sqlstate_of(lambda s: restore(s, "vc", 12)))

# the parent comes back alone: its children were deleted by the ORM, one by
# one, not by its delete's cascade
with Session(engine) as s, s.begin():
    actor(s, "dave")
    check("view/view: restore() of the parent brings back the parent alone", 1,
          restore(s, "vp", 1))
with Session(engine) as s, s.begin():
    actor(s, "dave")
    check("view/view: then its child may come back", 1, restore(s, "vc", 12))
with Session(engine) as s:
    check("view/view: the ORM sees the parent with the restored child", [12],
          [c.id for c in s.get(VParent, 1).children])

check("view/view: the parent's audit rows",
      [("INSERT", 1, "alice"), ("SOFT_DELETE", 1, "carol"), ("INSERT", 2, "carol"),
       ("RESTORE", 1, "dave")],
      audit("vp_all"))
check("view/view: the children's audit rows (nothing for the refused writes)",
      [("INSERT", 11, "alice"), ("INSERT", 12, "alice"), ("INSERT", 13, "alice"),
       ("SOFT_DELETE", 11, "bob"), ("SOFT_DELETE", 12, "carol"),
       ("SOFT_DELETE", 13, "carol"), ("INSERT", 21, "carol"), ("RESTORE", 12, "dave")],
      audit("vc_all"))

# --- view mode, passive_deletes=True with ON DELETE CASCADE ----------------
with Session(engine) as s, s.begin():
    actor(s, "erin")
    s.add(VParent(id=3, name="three",
                  children=[VChild(id=31, name="e"), VChild(id=32, name="f")],
                  mixed_children=[TChild2(id=33, name="g")]))
with Session(engine) as s, s.begin():
    actor(s, "erin")
    # no child loaded: the ORM deletes the parent alone, the view-mode and
    # the trigger-mode children go by the soft cascade of the foreign keys
    s.delete(s.get(VParent, 3))
    s.flush()
check("view parent: its delete cascaded into a view-mode and a trigger-mode child",
      ([(31, True), (32, True)], [(33, True)]),
      ([r for r in marked("vc_all") if r[0] in (31, 32)], marked("tc2")))
with Session(engine) as s, s.begin():
    actor(s, "frank")
    check("view parent: restore() brings back the parent and both children", 4,
          restore(s, "vp", 3))
with Session(engine) as s:
    p = s.get(VParent, 3)
    check("view parent: the ORM sees them again",
          ([31, 32], [33]),
          (sorted(c.id for c in p.children), [c.id for c in p.mixed_children]))
check("trigger-mode child of a view-mode parent: its audit rows",
      [("INSERT", 33, "erin"), ("SOFT_DELETE", 33, "erin"), ("RESTORE", 33, "frank")],
      audit("tc2"))

# --- trigger mode, cascade="all, delete-orphan" ----------------------------
with Session(engine) as s, s.begin():
    actor(s, "gina")
    s.add(TParent(id=1, name="one",
                  children=[TChild(id=11, name="a"), TChild(id=12, name="b")],
                  view_children=[VChild2(id=13, name="c")]))
with Session(engine) as s, s.begin():
    actor(s, "hank")
    p = s.get(TParent, 1)
    p.children.remove([c for c in p.children if c.id == 11][0])
    s.flush()
    s.delete(p)                     # tc 12 by the ORM, vc2 13 too (loaded), then tp 1
check("trigger/trigger: the parent and every child marked",
      ([(1, True)], [(11, True), (12, True)], [(13, True)]),
      (marked("tp"), marked("tc"), marked("vc2_all")))

# trigger mode shows the deleted parent: appending a child to its collection


def append_child(s):
    p = s.get(TParent, 1)
    p.children.append(TChild(id=14, name="late"))
    s.flush()


check("trigger/trigger: a child appended to the deleted parent: 23503", "23503",
      sqlstate_of(append_child))


def append_view_child(s):
    p = s.get(TParent, 1)
    p.view_children.append(VChild2(id=15, name="late"))
    s.flush()


check("trigger parent: a view-mode child appended to it when deleted: 23503", "23503",
      sqlstate_of(append_view_child))

# passive_deletes with a trigger-mode parent: the cascade marks the view-mode
# child, and restore() brings it back
with Session(engine) as s, s.begin():
    actor(s, "ivan")
    s.add(TParent(id=2, name="two", view_children=[VChild2(id=21, name="d")]))
with Session(engine) as s, s.begin():
    actor(s, "ivan")
    s.execute(text("DELETE FROM tp WHERE id = 2"))
check("trigger parent: its delete cascaded into the view-mode child",
      [(13, True), (21, True)], marked("vc2_all"))
with Session(engine) as s, s.begin():
    actor(s, "judy")
    check("trigger parent: restore() brings back the parent and the child", 2,
          restore(s, "tp", 2))
with Session(engine) as s:
    check("trigger parent: the ORM sees the restored view-mode child", [21],
          [c.id for c in s.get(TParent, 2).view_children])
check("trigger/trigger: the children's audit rows (nothing for the refused writes)",
      [("INSERT", 11, "gina"), ("INSERT", 12, "gina"), ("SOFT_DELETE", 11, "hank"),
       ("SOFT_DELETE", 12, "hank")],
      audit("tc"))
check("view-mode child of a trigger-mode parent: its audit rows",
      [("INSERT", 13, "gina"), ("SOFT_DELETE", 13, "hank"), ("INSERT", 21, "ivan"),
       ("SOFT_DELETE", 21, "ivan"), ("RESTORE", 21, "judy")],
      audit("vc2_all"))

# --- the default: the children's keys set to NULL --------------------------
with Session(engine) as s, s.begin():
    actor(s, "kim")
    s.add(VParent(id=4, name="four", items=[PlainItem(id=41, label="x")],
                  notes=[VNote(id=42, body="y")]))
with Session(engine) as s, s.begin():
    actor(s, "lee")
    p = s.get(VParent, 4)
    s.delete(p)                     # UPDATE pi / vn SET parent_id = NULL, then DELETE
check("nullify: the children kept, their keys NULL, the parent marked",
      ([(41, None)], [(42, None, False)], [(4, True)]),
      (query("SELECT id, parent_id FROM pi"),
       query("SELECT id, parent_id, deleted_at IS NOT NULL FROM vn_all"),
       [r for r in marked("vp_all") if r[0] == 4]))
check("nullify: the view-mode child's audit rows",
      [("INSERT", 42, "kim"), ("UPDATE", 42, "lee")], audit("vn_all"))
check("a row without soft delete, new, naming the deleted parent: 23503", "23503",
      sqlstate_of(lambda s: s.add(PlainItem(id=43, parent_id=4))))


def plain_move(s):
    s.get(PlainItem, 41).parent_id = 4
    s.flush()


check("a row without soft delete moved onto the deleted parent: 23503", "23503",
      sqlstate_of(plain_move))
check("a NULL key is no reference", None,
      sqlstate_of(lambda s: s.add(PlainItem(id=44, parent_id=None))))

# --- rollbacks leave no audit rows -----------------------------------------
before = {t: audit(t) for t in ("vp_all", "vc_all", "tp", "tc", "vc2_all", "tc2")}
with Session(engine) as s:
    s.begin()
    actor(s, "mallory")
    s.add(VParent(id=9, name="ghost", children=[VChild(id=91, name="g")]))
    s.flush()
    s.delete(s.get(TParent, 2))
    s.flush()
    s.rollback()
with Session(engine) as s, s.begin():
    actor(s, "nina")
    nested = s.begin_nested()       # SAVEPOINT
    s.add(TParent(id=8, name="eight", children=[TChild(id=81, name="h")]))
    s.flush()
    nested.rollback()               # ROLLBACK TO SAVEPOINT
    s.add(TParent(id=7, name="seven", children=[TChild(id=71, name="i")]))
    nested = s.begin_nested()
    s.delete(s.get(VParent, 3))     # cascades to vc 31, 32 and tc2 33
    s.flush()
    nested.rollback()
check("rolled back: no audit row of the session or the savepoints",
      {t: before[t] for t in before} | {"tp": before["tp"] + [("INSERT", 7, "nina")],
                                        "tc": before["tc"] + [("INSERT", 71, "nina")]},
      {t: audit(t) for t in before})
check("rolled back: no row of them either",
      ([], [(7, False)], [(31, False), (32, False)]),
      (query("SELECT id FROM vp_all WHERE id = 9"),
       query("SELECT id, deleted_at IS NOT NULL FROM tp WHERE id IN (7, 8)"),
       [r for r in marked("vc_all") if r[0] in (31, 32)]))

sys.exit(1 if failed else 0)
