"""Keeping the stored neighbour lists right: full rebuild and per-article sync.

Every published article (future-dated ones too: they become public without
any hook firing, so the page view filters them by date instead) has a row in
``related_news_documents`` with its text vector, and a list of neighbours in
``related_news_neighbours``. Drafts have neither.

:func:`sync` runs when articles change (one publish, or a whole import). It
re-indexes them, then recomputes exactly the lists the changes can touch:
their own, those that held one of them, those one now scores into, and the
"latest in category" fallback lists of their categories. It loads every
stored vector (a few MB at 10,000 articles) and scores the affected rows at
once, inside one write transaction, so two publishes never interleave. A
large batch (a first import) is a full rebuild instead.

IDF drift: a sync computes the new article's weights with the stored
document frequencies and leaves other articles' weights as they are; an edit
or deletion takes back only the stored (heaviest) terms, so the others' counts
stay a little high. ``flask related rebuild`` recomputes everything exactly.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from site_core import clock
from site_core.api import content_changed, db, write_transaction
from site_core.reading import article_tags, categories, plain_text, published_articles

from .models import IndexedArticle, Neighbour, State, Term
from .scoring import ArticleText, Corpus, Doc, Params, Terms, analyse, index_all, make_doc, tag_hashes, vector
from .text import Analyzer
from .widget import stored_size

ARTICLES = published_articles
DOCUMENTS = IndexedArticle.__table__
TERMS = Term.__table__
NEIGHBOURS = Neighbour.__table__
STATE = State.__table__
CHUNK = 500  # ids per IN (...) list
BULK = 200  # changed articles from which a sync is a full rebuild (with a quarter of the index)
LOCK_KEY = 0x52454C4E  # PostgreSQL advisory lock serialising index writes ("RELN")


@dataclass(frozen=True)
class Config:
    """What the index needs from the plugin's settings."""

    params: Params
    size: int  # neighbours stored per article: more than shown, for filtered-out ones
    exclude_categories: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: dict) -> "Config":
        params = Params(
            title_weight=settings["title_weight"], tags_weight=settings["tags_weight"],
            category_weight=settings["category_weight"], unaccented_weight=settings["unaccented_weight"],
            threshold=settings["threshold"], min_score=settings["min_score"], max_terms=settings["max_terms"],
            fill_with_latest=settings["fill_with_latest"],
        )
        return cls(params, size=stored_size(settings["count"]),
                   exclude_categories=tuple(settings["exclude_categories"]))

    def fingerprint(self) -> str:
        """Changes when a setting that shapes the stored lists changes."""
        data = json.dumps([self.params.__dict__, self.size, sorted(self.exclude_categories)], sort_keys=True)
        return hashlib.blake2b(data.encode(), digest_size=8).hexdigest()


# --- reading the core's articles -------------------------------------------------------

@dataclass
class Source:
    """One published article as read from the core's read model."""

    id: int
    title: str
    body_html: str
    category_id: int | None
    published_at: dt.datetime  # aware, UTC (the core's UTCDateTime)
    tags: list[str]

    def fingerprint(self) -> str:
        data = "\0".join([self.title, self.body_html])
        return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def read_published(connection, ids: Iterable[int] | None = None) -> Iterator[Source]:
    """Published articles (future-dated included), by id; only ``ids`` if given."""
    query = sa.select(ARTICLES.c.id, ARTICLES.c.title, ARTICLES.c.body_html, ARTICLES.c.category_id,
                      ARTICLES.c.published_at).order_by(ARTICLES.c.id)
    chunks = [None] if ids is None else [list(c) for c in _chunks(sorted(set(ids)))]
    for chunk in chunks:
        rows = connection.execute(query if chunk is None else query.where(ARTICLES.c.id.in_(chunk))).all()
        tags = _tags(connection, None if chunk is None else chunk)
        for row in rows:
            yield Source(row.id, row.title, row.body_html or "", row.category_id, row.published_at,
                         tags.get(row.id, []))


def _tags(connection, ids: list[int] | None) -> dict[int, list[str]]:
    query = sa.select(article_tags.c.article_id, article_tags.c.name)
    if ids is not None:
        query = query.where(article_tags.c.article_id.in_(ids))
    found: dict[int, list[str]] = {}
    for article_id, name in connection.execute(query):
        found.setdefault(article_id, []).append(name)
    return found


def excluded_category_ids(connection, names: Iterable[str], analyzer: Analyzer) -> set[int]:
    """Ids of the categories named (by name or slug; case, accents and tone placement ignored)."""
    wanted = {analyzer.tag(n) for n in names if n.strip()}
    if not wanted:
        return set()
    rows = connection.execute(sa.select(categories))
    return {row.id for row in rows if analyzer.tag(row.name) in wanted or analyzer.tag(row.slug) in wanted}


