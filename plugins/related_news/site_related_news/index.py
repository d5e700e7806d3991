"""Keeping the stored neighbour lists right: full rebuild and per-article sync.

Every published article (future-dated ones too: they become public without
any hook firing, so the page view filters them by date instead) has a row in
``related_news_documents`` with its text vector and its profile (its best
first-order scores, see :mod:`.scoring`), and a list of neighbours in
``related_news_neighbours``. Drafts have neither.

:func:`sync` runs when articles change (one publish, or a whole import). It
re-indexes them, recomputes the profiles the changes can touch, then the
lists those profiles can change and the "latest in category" fallback lists
of their categories. It loads every stored vector and profile (a few MB at
10,000 articles), inside one write transaction, so two publishes never
interleave. A large batch (a first import) is a full rebuild instead.

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
from .analysis import ArticleText, index_all, text_key
from .scoring import Corpus, Doc, Params, Terms, analyse, make_doc, tag_hashes, vector
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
        size = stored_size(settings["count"])
        params = Params(
            title_weight=settings["title_weight"], tags_weight=settings["tags_weight"],
            category_weight=settings["category_weight"], unaccented_weight=settings["unaccented_weight"],
            threshold=settings["threshold"], min_score=settings["min_score"], max_terms=settings["max_terms"],
            fill_with_latest=settings["fill_with_latest"], profile_size=max(settings["profile_size"], size),
            profile_weight=settings["profile_weight"],
        )
        return cls(params, size=size,
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
        return text_key(self.title, self.body_html)


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
            profile=None if row.profile_ids is None else (np.frombuffer(row.profile_ids, dtype=np.int32),
                                                          np.frombuffer(row.profile_scores, dtype=np.float32)),
        ))
    return Corpus(docs, config.params)


def _text(source: Source, excluded: set[int]) -> ArticleText:
    return ArticleText(source.id, source.title, source.body_html, source.category_id,
                       source.published_at.timestamp(), source.tags, source.category_id in excluded)


def _document_row(source: Source, tags: np.ndarray, terms: np.ndarray, weights: np.ndarray,
                  fingerprint: str) -> dict:
    return {"article_id": source.id, "category_id": source.category_id, "published_at": source.published_at,
            "fingerprint": fingerprint, "tags": tags.astype(np.int64).tobytes(),
            "terms": terms.astype(np.int32).tobytes(), "weights": weights.astype(np.float32).tobytes()}


def _profile_values(corpus: Corpus, row: int) -> dict:
    ids, scores = corpus.stored_profile(row)
    return {"profile_ids": ids.tobytes(), "profile_scores": scores.astype(np.float32).tobytes()}


def _neighbour_rows(article_id: int, entries: list[tuple[int, float, bool]]) -> list[dict]:
    return [{"article_id": article_id, "rank": rank, "neighbour_id": other, "score": score, "fallback": fallback}
            for rank, (other, score, fallback) in enumerate(entries)]


def _lock(connection) -> None:
    """Serialise index writers (SQLite already does, with BEGIN IMMEDIATE)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _insert_plain(connection, table: sa.Table, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows of plain values (numbers, text, booleans) straight through the driver:
    a rebuild writes hundreds of thousands, and SQLAlchemy's per-row work would cost seconds."""
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
                 f"VALUES ({', '.join([marker] * len(columns))})")
    for chunk in _chunks(rows, 5000):
        connection.exec_driver_sql(statement, chunk)


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
    terms: list[tuple[str, int, int]]  # (term, id, df)
    neighbours: list[dict]
    fallback_lists: int


