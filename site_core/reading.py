"""The articles as plugins read them: a few documented columns, not the core's tables.

Each name is a SQLAlchemy selectable a plugin may select from or join to
its own tables (so a widget's query stays one query):

``published_articles``
    Published articles, future-dated ones included: ``id``, ``slug``,
    ``title``, ``summary``, ``body_html`` (sanitised), ``author``,
    ``category_id``, ``published_at``, ``updated_at`` (aware UTC datetimes).
    :func:`is_public` keeps those whose time has come.
``articles``
    Every article, drafts too: the same columns and ``status``. For a
    lookup by id whose public filter must stay outside it (a ``LATERAL``
    probe); filter with :func:`is_public`, which then checks the status.
``article_tags``
    ``article_id``, ``name``, ``slug``: the tags of published articles.
``categories``
    ``id``, ``name``, ``slug``.

Drafts never appear. The core may change its tables within a major
release; these names and columns stay.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from .articles import Article, Category, Tag, article_tags as _links
from .content import plain_text

_articles = Article.__table__

_COLUMNS = [_articles.c[name] for name in ("id", "slug", "title", "summary", "body_html", "author",
                                             "category_id", "published_at", "updated_at")]

published_articles = sa.select(*_COLUMNS).where(_articles.c.status == "published").subquery("published_articles")

articles = sa.select(*_COLUMNS, _articles.c.status).subquery("articles")

article_tags = (
    sa.select(_links.c.article_id, Tag.__table__.c.name, Tag.__table__.c.slug)
    .select_from(_links.join(Tag.__table__, Tag.__table__.c.id == _links.c.tag_id)
                 .join(_articles, _articles.c.id == _links.c.article_id))
    .where(_articles.c.status == "published")
    .subquery("article_tags")
)

categories = sa.select(Category.__table__.c.id, Category.__table__.c.name, Category.__table__.c.slug).subquery(
    "categories")


def is_public(now: dt.datetime | sa.ColumnElement, rows=published_articles) -> sa.ColumnElement[bool]:
    """The condition "public at ``now``" on ``rows`` (``published_articles``, ``articles``, or built on them)."""
    condition = rows.c.published_at <= now
    return sa.and_(rows.c.status == "published", condition) if "status" in rows.c else condition


__all__ = ["published_articles", "articles", "article_tags", "categories", "is_public", "plain_text"]
