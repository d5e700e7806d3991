"""Counting one page view: who it is, whether a visit starts, one short transaction.

A hit is written in ``site_core.db.write_transaction()`` (its own
connection; ``BEGIN IMMEDIATE`` on SQLite). If the write fails — a locked or
read-only database — the failure is logged and counted, and the page is
served all the same. Each request is counted at most once, whichever path
(the widget rendering, the page-view hook, the beacon) gets there first.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, g, request

from site_core import clock
from site_core.db import write_transaction
from site_core.widgets import is_reader_page

from . import bots, state, store, visitors
from .periods import bucket

PREFETCH = ("prefetch", "prerender")
CLEANUP_EVERY = 60  # seconds between opportunistic cleanups, per process


@dataclass(frozen=True)
class Hit:
    """What counting one request did."""

    visitor: str | None  # None for a bot
    new_visit: bool
    day: dt.date
    today: tuple  # (visits, page_views, bot_views) of the day, this hit included
    online: int | None = None


def window(settings) -> dt.timedelta:
    return dt.timedelta(minutes=settings["visit_window_minutes"])


def is_prefetch(req) -> bool:
    purpose = req.headers.get("Sec-Purpose", req.headers.get("Purpose", ""))
    return purpose.split(";")[0].strip().lower() in PREFETCH


def countable_page(req) -> bool:
    """A reader page GET that is not a prefetch: what the page-view hook gets too."""
    return req.method == "GET" and is_reader_page() and not is_prefetch(req)


def record_hit(settings, *, address: str, user_agent: str, cookie_id: str | None,
               now: dt.datetime) -> Hit:
    """Count one page view; the caller has checked it is one."""
    day = bucket(now)
    if bots.is_bot(user_agent):
        with _transaction() as connection:
            row = store.bump_day(connection, day, bot_views=1)
        return Hit(None, False, day, tuple(row))
    span = window(settings)
    seconds = int(now.timestamp())
    with _transaction() as connection:
        key = cookie_id or visitors.recognise(connection, address, user_agent, now, span)
        new = store.touch_visitor(connection, key, seconds, int(span.total_seconds()))
        row = store.bump_day(connection, day, visits=int(new), page_views=1)
        minutes = settings["online_minutes"]
        online = store.online(connection, seconds, minutes) if minutes else None
    return Hit(key, new, day, tuple(row), online)


@contextlib.contextmanager
def _transaction():
    """A write transaction that also gives up after the lock wait on PostgreSQL."""
    with write_transaction() as connection:
        if connection.dialect.name == "postgresql":
            timeout = int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {timeout}")
        yield connection


def count_request() -> Hit | None:
    """Count the current request once; None if it could not be written (logged)."""
    if "visit_counter_hit" in g:
        return g.visit_counter_hit
    counter = state.get()
    g.visit_counter_hit = None
    now = clock.now()
    try:
        g.visit_counter_hit = record_hit(
            counter.settings, address=request.remote_addr or "", now=now,
            user_agent=request.headers.get("User-Agent", ""),
            cookie_id=visitors.from_cookie(request.cookies) if counter.settings["cookie"] else None,
        )
    except sa.exc.SQLAlchemyError as error:
        counter.count_failure()
        counter.logger.error("visit_counter: page view not counted (%s failures so far): %s",
                             counter.failures, error)
    except Exception:
        counter.count_failure()
        counter.logger.exception("visit_counter: page view not counted")
    else:
        maybe_cleanup(counter, now)
    return g.visit_counter_hit


def remember_visitor(response) -> None:
    """Put this request's visitor id in the cookie, if cookies are on."""
    hit = g.get("visit_counter_hit")
    settings = state.get().settings
    if hit is not None and hit.visitor is not None and settings["cookie"]:
        visitors.set_cookie(response, hit.visitor, window(settings))


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
    with _transaction() as connection:
        done = store.cleanup(connection, int(now.timestamp()), keep_seconds(counter.settings), oldest)
    for day in [d for d in counter.salts if d < oldest]:
        counter.salts.pop(day, None)
    return done


def maybe_cleanup(counter, now: dt.datetime) -> None:
    """Clean up at most once a minute per process (site clock), never failing the page."""
    seconds = now.timestamp()
    if counter.last_cleanup is not None and abs(seconds - counter.last_cleanup) < CLEANUP_EVERY:
        return
    counter.last_cleanup = seconds
    try:
        cleanup(now)
    except Exception as error:
        counter.logger.warning("visit_counter: cleanup skipped: %s", error)
