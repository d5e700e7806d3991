"""Recognising a visitor without storing who they are.

A visitor is an opaque 22-character id. Without a cookie it is a keyed hash
of the client address and User-Agent; the key (salt) is random, made once
per civil day in ``SITE_TIMEZONE``. Yesterday's salt is kept only while a
visit begun before midnight may still be open (so such a cookie-less visit
stays one visit), then deleted, so a stored id cannot be traced back to an
address. The id then
travels in a signed first-party cookie that lives as long as the visit
window, so the visitor stays the same even if their address changes. The
cookie also carries the time of the last page view (signed), so a returning
reader's page view needs no visitor lookup at all.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from itsdangerous import BadSignature, Signer

from site_core import clock
from site_core.api import cookie_name, insert_once, set_cookie as set_site_cookie, signer, write_transaction

from . import state, store
from .models import salts

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}\Z")
COOKIE_NAME = "visit_counter"


def hashed_id(salt: str, address: str, user_agent: str) -> str:
    """The keyed hash naming a cookie-less visitor for one day."""
    message = f"{address}\n{user_agent}".encode("utf-8", "replace")
    digest = hmac.new(bytes.fromhex(salt), message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def salt_for(connect, day: dt.date, *, create: bool) -> str | None:
    """The salt of ``day``; made now (in a write transaction of its own) if ``create``.

    ``connect()`` gives the request's connection, asked for only when the
    salt is not remembered yet.
    """
    remembered = state.get().salts
    if day in remembered:
        return remembered[day]
    salt = connect().execute(sa.select(salts.c.salt).where(salts.c.day == day)).scalar()
    if salt is None and create:
        with write_transaction() as connection:
            insert_once(connection, salts, {"day": day, "salt": secrets.token_hex(32)}, ["day"])
            salt = connection.execute(sa.select(salts.c.salt).where(salts.c.day == day)).scalar()
    if salt is not None:
        for old in [d for d in list(remembered) if d < day - dt.timedelta(days=1)]:
            remembered.pop(old, None)
        remembered[day] = salt
    return salt


def recognise(connect, address: str, user_agent: str, now: dt.datetime, window: dt.timedelta) -> str:
    """The id of a cookie-less visitor: today's hash, or yesterday's while that visit runs.

    Reads (through ``connect()``) only for a salt not remembered yet and
    just after midnight.
    """
    today = clock.local_date(now)
    if now - window < clock.day_bounds(today)[0]:  # a visit from yesterday may still be open
        try:
            key = _still_yesterdays(connect, today, address, user_agent, int((now - window).timestamp()))
        except store.DatabaseError:  # the database is away: count the page view under today's id
            key = None               # (a visit across midnight may then count twice)
        if key is not None:
            return key
    return hashed_id(salt_for(connect, today, create=True), address, user_agent)


def _still_yesterdays(connect, today: dt.date, address: str, user_agent: str, since: int) -> str | None:
    """Yesterday's id of this visitor, if they were seen since ``since``."""
    salt = salt_for(connect, today - dt.timedelta(days=1), create=False)
    if salt is None:
        return None
    key = hashed_id(salt, address, user_agent)
    seen = latest_seen(key, store.last_seen(connect(), key))
    return key if seen is not None and seen >= since else None


def latest_seen(key: str, stored: int | None) -> int | None:
    """When visitor ``key`` was last seen (Unix seconds): ``stored``, or waiting to be written here."""
    return max((t for t in (state.get().pending.last_seen(key), stored) if t is not None), default=None)


def _signer() -> Signer:
    """The cookie signer (made once per app): ``SECRET_KEY``, accepting ``SECRET_KEY_FALLBACKS``."""
    counter = state.get()
    if counter.signer is None:
        counter.signer = signer("site_visit_counter.visitor")
    return counter.signer


@dataclass(frozen=True)
class Cookie:
    """What the visitor's cookie says: their id and when their last page view was."""

    visitor: str
    last_seen: int  # Unix seconds


def from_cookie(cookies) -> Cookie | None:
    """The request's visitor cookie; None if absent or tampered with."""
    raw = cookies.get(cookie_name(COOKIE_NAME))
    if not raw or len(raw) > 200:
        return None
    try:
        value = _signer().unsign(raw).decode("ascii")
    except (BadSignature, UnicodeDecodeError):
        return None
    visitor, _, seen = value.partition(".")
    if not ID_PATTERN.match(visitor) or not seen.isdigit() or len(seen) > 12:
        return None
    return Cookie(visitor, int(seen))


def set_cookie(response, visitor: str, seen: int, window: dt.timedelta) -> None:
    """Keep the visitor's id and this page view's time for one more visit window."""
    set_site_cookie(response, COOKIE_NAME, _signer().sign(f"{visitor}.{seen}").decode("ascii"),
                    max_age=int(window.total_seconds()))
