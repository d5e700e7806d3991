"""The SQLAlchemy object and helpers that work the same on SQLite and PostgreSQL.

Counts and votes are written with single atomic statements (``INSERT … ON
CONFLICT``), never read-modify-write in Python, so concurrent workers lose
nothing. SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` for write
transactions; each is applied on every new connection.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, scoped_session


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class UTCDateTime(sa.types.TypeDecorator):
    """A time-zone aware datetime stored as UTC (SQLite keeps no offsets)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store aware datetimes only")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


def configure_engine(engine: sa.Engine, busy_timeout_ms: int) -> None:
    """Bound lock waits on every connection; SQLite's pragmas and transaction handling.

    A statement waits at most ``busy_timeout_ms`` for a lock on either
    database, then fails: SQLite's ``busy_timeout``, PostgreSQL's
    ``lock_timeout`` (set as the connection opens, so it costs no round trip
    later).
    """
    if engine.dialect.name == "postgresql":
        @sa.event.listens_for(engine, "do_connect")
        def _on_pg_connect(_dialect, _record, _args, params):
            params["options"] = f"{params.get('options', '')} -c lock_timeout={int(busy_timeout_ms)}".strip()
        return
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):  # IMMEDIATE may wait for the lock, then fail: errors wrapped
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("sqlite_immediate")
                                   else "BEGIN")


@contextlib.contextmanager
def write_transaction():
    """A short transaction of its own for writes, committed on exit.

    On SQLite it starts with ``BEGIN IMMEDIATE``, so a transaction that reads
    then writes waits for the lock instead of failing with "database is
    locked". It uses its own connection, so the request's session (which may
    hold an older read snapshot) is not involved.
    """
    with db.engine.connect() as connection:
        connection.execution_options(sqlite_immediate=True)
        with connection.begin():
            yield connection


def begin_write(session=None) -> None:
    """Start the session's next transaction for writing (``BEGIN IMMEDIATE`` on SQLite).

    Call it at the start of a read-then-write unit of work (e.g. saving an
    article): concurrent writers then queue on the lock instead of failing
    with "database is locked". A transaction still open in the session is
    committed first, since a new one must begin here.
    """
    session = session or db.session
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})


def _insert(table: sa.Table, dialect_name: str):
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    if dialect_name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no atomic upsert for {dialect_name}")


def increment(connection, table: sa.Table, keys: dict, amounts: dict) -> None:
    """Add ``amounts`` to the row identified by ``keys``, creating it if absent.

    One ``INSERT … ON CONFLICT (keys) DO UPDATE SET n = n + :amount``; the
    conflict target is the table's unique key on exactly ``keys``.
    """
    statement = _increment_statement(table, tuple(keys), tuple(amounts), connection.dialect.name)
    connection.execute(statement, {**keys, **amounts})


@functools.cache
def _increment_statement(table: sa.Table, keys: tuple[str, ...], amounts: tuple[str, ...], dialect_name: str):
    """Built once per shape (building one costs more than running it); the values are bound per call."""
    statement = _insert(table, dialect_name).values({name: sa.bindparam(name) for name in keys + amounts})
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in amounts},
    )


def insert_once(connection, table: sa.Table, values: dict, unique: list[str]) -> bool:
    """Insert a row unless one with the same ``unique`` columns exists.

    Returns True when this call inserted it. The database's unique constraint
    decides, so two racing callers cannot both win.
    """
    statement = (
        _insert(table, connection.dialect.name)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(*[table.c[name] for name in unique])
    )
    return connection.execute(statement).first() is not None
