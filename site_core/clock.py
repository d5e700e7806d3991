"""The one place that knows "now" and the site's calendar.

Every date the site shows or counts comes from :func:`now`, so a test can
freeze time for one app (:func:`freeze`) without touching the system clock.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

UTC = dt.timezone.utc
_KEY = "site_core.clock"

__all__ = ["UTC", "now", "freeze", "site_zone", "as_utc", "local", "local_date", "today", "week_start",
           "month_start", "day_bounds", "gmt_label", "posted_at"]


def now() -> dt.datetime:
    """The current instant, time-zone aware, in UTC."""
    frozen = current_app.extensions.get(_KEY)
    if frozen is not None:
        return frozen
    return dt.datetime.now(UTC)


def freeze(app, instant: dt.datetime | None) -> None:
    """Make ``now()`` return ``instant`` for ``app`` (``None`` unfreezes)."""
    if instant is not None:
        instant = as_utc(instant)
    app.extensions[_KEY] = instant


def site_zone() -> ZoneInfo:
    """The site's time zone (``SITE_TIMEZONE``)."""
    return current_app.extensions["site_core.zone"]


def as_utc(instant: dt.datetime) -> dt.datetime:
    """``instant`` in UTC; a naive datetime is refused, never guessed."""
    if not isinstance(instant, dt.datetime):
        raise TypeError(f"expected a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetime: give a time zone (local time is ambiguous)")
    return instant.astimezone(UTC)


def local(instant: dt.datetime) -> dt.datetime:
    """``instant`` shown in the site's time zone."""
    return as_utc(instant).astimezone(site_zone())


def local_date(instant: dt.datetime) -> dt.date:
    """The civil date in the site's time zone that contains ``instant``."""
    return local(instant).date()


def today() -> dt.date:
    """Today's date in the site's time zone."""
    return local_date(now())


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the site's civil ``day`` starts and ends."""
    zone = site_zone()
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def gmt_label(instant: dt.datetime) -> str:
    """The offset as the portal prints it: ``GMT+7``, ``GMT+5:30``, ``GMT-3``."""
    minutes = int(instant.utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")


def posted_at(instant: dt.datetime) -> str:
    """``Đăng lúc: 10:21:41 02/03/2020 (GMT+7)`` in the site's time zone."""
    shown = local(instant)
    return f"Đăng lúc: {shown:%H:%M:%S %d/%m/%Y} ({gmt_label(shown)})"
