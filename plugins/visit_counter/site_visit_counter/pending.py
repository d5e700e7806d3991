"""Page views decided in this process and not yet written, and their writing.

A request only adds its page view to this process's :class:`Batch`;
``write_interval_ms`` after a batch's first page view, a background thread
(one per process, for every app in it) writes the batch in one short
transaction: one upsert per day touched and one per visitor entry, instead
of a transaction per page view (and, on SQLite, one taking of the
database's single write lock per page view). With ``write_interval_ms = 0``
each page view is written when its request ends, as a batch of one.

A batch is swapped out under a lock before it is written, so a request never
waits for the database. A write that fails (a locked or read-only database,
a server that is down) is logged and counted, and its page views go back
into the next batch, tried again after ``RETRY_SECONDS``, doubling up to
``MAX_RETRY_SECONDS``, for as long as the database is away. When the
connection to PostgreSQL breaks during a write, the commit may have happened
or not: the batch waits aside until the server says (``txid_status``), and is
written again only if its transaction did not commit, so never twice.

Memory is bounded: the page views of a day are one counter, whatever their
number; what grows is one entry per visitor and visit, needed to decide
which page views start a visit. Beyond ``MAX_VISITOR_ENTRIES`` entries the
oldest are dropped, and logged with their count: their page views are
still written, at most that many visits are not.

What is pending is written when the process exits normally (gunicorn's
graceful stop and restarts, Ctrl-C) and before the app's engine is
disposed; a process killed outright loses at most one interval of counts,
never part of a page view. After ``fork`` the child starts empty.
"""
from __future__ import annotations

import atexit
import datetime as dt
import os
import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass, field

RETRY_SECONDS = 1.0  # the wait before a failed write is tried again, doubled after each failure...
MAX_RETRY_SECONDS = 8.0  # ...up to this
MAX_VISITOR_ENTRIES = 100_000  # per app and process (about 50 MB: ~480 bytes each); beyond, the oldest go


@dataclass
class Seen:
    """A visitor's page views in a batch, no further apart than the visit window, to upsert."""

    first: object  # the earliest ``counting.Hit``: it decides whether a visit starts
    last_seen: int


