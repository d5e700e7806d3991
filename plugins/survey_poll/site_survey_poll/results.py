"""Results: counts, percentages that add up to 100, and their cache.

Results are read once and cached per poll (the shared cache, :func:`site_core.api.plugin_cache`) for
``results_cache_seconds``; a vote deletes its poll's entry, so the voter
sees their vote counted at once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from site_core.api import db, plugin_cache

from . import settings
from .models import options, polls, votes

cache = plugin_cache(__name__)


def percentages(counts: Sequence[int]) -> list[int]:
    """Whole percentages of ``counts`` adding up to exactly 100 (largest remainder).

    Each is its exact share rounded down or up; the points left after
    rounding down go to the largest remainders (ties: more votes, then the
    earlier option). With no votes at all every percentage is 0.
    """
    if any(count < 0 for count in counts):
        raise ValueError("vote counts cannot be negative")
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    shares = [divmod(count * 100, total) for count in counts]
    result = [whole for whole, _ in shares]
    left = 100 - sum(result)
    ranked = sorted(range(len(counts)), key=lambda i: (-shares[i][1], -counts[i], i))
    for i in ranked[:left]:
        result[i] += 1
    return result


@dataclass(frozen=True)
class OptionResult:
    id: int
    text: str
    votes: int
    percent: int


@dataclass(frozen=True)
class Results:
    """A poll as readers see it: question, settings, and the figures per option."""

    poll_id: int
    question: str
    max_choices: int
    status: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    options: tuple[OptionResult, ...]
    voters: int

    @property
    def total(self) -> int:
        """All choices counted; equals the sum of the options' votes by construction."""
        return sum(option.votes for option in self.options)

    @property
    def multiple(self) -> bool:
        return self.max_choices > 1

    def as_json(self) -> dict:
        return {"poll": self.poll_id, "question": self.question, "total": self.total,
                "voters": self.voters, "max_choices": self.max_choices,
                "options": [{"id": o.id, "text": o.text, "votes": o.votes, "percent": o.percent}
                            for o in self.options]}


def cache_key(poll_id: int) -> str:
    return f"results:{int(poll_id)}"


def forget(poll_id: int) -> None:
    """Drop a poll's cached results (after a vote, a close, a new poll)."""
    cache.delete(cache_key(poll_id))


def load(poll_id: int, fresh: bool = False) -> Results | None:
    """A poll's results, from the cache unless ``fresh``; None if no such poll.

    ``fresh`` reads on a new connection, so a vote committed earlier in this
    request is seen even when the request's session holds an older snapshot.
    """
    if not fresh:
        found = cache.get(cache_key(poll_id))
        if found is not None:
            return found
    if fresh:
        with db.engine.connect() as connection:
            found = read(connection, poll_id)
    else:
        found = read(db.session, poll_id)
    timeout = settings()["results_cache_seconds"]
    if found is not None and timeout > 0:
        cache.set(cache_key(poll_id), found, timeout=timeout)
    return found


def read(executor, poll_id: int) -> Results | None:
    """Read a poll's results with ``executor`` (a session or a connection)."""
    poll = executor.execute(sa.select(polls).where(polls.c.id == poll_id)).first()
    if poll is None:
        return None
    rows = executor.execute(sa.select(options.c.id, options.c.text, options.c.votes)
                            .where(options.c.poll_id == poll_id)
                            .order_by(options.c.position, options.c.id)).all()
    voters = executor.execute(sa.select(sa.func.count()).select_from(votes)
                              .where(votes.c.poll_id == poll_id)).scalar_one()
    shares = percentages([row.votes for row in rows])
    return Results(
        poll_id=poll.id, question=poll.question, max_choices=poll.max_choices, status=poll.status,
        opens_at=poll.opens_at, closes_at=poll.closes_at, voters=voters,
        options=tuple(OptionResult(row.id, row.text, row.votes, share) for row, share in zip(rows, shares)),
    )
