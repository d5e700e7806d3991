"""The page view: one indexed query for the article's stored list.

The stored list may name articles that are not public (yet): a future-dated
article is indexed when it is saved, because nothing tells the plugin when
its time comes. The query joins ``articles`` and keeps only those public
now, in the stored order, so a scheduled article appears in its neighbours'
lists the moment it goes live, and a draft or deleted one never does.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from site_core import clock
from site_core.api import Page, db
from site_core.reading import articles, is_public

from .models import Neighbour

ARTICLES = articles  # drafts too: the public filter stays outside the lookup by id
NEIGHBOURS = Neighbour.__table__


@dataclass(frozen=True)
class Item:
    """One related article as the widget shows it."""

    id: int
    slug: str
    title: str
    published_at: object  # aware datetime, UTC
    fallback: bool

    @property
    def date(self) -> str:
        """dd/mm/YYYY in the site's time zone."""
        return clock.local(self.published_at).strftime("%d/%m/%Y")

    @property
    def local_iso(self) -> str:
        return clock.local(self.published_at).isoformat()


@functools.lru_cache(maxsize=64)
def related_query(count: int, stored: int, dialect: str = "sqlite") -> sa.Select:
    """The stored list of the article ``:article_id``, public ``:now``, in stored order.

    Built once per (count, stored, dialect) and run with its two parameters:
    building it costs 0.15–0.3 ms of Python, more than running it.

    The list (at most ``stored`` rows, by the primary key's index) is read
    first, then each of its articles by primary key, whatever the planner's
    statistics say: on PostgreSQL through a LATERAL lookup (right after a
    bulk import it would otherwise start from ``articles``); SQLite plans
    without statistics and takes this path by itself.
    """
    listed = (sa.select(NEIGHBOURS.c.neighbour_id, NEIGHBOURS.c.rank, NEIGHBOURS.c.fallback)
              .where(NEIGHBOURS.c.article_id == sa.bindparam("article_id"))
              .order_by(NEIGHBOURS.c.rank).limit(stored).subquery("listed"))
    columns = (ARTICLES.c.id, ARTICLES.c.slug, ARTICLES.c.title, ARTICLES.c.published_at, ARTICLES.c.status)
    if dialect == "postgresql":
        # by id alone, LIMIT 1: a primary-key probe per listed row, never flattened into a join
        # (the public filter stays outside, where no other index of articles can serve it)
        article = (sa.select(*columns).where(ARTICLES.c.id == listed.c.neighbour_id)
                   .limit(1).lateral("article"))
        joined = listed.join(article, sa.true())
    else:
        article = ARTICLES
        joined = listed.join(ARTICLES, ARTICLES.c.id == listed.c.neighbour_id)
    return (
        sa.select(article.c.id, article.c.slug, article.c.title, article.c.published_at, listed.c.fallback)
        .select_from(joined)
        .where(is_public(sa.bindparam("now"), article))
        .order_by(listed.c.rank)
        .limit(count)
    )


def related(article_id: int, count: int, stored: int | None = None) -> list[Item]:
    query = related_query(count, stored or stored_size(count), db.engine.dialect.name)
    return [Item(*row) for row in db.session.execute(query, {"article_id": article_id, "now": clock.now()})]


def stored_size(count: int) -> int:
    """How many neighbours are stored per article for ``count`` shown: a margin for the
    ones not public (yet) at view time."""
    return count + max(3, count)


def context(page: Page) -> Mapping | None:
    """The template's context, or None (nothing rendered) on listings and when the list is empty."""
    if page.article is None:
        return None
    items = related(page.article.id, page.settings["count"])
    if not items:
        return None
    return {"items": items}
