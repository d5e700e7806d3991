"""The plugin's tables: the index of published articles and their stored neighbours.

No foreign keys to the core's tables: the core deletes articles without
knowing this plugin, and the page view joins ``articles``, so a row left
pointing at a deleted article is simply never shown.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from site_core.api import UTCDateTime, db


class IndexedArticle(db.Model):
    """One published (possibly future-dated) article, as the ranking sees it."""

    __tablename__ = "related_news_documents"

    article_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    category_id: Mapped[int | None] = mapped_column(sa.Integer)
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    fingerprint: Mapped[str] = mapped_column(sa.String(32))  # of the analysed content
    tags: Mapped[bytes] = mapped_column(sa.LargeBinary)  # int64 tag hashes
    terms: Mapped[bytes] = mapped_column(sa.LargeBinary)  # int32 term ids, sorted
    weights: Mapped[bytes] = mapped_column(sa.LargeBinary)  # float32, the unit text vector
    # Its profile: the best first-order scores (int32 article ids, float32 scores), best first;
    # NULL until computed (an index from before profiles existed: the next change rebuilds it).
    profile_ids: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    profile_scores: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)


class Term(db.Model):
    """The vocabulary: each term's id (as stored in vectors) and in how many articles it occurs."""

    __tablename__ = "related_news_terms"
    __table_args__ = (sa.UniqueConstraint("id", name="uq_related_news_terms_id"),)

    term: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    id: Mapped[int] = mapped_column(sa.Integer)
    df: Mapped[int] = mapped_column(sa.Integer)


class Neighbour(db.Model):
    """One entry of an article's stored list, in display order (``rank`` 0 first).

    ``fallback`` marks a list made of the latest articles of the same
    category because nothing scored above the threshold.
    """

    __tablename__ = "related_news_neighbours"
    __table_args__ = (sa.Index("ix_related_news_neighbours_neighbour", "neighbour_id"),)

    article_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    rank: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, autoincrement=False)
    neighbour_id: Mapped[int] = mapped_column(sa.Integer)
    score: Mapped[float] = mapped_column(sa.Float)
    fallback: Mapped[bool] = mapped_column(sa.Boolean, default=False)


class State(db.Model):
    """Small facts about the index: when it was built, with which settings."""

    __tablename__ = "related_news_state"

    key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
