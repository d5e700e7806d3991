"""A category's listing walks an index in page order.

Revision ID: site_core_0003
Revises: site_core_0002
Create Date: 2026-11-27

``(category_id, published_at, id)`` replaces the index on ``category_id``
alone (its prefix): a category page at 10,000 articles read every article
of the category and sorted them (27 ms on SQLite); now it reads one page.
"""
from alembic import op

revision = "site_core_0003"
down_revision = "site_core_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_articles_category_listing", "articles", ["category_id", "published_at", "id"],
                    if_not_exists=True)
    op.drop_index("ix_articles_category_id", table_name="articles", if_exists=True)


def downgrade():
    op.create_index("ix_articles_category_id", "articles", ["category_id"], if_not_exists=True)
    op.drop_index("ix_articles_category_listing", table_name="articles")
