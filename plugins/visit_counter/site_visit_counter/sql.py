"""Hand-written SQL for the statements run on every page view.

Building an ``INSERT … ON CONFLICT`` construct costs about a millisecond of
Python per call (``excluded`` copies the table), more than the database
work itself. These statements are written once, in the SQL that SQLite and
PostgreSQL share, and handed straight to the driver: the reads on the
page's own connection (:func:`.store.first_row`), the page view's write on
the pool's raw DBAPI connection (:func:`.store.page_view_transaction`).
"""
from __future__ import annotations

import datetime as dt
import re

_NAMED = re.compile(r"(?<![:\w]):(\w+)")


class Statement:
    """One SQL statement with ``:name`` parameters, for SQLite (as is) or psycopg."""

    def __init__(self, text: str):
        self.text = " ".join(text.split())
        self.pyformat = _NAMED.sub(r"%(\1)s", self.text)

    def bind(self, dialect: str, params: dict) -> tuple[str, dict]:
        """The text and parameters as ``dialect``'s driver takes them (sqlite3 or psycopg)."""
        if dialect == "sqlite":
            return self.text, {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in params.items()}
        return self.pyformat, params


BUMP_DAY = Statement("""
    INSERT INTO visit_counter_days (day, visits, page_views, bot_views)
    VALUES (:day, :visits, :page_views, :bot_views)
    ON CONFLICT (day) DO UPDATE SET
        visits = visit_counter_days.visits + excluded.visits,
        page_views = visit_counter_days.page_views + excluded.page_views,
        bot_views = visit_counter_days.bot_views + excluded.bot_views
""")

TOUCH_VISITOR = Statement("""
    INSERT INTO visit_counter_visitors (key, last_seen, visit) VALUES (:key, :now, :token)
    ON CONFLICT (key) DO UPDATE SET
        visit = CASE WHEN visit_counter_visitors.last_seen < :cutoff
                     THEN excluded.visit ELSE visit_counter_visitors.visit END,
        last_seen = CASE WHEN visit_counter_visitors.last_seen > excluded.last_seen
                         THEN visit_counter_visitors.last_seen ELSE excluded.last_seen END
    RETURNING visit
""")

ONLINE = Statement("SELECT count(*) FROM visit_counter_visitors WHERE last_seen >= :since")

ONLINE_BESIDES = Statement("""
    SELECT count(*) FROM visit_counter_visitors WHERE last_seen >= :since AND key <> :key
""")

LAST_SEEN = Statement("SELECT last_seen FROM visit_counter_visitors WHERE key = :key")

TODAY = Statement("SELECT visits, page_views, bot_views FROM visit_counter_days WHERE day = :day")

LAST_SEEN_AND_DAY = Statement("""
    SELECT (SELECT last_seen FROM visit_counter_visitors WHERE key = :key),
           d.visits, d.page_views, d.bot_views
    FROM (SELECT 1 AS one) AS one LEFT JOIN visit_counter_days AS d ON d.day = :day
""")