def compute(config: Config, progress: Progress = _no_progress) -> Computed:
    """Every vector and every list, from the articles as they are now (nothing is written)."""
    analyzer = Analyzer()
    with db.engine.connect() as connection:
        excluded = excluded_category_ids(connection, config.exclude_categories, analyzer)
        sources = list(read_published(connection))
    with progress("Phân tích bài viết", len(sources)) as bar:
        docs, vocabulary, df = index_all((_text(s, excluded) for s in sources), config.params, html=True,
                                         on_article=lambda: bar.update(1))
    corpus = Corpus(docs, config.params)
    with progress("So sánh các bài viết", len(docs)) as bar:
        corpus.build_profiles(on_row=lambda: bar.update(1))
    documents = [{**_document_row(source, doc.tags, doc.terms, doc.weights, source.fingerprint()),
                  **_profile_values(corpus, row)} for row, (source, doc) in enumerate(zip(sources, docs))]
    neighbours, fallbacks = [], 0
    with progress("Tính bài liên quan", len(docs)) as bar:
        for row, entries in corpus.lists(range(len(docs)), config.size):
            neighbours.extend(_neighbour_rows(corpus.docs[row].id, entries))
            fallbacks += bool(entries) and all(fallback for *_, fallback in entries)
            bar.update(1)
    terms = list(zip(vocabulary, range(len(vocabulary)), df.tolist()))
    return Computed(documents, terms, neighbours, fallbacks)


def lists_from_stored_vectors(config: Config) -> dict[int, list[tuple[int, bool]]]:
    """Every list, in order, as (neighbour id, is fallback), computed afresh from the stored
    vectors: profiles first, then lists, as a rebuild does, but without re-reading the articles
    (so without the IDF drift of syncs). What a sync must leave stored."""
    with db.engine.connect() as connection:
        excluded = excluded_category_ids(connection, config.exclude_categories, Analyzer())
        corpus = load_corpus(connection, config, excluded)
    corpus.build_profiles()
    return {int(corpus.ids[row]): [(other, fallback) for other, _, fallback in entries]
            for row, entries in corpus.lists(range(len(corpus)), config.size) if entries}


def stored_lists() -> dict[int, list[tuple[int, bool]]]:
    """Every stored list, in order, as (neighbour id, is fallback)."""
    query = sa.select(NEIGHBOURS.c.article_id, NEIGHBOURS.c.neighbour_id, NEIGHBOURS.c.fallback).order_by(
        NEIGHBOURS.c.article_id, NEIGHBOURS.c.rank)
    found: dict[int, list[tuple[int, bool]]] = {}
    with db.engine.connect() as connection:
        for article_id, neighbour_id, fallback in connection.execute(query):
            found.setdefault(article_id, []).append((neighbour_id, bool(fallback)))
    return found


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
        for chunk in _chunks(computed.documents, 5000):
            connection.execute(DOCUMENTS.insert(), chunk)
        _insert_plain(connection, TERMS, ["term", "id", "df"], computed.terms)
        columns = list(NEIGHBOURS.c.keys())
        _insert_plain(connection, NEIGHBOURS, columns, [tuple(row[c] for c in columns) for row in computed.neighbours])
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
    """Bring the index up to date for the changed articles; returns the ids whose lists were rewritten.

    A published article (even future-dated) is (re)indexed; anything else
    (draft, deleted) leaves the index. Then every profile and every list the
    changes can touch is recomputed (see :func:`_redo_profiles` and
    :func:`_redo_lists`), so every stored list is what a full computation
    from the stored vectors gives (:func:`lists_from_stored_vectors`). A
    batch as large as a quarter of the index (a first import), or an index
    without profiles (built by an older version), is a full :func:`rebuild`
    instead.
    """
    ids = sorted(set(article_ids))
    with db.engine.connect() as connection:
        indexed = connection.scalar(sa.select(sa.func.count()).select_from(DOCUMENTS))
        unprofiled = connection.scalar(sa.select(sa.func.count()).select_from(DOCUMENTS)
                                       .where(DOCUMENTS.c.profile_ids.is_(None)))
    if len(ids) >= max(BULK, indexed / 4) or unprofiled:
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
        holders = _holders(connection, ids)
        gone = [i for i in ids if i not in sources and (i in olds or i in holders)]
        for article_id in gone:
            if article_id in olds:
                _forget_terms(connection, np.frombuffer(olds[article_id].terms, dtype=np.int32))
            connection.execute(DOCUMENTS.delete().where(DOCUMENTS.c.article_id == article_id))
            connection.execute(NEIGHBOURS.delete().where(NEIGHBOURS.c.article_id == article_id))
        _index(connection, list(sources.values()), olds, analyzer, config)
        if not gone and not sources:
            return set()  # drafts that never were public: nothing to do
        corpus = load_corpus(connection, config, excluded)
        changed = [corpus.position[a] for a in sources]
        redone = _redo_profiles(corpus, changed)
        if redone:
            connection.execute(DOCUMENTS.update().where(DOCUMENTS.c.article_id == sa.bindparam("id")),
                               [{"id": int(corpus.ids[row]), **_profile_values(corpus, row)} for row in redone])
        affected = (set(holders) | _redo_lists(connection, corpus, redone, config)
                    | _latest_lists(connection, corpus, changed, config)) - set(gone)
        _write_lists(connection, corpus, affected, config)
    return affected


