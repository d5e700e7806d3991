"""The content version: moves with every change to articles, categories or tags.

Revision ID: site_core_0002
Revises: site_core_0001
Create Date: 2026-11-27

Caches of articles and the menu in each process compare against it (see
``site_core.content_version``). A missing row reads as version 0.
"""
from alembic import op
import sqlalchemy as sa

revision = "site_core_0002"
down_revision = "site_core_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        if_not_exists=True,
    )


def downgrade():
    op.drop_table("content_version")
