"""The page view: one indexed query for the article's stored list.

The stored list may name articles that are not public (yet): a future-dated
article is indexed when it is saved, because nothing tells the plugin when
its time comes. The query joins ``articles`` and keeps only those public
now, in the stored order, so a scheduled article appears in its neighbours'
lists the moment it goes live, and a draft or deleted one never does.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from site_core import clock
from site_core.articles import Article
from site_core.db import db
from site_core.widgets import Page

from .models import Neighbour

ARTICLES = Article.__table__
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


def related_query(article_id: int, count: int) -> sa.Select:
    """The stored list of ``article_id``, public articles only, in stored order."""
    return (
        sa.select(ARTICLES.c.id, ARTICLES.c.slug, ARTICLES.c.title, ARTICLES.c.published_at,
                  NEIGHBOURS.c.fallback)
        .select_from(NEIGHBOURS.join(ARTICLES, ARTICLES.c.id == NEIGHBOURS.c.neighbour_id))
        .where(NEIGHBOURS.c.article_id == article_id, ARTICLES.c.status == "published",
               ARTICLES.c.published_at <= clock.now())
        .order_by(NEIGHBOURS.c.rank)
        .limit(count)
    )


def related(article_id: int, count: int) -> list[Item]:
    return [Item(*row) for row in db.session.execute(related_query(article_id, count))]


def context(page: Page) -> Mapping | None:
    """The template's context, or None (nothing rendered) on listings and when the list is empty."""
    if page.article is None:
        return None
    items = related(page.article.id, page.settings["count"])
    if not items:
        return None
    return {"items": items, "fallback": items[0].fallback}
