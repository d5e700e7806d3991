"""Polls: their state at an instant, the one the widget shows, creating and closing.

A poll's state is computed from its status and its opening and closing
times at the moment asked (no background job flips it).
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa

from site_core import clock
from site_core.api import db, plugin_cache, plugin_of, write_transaction

from . import results as poll_results, settings
from .models import CLOSED, OPEN, Option, Poll, polls, rate

MAX_QUESTION, MAX_OPTION, MAX_OPTIONS = 500, 300, 30

# state -> what a reader is told (Vietnamese UI)
OPEN_STATE, CLOSED_STATE, SCHEDULED, ENDED = "open", "closed", "scheduled", "ended"
STATE_LABELS = {OPEN_STATE: "đang mở", CLOSED_STATE: "đã đóng",
                SCHEDULED: "chưa mở", ENDED: "đã kết thúc"}


def state(poll, now: dt.datetime) -> str:
    """``open``, ``closed`` (by an admin), ``scheduled`` (not yet open) or ``ended``."""
    if poll.status == CLOSED:
        return CLOSED_STATE
    if poll.opens_at is not None and now < poll.opens_at:
        return SCHEDULED
    if poll.closes_at is not None and now >= poll.closes_at:
        return ENDED
    return OPEN_STATE


CURRENT_SECONDS = 30  # how long the list of polls not closed by an admin is reused (per cache)
CURRENT_KEY = "not_closed"
cache = plugin_cache(__name__)


def current_poll_id(pinned: int = 0) -> int | None:
    """The poll the widget shows: the pinned one, else the newest open one.

    Opening and closing times are compared with ``clock.now()`` on every
    call; only the list of polls not closed by an admin is cached (see
    :func:`not_closed`), so a poll appears, or disappears after ``flask poll
    close``, within ``CURRENT_SECONDS`` in other processes and at once in
    the one that made the change (or everywhere with a shared cache).
    """
    if pinned:
        return pinned
    now = clock.now()
    for poll_id, opens_at, closes_at in not_closed():
        if (opens_at is None or opens_at <= now) and (closes_at is None or now < closes_at):
            return poll_id
    return None


def next_change(now: dt.datetime) -> dt.datetime | None:
    """The next instant a poll not closed by an admin opens or closes (None: none is coming)."""
    coming = [instant for _, opens_at, closes_at in not_closed() for instant in (opens_at, closes_at)
              if instant is not None and instant > now]
    return min(coming, default=None)


def not_closed() -> tuple[tuple[int, dt.datetime | None, dt.datetime | None], ...]:
    """(id, opens_at, closes_at) of every poll with status open, newest first, cached.

    Newest is the latest opening time (else creation time), then the highest
    id: the first one open at an instant is the widget's poll. Cached for
    ``CURRENT_SECONDS``, or not at all with ``results_cache_seconds = 0``.
    """
    timeout = min(CURRENT_SECONDS, settings()["results_cache_seconds"])
    found = cache.get(CURRENT_KEY) if timeout else None
    if found is None:
        query = (sa.select(polls.c.id, polls.c.opens_at, polls.c.closes_at).where(polls.c.status == OPEN)
                 .order_by(sa.func.coalesce(polls.c.opens_at, polls.c.created_at).desc(), polls.c.id.desc()))
        found = tuple(tuple(row) for row in db.session.execute(query))
        if timeout:
            cache.set(CURRENT_KEY, found, timeout=timeout)
    return found


def forget_current() -> None:
    """Drop the cached list of polls and this process's shared widget (after a poll is created or closed)."""
    cache.delete(CURRENT_KEY)
    for widget in plugin_of(__name__).widgets:
        widget.forget([False, True])  # its cache keys: on the poll's own pages or not


def all_polls() -> list[Poll]:
    return list(db.session.scalars(sa.select(Poll).order_by(Poll.id.desc())))


def poll_options(poll_id: int) -> list[Option]:
    return list(db.session.scalars(
        sa.select(Option).where(Option.poll_id == poll_id).order_by(Option.position, Option.id)))


@dataclass
class PollSpec:
    """What an admin asks for; :meth:`checked` cleans it or raises ValueError."""

    question: str
    options: list[str] = field(default_factory=list)
    max_choices: int = 1
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None

    def checked(self) -> "PollSpec":
        question = _clean_text(self.question, "question", MAX_QUESTION)
        options = [_clean_text(text, f"option {n}", MAX_OPTION) for n, text in enumerate(self.options, 1)]
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise ValueError(f"a poll needs 2 to {MAX_OPTIONS} options, got {len(options)}")
        folded = [text.casefold() for text in options]
        for n, text in enumerate(folded):
            if text in folded[:n]:
                raise ValueError(f"option {n + 1} repeats an earlier option: {options[n]!r}")
        if isinstance(self.max_choices, bool) or not isinstance(self.max_choices, int):
            raise ValueError("multiple must be a whole number")
        if not 1 <= self.max_choices <= len(options):
            raise ValueError(f"multiple (the most choices per ballot) must be 1 to {len(options)}, got {self.max_choices}")
        for name in ("opens_at", "closes_at"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, dt.datetime) or value.tzinfo is None):
                raise ValueError(f"{name} must be a date and time with a time zone")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValueError("the closing time must be after the opening time")
        return PollSpec(question, options, self.max_choices, self.opens_at, self.closes_at)


BIDI_FORMATTING = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def _clean_text(value, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text")
    text = " ".join(value.split())
    if not text:
        raise ValueError(f"{what} is empty")
    if len(text) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise ValueError(f"{what} contains control characters")
    reordering = next((ch for ch in text if unicodedata.bidirectional(ch) in BIDI_FORMATTING), None)
    if reordering:  # U+202E and its kin would reorder the text shown around them
        raise ValueError(f"{what} contains U+{ord(reordering):04X} ({unicodedata.name(reordering)}), "
                         "a bidi formatting character; remove it")
    return text


def create_poll(spec: PollSpec) -> int:
    """Store a checked poll with its options; returns its id."""
    spec = spec.checked()
    poll = Poll(question=spec.question, max_choices=spec.max_choices, status=OPEN,
                opens_at=spec.opens_at, closes_at=spec.closes_at, created_at=clock.now())
    db.session.add(poll)
    db.session.flush()
    db.session.add_all(Option(poll_id=poll.id, position=n, text=text, votes=0)
                       for n, text in enumerate(spec.options))
    db.session.commit()
    forget_current()
    return poll.id


def close_poll(poll_id: int) -> bool:
    """Close a poll for good (its results stay); False if there is no such poll."""
    with write_transaction() as connection:
        closed = connection.execute(
            sa.update(polls).where(polls.c.id == poll_id).values(status=CLOSED)).rowcount
        connection.execute(sa.delete(rate).where(rate.c.poll_id == poll_id))
    poll_results.forget(poll_id)
    forget_current()
    return bool(closed)
