"""Searching the public articles: one interface over SQLite FTS5 and PostgreSQL full text.

A query is folded into words the way the index is (:mod:`site_core.search_index`),
so diacritics and tone placement never matter; every word must appear.
Results are ranked in tiers (first the articles whose title has every word,
then the others), newest first within each, paginated, and each comes with
a snippet of its text where the words are marked (:mod:`site_core.marking`).
A query reaches its first :data:`CAP` results; past them the count says
"more than". Whatever the reader types is only ever a bound parameter made
of plain words.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from . import clock, content_version
from .articles import Article, public_articles, until_scheduled
from .db import db
from .search_index import terms

MAX_LENGTH = 200  # characters of a query read (the form's maxlength)
MAX_WORDS = 10  # of those, the first ten words are searched


@dataclass(frozen=True)
class Query:
    """What is searched for, and what the reader should be told about it."""

    words: tuple[str, ...]
    notice: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Query":
        if not text.strip():
            return cls((), "Nhập từ khóa để tìm bài viết.")
        words = tuple(dict.fromkeys(terms(text[:MAX_LENGTH])))
        if not words:
            return cls((), "Từ khóa cần có ít nhất một chữ hoặc số.")
        if len(words) > MAX_WORDS or len(text) > MAX_LENGTH:
            return cls(words[:MAX_WORDS], f"Từ khóa dài quá: chỉ tìm theo {MAX_WORDS} từ hoặc "
                                          f"{MAX_LENGTH} ký tự đầu tiên.")
        return cls(words)


CAP = 1000  # results a query reaches; past them the count says "more than"
FEW = 300  # a tier with at most this many hits is read from them, not along the listing


def search(query: Query, page: int, per_page: int) -> "Found":
    """Page ``page`` of the public articles with every word of ``query``, best first (a ``Pagination``)."""
    return Found(page, per_page, max_per_page=None, error_out=False, index=INDEXES[db.engine.dialect.name],
                 words=query.words)


@dataclass(frozen=True)
class Index:
    """A database's index, read through its ``table``'s ``key`` (the article's id) with
    conditions on its rows: the articles with every word in their ``title``, with ``every``
    word anywhere, and the ``rest`` (every word, not all in the title); ``params`` turns
    the words into the conditions' parameters."""

    table: str
    key: str
    title: str
    every: str
    rest: str
    params: Callable[[tuple[str, ...]], dict]
    per_article: bool = False  # along the listing, test each article (else: a set of the hits first)


def _sqlite_params(words) -> dict:
    every = " ".join(f'"{word}"' for word in words)  # words are letters and digits: quoting is exact
    return {"title": f"title : ({every})", "every": every, "rest": f"({every}) NOT title : ({every})"}


_TSQUERY = "plainto_tsquery('simple'::regconfig, :words)"
_TITLE = f"ts_filter(document, '{{a}}'::\"char\"[]) @@ {_TSQUERY}"  # the title's words: weight A, GIN-indexed
INDEXES = {
    "sqlite": Index("search_index", "rowid", *(f"search_index MATCH :{part}" for part in ("title", "every", "rest")),
                    _sqlite_params),
    "postgresql": Index("search_documents", "article_id", _TITLE, f"document @@ {_TSQUERY}",
                        f"document @@ {_TSQUERY} AND NOT {_TITLE}", lambda words: {"words": " ".join(words)},
                        # a subquery per article, which the planner cannot turn into a join: a prepared
                        # statement's generic plan would read every hit to sort them
                        per_article=True),
}


@dataclass(frozen=True)
class Statements:
    """An index's statements, built once: the title's and every word's hits counted up to
    ``:limit``; the same among the ``:hidden`` ids; and each tier's public articles (title,
    rest), newest first (``:now``, ``:limit``, ``:offset``), read two ways: from the tier's
    hits when they are few (``few``), else along the articles' listing index (``many``)."""

    counts: sa.TextClause
    hidden: sa.TextClause
    few: tuple[sa.Select, ...]
    many: tuple[sa.Select, ...]

    @classmethod
    @functools.cache
    def of(cls, index: Index) -> "Statements":
        def hits(condition: str) -> str:
            return f"SELECT {index.key} FROM {index.table} WHERE {condition}"

        def both(count: str) -> sa.TextClause:
            return sa.text("SELECT " + ", ".join(f"(SELECT count(*) FROM ({count.format(hits(condition))}) AS hits)"
                                                 for condition in (index.title, index.every)))

        def found(condition: str) -> sa.TextualSelect:
            return sa.text(hits(condition)).columns(sa.column(index.key, sa.Integer))

        def few(condition: str) -> sa.Select:  # the hits read first, whatever the planner guesses
            first = found(condition).cte("hits").prefix_with("MATERIALIZED")
            return _shown().join_from(Article, first, first.c[index.key] == Article.id)

        def many(condition: str) -> sa.Select:
            if index.per_article:
                return _shown().where(sa.text(f"(SELECT {condition} FROM {index.table} "
                                              f"WHERE {index.key} = {Article.__tablename__}.id)"))
            return _shown().where(Article.id.in_(found(condition)))

        tiers = (index.title, index.rest)
        return cls(both("{} LIMIT :limit"),
                   both(f"{{}} AND {index.key} IN :hidden").bindparams(sa.bindparam("hidden", expanding=True)),
                   tuple(map(few, tiers)), tuple(map(many, tiers)))


class Found(Pagination):
    """Results in tiers (the articles with every word in their title, then the others), each
    newest first. Nothing is scored: the index finds each tier's articles and the articles'
    listing index orders them; only the page's articles are read. At most :data:`CAP`
    results are reached; ``more`` says there are more."""

    @functools.cached_property
    def _counts(self) -> list[int]:
        """Each tier's public articles, up to one past :data:`CAP` in all."""
        index, hidden = self._query_args["index"], hidden_ids()
        statements, params = Statements.of(index), index.params(self._query_args["words"])
        title, every = db.session.execute(statements.counts, {**params, "limit": CAP + 1 + len(hidden)}).one()
        if hidden:
            in_title, anywhere = db.session.execute(statements.hidden, {**params, "hidden": list(hidden)}).one()
            title, every = title - in_title, every - anywhere
        every = min(every, CAP + 1)
        title = min(title, every)
        return [title, every - title]

    @property
    def more(self) -> bool:
        return sum(self._counts) > CAP

    def _query_count(self) -> int:
        return min(sum(self._counts), CAP)

    def _query_items(self) -> list:
        index = self._query_args["index"]
        params = {**index.params(self._query_args["words"]), "now": clock.now()}
        found, skip = [], self._query_offset
        statements = Statements.of(index)
        for few, many, count in zip(statements.few, statements.many, self._counts):
            wanted = min(self.per_page - len(found), CAP - self._query_offset - len(found))
            if wanted > 0 and skip < count:
                found += db.session.execute(few if count <= FEW else many, {**params, "limit": wanted, "offset": skip}).all()
            skip = max(0, skip - count)
        return found


@functools.cache
def _shown() -> sa.Select:
    """What a result shows of the public articles, newest first (``:now``, ``:limit``, ``:offset``)."""
    return (sa.select(Article.id, Article.slug, Article.title, Article.summary, Article.body_html,
                      Article.published_at)
            .where(Article.status == "published", Article.published_at <= sa.bindparam("now"))
            .order_by(Article.published_at.desc(), Article.id.desc())
            .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")))


def hidden_ids() -> frozenset[int]:
    """The articles in the index that are not public (drafts, scheduled), from the content cache."""
    def read():
        return frozenset(db.session.scalars(sa.select(Article.id).where(sa.not_(public_articles().whereclause))))

    return until_scheduled(content_version.process_cache(), "search hidden", read).value
