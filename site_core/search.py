"""Searching the public articles: one interface over SQLite FTS5 and PostgreSQL full text.

A query is folded into words the way the index is (:mod:`site_core.search_index`),
so diacritics and tone placement never matter; every word must appear.
Results are ranked in tiers (first the articles whose title has every word,
then the others), newest first within each, paginated, and each comes with
a snippet of its text where the words are marked. A query reaches its first
:data:`CAP` results; past them the count says "more than". Whatever the
reader types is only ever a bound parameter made of plain words.
"""
from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup, escape

from . import clock, content_version
from .articles import Article, public_articles, until_scheduled
from .content import fold
from .db import db
from .search_index import terms

MAX_LENGTH = 200  # characters of a query read (the form's maxlength)
MAX_WORDS = 10  # of those, the first ten words are searched
SNIPPET_LENGTH = 240


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


def highlight(text: str, words, length: int | None = None) -> Markup:
    """``text`` escaped, the query's words (whatever their diacritics) in ``<mark>``.

    With ``length``, only a window of about that many characters around the
    first match (or the start), with "…" where it was cut.
    """
    text = unicodedata.normalize("NFC", text)
    return _marked(text, _unmarked(text), _pattern(tuple(words)) if words else None, length)


def _marked(text: str, folded: str, pattern: re.Pattern | None, length: int | None) -> Markup:
    """:func:`highlight`'s work, given ``text``'s :func:`_unmarked` form and the words' pattern."""
    start, end = 0, len(text)
    if length is not None and len(text) > length:
        found = pattern and pattern.search(folded)
        first = found.start() if found else 0
        start = max(0, text.rfind(" ", 0, max(0, first - length // 4)) + 1)
        end = min(len(text), start + length)
        end = text.rfind(" ", start, end) if end < len(text) and " " in text[start:end] else end
    parts, at = ["…" if start else ""], start
    for match in pattern.finditer(folded, start, end) if pattern else ():  # the window's only
        parts += [escape(text[at:match.start()]), "<mark>", escape(text[match.start():match.end()]), "</mark>"]
        at = match.end()
    parts += [escape(text[at:end]), "…" if end < len(text) else ""]
    return Markup("".join(parts))


@functools.lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern:
    """``words`` (folded) as whole words of a text passed through :func:`_unmarked`."""
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, words)) + r")(?![^\W_])", re.IGNORECASE)


def _unmarked(text: str) -> str:
    """``text`` (NFC) with each Latin letter folded to one letter ("Đại" -> "dai"), so
    its positions stay those of ``text``; case is left to the pattern."""
    return text.translate(_folded_letters())


@functools.cache
def _folded_letters() -> str:
    """A translation table, a string indexed by code point: each Latin letter that folds
    to one letter becomes it ("Đ" -> "d", "ằ" -> "a"), every other character stays."""
    table = [chr(code) for code in range(0x10000)]  # beyond it, str.translate leaves characters be
    for code in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        folded = fold(chr(code))
        if len(folded) == 1:
            table[code] = folded
    return "".join(table)


_TAG = re.compile(r"<[^>]*>")


def _text_of(body_html: str) -> str:
    """The text of a sanitised body, fast: tags and runs of spaces become one space
    (an unlikely ">" inside an attribute would only show the attribute's end)."""
    return " ".join(html.unescape(_TAG.sub(" ", body_html)).split())


def snippet(article, words) -> Markup:
    """A short passage of ``article`` with the query's words marked: from its summary if
    they are there, else from its body."""
    pattern = _pattern(tuple(words))
    summary = unicodedata.normalize("NFC", article.summary)
    folded = _unmarked(summary)
    if not pattern.search(folded):
        text = unicodedata.normalize("NFC", _text_of(article.body_html))
        folded_text = _unmarked(text)
        if pattern.search(folded_text):
            return _marked(text, folded_text, pattern, SNIPPET_LENGTH)
    return _marked(summary, folded, pattern, SNIPPET_LENGTH)
