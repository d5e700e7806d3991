"""The counter's writes, each one atomic statement (``INSERT … ON CONFLICT``).

No count is read into Python and written back: the database adds, so
concurrent workers lose nothing, on SQLite and PostgreSQL alike. The
statements of every page view are hand-written SQL (:mod:`.sql`); the rare
ones (cleanup, import) use SQLAlchemy's constructs.

The page view's write runs on the pool's raw DBAPI connection
(:func:`page_view_transaction`): a SQLAlchemy ``Connection`` around two
statements costs about a third of a millisecond of Python per page view.
What it bypasses — events, error wrapping — is done here: every statement
sent is shown to :data:`observers` first, and driver errors are raised as
SQLAlchemy's, so callers and logs see the same errors either way.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.dialects import postgresql, sqlite

from site_core.api import db

from . import sql
from .models import days, salts, visitors

DatabaseError = SQLAlchemyError  # what a failed write raises

observers: list[Callable[[str, dict | None], None]] = []
"""Called with ``(sql, params)`` before each statement sent through the driver is sent, in
order: those of :func:`page_view_transaction`, including SQLite's ``BEGIN IMMEDIATE``
and ``COMMIT`` / ``ROLLBACK``, and the page view's reads (:func:`first_row`): what SQLAlchemy's
``before_cursor_execute`` would have seen (tests check the writes with it)."""


class RawWrite:
    """One page view's write transaction on a raw DBAPI connection (sqlite3 or psycopg)."""

    def __init__(self, dialect, dbapi_connection):
        self.dialect = dialect
        self.connection = dbapi_connection
        self.cursor = dbapi_connection.cursor()

    def send(self, text: str, params: dict | None = None):
        """Execute one statement; returns the cursor, to fetch ``RETURNING`` rows from."""
        for observe in observers:
            observe(text, params)
        with _wrapped(self.dialect, text, params):
            if params is None:
                self.cursor.execute(text)
            else:
                self.cursor.execute(text, params)
        return self.cursor

    def run(self, statement: sql.Statement, **params) -> None:
        self.send(*statement.bind(self.dialect.name, params))

    def one(self, statement: sql.Statement, **params) -> tuple:
        """Run a statement and fetch its one row (in a pipeline, this waits for the results)."""
        text, bound = statement.bind(self.dialect.name, params)
        cursor = self.send(text, bound)
        with _wrapped(self.dialect, text, bound):
            return cursor.fetchone()

    def first_columns(self, statement: sql.Statement, rows: list[dict]) -> list:
        """Run a ``RETURNING`` statement once per parameter set; the first column of each answer.

        On PostgreSQL they all go in one ``executemany`` of the pipeline: one
        wait for the server, not one per row.
        """
        if self.dialect.name != "postgresql" or not rows:
            return [self.one(statement, **params)[0] for params in rows]
        bound = [statement.bind(self.dialect.name, params) for params in rows]
        for text, params in bound:
            for observe in observers:
                observe(text, params)
        text, values = bound[0][0], []
        with _wrapped(self.dialect, text, None), contextlib.closing(self.connection.cursor()) as cursor:
            cursor.executemany(text, [params for _, params in bound], returning=True)
            values.append(cursor.fetchone()[0])
            while cursor.nextset():
                values.append(cursor.fetchone()[0])
        return values

    def end(self, commit: bool) -> None:
        """``COMMIT`` or ``ROLLBACK`` through the driver, as SQLAlchemy would."""
        verb = "COMMIT" if commit else "ROLLBACK"
        for observe in observers:
            observe(verb, None)
        with _wrapped(self.dialect, verb, None):
            (self.connection.commit if commit else self.connection.rollback)()


@contextlib.contextmanager
def _wrapped(dialect, text, params):
    """Driver errors become SQLAlchemy's (``OperationalError``, …), with the statement."""
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(
            text, params, error, dialect.loaded_dbapi.Error, dialect=dialect) from error


def first_row(connection, statement: sql.Statement, **params) -> tuple | None:
    """The first row of a read, sent through the driver (None if there is none).

    ``connection`` is a SQLAlchemy ``Connection`` (the page's session's):
    the statement runs on its DBAPI connection, in the transaction already
    open there, without SQLAlchemy's execution machinery (3 instead of 12 µs
    per read on SQLite). Shown to :data:`observers` first; driver errors are
    raised as SQLAlchemy's.
    """
    dialect = connection.dialect
    text, bound = statement.bind(dialect.name, params)
    for observe in observers:
        observe(text, bound)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with _wrapped(dialect, text, bound):
            cursor.execute(text, bound)
            return cursor.fetchone()
    finally:
        cursor.close()


def scalar(connection, statement: sql.Statement, **params):
    """The first column of :func:`first_row`, or None."""
    row = first_row(connection, statement, **params)
    return None if row is None else row[0]


