"""Demo data: the seed page's poll, open with no closing date, with past votes.

The demo votes are real ballots (voter keys ``demo-NNNNN``) with their
choices, and the tallies are bumped in the same transaction, so the
invariant of :mod:`site_survey_poll.models` holds. Running it twice adds
nothing: the poll is found by its question.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from site_core import clock
from site_core.api import db, write_transaction

from . import results as poll_results
from .models import Poll, choices, options, votes
from .polls import PollSpec, create_poll, poll_options

QUESTION = "Bạn biết đến cổng thông tin nhà trường qua hình thức nào?"
# option -> demo votes (a plausible spread: most readers come from the Internet)
OPTIONS = {
    "Internet": 418,
    "Báo chí": 96,
    "Bạn bè, người quen": 187,
    "Hội nghị, tập huấn": 241,
    "Khác": 37,
}


def load() -> str:
    existing = db.session.execute(sa.select(Poll.id).where(Poll.question == QUESTION)).scalar()
    if existing is not None:
        return f"poll {existing} already there"
    opens = dt.datetime(2020, 1, 6, 7, 30, tzinfo=clock.site_zone())
    poll_id = create_poll(PollSpec(QUESTION, list(OPTIONS), opens_at=clock.as_utc(opens)))
    ids = {option.text: option.id for option in poll_options(poll_id)}
    ballots = [ids[text] for text, count in OPTIONS.items() for _ in range(count)]
    random.Random(2020).shuffle(ballots)
    started = clock.as_utc(opens)
    with write_transaction() as connection:
        connection.execute(sa.insert(votes), [
            {"poll_id": poll_id, "voter_key": f"demo-{n:05d}", "created_at": started + dt.timedelta(hours=7 * n)}
            for n in range(len(ballots))])
        connection.execute(sa.insert(choices), [
            {"poll_id": poll_id, "voter_key": f"demo-{n:05d}", "option_id": option}
            for n, option in enumerate(ballots)])
        for text, count in OPTIONS.items():
            connection.execute(sa.update(options).where(options.c.id == ids[text])
                               .values(votes=options.c.votes + count))
    poll_results.forget(poll_id)
    return f"poll {poll_id} with {len(ballots)} demo votes"
