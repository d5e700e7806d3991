"""The related-news tables: indexed articles, their vocabulary, stored neighbour lists, state.

Revision ID: related_news_0001
Revises:
Create Date: 2026-11-27

The base of the ``related_news`` branch. Everything here is derived data
(``flask related rebuild`` recomputes it), so the tables have no foreign
keys to the core's. Tables are created only if absent, so a database built
by ``create_all`` before migrations existed upgrades cleanly.
"""
from alembic import op
import sqlalchemy as sa

revision = "related_news_0001"
down_revision = None
branch_labels = ("related_news",)
depends_on = "site_core_0001"


def upgrade():
    op.create_table(
        "related_news_documents",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("tags", sa.LargeBinary(), nullable=False),
        sa.Column("terms", sa.LargeBinary(), nullable=False),
        sa.Column("weights", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("article_id"),
        if_not_exists=True,
    )
    op.create_table(
        "related_news_terms",
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("df", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("term"),
        sa.UniqueConstraint("id", name="uq_related_news_terms_id"),
        if_not_exists=True,
    )
    op.create_table(
        "related_news_neighbours",
        sa.Column("article_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rank", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("neighbour_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "rank"),
        if_not_exists=True,
    )
    op.create_index("ix_related_news_neighbours_neighbour", "related_news_neighbours", ["neighbour_id"],
                    if_not_exists=True)
    op.create_table(
        "related_news_state",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        if_not_exists=True,
    )


def downgrade():
    op.drop_table("related_news_state")
    op.drop_index("ix_related_news_neighbours_neighbour", table_name="related_news_neighbours")
    op.drop_table("related_news_neighbours")
    op.drop_table("related_news_terms")
    op.drop_table("related_news_documents")
