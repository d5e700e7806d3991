"""A version number for the site's content, so caches of it are never stale.

The single row of ``content_version`` moves (+1) in the same transaction as
every change to articles, categories or tags: a flush hook on the session
bumps it whenever such a row is added, changed or deleted, whoever does it
(the CLI, an import, a plugin). Every process and every host reads the same
row, so a commit anywhere is seen everywhere at once.

A request reads the version once (:func:`current`: one primary-key read on a
pooled driver connection, outside the request's session) and
:class:`ProcessCache` drops whatever it holds from an older version. Articles, the first pages of each listing, categories and
tags by slug and the menu are served from it: while nothing changes, the
reader pages cost no query of their own.
"""
from __future__ import annotations

import contextlib
import itertools
import threading
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


def current() -> int:
    """This request's content version, read once per request (0 before any change).

    Kept in the request's WSGI environ (``g`` belongs to the app context,
    which several requests may share).
    """
    environ = request.environ if has_request_context() else {}
    if ENVIRON_KEY not in environ:
        environ[ENVIRON_KEY] = read()
    return environ[ENVIRON_KEY]


def read() -> int:
    """The version now: as the session's transaction sees it if one has begun, else read on
    a pooled driver connection in autocommit.

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
    return _read_now()


def _read_now() -> int:
    engine = db.engine
    error_class = engine.dialect.loaded_dbapi.Error
    fairy = cursor = None
    try:
        fairy = engine.raw_connection()
        dbapi = fairy.dbapi_connection
        with _autocommit(dbapi, engine.dialect.name):
            cursor = dbapi.cursor()
            cursor.execute(READ)
            row = cursor.fetchone()
    except error_class as error:  # as SQLAlchemy would: wrapped, a broken connection dropped
        if fairy is not None and engine.dialect.is_disconnect(error, dbapi, cursor):
            fairy.invalidate(error)
        raise sa.exc.DBAPIError.instance(READ, None, error, error_class, dialect=engine.dialect) from error
    finally:
        if cursor is not None:
            cursor.close()
        if fairy is not None:
            fairy.close()
    return row[0] if row else 0


@contextlib.contextmanager
def _autocommit(dbapi, dialect: str):
    """PostgreSQL's driver opens a transaction for a ``SELECT`` (a round trip, and another to end
    it): not for this one. The pool's SQLite connections run in autocommit already."""
    if dialect != "postgresql":
        yield
        return
    dbapi.autocommit = True
    try:
        yield
    finally:
        dbapi.autocommit = False


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
