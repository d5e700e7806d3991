"""A version number for the site's content, so caches of it are never stale.

The single row of ``content_version`` moves (+1) in the same transaction as
every change to articles, categories or tags: a flush hook on the session
bumps it whenever such a row is added, changed or deleted, whoever does it
(the CLI, an import, a plugin). Every process and every host reads the same
row, so a commit anywhere is seen everywhere at once.

A request reads the version once (:func:`current`: one primary-key read on a
driver connection the process keeps for it, outside the request's session) and
:class:`ProcessCache` drops whatever it holds from an older version. Requests
that wait in a busy server share reads: a read begun after a request
arrived sees every commit that request could know of, so the request takes
that read's answer instead of a round trip of its own. Articles, the first pages of each listing, categories and
tags by slug and the menu are served from it: while nothing changes, the
reader pages cost no query of their own.
"""
from __future__ import annotations

import contextlib
import itertools
import mmap
import os
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from .db import db, increment

content_version = sa.Table(
    "content_version", db.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("version", sa.BigInteger, nullable=False),
)

READ = "SELECT version FROM content_version WHERE id = 1"
READ_IN_SESSION = sa.select(content_version.c.version).where(content_version.c.id == 1)
ENVIRON_KEY = "site_core.content_version"
ARRIVED = "site_core.arrived"
"""WSGI environ key: ``time.monotonic()`` when the request reached the server (:func:`stamp_arrival`)."""


def stamp_arrival(environ: dict) -> None:
    """Note when a request arrived, unless a server in front did (gunicorn.conf.py does, before
    the request waits for its worker's turn)."""
    environ.setdefault(ARRIVED, time.monotonic())


def read_ahead(app, environ: dict) -> None:
    """Read the version for a ``GET`` or ``HEAD`` before the request waits for its worker's turn
    (gunicorn.conf.py), so that the round trip to the database overlaps the requests before it
    instead of holding the turn. The read serves every request that arrived before it began.
    Best effort: after an error the request reads for itself and shows that error as any other.
    """
    reader = getattr(app, "extensions", {}).get(READER_KEY)
    if reader is None or environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or ENVIRON_KEY in environ:
        return
    static = getattr(app, "static_url_path", None)
    if static and environ.get("PATH_INFO", "").startswith(f"{static}/"):
        return
    stamp_arrival(environ)
    with contextlib.suppress(Exception):
        environ[ENVIRON_KEY] = reader.read(since=environ[ARRIVED])


def arrivals_stamped(wsgi_app):
    """The app's outermost WSGI layer: :func:`stamp_arrival`, then the app."""

    def stamped(environ, start_response):
        stamp_arrival(environ)
        return wsgi_app(environ, start_response)

    return stamped


def current() -> int:
    """This request's content version, read once per request (0 before any change).

    Kept in the request's WSGI environ (``g`` belongs to the app context,
    which several requests may share).
    """
    environ = request.environ if has_request_context() else {}
    if ENVIRON_KEY not in environ:
        environ[ENVIRON_KEY] = read(since=environ.get(ARRIVED))
    return environ[ENVIRON_KEY]


def read(since: float | None = None) -> int:
    """The version now: as the session's transaction sees it if one has begun, else read on
    the process's own driver connection in autocommit (:class:`KeptReader`).

    A page served from memory (:mod:`.page_cache`) so needs no session, no
    ``BEGIN`` and no ``ROLLBACK`` at all, which cost more than the read
    (``bench/README.md``, "Issue 16"). Whatever the request reads after it,
    in its own transaction, is as new as this version or newer, so nothing
    kept under this version is older than it. A transaction begun before (a
    plugin's ``before_request`` that read something) may be older than the
    latest version, so the version is read in it: what it renders is kept
    under the version it saw.
    """
    if db.session.registry.has() and db.session().in_transaction():
        return db.session.connection().execute(READ_IN_SESSION).scalar() or 0
    return current_app.extensions[READER_KEY].read(since)


READER_KEY = "site_core.version_reader"


class LatestRead:
    """When the latest version read began and what it read, in memory shared by every process
    forked after it was made (gunicorn's workers, when the master built the app).

    Written and read without a lock (a worker killed mid-write must not stall
    the others): each record carries a hash of itself, and one torn by two
    writers at once does not match it and counts as no record.
    """

    _RECORD = struct.Struct("dqq")  # began (time.monotonic()), version, hash of the two

    def __init__(self):
        self._memory = mmap.mmap(-1, self._RECORD.size)  # anonymous and shared across fork
        self.put(-1.0, 0)

    def get(self) -> tuple[float, int] | None:
        began, version, check = self._RECORD.unpack_from(self._memory)
        return (began, version) if check == hash((began, version)) else None

    def put(self, began: float, version: int) -> None:
        """Record a read, unless one that began later is recorded already."""
        latest = self.get()
        if latest is None or began > latest[0]:
            self._RECORD.pack_into(self._memory, 0, began, version, hash((began, version)))


