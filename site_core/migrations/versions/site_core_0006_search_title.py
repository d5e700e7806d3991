"""PostgreSQL: a GIN index on the title's words, so title hits are found from the index.

Revision ID: site_core_0006_search_title
Revises: site_core_0005_search
Create Date: 2026-12-03

SQLite's FTS5 table already finds title hits (``title : (...)``): nothing to do there.
"""
from alembic import op

from site_core import search_index

revision = "site_core_0006_search_title"
down_revision = "site_core_0005_search"
branch_labels = None
depends_on = None


def upgrade():
    search_index.create(op.get_bind())  # creates what is missing only


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_documents_title")
