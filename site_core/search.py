"""Searching the public articles: one interface over SQLite FTS5 and PostgreSQL full text.

A query is folded into words the way the index is (:mod:`site_core.search_index`),
so diacritics and tone placement never matter; every word must appear.
Results are ranked (first the articles whose title has every word, then by
the database's relevance score, then newest first), paginated, and each
comes with a snippet of its text where the words are marked. Whatever the
reader types is only ever a bound parameter made of plain words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
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


def search(query: Query, page: int, per_page: int):
    """Page ``page`` of the public articles with every word of ``query``, best first (a ``Pagination``)."""
    ranked = _ranked_postgresql if db.engine.dialect.name == "postgresql" else _ranked_sqlite
    statement = ranked(public_articles().order_by(None), query.words)
    return db.paginate(statement.order_by(Article.published_at.desc(), Article.id.desc()),
                       page=page, per_page=per_page, error_out=False, count=True)


def _ranked_sqlite(articles: sa.Select, words) -> sa.Select:
    index = sa.table("search_index", sa.column("rowid"))
    match = " ".join(f'"{word}"' for word in words)  # words are letters and digits: quoting is exact
    return (articles.join(index, index.c.rowid == Article.id)
            .where(sa.text("search_index MATCH :match").bindparams(match=match))
            .order_by(sa.text("search_index.rowid IN (SELECT rowid FROM search_index WHERE search_index MATCH "
                              ":in_title) DESC, bm25(search_index, 10.0, 1.0)")
                      .bindparams(in_title=f"title : ({match})")))


def _ranked_postgresql(articles: sa.Select, words) -> sa.Select:
    documents = sa.table("search_documents", sa.column("article_id"), sa.column("document"))
    wanted = sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), " ".join(words))
    in_title = sa.func.ts_filter(documents.c.document, sa.literal_column("'{a}'::\"char\"[]")).op("@@")(wanted)
    return (articles.join(documents, documents.c.article_id == Article.id)
            .where(documents.c.document.op("@@")(wanted))
            .order_by(in_title.desc(), sa.func.ts_rank(documents.c.document, wanted).desc()))


def highlight(text: str, words, length: int | None = None) -> Markup:
    """``text`` escaped, the query's words (whatever their diacritics) in ``<mark>``.

    With ``length``, only a window of about that many characters around the
    first match (or the start), with "…" where it was cut.
    """
    folded, origin = [], []  # the folded text, and where each folded character came from
    for position, char in enumerate(text):
        piece = fold(char)
        folded.append(piece)
        origin.extend([position] * len(piece))
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, words)) + r")(?![^\W_])")
    spans = [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer("".join(folded))] if words else []
    start, end = 0, len(text)
    if length is not None and len(text) > length:
        first = spans[0][0] if spans else 0
        start = max(0, text.rfind(" ", 0, max(0, first - length // 4)) + 1)
        end = min(len(text), start + length)
        end = text.rfind(" ", start, end) if end < len(text) and " " in text[start:end] else end
    parts, at = ["…" if start else ""], start
    for left, right in spans:
        if left >= at and right <= end:
            parts += [escape(text[at:left]), Markup("<mark>"), escape(text[left:right]), Markup("</mark>")]
            at = right
    parts += [escape(text[at:end]), "…" if end < len(text) else ""]
    return Markup("").join(parts)


def snippet(article: Article, words) -> Markup:
    """A short passage of ``article`` with the query's words marked."""
    return highlight(f"{article.summary} {plain_text(article.body_html)}".strip(), words, SNIPPET_LENGTH)
