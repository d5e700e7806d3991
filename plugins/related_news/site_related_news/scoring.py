"""How related two articles are: the ranking, without any database.

An article's **text vector** holds its terms (see :mod:`.text`) weighted by
TF-IDF: ``(1 + ln tf) * idf``, with ``idf = ln(1 + (N - df + 0.5) / (df +
0.5))`` (BM25's IDF, near zero for terms in most articles). A title term
counts ``title_weight`` times a body term; unaccented twins count
``unaccented_weight`` times. Only the ``max_terms`` heaviest terms are kept,
and the vector is scaled to length 1, so two articles' text similarity is the
cosine of their vectors.

The **score** of a pair is::

    text cosine + tags_weight * tag cosine + category_weight * [same category]

where tags are weighted by their own IDF (a tag on every article says
nothing). Terms are stored as 64-bit hashes, so vectors are compact arrays.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .text import UNACCENTED_PREFIX, Analyzer


@dataclass(frozen=True)
class Params:
    """The ranking's knobs (the plugin's settings of the same names)."""

    title_weight: float = 2.0
    tags_weight: float = 0.2
    category_weight: float = 0.05
    unaccented_weight: float = 1.0
    threshold: float = 0.2
    max_terms: int = 200


def term_hash(term: str) -> int:
    """A stable signed 64-bit id for ``term`` (Python's ``hash`` changes per process)."""
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little", signed=True)


@dataclass
class Terms:
    """One article's analysed text: term hashes, counts, and which are unaccented twins."""

    hashes: np.ndarray  # int64, distinct
    counts: np.ndarray  # float64: title counts * title_weight + body counts
    twins: np.ndarray  # bool


def analyse(analyzer: Analyzer, title: str, text: str, params: Params,
            hashes: dict[str, int] | None = None) -> Terms:
    """The weighted term counts of an article (title terms count ``title_weight`` times).

    An article typed without diacritics has only unaccented terms, at full
    weight; others have both, the unaccented twins at ``unaccented_weight``.
    """
    accents = not analyzer.typed_without_diacritics(title + " " + text)
    counts: Counter = analyzer.terms(text, accents)
    for term, n in analyzer.terms(title, accents).items():
        counts[term] += n * params.title_weight
    cache = hashes if hashes is not None else {}
    keys = list(counts)
    ids = []
    for term in keys:
        h = cache.get(term)
        if h is None:
            h = cache[term] = term_hash(term)
        ids.append(h)
    return Terms(np.array(ids, dtype=np.int64), np.array([counts[k] for k in keys], dtype=np.float64),
                 np.array([accents and k.startswith(UNACCENTED_PREFIX) for k in keys], dtype=bool))


def idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    df = np.asarray(df, dtype=np.float64)
    return np.log1p(np.maximum(n_docs - df + 0.5, 0.5) / (df + 0.5))


def vector(terms: Terms, df: np.ndarray, n_docs: int, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """The article's text vector: (term hashes, weights), heaviest ``max_terms``, length 1."""
    if len(terms.hashes) == 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    weights = (1.0 + np.log(np.maximum(terms.counts, 1.0))) * idf(df, n_docs)
    weights = np.where(terms.twins, weights * params.unaccented_weight, weights)
    keep = np.flatnonzero(weights > 0)
    if len(keep) > params.max_terms:
        keep = keep[np.argpartition(-weights[keep], params.max_terms - 1)[: params.max_terms]]
    keep = keep[np.argsort(terms.hashes[keep])]
    chosen = weights[keep]
    norm = math.sqrt(float(np.dot(chosen, chosen))) or 1.0
    return terms.hashes[keep], (chosen / norm).astype(np.float32)


@dataclass
class Doc:
    """One indexed article, as the neighbour computation needs it."""

    id: int
    category_id: int | None
    published_at: float  # POSIX seconds, for "latest" and ties
    tags: np.ndarray  # int64 hashes of normalised tag names
    terms: np.ndarray  # int64 hashes
    weights: np.ndarray  # float32, length 1
    excluded: bool = False  # in an excluded category: never anyone's neighbour


class Corpus:
    """Every indexed article as sparse matrices, to score many pairs at once."""

    def __init__(self, docs: Sequence[Doc], params: Params) -> None:
        self.docs = list(docs)
        self.params = params
        self.position = {doc.id: i for i, doc in enumerate(self.docs)}
        n = len(self.docs)
        self.text = _rows(self.docs, lambda d: d.terms, lambda d: d.weights)
        self.tags = _tag_rows(self.docs)
        categories: dict = {}
        cat_columns = [categories.setdefault(d.category_id, len(categories)) for d in self.docs]
        self.category = np.array(cat_columns, dtype=np.int64)
        self.published = np.array([d.published_at for d in self.docs], dtype=np.float64)
        self.ids = np.array([d.id for d in self.docs], dtype=np.int64)
        self.candidate = np.array([not d.excluded for d in self.docs], dtype=bool)
        # Newest first, ties by id descending: the order of "latest articles".
        self.recency = np.lexsort((-self.ids, -self.published)) if n else np.empty(0, np.int64)

    def __len__(self) -> int:
        return len(self.docs)

    def scores(self, rows: Sequence[int]) -> np.ndarray:
        """Dense scores of ``rows`` against every article, shape (len(rows), N)."""
        rows = np.asarray(rows, dtype=np.int64)
        text = (self.text[rows] @ self.text.T).toarray()
        if self.params.tags_weight:
            text += self.params.tags_weight * (self.tags[rows] @ self.tags.T).toarray()
        if self.params.category_weight:
            same = self.category[rows][:, None] == self.category[None, :]
            text += self.params.category_weight * same
        return text

    def neighbours(self, row: int, scores: np.ndarray, size: int) -> list[tuple[int, float, bool]]:
        """The ``size`` best (article id, score, is fallback) for article ``row``.

        Articles above the threshold, best first (ties: newest first). When
        none is, the latest articles of the same category, marked fallback.
        """
        allowed = self.candidate.copy()
        allowed[row] = False
        above = np.flatnonzero(allowed & (scores > self.params.threshold))
        if len(above):
            if len(above) > size:
                # keep every tie at the cut so the order below is exact
                cut = np.partition(scores[above], len(above) - size)[len(above) - size]
                above = above[scores[above] >= cut]
            order = np.lexsort((-self.ids[above], -self.published[above], -scores[above]))[:size]
            return [(int(self.ids[i]), float(scores[i]), False) for i in above[order]]
        same = allowed[self.recency] & (self.category[self.recency] == self.category[row])
        latest = self.recency[same][:size]
        return [(int(self.ids[i]), 0.0, True) for i in latest]

    def lists(self, rows: Iterable[int], size: int, block: int = 256):
        """(row, neighbours) for each of ``rows``, scored ``block`` rows at a time."""
        rows = list(rows)
        for start in range(0, len(rows), block):
            chunk = rows[start:start + block]
            for row, scores in zip(chunk, self.scores(chunk)):
                yield row, self.neighbours(row, scores, size)


def _rows(docs: Sequence[Doc], keys, values) -> sp.csr_matrix:
    """A CSR matrix with one row per doc; columns are the distinct hashes."""
    lengths = [len(keys(d)) for d in docs]
    if not docs or not sum(lengths):
        return sp.csr_matrix((len(docs), 1), dtype=np.float64)
    flat = np.concatenate([keys(d) for d in docs])
    columns, inverse = np.unique(flat, return_inverse=True)
    data = np.concatenate([np.asarray(values(d), dtype=np.float64) for d in docs])
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return sp.csr_matrix((data, inverse.astype(np.int64), indptr), shape=(len(docs), len(columns)))


def _tag_rows(docs: Sequence[Doc]) -> sp.csr_matrix:
    """Tag vectors weighted by tag IDF, each of length 1 (none: a zero row)."""
    df = Counter(int(t) for d in docs for t in d.tags)
    n = len(docs)
    weights: dict[int, float] = {t: float(idf(np.array([c]), n)[0]) for t, c in df.items()}

    def values(doc: Doc) -> np.ndarray:
        w = np.array([weights[int(t)] for t in doc.tags], dtype=np.float64)
        norm = float(np.linalg.norm(w))
        return w / norm if norm else w

    return _rows(docs, lambda d: d.tags, values)


@dataclass
class ArticleText:
    """What the ranking reads of an article: plain text, tags, category, date."""

    id: int
    title: str
    text: str
    category_id: object
    published_at: float  # POSIX seconds
    tags: Sequence[str] = ()
    excluded: bool = False


def index_all(articles: Iterable[ArticleText], params: Params, analyzer: Analyzer | None = None,
              on_article: Callable[[], None] | None = None) -> tuple[list[Doc], dict[int, int]]:
    """Every article's vector with exact document frequencies: the full rebuild's maths.

    Returns the docs and the document frequency of every term hash.
    """
    analyzer = analyzer or Analyzer()
    hashes: dict[str, int] = {}
    articles = list(articles)
    analysed = []
    for article in articles:
        analysed.append(analyse(analyzer, article.title, article.text, params, hashes))
        if on_article:
            on_article()
    df = document_frequencies(t.hashes for t in analysed)
    docs = []
    for article, terms in zip(articles, analysed):
        term_ids, weights = vector(terms, np.array([df[h] for h in terms.hashes.tolist()]), len(articles), params)
        docs.append(Doc(article.id, article.category_id, article.published_at, tag_hashes(analyzer, article.tags),
                        term_ids, weights, excluded=article.excluded))
    return docs, df


def tag_hashes(analyzer: Analyzer, names: Iterable[str]) -> np.ndarray:
    """Hashes of the normalised tag names ("Hoà bình" and "hòa bình" are one tag)."""
    return np.array(sorted({term_hash("#" + analyzer.tag(n)) for n in names if n.strip()}), dtype=np.int64)


def document_frequencies(all_terms: Iterable[np.ndarray]) -> Mapping[int, int]:
    """How many of the articles contain each term hash."""
    arrays = [a for a in all_terms if len(a)]
    if not arrays:
        return {}
    hashes, counts = np.unique(np.concatenate(arrays), return_counts=True)
    return dict(zip(hashes.tolist(), counts.tolist()))
