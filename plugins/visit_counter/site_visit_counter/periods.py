"""The counter's calendar: which civil day an instant counts in, and the periods shown.

All dates are civil dates in ``SITE_TIMEZONE`` (site_core.clock); weeks
start on Monday. A naive datetime is refused, never guessed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from site_core import clock


def bucket(instant: dt.datetime) -> dt.date:
    """The day row a hit at ``instant`` is counted in."""
    return clock.local_date(instant)


@dataclass(frozen=True)
class Periods:
    """The first day of each period shown, for a given ``today``."""

    today: dt.date

    @property
    def yesterday(self) -> dt.date:
        return self.today - dt.timedelta(days=1)

    @property
    def week_start(self) -> dt.date:
        return clock.week_start(self.today)

    @property
    def month_start(self) -> dt.date:
        return clock.month_start(self.today)
