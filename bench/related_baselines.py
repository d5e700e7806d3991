"""The two rankings the related-news plugin is compared with.

``tags_and_category``: what many CMS "related posts" boxes do — one point
per shared tag (tags are matched as stored, i.e. by name), one for the same
category, newest first among equals; when nothing is shared, the latest
articles of the same category (the same fallback as ours).

``yarpp_like``: WordPress's YARPP 4 on a default MySQL/InnoDB, as documented
in its source and MySQL's manual:

- keywords: the 20 most frequent words of the article's body and the 20 of
  its title, stop words removed (YARPP has no Vietnamese list: we give it
  ours, in its favour);
- ``MATCH(column) AGAINST(keywords)`` in natural-language mode: InnoDB's
  relevance, the sum over matched words of ``tf * idf²`` with
  ``idf = log10(rows / rows containing the word)``; the utf8mb4 collation
  ignores accents (so "hòa", "hoà" and "hoa" are one word) and InnoDB skips
  words shorter than ``innodb_ft_min_token_size = 3`` characters;
- score = title match + body match + shared categories + shared tags
  (YARPP's default weights, all 1); only scores >= 4 (its default threshold)
  are shown, best first; no fallback ("No related posts").
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from site_related_news.text import STOP, unaccented

WORD = re.compile(r"[^\W_]+")
MIN_TOKEN = 3
KEYWORDS = 20
YARPP_THRESHOLD = 4.0
FOLDED_STOP = {unaccented(w) for w in STOP}


def _latest_same_category(i: int, categories: Sequence, dates: Sequence[float], k: int) -> list[int]:
    same = [j for j in range(len(categories)) if j != i and categories[j] == categories[i]]
    return sorted(same, key=lambda j: (-dates[j], -j))[:k]


def tags_and_category(tags: Sequence[set[str]], categories: Sequence, dates: Sequence[float], k: int = 5):
    """For each article: (indices of its related articles, for each whether it is a fallback)."""
    n = len(tags)
    results = []
    for i in range(n):
        scored = []
        for j in range(n):
            if j == i:
                continue
            score = len(tags[i] & tags[j]) + (categories[i] == categories[j])
            if tags[i] & tags[j]:  # the category alone is the fallback, below
                scored.append((-score, -dates[j], -j, j))
        if scored:
            chosen = [j for *_, j in sorted(scored)[:k]]
            results.append((chosen, [False] * len(chosen)))
        else:
            chosen = _latest_same_category(i, categories, dates, k)
            results.append((chosen, [True] * len(chosen)))
    return results


def _tokens(text: str) -> list[str]:
    words = (unaccented(w) for w in WORD.findall(text.lower()))
    return [w for w in words if len(w) >= MIN_TOKEN]


def _keywords(text: str) -> list[str]:
    counts = Counter(w for w in _tokens(text) if w not in FOLDED_STOP)
    return [w for w, _ in counts.most_common(KEYWORDS)]


class _FullText:
    """One InnoDB FULLTEXT index over one column of every article."""

    def __init__(self, texts: Sequence[str]) -> None:
        counts = [Counter(_tokens(t)) for t in texts]
        self.vocabulary = {w: i for i, w in enumerate(sorted({w for c in counts for w in c}))}
        self.matrix = _sparse(counts, self.vocabulary)
        df = np.bincount(self.matrix.indices, minlength=len(self.vocabulary))
        self.idf2 = np.log10(len(texts) / np.maximum(df, 1)) ** 2

    def relevance(self, keywords: Sequence[Sequence[str]]) -> np.ndarray:
        """(queries x articles): InnoDB's relevance of each article for each query's keywords."""
        wanted = _sparse([Counter({w: 1 for w in words if w in self.vocabulary}) for words in keywords],
                         self.vocabulary)
        return (wanted @ (self.matrix @ sp.diags(self.idf2)).T).toarray()


def _sparse(counts: Sequence[Counter], vocabulary: dict[str, int]) -> sp.csr_matrix:
    rows = [i for i, c in enumerate(counts) for _ in c]
    columns = [vocabulary[w] for c in counts for w in c]
    values = [n for c in counts for n in c.values()]
    return sp.csr_matrix((values, (rows, columns)), shape=(len(counts), len(vocabulary)), dtype=np.float64)


def yarpp_like(titles: Sequence[str], bodies: Sequence[str], tags: Sequence[set[str]],
               categories: Sequence, k: int = 5, threshold: float = YARPP_THRESHOLD):
    """For each article: (indices of its related articles, all False: YARPP has no fallback)."""
    score = (_FullText(titles).relevance([_keywords(t) for t in titles])
             + _FullText(bodies).relevance([_keywords(b) for b in bodies]))
    names = {t: i for i, t in enumerate(sorted(set().union(*tags)))}
    tagged = _sparse([Counter(set(t)) for t in tags], names)
    score += (tagged @ tagged.T).toarray()  # +1 per shared tag
    kinds = {c: i for i, c in enumerate(dict.fromkeys(categories))}
    category = np.array([kinds[c] for c in categories])
    results = []
    for i in range(len(titles)):
        row = score[i] + (category == category[i])  # +1 for the same category
        row[i] = -np.inf
        order = [j for j in np.argsort(-row, kind="stable")[:k] if row[j] >= threshold]
        results.append((order, [False] * len(order)))
    return results
