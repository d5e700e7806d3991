"""Each indexed article's profile (its best first-order scores), for the second-order score.

Revision ID: related_news_0002
Revises: related_news_0001
Create Date: 2026-12-03

Rows indexed before keep NULL profiles; the next change (or ``flask related
rebuild``) recomputes the whole index. Columns already there (a table made by
``create_all`` from the current models) are left as they are.
"""
from alembic import op
import sqlalchemy as sa

revision = "related_news_0002"
down_revision = "related_news_0001"
branch_labels = None
depends_on = None


def upgrade():
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("related_news_documents")}
    for name in ("profile_ids", "profile_scores"):
        if name not in present:
            op.add_column("related_news_documents", sa.Column(name, sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("related_news_documents") as batch:
        batch.drop_column("profile_scores")
        batch.drop_column("profile_ids")
