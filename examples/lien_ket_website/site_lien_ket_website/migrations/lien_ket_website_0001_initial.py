"""The click counts of the partner links.

Revision ID: lien_ket_website_0001
Revises:
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa

revision = "lien_ket_website_0001"
down_revision = None
branch_labels = ("lien_ket_website",)
depends_on = "site_core_0001"


def upgrade():
    op.create_table(
        "lien_ket_website_clicks",
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("clicks", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("url"),
        if_not_exists=True,
    )


def downgrade():
    op.drop_table("lien_ket_website_clicks")
