"""Counting one page view: decide during the request, write it later.

During the request the counter only decides who the reader is (signed
cookie, or keyed hash) and whether their visit goes on, which is enough to
set the cookie and to show the reader's own visit in the widget at once.
When the request is torn down the page view joins this process's pending
batch (:mod:`.pending`), written every ``write_interval_ms`` by a
background thread — or at once, after the page's own database session is
closed, with ``write_interval_ms = 0`` — in one short write transaction on
the pool's raw DBAPI connection (``raw_write.page_view_transaction()``,
``BEGIN IMMEDIATE`` on SQLite). If a write fails — a locked or read-only
database — it is logged and counted, its page views wait for the next write, and the
page, already answered, is not affected.
"""
from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, request

from site_core import clock
from site_core.api import db, write_transaction

from . import bots, figures, pending, raw_write, state, store, visitors
from .periods import bucket

CLEANUP_EVERY = 60  # seconds between opportunistic cleanups, per process
ONLINE_PRECISION = 60  # seconds: a returning reader's row is refreshed at most this often
SETTLE_SECONDS = 10  # after midnight, beyond the write interval, before the day before is final


@dataclass(frozen=True)
class Hit:
    """One page view, decided: who, when, and what must be written."""

    visitor: str | None  # None for a bot
    seen: int  # Unix seconds
    day: dt.date
    goes_on: bool  # the signed cookie proves the visit goes on: certainly not a new visit
    touch: bool  # the visitor's row must be upserted (deciding, if not goes_on, whether a visit starts)
    likely_new: bool  # for display only: the written upsert decides
    stored_day: tuple[int, int, int] | None = None  # ``day``'s stored counts, if read with the lookup


def window(settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings["visit_window_minutes"])


def decide(settings, connect, *, address: str, user_agent: str, cookie: visitors.Cookie | None,
           now: dt.datetime, shown: bool = True) -> Hit:
    """Who this page view is from and whether it continues a visit (reads only).

    ``connect()`` gives the request's connection, asked for only if a read
    is needed (a returning reader's cookie, or the beacon with a known
    salt, needs none). ``shown=False`` (the beacon: no figures in its
    answer) skips the lookup that only tells the widget whether this page
    view likely starts a visit.
    """
    seconds, day = int(now.timestamp()), bucket(now)
    if bots.is_bot(user_agent):
        return Hit(None, seconds, day, goes_on=False, touch=False, likely_new=False)
    span = window(settings)
    if cookie is not None and abs(seconds - cookie.last_seen) <= span.total_seconds():
        online = bool(settings["online_minutes"])
        touch = online and seconds - cookie.last_seen >= ONLINE_PRECISION
        # With "online" on, the cookie keeps when the reader's row was last written, so that a
        # reader who browses on is written again a minute later (the visit ends at most that early).
        return Hit(cookie.visitor, seconds if touch or not online else cookie.last_seen, day,
                   goes_on=True, likely_new=False, touch=touch)
    key = cookie.visitor if cookie else visitors.recognise(connect, address, user_agent, now, span)
    if not shown:
        return Hit(key, seconds, day, goes_on=False, touch=True, likely_new=False)
    stored, stored_day = store.last_seen_and_day(connect(), key, day)  # the widget needs the day's row too
    seen = visitors.latest_seen(key, stored)
    new = seen is None or seen < seconds - span.total_seconds()
    return Hit(key, seconds, day, goes_on=False, touch=True, likely_new=new, stored_day=stored_day)


def settled(settings, now: dt.datetime) -> bool:
    """Whether every worker has surely written its page views of the days before ``now``'s."""
    since_midnight = now - clock.day_bounds(bucket(now))[0]
    return since_midnight.total_seconds() >= SETTLE_SECONDS + settings["write_interval_ms"] / 1000


def write_batch(settings, batch: pending.Batch) -> None:
    """Write a batch of page views in one transaction: visitors first, then each day once.

    A visitor's upsert decides whether their earliest page view in the batch
    starts a visit (their last page view stored is older than the window);
    rows are touched in a fixed order (keys, then days), so concurrent
    writers on PostgreSQL cannot deadlock. A batch holding a day before
    today (written after midnight, or after an outage) drops the cached sums
    of finished days, in every worker when the cache is shared.
    """
    spans = [(key, seen) for key in sorted(batch.visitors) for seen in batch.visitors[key]]
    visits = collections.Counter()
    with raw_write.page_view_transaction() as write:
        batch.transaction = raw_write.transaction_id(write)
        started = raw_write.touch_visitors(write, [(key, seen.first.seen, seen.last_seen) for key, seen in spans],
                                           int(window(settings).total_seconds()))
        for (_, seen), new in zip(spans, started):
            if new and not seen.first.goes_on:
                visits[seen.first.day] += 1
        for day in sorted({*batch.page_views, *batch.bot_views}):
            raw_write.bump_day(write, day, visits=visits[day], page_views=batch.page_views[day],
                               bot_views=batch.bot_views[day])
    today = bucket(clock.now())
    if any(day < today for day in {*batch.page_views, *batch.bot_views}):
        figures.forget_finished(today)  # late page views of a finished day: its cached sums lack them