def _chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- the stored index ---------------------------------------------------------------------

def load_corpus(connection, config: Config, excluded: set[int]) -> Corpus:
    """Every indexed article's stored vector, ready to score."""
    docs = []
    for row in connection.execute(sa.select(DOCUMENTS).order_by(DOCUMENTS.c.article_id)):
        docs.append(Doc(
            id=row.article_id, category_id=row.category_id,
            published_at=row.published_at.timestamp(),  # UTCDateTime: aware, UTC
            tags=np.frombuffer(row.tags, dtype=np.int64), terms=np.frombuffer(row.terms, dtype=np.int32),
            weights=np.frombuffer(row.weights, dtype=np.float32), excluded=row.category_id in excluded,
        ))
    return Corpus(docs, config.params)


def _text(source: Source, excluded: set[int]) -> ArticleText:
    return ArticleText(source.id, source.title, plain_text(source.body_html), source.category_id,
                       source.published_at.timestamp(), source.tags, source.category_id in excluded)


def _document_row(source: Source, tags: np.ndarray, terms: np.ndarray, weights: np.ndarray,
                  fingerprint: str) -> dict:
    return {"article_id": source.id, "category_id": source.category_id, "published_at": source.published_at,
            "fingerprint": fingerprint, "tags": tags.astype(np.int64).tobytes(),
            "terms": terms.astype(np.int32).tobytes(), "weights": weights.astype(np.float32).tobytes()}


def _neighbour_rows(article_id: int, entries: list[tuple[int, float, bool]]) -> list[dict]:
    return [{"article_id": article_id, "rank": rank, "neighbour_id": other, "score": score, "fallback": fallback}
            for rank, (other, score, fallback) in enumerate(entries)]


