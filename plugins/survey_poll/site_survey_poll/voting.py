"""Casting a vote: who the voter is, the rate limit, and the one transaction.

The voter is never the address (a whole school may share one). It is fixed
before the first vote by the browser's reader cookie, which the form's CSRF
token is made for (``site_core.api.reader_form``), so every submission of
that form -- a double click, a resent request -- is the same voter; after a
counted vote a signed cookie keeps it for longer than the browser session. The address only feeds a rate limit, as a
keyed hash (the raw address is never stored). ``request.remote_addr`` is the
only address read; the core's ``TRUSTED_PROXY_COUNT`` (Werkzeug
``ProxyFix``) decides how much of ``X-Forwarded-For`` to believe.
"""
from __future__ import annotations

import enum
import secrets

import sqlalchemy as sa
from itsdangerous import BadSignature

from site_core import clock
from site_core.api import (hash_address, increment, insert_once, read_cookie, reader_key, serializer, set_cookie,
                           write_transaction)

from . import polls as poll_states
from .models import choices, options, polls, rate, votes

COOKIE = "survey_poll_voter"  # "__Host-survey_poll_voter" when cookies are secure
SALT = "site_survey_poll.voter"


class Outcome(enum.Enum):
    COUNTED = "counted"
    ALREADY_VOTED = "already_voted"
    NO_POLL = "no_poll"
    CLOSED = "closed"
    SCHEDULED = "scheduled"
    ENDED = "ended"
    BAD_CHOICE = "bad_choice"
    RATE_LIMITED = "rate_limited"


class _RateLimited(Exception):
    """Raised inside the transaction so that everything in it is rolled back."""


# --- the voter cookie -------------------------------------------------------

def voter_from_cookie() -> str | None:
    """The reader's voter id if their cookie carries a valid signature, else None."""
    raw = read_cookie(COOKIE)
    if raw is None:
        return None
    try:
        value = serializer(SALT).loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and 16 <= len(value) <= 64 else None


def voter_from_reader() -> str | None:
    """The voter fixed by the reader's cookie before their first vote, or None.

    The core keeps one random value per browser behind every reader CSRF
    token (its ``site_reader`` cookie), and a vote is only read once its
    token matched that cookie. The voter id is a keyed hash of it: the same
    for every form this browser was given; the value itself is never stored.
    """
    return reader_key(SALT)


def current_voter() -> str | None:
    """This reader's voter id: their voter cookie's, else their reader cookie's; None if neither."""
    return voter_from_cookie() or voter_from_reader()


def new_voter() -> str:
    """A voter id for a form posted without a reader cookie (only when CSRF checks are off)."""
    return secrets.token_urlsafe(18)


def set_voter_cookie(response, voter: str, days: int) -> None:
    set_cookie(response, COOKIE, serializer(SALT).dumps(voter), max_age=days * 86400)


# --- the address, hashed ----------------------------------------------------

def address_key(address: str | None) -> str:
    """A keyed hash of the client's address (IPv6: its /64), never the address."""
    return hash_address(address, "site_survey_poll.address")


# --- the vote ---------------------------------------------------------------

def cast(poll_id: int, chosen: list[int], voter: str, address: str,
         limit: int, window_seconds: int) -> Outcome:
    """Record one ballot, atomically; returns what happened.

    One write transaction checks the poll is open now, inserts the ballot
    (the unique (poll, voter) key makes a racing duplicate insert nothing),
    and only if it was inserted records the choices, bumps each chosen
    option's tally with ``votes = votes + 1`` and counts the vote against
    the address's rate limit. Over the limit, all of it is rolled back.
    """
    now = clock.now()
    try:
        with write_transaction() as connection:
            poll = connection.execute(sa.select(polls).where(polls.c.id == poll_id)).first()
            if poll is None:
                return Outcome.NO_POLL
            state = poll_states.state(poll, now)
            if state != poll_states.OPEN_STATE:
                return Outcome(state)
            valid = set(connection.scalars(sa.select(options.c.id).where(options.c.poll_id == poll_id)))
            chosen = sorted(set(chosen))  # one lock order for every transaction
            if not chosen or len(chosen) > poll.max_choices or not valid.issuperset(chosen):
                return Outcome.BAD_CHOICE
            ballot = {"poll_id": poll_id, "voter_key": voter, "created_at": now}
            if not insert_once(connection, votes, ballot, ["poll_id", "voter_key"]):
                return Outcome.ALREADY_VOTED
            connection.execute(sa.insert(choices), [
                {"poll_id": poll_id, "voter_key": voter, "option_id": option} for option in chosen])
            for option in chosen:
                connection.execute(sa.update(options).where(options.c.id == option)
                                   .values(votes=options.c.votes + 1))
            _count_against_limit(connection, poll_id, address_key(address), now, limit, window_seconds)
    except _RateLimited:
        return Outcome.RATE_LIMITED
    return Outcome.COUNTED


def _count_against_limit(connection, poll_id, key, now, limit, window_seconds) -> None:
    bucket = int(now.timestamp()) // window_seconds
    where = sa.and_(rate.c.poll_id == poll_id, rate.c.address_key == key)
    connection.execute(sa.delete(rate).where(where, rate.c.bucket < bucket))  # past windows
    increment(connection, rate, {"poll_id": poll_id, "address_key": key, "bucket": bucket}, {"votes": 1})
    counted = connection.execute(sa.select(rate.c.votes).where(where, rate.c.bucket == bucket)).scalar_one()
    if counted > limit:
        raise _RateLimited()


def has_voted(executor, poll_id: int, voter: str | None) -> bool:
    if not voter:
        return False
    query = sa.select(votes.c.id).where(votes.c.poll_id == poll_id, votes.c.voter_key == voter)
    return executor.execute(query).first() is not None
