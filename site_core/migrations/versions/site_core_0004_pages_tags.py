"""Static pages; one spelling per category and tag name, duplicates merged.

Revision ID: site_core_0004_pages_tags
Revises: site_core_0003
Create Date: 2026-12-03

Names are normalised (NFC, one tone-mark placement: "Hoà bình" becomes
"Hòa bình"). Categories or tags whose names then coincide (case aside) are
merged into the oldest; the others' slugs go to ``retired_slugs``, so their
old URLs redirect (301) to the one kept. The downgrade drops the new tables;
merges are not undone.
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

from site_core.content import name_key, normalise_name

revision = "site_core_0004_pages_tags"
down_revision = "site_core_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "static_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
        if_not_exists=True,
    )
    retired = op.create_table(
        "retired_slugs",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "slug"),
        if_not_exists=True,
    )
    connection = op.get_bind()
    merged = _merge(connection, retired, "categories", _move_category)
    merged += _merge(connection, retired, "tags", _move_tag)
    if merged:  # processes' content caches must not serve the old rows
        connection.execute(sa.text("UPDATE content_version SET version = version + 1"))


def _merge(connection, retired, table_name, move) -> int:
    """Normalise every name of ``table_name``; merge rows whose names coincide into the oldest."""
    table = sa.table(table_name, sa.column("id"), sa.column("name"), sa.column("slug"))
    groups = defaultdict(list)
    for row in connection.execute(sa.select(table.c.id, table.c.name, table.c.slug).order_by(table.c.id)):
        groups[name_key(row.name)].append(row)
    merged = 0
    for kept, *duplicates in groups.values():
        name = normalise_name(kept.name)
        for duplicate in duplicates:
            move(connection, duplicate.id, kept.id)
            connection.execute(retired.insert().values(kind=table_name, slug=duplicate.slug, target_id=kept.id))
            connection.execute(table.delete().where(table.c.id == duplicate.id))
            merged += 1
        if kept.name != name:
            connection.execute(table.update().where(table.c.id == kept.id).values(name=name))
    return merged


def _move_category(connection, old: int, new: int) -> None:
    connection.execute(sa.text("UPDATE articles SET category_id = :new WHERE category_id = :old"),
                       {"old": old, "new": new})


def _move_tag(connection, old: int, new: int) -> None:
    connection.execute(sa.text(
        "INSERT INTO article_tags (article_id, tag_id) SELECT article_id, :new FROM article_tags "
        "WHERE tag_id = :old AND article_id NOT IN (SELECT article_id FROM article_tags WHERE tag_id = :new)"),
        {"old": old, "new": new})
    connection.execute(sa.text("DELETE FROM article_tags WHERE tag_id = :old"), {"old": old})


def downgrade():
    op.drop_table("retired_slugs")
    op.drop_table("static_pages")