def _rebuild_all(config: Config) -> set[int]:
    rebuild(config)
    with db.engine.connect() as connection:
        return set(connection.scalars(sa.select(DOCUMENTS.c.article_id)))


def _holders(connection, ids: Iterable[int]) -> dict[int, set[int]]:
    """article id -> which of ``ids`` its stored list holds, for the lists holding any."""
    found: dict[int, set[int]] = {}
    for chunk in _chunks(sorted(ids)):
        query = sa.select(NEIGHBOURS.c.article_id, NEIGHBOURS.c.neighbour_id).where(
            NEIGHBOURS.c.neighbour_id.in_(chunk))
        for article_id, neighbour_id in connection.execute(query):
            found.setdefault(article_id, set()).add(neighbour_id)
    return found


def _index(connection, sources: list[Source], olds: dict, analyzer: Analyzer, config: Config) -> None:
    """Store each source's vector, tags and dates. The terms of the whole batch are counted in
    the vocabulary first, so every article of the batch is weighed with the same document counts."""
    analysed = {}
    for source in sources:
        old = olds.get(source.id)
        if old is not None and old.fingerprint == source.fingerprint():
            continue  # the text is unchanged: so is its vector
        if old is not None:
            _forget_terms(connection, np.frombuffer(old.terms, dtype=np.int32))
        terms: Terms = analyse(analyzer, source.title, plain_text(source.body_html), config.params)
        keys = [analyzer.spell(code) for code in terms.codes.tolist()]
        known = _count_terms(connection, keys)
        analysed[source.id] = terms, np.array([known[k][0] for k in keys], dtype=np.int32)
    df = _document_counts(connection, np.concatenate([ids for _, ids in analysed.values()] or [[]]))
    n = connection.scalar(sa.select(sa.func.count()).select_from(DOCUMENTS)) + sum(
        source.id not in olds for source in sources)
    for source in sources:
        old, tags = olds.get(source.id), tag_hashes(analyzer, source.tags)
        if source.id in analysed:
            terms, ids = analysed[source.id]
            kept, weights = vector(terms, np.array([df[i] for i in ids.tolist()], dtype=np.float64), n,
                                   config.params)
            doc = make_doc(source.id, None, 0.0, tags, ids[kept], weights)
            term_ids, weights = doc.terms, doc.weights
        else:
            term_ids, weights = np.frombuffer(old.terms, dtype=np.int32), np.frombuffer(old.weights, np.float32)
        row = _document_row(source, tags, term_ids, weights, source.fingerprint())
        if old is not None:
            connection.execute(DOCUMENTS.update().where(DOCUMENTS.c.article_id == source.id).values(**row))
        else:
            connection.execute(DOCUMENTS.insert().values(**row))


def _document_counts(connection, ids: np.ndarray) -> dict[int, int]:
    """term id -> its document frequency, as stored now."""
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(set(ids.astype(np.int64).tolist()))):
        found.update(connection.execute(sa.select(TERMS.c.id, TERMS.c.df).where(TERMS.c.id.in_(chunk))).all())
    return found


