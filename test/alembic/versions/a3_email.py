"""accounts.email

Revision ID: a3
Revises: a2
"""
from alembic import op
import sqlalchemy as sa

revision = "a3"
down_revision = "a2"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("accounts", sa.Column("email", sa.Text))


def downgrade():
    op.drop_column("accounts", "email")