@contextlib.contextmanager
def page_view_transaction():
    """A write transaction on a pooled raw DBAPI connection, for the page view's upserts.

    The same transaction as ``site_core.db.write_transaction()``: ``BEGIN IMMEDIATE`` on
    SQLite (the pool's connections have ``isolation_level=None``, the busy
    timeout and WAL), the driver's implicit transaction on PostgreSQL (its
    connections have ``lock_timeout``; see ``site_core.db.configure_engine``).
    Committed on exit, rolled back on any error; the connection always goes
    back to the pool (invalidated if the driver says it is broken).

    Durability is SQLite's WAL with ``synchronous = NORMAL`` on both: on
    PostgreSQL the commit does not wait for the disk (``synchronous_commit =
    off``, this transaction only), so a crash of the database server may lose
    the last moments of counts, never part of one page view. The statements go
    in psycopg's pipeline: two network round trips per page view, not five.
    """
    engine = db.engine
    fairy = engine.raw_connection()
    write = None
    try:
        write = RawWrite(engine.dialect, fairy.dbapi_connection)
        with _batched(fairy.dbapi_connection, engine.dialect.name):
            if engine.dialect.name == "sqlite":
                write.send("BEGIN IMMEDIATE")
            else:
                write.send("SET LOCAL synchronous_commit = off")
            yield write
            write.end(commit=True)
    except BaseException as error:
        _abandon(engine, fairy, write, error)
        raise
    finally:
        if write is not None:
            with contextlib.suppress(Exception):  # never hide the error that brought us here
                write.cursor.close()
        fairy.close()


def _batched(dbapi_connection, dialect: str):
    """psycopg's pipeline mode: statements are sent without waiting until a result is read."""
    return dbapi_connection.pipeline() if dialect == "postgresql" else contextlib.nullcontext()


def _abandon(engine, fairy, write, error) -> None:
    """Roll back after ``error``; a connection the driver calls broken leaves the pool."""
    original = getattr(error, "orig", error)
    if isinstance(original, engine.dialect.loaded_dbapi.Error) and engine.dialect.is_disconnect(
            original, fairy.dbapi_connection, write.cursor if write else None):
        fairy.invalidate(original)
        return
    if write is not None:
        with contextlib.suppress(Exception):  # the pool's reset-on-return rolls back as well
            write.end(commit=False)


def _insert(connection, table):
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the visit counter needs SQLite or PostgreSQL, not {dialect}")


def transaction_id(write: RawWrite) -> int | None:
    """The PostgreSQL transaction's id, to ask later whether it committed (None on SQLite)."""
    if write.dialect.name != "postgresql":
        return None
    return int(write.send("SELECT txid_current()").fetchone()[0])


def committed(transaction: int) -> bool | None:
    """Whether PostgreSQL transaction ``transaction`` committed; None while it is still open."""
    with db.engine.connect() as connection:
        status = connection.exec_driver_sql("SELECT txid_status(%(id)s)", {"id": transaction}).scalar()
    return None if status == "in progress" else status == "committed"


def bump_day(write: RawWrite, day: dt.date, *, visits: int = 0, page_views: int = 0, bot_views: int = 0) -> None:
    """Add to ``day``'s counts (nothing read back: in a pipeline it waits for nothing)."""
    write.run(sql.BUMP_DAY, day=day, visits=visits, page_views=page_views, bot_views=bot_views)


def touch_visitors(write: RawWrite, seen: list[tuple[str, int, int]], window_seconds: int) -> list[bool]:
    """Record each visitor ``key`` seen from ``first`` to ``last``; for each, whether that starts a visit.

    A visit starts when the visitor is unknown or was last seen more than
    the window before ``first``. One upsert per visitor decides: it stamps a
    fresh random token only when a new visit starts, and returns the token
    stored, so of two racing writers exactly one sees its own token come back.
    """
    tokens = [secrets.randbits(62) for _ in seen]
    rows = [{"key": key, "now": last, "token": token, "cutoff": first - window_seconds}
            for (key, first, last), token in zip(seen, tokens)]
    return [stored == token for stored, token in zip(write.first_columns(sql.TOUCH_VISITOR, rows), tokens)]


def online(connection, now: int, minutes: int, besides: str | None = None) -> int:
    """Visitors seen in the last ``minutes`` minutes, not counting ``besides``."""
    if besides is None:
        return scalar(connection, sql.ONLINE, since=now - minutes * 60)
    return scalar(connection, sql.ONLINE_BESIDES, since=now - minutes * 60, key=besides)


def last_seen(connection, key: str) -> int | None:
    """When visitor ``key`` was last seen (Unix seconds), if they are known."""
    return scalar(connection, sql.LAST_SEEN, key=key)


def last_seen_and_day(connection, key: str, day: dt.date) -> tuple[int | None, tuple[int, int, int]]:
    """:func:`last_seen` and :func:`today_counts` in one read (one round trip on PostgreSQL)."""
    seen, *counts = first_row(connection, sql.LAST_SEEN_AND_DAY, key=key, day=day)
    return seen, tuple(n or 0 for n in counts)


def today_counts(connection, day: dt.date) -> tuple[int, int, int]:
    """``day``'s (visits, page_views, bot_views), zeros if nobody came."""
    row = first_row(connection, sql.TODAY, day=day)
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
