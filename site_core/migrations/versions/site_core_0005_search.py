"""The search index, filled from the articles already there.

Revision ID: site_core_0005_search
Revises: site_core_0004_pages_tags
Create Date: 2026-12-03

SQLite: an FTS5 table ``search_index``; PostgreSQL: ``search_documents``
with a GIN-indexed ``tsvector``. Neither is a model (they differ by
database); ``site_core.search_index`` keeps them current.
"""
from alembic import op

from site_core import search_index

revision = "site_core_0005_search"
down_revision = "site_core_0004_pages_tags"
branch_labels = None
depends_on = None


def upgrade():
    search_index.rebuild(op.get_bind())


def downgrade():
    search_index.drop(op.get_bind())
