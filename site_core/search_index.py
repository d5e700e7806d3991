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

from .content import fold, plain_text
from .db import db

_WORD = re.compile(r"[^\W_]+")


def terms(text: str) -> list[str]:
    """The folded words of ``text``: "Đại hội, chi bộ!" -> ["dai", "hoi", "chi", "bo"]."""
    return _WORD.findall(fold(text))


TABLES = {
    "postgresql": ("CREATE TABLE IF NOT EXISTS search_documents ("
                   "article_id INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE, "
                   "document TSVECTOR NOT NULL)",
                   "CREATE INDEX IF NOT EXISTS ix_search_documents_document ON search_documents USING gin (document)",
                   # the title's words (weighted A), so title hits are found without reading every document
                   "CREATE INDEX IF NOT EXISTS ix_search_documents_title ON search_documents "
                   "USING gin (ts_filter(document, '{a}'::\"char\"[]))"),
    "sqlite": ("CREATE VIRTUAL TABLE IF NOT EXISTS search_index USING fts5(title, body)",),
}
NAMES = {"postgresql": "search_documents", "sqlite": "search_index"}
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


def create(connection) -> None:
    """Create the index's table(s) if absent (empty)."""
    for statement in TABLES[connection.dialect.name]:
        connection.exec_driver_sql(statement)


def drop(connection) -> None:
    connection.exec_driver_sql(f"DROP TABLE IF EXISTS {NAMES[connection.dialect.name]}")


def rebuild(connection, batch: int = 1000) -> int:
    """Create the index if absent and fill it afresh from every article (drafts too);
    returns how many were indexed. For a site restored or imported without it."""
    create(connection)
    connection.exec_driver_sql(f"DELETE FROM {NAMES[connection.dialect.name]}")
    indexed = 0
    for rows in connection.execute(sa.text("SELECT id, title, summary, body_html FROM articles ORDER BY id"),
                                   execution_options={"yield_per": batch}).partitions():
        index_many(connection, rows)
        indexed += len(rows)
    return indexed


def index(connection, article) -> None:
    """(Re)index one article: its title, and its text (summary and body)."""
    index_many(connection, [article])


def index_many(connection, articles) -> None:
    """(Re)index many articles at once: anything with ``id``, ``title``, ``summary`` and
    ``body_html`` (an :class:`~site_core.articles.Article`, or a row of those columns)."""
    rows = [{"id": a.id, "title": " ".join(terms(a.title)),
             "body": " ".join(terms(f"{a.summary} {plain_text(a.body_html)}"))} for a in articles]
    if not rows:
        return
    statements = STATEMENTS[connection.dialect.name]
    if connection.dialect.name == "sqlite":  # FTS5 has no upsert
        connection.execute(sa.text(statements["forget"]), [{"id": row["id"]} for row in rows])
    connection.execute(sa.text(statements["index"]), rows)


def forget(connection, article_id: int) -> None:
    """Take one article out of the index."""
    connection.execute(sa.text(STATEMENTS[connection.dialect.name]["forget"]), {"id": article_id})


# Not models (they differ by database), yet made and dropped with the models'
# tables, so a database built by ``create_all`` can save articles too.
sa.event.listen(db.metadata, "after_create", lambda _metadata, connection, **_: create(connection))
sa.event.listen(db.metadata, "before_drop", lambda _metadata, connection, **_: drop(connection))
