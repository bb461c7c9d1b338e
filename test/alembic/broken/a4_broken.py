"""a revision that fails half-way (copied into versions/ by the test)

Revision ID: a4
Revises: a3
"""
from alembic import op
import sqlalchemy as sa

revision = "a4"
down_revision = "a3"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("accounts", sa.Column("phone", sa.Text))
    op.execute("SELECT 1 / 0")


def downgrade():
    op.drop_column("accounts", "phone")
