"""The search index: every article's words, folded, kept current as articles are saved.

Words are folded (lower case, no diacritics, đ → d), so "Đại hội", "dai hoi"
and either tone placement ("hoà", "hòa") are the same words. SQLite keeps
them in an FTS5 table ``search_index`` (rowid = the article's id);
PostgreSQL in ``search_documents`` (a weighted ``tsvector``, GIN-indexed).
Both hold every article, drafts too: the query keeps the public ones, so a
scheduled article becomes findable when its time comes without a write.

:func:`index` and :func:`forget` run in the caller's transaction
(``save_article`` and ``delete_article``), the same way on both databases.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from .content import fold

_WORD = re.compile(r"[^\W_]+")


def terms(text: str) -> list[str]:
    """The folded words of ``text``: "Đại hội, chi bộ!" -> ["dai", "hoi", "chi", "bo"]."""
    return _WORD.findall(fold(text))


STATEMENTS = {
    "postgresql": {
        "index": "INSERT INTO search_documents (article_id, document) VALUES (:id, "
                 "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :body), 'B')) "
                 "ON CONFLICT (article_id) DO UPDATE SET document = excluded.document",
        "forget": "DELETE FROM search_documents WHERE article_id = :id",
    },
    "sqlite": {
        "index": "INSERT INTO search_index (rowid, title, body) VALUES (:id, :title, :body)",
        "forget": "DELETE FROM search_index WHERE rowid = :id",
    },
}


def index(connection, article_id: int, title: str, text: str) -> None:
    """(Re)index one article: its title, and its text (summary and body)."""
    statements = STATEMENTS[connection.dialect.name]
    if connection.dialect.name == "sqlite":  # FTS5 has no upsert
        forget(connection, article_id)
    connection.execute(sa.text(statements["index"]),
                       {"id": article_id, "title": " ".join(terms(title)), "body": " ".join(terms(text))})


def forget(connection, article_id: int) -> None:
    """Take one article out of the index."""
    connection.execute(sa.text(STATEMENTS[connection.dialect.name]["forget"]), {"id": article_id})
