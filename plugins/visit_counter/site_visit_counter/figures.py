"""Reading the five figures at a cost that does not grow with the site's age.

Finished days never change, so the sums of the days before today (yesterday,
the rest of this week and month, all history) are computed once and cached
for a few minutes under today's date; only today's row is read live. Week
and month are sums of daily visits; "all time" adds ``initial_total``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from site_core.api import plugin_cache

from . import store
from .models import days
from .periods import Periods

cache = plugin_cache(__name__)
FINISHED_SECONDS = 300  # how long the sums of finished days are reused
COLUMNS = ("visits", "page_views", "bot_views")
PERIODS = (("today", "Hôm nay"), ("yesterday", "Hôm qua"), ("week", "Tuần này"),
           ("month", "Tháng này"), ("total", "Tất cả"))


@dataclass(frozen=True)
class Counts:
    visits: int = 0
    page_views: int = 0
    bot_views: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(self.astuple(), other.astuple())))

    def astuple(self) -> tuple[int, int, int]:
        return (self.visits, self.page_views, self.bot_views)


@dataclass(frozen=True)
class Figures:
    """Counts per period; ``total`` includes ``initial_total`` in its visits."""

    today: Counts
    yesterday: Counts
    week: Counts
    month: Counts
    total: Counts
    online: int | None = None

    def rows(self) -> list[tuple[str, str, int]]:
        """(period, Vietnamese label, visits) in the order the portals show them."""
        return [(period, label, getattr(self, period).visits) for period, label in PERIODS]


def finished_sums(connection, today: dt.date) -> dict[str, Counts]:
    """Sums over the days before ``today``: yesterday, this week, this month, all."""
    periods = Periods(today)
    wheres = {"yesterday": days.c.day == periods.yesterday, "week": days.c.day >= periods.week_start,
              "month": days.c.day >= periods.month_start}
    columns = []
    for name in ("yesterday", "week", "month", "total"):
        for column in COLUMNS:
            value = days.c[column] if name == "total" else sa.case((wheres[name], days.c[column]), else_=0)
            columns.append(sa.func.coalesce(sa.func.sum(value), 0))
    row = connection.execute(sa.select(*columns).where(days.c.day < today)).one()
    values = [int(v) for v in row]
    return {name: Counts(*values[i * 3:i * 3 + 3])
            for i, name in enumerate(("yesterday", "week", "month", "total"))}


def _cache_key(today: dt.date) -> str:
    return f"finished:{today.isoformat()}"


def cached_finished_sums(connection, today: dt.date, *, settled: bool = True) -> dict[str, Counts]:
    """:func:`finished_sums`, reused for ``FINISHED_SECONDS`` once ``settled``.

    Just after midnight the last page views of yesterday may still be on
    their way from other workers (``write_interval_ms``); the sums are then
    computed again each time instead of being kept.
    """
    key = _cache_key(today)
    found = cache.get(key)
    if found is None:
        found = finished_sums(connection, today)
        if settled:
            cache.set(key, found, timeout=FINISHED_SECONDS)
    return found


def forget_finished(today: dt.date) -> None:
    """Drop the cached sums (after history changed, e.g. an import)."""
    cache.delete(_cache_key(today))


def today_counts(connection, today: dt.date) -> Counts:
    return Counts(*store.today_counts(connection, today))


def figures(connection, today: dt.date, initial_total: int, *, live: Counts | None = None,
            pending: dict[dt.date, Counts] | None = None, online: int | None = None,
            cached: bool = True, settled: bool = True) -> Figures:
    """The figures for ``today``; ``live`` is today's row if the caller already has it.

    ``pending`` adds page views not written yet (this process's, per day) to
    every period that holds their day.
    """
    if live is None:
        live = today_counts(connection, today)
    done = cached_finished_sums(connection, today, settled=settled) if cached else finished_sums(connection, today)
    periods = Periods(today)
    shown = {"today": live, **done}
    shown["week"] += live
    shown["month"] += live
    shown["total"] += live + Counts(visits=initial_total)
    for day, counts in (pending or {}).items():
        for name, holds in (("today", day == today), ("yesterday", day == periods.yesterday),
                            ("week", periods.week_start <= day <= today),
                            ("month", periods.month_start <= day <= today), ("total", day <= today)):
            if holds:
                shown[name] += counts
    return Figures(**shown, online=online)