def _lock(connection) -> None:
    """Serialise index writers (SQLite already does, with BEGIN IMMEDIATE)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _set_state(connection, values: dict[str, str]) -> None:
    connection.execute(STATE.delete().where(STATE.c.key.in_(list(values))))
    connection.execute(STATE.insert(), [{"key": k, "value": v} for k, v in values.items()])


def read_state(connection=None) -> dict[str, str]:
    query = sa.select(STATE.c.key, STATE.c.value)
    rows = (connection or db.session).execute(query)
    return {key: value for key, value in rows}


# --- full rebuild --------------------------------------------------------------------------

@dataclass
class RebuildReport:
    articles: int
    lists: int
    fallback_lists: int
    terms: int
    seconds: float


Progress = Callable[[str, int], contextlib.AbstractContextManager]


def _no_progress(label: str, length: int):
    class Bar:
        def update(self, n: int) -> None:
            pass

    return contextlib.nullcontext(Bar())


@dataclass
class Computed:
    """Everything a rebuild stores, computed from the articles."""

    documents: list[dict]
    terms: list[dict]
    neighbours: list[dict]
    fallback_lists: int


def compute(config: Config, progress: Progress = _no_progress) -> Computed:
    """Every vector and every list, from the articles as they are now (nothing is written)."""
    analyzer = Analyzer()
    with db.engine.connect() as connection:
        excluded = excluded_category_ids(connection, config.exclude_categories, analyzer)
        sources = list(read_published(connection))
    with progress("Phân tích bài viết", len(sources)) as bar:
        docs, vocabulary, df = index_all((_text(s, excluded) for s in sources), config.params, analyzer,
                                         on_article=lambda: bar.update(1))
    documents = [_document_row(source, doc.tags, doc.terms, doc.weights, source.fingerprint())
                 for source, doc in zip(sources, docs)]
    corpus = Corpus(docs, config.params)
    neighbours, fallbacks = [], 0
    with progress("Tính bài liên quan", len(docs)) as bar:
        for row, entries in corpus.lists(range(len(docs)), config.size):
            neighbours.extend(_neighbour_rows(corpus.docs[row].id, entries))
            fallbacks += bool(entries) and all(fallback for *_, fallback in entries)
            bar.update(1)
    terms = [{"term": term, "id": i, "df": int(df[i])} for term, i in vocabulary.items()]
    return Computed(documents, terms, neighbours, fallbacks)


def rebuild(config: Config, progress: Progress = _no_progress) -> RebuildReport:
    """Recompute every vector and every list from the articles; swap them in at once.

    Reading and scoring happen outside any write lock; the write is one
    transaction, so readers see the old lists until the new ones are all
    there. Articles changed while this ran are synced again afterwards.
    """
    started_clock = time.perf_counter()
    started = clock.now()
    computed = compute(config, progress)
    with write_transaction() as connection:
        _lock(connection)
        content_changed(connection)  # the widget varies with the content: kept pages show the new lists
        for table in (NEIGHBOURS, DOCUMENTS, TERMS):
            connection.execute(table.delete())
        for table, values in ((DOCUMENTS, computed.documents), (TERMS, computed.terms),
                              (NEIGHBOURS, computed.neighbours)):
            for chunk in _chunks(values, 5000):
                connection.execute(table.insert(), chunk)
        _set_state(connection, {"built_at": started.isoformat(), "settings": config.fingerprint(),
                                "documents": str(len(computed.documents))})
    if db.engine.dialect.name == "postgresql":  # fresh statistics for the planner after a bulk write
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in (DOCUMENTS, TERMS, NEIGHBOURS):
                connection.exec_driver_sql(f"ANALYZE {table.name}")
    with db.engine.connect() as connection:
        changed = set(connection.scalars(sa.select(ARTICLES.c.id).where(ARTICLES.c.updated_at > started)))
        published = sa.select(ARTICLES.c.id)
        changed |= set(connection.scalars(sa.select(DOCUMENTS.c.article_id)
                                          .where(DOCUMENTS.c.article_id.not_in(published))))
    if changed:  # edited or deleted while we computed
        sync(changed, config)
    with_lists = len({row["article_id"] for row in computed.neighbours})
    return RebuildReport(len(computed.documents), with_lists, computed.fallback_lists, len(computed.terms),
                         time.perf_counter() - started_clock)


# --- articles changed ------------------------------------------------------------------------

def sync(article_ids: Iterable[int], config: Config) -> set[int]:
    """Bring the index up to date for the changed articles; returns the ids whose lists changed.

    A published article (even future-dated) is (re)indexed; anything else
    (draft, deleted) leaves the index. Then every list the changes can touch
    is recomputed, scoring all of them at once. A batch as large as a
    quarter of the index (a first import) is a full :func:`rebuild` instead:
    as fast, and exact.
    """
    ids = sorted(set(article_ids))
    with db.engine.connect() as connection:
        indexed = connection.scalar(sa.select(sa.func.count()).select_from(DOCUMENTS))
    if len(ids) >= max(BULK, indexed / 4):
        return _rebuild_all(config)
    analyzer = Analyzer()
    with write_transaction() as connection:
        _lock(connection)
        content_changed(connection)
        excluded = excluded_category_ids(connection, config.exclude_categories, analyzer)
        sources = {s.id: s for s in read_published(connection, ids)}
        olds = {}
        for chunk in _chunks(ids):
            olds.update((row.article_id, row) for row in
                        connection.execute(sa.select(DOCUMENTS).where(DOCUMENTS.c.article_id.in_(chunk))))
        holders = set()
        for chunk in _chunks(ids):
            holders.update(connection.scalars(
                sa.select(NEIGHBOURS.c.article_id).where(NEIGHBOURS.c.neighbour_id.in_(chunk))))
        gone = [i for i in ids if i not in sources and (i in olds or i in holders)]
        for article_id in gone:
            if article_id in olds:
                _forget_terms(connection, np.frombuffer(olds[article_id].terms, dtype=np.int32))
            connection.execute(DOCUMENTS.delete().where(DOCUMENTS.c.article_id == article_id))
            connection.execute(NEIGHBOURS.delete().where(NEIGHBOURS.c.article_id == article_id))
        for article_id, source in sources.items():
            _index(connection, source, olds.get(article_id), analyzer, config)
        if not gone and not sources:
            return set()  # drafts that never were public: nothing to do
        corpus = load_corpus(connection, config, excluded)
        affected = (holders | set(sources) | _entered(connection, corpus, list(sources), config)) - set(gone)
        _write_lists(connection, corpus, affected, config)
    return affected


def _rebuild_all(config: Config) -> set[int]:
    rebuild(config)
    with db.engine.connect() as connection:
        return set(connection.scalars(sa.select(DOCUMENTS.c.article_id)))


def _index(connection, source: Source, old, analyzer: Analyzer, config: Config) -> None:
    """Store ``source``'s vector, tags and dates; count its terms in the vocabulary."""
    fingerprint = source.fingerprint()
    tags = tag_hashes(analyzer, source.tags)
    if old is not None and old.fingerprint == fingerprint:
        term_ids, weights = np.frombuffer(old.terms, dtype=np.int32), np.frombuffer(old.weights, dtype=np.float32)
    else:
        if old is not None:
            _forget_terms(connection, np.frombuffer(old.terms, dtype=np.int32))
        terms: Terms = analyse(analyzer, source.title, plain_text(source.body_html), config.params)
        known = _count_terms(connection, terms.keys)
        ids = np.array([known[k][0] for k in terms.keys], dtype=np.int32)
        df = np.array([known[k][1] for k in terms.keys], dtype=np.float64)
        n = connection.scalar(sa.select(sa.func.count()).select_from(DOCUMENTS)) + (old is None)
        kept, weights = vector(terms, df, n, config.params)
        doc = make_doc(source.id, None, 0.0, tags, ids[kept], weights)
        term_ids, weights = doc.terms, doc.weights
    row = _document_row(source, tags, term_ids, weights, fingerprint)
    if old is not None:
        connection.execute(DOCUMENTS.update().where(DOCUMENTS.c.article_id == source.id).values(**row))
    else:
        connection.execute(DOCUMENTS.insert().values(**row))


