"""Counting one page view: decide during the request, write when it is over.

During the request the counter only decides who the reader is (signed
cookie, or keyed hash) and whether their visit goes on, which is enough to
set the cookie and to show the reader's own visit in the widget at once.
The count itself is written when the request is torn down, after the page's
own database session is closed, in one short write transaction on the
pool's raw DBAPI connection (``store.page_view_transaction()``, ``BEGIN
IMMEDIATE`` on SQLite). Written then, an SQLite commit does not overlap the page's read transaction, so it
does not force a WAL checkpoint every time. If the write fails — a locked
or read-only database — it is logged and counted, and the page, already
answered, is not affected.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import request

from site_core import clock
from site_core.db import db, write_transaction

from . import bots, state, store, visitors
from .periods import bucket

CLEANUP_EVERY = 60  # seconds between opportunistic cleanups, per process
ONLINE_PRECISION = 60  # seconds: a returning reader's row is refreshed at most this often


@dataclass(frozen=True)
class Hit:
    """One page view, decided: who, when, and what must be written."""

    visitor: str | None  # None for a bot
    seen: int  # Unix seconds
    day: dt.date
    goes_on: bool  # the signed cookie proves the visit goes on: certainly not a new visit
    touch: bool  # the visitor's row must be upserted (deciding, if not goes_on, whether a visit starts)
    likely_new: bool  # for display only: the written upsert decides


def window(settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings["visit_window_minutes"])


def decide(settings, reader, *, address: str, user_agent: str, cookie: visitors.Cookie | None,
           now: dt.datetime) -> Hit:
    """Who this page view is from and whether it continues a visit (reads only)."""
    seconds, day = int(now.timestamp()), bucket(now)
    if bots.is_bot(user_agent):
        return Hit(None, seconds, day, goes_on=False, touch=False, likely_new=False)
    span = window(settings)
    if cookie is not None and abs(seconds - cookie.last_seen) <= span.total_seconds():
        stale = seconds - cookie.last_seen >= ONLINE_PRECISION
        return Hit(cookie.visitor, seconds, day, goes_on=True, likely_new=False,
                   touch=bool(settings["online_minutes"]) and stale)
    key = cookie.visitor if cookie else visitors.recognise(reader, address, user_agent, now, span)
    seen = store.last_seen(reader, key)
    new = seen is None or seen < seconds - span.total_seconds()
    return Hit(key, seconds, day, goes_on=False, touch=True, likely_new=new)


def write(settings, hit: Hit) -> None:
    """Count ``hit``: one visitor upsert if needed, one day upsert, one transaction."""
    with store.page_view_transaction() as write:
        if hit.visitor is None:
            store.bump_day(write, hit.day, bot_views=1)
            return
        new = False
        if hit.touch:
            started = store.touch_visitor(write, hit.visitor, hit.seen,
                                          int(window(settings).total_seconds()))
            new = started and not hit.goes_on
        store.bump_day(write, hit.day, visits=int(new), page_views=1)


# Kept in the request's WSGI environ: ``g`` belongs to the app context, which requests may share.
HIT_KEY, PENDING_KEY = "site_visit_counter.hit", "site_visit_counter.pending"


def current_hit() -> Hit | None:
    """This request's page view, decided once; None if that failed (logged)."""
    if HIT_KEY in request.environ:
        return request.environ[HIT_KEY]
    counter = state.get()
    request.environ[HIT_KEY] = None
    try:
        request.environ[HIT_KEY] = decide(
            counter.settings, db.session.connection(), address=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""), now=clock.now(),
            cookie=visitors.from_cookie(request.cookies) if counter.settings["cookie"] else None,
        )
    except Exception as error:
        _failed(counter, error)
    return request.environ[HIT_KEY]


def count_this_request(response=None) -> None:
    """Count this request when it is over, and keep the visitor in their cookie."""
    hit = current_hit()
    if hit is None:
        return
    request.environ[PENDING_KEY] = hit
    settings = state.get().settings
    if response is not None and hit.visitor is not None and settings["cookie"]:
        visitors.set_cookie(response, hit.visitor, hit.seen, window(settings))


def flush(_error=None) -> None:
    """``teardown_request``: write the pending count after closing the page's session."""
    hit = request.environ.pop(PENDING_KEY, None)
    if hit is None:
        return
    counter = state.get()
    try:
        db.session.remove()  # end the page's read transaction first (Flask-SQLAlchemy would next)
        write(counter.settings, hit)
    except Exception as error:
        _failed(counter, error)
        return
    maybe_cleanup(counter, clock.now())


def _failed(counter, error: Exception) -> None:
    counter.count_failure()
    if isinstance(error, store.DatabaseError):
        counter.logger.error("visit_counter: page view not counted (%s failures so far): %s",
                             counter.failures, error)
    else:
        counter.logger.exception("visit_counter: page view not counted")


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
