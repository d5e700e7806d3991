"""Searching the public articles: one interface over SQLite FTS5 and PostgreSQL full text.

A query is folded into words the way the index is (:mod:`site_core.search_index`),
so diacritics and tone placement never matter; every word must appear.
Results are ranked (first the articles whose title has every word, then by
the database's relevance score, then newest first), paginated, and each
comes with a snippet of its text where the words are marked. Whatever the
reader types is only ever a bound parameter made of plain words.
"""
from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup, escape

from .articles import Article, public_articles
from .content import fold, plain_text
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


def search(query: Query, page: int, per_page: int) -> "Found":
    """Page ``page`` of the public articles with every word of ``query``, best first (a ``Pagination``)."""
    tiers = _postgresql_tiers if db.engine.dialect.name == "postgresql" else _sqlite_tiers
    return Found(page, per_page, max_per_page=None, error_out=False, tiers=tiers(query.words))


@dataclass(frozen=True)
class Tier:
    """Hits ranked together: ``ranked`` selects their ``id`` and ``score`` (lower is better);
    ``so_far`` counts the public ones among these hits and the tiers before (cheaply)."""

    so_far: sa.Select
    ranked: sa.Select


class Found(Pagination):
    """Results in tiers, every tier before the next: only the hits of the tiers the page
    reaches are ranked, and only the page's articles are loaded."""

    @functools.cached_property
    def _counts(self) -> list[int]:
        so_far = [db.session.scalar(tier.so_far) for tier in self._query_args["tiers"]]
        return [count - before for count, before in zip(so_far, [0, *so_far])]

    def _query_count(self) -> int:
        return sum(self._counts)

    def _query_items(self) -> list[Article]:
        ids, skip = [], self._query_offset
        for tier, count in zip(self._query_args["tiers"], self._counts):
            wanted = self.per_page - len(ids)
            if wanted and skip < count:
                hits = tier.ranked.cte("hits").prefix_with("MATERIALIZED", dialect="sqlite")
                ids += db.session.scalars(_public(hits).add_columns(hits.c.score).order_by(
                    hits.c.score, Article.published_at.desc(), Article.id.desc()).offset(skip).limit(wanted)).all()
            skip = max(0, skip - count)
        articles = {a.id: a for a in db.session.scalars(sa.select(Article).where(Article.id.in_(ids)))}
        return [articles[id_] for id_ in ids if id_ in articles]


def _public(hits) -> sa.Select:
    """The ids of the public articles among ``hits`` (a select of ids, or a CTE with an ``id``)."""
    public = public_articles().with_only_columns(Article.id).order_by(None)
    if isinstance(hits, sa.Select):  # counted without ranking: looked up by id, one by one
        return public.where(Article.id.in_(hits))
    return public.join(hits, hits.c.id == Article.id)


def _sqlite_tiers(words) -> list[Tier]:
    """The articles with every word in their title (few, cheap to rank), then the others;
    FTS5 ranks with ``bm25``, the title weighing ten times the text."""
    index = sa.table("search_index", sa.column("rowid"))
    every = " ".join(f'"{word}"' for word in words)  # words are letters and digits: quoting is exact
    in_title = f"title : ({every})"

    def hits(match: str, *columns) -> sa.Select:
        return sa.select(index.c.rowid.label("id"), *columns).select_from(index).where(
            sa.text("search_index MATCH :match").bindparams(match=match))

    def counted(match: str) -> sa.Select:
        """The index's hits less the hidden (draft, scheduled) articles among them; "+ 0" has
        SQLite read the hits once rather than look each hidden article up in the index."""
        hidden = sa.select(Article.id).where(sa.not_(public_articles().whereclause))
        count = hits(match).with_only_columns(sa.func.count())
        return sa.select(count.scalar_subquery() - count.where((index.c.rowid + 0).in_(hidden)).scalar_subquery())

    score = sa.func.bm25(sa.literal_column("search_index"), 10.0, 1.0).label("score")

    return [Tier(counted(in_title), hits(in_title, score)),
            Tier(counted(every), hits(f"({every}) NOT {in_title}", score))]


def _postgresql_tiers(words) -> list[Tier]:
    """The same two tiers from ``search_documents``: title hits come from the GIN index
    on the title's words (``ts_filter`` keeps the words weighted A), ranked by ``ts_rank``."""
    documents = sa.table("search_documents", sa.column("article_id"), sa.column("document"))
    wanted = sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), " ".join(words))
    in_title = sa.func.ts_filter(documents.c.document, sa.literal_column("'{a}'::\"char\"[]")).op("@@")(wanted)
    every = documents.c.document.op("@@")(wanted)

    def hits(*where, ranked: bool = False) -> sa.Select:
        score = -sa.func.ts_rank(documents.c.document, wanted)
        return sa.select(documents.c.article_id.label("id"), *[score.label("score")] * ranked).where(*where)

    def counted(*where) -> sa.Select:
        return _public(hits(*where)).with_only_columns(sa.func.count())

    return [Tier(counted(in_title), hits(in_title, ranked=True)),
            Tier(counted(every), hits(every, sa.not_(in_title), ranked=True))]


def highlight(text: str, words, length: int | None = None) -> Markup:
    """``text`` escaped, the query's words (whatever their diacritics) in ``<mark>``.

    With ``length``, only a window of about that many characters around the
    first match (or the start), with "…" where it was cut.
    """
    text = unicodedata.normalize("NFC", text)
    pattern = _spelled(tuple(words)) if words else None
    start, end = 0, len(text)
    if length is not None and len(text) > length:
        found = pattern and pattern.search(text)
        first = found.start() if found else 0
        start = max(0, text.rfind(" ", 0, max(0, first - length // 4)) + 1)
        end = min(len(text), start + length)
        end = text.rfind(" ", start, end) if end < len(text) and " " in text[start:end] else end
    matches = pattern.finditer(text, start) if pattern else ()
    spans = [m.span() for m in itertools.takewhile(lambda m: m.end() <= end, matches)]  # the window's only
    parts, at = ["…" if start else ""], start
    for left, right in spans:
        if left >= at and right <= end:
            parts += [escape(text[at:left]), Markup("<mark>"), escape(text[left:right]), Markup("</mark>")]
            at = right
    parts += [escape(text[at:end]), "…" if end < len(text) else ""]
    return Markup("").join(parts)


@functools.lru_cache(maxsize=256)
def _spelled(words: tuple[str, ...]) -> re.Pattern:
    """A pattern for ``words`` as they may be written: "dai" finds "Đại", "đái", "DAI"…"""
    spellings = _spellings()
    alternatives = ("".join(f"[{spellings[c]}]" if c in spellings else re.escape(c) for c in word)
                    for word in words)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.IGNORECASE)


@functools.cache
def _spellings() -> dict[str, str]:
    """Each folded Latin letter and the letters that fold to it: "d" -> "DdĎďĐđ"."""
    found = defaultdict(list)
    for code in (*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        folded = fold(chr(code))
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            found[folded].append(chr(code))
    return {letter: re.escape("".join(chars)) for letter, chars in found.items()}


def snippet(article: Article, words) -> Markup:
    """A short passage of ``article`` with the query's words marked: from its summary if
    they are there (parsing no HTML), else from its body."""
    summary = highlight(article.summary, words, SNIPPET_LENGTH)
    if "<mark>" in summary:
        return summary
    body = highlight(plain_text(article.body_html), words, SNIPPET_LENGTH)
    return body if "<mark>" in body else summary
