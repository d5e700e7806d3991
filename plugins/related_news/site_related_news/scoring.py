"""How related two articles are: the ranking, without any database.

An article's **text vector** holds its terms (see :mod:`.text`) weighted by
TF-IDF: ``(1 + ln tf) * idf``, with ``idf = ln(1 + (N - df + 0.5) / (df +
0.5))`` (BM25's IDF, near zero for terms in most articles). A title term
counts ``title_weight`` times a body term; unaccented twins count
``unaccented_weight`` times. Only the ``max_terms`` heaviest terms are kept,
and the vector is scaled to length 1, so two articles' text similarity is the
cosine of their vectors.

The **first-order score** of a pair is::

    sim(a, b) = text cosine + tags_weight * tag cosine + category_weight * [same category]

where tags are weighted by their own IDF (a tag on every article says
nothing). Terms are numbered by a vocabulary (stored beside the vectors),
so a vector is two compact arrays: term ids and weights.

Each article's **profile** is its ``profile_size`` best first-order scores
above the floor (``category_weight + min_score``): its candidates. The
**score** that ranks them adds a second-order similarity, the cosine of the
two articles' profiles (each with the article itself at ``profile_self``): articles with the
same neighbours are related even when they share few words::

    score(a, b) = (sim(a, b) + profile_weight * (cosine(profile(a), profile(b)) + editorial(a, b)))
                  / (1 + profile_weight)

where ``editorial`` is the tags and category part of ``sim``, so what editors
said keeps its weight beside the second-order similarity.

An article's list depends only on its profile and its candidates' profiles,
which is what lets a sync recompute exactly the lists a change can touch.
"""
from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sparse_dot_topn import sp_matmul, sp_matmul_topn

from .text import Analyzer

PROFILE_MARGIN = 8  # more of a row's best scores kept than its profile needs, to see ties at the cut


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
    profile_size: int = 50  # candidates per article, and the length of its profile
    profile_weight: float = 8.0  # weight of the profiles' cosine (0: first-order only)
    profile_self: float = 0.0  # the article itself in its own profile (0: only its candidates)

    @property
    def floor(self) -> float:
        """Related articles score more than this: ``min_score`` above the same category alone."""
        return self.category_weight + self.min_score


def tag_hash(name: str) -> int:
    """A stable signed 64-bit id for a normalised tag name (Python's ``hash`` changes per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little", signed=True)


@dataclass
class Terms:
    """One article's analysed text: its distinct terms (codes, see :class:`Analyzer`), their
    counts, which are unaccented twins."""

    codes: np.ndarray  # int64, sorted
    counts: np.ndarray  # title counts * title_weight + body counts
    twins: np.ndarray  # bool: weighted by unaccented_weight


def analyse(analyzer: Analyzer, title: str, text: str, params: Params) -> Terms:
    """The weighted term counts of an article (title terms count ``title_weight`` times).

    An article typed without diacritics has only unaccented terms, at full
    weight; others have both, the unaccented twins at ``unaccented_weight``.
    """
    accents = not analyzer.typed_without_diacritics(title + " " + text)
    body, head = analyzer.codes(text, accents), analyzer.codes(title, accents)
    codes, inverse = np.unique(np.concatenate([body, head]), return_inverse=True)
    weight = np.concatenate([np.ones(len(body)), np.full(len(head), params.title_weight)])
    counts = np.bincount(inverse.ravel(), weight, minlength=len(codes)).astype(np.float32)
    return Terms(codes, counts, analyzer.is_twin(codes) if accents else np.zeros(len(codes), dtype=bool))


def idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    df = np.asarray(df, dtype=np.float64)
    return np.log1p(np.maximum(n_docs - df + 0.5, 0.5) / (df + 0.5))


def vector(terms: Terms, df: np.ndarray, n_docs: int, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """The article's text vector: (positions in ``terms.codes``, weights), the heaviest
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
    profile: tuple[np.ndarray, np.ndarray] | None = None  # (int32 article ids, float32 first-order scores)


