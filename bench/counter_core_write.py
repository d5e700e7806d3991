"""The visit counter's batch write in SQLAlchemy Core: the baseline ``counter_sql.py`` measures
``site_visit_counter.raw_write`` against (same functions, same statements, same transaction).

Not used by the product. The visitor upserts run one ``execute`` each: SQLAlchemy's
``executemany`` with ``RETURNING`` ("insertmanyvalues") would send the batch as one
multi-row ``INSERT``, which takes the per-row ``cutoff`` from the first row only and
fails on PostgreSQL when one visitor has two entries in a batch.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import secrets

import sqlalchemy as sa

from site_core.api import increment, write_transaction
from site_visit_counter.models import days, visitors
from site_visit_counter.store import _insert


@functools.cache
def _touch_visitor(dialect: str):
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
    with write_transaction() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SET LOCAL synchronous_commit = off"))
        yield connection


def transaction_id(connection) -> int | None:
    if connection.dialect.name != "postgresql":
        return None
    return connection.execute(sa.select(sa.func.txid_current())).scalar_one()


def bump_day(connection, day: dt.date, *, visits: int = 0, page_views: int = 0, bot_views: int = 0) -> None:
    increment(connection, days, keys={"day": day},
              amounts={"visits": visits, "page_views": page_views, "bot_views": bot_views})


def touch_visitors(connection, seen: list[tuple[str, int, int]], window_seconds: int) -> list[bool]:
    statement = _touch_visitor(connection.dialect.name)
    started = []
    for key, first, last in seen:
        token = secrets.randbits(62)
        stored = connection.execute(
            statement, {"key": key, "now": last, "token": token, "cutoff": first - window_seconds}).scalar_one()
        started.append(stored == token)
    return started
