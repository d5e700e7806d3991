"""The search index, filled from the articles already there.

Revision ID: site_core_0005_search
Revises: site_core_0004_pages_tags
Create Date: 2026-12-03

SQLite: an FTS5 table ``search_index``; PostgreSQL: ``search_documents``
with a GIN-indexed ``tsvector``. Neither is a model (they differ by
database); ``site_core.search_index`` keeps them current.
"""
from alembic import op
import sqlalchemy as sa

from site_core import search_index
from site_core.content import plain_text

revision = "site_core_0005_search"
down_revision = "site_core_0004_pages_tags"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    search_index.create(connection)
    articles = connection.execute(sa.text("SELECT id, title, summary, body_html FROM articles")).all()
    search_index.index_many(connection, ((a.id, a.title, f"{a.summary} {plain_text(a.body_html)}") for a in articles))


def downgrade():
    search_index.drop(op.get_bind())
