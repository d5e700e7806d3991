"""The core's tables: categories, tags, articles and their tags.

Revision ID: site_core_0001
Revises:
Create Date: 2026-11-27

The base of the ``site_core`` branch; a plugin's base revision
``depends_on`` it. Tables are created only if absent, so a database built
by ``create_all`` before migrations existed upgrades cleanly.
"""
from alembic import op
import sqlalchemy as sa

revision = "site_core_0001"
down_revision = None
branch_labels = ("site_core",)
depends_on = None


def upgrade():
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("slug"),
        if_not_exists=True,
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("slug"),
        if_not_exists=True,
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("thumbnail", sa.String(length=1000), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("author_title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),  # UTC, no offset
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
        if_not_exists=True,
    )
    op.create_index("ix_articles_category_id", "articles", ["category_id"], if_not_exists=True)
    op.create_index("ix_articles_listing", "articles", ["status", "published_at", "id"],
                    if_not_exists=True)
    op.create_table(
        "article_tags",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tag_id"], ["tags.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "tag_id"),
        if_not_exists=True,
    )


def downgrade():
    op.drop_table("article_tags")
    op.drop_index("ix_articles_listing", table_name="articles")
    op.drop_index("ix_articles_category_id", table_name="articles")
    op.drop_table("articles")
    op.drop_table("tags")
    op.drop_table("categories")
