"""Forgetting cached widget fragments when the lists behind them change.

The core caches a widget's HTML per article (``widget:NAME:ARTICLE_ID``)
when ``cache_seconds`` > 0. After a sync, the fragments of every article
whose list was recomputed are dropped (with Redis, for every worker).
"""
from __future__ import annotations

from collections.abc import Iterable

from site_core.cache import cache

WIDGET = "related_news"


def key(article_id) -> str:
    return f"widget:{WIDGET}:{article_id}"


def forget(article_ids: Iterable[int]) -> None:
    keys = [key(a) for a in article_ids]
    if keys:
        cache.delete_many(*keys)


def forget_all() -> None:
    """After a rebuild: every article's fragment."""
    import sqlalchemy as sa

    from site_core.articles import Article
    from site_core.db import db

    forget(db.session.scalars(sa.select(Article.id)))