@dataclass
class Batch:
    """Page views waiting to be written: counts per day and the visitors behind them."""

    window: int  # the visit window, seconds
    page_views: Counter = field(default_factory=Counter)  # day -> page views
    bot_views: Counter = field(default_factory=Counter)  # day -> bot views
    likely_visits: Counter = field(default_factory=Counter)  # day -> visits they likely start (display)
    visitors: dict[str, list[Seen]] = field(default_factory=dict)  # in time order
    entries: int = 0  # the number of ``Seen`` in ``visitors``
    dropped: int = 0  # entries dropped to stay within ``MAX_VISITOR_ENTRIES``, not yet reported
    attempts: int = 0  # failed writes so far
    transaction: int | None = None  # PostgreSQL's id of the last write's transaction, once begun

    def __bool__(self) -> bool:
        return bool(self.page_views or self.bot_views)

    def size(self) -> int:
        return sum(self.page_views.values()) + sum(self.bot_views.values())

    def add(self, hit) -> None:
        if hit.visitor is None:
            self.bot_views[hit.day] += 1
            return
        self.page_views[hit.day] += 1
        if hit.likely_new:
            self.likely_visits[hit.day] += 1
        if hit.touch:  # else a visit that goes on, with the visitor's row fresh enough: nothing to write
            self._join(hit.visitor, Seen(hit, hit.seen))

    def _join(self, key: str, new: Seen) -> None:
        """Add ``new`` to the visitor's page views, merged with any within the window of it."""
        spans = self.visitors.get(key)
        if spans is None:
            self.visitors[key] = [new]
            self.entries += 1
            if self.entries > MAX_VISITOR_ENTRIES:
                self._drop_oldest()
            return
        last = spans[-1]
        if last.first.seen <= new.first.seen and new.first.seen - last.last_seen <= self.window:
            last.last_seen = max(last.last_seen, new.last_seen)
            return
        self.entries -= len(spans)
        spans.append(new)
        spans.sort(key=lambda seen: seen.first.seen)
        merged = [spans[0]]
        for seen in spans[1:]:
            last = merged[-1]
            if seen.first.seen - last.last_seen > self.window:
                merged.append(seen)
                continue
            last.last_seen = max(last.last_seen, seen.last_seen)
        self.visitors[key] = merged
        self.entries += len(merged)
        if self.entries > MAX_VISITOR_ENTRIES:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        """Drop the oldest tenth of the visitor entries (their page views stay counted)."""
        everything = sorted((seen for spans in self.visitors.values() for seen in spans),
                            key=lambda seen: seen.first.seen)
        doomed = {id(seen) for seen in everything[:max(1, len(everything) // 10)]}
        for key in list(self.visitors):
            kept = [seen for seen in self.visitors[key] if id(seen) not in doomed]
            if kept:
                self.visitors[key] = kept
            else:
                del self.visitors[key]
        self.entries -= len(doomed)
        self.dropped += len(doomed)

    def absorb(self, older: "Batch") -> None:
        """Take back the page views of an earlier batch whose write failed."""
        self.page_views.update(older.page_views)
        self.bot_views.update(older.bot_views)
        self.likely_visits.update(older.likely_visits)
        for key, spans in older.visitors.items():
            for seen in spans:
                self._join(key, seen)
        self.attempts = max(self.attempts, older.attempts)

    def last_seen(self, key: str) -> int | None:
        spans = self.visitors.get(key)
        return max(seen.last_seen for seen in spans) if spans else None

    def by_day(self) -> dict[dt.date, tuple[int, int, int]]:
        """(visits they likely start, page views, bot views) per day, for display."""
        days = {*self.page_views, *self.bot_views}
        return {day: (self.likely_visits[day], self.page_views[day], self.bot_views[day]) for day in days}


class Pending:
    """One app's pending page views in this process, and the writing of them.

    ``write(batch)`` is the counter's writer (:func:`.counting.write_batch`),
    called in an app context of ``app``; ``failed(error, batch, last)`` is
    told of a write that failed (``last``: its page views are given up);
    ``dropped(n)`` of visitor entries dropped to stay within the bound;
    ``committed(transaction)`` says whether a transaction whose commit was
    not confirmed (the connection broke) did commit: True, False, or None
    while the server has not decided.
    """

    def __init__(self, app, interval_ms: int, window_seconds: int, write, failed, dropped, committed):
        self.app = weakref.ref(app)
        self.interval = interval_ms / 1000
        self.window = window_seconds
        self._write, self._failed, self._dropped, self._committed = write, failed, dropped, committed
        self.unsure: list[Batch] = []  # failed once their transaction had begun: it may have committed
        self.lock = threading.Lock()  # guards ``batch``
        self.writing = threading.Lock()  # one write at a time, in order
        self.batch = Batch(window_seconds)
        self.due_at: float | None = None  # monotonic time the batch is to be written
        with _registry_lock:
            _everyone.add(self)

    def add(self, hit) -> None:
        with self.lock:
            started = self.due_at is None
            if started:
                self.due_at = time.monotonic() + self.interval
            self.batch.add(hit)
            dropped, self.batch.dropped = self.batch.dropped, 0
        if dropped:
            self._dropped(dropped)
        if started and self.interval:
            _Writer.wake()

    def by_day(self) -> dict[dt.date, tuple[int, int, int]]:
        """What waits here per day, the unsure batches' included (see :meth:`Batch.by_day`)."""
        with self.lock:
            days: dict[dt.date, tuple[int, int, int]] = {}
            for batch in [self.batch, *self.unsure]:
                for day, counts in batch.by_day().items():
                    days[day] = tuple(a + b for a, b in zip(days.get(day, (0, 0, 0)), counts))
            return days

    def last_seen(self, visitor: str) -> int | None:
        """When ``visitor``'s last page view waiting here was (Unix seconds), if any."""
        with self.lock:
            return self.batch.last_seen(visitor)

    def write_now(self, *, last: bool = False) -> bool:
        """Write what is pending (in the caller's app context); False if it failed.

        A failed write is tried again later, unless it was the ``last``
        (the engine is going away).
        """
        with self.writing:
            with self.lock:
                batch, self.batch, self.due_at = self.batch, Batch(self.window), None
            if not batch and not self.unsure:
                return True
            try:
                for lost in self._not_committed():
                    batch.absorb(lost)
                batch.transaction = None
                if batch:
                    self._write(batch)
                if self.unsure:  # a transaction the server has not decided yet: ask again soon
                    self._due_in(RETRY_SECONDS)
                return True
            except Exception as error:
                batch.attempts += 1
                self._failed(error, batch, last)
                if not last:
                    wait = min(RETRY_SECONDS * 2 ** (batch.attempts - 1), MAX_RETRY_SECONDS)
                    with self.lock:
                        if batch.transaction is not None:
                            self.unsure.append(batch)  # asked about before its page views are written again
                        else:
                            batch.absorb(self.batch)
                            self.batch = batch
                    self._due_in(wait)
                return False

    def _due_in(self, seconds: float) -> None:
        with self.lock:
            self.due_at = time.monotonic() + max(self.interval, seconds)
        _Writer.wake()

    def _not_committed(self) -> list[Batch]:
        """The unsure batches whose transaction did not commit (to write again); forgets the committed."""
        decided = [(batch, self._committed(batch.transaction)) for batch in self.unsure]
        self.unsure = [batch for batch, done in decided if done is None]
        return [batch for batch, done in decided if done is False]

    def write_in_context(self, *, last: bool = False) -> bool:
        """:meth:`write_now` in an app context of the app (if it still exists)."""
        app = self.app()
        if app is None:
            return True
        with app.app_context():
            return self.write_now(last=last)

    def forget(self) -> None:
        """After ``fork``: the parent's pending page views are the parent's to write."""
        self.lock, self.writing = threading.Lock(), threading.Lock()
        self.batch, self.due_at, self.unsure = Batch(self.window), None, []


_everyone: weakref.WeakSet[Pending] = weakref.WeakSet()
_registry_lock = threading.Lock()


def _all() -> list[Pending]:
    with _registry_lock:
        return list(_everyone)


class _Writer:
    """The one background thread per process that writes every app's due batches."""

    thread: threading.Thread | None = None
    event = threading.Event()
    stopping = False
    guard = threading.Lock()

    @classmethod
    def wake(cls) -> None:
        """A batch has started: make sure the thread runs and knows when it is due."""
        thread = cls.thread
        if thread is None or not thread.is_alive():
            with cls.guard:
                if cls.stopping:
                    return
                if cls.thread is None or not cls.thread.is_alive():
                    cls.thread = threading.Thread(target=cls.run, name="visit_counter-writer", daemon=True)
                    cls.thread.start()
        cls.event.set()

    @classmethod
    def run(cls) -> None:
        while not cls.stopping:
            cls.event.clear()
            now = time.monotonic()
            waits = []
            for pending in _all():
                due_at = pending.due_at
                if due_at is not None and due_at <= now:
                    pending.write_in_context()
                elif due_at is not None:
                    waits.append(due_at - now)
            cls.event.wait(min(waits, default=60.0))


def write_everything() -> None:
    """At exit: stop the thread and write every app's pending page views, a last time."""
    _Writer.stopping = True
    _Writer.event.set()
    thread = _Writer.thread
    if thread is not None and thread.is_alive() and thread is not threading.current_thread():
        thread.join(timeout=10)
    for pending in _all():
        pending.write_in_context(last=True)


def _after_fork_in_child() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    _Writer.thread, _Writer.event, _Writer.guard, _Writer.stopping = None, threading.Event(), threading.Lock(), False
    for pending in _all():
        pending.forget()


atexit.register(write_everything)
os.register_at_fork(after_in_child=_after_fork_in_child)
