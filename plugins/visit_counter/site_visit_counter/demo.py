"""Demo data: a plausible daily history, so the widget looks like the seed page.

About 1,400–1,600 visits a day, fewer at weekends, going back as many days
as it takes for "Tất cả" to reach about 2,171,121 (the seed page's figure),
plus today's visits so far. Each day's numbers follow from its date, and
existing days are never touched, so running it twice changes nothing.
"""
from __future__ import annotations

import datetime as dt
import random

from site_core import clock
from site_core.api import format_number, write_transaction

from . import store
from .models import days

TARGET_TOTAL = 2_171_121


def day_counts(day: dt.date) -> dict:
    """The demo's visits, page views and bot views for ``day``."""
    rng = random.Random(day.toordinal())
    visits = rng.randint(1400, 1500) if day.weekday() >= 5 else rng.randint(1480, 1600)
    return {"visits": visits, "page_views": int(visits * rng.uniform(2.0, 2.6)),
            "bot_views": rng.randint(250, 600)}


def history(now: dt.datetime) -> list[dict]:
    """Rows from today (its share so far) back to the day the total is reached."""
    today = clock.local_date(now)
    start = clock.day_bounds(today)[0]
    share = (now - start) / dt.timedelta(days=1)
    rows = [{"day": today, **{k: int(v * share) for k, v in day_counts(today).items()}}]
    total, day = rows[0]["visits"], today
    while total < TARGET_TOTAL:
        day -= dt.timedelta(days=1)
        rows.append({"day": day, **day_counts(day)})
        total += rows[-1]["visits"]
    return rows


def load(settings) -> str:
    rows = history(clock.now())
    with write_transaction() as connection:
        insert = store._insert(connection.dialect.name, days).on_conflict_do_nothing(index_elements=["day"])
        added = connection.execute(insert.returning(days.c.day), rows).all()
    return (f"{len(added)} of {len(rows)} demo days added "
            f"({rows[-1]['day']:%d/%m/%Y} – today, about {format_number(TARGET_TOTAL)} visits in all)")