# A first-order score is summed in another order when read from the other article's row:
# comparisons against stored scores allow this much, erring towards recomputing.
SLACK = 1e-5


def _redo_profiles(corpus: Corpus, changed: list[int]) -> set[int]:
    """Recompute the profiles the changed rows can touch; returns them and the rows whose profile changed.

    Touched: the changed rows; the profiles that held one of them or an
    article now gone; those one of them now scores into (above the floor and
    at least their weakest entry, or they are not full).
    """
    profiles = corpus.unit_profiles()
    touched = set(changed) | corpus.stale
    if changed:
        touched |= set(profiles[:, changed].tocoo().row.tolist())
    params = corpus.params
    weakest = np.array([p[1][-1] if p is not None and len(p[1]) >= params.profile_size else -np.inf
                        for p in corpus.profiles])
    entering = [r for r in changed if corpus.candidate[r]]
    for start in range(0, len(entering), 512):  # against every article, excluded ones too (they have lists)
        scores = corpus.scores(entering[start:start + 512])
        touched |= set(np.flatnonzero(((scores > params.floor) & (scores >= weakest - SLACK)).any(axis=0)))
    redone = set(changed)  # their date or category may have changed, not their profile
    for row, *new in corpus.computed_profiles(sorted(touched)):
        old = corpus.profiles[row]
        if old is None or row in corpus.stale or not all(map(np.array_equal, old, new)):
            corpus.set_profile(row, *new)
            redone.add(row)
    return redone


def _redo_lists(connection, corpus: Corpus, redone: set[int], config: Config) -> set[int]:
    """The ids of the lists the redone profiles can change (a superset).

    A list depends only on its article's profile and its candidates'
    profiles. So: the redone articles' own lists; the lists holding one of
    them; and the lists that have one of them as a candidate and are not
    full, or whose weakest related entry it now scores as much as.
    """
    if not redone:
        return set()
    rows = sorted(redone)
    ids = corpus.ids[rows]
    lists = set(ids.tolist()) | set(_holders(connection, ids.tolist()))
    membership = corpus.unit_profiles()[:, rows].tocoo()
    pairs = [(a, rows[j]) for a, j in zip(membership.row.tolist(), membership.col.tolist())
             if int(corpus.ids[a]) not in lists]
    if not pairs:
        return lists
    stored = {}
    for chunk in _chunks(sorted({int(corpus.ids[a]) for a, _ in pairs})):
        query = (sa.select(NEIGHBOURS.c.article_id, sa.func.count(), sa.func.min(NEIGHBOURS.c.score))
                 .where(NEIGHBOURS.c.article_id.in_(chunk), NEIGHBOURS.c.fallback.is_(False))
                 .group_by(NEIGHBOURS.c.article_id))
        stored.update((a, (count, low)) for a, count, low in connection.execute(query))
    first = [corpus.profiles[a][1][corpus.profiles[a][0] == b][0] for a, b in pairs]
    scores = corpus.pair_scores([a for a, _ in pairs], [b for _, b in pairs], first)
    for (a, _), score in zip(pairs, scores):
        count, low = stored.get(int(corpus.ids[a]), (0, 0.0))
        if count < config.size or score >= low - SLACK:
            lists.add(int(corpus.ids[a]))
    return lists


def _latest_lists(connection, corpus: Corpus, changed: list[int], config: Config) -> set[int]:
    """Lists of the changed articles' categories that the category's latest fill (or may now)."""
    if not changed:
        return set()
    same = set(corpus.ids[np.isin(corpus.category, corpus.category[changed])].tolist())
    related = {}
    for chunk in _chunks(sorted(same)):
        query = (sa.select(NEIGHBOURS.c.article_id, sa.func.count()).where(
            NEIGHBOURS.c.article_id.in_(chunk), NEIGHBOURS.c.fallback.is_(False)).group_by(NEIGHBOURS.c.article_id))
        related.update(connection.execute(query).all())
    return {a for a in same if related.get(a, 0) == 0
            or (config.params.fill_with_latest and related[a] < config.size)}


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
