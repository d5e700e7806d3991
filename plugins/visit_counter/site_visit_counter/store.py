"""The counter's reads and writes, in SQLAlchemy Core; each write one atomic statement.

No count is read into Python and written back: the database adds
(``INSERT … ON CONFLICT``), so concurrent workers lose nothing, on SQLite
and PostgreSQL alike. The statements of every page view are built once
(module constants, or once per dialect), so SQLAlchemy's compiled cache
serves them after the first use.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import secrets

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from site_core.api import db, increment, write_transaction

from .models import days, salts, visitors

DatabaseError = SQLAlchemyError  # what a failed write raises

LAST_SEEN = sa.select(visitors.c.last_seen).where(visitors.c.key == sa.bindparam("key"))
TODAY = sa.select(days.c.visits, days.c.page_views, days.c.bot_views).where(days.c.day == sa.bindparam("day"))
ONLINE = sa.select(sa.func.count()).select_from(visitors).where(visitors.c.last_seen >= sa.bindparam("since"))
ONLINE_BESIDES = ONLINE.where(visitors.c.key != sa.bindparam("key"))
_ONE = sa.select(sa.literal(1).label("one")).subquery("one")  # a row for the day's to join to, if any
LAST_SEEN_AND_DAY = (sa.select(LAST_SEEN.scalar_subquery(), days.c.visits, days.c.page_views, days.c.bot_views)
                     .select_from(_ONE.outerjoin(days, days.c.day == sa.bindparam("day"))))
ASYNCHRONOUS_COMMIT = sa.text("SET LOCAL synchronous_commit = off")


def _insert(dialect: str, table: sa.Table):
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the visit counter needs SQLite or PostgreSQL, not {dialect}")


@functools.cache
def _touch_visitor(dialect: str):
    """The visitor's upsert: a new token only when a visit starts; returns the token stored."""
    insert = _insert(dialect, visitors).values(
        key=sa.bindparam("key"), last_seen=sa.bindparam("now"), visit=sa.bindparam("token"))
    stored, new = visitors.c, insert.excluded
    return insert.on_conflict_do_update(index_elements=["key"], set_={
        "visit": sa.case((stored.last_seen < sa.bindparam("cutoff", type_=sa.BigInteger), new.visit),
                         else_=stored.visit),
        "last_seen": sa.case((stored.last_seen > new.last_seen, stored.last_seen), else_=new.last_seen),
    }).returning(stored.visit)


@contextlib.contextmanager
def page_view_transaction():
    """The write transaction of a batch of page views: ``site_core``'s ``write_transaction()``.

    ``BEGIN IMMEDIATE`` on SQLite (WAL, ``synchronous = NORMAL``); on
    PostgreSQL the commit does not wait for the disk (``synchronous_commit =
    off``, this transaction only), the same durability: a crash of the
    database server may lose the last moments of counts, never part of one
    page view. Rolled back on any error; a connection that broke leaves the pool.
    """
    with write_transaction() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(ASYNCHRONOUS_COMMIT)
        yield connection


def transaction_id(connection) -> int | None:
    """The PostgreSQL transaction's id, to ask later whether it committed (None on SQLite)."""
    if connection.dialect.name != "postgresql":
        return None
    return connection.execute(sa.select(sa.func.txid_current())).scalar_one()


def committed(transaction: int) -> bool | None:
    """Whether PostgreSQL transaction ``transaction`` committed; None while it is still open."""
    with db.engine.connect() as connection:
        status = connection.execute(sa.select(sa.func.txid_status(transaction))).scalar()
    return None if status == "in progress" else status == "committed"


def bump_day(connection, day: dt.date, *, visits: int = 0, page_views: int = 0, bot_views: int = 0) -> None:
    """Add to ``day``'s counts."""
    increment(connection, days, keys={"day": day},
              amounts={"visits": visits, "page_views": page_views, "bot_views": bot_views})


def touch_visitors(connection, seen: list[tuple[str, int, int]], window_seconds: int) -> list[bool]:
    """Record each visitor ``key`` seen from ``first`` to ``last``; for each, whether that starts a visit.

    A visit starts when the visitor is unknown or was last seen more than
    the window before ``first``. One upsert per visitor decides: it stamps a
    fresh random token only when a new visit starts, and returns the token
    stored, so of two racing writers exactly one sees its own token come back.
    """
    statement = _touch_visitor(connection.dialect.name)
    started = []
    for key, first, last in seen:
        token = secrets.randbits(62)
        stored = connection.execute(
            statement, {"key": key, "now": last, "token": token, "cutoff": first - window_seconds}).scalar_one()
        started.append(stored == token)
    return started


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