def write_and_clean_up(counter, batch: pending.Batch) -> None:
    """Write a batch, then clean up (at most once a minute): in the writer's thread, so that no
    request waits for the database's write lock for the cleanup."""
    write_batch(counter.settings, batch)
    maybe_cleanup(counter, clock.now())


def init_app(app, counter) -> None:
    """Give the app's counter its batch of pending page views, written before its engine goes."""
    settings = counter.settings
    waiting = counter.pending = pending.Pending(
        app, settings["write_interval_ms"], int(window(settings).total_seconds()),
        write=lambda batch: write_and_clean_up(counter, batch), committed=store.committed,
        failed=lambda error, batch, last: count_failed(counter, error, batch, last),
        dropped=lambda entries: counter.logger.warning(
            "visit_counter: %d visitor entries dropped from a batch of page views waiting to be written "
            "(memory bound, pending.MAX_VISITOR_ENTRIES): their page views are kept, up to %d visits are not",
            entries, entries))
    with app.app_context():
        sa.event.listen(db.engine, "engine_disposed", lambda engine: waiting.write_in_context(last=True))


def write_pending(app=None) -> bool:
    """Write this process's pending page views of ``app`` (default: the current one) now.

    False if that failed (logged and counted; they wait for the next write).
    """
    app = app or current_app._get_current_object()
    with app.app_context():
        return state.get(app).pending.write_now()


# Kept in the request's WSGI environ: ``g`` belongs to the app context, which requests may share.
HIT_KEY, PENDING_KEY = "site_visit_counter.hit", "site_visit_counter.pending"


def current_hit(shown: bool = True) -> Hit | None:
    """This request's page view, decided once; None if that failed (logged).

    ``shown``: whether this request shows the figures (see :func:`decide`).
    """
    if HIT_KEY in request.environ:
        return request.environ[HIT_KEY]
    counter = state.get()
    request.environ[HIT_KEY] = None
    try:
        request.environ[HIT_KEY] = decide(
            counter.settings, db.session.connection, address=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""), now=clock.now(),
            cookie=visitors.from_cookie(request.cookies) if counter.settings["cookie"] else None,
            shown=shown,
        )
    except Exception as error:
        count_failed(counter, error)
    return request.environ[HIT_KEY]


def count_this_request(response=None, *, shown: bool = True) -> None:
    """Count this request when it is over, and keep the visitor in their cookie."""
    hit = current_hit(shown)
    if hit is None:
        return
    request.environ[PENDING_KEY] = hit
    settings = state.get().settings
    if response is not None and hit.visitor is not None and settings["cookie"]:
        visitors.set_cookie(response, hit.visitor, hit.seen, window(settings))


def flush(_error=None) -> None:
    """``teardown_request``: add this page view to the pending batch (written now if the interval is 0)."""
    hit = request.environ.pop(PENDING_KEY, None)
    if hit is None:
        return
    counter = state.get()
    counter.pending.add(hit)
    if not counter.settings["write_interval_ms"]:
        db.session.remove()  # end the page's read transaction first (Flask-SQLAlchemy would next)
        counter.pending.write_now()


def count_failed(counter, error: Exception, batch: pending.Batch | None = None, last: bool = False) -> None:
    """Log and count a page view (or a batch of them) that could not be written."""
    counter.count_failure()
    what = "page view not counted" if batch is None else (
        f"{batch.size()} page views given up" if last
        else f"{batch.size()} page views not written yet (attempt {batch.attempts})")
    if isinstance(error, store.DatabaseError):
        counter.logger.error("visit_counter: %s (%s failures so far): %s", what, counter.failures, error)
    else:
        counter.logger.exception("visit_counter: %s", what)


def keep_seconds(settings) -> int:
    """How long a visitor row is needed: the visit window, or the online window if longer."""
    return 60 * max(settings["visit_window_minutes"], settings["online_minutes"])


def oldest_salt(settings, now: dt.datetime) -> dt.date:
    """Yesterday while a visit begun before midnight may be open, then today."""
    today = bucket(now)
    if now - window(settings) < clock.day_bounds(today)[0]:
        return today - dt.timedelta(days=1)
    return today


def cleanup(now: dt.datetime) -> tuple[int, int]:
    """Delete visitor rows and salts no longer needed; returns how many of each."""
    counter = state.get()
    oldest = oldest_salt(counter.settings, now)
    with write_transaction() as connection:
        done = store.cleanup(connection, int(now.timestamp()), keep_seconds(counter.settings), oldest)
    for day in [d for d in list(counter.salts) if d < oldest]:
        counter.salts.pop(day, None)
    return done


def maybe_cleanup(counter, now: dt.datetime) -> None:
    """Clean up at most once a minute per process (site clock), never failing anything."""
    seconds = now.timestamp()
    if counter.last_cleanup is not None and abs(seconds - counter.last_cleanup) < CLEANUP_EVERY:
        return
    counter.last_cleanup = seconds
    try:
        cleanup(now)
    except Exception as error:
        counter.logger.warning("visit_counter: cleanup skipped: %s", error)
