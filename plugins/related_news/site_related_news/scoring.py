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
nothing). Terms are numbered by a vocabulary (stored beside the vectors),
so a vector is two compact arrays: term ids and weights.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
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
    unaccented_weight: float = 0.3
    threshold: float = 0.2  # relative: a share of the article's own best score
    min_score: float = 0.02  # absolute: what one incidental shared word gives stays below
    max_terms: int = 1000
    fill_with_latest: bool = True  # fewer related than shown: the category's latest fill the list

    @property
    def floor(self) -> float:
        """Related articles score more than this: ``min_score`` above the same category alone."""
        return self.category_weight + self.min_score


def tag_hash(name: str) -> int:
    """A stable signed 64-bit id for a normalised tag name (Python's ``hash`` changes per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little", signed=True)


@dataclass
class Terms:
    """One article's analysed text: its distinct terms, their counts, which are unaccented twins."""

    keys: list[str]
    counts: np.ndarray  # title counts * title_weight + body counts
    twins: np.ndarray  # bool: weighted by unaccented_weight


def analyse(analyzer: Analyzer, title: str, text: str, params: Params) -> Terms:
    """The weighted term counts of an article (title terms count ``title_weight`` times).

    An article typed without diacritics has only unaccented terms, at full
    weight; others have both, the unaccented twins at ``unaccented_weight``.
    """
    accents = not analyzer.typed_without_diacritics(title + " " + text)
    counts: Counter = analyzer.terms(text, accents)
    for term, n in analyzer.terms(title, accents).items():
        counts[term] += n * params.title_weight
    keys = list(counts)
    return Terms(keys, np.fromiter(counts.values(), dtype=np.float32, count=len(keys)),
                 np.array([accents and k[0] == UNACCENTED_PREFIX for k in keys], dtype=bool))


def idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    df = np.asarray(df, dtype=np.float64)
    return np.log1p(np.maximum(n_docs - df + 0.5, 0.5) / (df + 0.5))


