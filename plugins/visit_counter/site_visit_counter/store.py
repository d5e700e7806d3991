"""The counter's writes, each one atomic statement (``INSERT … ON CONFLICT``).

No count is read into Python and written back: the database adds, so
concurrent workers lose nothing, on SQLite and PostgreSQL alike. The
statements of every page view are hand-written SQL (:mod:`.sql`); the rare
ones (cleanup, import) use SQLAlchemy's constructs.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.dialects import postgresql, sqlite

from flask import current_app

from site_core.db import write_transaction

from . import sql
from .models import days, salts, visitors

DatabaseError = SQLAlchemyError  # what a failed write raises


@contextlib.contextmanager
def transaction():
    """``site_core.db.write_transaction()``, giving up after the lock wait on PostgreSQL too.

    SQLite waits ``SQLITE_BUSY_TIMEOUT_MS`` for the write lock; PostgreSQL
    gets the same bound as ``lock_timeout``, so a held row lock cannot hang
    the page.
    """
    with write_transaction() as connection:
        if connection.dialect.name == "postgresql":
            timeout = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout}")
        yield connection


def _insert(connection, table):
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the visit counter needs SQLite or PostgreSQL, not {dialect}")


def bump_day(connection, day: dt.date, *, visits: int = 0, page_views: int = 0, bot_views: int = 0):
    """Add to ``day``'s counts and return its row (visits, page_views, bot_views) after."""
    return sql.BUMP_DAY(connection, day=day, visits=visits, page_views=page_views, bot_views=bot_views).one()


def touch_visitor(connection, key: str, now: int, window_seconds: int) -> bool:
    """Record that visitor ``key`` was seen at ``now``; True if this starts a new visit.

    A visit starts when the visitor is unknown or was last seen more than
    the window ago. One upsert decides: it stamps a fresh random token on
    the visitor only when a new visit starts, and returns the token stored,
    so of two racing page views exactly one sees its own token come back.
    """
    token = secrets.randbits(62)
    stored = sql.TOUCH_VISITOR(connection, key=key, now=now, token=token, cutoff=now - window_seconds).scalar()
    return stored == token


def online(connection, now: int, minutes: int, besides: str | None = None) -> int:
    """Visitors seen in the last ``minutes`` minutes, not counting ``besides``."""
    if besides is None:
        return sql.ONLINE(connection, since=now - minutes * 60).scalar()
    return sql.ONLINE_BESIDES(connection, since=now - minutes * 60, key=besides).scalar()


def last_seen(connection, key: str) -> int | None:
    """When visitor ``key`` was last seen (Unix seconds), if they are known."""
    return sql.LAST_SEEN(connection, key=key).scalar()


def today_counts(connection, day: dt.date) -> tuple[int, int, int]:
    """``day``'s (visits, page_views, bot_views), zeros if nobody came."""
    row = sql.TODAY(connection, day=day).first()
    return tuple(row) if row else (0, 0, 0)


def cleanup(connection, now: int, keep_seconds: int, oldest_salt: dt.date) -> tuple[int, int]:
    """Forget visitors not seen for ``keep_seconds`` and salts of days before ``oldest_salt``."""
    gone = connection.execute(sa.delete(visitors).where(visitors.c.last_seen < now - keep_seconds))
    old = connection.execute(sa.delete(salts).where(salts.c.day < oldest_salt))
    return gone.rowcount, old.rowcount


def set_day_visits(connection, day: dt.date, visits: int) -> None:
    """Set ``day``'s visits to a known total (imports of an old counter's history)."""
    statement = _insert(connection, days).values(day=day, visits=visits)
    connection.execute(statement.on_conflict_do_update(
        index_elements=["day"], set_={"visits": statement.excluded.visits}))