class KeptReader:
    """Reads the version on one driver connection per process, kept open and in autocommit.

    A page served from memory costs this read and little else, so it skips
    what a pooled connection costs on every checkout (the pool's bookkeeping,
    a reset on return): 80–95 µs of a worker's CPU on PostgreSQL against
    40–45 µs kept, with the statement prepared once (``bench/README.md``,
    "Issue 16"). Requests take turns on it (a gunicorn worker runs one at a
    time anyway). A broken connection is dropped, so that request fails as
    any database error does and the next opens a new one. After a ``fork``
    the parent's connection is left alone, never closed, since closing it
    would end the parent's session too.
    """

    _inherited: list = []  # connections of a parent process: kept from the garbage collector

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.dialect = engine.dialect
        self._lock = threading.Lock()
        self._fairy = self._cursor = None
        self._latest = LatestRead()  # this process's reads and, after a fork, its siblings'
        self._pid = os.getpid()
        sa.event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def read(self, since: float | None = None) -> int:
        """The version now; or, when ``since`` (a ``time.monotonic()`` reading) is given, as a
        read begun at or after ``since`` saw it, which may be another thread's or another
        worker's (:class:`LatestRead`).

        A request that arrived at ``since`` and finds such a read (begun while it waited
        for its turn) takes its answer: nothing committed before the request
        arrived is missing from it, so the request is served as exactly as by a
        read of its own, one round trip to the database cheaper.
        """
        if (shared := self._shared(since)) is not None:
            return shared
        error_class = self.dialect.loaded_dbapi.Error
        with self._lock:
            if (shared := self._shared(since)) is not None:  # read by another thread meanwhile
                return shared
            begun = time.monotonic()
            try:
                cursor = self._cursor if self._pid == os.getpid() else None
                if cursor is None:
                    cursor = self._open()
                if self.dialect.name == "postgresql":
                    cursor.execute(READ, prepare=True)
                else:
                    cursor.execute(READ)
                row = cursor.fetchone()
            except error_class as error:  # as SQLAlchemy would: wrapped, a broken connection dropped
                if self._fairy is not None and self.dialect.is_disconnect(error, self._fairy.dbapi_connection,
                                                                          self._cursor):
                    self._drop()
                raise sa.exc.DBAPIError.instance(READ, None, error, error_class, dialect=self.dialect) from error
            version = row[0] if row else 0
            self._latest.put(begun, version)
            return version

    def _shared(self, since: float | None) -> int | None:
        latest = self._latest.get() if since is not None else None
        return latest[1] if latest is not None and latest[0] >= since else None

    def _open(self):
        self._drop()  # a parent's connection, if forked
        fairy = self.engine.raw_connection()
        fairy.detach()  # this process's own now: the pool neither counts nor resets it
        if self.dialect.name == "postgresql":
            # The driver would otherwise open a transaction for a SELECT (a round trip, and
            # another to end it). SQLite's connections run in autocommit already (db.py).
            fairy.dbapi_connection.autocommit = True
        self._fairy, self._cursor = fairy, fairy.dbapi_connection.cursor()
        return self._cursor

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        """Let go of the connection: closed if this process opened it, only forgotten if a parent did."""
        if self._fairy is not None and self._pid != os.getpid():
            self._inherited.append(self._fairy)
        elif self._fairy is not None:
            with contextlib.suppress(Exception):
                self._fairy.dbapi_connection.close()
        self._fairy = self._cursor = None
        self._pid = os.getpid()


def process_cache() -> "ProcessCache":
    """The app's cache of content-derived values in this process."""
    return current_app.extensions["site_core.content_cache"]


def bump(connection) -> None:
    """Move the version on, inside the caller's transaction."""
    increment(connection, content_version, keys={"id": 1}, amounts={"version": 1})


def changed(connection) -> None:
    """A plugin's data behind a ``varies="content"`` widget changed in the transaction of
    ``connection``: move the version with it, so every kept page is rendered again."""
    bump(connection)


def watch(models: tuple[type, ...]) -> None:
    """Bump the version in any flush that adds, changes or deletes a row of ``models``."""

    @sa.event.listens_for(sa.orm.Session, "before_flush")
    def _content_changed(session, _context, _instances):
        changed = itertools.chain(session.new, session.dirty, session.deleted)
        if any(isinstance(obj, models) for obj in changed):
            bump(session.connection())


class ProcessCache:
    """Values computed from the content, kept in this process until the version moves.

    Bounded: the least recently used entry goes when ``size`` is reached
    (readers crowd on recent articles; 256 articles are a few MB).
    ``compute`` returning None is not remembered (e.g. an article not found).
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._version: int | None = None
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any],
            still_valid: Callable[[Any], bool] | None = None) -> Any:
        """The value for ``key``, computed if absent, from an older version, or not ``still_valid``."""
        version = current()
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            elif key in self._entries and (still_valid is None or still_valid(self._entries[key])):
                self._entries.move_to_end(key)
                return self._entries[key]
        value = compute()
        if value is not None:
            with self._lock:
                if version == self._version:
                    self._entries[key] = value
                    if len(self._entries) > self.size:
                        self._entries.popitem(last=False)
        return value
