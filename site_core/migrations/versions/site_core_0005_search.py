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
    if connection.dialect.name == "postgresql":
        op.execute("CREATE TABLE IF NOT EXISTS search_documents ("
                   "article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE, "
                   "document TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX IF NOT EXISTS ix_search_documents_document "
                   "ON search_documents USING gin (document)")
    else:
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(title, body)")
    articles = connection.execute(sa.text("SELECT id, title, summary, body_html FROM articles")).all()
    for article in articles:
        search_index.index(connection, article.id, article.title, f"{article.summary} {plain_text(article.body_html)}")


def downgrade():
    op.execute("DROP TABLE IF EXISTS search_documents")
    op.execute("DROP TABLE IF EXISTS search_index")