def _entered(connection, corpus: Corpus, article_ids: list[int], config: Config) -> set[int]:
    """Articles whose list the (re)indexed articles may now belong in (a superset).

    An article enters another's list only if it scores above ``Params.floor``
    and that list is not full, is a fallback, or its weakest entry scores no
    more; a list filled with the category's latest may change with any new
    article of that category.
    """
    rows = [corpus.position[a] for a in article_ids if corpus.candidate[corpus.position[a]]]
    if not rows:
        return set()
    scores = corpus.scores(rows)
    scores[np.arange(len(rows)), rows] = -np.inf
    best = scores.max(axis=0)  # each article's best score against the changed ones
    above = set(corpus.ids[best > config.params.floor].tolist())
    categories = np.isin(corpus.category, corpus.category[rows])
    same_category = set(corpus.ids[categories].tolist()) - set(article_ids)
    lists = {}
    for chunk in _chunks(sorted(above | same_category)):
        query = (sa.select(NEIGHBOURS.c.article_id, sa.func.count(), sa.func.min(NEIGHBOURS.c.score),
                           sa.func.max(sa.cast(NEIGHBOURS.c.fallback, sa.Integer)))
                 .where(NEIGHBOURS.c.article_id.in_(chunk)).group_by(NEIGHBOURS.c.article_id))
        lists.update({a: (count, low, bool(fallback)) for a, count, low, fallback in connection.execute(query)})
    entered = set()
    for other in above | same_category:
        count, low, fallback = lists.get(other, (0, 0.0, False))
        if other in above and (fallback or count < config.size or best[corpus.position[other]] >= low):
            entered.add(other)
        elif other in same_category and (fallback or count == 0 or
                                         (config.params.fill_with_latest and count < config.size)):
            entered.add(other)  # it may be among the category's latest that fill the list
    return entered


def _write_lists(connection, corpus: Corpus, article_ids: set[int], config: Config) -> None:
    rows = [corpus.position[a] for a in sorted(article_ids) if a in corpus.position]
    for chunk in _chunks(sorted(article_ids)):
        connection.execute(NEIGHBOURS.delete().where(NEIGHBOURS.c.article_id.in_(chunk)))
    values = []
    for row, entries in corpus.lists(rows, config.size):
        values.extend(_neighbour_rows(corpus.docs[row].id, entries))
    if values:
        connection.execute(NEIGHBOURS.insert(), values)


def _count_terms(connection, keys: list[str]) -> dict[str, tuple[int, int]]:
    """df += 1 for each term (new terms get the next ids); returns term -> (id, df)."""
    known: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(keys):
        rows = connection.execute(sa.select(TERMS.c.term, TERMS.c.id, TERMS.c.df).where(TERMS.c.term.in_(chunk)))
        known.update((term, (i, df)) for term, i, df in rows)
    new = [k for k in keys if k not in known]
    if new:
        start = connection.scalar(sa.select(sa.func.coalesce(sa.func.max(TERMS.c.id) + 1, 0)))
        rows = [{"term": k, "id": start + n, "df": 0} for n, k in enumerate(new)]
        connection.execute(TERMS.insert(), rows)
        known.update((r["term"], (r["id"], 0)) for r in rows)
    for chunk in _chunks(keys):
        connection.execute(TERMS.update().where(TERMS.c.term.in_(chunk)).values(df=TERMS.c.df + 1))
    return {k: (i, df + 1) for k, (i, df) in known.items()}


def _forget_terms(connection, ids: np.ndarray) -> None:
    """df -= 1 for each term id; terms no article holds any more go."""
    for chunk in _chunks(ids.tolist()):
        connection.execute(TERMS.update().where(TERMS.c.id.in_(chunk)).values(df=TERMS.c.df - 1))
        connection.execute(TERMS.delete().where(TERMS.c.id.in_(chunk), TERMS.c.df <= 0))