class Corpus:
    """Every indexed article as one sparse matrix, to score many pairs at once.

    Each row is ``[text vector | sqrt(tags_weight) * tag vector |
    sqrt(category_weight) * category]``, so one row-by-row product gives the
    whole first-order score. Profiles come from the docs (stored) or from
    :meth:`build_profiles`; lists from the profiles.
    """

    def __init__(self, docs: Sequence[Doc], params: Params) -> None:
        self.docs = list(docs)
        self.params = params
        self.position = {doc.id: i for i, doc in enumerate(self.docs)}
        n = len(self.docs)
        categories: dict = {}
        self.category = np.array([categories.setdefault(d.category_id, len(categories)) for d in self.docs],
                                 dtype=np.int64)
        parts = [sp.csr_matrix((n, 1))]  # tags and category: what editors said, beside the text
        if params.tags_weight:
            parts.append(math.sqrt(params.tags_weight) * _tag_rows([d.tags for d in self.docs]))
        if params.category_weight and n:
            parts.append(sp.csr_matrix((np.full(n, math.sqrt(params.category_weight)), self.category,
                                        np.arange(n + 1)), shape=(n, len(categories))))
        self.editorial = sp.hstack(parts, format="csr", dtype=np.float32)
        self.matrix = sp.hstack([_rows([d.terms for d in self.docs], [d.weights for d in self.docs]),
                                 self.editorial], format="csr", dtype=np.float32)
        self._transposed = None  # made on first use
        self._candidates_transposed = None  # the same, excluded articles' scores zero
        self._by_category = None  # category -> its candidate rows, newest first
        self._unit_profiles = None  # made on first use, dropped when a profile changes
        self.published = np.array([d.published_at for d in self.docs], dtype=np.float64)
        self.ids = np.array([d.id for d in self.docs], dtype=np.int64)
        self.candidate = np.array([not d.excluded for d in self.docs], dtype=bool)
        # Newest first, ties by id descending: the order of "latest articles".
        self.recency = np.lexsort((-self.ids, -self.published)) if n else np.empty(0, np.int64)
        # Each article's profile as (rows, scores); None: not computed yet. ``stale``: the rows
        # whose stored profile names an article that is gone.
        self.profiles: list[tuple[np.ndarray, np.ndarray] | None] = [None] * n
        self.stale: set[int] = set()
        for row, doc in enumerate(self.docs):
            if doc.profile is not None:
                ids, scores = doc.profile
                positions = np.fromiter((self.position.get(int(i), -1) for i in ids), np.int64, len(ids))
                self.profiles[row] = positions[positions >= 0], scores[positions >= 0]
                if (positions < 0).any():
                    self.stale.add(row)

    def __len__(self) -> int:
        return len(self.docs)

    def scores(self, rows: Sequence[int]) -> np.ndarray:
        """Dense first-order scores of ``rows`` against every article, shape (len(rows), N).

        One formula for any number of rows, so a row's scores are the same
        bits in a sync and in a rebuild.
        """
        if self._transposed is None:
            self._transposed = self.matrix.T.tocsr()
        return (self.matrix[np.asarray(rows, dtype=np.int64)] @ self._transposed).toarray()

    # --- profiles: each article's best first-order scores ------------------------------------

    def best_scores(self, rows: Sequence[int], block: int = 512):
        """(row, its scores) for each of ``rows``: not itself, not excluded articles."""
        rows = list(rows)
        for start in range(0, len(rows), block):
            chunk = rows[start:start + block]
            scores = self.scores(chunk)
            scores[:, ~self.candidate] = -np.inf
            scores[np.arange(len(chunk)), chunk] = -np.inf
            yield from zip(chunk, scores)

    def profile_of(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The profile in a row of first-order scores: (positions, float32 scores), best first."""
        above = np.flatnonzero(scores > self.params.floor)
        return self._best(above, scores[above].astype(np.float32), self.params.profile_size)

    def computed_profiles(self, rows: Iterable[int], block: int = 512):
        """(row, positions, scores) of each of ``rows``' profile, computed from the vectors.

        The same as :meth:`profile_of` its :meth:`best_scores`, bit for bit,
        without a dense row of scores: the product keeps only each row's best
        (sparse_dot_topn). Where equal scores may run past what it kept, the
        row is scored in full instead.
        """
        size = self.params.profile_size
        kept = size + 1 + PROFILE_MARGIN  # + 1: the article itself
        if self._candidates_transposed is None:  # excluded articles' scores zero
            transposed = self.matrix.T.tocsr()
            transposed.data *= self.candidate[transposed.indices]
            self._candidates_transposed = transposed
        rows = list(rows)
        for start in range(0, len(rows), block):
            chunk = np.asarray(rows[start:start + block], dtype=np.int64)
            best = sp_matmul_topn(self.matrix[chunk], self._candidates_transposed,
                                  top_n=kept, threshold=self.params.floor, n_threads=_threads(len(chunk)))
            # Every entry of the block as (row in chunk, position, score), each row's best first.
            owner = np.repeat(np.arange(len(chunk)), np.diff(best.indptr))
            positions, scores = best.indices.astype(np.int64), best.data.astype(np.float32)
            others = positions != chunk[owner]
            owner, positions, scores = owner[others], positions[others], scores[others]
            order = np.lexsort((-self.ids[positions], -self.published[positions], -scores, owner))
            owner, positions, scores = owner[order], positions[order], scores[order]
            starts = np.searchsorted(owner, np.arange(len(chunk) + 1))
            for i, row in enumerate(chunk.tolist()):
                first, end = starts[i], starts[i + 1]
                if (np.diff(best.indptr[i:i + 2])[0] == kept and end - first >= size
                        and scores[first + size - 1] == scores[end - 1]):
                    yield row, *self.profile_of(next(self.best_scores([row]))[1])  # ties run past the cut
                else:
                    cut = min(end, first + size)
                    yield row, positions[first:cut], scores[first:cut]

    def build_profiles(self, rows: Iterable[int] | None = None, on_row: Callable[[], None] | None = None) -> None:
        """Compute the profiles of ``rows`` (all by default) from the vectors."""
        for row, positions, scores in self.computed_profiles(range(len(self)) if rows is None else rows):
            self.set_profile(row, positions, scores)
            if on_row:
                on_row()

    def set_profile(self, row: int, positions: np.ndarray, scores: np.ndarray) -> None:
        self.profiles[row] = (positions, scores)
        self._unit_profiles = None

    def stored_profile(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """``row``'s profile as stored: (article ids, scores)."""
        positions, scores = self.profiles[row]
        return self.ids[positions].astype(np.int32), scores

    def _best(self, positions: np.ndarray, scores: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``size`` best ``positions`` by ``scores``, best first (equal scores: newest, then highest id)."""
        if len(scores) > size:
            cut = np.partition(scores, len(scores) - size)[len(scores) - size]
            keep = np.flatnonzero(scores >= cut)
            positions, scores = positions[keep], scores[keep]
        order = np.lexsort((-self.ids[positions], -self.published[positions], -scores))[:size]
        return positions[order], scores[order]

    def unit_profiles(self) -> sp.csr_matrix:
        """Every profile as a row of length 1 (the article itself at ``profile_self``, its candidates
        at their scores)."""
        if self._unit_profiles is None:
            n = len(self)
            profiles = [p if p is not None else (np.empty(0, np.int64), np.empty(0, np.float32))
                        for p in self.profiles]
            columns = [np.concatenate([[row], positions]) for row, (positions, _) in enumerate(profiles)]
            values = [np.concatenate([[self.params.profile_self], scores]) for _, scores in profiles]
            matrix = _rows(columns, values) if n else sp.csr_matrix((0, 0))
            matrix.resize((n, n))
            norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
            self._unit_profiles = sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ matrix)
        return self._unit_profiles

    def pair_scores(self, rows: Sequence[int], others: Sequence[int], first: np.ndarray) -> np.ndarray:
        """The scores of the pairs (``rows[i]``, ``others[i]``) whose first-order scores are ``first``."""
        rows, others = np.asarray(rows, dtype=np.int64), np.asarray(others, dtype=np.int64)
        second = sum(np.asarray(m[rows].multiply(m[others]).sum(axis=1)).ravel()
                     for m in (self.unit_profiles(), self.editorial))
        return self._combine(np.asarray(first, dtype=np.float64), second)

    def _combine(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """(first-order + profile_weight * (profiles' cosine + tags and category)) / (1 + profile_weight):
        tags and category keep their weight beside the second-order similarity."""
        weight = self.params.profile_weight
        return (first + weight * second) / (1 + weight)

    # --- lists ----------------------------------------------------------------------------

    def lists(self, rows: Iterable[int], size: int, block: int = 512):
        """(row, neighbours) for each of ``rows``: up to ``size`` (article id, score, is fallback).

        Neighbours are the candidates (the profile) scoring at least
        ``threshold`` times the article's best score, best first (equal
        scores: newest first); when none is, the latest articles of the same
        category, marked fallback; with ``fill_with_latest``, those also fill
        a list of fewer than ``size``. Never the article itself, never an
        excluded one.
        """
        rows = list(rows)
        unit = self.unit_profiles()
        transposed = (unit.T.tocsr(), self.editorial.T.tocsr())
        block = max(16, min(block, 4_000_000 // max(len(self), 1)))  # a dense block of about 32 MB
        for start in range(0, len(rows), block):
            chunk = rows[start:start + block]
            threads = _threads(len(chunk))  # the two parts added dense: the same sums, cheaper
            second = sp_matmul(unit[chunk], transposed[0], n_threads=threads).toarray()
            second += sp_matmul(self.editorial[chunk], transposed[1], n_threads=threads).toarray()
            for i, row in enumerate(chunk):
                positions, first = self.profiles[row]
                score = self._combine(first.astype(np.float64), second[i, positions])
                yield row, self._list(row, positions, score, size)

    def _list(self, row: int, positions: np.ndarray, score: np.ndarray, size: int) -> list[tuple[int, float, bool]]:
        if len(score):
            keep = score >= self.params.threshold * score.max()
            positions, score = self._best(positions[keep], score[keep], size)
        chosen = [(int(self.ids[p]), float(s), False) for p, s in zip(positions, score)]
        if not chosen or (self.params.fill_with_latest and len(chosen) < size):
            chosen += self._latest(row, size - len(chosen), set(positions.tolist()))
        return chosen

    def _latest(self, row: int, count: int, taken: set[int]) -> list[tuple[int, float, bool]]:
        """The fallback: the latest articles of ``row``'s category, not ``row``, not ``taken`` rows."""
        if self._by_category is None:
            order = self.recency[self.candidate[self.recency]]
            self._by_category = {c: order[self.category[order] == c] for c in np.unique(self.category)}
        latest = self._by_category.get(self.category[row], np.empty(0, np.int64))
        picked = [i for i in latest[: count + len(taken) + 1].tolist() if i != row and i not in taken][:count]
        return [(int(self.ids[i]), 0.0, True) for i in picked]


def cores() -> int:
    """The cores this process may run on (at most 4)."""
    return max(1, min(len(os.sched_getaffinity(0)), 4))


def _threads(rows: int) -> int | None:
    """Threads for a product of ``rows`` rows: one per core for many rows (each row is
    computed alone, so the result is the same)."""
    return cores() if rows >= 64 and cores() > 1 else None


def _rows(columns: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> sp.csr_matrix:
    """A CSR matrix with one row per doc; ``columns`` are small non-negative ids."""
    lengths = np.fromiter((len(c) for c in columns), dtype=np.int64, count=len(columns))
    if not len(columns) or not lengths.sum():
        return sp.csr_matrix((len(columns), 1), dtype=np.float64)
    indices = np.concatenate(columns)
    data = np.concatenate(values)  # as given: float32 weights stay float32 (memory)
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


def make_doc(id, category_id, published_at, tags, term_ids, weights, excluded=False) -> Doc:
    """A Doc with its terms sorted by id (as stored)."""
    order = np.argsort(term_ids, kind="stable")
    return Doc(id, category_id, published_at, tags, term_ids[order].astype(np.int32),
               weights[order].astype(np.float32), excluded)


def tag_hashes(analyzer: Analyzer, names: Iterable[str]) -> np.ndarray:
    """Hashes of the normalised tag names ("Hoà bình" and "hòa bình" are one tag)."""
    return np.array(sorted({tag_hash(analyzer.tag(n)) for n in names if n.strip()}), dtype=np.int64)