def vector(terms: Terms, df: np.ndarray, n_docs: int, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """The article's text vector: (positions in ``terms.keys``, weights), the heaviest
    ``max_terms``, scaled to length 1."""
    if not len(terms.counts):
        return np.empty(0, np.int64), np.empty(0, np.float32)
    weights = (1.0 + np.log(np.maximum(terms.counts, 1.0))) * idf(df, n_docs)
    weights = np.where(terms.twins, weights * params.unaccented_weight, weights)
    keep = np.flatnonzero(weights > 0)
    if len(keep) > params.max_terms:
        keep = keep[np.argpartition(-weights[keep], params.max_terms - 1)[: params.max_terms]]
    chosen = weights[keep]
    norm = math.sqrt(float(np.dot(chosen, chosen))) or 1.0
    return keep, (chosen / norm).astype(np.float32)


@dataclass
class Doc:
    """One indexed article, as the neighbour computation needs it."""

    id: int
    category_id: int | None
    published_at: float  # POSIX seconds, for "latest" and ties
    tags: np.ndarray  # int64 hashes of normalised tag names
    terms: np.ndarray  # int32 term ids (the vocabulary's), sorted
    weights: np.ndarray  # float32, length 1
    excluded: bool = False  # in an excluded category: never anyone's neighbour


class Corpus:
    """Every indexed article as one sparse matrix, to score many pairs at once.

    Each row is ``[text vector | sqrt(tags_weight) * tag vector |
    sqrt(category_weight) * category]``, so one row-by-row product gives the
    whole score: text cosine + weighted tag cosine + weighted same category.
    """

    def __init__(self, docs: Sequence[Doc], params: Params) -> None:
        self.docs = list(docs)
        self.params = params
        self.position = {doc.id: i for i, doc in enumerate(self.docs)}
        n = len(self.docs)
        categories: dict = {}
        self.category = np.array([categories.setdefault(d.category_id, len(categories)) for d in self.docs],
                                 dtype=np.int64)
        parts = [_rows([d.terms for d in self.docs], [d.weights for d in self.docs])]
        if params.tags_weight:
            parts.append(math.sqrt(params.tags_weight) * _tag_rows([d.tags for d in self.docs]))
        if params.category_weight and n:
            parts.append(sp.csr_matrix((np.full(n, math.sqrt(params.category_weight)), self.category,
                                        np.arange(n + 1)), shape=(n, len(categories))))
        self.matrix = sp.hstack(parts, format="csr", dtype=np.float32)
        self._transposed = None  # made on first use by a large block
        self._by_category = None  # category -> its candidate rows, newest first
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
        if len(rows) < 32:  # a sync: transpose the few rows, not the whole matrix
            return (self.matrix @ self.matrix[rows].T).T.toarray()
        if self._transposed is None:
            self._transposed = self.matrix.T.tocsr()
        return (self.matrix[rows] @ self._transposed).toarray()

    def neighbours(self, row: int, scores: np.ndarray, size: int) -> list[tuple[int, float, bool]]:
        """The ``size`` best (article id, score, is fallback) for article ``row``."""
        return next(self._block([row], scores[None, :], size))[1]

    def lists(self, rows: Iterable[int], size: int, block: int = 512):
        """(row, neighbours) for each of ``rows``, scored ``block`` rows at a time.

        Neighbours are the articles scoring more than ``Params.floor`` and at least
        ``threshold`` times the article's best score, best first (equal
        scores: newest first), at most ``size``; when none is above, the
        latest articles of the same category, marked fallback; with
        ``fill_with_latest``, those also fill a list of fewer than ``size``.
        Never the article itself, never an excluded one.
        """
        rows = list(rows)
        for start in range(0, len(rows), block):
            chunk = rows[start:start + block]
            yield from self._block(chunk, self.scores(chunk), size)

    def _block(self, rows: list[int], scores: np.ndarray, size: int):
        scores = np.where(self.candidate[None, :], scores, -np.inf)
        scores[np.arange(len(rows)), rows] = -np.inf
        n = scores.shape[1]
        if n > size:  # the size-th best score of each row, found for all rows at once
            cut = np.partition(scores, n - size, axis=1)[:, n - size]
        else:
            cut = np.full(len(rows), -np.inf)
        # Related: more than min_score above what the same category alone gives, and
        # at least ``threshold`` times the row's own best score.
        best = scores.max(axis=1) if n else np.zeros(len(rows))
        floor = np.nextafter(self.params.floor, np.inf)
        cut = np.maximum(cut, np.maximum(self.params.threshold * best, floor))
        for row, row_scores, row_cut in zip(rows, scores, cut):
            above = np.flatnonzero(row_scores >= row_cut)  # every tie at the cut stays
            order = np.lexsort((-self.ids[above], -self.published[above], -row_scores[above]))[:size]
            chosen = [(int(self.ids[i]), float(row_scores[i]), False) for i in above[order]]
            if not chosen or (self.params.fill_with_latest and len(chosen) < size):
                chosen += self._latest(row, size - len(chosen), {int(i) for i in above[order]})
            yield row, chosen

    def _latest(self, row: int, count: int, taken: set[int]) -> list[tuple[int, float, bool]]:
        """The fallback: the latest articles of ``row``'s category, not ``row``, not ``taken`` rows."""
        if self._by_category is None:
            order = self.recency[self.candidate[self.recency]]
            self._by_category = {c: order[self.category[order] == c] for c in np.unique(self.category)}
        latest = self._by_category.get(self.category[row], np.empty(0, np.int64))
        picked = [i for i in latest[: count + len(taken) + 1].tolist() if i != row and i not in taken][:count]
        return [(int(self.ids[i]), 0.0, True) for i in picked]


def _rows(columns: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> sp.csr_matrix:
    """A CSR matrix with one row per doc; ``columns`` are small non-negative ids."""
    lengths = np.fromiter((len(c) for c in columns), dtype=np.int64, count=len(columns))
    if not len(columns) or not lengths.sum():
        return sp.csr_matrix((len(columns), 1), dtype=np.float64)
    indices = np.concatenate(columns).astype(np.int64)
    data = np.concatenate(values).astype(np.float64)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return sp.csr_matrix((data, indices, indptr), shape=(len(columns), int(indices.max()) + 1))


def _tag_rows(tags: Sequence[np.ndarray]) -> sp.csr_matrix:
    """Tag vectors weighted by tag IDF, each of length 1 (no tags: a zero row)."""
    lengths = np.fromiter((len(t) for t in tags), dtype=np.int64, count=len(tags))
    if not len(tags) or not lengths.sum():
        return sp.csr_matrix((len(tags), 1), dtype=np.float64)
    flat = np.concatenate(tags)
    distinct, column = np.unique(flat, return_inverse=True)
    weight = idf(np.bincount(column), len(tags))[column]
    row = np.repeat(np.arange(len(tags)), lengths)
    norms = np.sqrt(np.bincount(row, weights=weight * weight, minlength=len(tags)))
    weight = np.divide(weight, norms[row], out=np.zeros_like(weight), where=norms[row] > 0)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return sp.csr_matrix((weight, column, indptr), shape=(len(tags), len(distinct)))


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
              on_article: Callable[[], None] | None = None) -> tuple[list[Doc], dict[str, int], np.ndarray]:
    """Every article's vector with exact document frequencies: the full rebuild's maths.

    Returns the docs, the vocabulary (term -> id) and each id's document frequency.
    """
    analyzer = analyzer or Analyzer()
    vocabulary: dict[str, int] = {}
    articles = list(articles)
    analysed = []
    for article in articles:
        terms = analyse(analyzer, article.title, article.text, params)
        ids = list(map(vocabulary.get, terms.keys))
        if None in ids:
            for i, key in enumerate(terms.keys):
                if ids[i] is None:
                    ids[i] = vocabulary[key] = len(vocabulary)
        terms.keys = []  # the strings live on in the vocabulary only: 10,000 articles' would take GBs
        analysed.append((terms, np.array(ids, dtype=np.int32)))
        if on_article:
            on_article()
    df = np.bincount(np.concatenate([ids for _, ids in analysed] or [np.empty(0, np.int32)]),
                     minlength=len(vocabulary))
    docs = []
    for article, (terms, ids) in zip(articles, analysed):
        kept, weights = vector(terms, df[ids], len(articles), params)
        docs.append(make_doc(article.id, article.category_id, article.published_at,
                             tag_hashes(analyzer, article.tags), ids[kept], weights, article.excluded))
    return docs, vocabulary, df


def make_doc(id, category_id, published_at, tags, term_ids, weights, excluded=False) -> Doc:
    """A Doc with its terms sorted by id (as stored)."""
    order = np.argsort(term_ids, kind="stable")
    return Doc(id, category_id, published_at, tags, term_ids[order].astype(np.int32),
               weights[order].astype(np.float32), excluded)


def tag_hashes(analyzer: Analyzer, names: Iterable[str]) -> np.ndarray:
    """Hashes of the normalised tag names ("Hoà bình" and "hòa bình" are one tag)."""
    return np.array(sorted({tag_hash(analyzer.tag(n)) for n in names if n.strip()}), dtype=np.int64)
