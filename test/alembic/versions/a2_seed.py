"""seed accounts (a data migration)

Revision ID: a2
Revises: a1
"""
from alembic import op

revision = "a2"
down_revision = "a1"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO accounts (id, name) VALUES (1, 'ada'), (2, 'grace')")


def downgrade():
    op.execute("DELETE FROM accounts WHERE id IN (1, 2)")
