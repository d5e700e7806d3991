"""The batch writer's transaction on the raw driver: the counter's one SQL shortcut.

A batch of page views is written in one transaction (:func:`page_view_transaction`):
one upsert per visitor entry, then one per day, each an ``INSERT … ON
CONFLICT`` (no count is read into Python and written back, so concurrent
workers lose nothing). The statements are written once in the SQL that SQLite
and PostgreSQL share and go straight to the pooled DBAPI connection (sqlite3
or psycopg); on PostgreSQL in psycopg's pipeline, the visitor upserts in one
``executemany``: one wait for the server per batch instead of one per visitor.
Measured against the same writes in SQLAlchemy Core in one run
(``bench/counter_sql.py``, figures in ``bench/README.md``), this costs 2.6×
(SQLite) to 5× (PostgreSQL) less CPU per page view written. Everything else
the counter sends is SQLAlchemy Core (:mod:`.store`).

What this bypasses of SQLAlchemy — events, error wrapping — is done here:
every statement is shown to :data:`observers` first, and driver errors are
raised as SQLAlchemy's, so callers and logs see the same errors either way.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
from collections.abc import Callable

import sqlalchemy as sa

from site_core.api import db

observers: list[Callable[[str, dict | None], None]] = []
"""Called with ``(sql, params)`` before each statement of :func:`page_view_transaction` is
sent, in order, including SQLite's ``BEGIN IMMEDIATE`` and ``COMMIT`` / ``ROLLBACK``:
what SQLAlchemy's ``before_cursor_execute`` would have seen (tests check the writes with it)."""

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


class RawWrite:
    """One batch's write transaction on a raw DBAPI connection (sqlite3 or psycopg)."""

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

    def run(self, statement: Statement, **params) -> None:
        self.send(*statement.bind(self.dialect.name, params))

    def one(self, statement: Statement, **params) -> tuple:
        """Run a statement and fetch its one row (in a pipeline, this waits for the results)."""
        text, bound = statement.bind(self.dialect.name, params)
        cursor = self.send(text, bound)
        with _wrapped(self.dialect, text, bound):
            return cursor.fetchone()

    def first_columns(self, statement: Statement, rows: list[dict]) -> list:
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


def transaction_id(write: RawWrite) -> int | None:
    """The PostgreSQL transaction's id, to ask later whether it committed (None on SQLite)."""
    if write.dialect.name != "postgresql":
        return None
    return int(write.send("SELECT txid_current()").fetchone()[0])


def bump_day(write: RawWrite, day: dt.date, *, visits: int = 0, page_views: int = 0, bot_views: int = 0) -> None:
    """Add to ``day``'s counts (nothing read back: in a pipeline it waits for nothing)."""
    write.run(BUMP_DAY, day=day, visits=visits, page_views=page_views, bot_views=bot_views)


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
    return [stored == token for stored, token in zip(write.first_columns(TOUCH_VISITOR, rows), tokens)]
