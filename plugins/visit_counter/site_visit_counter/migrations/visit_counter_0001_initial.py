"""The visit counter's tables: daily totals, visitors of the open window, daily salts.

Revision ID: visit_counter_0001
Revises:
Create Date: 2026-11-27

The base of the ``visit_counter`` branch. Tables are created only if
absent, so a database built by ``create_all`` before migrations existed
upgrades cleanly (its counts are kept).
"""
from alembic import op
import sqlalchemy as sa

revision = "visit_counter_0001"
down_revision = None
branch_labels = ("visit_counter",)
depends_on = "site_core_0001"


def upgrade():
    op.create_table(
        "visit_counter_days",
        sa.Column("day", sa.Date(), nullable=False, comment="civil date in SITE_TIMEZONE"),
        sa.Column("visits", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("page_views", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bot_views", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("day"),
        if_not_exists=True,
    )
    op.create_table(
        "visit_counter_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day"),
        if_not_exists=True,
    )
    op.create_table(
        "visit_counter_visitors",
        sa.Column("key", sa.String(length=32), nullable=False, comment="signed-cookie id or keyed hash"),
        sa.Column("last_seen", sa.BigInteger(), nullable=False, comment="Unix seconds"),
        sa.Column("visit", sa.BigInteger(), nullable=False, comment="random token of the current visit"),
        sa.PrimaryKeyConstraint("key"),
        if_not_exists=True,
    )
    op.create_index("ix_visit_counter_visitors_last_seen", "visit_counter_visitors", ["last_seen"],
                    if_not_exists=True)


def downgrade():
    op.drop_index("ix_visit_counter_visitors_last_seen", table_name="visit_counter_visitors")
    op.drop_table("visit_counter_visitors")
    op.drop_table("visit_counter_salts")
    op.drop_table("visit_counter_days")
