"""The poll's tables.

Invariant: an option's ``votes`` tally equals the number of ``poll_choices``
rows for it. Both are written in one transaction, and only when the
``poll_votes`` row (unique per poll and voter) was inserted by that
transaction; demo votes are real rows too. A poll's total is the sum of
its options' tallies; its number of voters is ``COUNT(poll_votes)``.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from site_core.api import UTCDateTime, db

OPEN, CLOSED = "open", "closed"


class Poll(db.Model):
    """A question with ordered options; ``max_choices`` 1 means single choice."""

    __tablename__ = "poll_polls"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(sa.String(500))
    max_choices: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(sa.String(10), default=OPEN)
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    @property
    def multiple(self) -> bool:
        return self.max_choices > 1


class Option(db.Model):
    """One answer of a poll, with its vote tally (bumped atomically)."""

    __tablename__ = "poll_options"
    __table_args__ = (sa.Index("ix_poll_options_poll", "poll_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("poll_polls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(sa.String(300))
    votes: Mapped[int] = mapped_column(default=0, server_default="0")


class Vote(db.Model):
    """One reader's ballot in one poll; the unique key is what stops double votes."""

    __tablename__ = "poll_votes"
    __table_args__ = (sa.UniqueConstraint("poll_id", "voter_key", name="uq_poll_votes_voter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(sa.ForeignKey("poll_polls.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Choice(db.Model):
    """An option chosen on a ballot (several for a multiple-choice poll)."""

    __tablename__ = "poll_choices"
    __table_args__ = (sa.ForeignKeyConstraint(["poll_id", "voter_key"],
                                              ["poll_votes.poll_id", "poll_votes.voter_key"],
                                              ondelete="CASCADE"),)

    poll_id: Mapped[int] = mapped_column(primary_key=True)
    voter_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    option_id: Mapped[int] = mapped_column(sa.ForeignKey("poll_options.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)


class RateBucket(db.Model):
    """Votes counted per poll, hashed client address and time window."""

    __tablename__ = "poll_rate"

    poll_id: Mapped[int] = mapped_column(primary_key=True)
    address_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    bucket: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    votes: Mapped[int] = mapped_column(default=0)


polls = Poll.__table__
options = Option.__table__
votes = Vote.__table__
choices = Choice.__table__
rate = RateBucket.__table__
