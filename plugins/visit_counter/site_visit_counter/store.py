"""The counter's reads and its rare writes (cleanup, import), in SQLAlchemy Core.

The page view's reads are module constants, so SQLAlchemy's compiled cache
serves them after their first use. The batch of page views is written by
:mod:`.raw_write`, the one statement set sent through the raw driver.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from site_core.api import db

from .models import days, salts, visitors

DatabaseError = SQLAlchemyError  # what a failed write raises

LAST_SEEN = sa.select(visitors.c.last_seen).where(visitors.c.key == sa.bindparam("key"))
TODAY = sa.select(days.c.visits, days.c.page_views, days.c.bot_views).where(days.c.day == sa.bindparam("day"))
ONLINE = sa.select(sa.func.count()).select_from(visitors).where(visitors.c.last_seen >= sa.bindparam("since"))
ONLINE_BESIDES = ONLINE.where(visitors.c.key != sa.bindparam("key"))
_ONE = sa.select(sa.literal(1).label("one")).subquery("one")  # a row for the day's to join to, if any
LAST_SEEN_AND_DAY = (sa.select(LAST_SEEN.scalar_subquery(), days.c.visits, days.c.page_views, days.c.bot_views)
                     .select_from(_ONE.outerjoin(days, days.c.day == sa.bindparam("day"))))


def _insert(dialect: str, table: sa.Table):
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the visit counter needs SQLite or PostgreSQL, not {dialect}")


def committed(transaction: int) -> bool | None:
    """Whether PostgreSQL transaction ``transaction`` committed; None while it is still open."""
    with db.engine.connect() as connection:
        status = connection.execute(sa.select(sa.func.txid_status(transaction))).scalar()
    return None if status == "in progress" else status == "committed"


def online(connection, now: int, minutes: int, besides: str | None = None) -> int:
    """Visitors seen in the last ``minutes`` minutes, not counting ``besides``."""
    if besides is None:
        return connection.execute(ONLINE, {"since": now - minutes * 60}).scalar_one()
    return connection.execute(ONLINE_BESIDES, {"since": now - minutes * 60, "key": besides}).scalar_one()


def last_seen(connection, key: str) -> int | None:
    """When visitor ``key`` was last seen (Unix seconds), if they are known."""
    return connection.execute(LAST_SEEN, {"key": key}).scalar()


def last_seen_and_day(connection, key: str, day: dt.date) -> tuple[int | None, tuple[int, int, int]]:
    """:func:`last_seen` and :func:`today_counts` in one read (one round trip on PostgreSQL)."""
    seen, *counts = connection.execute(LAST_SEEN_AND_DAY, {"key": key, "day": day}).one()
    return seen, tuple(n or 0 for n in counts)


def today_counts(connection, day: dt.date) -> tuple[int, int, int]:
    """``day``'s (visits, page_views, bot_views), zeros if nobody came."""
    row = connection.execute(TODAY, {"day": day}).first()
    return tuple(row) if row else (0, 0, 0)


def cleanup(connection, now: int, keep_seconds: int, oldest_salt: dt.date) -> tuple[int, int]:
    """Forget visitors not seen for ``keep_seconds`` and salts of days before ``oldest_salt``."""
    gone = connection.execute(sa.delete(visitors).where(visitors.c.last_seen < now - keep_seconds))
    old = connection.execute(sa.delete(salts).where(salts.c.day < oldest_salt))
    return gone.rowcount, old.rowcount


def set_day_visits(connection, day: dt.date, visits: int) -> None:
    """Set ``day``'s visits to a known total (imports of an old counter's history)."""
    statement = _insert(connection.dialect.name, days).values(day=day, visits=visits)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["day"], set_={"visits": statement.excluded.visits}))
