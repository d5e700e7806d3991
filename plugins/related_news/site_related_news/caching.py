"""Forgetting cached widget fragments when the lists behind them change.

The core caches the widget's HTML per article when ``cache_seconds`` > 0.
After a sync, the fragments of every article whose list was recomputed are
dropped (with Redis, for every worker) through :meth:`site_core.api.Widget.forget`.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from site_core.api import db
from site_core.reading import published_articles


def forget(plugin, article_ids: Iterable[int]) -> None:
    ids = list(article_ids)
    for widget in plugin.widgets:
        widget.forget(ids)


def forget_all(plugin) -> None:
    """After a rebuild: every article's fragment."""
    forget(plugin, db.session.scalars(sa.select(published_articles.c.id)))
